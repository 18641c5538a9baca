"""/topics: clients choose which news they receive; offered once to every new client."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.context import BotContext
from bot.topics import topics_of
from handlers.start import AFTER_FIRST_LANGUAGE
from handlers.ui import MENU_CALLBACK, answer_query, reply
from storage.models import Role

log = logging.getLogger(__name__)

TOPICS = "top:list"
TOGGLE = "top:t:"  # + topic id
OFFERED_KEY = "topics_offered"


async def _markup(context: BotContext) -> InlineKeyboardMarkup:
    assert context.user is not None
    service = topics_of(context.bot_data)
    topics = await service.topics()
    subscribed = await service.subscriptions(context.user.id)
    lang = context.tr.lang
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if t.id in subscribed else "▫️ ") + t.label(lang), callback_data=f"{TOGGLE}{t.id}"
            )
        ]
        for t in topics
    ]
    rows.append([InlineKeyboardButton(context._("☰ Menu"), callback_data=MENU_CALLBACK)])
    return InlineKeyboardMarkup(rows)


def _text(context: BotContext) -> str:
    return context._(
        "📬 <b>Topics</b>\nChoose what you would like to get news about. "
        "Tap a topic to subscribe, tap it again to unsubscribe."
    )


async def show_topics(update: Update, context: BotContext) -> None:
    await answer_query(update)
    await reply(update, context, _text(context), await _markup(context))


async def toggle_topic(update: Update, context: BotContext) -> None:
    assert context.user is not None
    data = update.callback_query.data if update.callback_query else ""
    raw = (data or "").removeprefix(TOGGLE)
    topic_id = int(raw) if raw.isdigit() and len(raw) < 10 else None
    subscribed = await topics_of(context.bot_data).toggle(context.user.id, topic_id) if topic_id else None
    if subscribed is None:
        await answer_query(update, context._("This button is no longer valid."))
        return
    await answer_query(update, context._("Subscribed.") if subscribed else context._("Unsubscribed."))
    await reply(update, context, _text(context), await _markup(context))


async def offer_topics(update: Update, context: BotContext) -> None:
    """After a new client chose a language: offer the topics, once."""
    if context.user is None or context.user.role != Role.CLIENT.value or update.effective_chat is None:
        return
    if context.user_data is not None:
        if context.user_data.get(OFFERED_KEY):
            return
        context.user_data[OFFERED_KEY] = True
    text = context._(
        "📬 Would you like news about some topics? Tap the ones that interest you. "
        "You can change this any time with /topics."
    )
    try:
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=await _markup(context))
    except TelegramError as exc:  # an offer is a courtesy: never an error for the user to hear about
        log.info("could not offer topics to %s: %s", context.user.id, exc)


async def _seed(context: ContextTypes.DEFAULT_TYPE) -> None:
    await topics_of(context.bot_data).ensure_seeded()


def register(app: Application) -> None:
    topics_of(app.bot_data)
    if app.job_queue is not None:
        app.job_queue.run_once(_seed, 0, name="topics:seed")
    if offer_topics not in AFTER_FIRST_LANGUAGE:
        AFTER_FIRST_LANGUAGE.append(offer_topics)
    app.add_handler(CommandHandler("topics", show_topics))
    app.add_handler(CallbackQueryHandler(show_topics, pattern=f"^{TOPICS}$"))
    app.add_handler(CallbackQueryHandler(toggle_topic, pattern=f"^{TOGGLE}"))
