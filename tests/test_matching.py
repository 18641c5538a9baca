"""Matching volunteers to a help request: skills, languages, area, availability, pause, fairness."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.shifts import ShiftSpecError, parse_spec
from bot.volunteers import Candidate, Need, match, slot_of, toggle_slot

BERLIN = ZoneInfo("Europe/Berlin")


def vol(
    uid: int,
    *,
    skills: tuple[str, ...] = ("accompany",),
    languages: tuple[str, ...] = ("de", "fa"),
    areas: tuple[str, ...] = (),
    availability: dict[str, tuple[str, ...]] | None = None,
    paused: bool = False,
    asked: dt.datetime | None = None,
) -> Candidate:
    avail = availability if availability is not None else {"thu": ("morning",)}
    return Candidate(
        uid,
        frozenset(skills),
        frozenset(languages),
        frozenset(areas),
        {d: frozenset(p) for d, p in avail.items()},
        paused,
        asked,
    )


NEED = Need("accompany", "fa", "Auenbrück", ("thu", "morning"))


def test_skill_language_area_and_availability_must_fit() -> None:
    candidates = [
        vol(1),
        vol(2, skills=("bike_repair",)),
        vol(3, languages=("de", "ar")),
        vol(4, areas=("Hohenfeld",)),
        vol(5, availability={"thu": ("evening",)}),
        vol(6, areas=("Auenbrück", "Hohenfeld")),
    ]
    assert match(NEED, candidates) == [1, 6]


def test_no_area_means_anywhere_and_flexible_ignores_availability() -> None:
    flexible = Need("accompany", "fa", "Wiesenrode", None)
    assert match(flexible, [vol(1, availability={}), vol(2, areas=("Hohenfeld",))]) == [1]


def test_paused_volunteers_are_never_asked() -> None:
    assert match(NEED, [vol(1, paused=True), vol(2)]) == [2]


def test_least_recently_asked_first_and_at_most_n() -> None:
    now = dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC)
    candidates = [
        vol(1, asked=now - dt.timedelta(hours=1)),
        vol(2, asked=now - dt.timedelta(days=3)),
        vol(3),  # never asked: first
        vol(4, asked=now - dt.timedelta(days=1)),
    ]
    assert match(NEED, candidates, limit=3) == [3, 2, 4]
    assert match(NEED, candidates, limit=3, exclude=[3]) == [2, 4, 1]


def test_slot_uses_local_time() -> None:
    # 11:30 UTC on a Thursday in winter is 12:30 in Berlin: afternoon
    assert slot_of(dt.datetime(2026, 11, 26, 11, 30, tzinfo=dt.UTC), BERLIN) == ("thu", "afternoon")
    assert slot_of(dt.datetime(2026, 11, 26, 17, 0, tzinfo=dt.UTC), BERLIN) == ("thu", "evening")


def test_toggle_availability() -> None:
    on = toggle_slot({}, "mon", "evening")
    assert on == {"mon": ["evening"]}
    assert toggle_slot(on, "mon", "evening") == {}


def test_parse_shift_spec() -> None:
    spec = parse_spec("Fahrradwerkstatt; Di; 15:00–18:00; 2; bike_repair", {"bike_repair"})
    assert (spec.title, spec.weekday, spec.start, spec.end, spec.needed, spec.skill) == (
        "Fahrradwerkstatt",
        1,
        "15:00",
        "18:00",
        2,
        "bike_repair",
    )
    assert parse_spec("Sprachcafé; 3; 9:00-11:00; 1", set()).start == "09:00"
    for bad, reason in (
        ("x; 8; 15:00-18:00; 2", "weekday"),
        ("x; 2; 18:00-15:00; 2", "time"),
        ("x; 2; 15:00-18:00; 0", "needed"),
        ("x; 2; 15:00-18:00; 2; juggling", "skill"),
        ("just a title", "format"),
    ):
        try:
            parse_spec(bad, {"bike_repair"})
        except ShiftSpecError as exc:
            assert str(exc) == reason
        else:
            raise AssertionError(bad)
