"""Reminder rules: offsets → due instants (both DST days), remaining-time wording, .ics files."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot import reminders
from bot.i18n import translator
from bot.qr import png

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return reminders.local_instant(day, dt.time(hour, minute), BERLIN)


def test_default_offsets_on_an_ordinary_day() -> None:
    starts = local(dt.date(2026, 11, 26), 10, 30)
    assert starts == dt.datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    now = dt.datetime(2026, 11, 20, tzinfo=UTC)
    assert reminders.schedule(starts, reminders.DEFAULT_OFFSETS, BERLIN, now) == [
        (reminders.EVENING_BEFORE, dt.datetime(2026, 11, 25, 17, 0, tzinfo=UTC)),
        (120, dt.datetime(2026, 11, 26, 7, 30, tzinfo=UTC)),
    ]


@pytest.mark.parametrize(
    ("day", "evening_utc", "two_hours_utc"),
    [
        # spring forward: 10:00 summer time (08:00 UTC); the evening before is winter time (17:00 UTC)
        (
            dt.date(2026, 3, 29),
            dt.datetime(2026, 3, 28, 17, tzinfo=UTC),
            dt.datetime(2026, 3, 29, 6, tzinfo=UTC),
        ),
        # the day after: the evening before (18:00 on the change day) is already summer time
        (
            dt.date(2026, 3, 30),
            dt.datetime(2026, 3, 29, 16, tzinfo=UTC),
            dt.datetime(2026, 3, 30, 6, tzinfo=UTC),
        ),
        # fall back: 10:00 winter time (09:00 UTC); the evening before is summer time (16:00 UTC)
        (
            dt.date(2026, 10, 25),
            dt.datetime(2026, 10, 24, 16, tzinfo=UTC),
            dt.datetime(2026, 10, 25, 7, tzinfo=UTC),
        ),
        (
            dt.date(2026, 10, 26),
            dt.datetime(2026, 10, 25, 17, tzinfo=UTC),
            dt.datetime(2026, 10, 26, 7, tzinfo=UTC),
        ),
    ],
)
def test_dst_days_keep_wall_clock_times(
    day: dt.date, evening_utc: dt.datetime, two_hours_utc: dt.datetime
) -> None:
    starts = local(day, 10)
    evening = reminders.due_at(starts, reminders.EVENING_BEFORE, BERLIN)
    assert evening == evening_utc
    assert evening.astimezone(BERLIN).time() == dt.time(18, 0)
    assert reminders.due_at(starts, 120, BERLIN) == two_hours_utc
    assert starts - reminders.due_at(starts, 120, BERLIN) == dt.timedelta(hours=2)  # a true duration


def test_times_that_do_not_exist_or_exist_twice() -> None:
    # 02:30 on 29 March 2026 does not exist: it becomes 03:30 summer time, as the wall clock jumps
    skipped = local(dt.date(2026, 3, 29), 2, 30)
    assert skipped.astimezone(BERLIN).replace(tzinfo=None) == dt.datetime(2026, 3, 29, 3, 30)
    # 02:30 on 25 October 2026 exists twice: the first one (summer time) is meant
    assert local(dt.date(2026, 10, 25), 2, 30) == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_past_and_duplicate_reminders_are_left_out() -> None:
    starts = dt.datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    now = dt.datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # the evening before has passed
    assert reminders.schedule(starts, [reminders.EVENING_BEFORE, 120, 120, 99], BERLIN, now) == [
        (120, dt.datetime(2026, 11, 26, 7, 30, tzinfo=UTC))
    ]
    assert reminders.schedule(starts, [30], BERLIN, starts) == []
    # an evening appointment: 18:00 the day before and 1 day before are the same instant: sent once
    assert (
        len(
            reminders.schedule(
                local(dt.date(2026, 11, 27), 18), [reminders.EVENING_BEFORE, 1440], BERLIN, now
            )
        )
        == 1
    )


def test_remaining_time_is_the_true_time_left() -> None:
    en = translator("en")
    starts = dt.datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    assert reminders.remaining(starts, starts - dt.timedelta(minutes=40), en) == "in 40 minutes"
    assert reminders.remaining(starts, starts - dt.timedelta(hours=2), en) == "in 2 hours"
    assert reminders.remaining(starts, starts - dt.timedelta(minutes=100), en) == "in 100 minutes"
    assert reminders.remaining(starts, starts - dt.timedelta(hours=16, minutes=30), en) == "in 16 hours"
    assert reminders.remaining(starts, starts - dt.timedelta(days=3), en) == "in 3 days"
    assert reminders.remaining(starts, starts - dt.timedelta(minutes=40), translator("de")) == "in 40 Minuten"
    assert "40" in reminders.remaining(starts, starts - dt.timedelta(minutes=40), translator("ar"))


def test_offset_labels_are_translated() -> None:
    en = translator("en")
    assert reminders.offset_label(reminders.EVENING_BEFORE, en) == en.gettext("the evening before (18:00)")
    assert reminders.valid_offsets([30, 999, reminders.EVENING_BEFORE]) == [reminders.EVENING_BEFORE, 30]


def test_ics_has_the_zone_and_local_time() -> None:
    starts = local(dt.date(2026, 3, 29), 10)
    data = reminders.ics(
        uid="appointment-1@test",
        title="Ausländerbehörde",
        starts_at=starts,
        tz=BERLIN,
        now=dt.datetime(2026, 3, 20, tzinfo=UTC),
        place="Rathaus, Raum 12",
        description="Reisepass",
        geo=(52.48, 10.35),
    )
    calendar = Calendar.from_ical(data)
    zone = next(c for c in calendar.walk("VTIMEZONE"))
    assert zone["TZID"] == "Europe/Berlin"
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}
    event = next(c for c in calendar.walk("VEVENT"))
    assert event["dtstart"].params["TZID"] == "Europe/Berlin"
    assert b"DTSTART;TZID=Europe/Berlin:20260329T100000" in data
    assert event.decoded("dtstart") == starts
    assert event.decoded("dtend") - event.decoded("dtstart") == dt.timedelta(hours=1)
    assert str(event["summary"]) == "Ausländerbehörde" and str(event["location"]) == "Rathaus, Raum 12"


def test_qr_code_is_a_png() -> None:
    assert png("https://t.me/integrationsbot?start=apt-abc").startswith(b"\x89PNG\r\n\x1a\n")


def test_short_notice_gets_one_reminder_now() -> None:
    now = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
    starts = now + dt.timedelta(minutes=90)  # both the evening-before and the two-hours time have passed
    assert reminders.schedule(starts, reminders.DEFAULT_OFFSETS, BERLIN, now) == [(120, now)]
    assert reminders.schedule(now + dt.timedelta(minutes=10), reminders.DEFAULT_OFFSETS, BERLIN, now) == []
