"""The global error handler: log the update id and traceback, tell the user in their language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot.context import BotContext
from bot.i18n import translator
from handlers.identity import identify, resolve_language
from handlers.ui import answer_query, back_to_menu_markup

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    await _resolve_language(update, context)
    try:
        await answer_query(update)  # unless the failed handler answered already
        await context.bot.send_message(
            update.effective_chat.id,
            context._("😕 Sorry, something went wrong on my side. Please try again in a moment."),
            reply_markup=back_to_menu_markup(context),
        )
    except TelegramError:
        log.warning("could not tell the user about the error in update %s", update_id)


async def _resolve_language(update: Update, context: BotContext) -> None:
    """The error handler gets a fresh context: find the user's language again, even if the DB fails."""
    try:
        await identify(update, context)
    except Exception:  # the database may be what failed
        code = update.effective_user.language_code if update.effective_user else None
        lang = resolve_language(None, code, context.settings.default_language)
        context.tr = translator(lang, context.settings.timezone)


def register(app: Application) -> None:
    app.add_error_handler(on_error)
