"""End to end: help requests from a client in Farsi to the one volunteer who takes them, shifts,
and who may press which button."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select

from bot import help_requests as hr_service
from bot.i18n import translator
from bot.volunteers import SEED_SKILLS
from handlers.shifts import JOB_NAME
from storage import volunteers as vol_repo
from storage.models import HelpRequest, Role, VolunteerProfile
from tests.harness import BotHarness

de, fa = translator("de"), translator("fa")
THURSDAY = "20261126"  # the clock starts on Tuesday 24 Nov 2026, 11:00 in Berlin; 18:30 that evening
CONTACT = "Amina 0151 2345678"


async def make_volunteer(bot: BotHarness, user, name: str, languages: list[str], **extra) -> None:  # type: ignore[no-untyped-def]
    await bot.app.bot_data.users.set_role(user.id, Role.VOLUNTEER, bot.clock().date())
    async with bot.app.bot_data.sessions() as session, session.begin():
        session.add(
            VolunteerProfile(
                user_id=user.id,
                display_name=name,
                languages=languages,
                skills=extra.get("skills", ["accompany"]),
                areas=extra.get("areas", []),
                availability=extra.get("availability", {"thu": ["morning", "evening"]}),
                approved=True,
                paused=extra.get("paused", False),
            )
        )
    await user.send("/start")
    await user.next_message()


async def eventually(condition, within: float = 5) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def linked_group(bot: BotHarness, admin):  # type: ignore[no-untyped-def]
    group = bot.emulator.add_group(title="Helferkreis", members=[admin])
    await admin.send_in(group, "/linkgroup")
    await group.wait_for(
        lambda m: de.gettext("✅ This group is now the volunteer coordination group.") in m.text
    )
    return group


async def ask_for_help_in_farsi(client) -> None:  # type: ignore[no-untyped-def]
    await client.send("/start")
    await client.next_message()
    await client.press(fa.gettext("🙋 Ask for help"))
    await client.wait_for(lambda m: SEED_SKILLS["accompany"]["fa"] in m.button_texts)
    await client.press(SEED_SKILLS["accompany"]["fa"])
    await client.wait_for(lambda m: "فارسی / دری" in m.button_texts)
    await client.press("فارسی / دری")
    await client.wait_for(lambda m: "Auenbrück" in m.button_texts)
    await client.press("Auenbrück")
    await client.wait_for(lambda m: fa.gettext("🕊 Flexible") in m.button_texts)
    await client.press(data=f"hr:d:{THURSDAY}")
    await client.wait_for(lambda m: fa.gettext("🌙 Evening") in m.button_texts)
    await client.press(fa.gettext("🌙 Evening"))
    await client.wait_for(lambda m: not m.has_buttons and m.text.startswith("📝"))
    await client.send("Termin bei der Ausländerbehörde, ich brauche Begleitung")
    await client.wait_for(lambda m: fa.gettext("✅ Yes") in m.button_texts)
    await client.press(fa.gettext("✅ Yes"))
    await client.wait_for(lambda m: m.text.startswith("☎️"))
    await client.send(CONTACT)
    await client.wait_for(lambda m: fa.gettext("📨 Send") in m.button_texts)
    await client.press(fa.gettext("📨 Send"))
    await client.wait_for(lambda m: fa.gettext("🗑 Withdraw my request") in m.button_texts)


async def test_farsi_request_to_the_one_volunteer_who_takes_it(bot: BotHarness) -> None:
    admin = bot.user("de", user_id=900001)
    await admin.send("/start")
    await admin.next_message()
    group = await linked_group(bot, admin)
    sara, reza, omar = bot.user("de", first_name="Sara"), bot.user("de", first_name="Reza"), bot.user("ar")
    await make_volunteer(bot, sara, "Sara", ["de", "fa"])
    await make_volunteer(bot, reza, "Reza", ["fa", "de"], areas=["Auenbrück"])
    await make_volunteer(bot, omar, "Omar", ["de", "ar"])  # does not speak Farsi
    client = bot.user("fa")
    await ask_for_help_in_farsi(client)

    # staff review before volunteers see anything
    notice = await admin.wait_for(lambda m: "#1" in m.text and de.gettext("Open") in m.button_texts)
    assert CONTACT not in notice.text
    await admin.press(de.gettext("Open"), message=notice)
    await admin.wait_for(lambda m: de.gettext("✅ Publish") in m.button_texts)
    await admin.press(de.gettext("✅ Publish"))

    post = await group.wait_for(lambda m: de.gettext("✋ I'll take it") in m.button_texts)
    assert "Ausländerbehörde" in post.text and CONTACT not in post.text and "Amina" not in post.text
    for volunteer in (sara, reza):
        offer = await volunteer.wait_for(lambda m: de.gettext("✋ I'll take it") in m.button_texts)
        assert CONTACT not in offer.text
    await client.wait_for(
        lambda m: fa.gettext("📣 Your request was approved. We are looking for a volunteer now.") in m.text
    )

    # both press at the same moment: exactly one wins
    presses = await asyncio.gather(
        sara.press(de.gettext("✋ I'll take it")), reza.press(de.gettext("✋ I'll take it"))
    )
    answers = [await u.answer_for(p) for u, p in zip((sara, reza), presses, strict=True)]
    won = [a.text == de.gettext("✋ It's yours. Thank you! The details follow.") for a in answers]
    assert sorted(won) == [False, True], [a.text for a in answers]
    winner, loser = (sara, reza) if won[0] else (reza, sara)
    assigned = await winner.wait_for(lambda m: CONTACT in m.text)
    assert de.gettext("❌ Cannot make it") in assigned.button_texts
    await loser.wait_for(lambda m: "#1" in m.text and m.text.startswith("🙏"))
    await eventually(lambda: group.by_id[post.message_id].text.startswith("✅"))  # the post says "taken"
    await asyncio.sleep(0.2)
    for chat in (loser.chat, group, omar.chat):
        assert all(CONTACT not in m.content for m in chat.bot_messages)
    assert not any(de.gettext("✋ I'll take it") in m.button_texts for m in omar.messages)

    # "cannot make it" reopens the request, staff are told, the other volunteer is free to take it
    await winner.press(de.gettext("❌ Cannot make it"), message=assigned)
    await admin.wait_for(lambda m: m.text.startswith("↩️") and "#1" in m.text)
    async with bot.app.bot_data.sessions() as session:
        request = await session.scalar(select(HelpRequest))
        assert request.status == "open" and request.volunteer_id is None
    repost = await group.wait_for(
        lambda m: m.message_id != post.message_id and de.gettext("✋ I'll take it") in m.button_texts
    )
    await loser.press(de.gettext("✋ I'll take it"), message=repost, chat=group)  # in the group this time
    await loser.wait_for(lambda m: CONTACT in m.text)

    # the reminder before the date (Thursday 18:30 Berlin), then the client is asked
    bot.clock.now = dt.datetime(2026, 11, 25, 17, 35, tzinfo=dt.UTC)
    bot.app.bot_data.outbox.wake()
    await loser.wait_for(lambda m: m.text.startswith("⏰") and "#1" in m.text)
    bot.clock.now = dt.datetime(2026, 11, 27, 18, 0, tzinfo=dt.UTC)
    bot.app.bot_data.outbox.wake()
    await client.wait_for(lambda m: fa.gettext("✅ Yes") in m.button_texts and m.text.startswith("🙋"))
    await client.press(fa.gettext("✅ Yes"))
    await client.wait_for(lambda m: fa.gettext("🎉 We are glad! Thank you for telling us.") in m.text)


async def test_two_claims_at_once_on_the_database(bot: BotHarness) -> None:
    """The conditional UPDATE itself, in two transactions racing (SQLite and PostgreSQL)."""
    sessions = bot.app.bot_data.sessions
    now = bot.clock()
    users = [bot.user("de") for _ in range(3)]
    for u in users:
        await u.send("/start")
        await u.next_message()
    async with sessions() as session, session.begin():
        req = await hr_service.submit(
            session,
            hr_service.Draft(kind="moving", language="de", when="flex", description="x", on_behalf=True),
            author_id=users[0].id,
            now=now,
            tz=bot.settings.tz,
        )

    async def claim(uid: int) -> bool:
        async with sessions() as session, session.begin():
            return (await hr_service.claim(session, req.id, uid, now)).won

    results = await asyncio.gather(*(claim(u.id) for u in users[1:]))
    assert sorted(results) == [False, True]


async def test_a_shift_fills_up_and_a_short_one_is_announced(bot: BotHarness) -> None:
    admin = bot.user("de", user_id=900001)
    await admin.send("/start")
    await admin.next_message()
    group = await linked_group(bot, admin)
    await admin.send("/admin")
    await admin.wait_for(lambda m: de.gettext("🤝 Volunteers") in m.button_texts)
    await admin.press(de.gettext("🤝 Volunteers"))
    await admin.wait_for(lambda m: de.gettext("🗓 Shifts") in m.button_texts)
    await admin.press(de.gettext("🗓 Shifts"))
    await admin.wait_for(lambda m: de.gettext("➕ New shift") in m.button_texts)
    for spec in ("Fahrradwerkstatt; 4; 15:00-18:00; 2", "Sprachcafé; Do; 17:00-19:00; 2"):
        await admin.press(de.gettext("➕ New shift"))
        await admin.wait_for(lambda m: m.text.startswith("➕"), include_existing=False)
        await admin.send(spec)
        await admin.wait_for(lambda m: m.text.startswith("✅"), include_existing=False)
        await admin.press(de.gettext("🗓 Weekly shifts"))
        await admin.wait_for(lambda m: de.gettext("➕ New shift") in m.button_texts, include_existing=False)

    anna, ben, cem = bot.user("de", first_name="Anna"), bot.user("de"), bot.user("tr")
    await make_volunteer(bot, anna, "Anna", ["de"])
    await make_volunteer(bot, ben, "Ben", ["de"])
    await make_volunteer(bot, cem, "Cem", ["tr", "de"])
    come = de.gettext("✋ I'll come on {date}").format(date=de.short_date(dt.date(2026, 11, 26)))
    for v in (anna, ben):
        await v.send("/shifts")
        listing = await v.wait_for(lambda m: any("Fahrradwerkstatt" in t for t in m.button_texts))
        await v.press(next(t for t in listing.button_texts if "Fahrradwerkstatt" in t))
        await v.wait_for(lambda m: come in m.button_texts)
        await v.press(come)
        await v.wait_for(lambda m: "Anna" in m.text and come not in m.button_texts, include_existing=False)
    await cem.send("/shifts")
    listing = await cem.wait_for(lambda m: any("Fahrradwerkstatt" in t for t in m.button_texts))
    await cem.press(next(t for t in listing.button_texts if "Fahrradwerkstatt" in t))
    full = await cem.wait_for(lambda m: "Anna" in m.text and "Ben" in m.text)
    assert come not in full.button_texts  # full: no more signups for that date

    # Wednesday 16:00 UTC: both Thursday shifts are within 48 h, the reminders are due (within 24 h)
    bot.clock.now = dt.datetime(2026, 11, 25, 16, 0, tzinfo=dt.UTC)
    job = bot.app.job_queue.get_jobs_by_name(JOB_NAME)[0]
    await job.run(bot.app)
    await job.run(bot.app)  # idempotent: nothing twice
    for v in (anna, ben):
        await v.wait_for(lambda m: m.text.startswith("⏰") and "Fahrradwerkstatt" in m.text)
    short = await group.wait_for(lambda m: m.text.startswith("🆘"))
    assert "Sprachcafé" in short.text
    await cem.wait_for(lambda m: m.text.startswith("🆘") and "Sprachcafé" in m.text)
    await asyncio.sleep(0.3)
    assert not any("Fahrradwerkstatt" in m.text for m in group.bot_messages if m.text.startswith("🆘"))
    assert len([m for m in group.bot_messages if m.text.startswith("🆘")]) == 1
    assert len([m for m in anna.messages if m.text.startswith("⏰")]) == 1


async def test_staff_buttons_are_refused_to_clients_and_volunteers(bot: BotHarness) -> None:
    client, volunteer = bot.user("ar"), bot.user("de")
    await make_volunteer(bot, volunteer, "Vera", ["de"])
    await client.send("/start")
    await client.next_message()
    async with bot.app.bot_data.sessions() as session, session.begin():
        await vol_repo.create_profile(session, client.id, "Mallory")
    for user in (client, volunteer):
        tr = translator("ar" if user is client else "de")
        shown = user.messages[-1]
        for data in (
            "vad:home",
            "vad:vols",
            f"vad:vok:{client.id}",
            "vad:inv",
            "hr:ls:review",
            "hr:v:1",
            "hr:ok:1",
            "hr:cx:1",
            "hr:ra:1",
            f"hr:rv:1:{user.id}",
            "hr:sum",
            "sha:home",
            "sha:new",
            "sha:off:1",
            "hr:new:staff",
            "vad:skill",
            "vad:chan",
        ):
            press = await user.press(data=data, message=shown)
            answer = await user.answer_for(press)
            assert answer.text == tr.gettext("Sorry, this is only for office staff."), data
    async with bot.app.bot_data.sessions() as session:
        mallory = await vol_repo.profile(session, client.id)
        assert mallory is not None and not mallory.approved


async def test_sign_up_by_invite_link_or_by_asking_and_the_monthly_summary(bot: BotHarness) -> None:
    admin = bot.user("de", user_id=900001)
    await admin.send("/admin")
    await admin.wait_for(lambda m: de.gettext("🤝 Volunteers") in m.button_texts)
    await admin.press(de.gettext("🤝 Volunteers"))
    await admin.wait_for(lambda m: de.gettext("🔗 Invite link") in m.button_texts)
    await admin.press(de.gettext("🔗 Invite link"))
    invite = await admin.wait_for(lambda m: "?start=vol-" in m.text)
    code = invite.text.split("?start=")[1].split()[0].strip("\u2068\u2069")

    uk = translator("uk")
    olena = bot.user("uk", first_name="Olena")
    await olena.send(f"/start {code}")
    await olena.wait_for(lambda m: uk.gettext("🗣 Languages") in m.button_texts)
    await olena.press(uk.gettext("🗣 Languages"))
    await olena.wait_for(lambda m: "Українська" in m.button_texts)
    await olena.press("Українська")
    await olena.wait_for(lambda m: "✅ Українська" in m.button_texts)
    await olena.press(uk.gettext("✔️ Done"))
    profile = await olena.wait_for(lambda m: "Olena" in m.text and "Українська" in m.text)
    assert uk.gettext("✅ Active") in profile.text
    await olena.send("/menu")
    await olena.wait_for(lambda m: uk.gettext("🤝 My tasks") in m.button_texts)
    thief = bot.user("de")
    await thief.send(f"/start {code}")  # single use
    await thief.wait_for(
        lambda m: (
            m.text
            == de.gettext(
                "This invitation link is not valid (any more). Please ask the office for a new one."
            )
        )
    )

    ali = bot.user("tr", first_name="Ali")
    tr = translator("tr")
    await ali.send("/volunteer")
    await ali.wait_for(lambda m: tr.gettext("⏳ Waiting for the office to confirm you.") in m.text)
    notice = await admin.wait_for(lambda m: "Ali" in m.text and m.has_buttons)
    await admin.press(de.gettext("✅ Confirm {name}").format(name="Ali"), message=notice)
    await ali.wait_for(lambda m: tr.gettext("🤝 My tasks") in m.button_texts)

    await admin.send("/admin")
    await admin.wait_for(lambda m: de.gettext("🤝 Volunteers") in m.button_texts, include_existing=False)
    await admin.press(de.gettext("🤝 Volunteers"))
    await admin.wait_for(lambda m: de.gettext("📊 Monthly summary") in m.button_texts)
    await admin.press(de.gettext("📊 Monthly summary"))
    chart = await admin.wait_for(lambda m: m.kind == "photo")
    assert chart.photo is not None


async def test_erasing_a_client_withdraws_the_contact_from_the_volunteer(bot: BotHarness) -> None:
    from bot.privacy import REGISTRY

    sessions = bot.app.bot_data.sessions
    client, vera = bot.user("fa"), bot.user("de")
    await make_volunteer(bot, vera, "Vera", ["fa"])
    await client.send("/start")
    await client.next_message()
    async with sessions() as session, session.begin():
        draft = hr_service.Draft(
            kind="accompany", language="fa", when="flex", description="x", consent=True, contact=CONTACT
        )
        req = await hr_service.submit(
            session, draft, author_id=client.id, now=bot.clock(), tz=bot.settings.tz
        )
        await hr_service.approve(session, req.id, bot.clock(), bot.settings.tz)
        assert (await hr_service.claim(session, req.id, vera.id, bot.clock())).won
    bot.app.bot_data.outbox.wake()
    await vera.wait_for(lambda m: CONTACT in m.text)
    async with sessions() as session, session.begin():
        exported = await REGISTRY["help requests"].export(session, client.id)
        assert exported[0]["contact"] == CONTACT
        await REGISTRY["help requests"].erase(session, client.id)
    bot.app.bot_data.outbox.wake()
    await vera.wait_for(lambda m: m.text.startswith("🚫") and f"#{req.id}" in m.text)
    async with sessions() as session:
        row = await session.get(HelpRequest, req.id)
        assert (row.status, row.client_id, row.contact_details, row.description) == (
            "cancelled",
            None,
            None,
            "",
        )


async def test_staff_reassign_and_link_a_channel(bot: BotHarness) -> None:
    sessions = bot.app.bot_data.sessions
    admin = bot.user("de", user_id=900001)
    await admin.send("/start")
    await admin.next_message()
    channel = bot.emulator.add_group(title="Helfer-Kanal", type="channel", username="helfer_kanal")
    await admin.send("/admin")
    await admin.wait_for(lambda m: de.gettext("🤝 Volunteers") in m.button_texts)
    await admin.press(de.gettext("🤝 Volunteers"))
    await admin.wait_for(lambda m: de.gettext("📣 Link a channel") in m.button_texts)
    await admin.press(de.gettext("📣 Link a channel"))
    await admin.wait_for(lambda m: m.text.startswith("📣"))
    await admin.send("@helfer_kanal")
    await admin.wait_for(lambda m: m.text.startswith("✅"))

    client, vera, karl = bot.user("fa"), bot.user("de"), bot.user("de")
    await make_volunteer(bot, vera, "Vera", ["fa"])
    await make_volunteer(bot, karl, "Karl", ["de"])
    await client.send("/start")
    await client.next_message()
    async with sessions() as session, session.begin():
        draft = hr_service.Draft(
            kind="accompany", language="fa", when="flex", description="x", consent=True, contact=CONTACT
        )
        req = await hr_service.submit(
            session, draft, author_id=client.id, now=bot.clock(), tz=bot.settings.tz
        )
        await hr_service.approve(session, req.id, bot.clock(), bot.settings.tz)
    bot.app.bot_data.outbox.wake()
    await channel.wait_for(lambda m: de.gettext("✋ I'll take it") in m.button_texts)
    await vera.wait_for(lambda m: de.gettext("✋ I'll take it") in m.button_texts)
    assert not any(de.gettext("✋ I'll take it") in m.button_texts for m in karl.messages)  # no Farsi
    await vera.press(de.gettext("✋ I'll take it"))
    await vera.wait_for(lambda m: CONTACT in m.text)

    await admin.press(data=f"hr:v:{req.id}", message=admin.messages[-1])
    await admin.wait_for(lambda m: de.gettext("👤 Assign a volunteer") in m.button_texts)
    await admin.press(de.gettext("👤 Assign a volunteer"))
    await admin.wait_for(lambda m: "Karl" in m.button_texts)
    await admin.press("Karl")
    await karl.wait_for(lambda m: CONTACT in m.text)
    await vera.wait_for(lambda m: m.text.startswith("🚫"))
