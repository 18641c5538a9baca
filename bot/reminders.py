"""Reminder rules, pure: offsets → due instants, remaining-time wording, .ics files.

An offset is an int, as stored in `reminder_preferences.offsets` and `bot_settings`:
- a positive number N: N minutes before the start (a duration: "two hours before" is 120);
- a negative number -M: the day before, at wall-clock minute M of that day (-1080: "the evening
  before at 18:00"). The instant is built in the configured zone, so it stays at 18:00 on the
  days the clocks change.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_timedelta
from icalendar import Calendar, Event, Timezone

from bot.i18n import N_, Translator

EVENING_BEFORE = -18 * 60  # the day before at 18:00
DEFAULT_OFFSETS: tuple[int, ...] = (EVENING_BEFORE, 120)
# What clients and staff can choose from, with their labels (msgids).
CHOICES: dict[int, str] = {
    EVENING_BEFORE: N_("the evening before (18:00)"),
    1440: N_("1 day before"),
    180: N_("3 hours before"),
    120: N_("2 hours before"),
    60: N_("1 hour before"),
    30: N_("30 minutes before"),
}


SOON = dt.timedelta(minutes=15)  # closer than this to the start, a reminder would not help


def valid_offsets(offsets: list[int] | tuple[int, ...]) -> list[int]:
    """The known offsets among `offsets`, each once, in the order of `CHOICES` (earliest first)."""
    wanted = set(offsets)
    return [o for o in CHOICES if o in wanted]


def local_instant(day: dt.date, time: dt.time, tz: ZoneInfo) -> dt.datetime:
    """A wall-clock time on a day as an aware UTC instant.

    A time that does not exist (skipped by the spring change) moves forward by the gap, as a clock
    on the wall would; a time that exists twice (autumn) means the first, summer-time one.
    """
    # zoneinfo with fold=0 reads a skipped time with the offset before the change (02:30 → 03:30
    # summer time) and a repeated time as the first of the two.
    return dt.datetime.combine(day, time, tzinfo=tz).replace(fold=0).astimezone(dt.UTC)


def due_at(starts_at: dt.datetime, offset: int, tz: ZoneInfo) -> dt.datetime:
    """When a reminder with `offset` is due for an appointment starting at `starts_at` (aware)."""
    if offset >= 0:
        return (starts_at - dt.timedelta(minutes=offset)).astimezone(dt.UTC)
    day_before = starts_at.astimezone(tz).date() - dt.timedelta(days=1)
    minute = -offset
    return local_instant(day_before, dt.time(minute // 60, minute % 60), tz)


def schedule(
    starts_at: dt.datetime, offsets: list[int] | tuple[int, ...], tz: ZoneInfo, now: dt.datetime
) -> list[tuple[int, dt.datetime]]:
    """(offset, due instant) of the reminders still worth sending, earliest first.

    Reminders whose time has already passed are left out; so is a second reminder due at the
    same instant as another. When every reminder time has passed but the appointment is still
    more than `SOON` away (made or moved at short notice), one reminder goes out now.
    """
    planned: dict[dt.datetime, int] = {}
    passed: list[tuple[dt.datetime, int]] = []
    for offset in valid_offsets(offsets):
        due = due_at(starts_at, offset, tz)
        if now <= due < starts_at and due not in planned:
            planned[due] = offset
        elif due < now:
            passed.append((due, offset))
    if not planned and passed and starts_at - now > SOON:
        planned[now] = max(passed)[1]  # the latest one that was missed
    return sorted(((offset, due) for due, offset in planned.items()), key=lambda pair: pair[1])


def remaining(starts_at: dt.datetime, now: dt.datetime, tr: Translator) -> str:
    """The true time left, e.g. "in 40 minutes", "in 2 hours", "in 16 hours", "in 3 days".

    Minutes up to two hours, hours up to two days, days beyond (Babel, in the user's language).
    """
    left = max(starts_at - now, dt.timedelta(minutes=1))
    return format_timedelta(left, threshold=2, add_direction=True, format="long", locale=tr.locale)


def offset_label(offset: int, tr: Translator) -> str:
    label = CHOICES.get(offset)
    return tr.gettext(label) if label else str(offset)


def ics(
    *,
    uid: str,
    title: str,
    starts_at: dt.datetime,
    tz: ZoneInfo,
    now: dt.datetime,
    duration: dt.timedelta = dt.timedelta(hours=1),
    place: str | None = None,
    description: str | None = None,
    geo: tuple[float, float] | None = None,
) -> bytes:
    """An iCalendar file with one event, in local time with TZID and the zone's VTIMEZONE."""
    cal = Calendar()
    cal.add("prodid", "-//Integrationsbot//appointments//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    zone = getattr(tz, "key", str(tz))
    local = starts_at.astimezone(tz)
    cal.add_component(
        Timezone.from_tzinfo(
            tz,
            tzid=zone,
            first_date=local.date() - dt.timedelta(days=366),
            last_date=local.date() + dt.timedelta(days=366),
        )
    )
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", local)
    event.add("dtend", local + duration)
    event.add("summary", title)
    if place:
        event.add("location", place)
    if description:
        event.add("description", description)
    if geo is not None:
        event.add("geo", geo)
    cal.add_component(event)
    return cal.to_ical()
