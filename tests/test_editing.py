"""Unit tests for directory editing: parsing what staff type, hours changes, translation states."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import audit, privacy
from bot.editing import (
    DirectoryEditor,
    EditError,
    add_exception,
    clear_closure,
    parse_dated,
    parse_slots,
    remove_exception,
    set_closure,
    set_day,
    slugify,
    translation_counts,
    translation_entries,
)
from bot.settings import Settings
from content.sync import source_hash
from storage.db import session_factory
from storage.models import AuditEntry, Service, Text

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


def test_parse_slots() -> None:
    assert parse_slots("9:00-12:00, 14:00–16:00") == [["09:00", "12:00"], ["14:00", "16:00"]]
    with pytest.raises(EditError, match="is not a time slot"):
        parse_slots("morgens")
    with pytest.raises(EditError):
        parse_slots(" , ")


def test_parse_dates_and_ranges() -> None:
    assert parse_dated("24.12.2026; Heiligabend") == ([dt.date(2026, 12, 24)], "Heiligabend")
    assert parse_dated("2026-12-27 - 2027-01-02") == ([dt.date(2026, 12, 27), dt.date(2027, 1, 2)], "")
    with pytest.raises(EditError, match="is not a date"):
        parse_dated("31.02.2026; nope")
    with pytest.raises(EditError, match="is not a date"):
        parse_dated("morgen; nope")


def test_weekly_hours_are_checked_by_the_model() -> None:
    hours = set_day({}, "mon", parse_slots("09:00-12:00, 14:00-16:00"))
    assert hours == {"weekly": {"mon": [["09:00", "12:00"], ["14:00", "16:00"]]}}
    assert set_day(hours, "tue", "appointment")["weekly"]["tue"] == "appointment"
    with pytest.raises(EditError, match="overlap"):
        set_day(hours, "wed", parse_slots("12:00-14:00, 13:00-15:00"))
    with pytest.raises(EditError, match="listed after"):
        set_day(hours, "wed", parse_slots("14:00-16:00, 09:00-12:00"))
    with pytest.raises(EditError, match="past midnight"):
        set_day(set_day({}, "fri", parse_slots("20:00-02:00")), "sat", "all_day")


def test_exceptions_and_temporary_closure() -> None:
    hours = add_exception({}, "24.12.2026; Heiligabend", closed=True)
    hours = add_exception(hours, "23.12.2026; 10:00-12:00", closed=False)
    assert hours["exceptions"] == [
        {"date": "2026-12-24", "closed": True, "reason": {"de": "Heiligabend"}},
        {"date": "2026-12-23", "slots": [["10:00", "12:00"]]},
    ]
    with pytest.raises(EditError, match="both cover"):
        add_exception(hours, "20.12.2026 - 31.12.2026; Ferien", closed=True)
    with pytest.raises(EditError, match="before from"):
        add_exception({}, "31.12.2026 - 20.12.2026", closed=True)
    assert len(remove_exception(hours, 0)["exceptions"]) == 1
    with pytest.raises(EditError):
        remove_exception(hours, 5)
    closed = set_closure(hours, "15.01.2027; Umbau")
    assert closed["temporarily_closed"] == {"until": "2027-01-15", "reason": {"de": "Umbau"}}
    assert set_closure({}, "-; bis auf Weiteres")["temporarily_closed"]["until"] is None
    assert "temporarily_closed" not in clear_closure(closed)


def test_slugify() -> None:
    assert slugify("Fahrrad-Werkstatt Süd") == "fahrrad-werkstatt-sued"
    assert slugify("Nähcafé <Groß>") == "naehcafe-gross"
    assert slugify("!!!") == "entry"


def _text(owner_id: int, field: str, lang: str, text: str, made_from: str) -> Text:
    return Text(
        owner_type="service",
        owner_id=owner_id,
        field=field,
        lang=lang,
        text=text,
        source_hash=source_hash(made_from),
    )


def test_translation_states() -> None:
    rows = [
        _text(1, "name", "de", "Neu", "Neu"),
        _text(1, "name", "uk", "Старе", "Alt"),  # made from an older German text
        _text(1, "description", "de", "Text", "Text"),
        _text(1, "description", "uk", "Текст", "Text"),
        _text(2, "name", "de", "Zwei", "Zwei"),  # no Ukrainian at all
        Text(owner_type="topic", owner_id=1, field="name", lang="de", text="x", source_hash="x"),  # not ours
    ]
    entries = translation_entries(rows, "uk")
    assert [(e.owner_id, e.field, e.state) for e in entries] == [
        (1, "name", "outdated"),
        (2, "name", "missing"),
    ]
    assert entries[0].german == "Neu" and entries[0].current == "Старе"
    assert translation_counts(rows)["uk"] == (1, 1)
    assert translation_counts(rows)["ar"] == (3, 0)


@pytest.fixture
async def editor(engine: AsyncEngine, settings: Settings) -> DirectoryEditor:
    from bot.runner import prepare_database

    await prepare_database(settings, engine)
    reloads: list[int] = []

    async def on_change() -> None:
        reloads.append(1)

    made = DirectoryEditor(session_factory(engine), lambda: NOW, on_change)
    made.reloads = reloads  # type: ignore[attr-defined]
    return made


async def _bike(editor: DirectoryEditor) -> int:
    async with editor._sessions() as session:
        return int(await session.scalar(select(Service.id).where(Service.slug == "bike-workshop")))


async def _state(editor: DirectoryEditor, service_id: int, field: str, lang: str) -> str:
    async with editor._sessions() as session:
        rows = list(await session.scalars(select(Text)))
    found = [
        e
        for e in translation_entries(rows, lang, only_open=False)
        if (e.owner_type, e.owner_id, e.field) == ("service", service_id, field)
    ]
    return found[0].state


async def test_german_edits_mark_translations_outdated_unless_minor(editor: DirectoryEditor) -> None:
    bike = await _bike(editor)
    assert await _state(editor, bike, "description", "ar") == "up_to_date"
    await editor.set_text(1, "service", bike, "description", "de", "Ganz neu.")
    assert await _state(editor, bike, "description", "ar") == "outdated"
    await editor.set_text(1, "service", bike, "name", "de", "Fahrradwerkstatt!", minor=True)
    assert await _state(editor, bike, "name", "ar") == "up_to_date"
    # translating sets the translation's hash to the current German text
    await editor.set_text(1, "service", bike, "description", "ar", "جديد")
    assert await _state(editor, bike, "description", "ar") == "up_to_date"
    assert len(editor.reloads) == 3  # type: ignore[attr-defined]


async def test_every_write_is_validated(editor: DirectoryEditor) -> None:
    bike = await _bike(editor)
    with pytest.raises(EditError, match="phone"):
        await editor.set_column(1, bike, "phone", "call us")
    with pytest.raises(EditError, match="postcode"):
        await editor.set_column(1, bike, "postcode", "123")
    with pytest.raises(EditError, match="name"):
        await editor.set_text(1, "service", bike, "name", "de", "x" * 81)
    with pytest.raises(EditError):
        await editor.set_text(1, "service", bike, "name", "de", "-")  # the German name is required
    with pytest.raises(EditError, match="fee"):
        await editor.set_text(1, "service", bike, "fee", "de", "5 Euro")  # free: true and a fee
    await editor.set_column(1, bike, "location", "52.5, 10.3")
    await editor.set_column(1, bike, "website", "-")
    summary = await editor.service(bike)
    assert summary is not None
    assert summary.document["location"] == {"lat": 52.5, "lon": 10.3} and summary.document["website"] is None
    categories = summary.category_ids
    for category_id in categories:  # removing the last category is refused
        if category_id == categories[-1]:
            with pytest.raises(EditError, match="categories"):
                await editor.toggle_category(1, bike, category_id)
        else:
            await editor.toggle_category(1, bike, category_id)


async def test_audit_entries_are_pseudonymised_on_erasure(editor: DirectoryEditor) -> None:
    bike = await _bike(editor)
    await editor.set_flag(4711, bike, "wheelchair_accessible", False)
    audit.register_personal_data()
    entry = next(e for e in privacy.REGISTRY.values() if e.name.startswith("audit log"))
    async with editor._sessions() as session, session.begin():
        exported = await entry.export(session, 4711)
        assert exported[0]["action"] == "service.update"
        await entry.erase(session, 4711)
    async with editor._sessions() as session:
        row = await session.scalar(select(AuditEntry))
    assert row is not None and row.actor_id is None
    assert row.actor_label == audit.erased_label(4711) and row.actor_label.startswith("erased user ")


async def test_categories_create_rename_hide_delete(editor: DirectoryEditor) -> None:
    new_id = await editor.create_category(1, name="Nähen & Reparieren", emoji="🧵")
    cats = {c.id: (c, names) for c, names in await editor.categories()}
    assert cats[new_id][0].slug == "naehen-reparieren" and cats[new_id][1] == {"de": "Nähen & Reparieren"}
    await editor.set_text(1, "category", new_id, "name", "de", "Nähcafé")
    with pytest.raises(EditError, match="German"):
        await editor.set_text(1, "category", new_id, "name", "de", "-")  # the German name is required
    with pytest.raises(EditError):
        await editor.set_category_emoji(1, new_id, "🧵" * 20)
    await editor.set_hidden(1, "category", new_id, True)
    assert (await editor.categories())[-1][0].hidden
    bike = await _bike(editor)
    only = (await editor.service(bike)).category_ids  # type: ignore[union-attr]
    if len(only) == 1:  # a category that is some service's only one cannot be deleted
        with pytest.raises(EditError, match="no other category"):
            await editor.delete(1, "category", only[0])
    assert await editor.delete(1, "category", new_id) == "naehen-reparieren"
    async with editor._sessions() as session:
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["category.create", "category.text", "category.hide", "category.delete"]
