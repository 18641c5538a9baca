"""Opening hours in the user's language: the status line ("Open now · closes 16:00") and day/week lines.

Times, dates and names that may be left-to-right inside right-to-left text go through `tr.isolate`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from babel.dates import format_date

from bot.hours import DayKind, DayPlan, ReasonKind, Slot, State, Status
from bot.i18n import Translator
from bot.languages import SOURCE_LANGUAGE

__all__ = ["day_line", "pick_reason", "slots_text", "status_line", "week_lines"]


def pick_reason(reason: Mapping[str, str] | str | None, lang: str) -> str | None:
    """The reason in `lang`, else the German source text, else any text there is."""
    if reason is None or isinstance(reason, str):
        return reason
    return reason.get(lang) or reason.get(SOURCE_LANGUAGE) or next(iter(reason.values()), None)


def status_line(status: Status, tr: Translator, now: dt.datetime) -> str:
    """One line for a service card. `now` is the moment `status` was computed for.

    A temporary closure names its last closed day ("until 14 Jan"), since `until` in the content is
    the first day open again and "until"/"bis" reads inclusive.
    """
    iso = tr.isolate
    if status.state is State.OPEN:
        if status.open_24h or status.closes_at is None:
            return tr.gettext("Open now · open 24 hours")
        return tr.gettext("Open now · closes {time}").format(time=iso(tr.time(status.closes_at)))
    if status.state is State.APPOINTMENT_ONLY:
        return tr.gettext("By appointment")
    reason = pick_reason(status.reason, tr.lang)
    if status.state is State.TEMPORARILY_CLOSED:
        if status.until is None:
            if reason:
                return tr.gettext("Temporarily closed ({reason})").format(reason=iso(reason))
            return tr.gettext("Temporarily closed until further notice")
        last_day = tr.date(status.until - dt.timedelta(days=1), "medium")
        if reason:
            return tr.gettext("Temporarily closed until {date} ({reason})").format(
                date=iso(last_day), reason=iso(reason))
        return tr.gettext("Temporarily closed until {date}").format(date=iso(last_day))
    if status.reason_kind is ReasonKind.HOLIDAY and reason:
        return tr.gettext("Closed today (public holiday: {name})").format(name=iso(reason))
    if status.reason_kind is ReasonKind.EXCEPTION and reason:
        return tr.gettext("Closed today ({reason})").format(reason=iso(reason))
    if status.opens_at is None:
        return tr.gettext("Closed")
    return _opens_line(status.opens_at, tr, now)


def _opens_line(opens_at: dt.datetime, tr: Translator, now: dt.datetime) -> str:
    time = tr.isolate(tr.time(opens_at))
    days = (tr.local(opens_at).date() - tr.local(now).date()).days
    if days <= 0:
        return tr.gettext("Closed · opens {time}").format(time=time)
    if days == 1:
        return tr.gettext("Closed · opens tomorrow {time}").format(time=time)
    if days <= 6:
        return tr.gettext("Closed · opens {weekday} {time}").format(weekday=tr.weekday(opens_at), time=time)
    return tr.gettext("Closed · opens {date} {time}").format(
        date=tr.isolate(tr.short_date(tr.local(opens_at).date())), time=time)


def slots_text(slots: Iterable[Slot], tr: Translator) -> str:
    """"09:00–12:00, 14:00–16:00" in the user's locale, each range isolated for RTL text."""
    separator = tr.pgettext("separator between opening-hours time ranges", ", ")
    return separator.join(tr.isolate(f"{tr.time(s.start)}–{tr.time(s.end)}") for s in slots)


def day_line(plan: DayPlan, tr: Translator) -> str:
    """A day's hours without the weekday: "09:00–12:00, 14:00–16:00", "Closed", "Open 24 hours"..."""
    kind = plan.kind
    if kind is DayKind.OPEN:
        return slots_text(plan.slots, tr)
    if kind is DayKind.SPECIAL:
        return tr.gettext("{slots} (special hours)").format(slots=slots_text(plan.slots, tr))
    if kind is DayKind.ALL_DAY:
        return tr.gettext("Open 24 hours")
    if kind is DayKind.APPOINTMENT:
        return tr.gettext("By appointment")
    if kind is DayKind.HOLIDAY and plan.holiday:
        return tr.gettext("Closed (public holiday: {name})").format(name=tr.isolate(plan.holiday))
    reason = pick_reason(plan.reason, tr.lang)
    if kind is DayKind.EXCEPTION_CLOSED and reason:
        return tr.gettext("Closed ({reason})").format(reason=tr.isolate(reason))
    if kind is DayKind.TEMPORARILY_CLOSED:
        if reason:
            return tr.gettext("Temporarily closed ({reason})").format(reason=tr.isolate(reason))
        return tr.gettext("Temporarily closed")
    return tr.gettext("Closed")


def week_lines(plans: Sequence[DayPlan], tr: Translator, today: dt.date) -> list[str]:
    """One line per day, "Mon 09:00–12:00", with the weekday abbreviated by Babel; today is marked."""
    lines = []
    for plan in plans:
        weekday = format_date(plan.day, "EEE", locale=tr.locale)
        hours = day_line(plan, tr)
        if plan.day == today:
            lines.append(tr.gettext("{weekday} {hours} · today").format(weekday=weekday, hours=hours))
        else:
            lines.append(f"{weekday} {hours}")  # layout only, no words to translate
    return lines
