"""The authorization matrix, discovered from the running application: every command and callback
handler wrapped with `staff_only`/`admin_only`/`volunteer_only` (marked `required_roles` by
`handlers.auth`) is tried by every role it does not allow, and must refuse and log a warning.

Nothing here lists features: what another module registers later is covered automatically.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import find
from hypothesis import strategies as st
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.i18n import translator
from storage.models import Role
from tests.harness import BotHarness

REFUSAL = "Sorry, this is only for office staff."
ROLES = [Role.CLIENT, Role.VOLUNTEER, Role.STAFF, Role.ADMIN]


@dataclass(frozen=True)
class Guarded:
    handler: BaseHandler
    required: frozenset[str]
    where: str  # "top", "entry", "step" or "fallback"

    @property
    def name(self) -> str:
        return getattr(self.handler.callback, "__name__", repr(self.handler.callback))


def _walk(handlers: list[BaseHandler]) -> Iterator[tuple[BaseHandler, str, ConversationHandler | None]]:
    for handler in handlers:
        if isinstance(handler, ConversationHandler):
            for h in handler.entry_points:
                yield h, "entry", handler
            for steps in handler.states.values():
                for h in steps:
                    yield h, "step", handler
            for h in handler.fallbacks:
                yield h, "fallback", handler
        else:
            yield handler, "top", None


def all_handlers(bot: BotHarness) -> list[tuple[BaseHandler, str, ConversationHandler | None]]:
    assert bot.app is not None
    return [found for group in sorted(bot.app.handlers) for found in _walk(bot.app.handlers[group])]


def guarded(bot: BotHarness) -> list[Guarded]:
    out = []
    for handler, where, _conversation in all_handlers(bot):
        required = getattr(handler.callback, "required_roles", None)
        if required is not None and isinstance(handler, CommandHandler | CallbackQueryHandler):
            out.append(Guarded(handler, frozenset(required), where))
    return out


def callback_data_for(pattern: object) -> str:
    """The simplest callback data (at most 64 bytes) the handler's pattern accepts."""
    if isinstance(pattern, str):
        pattern = re.compile(pattern)
    assert isinstance(pattern, re.Pattern), f"cannot generate data for pattern {pattern!r}"
    compiled = pattern
    return find(
        st.from_regex(compiled),
        lambda s: len(s.encode("utf-8")) <= 64 and compiled.match(s) is not None,
    )


def _lift_flood_limit(bot: BotHarness) -> None:
    assert bot.app is not None
    for handler in bot.app.handlers.get(-2, []):
        gate = getattr(handler.callback, "gate", None)
        if gate is not None:
            gate.limit = 10_000


def test_pattern_data_generation() -> None:
    assert callback_data_for(r"^apt:rem:(\d+)$") == "apt:rem:0"
    assert callback_data_for("^adm:main$") == "adm:main"


async def test_every_staff_handler_refuses_other_roles(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    _lift_flood_limit(bot)
    found = guarded(bot)
    assert any("admin" in g.required for g in found), "the admin area at least must be found"
    tr = translator("tr")
    users = {}
    for role in ROLES:
        user = bot.user("tr")
        if role is not Role.CLIENT:
            await bot.app.bot_data.users.set_role(user.id, role, bot.clock().date())
        await user.send("/start")
        await user.next_message()
        users[role] = user

    failures = []
    checked = 0
    for g in found:
        if g.where in ("step", "fallback"):  # only reachable inside a conversation: checked statically below
            continue
        for role, user in users.items():
            if role.value in g.required:
                continue
            caplog.clear()
            with caplog.at_level(logging.WARNING, logger="handlers.auth"):
                if isinstance(g.handler, CommandHandler):
                    what = "/" + sorted(g.handler.commands)[0]
                    user.chat.mark_read()
                    await user.send(what)
                    try:
                        await user.wait_for(
                            lambda m: m.text == tr.gettext(REFUSAL), timeout=3, include_existing=False
                        )
                        refused = True
                    except TimeoutError:
                        refused = False
                else:
                    what = callback_data_for(g.handler.pattern)
                    update = await user.press(data=what, message=user.messages[-1])
                    answer = await user.answer_for(update)
                    refused = answer.text == tr.gettext(REFUSAL) and answer.show_alert
            logged = any("refused" in r.getMessage() for r in caplog.records if r.name == "handlers.auth")
            checked += 1
            if not (refused and logged):
                failures.append(f"{g.name} ({what}) as {role.value}: refused={refused} logged={logged}")
    assert checked
    assert failures == []


async def test_every_step_of_a_staff_conversation_is_wrapped(bot: BotHarness) -> None:
    """A crafted button or text can reach a conversation step only inside that conversation, but
    the conversation may outlive a role change: every step of a staff conversation checks the role."""
    unwrapped = []
    for handler, where, conversation in all_handlers(bot):
        if conversation is None or where == "entry":
            continue
        entry_roles = [getattr(e.callback, "required_roles", None) for e in conversation.entry_points]
        if not entry_roles or any(r is None for r in entry_roles):
            continue  # not a staff conversation
        if getattr(handler.callback, "required_roles", None) is None:
            name = getattr(handler.callback, "__name__", repr(handler.callback))
            unwrapped.append(f"{conversation.name or conversation}: {where} {name}")
    assert unwrapped == []
