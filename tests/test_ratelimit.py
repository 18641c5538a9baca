"""Telegram's limits as send slots: overall rate, one a second per chat, 20 a minute per group."""

from __future__ import annotations

from bot.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_overall_rate_spaces_sends() -> None:
    clock = Clock()
    limiter = RateLimiter(per_second=25, monotonic=clock)
    slots = [limiter.reserve_global() for _chat in range(1, 101)]
    assert slots[0] == 1000.0
    assert abs(slots[-1] - (1000.0 + 99 / 25)) < 1e-9  # 100 messages to 100 chats take 3.96 s


def test_one_message_per_second_per_chat() -> None:
    clock = Clock()
    limiter = RateLimiter(per_second=1000, monotonic=clock)
    same_chat = [limiter.reserve_chat(42) for _ in range(3)]
    assert same_chat == [1000.0, 1001.0, 1002.0]
    assert limiter.reserve_chat(43) == 1000.0  # another chat does not wait for chat 42
    assert limiter.reserve_global() == 1000.0  # nor does the overall limit


def test_twenty_per_minute_in_groups() -> None:
    clock = Clock()
    limiter = RateLimiter(per_second=1000, per_chat_per_second=0, per_group_per_minute=20, monotonic=clock)
    slots = [limiter.reserve_chat(-100) for _ in range(21)]
    assert max(slots[:20]) < 1001.0
    assert slots[20] >= slots[0] + 60.0


def test_pause_after_429_holds_everyone() -> None:
    clock = Clock()
    limiter = RateLimiter(per_second=25, monotonic=clock)
    limiter.pause(5)
    assert limiter.reserve_global() == 1005.0
    assert limiter.reserve_global() > 1005.0


def test_zero_lifts_the_limits() -> None:
    clock = Clock()
    limiter = RateLimiter(per_second=0, per_chat_per_second=0, per_group_per_minute=0, monotonic=clock)
    slots = {limiter.reserve_chat(1) for _ in range(50)} | {limiter.reserve_global() for _ in range(50)}
    assert slots == {1000.0}
