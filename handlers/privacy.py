"""/privacy (the notice), /mydata (everything stored, as a JSON file), /deleteme (erase after a
confirmation), and the daily retention job.

The data itself is described by the features in `bot.privacy.REGISTRY` (core entries in
`bot.privacy_core`), so what features add later is exported and erased without a change here.
"""

from __future__ import annotations

import datetime as dt
import logging
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ConversationHandler, filters

from bot.context import BotContext
from bot.privacy_core import erase_user, export_json, export_user
from bot.retention import run_retention
from handlers.ui import answer_query, back_to_menu_markup, reply

log = logging.getLogger(__name__)

DELETE_YES = "prv:del:yes"
DELETE_NO = "prv:del:no"
RETENTION_JOB = "retention"
RETENTION_AT = dt.time(3, 30)  # local time, when the bot is quiet


def privacy_notice(context: BotContext) -> str:
    settings = context.settings
    tr = context.tr
    office = tr.isolate(escape(context.settings.office_name))
    paragraphs = [
        context._("🔒 <b>Your data and your privacy</b>"),
        context._(
            "What I store: your Telegram user id, the language you chose and the day you last wrote to "
            "me. I do not store your name or your phone number. When you use these features, I also "
            "store your saved services, your appointments and reminders, the topics you subscribed to "
            "and, if you volunteer, your volunteer profile."
        ),
        context._(
            "Why: to answer you in your language, to remind you of your appointments and to send you "
            "the news you asked for. Nothing else: no advertising, no analysis of your messages."
        ),
        tr.ngettext(
            "How long: messages I sent you are deleted after {count} day.",
            "How long: messages I sent you are deleted after {count} days.",
            settings.outbox_retention_days,
        ).format(count=tr.number(settings.outbox_retention_days))
        + "\n"
        + tr.ngettext(
            "If you do not write to me for {count} day, I delete everything I store about you.",
            "If you do not write to me for {count} days, I delete everything I store about you.",
            settings.inactive_user_retention_days,
        ).format(count=tr.number(settings.inactive_user_retention_days)),
        context._(
            "Who sees it: only the staff of the {office}. Volunteers see only what they need for a task "
            "they took on. Nobody else."
        ).format(office=office),
        context._(
            "Your rights: /mydata sends you everything I store about you as a file. /deleteme deletes "
            "it. You can also ask the office to correct your data, and you can complain to a data "
            "protection authority."
        ),
        context._("Contact: {office}, {contact}").format(
            office=office, contact=tr.isolate(escape(context.settings.office_contact))
        ),
    ]
    return "\n\n".join(paragraphs)


async def show_privacy(update: Update, context: BotContext) -> None:
    await reply(update, context, privacy_notice(context), back_to_menu_markup(context))


async def send_my_data(update: Update, context: BotContext) -> None:
    if context.user is None or update.effective_chat is None:
        return
    data = await export_user(context.bot_data.sessions, context.user.id)
    day = context.bot_data.clock().astimezone(context.settings.tz).date()
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(export_json(data), filename=f"my-data-{day.isoformat()}.json"),
        caption=context._("📄 Everything I store about you. You can delete it with /deleteme."),
    )


async def ask_delete(update: Update, context: BotContext) -> None:
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(context._("🗑 Yes, delete my data"), callback_data=DELETE_YES)],
            [InlineKeyboardButton(context._("Cancel"), callback_data=DELETE_NO)],
        ]
    )
    text = context._(
        "Do you want me to delete everything I store about you? This includes your language, saved "
        "services, appointments and reminders, subscriptions and volunteer profile. It cannot be undone."
    )
    await reply(update, context, text, markup)


async def confirm_delete(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if context.user is None or chat is None or chat.type != chat.PRIVATE:
        await answer_query(update, context._("This button is no longer valid."))
        return
    await answer_query(update)
    user_id = context.user.id
    await erase_user(context.bot_data.sessions, user_id)
    forget_user(context.application, user_id)
    log.info("erased a user on their own request")
    await reply(
        update,
        context,
        context._(
            "✅ Done. I have deleted everything I stored about you. If you write to me again, "
            "I will start afresh."
        ),
    )


async def cancel_delete(update: Update, context: BotContext) -> None:
    await answer_query(update)
    await reply(update, context, context._("Nothing was deleted."), back_to_menu_markup(context))


def forget_user(app: Application, user_id: int) -> None:
    """Drop what this process still holds in memory about an erased user."""
    app.bot_data.users.forget(user_id)
    app.drop_user_data(user_id)
    for group in app.handlers.values():
        for handler in group:
            if isinstance(handler, ConversationHandler):
                # PTB has no public API to end a conversation from outside; popping the key from its
                # tracking dict also drops it from the persistence on the next update_persistence.
                conversations = handler._conversations
                for key in [k for k in conversations if user_id in k]:
                    conversations.pop(key, None)


async def retention_job(context: BotContext) -> None:
    state = context.bot_data
    now = state.clock()
    report = await run_retention(
        state.sessions, now, state.settings, today=now.astimezone(state.settings.tz).date()
    )
    for user_id in report.erased_users:
        forget_user(context.application, user_id)


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE  # personal data is never sent to a group
    app.add_handler(CommandHandler("privacy", show_privacy, private))
    app.add_handler(CommandHandler("mydata", send_my_data, private))
    app.add_handler(CommandHandler("deleteme", ask_delete, private))
    app.add_handler(CallbackQueryHandler(confirm_delete, pattern=f"^{DELETE_YES}$"))
    app.add_handler(CallbackQueryHandler(cancel_delete, pattern=f"^{DELETE_NO}$"))
    if app.job_queue is not None:
        tz = app.bot_data.settings.tz
        app.job_queue.run_daily(retention_job, time=RETENTION_AT.replace(tzinfo=tz), name=RETENTION_JOB)
