"""Opening hours: the content format (content/FORMAT.md "Opening hours") and what it means at a moment.

Pure logic, no I/O. Hours are local wall-clock times in a time zone (Europe/Berlin by default); every
computed instant (`closes_at`, `opens_at`) is returned as an aware datetime in UTC, because Python
compares two datetimes that share a tzinfo by wall clock and ignores `fold`, which gives wrong answers
in the repeated hour of the autumn clock change.

Wall-clock boundaries become instants like this: a time repeated by the autumn change means its first
occurrence; a time skipped by the spring change (02:30 on the last Sunday of March) means the moment the
clocks jump, the first instant at which the wall clock has passed it. So a slot 01:00-04:00 lasts 2 hours
in March and 4 hours in October, and a slot 02:00-03:00 does not happen in March.

A slot belongs to the day it starts on: Friday's 20:00-02:00 still runs until 02:00 when Saturday is a
public holiday.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, Literal, NamedTuple, Protocol, Self
from zoneinfo import ZoneInfo

import holidays as holidays_pkg
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.languages import LANGUAGES

__all__ = [
    "BERLIN",
    "DAY_KEYS",
    "HORIZON_DAYS",
    "DayKind",
    "DayPlan",
    "HolidayCalendar",
    "HolidayLookup",
    "HoursException",
    "OpeningHours",
    "ReasonKind",
    "Slot",
    "State",
    "Status",
    "TemporaryClosure",
    "Weekly",
    "day_plan",
    "is_open_at",
    "status_at",
    "week_plan",
]

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC
DAY_KEYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()
HORIZON_DAYS = 14  # how far `status_at` looks ahead for the next opening / the real closing time
MIDNIGHT = dt.time(0, 0)
_ONE_DAY = dt.timedelta(days=1)
_KEYWORDS = ("closed", "all_day", "appointment")


# --- slots and their parsing ----------------------------------------------------------------------------
class Slot(NamedTuple):
    """One opening slot in wall-clock time; `end <= start` means it ends on the next day."""

    start: dt.time
    end: dt.time

    @property
    def overnight(self) -> bool:
        return self.end <= self.start

    @property
    def spill_minutes(self) -> int:
        """Minutes after the next midnight that this slot still runs (0 unless it runs past midnight)."""
        return _minutes(self.end) if self.overnight else 0

    def label(self) -> str:
        return f"{_hhmm(self.start)}–{_hhmm(self.end)}"


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def _hhmm(t: dt.time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


_TIME_RE = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


def _error(message: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError("opening_hours", message, context or None)


def _parse_time(value: object) -> dt.time:
    if isinstance(value, dt.time):
        if value.tzinfo is not None or value.second or value.microsecond:
            raise _error("times are whole minutes without a time zone, e.g. \"09:00\"")
        return value
    if isinstance(value, bool):
        raise _error('{value} is not a time; write times like "09:00"', value=value)
    if isinstance(value, int):
        # PyYAML reads unquoted 14:00 as the base-60 number 840.
        hint = f' ("{value // 60:02d}:{value % 60:02d}"?)' if 0 <= value < 24 * 60 else ""
        raise _error(
            '{value} is not a time: put times in quotes, e.g. "14:00" (unquoted, YAML reads 14:00 as a '
            "number){hint}", value=value, hint=hint,
        )
    if isinstance(value, str):
        text = value.strip()
        if match := _TIME_RE.fullmatch(text):
            return dt.time(int(match[1]), int(match[2]))
        if text in ("24:00", "24:00:00"):
            raise _error('"24:00" is not a time: write "00:00" for midnight (an end before the start runs '
                         "past midnight)")
    raise _error('"{value}" is not a valid time: use "HH:MM" from "00:00" to "23:59"', value=value)


def _parse_slot(value: object, number: int) -> Slot:
    if isinstance(value, Slot):
        return value
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise _error('slot {number}: a slot is a pair of times like ["09:00", "12:00"], got {value}',
                     number=number, value=repr(value))
    try:
        start, end = _parse_time(value[0]), _parse_time(value[1])
    except PydanticCustomError as exc:
        raise _error("slot {number}: {problem}", number=number, problem=exc.message()) from None
    if start == end:
        raise _error("slot {number}: {slot} starts and ends at the same time (use all_day for 24 hours)",
                     number=number, slot=f"{_hhmm(start)}–{_hhmm(end)}")
    return Slot(start, end)


def _check_order(slots: tuple[Slot, ...]) -> None:
    """Slots must be listed by start time and must not overlap (an overnight slot can only be the last)."""
    for a, b in itertools.pairwise(slots):
        if b.start < a.start:
            raise _error("slot {b} is listed after {a}: list slots in order of their start time",
                         a=a.label(), b=b.label())
        a_end = _minutes(a.end) + (24 * 60 if a.overnight else 0)
        if _minutes(b.start) < a_end:
            raise _error("slots {a} and {b} overlap", a=a.label(), b=b.label())


def _parse_slots(value: object) -> tuple[Slot, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise _error('expected a list of time slots like [["09:00", "12:00"], ["14:00", "16:00"]], '
                     "got {value}", value=repr(value))
    if not value:
        raise _error("the list of time slots is empty (write closed for a closed day)")
    if len(value) == 2 and all(isinstance(v, (str, dt.time)) for v in value):
        raise _error('a single slot still needs the outer list: [["{start}", "{end}"]]',
                     start=str(value[0]), end=str(value[1]))
    slots = tuple(_parse_slot(item, number) for number, item in enumerate(value, 1))
    _check_order(slots)
    return slots


def _parse_day(value: object) -> str | tuple[Slot, ...] | None:
    if value is None or value in _KEYWORDS:
        return value  # type: ignore[return-value]
    if isinstance(value, str):
        raise _error('"{value}" is not an opening-hours value: use closed, all_day, appointment or a list '
                     'of time slots like [["09:00", "12:00"]]', value=value)
    return _parse_slots(value)


def _dump_slots(slots: tuple[Slot, ...]) -> list[list[str]]:
    return [[_hhmm(s.start), _hhmm(s.end)] for s in slots]


def _dump_day(value: str | tuple[Slot, ...] | None) -> str | list[list[str]] | None:
    return value if value is None or isinstance(value, str) else _dump_slots(value)


DayValue = Annotated[
    Literal["closed", "all_day", "appointment"] | tuple[Slot, ...] | None,
    PlainValidator(_parse_day),
    PlainSerializer(_dump_day),
]
Slots = Annotated[tuple[Slot, ...], PlainValidator(_parse_slots), PlainSerializer(_dump_slots)]


def _parse_reason(value: object) -> dict[str, str]:
    if isinstance(value, str):
        value = {"de": value}  # a plain text is the German source text
    if not isinstance(value, Mapping) or not value:
        raise _error("a reason maps language codes to texts, e.g. de: Umbau, en: Renovation")
    for lang, text in value.items():
        if lang not in LANGUAGES:
            raise _error("unknown language code {lang} in reason; use one of {codes}",
                         lang=repr(lang), codes=", ".join(LANGUAGES))
        if not isinstance(text, str) or not text.strip():
            raise _error("the {lang} reason must be a non-empty text", lang=lang)
    return {str(k): str(v) for k, v in value.items()}


Reason = Annotated[dict[str, str], PlainValidator(_parse_reason)]


# --- the content model ---------------------------------------------------------------------------------
class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Weekly(_Model):
    """The regular week; a missing day is closed."""

    mon: DayValue = None
    tue: DayValue = None
    wed: DayValue = None
    thu: DayValue = None
    fri: DayValue = None
    sat: DayValue = None
    sun: DayValue = None

    @model_validator(mode="before")
    @classmethod
    def _known_days(cls, value: object) -> object:
        if isinstance(value, Mapping):
            unknown = [str(k) for k in value if k not in DAY_KEYS]
            if unknown:
                raise _error("unknown day {days}: use {keys}", days=", ".join(map(repr, unknown)),
                             keys=", ".join(DAY_KEYS))
        return value

    @field_validator(*DAY_KEYS)
    @classmethod
    def _no_overlap_across_midnight(cls, value: DayValue, info: ValidationInfo) -> DayValue:
        name = info.field_name or ""
        index = DAY_KEYS.index(name)
        if index > 0:
            _check_spill(DAY_KEYS[index - 1], info.data.get(DAY_KEYS[index - 1]), name, value)
        if name == "sun":  # mon was validated first, so sunday checks its spill into monday itself
            _check_spill(name, value, "mon", info.data.get("mon"))
        return value

    def day(self, weekday: int) -> str | tuple[Slot, ...] | None:
        return getattr(self, DAY_KEYS[weekday])  # type: ignore[no-any-return]


def _check_spill(prev_name: str, prev: object, name: str, value: object) -> None:
    if not isinstance(prev, tuple) or not prev or not prev[-1].overnight:
        return
    last: Slot = prev[-1]
    spill = last.spill_minutes
    if spill == 0:
        return
    if value == "all_day":
        raise _error("{prev}'s slot {slot} runs past midnight into {day}, which is open all day",
                     prev=prev_name, slot=last.label(), day=name)
    if isinstance(value, tuple) and value and _minutes(value[0].start) < spill:
        raise _error("{prev}'s slot {slot} runs past midnight and overlaps {day}'s slot {other}",
                     prev=prev_name, slot=last.label(), day=name, other=value[0].label())


class HoursException(_Model):
    """A one-off day (`date`) or inclusive range (`from`/`to`): closed, or special hours (`slots`)."""

    date: dt.date | None = None
    from_: dt.date | None = Field(default=None, alias="from")
    to: dt.date | None = Field(default=None, validate_default=True)
    slots: Slots | None = None
    closed: bool = Field(default=None, validate_default=True)  # type: ignore[assignment]
    reason: Reason | None = None

    @field_validator("from_")
    @classmethod
    def _date_or_range(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        if value is not None and info.data.get("date") is not None:
            raise _error("give either date or from/to, not both")
        return value

    @field_validator("to")
    @classmethod
    def _range_order(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("from_")
        if value is not None and info.data.get("date") is not None and "from_" in info.data:
            raise _error("give either date or from/to, not both")
        if start is not None and value is None and "from_" in info.data:
            raise _error("from needs a to: the last day of the range (inclusive)")
        if value is not None and start is None and "from_" in info.data:
            raise _error("to needs a from: the first day of the range")
        if start is not None and value is not None and value < start:
            raise _error("to ({to}) is before from ({start})", to=value.isoformat(), start=start.isoformat())
        return value

    @field_validator("closed", mode="wrap")
    @classmethod
    def _closed_or_slots(cls, value: object, handler: ValidatorFunctionWrapHandler,
                         info: ValidationInfo) -> bool:
        closed: bool = bool(handler(value)) if value is not None else False
        if "slots" not in info.data:  # the slots were invalid; that error is enough
            return closed
        slots = info.data["slots"]
        if closed and slots is not None:
            raise _error("an exception is either closed: true or has slots (special hours), not both")
        if value is not None and not closed and slots is None:
            raise _error("closed: false needs slots (the special hours on that day)")
        if not closed and slots is None:
            raise _error("an exception needs closed: true or slots (the special hours on that day)")
        return closed

    @model_validator(mode="after")
    def _has_days(self) -> Self:
        if self.date is None and self.from_ is None:
            raise _error("an exception needs a date, or from and to (inclusive)")
        return self

    @property
    def first(self) -> dt.date:
        return self.date or self.from_  # type: ignore[return-value]

    @property
    def last(self) -> dt.date:
        return self.date or self.to  # type: ignore[return-value]

    def covers(self, day: dt.date) -> bool:
        return self.first <= day <= self.last

    def label(self) -> str:
        return self.first.isoformat() if self.first == self.last else f"{self.first}..{self.last}"

    def to_yaml_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"date": self.date} if self.date else {"from": self.from_, "to": self.to}
        if self.closed:
            out["closed"] = True
        if self.slots is not None:
            out["slots"] = _dump_slots(self.slots)
        if self.reason is not None:
            out["reason"] = dict(self.reason)
        return out


class TemporaryClosure(_Model):
    """Closed until `until`, the first day open again (None: until further notice)."""

    until: dt.date | None = None
    reason: Reason | None = None

    def applies(self, day: dt.date) -> bool:
        return self.until is None or day < self.until

    def to_yaml_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"until": self.until}
        if self.reason is not None:
            out["reason"] = dict(self.reason)
        return out


class OpeningHours(_Model):
    """The `hours:` mapping of a service or a contact person (content/FORMAT.md "Opening hours")."""

    weekly: Weekly = Field(default_factory=Weekly)
    holidays: Literal["closed", "open"] = "closed"
    exceptions: tuple[HoursException, ...] = ()
    temporarily_closed: TemporaryClosure | None = None

    _compiled: _Compiled | None = PrivateAttr(default=None)

    @field_validator("weekly", mode="before")
    @classmethod
    def _weekly_none(cls, value: object) -> object:
        return {} if value is None else value

    @field_validator("exceptions", mode="before")
    @classmethod
    def _exceptions_none(cls, value: object) -> object:
        return () if value is None else value

    @field_validator("temporarily_closed", mode="before")
    @classmethod
    def _closure_shorthand(cls, value: object) -> object:
        if value is True:
            return {}  # `temporarily_closed: true` = until further notice
        return None if value is False else value

    @field_validator("exceptions")
    @classmethod
    def _no_double_days(cls, value: tuple[HoursException, ...]) -> tuple[HoursException, ...]:
        ordered = sorted(value, key=lambda e: e.first)
        for a, b in itertools.pairwise(ordered):
            if b.first <= a.last:
                raise _error("exceptions {a} and {b} both cover {day}: a day may have only one exception",
                             a=a.label(), b=b.label(), day=b.first.isoformat())
        return value

    def model_post_init(self, context: Any, /) -> None:
        self._compiled = _compile(self)

    @model_serializer(mode="plain")
    def _serialize(self) -> dict[str, Any]:
        return self.to_yaml_dict()

    def to_yaml_dict(self) -> dict[str, Any]:
        """The content format again: times as "HH:MM", dates as `datetime.date`, defaults left out."""
        out: dict[str, Any] = {}
        weekly = {k: _dump_day(v) for k in DAY_KEYS if (v := getattr(self.weekly, k)) is not None}
        if weekly:
            out["weekly"] = weekly
        if self.holidays != "closed":
            out["holidays"] = self.holidays
        if self.exceptions:
            out["exceptions"] = [e.to_yaml_dict() for e in self.exceptions]
        if self.temporarily_closed is not None:
            out["temporarily_closed"] = self.temporarily_closed.to_yaml_dict()
        return out

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        copy = super().model_copy(update=update, deep=deep)
        copy._compiled = _compile(copy)  # derived from the fields, which `update` may have changed
        return copy


# --- holidays ------------------------------------------------------------------------------------------
class HolidayLookup(Protocol):
    """Anything that names the public holiday on a day (None on ordinary days).

    Must be hashable: computed days are cached per (date, time zone, lookup).
    """

    def name(self, day: dt.date) -> str | None: ...


class HolidayCalendar:
    """Public holidays of a German state from the `holidays` package, loaded once per year."""

    def __init__(self, state: str = "NI", language: str | None = None) -> None:
        if state not in holidays_pkg.Germany.subdivisions:
            raise ValueError(f"unknown German state {state!r} (e.g. NI, BY, NW)")
        self.state = state
        self.language = language
        supported = holidays_pkg.Germany.supported_languages
        wanted = language or "de"
        self._pkg_language = next((s for s in supported if s == wanted or s.split("_")[0] == wanted), "de")
        self._years: dict[int, dict[dt.date, str]] = {}

    def name(self, day: dt.date) -> str | None:
        names = self._years.get(day.year)
        if names is None:
            found = holidays_pkg.Germany(subdiv=self.state, years=day.year, language=self._pkg_language)
            names = self._years[day.year] = {d: str(n) for d, n in found.items()}
        return names.get(day)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HolidayCalendar):
            return NotImplemented
        return (self.state, self._pkg_language) == (other.state, other._pkg_language)

    def __hash__(self) -> int:
        return hash((self.state, self._pkg_language))

    def __repr__(self) -> str:
        return f"HolidayCalendar(state={self.state!r}, language={self.language!r})"


# --- what applies when -------------------------------------------------------------------------------------
class DayKind(StrEnum):
    OPEN = "open"  # weekly slots
    ALL_DAY = "all_day"
    CLOSED = "closed"
    APPOINTMENT = "appointment"
    HOLIDAY = "holiday"  # closed because of a public holiday
    EXCEPTION_CLOSED = "exception_closed"
    SPECIAL = "special"  # an exception's slots
    TEMPORARILY_CLOSED = "temporarily_closed"


_SLOT_KINDS = (DayKind.OPEN, DayKind.SPECIAL)


@dataclass(frozen=True, slots=True)
class DayPlan:
    """What applies on one date. `holiday` names the public holiday even when it does not close."""

    day: dt.date
    kind: DayKind
    slots: tuple[Slot, ...] = ()
    holiday: str | None = None
    reason: Mapping[str, str] | None = None
    until: dt.date | None = None

    @property
    def has_hours(self) -> bool:
        return self.kind in _SLOT_KINDS or self.kind is DayKind.ALL_DAY


class State(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    APPOINTMENT_ONLY = "appointment_only"
    TEMPORARILY_CLOSED = "temporarily_closed"


class ReasonKind(StrEnum):
    HOLIDAY = "holiday"
    EXCEPTION = "exception"
    TEMPORARY = "temporary"


@dataclass(frozen=True, slots=True)
class Status:
    """The state at a moment. Instants are aware UTC datetimes.

    `closes_at`: end of the open period containing the moment (None when it lasts beyond the horizon);
    `opens_at`: next opening within `HORIZON_DAYS` when not open; `reason`: the translated reason mapping
    of an exception or temporary closure, or the holiday's name; `until`: first day open again after a
    temporary closure; `open_24h`: open all day today and on past midnight, or without end in sight.
    """

    state: State
    today: DayPlan
    closes_at: dt.datetime | None = None
    opens_at: dt.datetime | None = None
    reason_kind: ReasonKind | None = None
    reason: Mapping[str, str] | str | None = None
    until: dt.date | None = None
    open_24h: bool = False

    @property
    def is_open(self) -> bool:
        return self.state is State.OPEN


def _instant(day: dt.date, t: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The UTC instant of a wall-clock time: first occurrence when repeated, the jump when skipped."""
    local = dt.datetime.combine(day, t, tzinfo=tz)
    utc = local.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) == local.replace(tzinfo=None):
        return utc
    # In a spring-forward gap: fold=0 maps past the jump, fold=1 before it; find the jump between.
    lo, hi = local.replace(fold=1).astimezone(UTC), utc
    if lo > hi:
        lo, hi = hi, lo
    after = hi.astimezone(tz).utcoffset()
    while hi - lo > dt.timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0)


@dataclass(slots=True)
class _Day:
    plan: DayPlan
    intervals: tuple[tuple[float, float], ...]  # (start, end) POSIX timestamps, sorted, non-empty


@dataclass(eq=False, slots=True)
class _Compiled:
    """Per-model precomputation: weekly rules by weekday and a cache of computed days.

    Stored as a private attribute; derived from the fields, so it compares equal to any other
    `_Compiled` and never makes two equal models differ.
    """

    weekly: tuple[tuple[DayKind, tuple[Slot, ...]], ...]
    exceptions: tuple[HoursException, ...]
    closure: TemporaryClosure | None
    holidays_close: bool
    days: dict[tuple[dt.date, ZoneInfo, object], _Day] = field(default_factory=dict)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Compiled)

    def plan(self, day: dt.date, holidays: HolidayLookup | None) -> DayPlan:
        closure = self.closure
        if closure is not None and closure.applies(day):
            return DayPlan(day, DayKind.TEMPORARILY_CLOSED, reason=closure.reason, until=closure.until)
        holiday = holidays.name(day) if holidays is not None else None
        for exc in self.exceptions:
            if exc.covers(day):
                if exc.closed:
                    return DayPlan(day, DayKind.EXCEPTION_CLOSED, holiday=holiday, reason=exc.reason)
                return DayPlan(day, DayKind.SPECIAL, exc.slots or (), holiday=holiday, reason=exc.reason)
        if holiday is not None and self.holidays_close:
            return DayPlan(day, DayKind.HOLIDAY, holiday=holiday)
        kind, slots = self.weekly[day.weekday()]
        return DayPlan(day, kind, slots, holiday=holiday)

    def day(self, day: dt.date, tz: ZoneInfo, holidays: HolidayLookup | None) -> _Day:
        key = (day, tz, holidays)
        cached = self.days.get(key)
        if cached is not None:
            return cached
        plan = self.plan(day, holidays)
        spans: list[tuple[float, float]] = []
        if plan.kind is DayKind.ALL_DAY:
            start = _instant(day, MIDNIGHT, tz).timestamp()
            spans.append((start, _instant(day + _ONE_DAY, MIDNIGHT, tz).timestamp()))
        elif plan.kind in _SLOT_KINDS:
            for slot in plan.slots:
                start = _instant(day, slot.start, tz).timestamp()
                end = _instant(day + _ONE_DAY if slot.overnight else day, slot.end, tz).timestamp()
                if end > start:  # 02:00-03:00 on the spring-forward day does not happen
                    spans.append((start, end))
        if len(self.days) >= 2048:
            self.days.clear()
        result = self.days[key] = _Day(plan, tuple(spans))
        return result


def _compile(hours: OpeningHours) -> _Compiled:
    weekly: list[tuple[DayKind, tuple[Slot, ...]]] = []
    for index in range(7):
        value = hours.weekly.day(index)
        if isinstance(value, tuple):
            weekly.append((DayKind.OPEN, value))
        else:
            weekly.append(({"all_day": DayKind.ALL_DAY, "appointment": DayKind.APPOINTMENT}.get(
                value or "closed", DayKind.CLOSED), ()))
    return _Compiled(tuple(weekly), tuple(sorted(hours.exceptions, key=lambda e: e.first)),
                     hours.temporarily_closed, hours.holidays == "closed")


def _compiled(hours: OpeningHours) -> _Compiled:
    comp = hours._compiled
    if comp is None:  # built with model_construct
        comp = hours._compiled = _compile(hours)
    return comp


def _check_aware(moment: dt.datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("opening hours need an aware datetime (with a time zone)")


# --- public functions ----------------------------------------------------------------------------------
def day_plan(hours: OpeningHours, day: dt.date, holidays: HolidayLookup | None) -> DayPlan:
    """What applies on `day`: temporary closure > exception > public holiday (if closing) > weekly."""
    return _compiled(hours).plan(day, holidays)


def week_plan(hours: OpeningHours, start_day: dt.date, holidays: HolidayLookup | None,
              days: int = 7) -> list[DayPlan]:
    comp = _compiled(hours)
    return [comp.plan(start_day + dt.timedelta(days=i), holidays) for i in range(days)]


def is_open_at(hours: OpeningHours, moment: dt.datetime, holidays: HolidayLookup | None,
               tz: ZoneInfo = BERLIN) -> bool:
    """Whether open at `moment` (aware); the same answer as `status_at(...).is_open`, but cheap."""
    if moment.tzinfo is None:
        raise ValueError("opening hours need an aware datetime (with a time zone)")
    comp = hours._compiled or _compiled(hours)
    ts = moment.timestamp()
    day = moment.astimezone(tz).date()
    for start, end in comp.day(day, tz, holidays).intervals:
        if start <= ts < end:
            return True
    return any(start <= ts < end for start, end in comp.day(day - _ONE_DAY, tz, holidays).intervals)


def status_at(hours: OpeningHours, now: dt.datetime, holidays: HolidayLookup | None,
              tz: ZoneInfo = BERLIN) -> Status:
    """The state at `now` (aware) with the next change, looking `HORIZON_DAYS` ahead."""
    _check_aware(now)
    comp = _compiled(hours)
    ts = now.timestamp()
    today = now.astimezone(tz).date()
    days = [comp.day(today + dt.timedelta(days=i), tz, holidays) for i in range(-1, HORIZON_DAYS + 1)]
    plan = days[1].plan

    if any(start <= ts < stop for entry in days[:2] for start, stop in entry.intervals):
        end = _chain_end(days, ts)
        horizon = _instant(today + dt.timedelta(days=HORIZON_DAYS + 1), MIDNIGHT, tz).timestamp()
        closes_at = None if end >= horizon else dt.datetime.fromtimestamp(end, UTC)
        midnight = _instant(today + _ONE_DAY, MIDNIGHT, tz)
        open_24h = closes_at is None or (plan.kind is DayKind.ALL_DAY and closes_at > midnight)
        return Status(State.OPEN, plan, closes_at=closes_at, open_24h=open_24h)

    limit = ts + HORIZON_DAYS * 86400
    opens_at = next(
        (dt.datetime.fromtimestamp(start, UTC) for entry in days[1:] for start, _ in entry.intervals
         if ts < start <= limit),
        None,
    )
    if plan.kind is DayKind.TEMPORARILY_CLOSED:
        return Status(State.TEMPORARILY_CLOSED, plan, opens_at=opens_at, reason_kind=ReasonKind.TEMPORARY,
                      reason=plan.reason, until=plan.until)
    if plan.kind is DayKind.APPOINTMENT:
        return Status(State.APPOINTMENT_ONLY, plan, opens_at=opens_at)
    if plan.kind is DayKind.HOLIDAY:
        return Status(State.CLOSED, plan, opens_at=opens_at, reason_kind=ReasonKind.HOLIDAY,
                      reason=plan.holiday)
    if plan.kind is DayKind.EXCEPTION_CLOSED:
        return Status(State.CLOSED, plan, opens_at=opens_at, reason_kind=ReasonKind.EXCEPTION,
                      reason=plan.reason)
    return Status(State.CLOSED, plan, opens_at=opens_at)


def _chain_end(days: list[_Day], ts: float) -> float:
    """End of the open period containing `ts`: merge touching or overlapping intervals in start order."""
    spans = sorted(span for entry in days for span in entry.intervals)
    end: float | None = None
    for start, stop in spans:
        if end is None:
            if start <= ts < stop:
                end = stop
        elif start <= end:
            end = max(end, stop)
        else:
            break
    assert end is not None
    return end
