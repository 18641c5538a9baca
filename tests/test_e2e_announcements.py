"""Announcements end to end: compose, versions and fallback, audience, preview and confirm, send now or
schedule (across a restart), cancel, 403/429 in a broadcast, the live report, topics and news."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from html import unescape

from sqlalchemy import func, select

from bot.announcements import Draft, LiveReports, announcements_of, body_for, render_message, report_text
from bot.i18n import translator
from bot.topics import topics_of
from storage import users as users_repo
from storage.models import Announcement, AuditEntry, OutboxMessage, OutboxStatus, Role, Subscription, User
from tests.harness import BotHarness

DE = translator("de")
ADMIN = 900001


def plain(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


async def people(bot: BotHarness, lang: str, n: int = 1, role: Role = Role.CLIENT):  # type: ignore[no-untyped-def]
    """Users known to the bot with a language (as after /start), without the chatter."""
    made = []
    async with bot.app.bot_data.sessions() as session, session.begin():
        for _ in range(n):
            user = bot.user(lang)
            await users_repo.get_or_create(session, user.user_id, today=bot.clock().date())
            await users_repo.set_language(session, user.user_id, lang)
            await users_repo.set_role(session, user.user_id, role)
            made.append(user)
    return made


async def staff_member(bot: BotHarness):  # type: ignore[no-untyped-def]
    staff = bot.user("de", user_id=ADMIN)
    await staff.send("/start")
    await staff.settle()
    return staff


async def pressed(user, label: str, then: str) -> None:  # type: ignore[no-untyped-def]
    """Press a button and wait until a message offers the button `then`."""
    await user.press(label)
    await user.wait_for(lambda m: then in m.button_texts)


async def compose(
    bot: BotHarness,
    staff,  # type: ignore[no-untyped-def]
    text: str,
    *,
    versions: dict[str, str] | None = None,
    fallback: str | None = None,
    toggles: tuple[str, ...] = (),
):
    """Walk the conversation up to the confirmation message (returned)."""
    from bot.languages import LANGUAGES

    await staff.send("/announce")
    await staff.wait_for(lambda m: DE.gettext("✖ Cancel") in m.button_texts and "✍️" in m.content)
    await staff.send(text)
    await staff.wait_for(lambda m: DE.gettext("No attachment") in m.button_texts)
    await pressed(staff, DE.gettext("No attachment"), DE.gettext("➡️ Continue"))
    for code, body in (versions or {}).items():
        name = LANGUAGES[code].native_name
        await staff.press("▫️ " + name)
        await staff.wait_for(lambda m: "German source" in m.content or m.content.count("\n") > 1)
        await staff.send(body)
        await staff.wait_for(lambda m, n=name: "✅ " + n in m.button_texts)
    await staff.press(DE.gettext("➡️ Continue"))
    if fallback is not None:
        label = {"de": "Send the German text", "en": "Send the English text", "skip": "Skip those recipients"}
        await staff.wait_for(lambda m: DE.gettext(label[fallback]) in m.button_texts)
        await pressed(staff, DE.gettext(label[fallback]), DE.gettext("👁 Preview"))
    else:
        await staff.wait_for(lambda m: DE.gettext("👁 Preview") in m.button_texts)
    for toggle in toggles:
        await staff.press("▫️ " + toggle)
        await staff.wait_for(lambda m, t=toggle: "✅ " + t in m.button_texts)
    staff.chat.mark_read()
    await staff.press(DE.gettext("👁 Preview"))
    return await staff.wait_for(lambda m: DE.gettext("🗓 Schedule") in m.button_texts)


async def wait_until(predicate, within: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + within
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.05)


async def outbox_statuses(bot: BotHarness, announcement_id: int) -> dict[str, int]:
    async with bot.app.bot_data.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.ref_type == "announcement", OutboxMessage.ref_id == announcement_id)
            .group_by(OutboxMessage.status)
        )
        return dict(rows.all())


async def last_announcement(bot: BotHarness) -> Announcement:
    async with bot.app.bot_data.sessions() as session:
        return await session.scalar(select(Announcement).order_by(Announcement.id.desc()).limit(1))


# --- preview, confirm, versions, fallback, live report ------------------------------------------------


async def test_preview_confirm_and_send_with_versions_and_german_fallback(bot: BotHarness) -> None:
    staff = await staff_member(bot)
    de_clients = await people(bot, "de", 2)
    (uk_client,) = await people(bot, "uk")
    (ar_client,) = await people(bot, "ar")
    (volunteer,) = await people(bot, "de", role=Role.VOLUNTEER)
    confirm = await compose(
        bot, staff, "Das Sprachcafé beginnt um 17 Uhr.", versions={"uk": "Мовне кафе о 17:00."}, fallback="de"
    )
    # one preview per language, exactly as the recipients will see it
    office = bot.settings.office_name
    shown = [m.content for m in staff.messages if "📣" in m.content and m.message_id < confirm.message_id]
    expected = {
        lang: plain(render_message(translator(lang), office, *body_for(texts, lang, "de")))
        for lang, texts in [
            (x, {"de": "Das Sprachcafé beginnt um 17 Uhr.", "uk": "Мовне кафе о 17:00."})
            for x in ("de", "uk", "ar")
        ]
    }
    assert set(shown) == set(expected.values())
    assert DE.gettext("✅ Send now to {total}").format(total=4) in confirm.button_texts
    assert "Deutsch: 2" in confirm.content and "Українська: 1" in confirm.content
    assert uk_client.messages == [] and ar_client.messages == []  # nothing goes out before confirming

    await staff.press(DE.gettext("✅ Send now to {total}").format(total=4))
    uk_msg = await uk_client.next_message()
    assert uk_msg.content == expected["uk"]
    ar_msg = await ar_client.next_message()
    assert ar_msg.content == expected["ar"]
    assert translator("ar").gettext("ℹ️ This message is not yet available in your language.") in ar_msg.content
    for client in de_clients:
        assert (await client.next_message()).content == expected["de"]
    # the confirmation message became the live report and ends as the final summary
    announcement = await last_announcement(bot)
    final_title = plain(
        DE.gettext("✅ <b>Announcement #{id}</b>: delivery finished").format(id=announcement.id)
    )
    report = await staff.wait_for(lambda m: m.message_id == confirm.message_id and final_title in m.content)
    assert report.edited and "4" in report.content
    await asyncio.sleep(0.3)
    assert volunteer.messages == []  # clients only
    assert all(len(c.messages) == 1 for c in [*de_clients, uk_client, ar_client])
    async with bot.app.bot_data.sessions() as session:
        announcement = await session.get(Announcement, announcement.id)
        assert announcement.status == "sent"
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "announcement.send"))
        assert entry is not None and entry.actor_id == ADMIN and entry.details["recipients"] == 4


async def test_fallback_skip_and_english(bot: BotHarness) -> None:
    staff = await staff_member(bot)
    (de_client,) = await people(bot, "de")
    (en_client,) = await people(bot, "en")
    (tr_client,) = await people(bot, "tr")
    confirm = await compose(bot, staff, "Nur auf Deutsch.", versions={"en": "English too."}, fallback="skip")
    assert DE.gettext("✅ Send now to {total}").format(total=2) in confirm.button_texts
    assert "1" in confirm.content and DE.gettext("Skipped (no version in their language): {count}").split(
        ":"
    )[0] in (confirm.content)
    await staff.press(DE.gettext("✅ Send now to {total}").format(total=2))
    assert "Nur auf Deutsch." in (await de_client.next_message()).content
    assert "English too." in (await en_client.next_message()).content
    await asyncio.sleep(0.3)
    assert tr_client.messages == []

    staff.chat.mark_read()
    confirm = await compose(
        bot, staff, "Zweite Nachricht.", versions={"en": "Second message."}, fallback="en"
    )
    await staff.press(DE.gettext("✅ Send now to {total}").format(total=3))
    message = await tr_client.next_message()
    assert "Second message." in message.content
    assert (
        translator("tr").gettext("ℹ️ This message is not yet available in your language.") in message.content
    )


# --- audience ----------------------------------------------------------------------------------------


async def test_audience_filters_combine_roles_languages_and_topics(bot: BotHarness) -> None:
    service = announcements_of(bot.app.bot_data)
    topics = await topics_of(bot.app.bot_data).topics()
    bike = next(t for t in topics if t.slug == "bike-workshop")
    de_clients = await people(bot, "de", 3)
    uk_clients = await people(bot, "uk", 2)
    await people(bot, "de", 2, role=Role.VOLUNTEER)
    await people(bot, "uk", 1, role=Role.STAFF)
    async with bot.app.bot_data.sessions() as session, session.begin():
        session.add(Subscription(user_id=de_clients[0].user_id, topic_id=bike.id))
        session.add(Subscription(user_id=uk_clients[0].user_id, topic_id=bike.id))
        blocked = await session.get(User, de_clients[2].user_id)
        blocked.active = False

    async def count(**kw) -> dict[str, int]:  # type: ignore[no-untyped-def]
        return (await service.preview(Draft(text="x", **kw))).per_language

    assert await count(roles=["client"]) == {"de": 2, "uk": 2}  # inactive users are left out
    assert await count(roles=["volunteer", "staff"]) == {"de": 2, "uk": 1}
    assert await count(roles=["client", "volunteer"], languages=["uk"]) == {"uk": 2}
    assert await count(roles=["client"], topics=[bike.id]) == {"de": 1, "uk": 1}
    assert await count(roles=["client"], topics=[bike.id], languages=["de"]) == {"de": 1}
    assert await count(roles=[]) == {}

    # and through the buttons: volunteers added, Ukrainian only
    staff = await staff_member(bot)
    confirm = await compose(
        bot,
        staff,
        "Hallo",
        versions={"uk": "Привіт"},
        fallback="skip",
        toggles=(DE.gettext("Volunteers"), "Українська"),
    )
    assert DE.gettext("✅ Send now to {total}").format(total=2) in confirm.button_texts


# --- scheduling ---------------------------------------------------------------------------------------


async def schedule_tomorrow(bot: BotHarness, staff, confirm) -> dt.datetime:  # type: ignore[no-untyped-def]
    tomorrow = bot.clock().astimezone(bot.settings.tz).date() + dt.timedelta(days=1)
    await staff.press(DE.gettext("🗓 Schedule"), message=confirm)
    await staff.wait_for(lambda m: DE.short_date(tomorrow) in m.button_texts)
    await staff.press(DE.short_date(tomorrow))
    await staff.wait_for(lambda m: DE.time(dt.time(9, 0)) in m.button_texts)
    await staff.press(DE.time(dt.time(9, 0)))
    await staff.wait_for(lambda m: DE.time(dt.time(9, 30)) in m.button_texts)
    await staff.press(DE.time(dt.time(9, 30)))
    await staff.wait_for(lambda m: any(t.startswith("✅") for t in m.button_texts))
    await staff.press(DE.gettext("✅ Schedule for {total}").format(total=1))
    await staff.wait_for(lambda m: m.message_id == confirm.message_id and not m.has_buttons)
    return dt.datetime.combine(tomorrow, dt.time(9, 30), tzinfo=bot.settings.tz).astimezone(dt.UTC)


async def test_scheduled_announcement_goes_out_on_time_after_a_restart(bot: BotHarness) -> None:
    staff = await staff_member(bot)
    (client,) = await people(bot, "de")
    confirm = await compose(bot, staff, "Morgen früh: Fahrradwerkstatt geöffnet.", fallback="de")
    when = await schedule_tomorrow(bot, staff, confirm)
    announcement = await last_announcement(bot)
    assert announcement.status == "scheduled" and announcement.scheduled_at == when
    await asyncio.sleep(0.3)
    assert client.messages == []

    await bot.restart()
    bot.clock.now = when - dt.timedelta(minutes=1)
    bot.app.bot_data.outbox.wake()
    await asyncio.sleep(0.3)
    assert client.messages == []
    bot.clock.now = when
    bot.app.bot_data.outbox.wake()
    assert "Fahrradwerkstatt" in (await client.next_message()).content
    final_title = plain(
        DE.gettext("✅ <b>Announcement #{id}</b>: delivery finished").format(id=announcement.id)
    )
    await staff.wait_for(lambda m: final_title in m.content)


async def test_cancel_a_scheduled_announcement(bot: BotHarness) -> None:
    staff = await staff_member(bot)
    (client,) = await people(bot, "de")
    confirm = await compose(bot, staff, "Wird abgesagt.", fallback="de")
    when = await schedule_tomorrow(bot, staff, confirm)
    announcement = await last_announcement(bot)
    await staff.send("/announcements")
    await staff.wait_for(lambda m: DE.gettext("🗓 Scheduled announcements") in m.button_texts)
    cancel_label = DE.gettext("✖ Cancel #{id}").format(id=announcement.id)
    await pressed(staff, DE.gettext("🗓 Scheduled announcements"), cancel_label)
    await pressed(staff, cancel_label, DE.gettext("Yes, cancel it"))
    await staff.press(DE.gettext("Yes, cancel it"))
    await staff.wait_for(lambda m: DE.gettext("Nothing is scheduled.") in m.content)
    bot.clock.now = when + dt.timedelta(minutes=5)
    bot.app.bot_data.outbox.wake()
    await asyncio.sleep(0.5)
    assert client.messages == []
    assert await outbox_statuses(bot, announcement.id) == {OutboxStatus.CANCELLED.value: 1}
    async with bot.app.bot_data.sessions() as session:
        assert (await session.get(Announcement, announcement.id)).status == "cancelled"
        assert await session.scalar(select(AuditEntry).where(AuditEntry.action == "announcement.cancel"))
        assert await session.scalar(select(AuditEntry).where(AuditEntry.action == "announcement.schedule"))


# --- delivery: 403 and 429 --------------------------------------------------------------------------------


async def test_broadcast_with_a_blocked_user_and_a_flood_limit(bot: BotHarness) -> None:
    staff = await staff_member(bot)
    clients = await people(bot, "de", 5)
    clients[1].block()
    confirm = await compose(bot, staff, "An alle.", fallback="de")
    bot.emulator.inject_fault("429", method="sendMessage", retry_after=1)
    await staff.press(DE.gettext("✅ Send now to {total}").format(total=5))

    async def submitted() -> bool:
        return await last_announcement(bot) is not None

    await wait_until(submitted)
    announcement = await last_announcement(bot)

    async def done() -> bool:
        statuses = await outbox_statuses(bot, announcement.id)
        if statuses.get("retry"):
            bot.clock.advance(seconds=1)
            bot.app.bot_data.outbox.wake()
        return statuses == {"sent": 4, "failed": 1}

    await wait_until(done, within=8)
    for i, client in enumerate(clients):
        assert len(client.messages) == (0 if i == 1 else 1)
    async with bot.app.bot_data.sessions() as session:
        assert (await session.get(User, clients[1].user_id)).active is False
    tr = DE
    blocked_line = plain(
        tr.gettext(
            "<b>Total</b>: ✅ {sent} sent · 🚫 {blocked} blocked · ⚠️ {failed} failed · ⏳ {pending} pending"
        ).format(sent=4, blocked=1, failed=0, pending=0)
    )
    await staff.wait_for(lambda m: m.message_id == confirm.message_id and blocked_line in m.content)
    # a blocked user is never tried again
    sends_to_blocked = [
        c for c in bot.emulator.calls_to("sendMessage") if str(c.chat_id) == str(clients[1].user_id)
    ]
    assert [c.status for c in sends_to_blocked].count(403) == 1 and sends_to_blocked[-1].status == 403
    assert any(c.status == 429 for c in bot.emulator.calls_to("sendMessage"))


# --- live report throttling -----------------------------------------------------------------------------


async def test_live_report_is_throttled_and_shows_the_last_state(bot: BotHarness) -> None:
    service = announcements_of(bot.app.bot_data)
    clients = await people(bot, "de", 3)
    announcement_id, _ = await service.submit(
        Draft(text="Test"),
        actor_id=ADMIN,
        send_at=bot.clock() + dt.timedelta(days=1),
        report_chat_id=1,
        report_message_id=2,
    )
    edits: list[str] = []

    async def edit(_chat: int, _message: int, text: str) -> None:
        edits.append(text)

    live = LiveReports(service, edit, service.language_of, timezone="Europe/Berlin", interval=0.3)
    for _ in range(10):
        await live.poke(announcement_id)
    assert len(edits) == 1  # the first at once, the rest folded into one deferred edit
    await asyncio.sleep(0.45)
    assert len(edits) == 2
    announcement = await service.get(announcement_id)
    text, final = report_text(DE, announcement, {("de", "pending"): len(clients)})
    assert not final and edits[-1] == text


# --- authorization --------------------------------------------------------------------------------------


async def test_staff_commands_and_callbacks_are_refused_to_clients_and_volunteers(bot: BotHarness) -> None:
    refusal = DE.gettext("Sorry, this is only for office staff.")
    callbacks = [
        "ann:home",
        "ann:new",
        "ann:list",
        "ann:x:1",
        "ann:xy:1",
        "ann:abort",
        "ann:nomedia",
        "ann:v:uk",
        "ann:vdone",
        "ann:fb:de",
        "ann:r:staff",
        "ann:l:de",
        "ann:t:1",
        "ann:aud",
        "ann:pv",
        "ann:go",
        "ann:sch",
        "ann:d:2026-11-25",
        "ann:h:9",
        "ann:m:30",
        "ann:sgo",
    ]
    for role in (Role.CLIENT, Role.VOLUNTEER):
        for chunk in [callbacks[i : i + 8] for i in range(0, len(callbacks), 8)]:  # below the flood limit
            (user,) = await people(bot, "de", role=role)
            for command in ("/announce", "/announcements"):
                await user.send(command)
                assert (await user.next_message()).content == refusal
            anchor = user.messages[-1]
            for data in chunk:
                update = await user.press(data=data, message=anchor)
                answer = await user.answer_for(update)
                assert answer.text == refusal and answer.show_alert, (role, data)
    async with bot.app.bot_data.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Announcement)) == 0


# --- topics and news ----------------------------------------------------------------------------------------


async def test_topics_are_offered_once_and_toggle(bot: BotHarness) -> None:
    newcomer = bot.user(None)
    await newcomer.send("/start")
    await newcomer.wait_for(lambda m: "Українська" in m.button_texts)
    await newcomer.press("Українська")
    uk = translator("uk")
    topics = await topics_of(bot.app.bot_data).topics()
    bike = next(t for t in topics if t.slug == "bike-workshop")
    offer = await newcomer.wait_for(lambda m: "▫️ " + bike.label("uk") in m.button_texts)
    assert bike.label("uk") == "🚲 Велосипедна майстерня"
    await newcomer.press("▫️ " + bike.label("uk"), message=offer)
    await newcomer.wait_for(lambda m: "✅ " + bike.label("uk") in m.button_texts)
    assert await topics_of(bot.app.bot_data).subscriptions(newcomer.user_id) == {bike.id}
    count_before = len(newcomer.messages)
    await newcomer.send("/start")
    await newcomer.settle()
    await newcomer.send("/language")
    await newcomer.settle()
    await newcomer.press("Deutsch")
    await newcomer.settle()
    offers = [
        m for m in newcomer.messages if any(bike.label(x) in " ".join(m.button_texts) for x in ("uk", "de"))
    ]
    assert len(offers) == 1 and len(newcomer.messages) >= count_before
    await newcomer.send("/topics")
    listing = await newcomer.wait_for(
        lambda m: "✅ " + bike.label("de") in m.button_texts, include_existing=False
    )
    assert translator("de").gettext("☰ Menu") in listing.button_texts
    assert uk.gettext("☰ Menu")


async def test_news_shows_latest_announcements_in_the_clients_language(bot: BotHarness) -> None:
    service = announcements_of(bot.app.bot_data)
    (client,) = await people(bot, "uk")
    await service.submit(
        Draft(text="Alt", versions={"uk": "Старе"}),
        actor_id=ADMIN,
        send_at=None,
        report_chat_id=None,
        report_message_id=None,
    )
    bot.clock.advance(hours=1)
    await service.submit(
        Draft(text="Nur für Freiwillige", roles=["volunteer"]),
        actor_id=ADMIN,
        send_at=None,
        report_chat_id=None,
        report_message_id=None,
    )
    await service.submit(
        Draft(text="Übersprungen", fallback="skip"),
        actor_id=ADMIN,
        send_at=None,
        report_chat_id=None,
        report_message_id=None,
    )
    await service.submit(
        Draft(text="Neu <b>wichtig</b>"),
        actor_id=ADMIN,
        send_at=None,
        report_chat_id=None,
        report_message_id=None,
    )
    await client.send("/start")
    await client.settle()
    await client.press(translator("uk").gettext("📰 News"))
    news = await client.wait_for(lambda m: "Старе" in m.content)
    assert "Neu wichtig" in news.content and news.content.index("Neu") < news.content.index("Старе")
    assert "Freiwillige" not in news.content and "Übersprungen" not in news.content
    assert "<b>wichtig</b>" in news.html


async def test_announcement_with_a_photo(bot: BotHarness) -> None:
    staff = await staff_member(bot)
    (client,) = await people(bot, "fr")
    await staff.send("/announce")
    await staff.wait_for(lambda m: DE.gettext("✖ Cancel") in m.button_texts and "✍️" in m.content)
    await staff.send("Sommerfest am Samstag!")
    await staff.wait_for(lambda m: DE.gettext("No attachment") in m.button_texts)
    await staff.send_photo()
    await staff.wait_for(lambda m: DE.gettext("➡️ Continue") in m.button_texts)
    await pressed(staff, DE.gettext("➡️ Continue"), DE.gettext("Send the German text"))
    await pressed(staff, DE.gettext("Send the German text"), DE.gettext("👁 Preview"))
    await staff.press(DE.gettext("👁 Preview"))
    await staff.wait_for(lambda m: m.kind == "photo" and "Sommerfest" in m.content)
    await staff.wait_for(lambda m: DE.gettext("✅ Send now to {total}").format(total=1) in m.button_texts)
    await staff.press(DE.gettext("✅ Send now to {total}").format(total=1))
    message = await client.next_message()
    assert message.kind == "photo" and "Sommerfest am Samstag!" in message.caption
