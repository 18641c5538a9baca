"""Group -2: flood control. Each user may send `limit` updates per `window` seconds (sliding window,
in memory). The first update over the limit gets one polite cool-down notice in the user's
language; further ones are dropped (`ApplicationHandlerStop`) until the window frees. Other users
are not affected: the count is per user.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from bot.context import BotContext
from bot.i18n import translator
from handlers.identity import resolve_language

log = logging.getLogger(__name__)

LIMIT = 20
WINDOW = 10.0  # seconds


@dataclass
class _Window:
    accepted: deque[float] = field(default_factory=deque)
    noticed: bool = False  # the cool-down notice for the current flood was sent


class FloodGate:
    """Pure bookkeeping (no Telegram): `check(user_id)` says accept, notice or drop."""

    ACCEPT, NOTICE, DROP = "accept", "notice", "drop"

    def __init__(
        self, limit: int = LIMIT, window: float = WINDOW, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._monotonic = monotonic
        self._users: dict[int, _Window] = {}

    def check(self, user_id: int) -> str:
        now = self._monotonic()
        state = self._users.setdefault(user_id, _Window())
        while state.accepted and state.accepted[0] <= now - self.window:
            state.accepted.popleft()
        if len(state.accepted) < self.limit:
            state.accepted.append(now)
            state.noticed = False
            self._prune(now)
            return self.ACCEPT
        if state.noticed:
            return self.DROP
        state.noticed = True
        return self.NOTICE

    def _prune(self, now: float) -> None:
        """Forget users who have been quiet for a whole window (bounded memory)."""
        if len(self._users) < 10_000:
            return
        horizon = now - self.window
        quiet = [uid for uid, w in self._users.items() if not w.accepted or w.accepted[-1] <= horizon]
        for uid in quiet:
            del self._users[uid]


def _language(update: Update, context: BotContext) -> str:
    """Group -1 has not run yet: use the cached stored choice if there is one, else Telegram's."""
    tg_user = update.effective_user
    assert tg_user is not None
    # UserService has no public peek; its cache holds the stored choice for recently seen users.
    cached = getattr(context.bot_data.users, "_cache", {}).get(tg_user.id)
    stored = cached[1].language if cached else None
    return resolve_language(stored, tg_user.language_code, context.settings.default_language)


async def _notify(update: Update, context: BotContext) -> None:
    tr = translator(_language(update, context), context.settings.timezone)
    text = tr.gettext("⏳ That was a lot at once. Please wait a few seconds, then write to me again.")
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.effective_chat is not None and update.effective_chat.type == "private":
            await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError as exc:
        log.info("could not send the cool-down notice: %s", exc)


def make_gate(gate: FloodGate) -> Callable[[Update, BotContext], object]:
    async def check(update: Update, context: BotContext) -> None:
        tg_user = update.effective_user
        if tg_user is None or tg_user.is_bot:
            return
        verdict = gate.check(tg_user.id)
        if verdict == FloodGate.ACCEPT:
            return
        if verdict == FloodGate.NOTICE:
            log.warning("flood limit reached by user %s", tg_user.id)
            await _notify(update, context)
        raise ApplicationHandlerStop

    check.gate = gate  # type: ignore[attr-defined]  # tests find the gate (and its limits) here
    return check


def register(app: Application, gate: FloodGate | None = None) -> None:
    app.add_handler(TypeHandler(Update, make_gate(gate or FloodGate())), group=-2)
