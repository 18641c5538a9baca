"""Role checks for every staff-only command, conversation step and callback.

Callback data is user input: a client can craft or replay a staff button. Every staff handler is
wrapped with `staff_only` (or `admin_only`), which looks at the role resolved for *this* update,
refuses politely in the user's language and logs the attempt.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import ConversationHandler

from bot.context import BotContext
from storage.models import Role

log = logging.getLogger(__name__)

Handler = Callable[[Update, BotContext], Awaitable[Any]]
H = TypeVar("H", bound=Handler)


def _require(allowed: frozenset[str], what: str) -> Callable[[H], H]:
    def decorate(handler: H) -> H:
        @functools.wraps(handler)
        async def checked(update: Update, context: BotContext) -> Any:
            user = context.user
            if user is None or user.role not in allowed:
                data = update.callback_query.data if update.callback_query else None
                text = update.effective_message.text if update.effective_message and not data else None
                log.warning(
                    "refused %s action %s to user %s (role %s): %r",
                    what,
                    handler.__name__,
                    user.id if user else None,
                    user.role if user else None,
                    (data or text or "")[:64],
                )
                message = context._("Sorry, this is only for office staff.")
                if update.callback_query is not None:
                    await update.callback_query.answer(message, show_alert=True)
                elif update.effective_chat is not None:
                    await context.bot.send_message(update.effective_chat.id, message)
                return ConversationHandler.END
            return await handler(update, context)

        checked.required_roles = allowed  # type: ignore[attr-defined]  # found by tests/test_authorization.py
        return checked  # type: ignore[return-value]

    return decorate


staff_only = _require(frozenset({Role.STAFF.value, Role.ADMIN.value}), "staff")
admin_only = _require(frozenset({Role.ADMIN.value}), "admin")
volunteer_only = _require(frozenset({Role.VOLUNTEER.value}), "volunteer")
