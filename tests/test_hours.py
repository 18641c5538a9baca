"""Opening hours: the content model, its validation, and what applies at a moment (DST, holidays...)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.hours import (
    BERLIN,
    DAY_KEYS,
    DayKind,
    HolidayCalendar,
    OpeningHours,
    ReasonKind,
    Slot,
    State,
    day_plan,
    is_open_at,
    status_at,
    week_plan,
)

UTC = dt.UTC
D = dt.date
NI = HolidayCalendar("NI")


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0, fold: int = 0) -> dt.datetime:
    """A Berlin wall-clock moment."""
    return dt.datetime(y, m, d, hh, mm, fold=fold, tzinfo=BERLIN)


def utc(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=UTC)


def hours(**data: Any) -> OpeningHours:
    return OpeningHours.model_validate(data)


OFFICE = hours(weekly={
    "mon": [["09:00", "12:00"], ["14:00", "16:00"]],
    "tue": [["09:00", "12:00"]],
    "wed": "all_day",
    "thu": "appointment",
    "fri": [["20:00", "02:00"]],
})


# --- past midnight ---------------------------------------------------------------------------------------
def test_slot_past_midnight_is_open_next_day() -> None:
    # 2026-11-27 is a Friday; the slot runs into Saturday.
    status = status_at(OFFICE, at(2026, 11, 28, 0, 30), NI)
    assert status.state is State.OPEN
    assert status.closes_at == utc(2026, 11, 28, 1, 0)  # 02:00 CET
    assert status.today.kind is DayKind.CLOSED  # saturday itself has no hours
    assert is_open_at(OFFICE, at(2026, 11, 28, 1, 59), NI)
    assert not is_open_at(OFFICE, at(2026, 11, 28, 2, 0), NI)
    before = status_at(OFFICE, at(2026, 11, 27, 19, 59), NI)
    assert before.state is State.CLOSED and before.opens_at == utc(2026, 11, 27, 19, 0)


def test_slot_until_midnight_and_chained_days() -> None:
    h = hours(weekly={"mon": [["18:00", "00:00"]], "tue": "all_day", "wed": "all_day",
                      "thu": [["00:00", "08:00"], ["10:00", "11:00"]]})
    status = status_at(h, at(2026, 11, 23, 23, 0), None)  # monday evening
    assert status.state is State.OPEN
    assert status.closes_at == utc(2026, 11, 26, 7, 0)  # thursday 08:00 CET
    assert not status.open_24h  # monday itself is not all day
    wed = status_at(h, at(2026, 11, 25, 12), None)
    assert wed.open_24h and wed.closes_at == status.closes_at
    assert not is_open_at(h, at(2026, 11, 26, 8, 0), None)


def test_open_around_the_clock_has_no_closing_time() -> None:
    h = hours(weekly=dict.fromkeys(DAY_KEYS, "all_day"), holidays="open")
    status = status_at(h, at(2026, 11, 24, 3), NI)
    assert status.state is State.OPEN and status.closes_at is None and status.open_24h


def test_all_day_then_closed_closes_at_midnight() -> None:
    status = status_at(OFFICE, at(2026, 11, 25, 10), NI)  # wednesday all day, thursday appointment
    assert status.state is State.OPEN and status.closes_at == utc(2026, 11, 25, 23, 0)
    assert not status.open_24h


# --- clock changes ------------------------------------------------------------------------------------
def test_spring_forward_slot_is_two_hours_long() -> None:
    h = hours(weekly={"sun": [["01:00", "04:00"]]})
    status = status_at(h, at(2026, 3, 29, 1, 30), None)  # 00:30 UTC, still CET
    assert status.state is State.OPEN
    assert status.closes_at == utc(2026, 3, 29, 2, 0)  # 04:00 CEST
    assert status.closes_at - utc(2026, 3, 29, 0, 0) == dt.timedelta(hours=2)
    assert is_open_at(h, at(2026, 3, 29, 3, 30), None)  # 01:30 UTC, after the jump
    before = status_at(h, at(2026, 3, 29, 0, 30), None)
    assert before.opens_at == utc(2026, 3, 29, 0, 0)


def test_fall_back_slot_is_four_hours_long() -> None:
    h = hours(weekly={"sun": [["01:00", "04:00"]]})
    status = status_at(h, at(2026, 10, 25, 2, 30, fold=1), None)  # second 02:30, 01:30 UTC
    assert status.state is State.OPEN
    assert status.closes_at == utc(2026, 10, 25, 3, 0)  # 04:00 CET
    assert status.closes_at - utc(2026, 10, 24, 23, 0) == dt.timedelta(hours=4)


def test_skipped_hour_slot_does_not_happen() -> None:
    h = hours(weekly={"sun": [["02:00", "03:00"]]})
    for moment in (utc(2026, 3, 29, 0, 59), utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 1, 30)):
        assert not is_open_at(h, moment, None)
    status = status_at(h, utc(2026, 3, 29, 0, 30), None)
    assert status.state is State.CLOSED
    assert status.opens_at == utc(2026, 4, 5, 0, 0)  # next sunday 02:00 CEST


def test_boundary_in_skipped_hour_means_the_jump() -> None:
    h = hours(weekly={"sun": [["02:30", "05:00"]]})
    assert status_at(h, utc(2026, 3, 29, 0, 30), None).opens_at == utc(2026, 3, 29, 1, 0)  # 03:00 CEST
    assert is_open_at(h, at(2026, 3, 29, 3, 0), None)


def test_repeated_hour_slot_lasts_both_passes() -> None:
    h = hours(weekly={"sun": [["02:00", "03:00"]]})
    first, second = at(2026, 10, 25, 2, 30), at(2026, 10, 25, 2, 30, fold=1)
    assert first.astimezone(UTC) == utc(2026, 10, 25, 0, 30)
    assert second.astimezone(UTC) == utc(2026, 10, 25, 1, 30)
    for moment in (first, second):
        status = status_at(h, moment, None)
        assert status.state is State.OPEN and status.closes_at == utc(2026, 10, 25, 2, 0)  # 03:00 CET
    assert not is_open_at(h, utc(2026, 10, 25, 2, 0), None)
    assert status_at(h, at(2026, 10, 25, 1, 30), None).opens_at == utc(2026, 10, 25, 0, 0)


def test_slot_past_midnight_into_clock_change() -> None:
    h = hours(weekly={"sat": [["22:00", "03:00"]]})
    spring = status_at(h, at(2026, 3, 28, 23, 0), None)
    assert spring.closes_at == utc(2026, 3, 29, 1, 0)  # 03:00 CEST
    autumn = status_at(h, at(2026, 10, 24, 23, 0), None)
    assert autumn.closes_at == utc(2026, 10, 25, 2, 0)  # 03:00 CET


# --- holidays -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("day", "name"), [
    (D(2026, 12, 25), "Erster Weihnachtstag"),
    (D(2026, 10, 3), "Tag der Deutschen Einheit"),
    (D(2026, 10, 31), "Reformationstag"),
])
def test_public_holiday_in_lower_saxony_closes(day: D, name: str) -> None:
    h = hours(weekly={key: [["09:00", "17:00"]] for key in DAY_KEYS})
    plan = day_plan(h, day, NI)
    assert plan.kind is DayKind.HOLIDAY and plan.holiday == name
    status = status_at(h, dt.datetime.combine(day, dt.time(10), tzinfo=BERLIN), NI)
    assert status.state is State.CLOSED
    assert status.reason_kind is ReasonKind.HOLIDAY and status.reason == name
    assert status.opens_at is not None and status.opens_at.astimezone(BERLIN).date() > day


def test_holidays_open_keeps_weekly_hours() -> None:
    h = hours(weekly={"sat": [["09:00", "17:00"]]}, holidays="open")
    plan = day_plan(h, D(2026, 10, 31), NI)
    assert plan.kind is DayKind.OPEN and plan.slots == (Slot(dt.time(9), dt.time(17)),)
    assert plan.holiday == "Reformationstag"  # still named, for information
    assert status_at(h, at(2026, 10, 31, 10), NI).state is State.OPEN


def test_holiday_calendar_is_per_state() -> None:
    assert HolidayCalendar("BY").name(D(2026, 10, 31)) is None
    assert HolidayCalendar("BY").name(D(2026, 1, 6)) is not None  # Heilige Drei Könige
    assert NI.name(D(2026, 1, 6)) is None
    assert HolidayCalendar("NI", language="en").name(D(2026, 10, 3)) == "German Unity Day"
    assert HolidayCalendar("NI") == NI and hash(HolidayCalendar("NI")) == hash(NI)
    with pytest.raises(ValueError, match="German state"):
        HolidayCalendar("XX")


def test_opens_at_skips_closed_days_and_holidays() -> None:
    h = hours(weekly={"mon": [["09:00", "12:00"]]})
    # Tuesday after Easter Monday 2026-04-06: next monday is the 13th.
    assert status_at(h, at(2026, 4, 1, 10), NI).opens_at == utc(2026, 4, 13, 7, 0)
    assert status_at(h, at(2026, 4, 1, 10), None).opens_at == utc(2026, 4, 6, 7, 0)


# --- exceptions and closures ---------------------------------------------------------------------------
XMAS = hours(
    weekly={"mon": [["09:00", "12:00"]], "wed": [["09:00", "12:00"]], "fri": [["09:00", "12:00"]]},
    exceptions=[
        {"date": D(2026, 12, 24), "closed": True, "reason": {"de": "Heiligabend", "en": "Christmas Eve"}},
        {"from": D(2026, 12, 27), "to": D(2027, 1, 2), "closed": True, "reason": {"de": "Betriebsferien"}},
        {"date": D(2026, 12, 23), "slots": [["10:00", "12:00"]]},
        {"date": D(2026, 12, 26), "slots": [["10:00", "11:00"]]},  # a holiday with special hours
    ],
)


def test_exception_closure_range() -> None:
    for offset in range(7):
        day = D(2026, 12, 27) + dt.timedelta(days=offset)
        plan = day_plan(XMAS, day, NI)
        assert plan.kind is DayKind.EXCEPTION_CLOSED and plan.reason == {"de": "Betriebsferien"}
    assert day_plan(XMAS, D(2027, 1, 4), NI).kind is DayKind.OPEN
    status = status_at(XMAS, at(2026, 12, 28, 10), NI)  # a monday inside the range
    assert status.state is State.CLOSED and status.reason_kind is ReasonKind.EXCEPTION
    assert status.reason == {"de": "Betriebsferien"}
    assert status.opens_at == utc(2027, 1, 4, 8, 0)


def test_special_hours() -> None:
    plan = day_plan(XMAS, D(2026, 12, 23), NI)
    assert plan.kind is DayKind.SPECIAL and plan.slots == (Slot(dt.time(10), dt.time(12)),)
    assert status_at(XMAS, at(2026, 12, 23, 9, 30), NI).opens_at == utc(2026, 12, 23, 9, 0)
    status = status_at(XMAS, at(2026, 12, 23, 11), NI)
    assert status.state is State.OPEN and status.closes_at == utc(2026, 12, 23, 11, 0)
    boxing_day = day_plan(XMAS, D(2026, 12, 26), NI)
    assert boxing_day.kind is DayKind.SPECIAL and boxing_day.holiday == "Zweiter Weihnachtstag"


def test_exception_beats_weekly_and_holiday() -> None:
    assert day_plan(XMAS, D(2026, 12, 24), NI).kind is DayKind.EXCEPTION_CLOSED
    assert day_plan(XMAS, D(2026, 12, 25), NI).kind is DayKind.HOLIDAY


def test_appointment_only() -> None:
    status = status_at(OFFICE, at(2026, 11, 26, 10), NI)
    assert status.state is State.APPOINTMENT_ONLY
    assert status.opens_at == utc(2026, 11, 27, 19, 0)  # friday 20:00
    assert not is_open_at(OFFICE, at(2026, 11, 26, 10), NI)


def test_temporarily_closed_until_a_date() -> None:
    closure = {"until": D(2026, 12, 1), "reason": {"de": "Umbau"}}
    h = hours(**OFFICE.to_yaml_dict(), temporarily_closed=closure)
    status = status_at(h, at(2026, 11, 23, 10), NI)  # a monday, normally open
    assert status.state is State.TEMPORARILY_CLOSED and status.reason_kind is ReasonKind.TEMPORARY
    assert status.until == D(2026, 12, 1) and status.reason == {"de": "Umbau"}
    assert status.opens_at == utc(2026, 12, 1, 8, 0)  # tuesday 09:00, the first day open again
    assert day_plan(h, D(2026, 11, 30), NI).kind is DayKind.TEMPORARILY_CLOSED
    assert day_plan(h, D(2026, 12, 1), NI).kind is DayKind.OPEN
    assert status_at(h, at(2026, 12, 1, 10), NI).state is State.OPEN


def test_temporarily_closed_until_further_notice_beats_everything() -> None:
    h = hours(weekly={"mon": "all_day"}, temporarily_closed={"until": None},
              exceptions=[{"date": D(2026, 11, 24), "slots": [["10:00", "12:00"]]}])
    for moment in (at(2026, 11, 23, 10), at(2026, 11, 24, 11), at(2027, 6, 1, 10)):
        status = status_at(h, moment, NI)
        assert status.state is State.TEMPORARILY_CLOSED and status.until is None and status.opens_at is None
        assert not is_open_at(h, moment, NI)


def test_opens_at_only_within_horizon() -> None:
    h = hours(exceptions=[{"date": D(2026, 12, 20), "slots": [["10:00", "12:00"]]}])
    assert status_at(h, at(2026, 12, 1, 10), None).opens_at is None
    assert status_at(h, at(2026, 12, 10, 10), None).opens_at == utc(2026, 12, 20, 9, 0)


def test_week_plan() -> None:
    plans = week_plan(OFFICE, D(2026, 12, 21), NI)
    assert [p.day for p in plans] == [D(2026, 12, 21) + dt.timedelta(days=i) for i in range(7)]
    assert [p.kind for p in plans] == [DayKind.OPEN, DayKind.OPEN, DayKind.ALL_DAY, DayKind.APPOINTMENT,
                                       DayKind.HOLIDAY, DayKind.HOLIDAY, DayKind.CLOSED]
    assert len(week_plan(OFFICE, D(2026, 12, 21), NI, days=3)) == 3


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        status_at(OFFICE, dt.datetime(2026, 11, 23, 10), NI)
    with pytest.raises(ValueError, match="aware"):
        is_open_at(OFFICE, dt.datetime(2026, 11, 23, 10), NI)


# --- validation ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("data", "loc", "words"), [
    ({"weekly": {"mon": [["09:00", "12:00"], ["11:00", "14:00"]]}}, ("weekly", "mon"), "overlap"),
    ({"weekly": {"mon": [["14:00", "16:00"], ["09:00", "12:00"]]}}, ("weekly", "mon"), "order"),
    ({"weekly": {"mon": [["09:00", "25:00"]]}}, ("weekly", "mon"), '"25:00" is not a valid time'),
    ({"weekly": {"mon": [["09:00", "24:00"]]}}, ("weekly", "mon"), '"00:00" for midnight'),
    ({"weekly": {"mon": [[540, "12:00"]]}}, ("weekly", "mon"), "quotes"),
    ({"weekly": {"mon": ["09:00", "12:00"]}}, ("weekly", "mon"), "outer list"),
    ({"weekly": {"mon": [["09:00", "09:00"]]}}, ("weekly", "mon"), "same time"),
    ({"weekly": {"mon": []}}, ("weekly", "mon"), "empty"),
    ({"weekly": {"mon": "open"}}, ("weekly", "mon"), "all_day"),
    ({"weekly": {"monday": "closed"}}, ("weekly",), "unknown day"),
    ({"weekly": {"fri": [["20:00", "02:00"]], "sat": [["01:00", "05:00"]]}}, ("weekly", "sat"), "midnight"),
    ({"weekly": {"sun": [["20:00", "02:00"]], "mon": [["01:00", "05:00"]]}}, ("weekly", "sun"), "midnight"),
    ({"weekly": {"fri": [["20:00", "02:00"]], "sat": "all_day"}}, ("weekly", "sat"), "all day"),
    ({"holidays": "sometimes"}, ("holidays",), "closed"),
    ({"exceptions": [{"from": D(2026, 12, 27), "to": D(2026, 12, 20), "closed": True}]},
     ("exceptions", 0, "to"), "before"),
    ({"exceptions": [{"date": D(2026, 12, 27), "closed": True, "slots": [["10:00", "12:00"]]}]},
     ("exceptions", 0, "closed"), "not both"),
    ({"exceptions": [{"date": D(2026, 12, 27), "closed": False}]}, ("exceptions", 0, "closed"), "slots"),
    ({"exceptions": [{"date": D(2026, 12, 27)}]}, ("exceptions", 0, "closed"), "closed: true or slots"),
    ({"exceptions": [{"closed": True}]}, ("exceptions", 0), "needs a date"),
    ({"exceptions": [{"from": D(2026, 12, 27), "closed": True}]}, ("exceptions", 0, "to"), "needs a to"),
    ({"exceptions": [{"date": D(2026, 12, 27), "from": D(2026, 12, 27), "to": D(2026, 12, 28),
                      "closed": True}]}, ("exceptions", 0, "from"), "not both"),
    ({"exceptions": [{"date": D(2026, 12, 27), "slots": [["10:00", "12:00"], ["11:00", "13:00"]]}]},
     ("exceptions", 0, "slots"), "overlap"),
    ({"exceptions": [{"date": D(2026, 12, 27), "closed": True, "reason": {"xx": "?"}}]},
     ("exceptions", 0, "reason"), "language code"),
    ({"exceptions": [{"date": D(2026, 12, 28), "closed": True},
                     {"from": D(2026, 12, 27), "to": D(2026, 12, 31), "closed": True}]},
     ("exceptions",), "only one exception"),
    ({"temporarily_closed": {"until": "soon"}}, ("temporarily_closed", "until"), "date"),
])
def test_validation_errors_say_what_and_where(data: dict[str, Any], loc: tuple[Any, ...], words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        OpeningHours.model_validate(data)
    errors = caught.value.errors()
    assert [e["loc"] for e in errors] == [loc], errors
    assert words in errors[0]["msg"], errors[0]["msg"]
    assert "{" not in errors[0]["msg"]


def test_valid_edge_cases() -> None:
    h = hours(weekly={"fri": [["20:00", "02:00"]], "sat": [["02:00", "05:00"]],  # touching is fine
                      "sun": [["09:00", "9:30"], ["9:30", "00:00"]]},
              exceptions=[{"date": D(2026, 12, 27), "closed": False, "slots": [["10:00", "12:00"]]}],
              temporarily_closed=True)
    assert h.weekly.sun == (Slot(dt.time(9), dt.time(9, 30)), Slot(dt.time(9, 30), dt.time(0)))
    assert h.exceptions[0].closed is False and h.temporarily_closed is not None
    assert h.temporarily_closed.until is None
    assert hours(weekly={"mon": None}) == hours()


# --- export -------------------------------------------------------------------------------------------------
CANONICAL: dict[str, Any] = {
    "weekly": {
        "mon": [["09:00", "12:00"], ["14:00", "16:00"]],
        "tue": "closed",
        "wed": "all_day",
        "thu": "appointment",
        "fri": [["20:00", "02:00"]],
    },
    "holidays": "open",
    "exceptions": [
        {"date": D(2026, 12, 24), "closed": True, "reason": {"de": "Heiligabend", "en": "Christmas Eve"}},
        {"from": D(2026, 12, 27), "to": D(2027, 1, 2), "closed": True, "reason": {"de": "Betriebsferien"}},
        {"date": D(2026, 12, 23), "slots": [["10:00", "12:00"]]},
    ],
    "temporarily_closed": {"until": D(2027, 1, 15), "reason": {"de": "Umbau"}},
}


def test_round_trip_to_yaml_dict() -> None:
    h = OpeningHours.model_validate(CANONICAL)
    assert h.to_yaml_dict() == CANONICAL
    assert OpeningHours.model_validate(h.to_yaml_dict()) == h
    assert hours().to_yaml_dict() == {}
    assert hours(temporarily_closed={"until": None}).to_yaml_dict() == {"temporarily_closed": {"until": None}}


def test_json_dump_is_the_same_shape() -> None:
    h = OpeningHours.model_validate(CANONICAL)
    dumped = h.model_dump(mode="json")
    assert dumped["exceptions"][0]["date"] == "2026-12-24"
    assert dumped["weekly"] == CANONICAL["weekly"]
    assert OpeningHours.model_validate(json.loads(json.dumps(dumped))) == h
    assert h.model_dump() == CANONICAL


def test_computing_does_not_change_equality() -> None:
    a, b = OpeningHours.model_validate(CANONICAL), OpeningHours.model_validate(CANONICAL)
    status_at(a, at(2026, 11, 23, 10), NI)
    assert a == b
    assert a.model_copy(update={"holidays": "closed"}) != a


# --- properties ------------------------------------------------------------------------------------------
@st.composite
def day_values(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["closed", "all_day", "appointment", "slots", "slots", "slots", None]))
    if kind != "slots":
        return kind
    points = sorted(draw(st.sets(st.integers(1, 95), min_size=2, max_size=6)))
    points = points[: len(points) // 2 * 2]
    slots = [[f"{p // 4:02d}:{p % 4 * 15:02d}" for p in points[i:i + 2]] for i in range(0, len(points), 2)]
    if draw(st.booleans()):  # let the last slot run past midnight
        end = draw(st.integers(0, points[0]))
        slots[-1][1] = f"{end // 4:02d}:{end % 4 * 15:02d}"
    return slots


@st.composite
def opening_hours(draw: st.DrawFn) -> OpeningHours:
    data: dict[str, Any] = {"weekly": {k: v for k in DAY_KEYS if (v := draw(day_values())) is not None}}
    data["holidays"] = draw(st.sampled_from(["closed", "open"]))
    if draw(st.booleans()):
        first = draw(st.dates(D(2026, 1, 1), D(2027, 12, 31)))
        length = draw(st.integers(0, 5))
        exc: dict[str, Any] = ({"date": first} if length == 0
                               else {"from": first, "to": first + dt.timedelta(days=length)})
        if draw(st.booleans()):
            exc["closed"] = True
        else:
            exc["slots"] = draw(day_values().filter(lambda v: isinstance(v, list)))
        data["exceptions"] = [exc]
    if draw(st.integers(0, 5)) == 0:
        data["temporarily_closed"] = {"until": draw(st.none() | st.dates(D(2026, 1, 1), D(2027, 12, 31)))}
    try:
        return OpeningHours.model_validate(data)
    except ValidationError:
        assume(False)  # e.g. a slot past midnight overlapping the next day
        raise


MOMENTS = st.datetimes(dt.datetime(2026, 1, 1), dt.datetime(2027, 12, 31), timezones=st.just(UTC))
PROPERTY_SETTINGS = settings(max_examples=75, deadline=None,
                             suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(opening_hours(), MOMENTS)
def test_status_agrees_with_is_open_at(h: OpeningHours, now: dt.datetime) -> None:
    status = status_at(h, now, NI)
    assert (status.state is State.OPEN) == is_open_at(h, now, NI)
    if status.state is State.OPEN:
        assert status.opens_at is None
        if status.closes_at is not None:
            assert status.closes_at > now
            assert not is_open_at(h, status.closes_at, NI)
            assert is_open_at(h, status.closes_at - dt.timedelta(microseconds=1), NI)
    else:
        assert status.closes_at is None
        if status.opens_at is not None:
            assert now < status.opens_at <= now + dt.timedelta(days=14)
            assert is_open_at(h, status.opens_at, NI)


@PROPERTY_SETTINGS
@given(opening_hours(), MOMENTS)
def test_same_answer_in_any_time_zone_of_the_moment(h: OpeningHours, now: dt.datetime) -> None:
    assert status_at(h, now, NI) == status_at(h, now.astimezone(BERLIN), NI)


@PROPERTY_SETTINGS
@given(opening_hours())
def test_round_trip_property(h: OpeningHours) -> None:
    assert OpeningHours.model_validate(h.to_yaml_dict()) == h
    assert OpeningHours.model_validate(json.loads(json.dumps(h.model_dump(mode="json")))) == h
