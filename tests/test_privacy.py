"""/privacy, /mydata and /deleteme end to end; after erasure no row in any table names the user."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import BigInteger, Integer, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.i18n import translator
from handlers.privacy import DELETE_NO, DELETE_YES
from storage import outbox
from storage.db import session_factory
from storage.models import (
    Appointment,
    AuditEntry,
    Base,
    HelpRequest,
    ReminderPreference,
    Skill,
    Subscription,
    Topic,
    VolunteerProfile,
)
from tests.harness import BotHarness

USER_ID = 731_555_913  # distinctive, so a scan cannot mistake another number for it


async def rows_naming(engine: AsyncEngine, user_id: int) -> list[tuple[str, str, Any]]:
    """Every (table, column, value) that holds the id: integer columns, texts and JSON containing it."""
    found = []
    needle = str(user_id)
    async with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in (await conn.execute(select(table))).mappings():
                for column in table.columns:
                    value = row[column.name]
                    if value is None:
                        continue
                    if isinstance(column.type, Integer | BigInteger) and not isinstance(value, bool):
                        hit = value == user_id
                    else:
                        hit = needle in json.dumps(value, default=str, ensure_ascii=False)
                    if hit:
                        found.append((table.name, column.name, value))
    return found


async def test_privacy_notice_in_the_users_language(bot: BotHarness) -> None:
    user = bot.user("ar")
    await user.send("/privacy")
    notice = await user.next_message()
    ar = translator("ar")
    assert ar.gettext("🔒 <b>Your data and your privacy</b>") in notice.html
    assert bot.settings.office_contact in notice.text
    assert "/mydata" in notice.text and "/deleteme" in notice.text


async def _store_everything(bot: BotHarness, user_id: int) -> None:
    """Rows in every feature's tables that name the user, as the features would write them."""
    now = bot.clock()
    async with session_factory(bot.engine)() as session, session.begin():
        await outbox.add(
            session, key=f"t:{user_id}:1", chat_id=user_id, kind="text", payload={"text": "Hallo"}, due_at=now
        )
        await outbox.add(
            session,
            key=f"t:{user_id}:2",
            chat_id=user_id,
            kind="text",
            payload={"text": "später"},
            due_at=now + dt.timedelta(days=2),
        )
        topic = Topic(slug="privacy-test-topic")
        skill = Skill(slug="privacy-test-skill")
        session.add_all([topic, skill])
        await session.flush()
        session.add_all(
            [
                Appointment(client_id=user_id, title="Amt", starts_at=now + dt.timedelta(days=3)),
                ReminderPreference(user_id=user_id, offsets=[60]),
                Subscription(user_id=user_id, topic_id=topic.id),
                VolunteerProfile(user_id=user_id, display_name="Privacy Test"),
                HelpRequest(kind="privacy-test-skill", client_id=user_id, description="Begleitung"),
                AuditEntry(actor_id=user_id, action="privacy.test", details={}),
            ]
        )
    bot.app.bot_data.outbox.wake()


async def test_mydata_then_deleteme_leaves_no_row_naming_the_user(content_bot: BotHarness) -> None:
    bot = content_bot
    de = translator("de")
    user = bot.user("de", user_id=USER_ID)
    await user.ask("/start")  # features may add first-time messages (topics): settle
    await user.send("fahrrad")  # a search: remembered in user_data
    results = await user.wait_for(lambda m: m.text.startswith("🔎"))
    await user.press(results.button_texts[0], message=results)
    await user.wait_for(lambda m: de.gettext("☆ Save") in m.button_texts)
    saved = await user.press(de.gettext("☆ Save"))
    await user.answer_for(saved)
    await _store_everything(bot, USER_ID)
    await user.wait_for(lambda m: m.text == "Hallo")
    await user.settle()
    await bot.app.update_persistence()  # user_data is written every few seconds; now, for the test

    await user.send("/mydata")
    export = await user.wait_for(lambda m: m.kind == "document")
    name, data = export.document
    assert name is not None and name.endswith(".json")
    exported = json.loads(data)
    assert exported["profile"]["language"] == "de"
    assert exported["saved services"] and "service" in exported["saved services"][0]
    assert {m["content"]["text"] for m in exported["messages from the bot to you"]} == {"Hallo", "später"}
    assert any(s["value"] for s in exported["conversation state"])
    assert await rows_naming(bot.engine, USER_ID)  # sanity: the scan finds the user before erasure

    await user.send("/deleteme")
    question = await user.next_message()
    assert de.gettext("🗑 Yes, delete my data") in question.button_texts
    await user.press(de.gettext("🗑 Yes, delete my data"))
    await user.wait_for(lambda m: m.text.startswith("✅"))
    await user.settle(quiet=0.5)
    await bot.app.update_persistence()

    assert await rows_naming(bot.engine, USER_ID) == []
    assert USER_ID not in bot.app.user_data


async def test_deleteme_can_be_cancelled(bot: BotHarness) -> None:
    user = bot.user("uk")
    await user.send("/deleteme")
    question = await user.next_message()
    assert DELETE_YES in question.callback_data and DELETE_NO in question.callback_data
    await user.press(data=DELETE_NO)
    await user.wait_for(lambda m: m.text == translator("uk").gettext("Nothing was deleted."))
    async with bot.engine.connect() as conn:
        from storage.models import User

        assert (await conn.execute(select(User.id).where(User.id == user.id))).first() is not None


async def test_personal_data_is_never_sent_to_a_group(bot: BotHarness) -> None:
    user = bot.user("de")
    group = bot.emulator.add_group(members=[user])
    await user.send_in(group, "/mydata")
    await user.send_in(group, "/deleteme")
    await user.send_in(group, "/privacy")
    await user.send("/menu")  # the private chat still answers: the group updates were processed
    await user.next_message()
    await group.settle(quiet=0.3)
    assert [m for m in group.bot_messages if m.kind == "document" or m.has_buttons] == []
