"""Fault injection and flood control for the emulator."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

__all__ = ["FAULT_KINDS", "Fault", "FaultInjector", "RateLimiter", "is_send_method"]

FAULT_KINDS = frozenset({"429", "500", "502", "503", "504", "timeout", "slow", "403", "400", "migrate"})

_SEND_EXTRA = frozenset({"copyMessage", "copyMessages", "forwardMessage", "forwardMessages"})


def is_send_method(method: str) -> bool:
    """send*/edit* methods (and copy/forward); sendChatAction is not counted."""
    if method == "sendChatAction":
        return False
    return method.startswith(("send", "edit")) or method in _SEND_EXTRA


@dataclass
class Fault:
    kind: str
    method: str | None = None
    chat_id: int | str | None = None
    remaining: int | None = 1  # None: until cleared
    retry_after: int = 1
    delay: float | None = None
    description: str | None = None
    migrate_to_chat_id: int | None = None
    apply: bool = False  # "timeout": perform the call, then lose the answer
    hits: int = 0

    def matches(self, method: str, chat_id: int | str | None) -> bool:
        if self.method is None:
            if not is_send_method(method):
                return False
        elif self.method.lower() != method.lower():
            return False
        if self.chat_id is not None and str(self.chat_id) != str(chat_id):
            return False
        return True


class FaultInjector:
    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; known: {sorted(FAULT_KINDS)}")
        self.faults.append(fault)
        return fault

    def take(self, method: str, chat_id: int | str | None) -> Fault | None:
        """The first fault matching this call (its count is used up by one)."""
        if not self.faults:
            return None
        for i, fault in enumerate(self.faults):
            if fault.matches(method, chat_id):
                fault.hits += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        del self.faults[i]
                return fault
        return None

    def clear(self) -> None:
        self.faults.clear()


class _Window:
    """Sliding window allowing ``count`` events per ``span`` seconds."""

    __slots__ = ("count", "events", "span")

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.span = 1.0 if rate >= 1 else 1.0 / rate
        self.count = max(1, round(rate * self.span))
        self.events: deque[float] = deque()

    def retry_after(self, now: float) -> int | None:
        ev = self.events
        cutoff = now - self.span
        while ev and ev[0] <= cutoff:
            ev.popleft()
        if len(ev) < self.count:
            return None
        return max(1, math.ceil(ev[0] + self.span - now))

    def record(self, now: float) -> None:
        self.events.append(now)


class RateLimiter:
    """Telegram-like flood control: a global and a per-chat sliding window."""

    def __init__(self, per_second: float | None = None, per_chat_per_second: float | None = None) -> None:
        self.per_second = per_second
        self.per_chat_per_second = per_chat_per_second
        self._global = _Window(per_second) if per_second else None
        self._chats: dict[str, _Window] = {}

    @property
    def active(self) -> bool:
        return self._global is not None or bool(self.per_chat_per_second)

    def _chat_window(self, chat_id: int | str | None) -> _Window | None:
        if not self.per_chat_per_second or chat_id is None:
            return None
        key = str(chat_id)
        win = self._chats.get(key)
        if win is None:
            win = self._chats[key] = _Window(self.per_chat_per_second)
        return win

    def check(self, chat_id: int | str | None, now: float) -> int | None:
        """retry_after (seconds, >= 1) if this call would exceed a limit, else None."""
        waits = []
        if self._global is not None:
            w = self._global.retry_after(now)
            if w is not None:
                waits.append(w)
        win = self._chat_window(chat_id)
        if win is not None:
            w = win.retry_after(now)
            if w is not None:
                waits.append(w)
        return max(waits) if waits else None

    def record(self, chat_id: int | str | None, now: float) -> None:
        if self._global is not None:
            self._global.record(now)
        win = self._chat_window(chat_id)
        if win is not None:
            win.record(now)
