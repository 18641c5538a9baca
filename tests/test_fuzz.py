"""Fuzzing through the emulator: random texts, commands, callback data and message kinds from users
of every role. No unhandled exception (the error handler never runs), every update is answered
(a message, an edit or a callback answer), and nothing is sent that Telegram would reject.

The examples are drawn with hypothesis and then played one after another against one running bot
(hypothesis cannot drive an async fixture); a failure names the exact update that caused it and the
seed: `FUZZ_SEED=<seed> pytest tests/test_fuzz.py` plays the same run again.
"""

from __future__ import annotations

import logging
import os
import random
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from telegram.ext import CallbackQueryHandler, CommandHandler

from storage.models import Role
from tests.harness import BotHarness
from tests.test_authorization import all_handlers

EXAMPLES = 100
_META = re.compile(r"[\\\[\](){}.*+?|$]")


def known_commands(bot: BotHarness) -> list[str]:
    return sorted({c for h, _, _ in all_handlers(bot) if isinstance(h, CommandHandler) for c in h.commands})


def known_prefixes(bot: BotHarness) -> list[str]:
    """The literal start of every callback pattern (`^apt:rem:(\\d+)$` -> `apt:rem:`)."""
    prefixes = set()
    for handler, _, _ in all_handlers(bot):
        if isinstance(handler, CallbackQueryHandler) and isinstance(handler.pattern, re.Pattern | str):
            source = handler.pattern.pattern if isinstance(handler.pattern, re.Pattern) else handler.pattern
            literal = _META.split(source.removeprefix("^"), maxsplit=1)[0]
            if literal:
                prefixes.add(literal)
    return sorted(prefixes)


def _cut64(text: str) -> str:
    return text.encode("utf-8")[:64].decode("utf-8", "ignore") or "x"


def actions(commands: list[str], prefixes: list[str]) -> st.SearchStrategy[tuple[Any, ...]]:
    text = st.text(min_size=1, max_size=4096).filter(lambda s: s.strip())
    command_name = st.sampled_from(commands) | st.from_regex(r"[a-z0-9_]{1,32}", fullmatch=True)
    suffix = st.text(max_size=64)
    data = st.builds(lambda p, s: _cut64(p + s), st.sampled_from(prefixes), suffix) | suffix.map(_cut64)
    user = st.integers(0, 3)
    return st.one_of(
        st.tuples(st.just("text"), user, text),
        st.tuples(st.just("command"), user, command_name, st.text(max_size=100)),
        st.tuples(st.just("callback"), user, data),
        st.tuples(st.just("sticker"), user),
        st.tuples(st.just("photo"), user),
        st.tuples(st.just("voice"), user),
        st.tuples(st.just("document"), user),
        st.tuples(st.just("location"), user, st.floats(-90, 90), st.floats(-180, 180)),
        st.tuples(st.just("edited"), user, text),
    )


def draw(strategy: st.SearchStrategy[tuple[Any, ...]], run_seed: int) -> list[tuple[Any, ...]]:
    drawn: list[tuple[Any, ...]] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @seed(run_seed)
    @given(strategy)
    def collect(action: tuple[Any, ...]) -> None:
        drawn.append(action)

    collect()
    return drawn


async def _play(user: Any, action: tuple[Any, ...]) -> dict:
    """Send one action; returns the update."""
    kind = action[0]
    if kind == "text":
        return await user.send(action[2])
    if kind == "command":
        return await user.send(f"/{action[2]} {action[3]}".strip())
    if kind == "callback":
        return await user.press(data=action[2], message=user.messages[-1])
    if kind == "location":
        return await user.send_location(action[2], action[3])
    if kind == "edited":
        own = [m for m in user.sent_messages if m.kind == "text"]
        return await user.edit(own[-1], action[2])
    return await getattr(user, f"send_{kind}")()


async def test_random_updates_are_handled(bot: BotHarness, caplog: pytest.LogCaptureFixture) -> None:
    assert bot.app is not None
    for handler in bot.app.handlers.get(-2, []):
        if getattr(handler.callback, "gate", None) is not None:
            handler.callback.gate.limit = 10_000
    users = []
    for role, lang in zip(Role, ["ar", "uk", "de", "tr"], strict=True):
        # the admin is one of ADMIN_IDS, so that notices to the office reach a chat that exists
        user = bot.user(lang, user_id=bot.settings.admin_ids[0]) if role is Role.ADMIN else bot.user(lang)
        if role not in (Role.CLIENT, Role.ADMIN):
            await bot.app.bot_data.users.set_role(user.id, role, bot.clock().date())
        await user.send("/start")
        await user.next_message()
        users.append(user)

    problems = []
    history: list[list[tuple[Any, ...]]] = [[] for _ in users]
    run_seed = int(os.environ.get("FUZZ_SEED") or random.randrange(2**32))  # FUZZ_SEED=... replays a run
    plan = draw(actions(known_commands(bot), known_prefixes(bot)), run_seed)
    with caplog.at_level(logging.WARNING):
        for action in plan:
            user = users[action[1]]
            caplog.clear()
            first_call = len(bot.emulator.calls)
            update = await _play(user, action)
            try:
                if action[0] == "callback":  # an answer to the query (the handler may also edit or send)
                    answered = await user.answer_for(update, timeout=10) is not None
                else:  # a message is answered with a new message; another user's slow update may delay it
                    answered = await user.next_message(timeout=10) is not None
            except TimeoutError:
                answered = False
            await user.settle(quiet=0.1, timeout=10)
            errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
            rejected = [
                (c.method, c.status, c.description, _short(tuple(c.params.items())))
                for c in bot.emulator.calls[first_call:]
                if 400 <= c.status < 500 and not _harmless(c.description)
            ]
            if errors or rejected or not answered:
                earlier = [_short(a) for a in history[action[1]][-3:]]  # the user's state came from these
                problems.append((_short(action), errors, rejected, answered, "after", earlier))
            history[action[1]].append(action)
    assert problems == [], f"FUZZ_SEED={run_seed}\n" + "\n".join(map(repr, problems))


def _harmless(description: str | None) -> bool:
    """Editing a message into what it already shows: `handlers.ui.reply` expects and ignores this."""
    return "message is not modified" in (description or "")


def _short(items: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(repr(a)[:100] for a in items)
