"""Telegram's sending limits as a scheduler of send slots.

Telegram allows about 30 messages a second overall, one a second per chat and 20 a minute per
group. `acquire` first waits for the chat's own turn, then for an overall slot; each reservation is
made without awaiting in between, so concurrent senders never share a slot.
A 429 `pause`s everything for its retry_after: Telegram's flood limit is per bot, not per chat.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    def __init__(
        self,
        per_second: float = 25.0,
        per_chat_per_second: float = 1.0,
        per_group_per_minute: int = 20,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._interval = 1.0 / per_second if per_second > 0 else 0.0
        self._chat_interval = 1.0 / per_chat_per_second if per_chat_per_second > 0 else 0.0
        self._group_limit = per_group_per_minute
        self._now = monotonic
        self._next_global = 0.0
        self._paused_until = 0.0
        self._next_chat: dict[int, float] = {}
        self._group_sends: dict[int, deque[float]] = {}

    def reserve_chat(self, chat_id: int) -> float:
        """The earliest moment this chat may get its next message (one a second; groups 20 a minute)."""
        now = self._now()
        slot = max(now, self._next_chat.get(chat_id, 0.0))
        if chat_id < 0 and self._group_limit > 0:  # groups and channels: n per rolling minute
            window = self._group_sends.setdefault(chat_id, deque())
            while window and window[0] <= slot - 60.0:
                window.popleft()
            if len(window) >= self._group_limit:
                slot = max(slot, window[-self._group_limit] + 60.0)
            window.append(slot)
        self._next_chat[chat_id] = slot + self._chat_interval
        if len(self._next_chat) > 10_000:
            self._next_chat = {c: t for c, t in self._next_chat.items() if t > now}
        return slot

    def reserve_global(self) -> float:
        """The next overall slot from now on. Taken only once the chat's own turn has come, so a
        busy chat never holds back messages to other chats."""
        slot = max(self._now(), self._next_global, self._paused_until)
        self._next_global = slot + self._interval
        return slot

    async def acquire(self, chat_id: int) -> None:
        for reserve in (lambda: self.reserve_chat(chat_id), self.reserve_global):
            delay = reserve() - self._now()
            if delay > 0:
                await asyncio.sleep(delay)

    def pause(self, seconds: float) -> None:
        """Hold every send for `seconds` (after a 429 with retry_after)."""
        self._paused_until = max(self._paused_until, self._now() + seconds)
