"""Escaping end to end: what users and staff typed is shown literally, never parsed as HTML.

The emulator parses HTML strictly, as Telegram does: unescaped markup or an over-long text is
rejected with a 4xx that the emulator records in `emulator.calls`.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.app import reload_directory
from storage.db import session_factory
from storage.models import Text
from tests.harness import BotHarness

PAYLOADS = {
    "bold": "<b>fett",
    "entity": "Tom &amp; Jerry",
    "link": '<a href="https://evil.example">klick</a>',
    "rtl": "abc\u202edef",
    "long": "Fahrrad " + "x" * 4088,
}


def rejected(bot: BotHarness) -> list[tuple[str, int, str | None]]:
    return [(c.method, c.status, c.description) for c in bot.emulator.calls if 400 <= c.status < 500]


async def test_search_query_is_shown_as_typed(content_bot: BotHarness) -> None:
    user = content_bot.user("de")
    for name, payload in PAYLOADS.items():
        await user.send(payload)
        replies = [await user.next_message(timeout=10), *await user.settle()]
        if name != "long":  # the query is cut to 200 characters before it is searched and shown
            assert any(payload.strip() in m.text for m in replies), [m.text for m in replies]
    assert rejected(content_bot) == []


async def test_service_name_from_the_office_is_escaped(content_bot: BotHarness) -> None:
    bot = content_bot
    assert bot.app is not None
    user = bot.user("de")
    for name, payload in PAYLOADS.items():
        async with session_factory(bot.engine)() as session, session.begin():
            row = await session.scalar(
                select(Text).where(
                    Text.owner_type == "service",
                    Text.field == "name",
                    Text.lang == "de",
                    Text.text.like("%Fahrrad%"),
                )
            )
            assert row is not None
            row.text = payload if name == "long" else f"Fahrrad {payload}"
            service_id = row.owner_id
        await reload_directory(bot.app)
        results = (await user.ask("Fahrrad"))[-1]
        await user.press(data=f"dir:svc:{service_id}", message=results)
        await user.settle()
        card = user.chat.by_id[results.message_id]  # the card replaces the results (an edit)
        await user.press(data=f"dir:map:{service_id}", message=user.messages[-1])
        await user.settle()
        await user.ask("/saved")
        assert rejected(bot) == [], name
        assert card.text.startswith("Fahrrad")
        if name != "long":
            assert payload in card.text


async def test_start_payloads_are_harmless(bot: BotHarness) -> None:
    user = bot.user("de")
    for name, payload in PAYLOADS.items():
        if name == "long":
            payload = "a" * 4000
        for text in (payload, "apt-" + payload, "x-" + payload):
            await user.send(f"/start {text}")
            assert [await user.next_message(timeout=10), *await user.settle()]
    assert rejected(bot) == []
