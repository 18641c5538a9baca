"""The catch-all: whatever no feature handled gets a friendly hint and the menu, never silence."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import N_
from handlers.ui import answer_query, main_menu_markup, reply

log = logging.getLogger(__name__)


def _hint(message: str) -> Callable[[Update, BotContext], Awaitable[None]]:
    """A handler that answers with a friendly hint (an untranslated msgid) and the main menu."""

    async def answer(update: Update, context: BotContext) -> None:
        await reply(update, context, context._(message), main_menu_markup(context))

    return answer


unknown_command = _hint(N_("I do not know this command. Here is what I can do:"))
not_text = _hint(N_("I can only read text messages. Please write to me or choose from the menu:"))
edited = _hint(N_("I only read new messages, not edited ones. Please send it again as a new message."))


async def stale_button(update: Update, context: BotContext) -> None:
    """A button from an old message, or callback data nobody recognises (it is user input)."""
    data = update.callback_query.data if update.callback_query else None
    log.info("unhandled callback data %r", (data or "")[:64])
    await answer_query(update, context._("This button is no longer valid."))
    await reply(
        update, context, context._("What can I help you with? Choose below."), main_menu_markup(context)
    )


def register_first(app: Application) -> None:
    """Edited messages would otherwise reach the command handlers: answer them before any feature."""
    app.add_handler(MessageHandler(filters.UpdateType.EDITED & filters.ChatType.PRIVATE, edited))


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(MessageHandler(filters.COMMAND & private, unknown_command))
    app.add_handler(MessageHandler(filters.ALL & private & ~filters.StatusUpdate.ALL, not_text))
    app.add_handler(CallbackQueryHandler(stale_button))
