"""Flood control: over the limit one cool-down notice in the user's language, then silence until
the window frees; other users are not slowed."""

from __future__ import annotations

import asyncio

from bot.i18n import translator
from handlers.gate import LIMIT, WINDOW, FloodGate
from tests.harness import BotHarness

NOTICE = "⏳ That was a lot at once. Please wait a few seconds, then write to me again."
MENU = "What can I help you with? Choose below."


def _gate(bot: BotHarness) -> FloodGate:
    assert bot.app is not None
    (handler,) = bot.app.handlers[-2]
    return handler.callback.gate  # type: ignore[attr-defined,no-any-return]


def test_sliding_window_unit() -> None:
    now = [0.0]
    gate = FloodGate(limit=3, window=10, monotonic=lambda: now[0])
    verdicts = []
    for t in (0, 1, 2, 3, 4):
        now[0] = t
        verdicts.append(gate.check(1))
    assert verdicts == ["accept"] * 3 + ["notice", "drop"]
    assert gate.check(2) == "accept"  # another user
    now[0] = 9.9
    assert gate.check(1) == "drop"
    now[0] = 10.0  # the first accepted update left the window: one slot free
    assert gate.check(1) == "accept"
    assert gate.check(1) == "notice"  # a new flood gets a new notice
    assert (LIMIT, WINDOW) == (20, 10.0)


async def test_flood_gets_one_notice_and_other_users_are_not_slowed(bot: BotHarness) -> None:
    gate = _gate(bot)
    gate.limit, gate.window = 5, 1.5
    flooder, calm = bot.user("fa"), bot.user("tr")
    for i in range(12):
        await flooder.send(f"/menu {i}")
    await calm.send("/menu")
    reply = await calm.next_message()
    assert reply.text == translator("tr").gettext(MENU)
    replies = await flooder.settle(quiet=0.5)
    fa = translator("fa")
    texts = [m.text for m in replies]
    assert texts.count(fa.gettext(MENU)) == 5
    assert texts.count(fa.gettext(NOTICE)) == 1
    assert len(texts) == 6

    await asyncio.sleep(1.6)  # the window frees
    await flooder.send("/menu")
    again = await flooder.next_message()
    assert again.text == fa.gettext(MENU)


async def test_notice_uses_the_stored_language_when_known(bot: BotHarness) -> None:
    gate = _gate(bot)
    gate.limit, gate.window = 3, 2.0
    user = bot.user("en")
    await user.send("/language")
    await user.next_message()
    await user.press(data="lang:set:uk")
    await user.settle()
    for _ in range(3):
        await user.send("/menu")
    replies = await user.settle(quiet=0.5)
    assert translator("uk").gettext(NOTICE) in [m.text for m in replies]
