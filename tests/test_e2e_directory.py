"""End to end: browse the directory, search with typos, nearby by location, save a service."""

from __future__ import annotations

import datetime as dt
import re

from bot.i18n import translator
from tests.harness import BotHarness


async def test_browse_to_a_card_and_get_a_venue_in_arabic(content_bot: BotHarness) -> None:
    ar = translator("ar")
    amina = content_bot.user("ar")
    await amina.send("/start")
    await amina.next_message()
    await amina.press(ar.gettext("🗂 Services"))
    overview = await amina.wait_for(lambda m: ar.gettext("🟢 Open now") in m.button_texts)
    mobility = next(b for b in overview.button_texts if b.startswith("🚲"))
    await amina.press(mobility)
    listing = await amina.wait_for(
        lambda m: any("🚲" in t or "دراج" in t for t in m.button_texts) and m.text.startswith("🚲")
    )
    bike = next(t for t in listing.button_texts if "دراج" in t)
    await amina.press(bike)
    card = await amina.wait_for(lambda m: ar.gettext("📍 Show on the map") in m.button_texts)
    assert "\u2068" in card.text  # address and phone isolated inside right-to-left text
    assert "38540" in card.text
    await amina.press(ar.gettext("📍 Show on the map"))
    venue = await amina.wait_for(lambda m: m.kind == "venue")
    assert venue.venue.latitude and venue.venue.longitude
    assert "دراج" in venue.venue.title


async def test_search_with_a_typo_finds_the_bike_workshop(content_bot: BotHarness) -> None:
    user = content_bot.user("de")
    await user.send("fahrad")
    results = await user.next_message()
    assert any("Fahrrad" in t for t in results.button_texts[:3]), results.button_texts
    await user.press(translator("de").gettext("🟢 Only open now"))
    await user.wait_for(lambda m: translator("de").gettext("Show all results") in m.button_texts)


async def test_search_without_hits_offers_topics(content_bot: BotHarness) -> None:
    user = content_bot.user("uk")
    await user.send("qqqxxzz <b>")
    reply = await user.next_message()
    uk = translator("uk")
    assert uk.gettext("🗂 All topics") in reply.button_texts
    assert "&lt;b&gt;" in reply.html  # the query is shown as typed, escaped


async def test_nearby_by_location_with_distances(content_bot: BotHarness) -> None:
    user = content_bot.user("fr")
    await user.send_location(52.4800, 10.3500)  # the centre of Auenbrück
    reply = await user.next_message()
    labels = reply.button_texts[:-2]
    assert len(labels) == 6
    assert all(re.search(r"\d[\s\u202f\u00a0]?(m|km)$", label) for label in labels), labels


async def test_save_and_list_saved(content_bot: BotHarness) -> None:
    de = translator("de")
    user = content_bot.user("de")
    await user.send("Schuldnerberatung")
    await user.next_message()
    await user.press((0, 0))
    await user.wait_for(lambda m: de.gettext("☆ Save") in m.button_texts)
    await user.press(de.gettext("☆ Save"))
    await user.wait_for(lambda m: de.gettext("★ Saved – remove") in m.button_texts)
    await user.send("/saved")
    saved = await user.next_message()
    assert any("Schuldner" in t for t in saved.button_texts)


async def test_open_now_follows_the_clock(content_bot: BotHarness) -> None:
    user = content_bot.user("en")
    content_bot.clock.now = dt.datetime(2026, 11, 22, 2, 0, tzinfo=dt.UTC)  # Sunday 03:00 in Berlin
    await user.send("/services")
    await user.next_message()
    await user.press("🟢 Open now")
    night = await user.wait_for(lambda m: "Open now" in m.text or "no service is open" in m.text)
    content_bot.clock.now = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)  # Tuesday 10:00
    await user.send("/services")
    await user.next_message()
    await user.press("🟢 Open now")
    day = await user.wait_for(lambda m: m.text.startswith("🟢") and m is not night)
    assert len(day.button_texts) > len(night.button_texts)


async def test_card_escapes_html_in_content(content_bot: BotHarness) -> None:
    from sqlalchemy import select, update

    from bot.app import reload_directory
    from storage.models import Service, Text

    async with content_bot.app.bot_data.sessions() as session, session.begin():
        bike = await session.scalar(select(Service.id).where(Service.slug == "bike-workshop"))
        await session.execute(
            update(Text)
            .where(
                Text.owner_type == "service", Text.owner_id == bike, Text.field == "name", Text.lang == "de"
            )
            .values(text="Rad <b> & Co")
        )
    await reload_directory(content_bot.app)
    user = content_bot.user("de")
    await user.send("Fahrradwerkstatt")
    results = await user.next_message()
    assert results.button_texts[0].endswith("Rad <b> & Co")
    await user.press((0, 0))
    card = await user.wait_for(lambda m: "Rad <b> & Co" in m.text)
    assert "<b>Rad &lt;b&gt; &amp; Co</b>" in card.html


async def test_no_hit_suggests_close_services(content_bot: BotHarness) -> None:
    user = content_bot.user("en")
    await user.send("velocipede")
    reply = await user.next_message()
    assert reply.text == "I found nothing for “velocipede”. Did you mean one of these?"
    assert reply.button_texts[0].startswith("🔎 Bike")
    assert "🗂 All topics" in reply.button_texts


async def test_volunteers_see_a_services_shifts_on_its_card(content_bot: BotHarness) -> None:
    from sqlalchemy import select

    from bot import shifts
    from storage.models import Role, Service

    async with content_bot.app.bot_data.sessions() as session, session.begin():
        bike = await session.scalar(select(Service.id).where(Service.slug == "bike-workshop"))
        await shifts.create(session, shifts.ShiftSpec("Werkstatt-Dienst", 1, "15:00", "18:00", 2), bike)
    volunteer, client = content_bot.user("de"), content_bot.user("de")
    await volunteer.send("/start")
    await volunteer.next_message()
    await content_bot.app.bot_data.users.set_role(
        volunteer.user_id, Role.VOLUNTEER, content_bot.clock().date()
    )
    for user in (volunteer, client):
        await user.send("Fahrradwerkstatt")
        await user.wait_for(lambda m: m.text.startswith("🔎"))
        await user.press((0, 0))
    save = translator("de").gettext("☆ Save")
    card = await volunteer.wait_for(lambda m: save in m.button_texts)
    assert any(label.startswith("🤝 Werkstatt-Dienst") for label in card.button_texts)
    client_card = await client.wait_for(lambda m: len(m.button_texts) >= 3)
    assert not any(label.startswith("🤝") for label in client_card.button_texts)
