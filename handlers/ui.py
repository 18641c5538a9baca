"""Small helpers every feature uses to answer: menus, callback answers, edit-or-send."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError

from bot.context import BotContext


@dataclass(frozen=True)
class MenuEntry:
    """A main-menu button. `label` is an untranslated msgid (marked with N_)."""

    label: str
    callback_data: str
    order: int
    visible: Callable[[BotContext], bool] = lambda _context: True


log = logging.getLogger(__name__)

MAIN_MENU: list[MenuEntry] = []
MENU_CALLBACK = "menu:main"


def add_menu_entry(entry: MenuEntry) -> None:
    """Features add their button when they register, so the menu never shows a dead button."""
    MAIN_MENU[:] = sorted(
        [e for e in MAIN_MENU if e.callback_data != entry.callback_data] + [entry], key=lambda e: e.order
    )


def grid(buttons: list[InlineKeyboardButton], width: int = 2) -> list[list[InlineKeyboardButton]]:
    """Lay buttons out in rows of `width`."""
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def main_menu_markup(context: BotContext) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(context._(e.label), callback_data=e.callback_data)
        for e in MAIN_MENU
        if e.visible(context)
    ]
    return InlineKeyboardMarkup(grid(buttons))


def back_to_menu_markup(context: BotContext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(context._("☰ Menu"), callback_data=MENU_CALLBACK)]])


async def reply(
    update: Update, context: BotContext, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Answer where the update came from: a new message, or the message whose button was pressed."""
    chat = update.effective_chat
    if chat is None:
        return None
    query = update.callback_query
    message = query.message if query is not None else None
    # Only a text message can be edited into text; below a document, venue or photo: a new message.
    if query is not None and isinstance(message, Message) and message.text and message.get_bot() is not None:
        try:
            edited = await query.edit_message_text(text, reply_markup=markup)
            return edited if isinstance(edited, Message) else None
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return None
            # The old message cannot be edited (too old, deleted): send a fresh one.
    return await context.bot.send_message(chat.id, text, reply_markup=markup)


async def answer_query(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a callback query (so the button stops spinning) while the handler goes on.

    The answer is sent concurrently with whatever the handler sends next: one round trip less
    per button press. Telegram takes one answer per query and refuses a second: the first wins
    (a handler that answers and then shows another screen whose handler answers too is fine).
    """
    query = update.callback_query
    if query is None or _ANSWERED.get(id(query)) is query:
        return
    _ANSWERED[id(query)] = query  # held, so its id cannot be reused while it is in here
    while len(_ANSWERED) > 1_000:
        _ANSWERED.popitem(last=False)
    task = asyncio.ensure_future(_answer(query, text, alert))
    _PENDING_ANSWERS.add(task)
    task.add_done_callback(_PENDING_ANSWERS.discard)


_PENDING_ANSWERS: set[asyncio.Future[None]] = set()
_ANSWERED: OrderedDict[int, CallbackQuery] = OrderedDict()  # the queries answered lately


async def _answer(query: CallbackQuery, text: str | None, alert: bool) -> None:
    try:
        await query.answer(text, show_alert=alert)
    except TelegramError as exc:  # too old, or Telegram hiccups: nothing left to stop spinning
        log.info("could not answer callback query: %s", exc)
