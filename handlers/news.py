"""Main menu "📰 News": the latest announcements for this person, in their language."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.announcements import announcements_of
from bot.context import BotContext
from bot.i18n import N_
from bot.topics import topics_of
from handlers.topics import TOPICS
from handlers.ui import MENU_CALLBACK, MenuEntry, add_menu_entry, answer_query, reply

NEWS = "news:show"
LIMIT = 4000  # of Telegram's 4096 characters


async def show_news(update: Update, context: BotContext) -> None:
    assert context.user is not None
    await answer_query(update)
    subscribed = await topics_of(context.bot_data).subscriptions(context.user.id)
    items = await announcements_of(context.bot_data).news(
        lang=context.tr.lang, role=context.user.role, topics=subscribed
    )
    title = context._("📰 <b>News</b>")
    blocks = [f"🗓 <i>{context.tr.date(item.at)}</i>\n{item.text}" for item in items]
    while blocks and len("\n\n".join([title, *blocks])) > LIMIT:
        blocks.pop()  # the oldest go first; the bodies are HTML and are never cut in the middle
    if not blocks:
        blocks = [context._("There is no news yet. Choose topics to get news as soon as there is some.")]
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(context._("📬 My topics"), callback_data=TOPICS)],
            [InlineKeyboardButton(context._("☰ Menu"), callback_data=MENU_CALLBACK)],
        ]
    )
    await reply(update, context, "\n\n".join([title, *blocks]), markup)


def register(app: Application) -> None:
    add_menu_entry(MenuEntry(N_("📰 News"), NEWS, order=60))
    app.add_handler(CommandHandler("news", show_news))
    app.add_handler(CallbackQueryHandler(show_news, pattern=f"^{NEWS}$"))
