"""End to end: the office's admin handler — roles, directory editing, translations, audit, stats."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select

from bot.editing import translation_entries
from bot.i18n import translator
from storage.models import AuditEntry, Role, Service, Text, User
from tests.harness import BotHarness

ADMIN = 900001
REFUSED = "Sorry, this is only for office staff."

# Every staff command and every staff callback prefix of handlers/admin, staff, editing, audit, stats.
STAFF_COMMANDS = ["/admin", "/edit", "/stats", "/staff", "/audit"]
STAFF_CALLBACKS = [
    "adm:home",
    "stf:home",
    "stf:inv",
    "stf:rm:1",
    "stf:rmok:1",
    "aud:0:::0",
    "aud:0:service::7",
    "sts:home",
    "ed:home",
    "ed:sl:0",
    "ed:s:1",
    "ed:st:1",
    "ed:sd:1",
    "ed:sc:1",
    "ed:sct:1:1",
    "ed:f:1:name",
    "ed:b:1:free",
    "ed:ap:1:yes",
    "ed:hide:1:1",
    "ed:del:1",
    "ed:delok:1",
    "ed:h:1",
    "ed:hd:1:mon",
    "ed:hv:1:mon:closed",
    "ed:hs:1:mon",
    "ed:hx:1",
    "ed:hxd:1:0",
    "ed:hxc:1",
    "ed:hxs:1",
    "ed:ht:1",
    "ed:hts:1",
    "ed:htr:1",
    "ed:cl",
    "ed:c:1",
    "ed:cf:1:name",
    "ed:chide:1:1",
    "ed:cdel:1",
    "ed:cdelok:1",
    "ed:ns",
    "ed:nsc:1",
    "ed:nc",
    "ed:tl",
    "ed:tg:uk:0",
    "ed:te:uk:s:1:name",
    "ed:mn",
    "ed:x",
]
ADMIN_ONLY_COMMANDS = ["/staff", "/audit"]
ADMIN_ONLY_CALLBACKS = ["stf:home", "stf:inv", "stf:rm:1", "stf:rmok:1", "aud:0:::0"]


def _lift_flood_limit(bot: BotHarness) -> None:
    """These tests press many buttons quickly on purpose: lift the per-user flood limit (handlers.gate)."""
    for handler in bot.app.handlers.get(-2, []):
        gate = getattr(handler.callback, "gate", None)
        if gate is not None:
            gate.limit = 10_000


async def _service_id(bot: BotHarness, slug: str) -> int:
    async with bot.app.bot_data.sessions() as session:
        return int(await session.scalar(select(Service.id).where(Service.slug == slug)))


async def _texts(bot: BotHarness) -> list[Text]:
    async with bot.app.bot_data.sessions() as session:
        return list(await session.scalars(select(Text)))


async def _make(bot: BotHarness, role: Role, lang: str = "de"):  # type: ignore[no-untyped-def]
    user = bot.user(lang)
    await user.send("/start")
    await user.settle()
    await bot.app.bot_data.users.set_role(user.id, role, bot.clock().date())
    return user


async def _refused(user, caplog: pytest.LogCaptureFixture, commands: list[str], callbacks: list[str]) -> None:  # type: ignore[no-untyped-def]
    anchor = user.messages[-1]
    refused = translator(user.language_code or "de").gettext(REFUSED)
    for command in commands:
        caplog.clear()
        before = len(user.messages)
        await user.send(command)
        await user.wait_for(lambda m: m.text == refused, include_existing=False)
        assert all(m.text == refused for m in user.messages[before:]), command
        assert any("refused" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING), (
            command
        )
    for data in callbacks:
        caplog.clear()
        update = await user.press(data=data, message=anchor)
        answer = await user.answer_for(update)
        assert answer.text == refused, (data, answer.text)
        assert any("refused" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING), data


async def test_authorization_matrix(bot: BotHarness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="handlers.auth")
    _lift_flood_limit(bot)
    client = await _make(bot, Role.CLIENT, "ar")
    volunteer = await _make(bot, Role.VOLUNTEER)
    staff = await _make(bot, Role.STAFF)
    await _refused(client, caplog, STAFF_COMMANDS, STAFF_CALLBACKS)
    await _refused(volunteer, caplog, STAFF_COMMANDS, STAFF_CALLBACKS)
    await _refused(staff, caplog, ADMIN_ONLY_COMMANDS, ADMIN_ONLY_CALLBACKS)
    # a client's text is a search, never an editing step
    async with bot.app.bot_data.sessions() as session:
        assert (await session.scalar(select(AuditEntry.id))) is None


async def test_edit_a_service_and_see_it_as_a_client_in_ukrainian(content_bot: BotHarness) -> None:
    de, uk = translator("de"), translator("uk")
    bike = await _service_id(content_bot, "bike-workshop")
    admin = content_bot.user("de", user_id=ADMIN)
    await admin.send("/admin")
    home = await admin.next_message()
    await admin.press(de.gettext("🗂 Directory"))
    await admin.wait_for(lambda m: de.gettext("🏷 Services") in m.button_texts)
    # the phone, a plain field
    await admin.press(data=f"ed:f:{bike}:phone", message=home)
    await admin.wait_for(lambda m: "+49 5372 81235" in m.text)
    await admin.send("12")
    error = await admin.wait_for(lambda m: de.gettext("⚠️ Not saved:") in m.text)
    assert "phone" in error.text
    await admin.send("+49 5372 99999")
    await admin.wait_for(lambda m: m.text == de.gettext("✅ Saved."))
    # the Ukrainian name, through the translations area
    await admin.press(data="ed:tl", message=home)
    languages = await admin.wait_for(lambda m: any("Українська" in b for b in m.button_texts))
    await admin.press(next(b for b in languages.button_texts if "Українська" in b))
    await admin.wait_for(lambda m: "Українська" in m.text and m.has_buttons)
    await admin.press(data=f"ed:te:uk:s:{bike}:name", message=home)
    side_by_side = await admin.wait_for(lambda m: "Веломайстерня" in m.text)
    assert "Fahrrad" in side_by_side.text  # the German source beside the current text
    await admin.send("Веломайстерня Ауенбрюк")
    await admin.wait_for(lambda m: m.text == de.gettext("✅ Saved."))

    client = content_bot.user("uk")
    await client.send("Веломайстерня Ауенбрюк")
    results = await client.next_message()
    await client.press(next(b for b in results.button_texts if "Ауенбрюк" in b))
    card = await client.wait_for(lambda m: uk.gettext("📍 Show on the map") in m.button_texts)
    assert "Веломайстерня Ауенбрюк" in card.text
    assert "99999" in card.text


async def test_outdated_marking_and_minor_edit(content_bot: BotHarness) -> None:
    de = translator("de")
    bike = await _service_id(content_bot, "bike-workshop")
    admin = content_bot.user("de", user_id=ADMIN)
    await admin.send("/edit")
    home = await admin.next_message()

    def state(rows: list[Text], field: str) -> str:
        found = [
            e
            for e in translation_entries(rows, "uk", only_open=False)
            if (e.owner_id, e.field) == (bike, field) and e.owner_type == "service"
        ]
        return found[0].state

    assert state(await _texts(content_bot), "description") == "up_to_date"
    await admin.press(data=f"ed:f:{bike}:description", message=home)
    await admin.wait_for(lambda m: "ed:mn" in m.callback_data)
    await admin.send("Neue Beschreibung der Fahrradwerkstatt.")
    await admin.wait_for(lambda m: m.text == de.gettext("✅ Saved."))
    assert state(await _texts(content_bot), "description") == "outdated"

    await admin.press(data=f"ed:f:{bike}:name", message=home)
    prompt = await admin.wait_for(lambda m: "ed:mn" in m.callback_data)
    await admin.press(data="ed:mn", message=prompt)
    await admin.wait_for(lambda m: any(b.startswith("✅") for b in m.button_texts))
    await admin.send("Fahrradwerkstatt Auenbrück")
    await admin.wait_for(lambda m: m.text == de.gettext("✅ Saved."))
    rows = await _texts(content_bot)
    assert state(rows, "name") == "up_to_date"  # minor edit: translations keep up with the new source
    assert any(r.text == "Fahrradwerkstatt Auenbrück" and r.lang == "de" for r in rows)

    await admin.press(data="ed:tg:uk:0", message=home)
    listing = await admin.wait_for(lambda m: any("🟡" in b for b in m.button_texts))
    assert any("Fahrradwerkstatt" in b for b in listing.button_texts)


async def test_hours_exceptions_and_closure(content_bot: BotHarness) -> None:
    de = translator("de")
    bike = await _service_id(content_bot, "bike-workshop")
    admin = content_bot.user("de", user_id=ADMIN)
    await admin.send("/edit")
    home = await admin.next_message()
    await admin.press(data=f"ed:hs:{bike}:mon", message=home)
    await admin.wait_for(lambda m: "09:00-12:00" in m.text)
    await admin.send("12:00-14:00, 13:00-15:00")
    error = await admin.wait_for(lambda m: "overlap" in m.text)
    assert de.gettext("⚠️ Not saved:") in error.text
    await admin.send("09:00-12:00, 14:00-16:00")
    await admin.wait_for(lambda m: "09:00–12:00, 14:00–16:00" in " ".join(m.button_texts))
    await admin.press(data=f"ed:hxc:{bike}", message=home)
    await admin.wait_for(lambda m: "24.12.2026" in m.text)
    await admin.send("24.12.2026; Heiligabend")
    await admin.wait_for(lambda m: m.text == de.gettext("✅ Saved."))
    await admin.press(data=f"ed:hts:{bike}", message=home)
    await admin.wait_for(lambda m: "15.01.2027" in m.text)
    await admin.send("15.01.2027; Umbau")
    await admin.wait_for(lambda m: m.text == de.gettext("✅ Saved."))
    async with content_bot.app.bot_data.sessions() as session:
        hours = (await session.get(Service, bike)).hours  # type: ignore[union-attr]
    assert hours["weekly"]["mon"] == [["09:00", "12:00"], ["14:00", "16:00"]]
    assert {"date": "2026-12-24", "closed": True, "reason": {"de": "Heiligabend"}} in hours["exceptions"]
    assert hours["temporarily_closed"] == {"until": "2027-01-15", "reason": {"de": "Umbau"}}
    entry = content_bot.app.bot_data.directory.services[bike]
    assert entry.hours.temporarily_closed is not None  # reloaded at once


async def test_create_hide_and_delete(content_bot: BotHarness) -> None:
    de = translator("de")
    admin = content_bot.user("de", user_id=ADMIN)
    await admin.send("/edit")
    await admin.next_message()
    await admin.press(de.gettext("➕ New service"))
    await admin.wait_for(lambda m: m.has_buttons and "ed:x" in m.callback_data)
    await admin.send("Nähcafé <Süd>")
    categories = await admin.wait_for(lambda m: any(d.startswith("ed:nsc:") for d in m.callback_data))
    await admin.press(
        data=next(d for d in categories.callback_data if d.startswith("ed:nsc:")), message=categories
    )
    for answer in ("Familienzentrum", "Gemeinsam nähen und reparieren.", "Hauptstraße 1", "38540"):
        await admin.send(answer)
        await admin.settle()
    await admin.send("Auenbrück")
    created = await admin.wait_for(lambda m: "Nähcafé &lt;Süd&gt;" in m.html)
    assert "naehcafe-sued" in created.text
    service_id = await _service_id(content_bot, "naehcafe-sued")
    assert service_id in content_bot.app.bot_data.directory.services
    await admin.press(de.gettext("🙈 Hide"))
    await admin.wait_for(lambda m: de.gettext("👁 Show again") in m.button_texts)
    assert service_id not in content_bot.app.bot_data.directory.services
    await admin.press(de.gettext("🗑 Delete"))
    await admin.wait_for(lambda m: de.gettext("🗑 Yes, delete for good") in m.button_texts)
    await admin.press(de.gettext("🗑 Yes, delete for good"))
    await admin.wait_for(lambda m: "naehcafe-sued" in m.text and "🗑" in m.text)
    async with content_bot.app.bot_data.sessions() as session:
        assert await session.get(Service, service_id) is None
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["service.create", "service.hide", "service.delete"]


async def test_conversation_survives_a_restart(content_bot: BotHarness) -> None:
    de = translator("de")
    bike = await _service_id(content_bot, "bike-workshop")
    admin = content_bot.user("de", user_id=ADMIN)
    await admin.send("/edit")
    home = await admin.next_message()
    await admin.press(data=f"ed:f:{bike}:email", message=home)
    await admin.wait_for(lambda m: "ed:x" in m.callback_data)
    await content_bot.restart()
    await admin.send("werkstatt@auenbrueck.example.org")
    await admin.wait_for(lambda m: m.text == de.gettext("✅ Saved."))
    assert content_bot.app.bot_data.directory.services[bike].email == "werkstatt@auenbrueck.example.org"
    # and /cancel ends a step without a change
    await admin.press(data=f"ed:f:{bike}:email", message=home)
    await admin.wait_for(lambda m: "ed:x" in m.callback_data, include_existing=False)
    await admin.send("/cancel")
    await admin.wait_for(lambda m: m.text == de.gettext("Cancelled. Nothing was changed."))
    await admin.send("nicht-gespeichert@example.org")
    await admin.settle()
    assert content_bot.app.bot_data.directory.services[bike].email == "werkstatt@auenbrueck.example.org"


async def test_staff_invite_once_and_removal(bot: BotHarness) -> None:
    de = translator("de")
    admin = bot.user("de", user_id=ADMIN)
    await admin.send("/staff")
    await admin.next_message()
    await admin.press(de.gettext("➕ Invite staff"))
    invitation = await admin.wait_for(lambda m: "start=staff-" in m.text)
    code = re.search(r"start=staff-([\w-]+)", invitation.text)[1]  # type: ignore[index]

    newcomer = bot.user("uk")
    await newcomer.send(f"/start staff-{code}")
    await newcomer.wait_for(
        lambda m: (
            translator("uk").gettext("✅ Welcome to the office team! Open the office area with /admin.")
            == m.text
        )
    )
    await newcomer.send("/stats")
    await newcomer.wait_for(lambda m: m.kind == "photo")

    other = bot.user("de")
    await other.send(f"/start staff-{code}")
    await other.wait_for(
        lambda m: (
            m.text
            == de.gettext("This invitation is not valid (any more). Please ask the office for a new one.")
        )
    )
    async with bot.app.bot_data.sessions() as session:
        assert (await session.get(User, other.id)).role == "client"  # type: ignore[union-attr]

    # an expired invitation
    await admin.press(data="stf:inv", message=invitation)
    second = await admin.wait_for(lambda m: "start=staff-" in m.text and code not in m.text)
    late_code = re.search(r"start=staff-([\w-]+)", second.text)[1]  # type: ignore[index]
    bot.clock.advance(days=8)
    await other.send(f"/start staff-{late_code}")
    await other.wait_for(
        lambda m: (
            "not valid" in m.text
            or m.text
            == de.gettext("This invitation is not valid (any more). Please ask the office for a new one.")
        ),
        include_existing=False,
    )

    await admin.send("/staff")
    listing = await admin.wait_for(
        lambda m: f"stf:rm:{newcomer.id}" in m.callback_data, include_existing=False
    )
    await admin.press(data=f"stf:rm:{newcomer.id}", message=listing)
    await admin.wait_for(lambda m: de.gettext("✅ Yes, remove") in m.button_texts)
    await admin.press(de.gettext("✅ Yes, remove"))
    await admin.wait_for(
        lambda m: f"stf:rm:{newcomer.id}" not in m.callback_data and "stf:inv" in m.callback_data,
        include_existing=False,
    )
    await newcomer.send("/stats")
    await newcomer.wait_for(lambda m: m.text == translator("uk").gettext(REFUSED), include_existing=False)
    async with bot.app.bot_data.sessions() as session:
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["staff.invite", "staff.join", "staff.invite", "staff.remove"]


async def test_audit_log_with_filters(content_bot: BotHarness) -> None:
    de = translator("de")
    _lift_flood_limit(content_bot)
    bike = await _service_id(content_bot, "bike-workshop")
    admin = content_bot.user("de", user_id=ADMIN)
    await admin.send("/edit")
    home = await admin.next_message()
    for _ in range(10):  # with the invitation below: more entries than one page holds
        await admin.press(data=f"ed:b:{bike}:wheelchair_accessible", message=home)
        await admin.settle()
    await admin.send("/staff")
    await admin.next_message()
    await admin.press(de.gettext("➕ Invite staff"))
    await admin.wait_for(lambda m: "start=staff-" in m.text)
    await admin.send("/audit")
    log = await admin.wait_for(lambda m: "service.update" in m.text, include_existing=False)
    assert "staff.invite" in log.text and "▶" in log.button_texts
    await admin.press("▶")
    await admin.wait_for(lambda m: "◀" in m.button_texts)
    await admin.press(de.gettext("Staff"))
    only_staff = await admin.wait_for(lambda m: "staff.invite" in m.text and "service.update" not in m.text)
    assert "▶" not in only_staff.button_texts
    await admin.press(de.gettext("Today"))
    await admin.wait_for(
        lambda m: "staff.invite" in m.text and any(b.startswith("✓") for b in m.button_texts)
    )


async def test_stats_with_a_chart(content_bot: BotHarness) -> None:
    de = translator("de")
    for lang in ("uk", "uk", "ar", "fa"):
        user = content_bot.user(lang)
        await user.send("/start")
        await user.settle()
    staff = await _make(content_bot, Role.STAFF)
    await staff.send("/stats")
    text = await staff.wait_for(
        lambda m: de.gettext("📊 <b>Statistics</b>").split(" ")[0] in m.text and "Українська" in m.text
    )
    assert "Українська: 2" in text.text
    chart = await staff.wait_for(lambda m: m.kind == "photo")
    assert chart.photo is not None and chart.photo.data.startswith(b"\x89PNG")


async def test_every_editing_screen_answers(
    content_bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """Each button of the editing area, pressed by staff with real ids, shows its screen without an error."""
    _lift_flood_limit(content_bot)
    de = translator("de")
    bike = await _service_id(content_bot, "bike-workshop")
    async with content_bot.app.bot_data.sessions() as session:
        category = int(await session.scalar(select(Text.owner_id).where(Text.owner_type == "category")))
    staff = await _make(content_bot, Role.STAFF)
    await staff.send("/edit")
    home = await staff.wait_for(lambda m: "ed:sl:0" in m.callback_data)
    invalid = de.gettext("This button is no longer valid.")
    for data in [
        "ed:home",
        "ed:sl:0",
        "ed:sl:1",
        f"ed:s:{bike}",
        f"ed:st:{bike}",
        f"ed:sd:{bike}",
        f"ed:sc:{bike}",
        f"ed:ap:{bike}:yes",
        f"ed:b:{bike}:free",
        f"ed:h:{bike}",
        f"ed:hd:{bike}:wed",
        f"ed:hv:{bike}:wed:appointment",
        f"ed:hx:{bike}",
        f"ed:ht:{bike}",
        f"ed:htr:{bike}",
        "ed:cl",
        f"ed:c:{category}",
        f"ed:chide:{category}:1",
        f"ed:chide:{category}:0",
        f"ed:cdel:{category}",
        "ed:tl",
        "ed:tg:ar:0",
        f"ed:te:ar:c:{category}:name",
        "ed:x",
        f"ed:del:{bike}",
        f"ed:hide:{bike}:1",
        f"ed:hide:{bike}:0",
    ]:
        update = await staff.press(data=data, message=home)
        answer = await staff.answer_for(update)
        assert answer.text != invalid, data
        await staff.settle()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    for data in ["ed:s:abc", "ed:hd:1:xyz", "ed:tg:xx:0", "ed:zz", "ed:f:1:slug", "ed:te:ar:q:1:name"]:
        update = await staff.press(data=data, message=home)
        assert (await staff.answer_for(update)).text == invalid, data
    entry = content_bot.app.bot_data.directory.services[bike]
    assert entry.appointment == "yes" and entry.free is False and entry.hours.temporarily_closed is None
