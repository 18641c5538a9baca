"""End to end: appointments made by staff and by clients, reminders through restarts and errors."""

from __future__ import annotations

import asyncio
import datetime as dt
import re

from icalendar import Calendar
from sqlalchemy import select
from telegram import Bot

from bot import reminders
from bot.appointments import AppointmentService, Draft
from bot.http import AiohttpRequest
from bot.i18n import translator
from bot.outbox import Dispatcher
from bot.ratelimit import RateLimiter
from handlers.appointments import make_renderers, pseudonym
from storage.db import session_factory
from storage.models import Appointment, OutboxMessage, OutboxStatus
from tests.harness import TOKEN, BotHarness

BERLIN = "Europe/Berlin"


def service(bot: BotHarness) -> AppointmentService:
    return bot.app.bot_data.appointments


async def started(bot: BotHarness, lang: str, **kwargs):  # type: ignore[no-untyped-def]
    user = bot.user(lang, **kwargs)
    await user.send("/start")
    await user.next_message()
    await user.settle()  # whatever else greets a new user (topics, ...) is out of the way
    return user


async def rows(bot: BotHarness, appointment_id: int) -> list[OutboxMessage]:
    async with session_factory(bot.engine)() as session:
        return list(
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.ref_type == "appointment", OutboxMessage.ref_id == appointment_id)
                .order_by(OutboxMessage.due_at)
            )
        )


async def wait_rows(bot: BotHarness, appointment_id: int, status: OutboxStatus, within: float = 5) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        found = [r.status for r in await rows(bot, appointment_id)]
        if status.value in found:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"appointment {appointment_id}: {found}, expected {status}")
        await asyncio.sleep(0.02)


async def create(bot: BotHarness, client_id: int, starts_at: dt.datetime, **fields) -> int:  # type: ignore[no-untyped-def]
    draft = Draft(title=fields.pop("title", "Jobcenter"), starts_at=starts_at, client_id=client_id, **fields)
    apt_id, _ = await service(bot).create(draft, created_by=900001)
    return apt_id


def at(bot: BotHarness, when: dt.datetime) -> None:
    bot.clock.now = when
    bot.app.bot_data.outbox.wake()


async def test_staff_create_client_gets_reminder_in_arabic_with_venue_and_ics(
    content_bot: BotHarness,
) -> None:
    bot = content_bot
    de, ar = translator("de"), translator("ar")
    amina = await started(bot, "ar")
    staff = await started(bot, "de", user_id=900001)
    await staff.send("/admin")
    await staff.wait_for(lambda m: de.gettext("📅 Appointments") in m.button_texts)
    await staff.press(de.gettext("📅 Appointments"))
    await staff.wait_for(lambda m: de.gettext("➕ New appointment") in m.button_texts)
    await staff.press(de.gettext("➕ New appointment"))
    picker = await staff.wait_for(lambda m: any(pseudonym(amina.user_id) in t for t in m.button_texts))
    assert any("· " in t for t in picker.button_texts)
    await staff.press(next(t for t in picker.button_texts if pseudonym(amina.user_id) in t))
    await staff.wait_for(lambda m: "✏️" in m.text)
    await staff.send("Fahrrad <abholen>")
    await staff.wait_for(lambda m: "🏢" in m.text)
    await staff.send("Fahrradwerkstatt")
    results = await staff.wait_for(lambda m: any("Fahrrad" in t for t in m.button_texts))
    await staff.press(next(t for t in results.button_texts if "Fahrrad" in t))
    await staff.wait_for(lambda m: m.text.startswith("📍"))
    await staff.press(de.gettext("⏭ Skip"))
    await staff.wait_for(lambda m: "apt:d:20261126" in m.callback_data)
    await staff.press(data="apt:d:20261126")
    await staff.wait_for(lambda m: "apt:h:10" in m.callback_data)
    await staff.press(data="apt:h:10")
    await staff.wait_for(lambda m: "apt:m:30" in m.callback_data)
    await staff.press(data="apt:m:30")
    await staff.wait_for(lambda m: m.text.startswith("🎒"))
    await staff.send("Reisepass")
    await staff.wait_for(lambda m: m.text.startswith("📝"))
    await staff.send("Dolmetscher bestellt")
    saved = await staff.wait_for(lambda m: m.text.startswith(de.gettext("✅ Saved.")))
    assert "&lt;abholen&gt;" in saved.html  # typed text is escaped
    async with session_factory(bot.engine)() as session:
        apt = await session.scalar(select(Appointment))
    starts = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)  # 10:30 in Berlin
    assert apt.client_id == amina.user_id and apt.starts_at == starts
    assert [r.due_at for r in await rows(bot, apt.id)] == [
        dt.datetime(2026, 11, 25, 17, 0, tzinfo=dt.UTC),  # the evening before at 18:00
        dt.datetime(2026, 11, 26, 7, 30, tzinfo=dt.UTC),  # two hours before
    ]

    at(bot, dt.datetime(2026, 11, 25, 17, 0, tzinfo=dt.UTC))
    reminder = await amina.wait_for(lambda m: ar.gettext("✅ I will be there") in m.button_texts)
    tr = translator("ar", BERLIN)
    assert tr.time(starts) in reminder.text and tr.date(starts, "full") in reminder.text
    assert reminders.remaining(starts, bot.clock(), tr) in reminder.text
    assert "Reisepass" in reminder.text and "Dolmetscher" not in reminder.text
    await amina.press(ar.gettext("📍 Map"))
    venue = await amina.wait_for(lambda m: m.kind == "venue")
    assert venue.venue.latitude and venue.venue.longitude
    await amina.press(ar.gettext("🗓 Add to calendar"))
    document = await amina.wait_for(lambda m: m.document is not None)
    assert document.document.filename.endswith(".ics")
    calendar = Calendar.from_ical(document.document.data)
    event = next(iter(calendar.walk("VEVENT")))
    assert event.decoded("dtstart") == starts.astimezone(tr.tz)
    assert event["dtstart"].params["TZID"] == BERLIN
    assert any(c.name == "VTIMEZONE" for c in calendar.walk())
    await amina.press(ar.gettext("❌ I cannot come"))
    notice = await staff.wait_for(lambda m: pseudonym(amina.user_id) in m.content and "❌" in m.content)
    assert "Fahrrad" in notice.text


async def test_reminder_survives_a_restart(bot: BotHarness) -> None:
    user = await started(bot, "uk")
    starts = bot.clock() + dt.timedelta(days=1)
    apt_id = await create(bot, user.user_id, starts)
    await bot.restart()
    at(bot, starts - dt.timedelta(hours=2))
    reminder = await user.wait_for(lambda m: "Jobcenter" in m.content)
    assert reminders.remaining(starts, bot.clock(), translator("uk", BERLIN)) in reminder.text
    await wait_rows(bot, apt_id, OutboxStatus.SENT)


async def test_429_then_success(bot: BotHarness) -> None:
    user = await started(bot, "en")
    starts = bot.clock() + dt.timedelta(hours=3)
    apt_id = await create(bot, user.user_id, starts)
    await user.settle(quiet=1.0)  # nothing else in flight that could take the fault
    bot.emulator.inject_fault("429", method="sendMessage", chat_id=user.user_id, retry_after=1)
    at(bot, starts - dt.timedelta(hours=2))
    await wait_rows(bot, apt_id, OutboxStatus.RETRY)
    bot.clock.advance(seconds=1)
    await asyncio.sleep(1.05)  # the limiter holds real sends for retry_after too
    bot.app.bot_data.outbox.wake()
    await wait_rows(bot, apt_id, OutboxStatus.SENT)
    assert len([m for m in user.messages if "Jobcenter" in m.content]) == 1


async def test_reminder_due_during_downtime_is_missed_not_sent(bot: BotHarness) -> None:
    user = await started(bot, "fa")
    starts = bot.clock() + dt.timedelta(hours=3)
    apt_id = await create(bot, user.user_id, starts)
    await bot.stop_bot()
    bot.clock.now = starts + dt.timedelta(minutes=5)  # the bot was down until after it began
    await bot.start()
    await wait_rows(bot, apt_id, OutboxStatus.MISSED)
    await asyncio.sleep(0.2)
    assert not [m for m in user.messages if "Jobcenter" in m.content]


async def test_late_reminder_says_the_true_remaining_time(bot: BotHarness) -> None:
    user = await started(bot, "en")
    starts = bot.clock() + dt.timedelta(hours=3)
    await create(bot, user.user_id, starts)
    await bot.stop_bot()
    bot.clock.now = starts - dt.timedelta(minutes=40)  # the two-hours reminder, 80 minutes late
    await bot.start()
    reminder = await user.wait_for(lambda m: "Jobcenter" in m.content)
    assert "in 40 minutes" in reminder.text and "2 hours" not in reminder.text


async def test_client_adds_own_appointment_and_cancels_it(bot: BotHarness) -> None:
    en = translator("en")
    user = await started(bot, "en")
    await user.send("/appointments")
    await user.wait_for(lambda m: en.gettext("➕ Add an appointment") in m.button_texts)
    await user.press(en.gettext("➕ Add an appointment"))
    await user.wait_for(lambda m: "✏️" in m.text)
    await user.send("Doctor")
    await user.wait_for(lambda m: "🏢" in m.text)
    await user.press(en.gettext("⏭ Skip"))
    await user.wait_for(lambda m: "apt:d:20261127" in m.callback_data)
    await user.press(data="apt:d:20261127")
    await user.wait_for(lambda m: "apt:h:9" in m.callback_data)
    await user.press(data="apt:h:9")
    await user.wait_for(lambda m: "apt:m:15" in m.callback_data)
    await user.press(data="apt:m:15")
    await user.wait_for(lambda m: m.text.startswith(en.gettext("✅ Saved.")))
    async with session_factory(bot.engine)() as session:
        apt = await session.scalar(select(Appointment))
    assert apt.starts_at == dt.datetime(2026, 11, 27, 8, 15, tzinfo=dt.UTC)
    assert len(await rows(bot, apt.id)) == 2

    await user.send("/appointments")
    listing = await user.wait_for(lambda m: any("Doctor" in t for t in m.button_texts))
    await user.press(next(t for t in listing.button_texts if "Doctor" in t))
    await user.wait_for(lambda m: en.gettext("❌ Cancel this appointment") in m.button_texts)
    await user.press(en.gettext("❌ Cancel this appointment"))
    await user.wait_for(lambda m: en.gettext("❌ Yes, cancel it") in m.button_texts)
    await user.press(en.gettext("❌ Yes, cancel it"))
    await user.wait_for(lambda m: any(t.startswith("❌ ") and "Doctor" in t for t in m.button_texts))
    assert {r.status for r in await rows(bot, apt.id)} == {"cancelled"}
    at(bot, apt.starts_at - dt.timedelta(hours=2))
    await asyncio.sleep(0.3)
    assert not [m for m in user.messages if m.content.startswith("⏰")]


async def test_staff_cancel_and_move_change_the_reminders(bot: BotHarness) -> None:
    user = await started(bot, "de")
    starts = bot.clock() + dt.timedelta(days=2)
    apt_id = await create(bot, user.user_id, starts)
    later = starts + dt.timedelta(days=1)
    assert await service(bot).move(apt_id, later, actor=900001, staff=True)
    found = await rows(bot, apt_id)
    assert sorted(r.status for r in found) == ["cancelled", "cancelled", "pending", "pending"]
    assert max(r.due_at for r in found) == later - dt.timedelta(hours=2)
    assert not await service(bot).cancel(apt_id, actor=user.user_id + 1, staff=False)  # not theirs
    assert await service(bot).cancel(apt_id, actor=900001, staff=True)
    assert {r.status for r in await rows(bot, apt_id)} == {"cancelled"}
    notice = await user.wait_for(lambda m: "Jobcenter" in m.content and m.content.startswith("❌"))
    assert translator("de", BERLIN).time(later) in notice.text


async def test_invite_link_works_once(bot: BotHarness) -> None:
    de = translator("de")
    staff = await started(bot, "de", user_id=900001)
    await staff.send("/admin")
    await staff.wait_for(lambda m: de.gettext("📅 Appointments") in m.button_texts)
    await staff.press(de.gettext("📅 Appointments"))
    await staff.wait_for(lambda m: de.gettext("➕ New appointment") in m.button_texts)
    await staff.press(de.gettext("➕ New appointment"))
    await staff.wait_for(lambda m: de.gettext("🔗 Invite link for someone new") in m.button_texts)
    await staff.press(de.gettext("🔗 Invite link for someone new"))
    await staff.wait_for(lambda m: "✏️" in m.text)
    await staff.send("Ausländerbehörde")
    await staff.wait_for(lambda m: "🏢" in m.text)
    await staff.press(de.gettext("⏭ Skip"))
    await staff.wait_for(lambda m: m.text.startswith("📍"))
    await staff.send("Raum 12")
    await staff.wait_for(lambda m: "apt:d:20261201" in m.callback_data)
    await staff.press(data="apt:d:20261201")
    await staff.wait_for(lambda m: "apt:h:8" in m.callback_data)
    await staff.press(data="apt:h:8")
    await staff.wait_for(lambda m: "apt:m:0" in m.callback_data)
    await staff.press(data="apt:m:0")
    await staff.wait_for(lambda m: m.text.startswith("🎒"))
    await staff.press(de.gettext("⏭ Skip"))
    await staff.wait_for(lambda m: m.text.startswith("📝"))
    await staff.press(de.gettext("⏭ Skip"))
    link_message = await staff.wait_for(lambda m: "start=apt-" in m.content)
    qr = await staff.wait_for(lambda m: m.kind == "photo")
    assert qr.photo.data.startswith(b"\x89PNG")
    code = re.search(r"start=(apt-[\w-]+)", link_message.text).group(1)
    assert len(code) > 20

    first = bot.user("ar")
    await first.send(f"/start {code}")
    welcome = await first.wait_for(lambda m: "Ausländerbehörde" in m.content)
    assert "Raum 12" in welcome.text
    second = bot.user("en")
    await second.send(f"/start {code}")
    refused = await second.next_message()
    assert refused.text == translator("en").gettext(
        "This invitation link was already used or has expired. Please ask the office for a new one."
    )
    async with session_factory(bot.engine)() as session:
        apt = await session.scalar(select(Appointment))
    assert apt.client_id == first.user_id
    assert [r.chat_id for r in await rows(bot, apt.id)] == [first.user_id, first.user_id]


async def test_client_role_cannot_use_staff_buttons(bot: BotHarness) -> None:
    user = await started(bot, "en")
    update = await user.press(data="apt:new", message=user.messages[-1])
    answer = await user.answer_for(update)
    assert answer.text == translator("en").gettext("Sorry, this is only for office staff.")


async def dst_case(bot: BotHarness, day: dt.date, expected: list[dt.datetime]) -> None:
    user = await started(bot, "en")
    bot.clock.now = dt.datetime.combine(day - dt.timedelta(days=5), dt.time(9), tzinfo=dt.UTC)
    starts = reminders.local_instant(day, dt.time(10), bot.settings.tz)
    apt_id = await create(bot, user.user_id, starts)
    assert [r.due_at for r in await rows(bot, apt_id)] == expected
    at(bot, expected[0] - dt.timedelta(seconds=1))
    await asyncio.sleep(0.2)
    assert not [m for m in user.messages if "Jobcenter" in m.content]
    at(bot, expected[0])
    await user.wait_for(lambda m: "Jobcenter" in m.content)


async def test_dst_spring_forward_day(bot: BotHarness) -> None:
    # 10:00 summer time on 29 March 2026 is 08:00 UTC; the evening before is still winter time.
    await dst_case(
        bot,
        dt.date(2026, 3, 29),
        [dt.datetime(2026, 3, 28, 17, 0, tzinfo=dt.UTC), dt.datetime(2026, 3, 29, 6, 0, tzinfo=dt.UTC)],
    )


async def test_dst_fall_back_day(bot: BotHarness) -> None:
    # 10:00 winter time on 25 October 2026 is 09:00 UTC; the evening before (18:00) is summer time.
    await dst_case(
        bot,
        dt.date(2026, 10, 25),
        [dt.datetime(2026, 10, 24, 16, 0, tzinfo=dt.UTC), dt.datetime(2026, 10, 25, 7, 0, tzinfo=dt.UTC)],
    )


async def test_two_dispatchers_never_send_the_same_reminder(bot: BotHarness) -> None:
    """Two bot processes on one database (PostgreSQL: FOR UPDATE SKIP LOCKED): each reminder once."""
    users = [await started(bot, "de") for _ in range(10)]
    starts = bot.clock() + dt.timedelta(hours=3)
    ids = [await create(bot, users[n % 10].user_id, starts, title=f"Termin {n}") for n in range(60)]
    settings = bot.settings
    await bot.stop_bot()
    bot.clock.now = starts - dt.timedelta(hours=1)  # the two-hours reminders are all due
    sessions = session_factory(bot.engine)
    render_reminder, _ = make_renderers(settings)

    def dispatcher() -> Dispatcher:
        outbox_bot = Bot(TOKEN, base_url=bot.emulator.api_url, request=AiohttpRequest(connection_pool_size=8))
        d = Dispatcher(sessions=sessions, bot=outbox_bot, limiter=RateLimiter(0, 0), clock=bot.clock, batch=7)
        d.register("reminder", render_reminder)
        return d

    pair = [dispatcher(), dispatcher()]
    for d in pair:
        await d.bot.initialize()

    async def drain(d: Dispatcher) -> None:
        while await d.dispatch_due():
            pass

    await asyncio.gather(*(drain(d) for d in pair))
    for d in pair:
        await d.bot.shutdown()
    texts = sorted(m.text.split("\n")[0] for u in users for m in u.messages if "Termin" in m.content)
    heading = translator("de").gettext("⏰ <b>Reminder: {title}</b>").replace("<b>", "").replace("</b>", "")
    assert texts == sorted(heading.format(title=f"Termin {n}") for n in range(60))
    statuses = [r.status for apt_id in ids for r in await rows(bot, apt_id)]
    assert sorted(set(statuses)) == ["sent"] and len(statuses) == 60


async def test_retention_deletes_old_appointments_with_their_reminders(bot: BotHarness) -> None:
    user = await started(bot, "en")
    old = await create(bot, user.user_id, bot.clock() + dt.timedelta(days=1))
    recent = await create(bot, user.user_id, bot.clock() + dt.timedelta(days=20))
    bot.clock.advance(days=32)
    assert await service(bot).purge() == 1
    assert await service(bot).get(old) is None and await rows(bot, old) == []
    assert await service(bot).get(recent) is not None


async def test_export_and_erase(bot: BotHarness) -> None:
    from bot.privacy import erase_all, export_all

    user = await started(bot, "en")
    apt_id = await create(bot, user.user_id, bot.clock() + dt.timedelta(days=1), bring="Pass")
    async with session_factory(bot.engine)() as session, session.begin():
        exported = (await export_all(session, user.user_id))["appointments"]
        assert exported["appointments"][0]["what to bring"] == "Pass"
        assert len(exported["reminders"]) == 2
        await erase_all(session, user.user_id)
    assert await service(bot).get(apt_id) is None and await rows(bot, apt_id) == []


async def open_office_appointment(bot: BotHarness, staff, title: str):  # type: ignore[no-untyped-def]
    de = translator("de")
    await staff.send("/admin")
    await staff.wait_for(lambda m: de.gettext("📅 Appointments") in m.button_texts)
    await staff.press(de.gettext("📅 Appointments"))
    listing = await staff.wait_for(lambda m: any(title in t for t in m.button_texts))
    await staff.press(next(t for t in listing.button_texts if title in t))
    return await staff.wait_for(lambda m: de.gettext("🕐 Change time") in m.button_texts)


async def test_staff_moves_across_a_restart_and_edits_the_place(bot: BotHarness) -> None:
    de = translator("de")
    client = await started(bot, "en")
    staff = await started(bot, "de", user_id=900001)
    apt_id = await create(
        bot, client.user_id, bot.clock() + dt.timedelta(days=3), title="Sozialamt", place="Raum 1"
    )
    await open_office_appointment(bot, staff, "Sozialamt")
    await staff.press(de.gettext("🕐 Change time"))
    await staff.wait_for(lambda m: "apt:d:20261130" in m.callback_data)
    await bot.restart()  # the conversation goes on where it was
    await staff.press(data="apt:d:20261130")
    await staff.wait_for(lambda m: "apt:h:14" in m.callback_data)
    await staff.press(data="apt:h:14")
    await staff.wait_for(lambda m: "apt:m:45" in m.callback_data)
    await staff.press(data="apt:m:45")
    await staff.wait_for(
        lambda m: m.text == de.gettext("✅ The time is changed; the reminders moved with it.")
    )
    new_start = dt.datetime(2026, 11, 30, 13, 45, tzinfo=dt.UTC)
    assert (await service(bot).get(apt_id)).starts_at == new_start
    pending = [r.due_at for r in await rows(bot, apt_id) if r.status == "pending"]
    assert pending == [dt.datetime(2026, 11, 29, 17, 0, tzinfo=dt.UTC), new_start - dt.timedelta(hours=2)]

    await staff.press(de.gettext("◀️ Back"))
    await staff.wait_for(lambda m: de.gettext("📍 Place") in m.button_texts)
    await staff.press(de.gettext("📍 Place"))
    await staff.wait_for(lambda m: de.gettext("🗑 Clear") in m.button_texts)
    await staff.send("Raum <7>")
    await staff.wait_for(lambda m: m.text == de.gettext("✅ Changed. Reminders show the new text."))
    at(bot, new_start - dt.timedelta(hours=2))
    reminder = await client.wait_for(lambda m: "Sozialamt" in m.content)
    assert "Raum <7>" in reminder.text and "Raum &lt;7&gt;" in reminder.html


async def test_reminder_times_chosen_by_client_and_defaults_by_staff(bot: BotHarness) -> None:
    en, de = translator("en"), translator("de")
    staff = await started(bot, "de", user_id=900001)
    await staff.send("/admin")
    await staff.wait_for(lambda m: de.gettext("📅 Appointments") in m.button_texts)
    await staff.press(de.gettext("📅 Appointments"))
    await staff.wait_for(lambda m: de.gettext("⏰ Default reminder times") in m.button_texts)
    await staff.press(de.gettext("⏰ Default reminder times"))
    hour = de.gettext("1 hour before")
    await staff.wait_for(lambda m: "▫️ " + hour in m.button_texts)
    await staff.press("▫️ " + hour)
    await staff.wait_for(lambda m: "✅ " + hour in m.button_texts)
    assert await service(bot).get_default_offsets() == [reminders.EVENING_BEFORE, 120, 60]

    client = await started(bot, "en")
    await client.send("/appointments")
    await client.wait_for(lambda m: en.gettext("⏰ Reminder times") in m.button_texts)
    await client.press(en.gettext("⏰ Reminder times"))
    evening = en.gettext("the evening before (18:00)")
    await client.wait_for(lambda m: "✅ " + evening in m.button_texts)
    await client.press("✅ " + evening)
    await client.wait_for(lambda m: "▫️ " + evening in m.button_texts)
    starts = bot.clock() + dt.timedelta(days=2)
    apt_id = await create(bot, client.user_id, starts)
    assert [r.due_at for r in await rows(bot, apt_id)] == [
        starts - dt.timedelta(hours=2),
        starts - dt.timedelta(hours=1),
    ]


async def test_blocked_client_is_marked_inactive_and_not_retried(bot: BotHarness) -> None:
    from storage.models import User

    user = await started(bot, "so")
    starts = bot.clock() + dt.timedelta(hours=3)
    apt_id = await create(bot, user.user_id, starts)
    user.block()
    at(bot, starts - dt.timedelta(hours=2))
    await wait_rows(bot, apt_id, OutboxStatus.FAILED)
    async with session_factory(bot.engine)() as session:
        assert (await session.get(User, user.user_id)).active is False


async def test_someone_elses_appointment_buttons_are_refused(bot: BotHarness) -> None:
    owner = await started(bot, "en")
    other = await started(bot, "en")
    apt_id = await create(bot, owner.user_id, bot.clock() + dt.timedelta(days=1))
    stale = translator("en").gettext("This button is no longer valid.")
    for data in (
        f"apt:show:{apt_id}",
        f"apt:cxy:{apt_id}",
        f"apt:yes:{apt_id}",
        f"apt:ics:{apt_id}",
        "apt:show:x",
    ):
        update = await other.press(data=data, message=other.messages[-1])
        assert (await other.answer_for(update)).text == stale
    assert (await service(bot).get(apt_id)).status == "scheduled"
