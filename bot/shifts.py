"""Recurring weekly shifts: definition, signups (single dates or the series), reminders, shortages.

`tick` runs hourly (a JobQueue job): for every shift date that starts within 48 hours and is still
short of people it enqueues one announcement to the linked group and to matching volunteers, and
for every signup whose date starts within 24 hours a reminder. Outbox keys are per shift+date(+user),
so running the job again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import volunteers
from storage import outbox
from storage import shifts as repo
from storage import volunteers as vol_repo
from storage.models import Shift

REF = "shift"
SHORTAGE_AHEAD = dt.timedelta(hours=48)
REMIND_AHEAD = dt.timedelta(hours=24)
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_WEEKDAYS = {
    **{str(i + 1): i for i in range(7)},
    **{name: i for i, name in enumerate(("mo", "di", "mi", "do", "fr", "sa", "so"))},
    **{name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
}


class ShiftSpecError(ValueError):
    """The staff's line could not be read; the message names the part (an English msgid)."""


@dataclass(frozen=True)
class ShiftSpec:
    title: str
    weekday: int
    start: str
    end: str
    needed: int
    skill: str | None = None


def parse_spec(text: str, known_skills: set[str]) -> ShiftSpec:
    """ "Title; weekday; 15:00-18:00; people needed[; skill]", weekday 1-7 or Mo/Mon..."""
    parts = [p.strip() for p in text.split(";")]
    if len(parts) not in (4, 5) or not parts[0]:
        raise ShiftSpecError("format")
    name = parts[1].lower()
    weekday = _WEEKDAYS.get(name[:3], _WEEKDAYS.get(name[:2]))
    if weekday is None:
        raise ShiftSpecError("weekday")
    start, _, end = parts[2].replace("–", "-").partition("-")
    if not (_TIME.match(start.strip()) and _TIME.match(end.strip())):
        raise ShiftSpecError("time")
    start, end = _norm(start), _norm(end)
    if end <= start:
        raise ShiftSpecError("time")
    if not parts[3].isdigit() or not 1 <= int(parts[3]) <= 50:
        raise ShiftSpecError("needed")
    skill = parts[4] if len(parts) == 5 and parts[4] else None
    if skill is not None and skill not in known_skills:
        raise ShiftSpecError("skill")
    return ShiftSpec(parts[0][:200], weekday, start, end, int(parts[3]), skill)


def _norm(value: str) -> str:
    h, m = value.strip().split(":")
    return f"{int(h):02d}:{m}"


def starts_at(shift: Shift, day: dt.date, tz: ZoneInfo) -> dt.datetime:
    h, m = (int(x) for x in shift.start_time.split(":"))
    return dt.datetime.combine(day, dt.time(h, m), tzinfo=tz).astimezone(dt.UTC)


def next_dates(shift: Shift, today: dt.date, count: int = 4) -> list[dt.date]:
    first = today + dt.timedelta(days=(shift.weekday - today.weekday()) % 7)
    return [first + dt.timedelta(weeks=i) for i in range(count)]


@dataclass(frozen=True)
class ShiftView:
    """A shift as a directory card or a list shows it."""

    id: int
    title: str
    weekday: int
    start: str
    end: str
    needed: int
    skill: str | None


def view(shift: Shift) -> ShiftView:
    return ShiftView(
        shift.id, shift.title, shift.weekday, shift.start_time, shift.end_time, shift.needed, shift.skill
    )


async def shifts_for_service(session: AsyncSession, service_id: int) -> list[ShiftView]:
    """The weekly shifts a directory service points at (for its card: "volunteers wanted")."""
    return [view(s) for s in await repo.for_service(session, service_id)]


async def create(session: AsyncSession, spec: ShiftSpec, service_id: int | None = None) -> Shift:
    return await repo.create(
        session,
        title=spec.title,
        weekday=spec.weekday,
        start_time=spec.start,
        end_time=spec.end,
        needed=spec.needed,
        skill=spec.skill,
        service_id=service_id,
        active=True,
    )


async def coming(session: AsyncSession, shift_id: int, day: dt.date) -> list[tuple[int, str]]:
    """(volunteer id, display name) of who comes on `day`, series signups included."""
    ids = list(dict.fromkeys(s.volunteer_id for s in await repo.signups_for(session, shift_id, day)))
    names = await vol_repo.display_names(session, ids)
    return [(i, names.get(i, "?")) for i in ids]


class SignupError(Exception):
    pass


async def sign_up(
    session: AsyncSession, shift_id: int, volunteer_id: int, day: dt.date | None, today: dt.date
) -> None:
    """Sign up for one date (refused when full or past) or for the whole series (day None)."""
    shift = await repo.get(session, shift_id)
    if shift is None or not shift.active:
        raise SignupError("gone")
    if day is not None:
        if day < today or day.weekday() != shift.weekday:
            raise SignupError("gone")
        people = await coming(session, shift_id, day)
        if any(uid == volunteer_id for uid, _ in people):
            raise SignupError("already")
        if len(people) >= shift.needed:
            raise SignupError("full")
    elif await repo.find(session, shift_id, volunteer_id, None) is not None:
        raise SignupError("already")
    await repo.add_signup(session, shift_id, volunteer_id, day)


async def withdraw(session: AsyncSession, shift_id: int, volunteer_id: int, day: dt.date | None) -> bool:
    # A reminder already queued re-checks the signup when it is rendered, so nothing to cancel here.
    return bool(await repo.remove_signup(session, shift_id, volunteer_id, day))


async def tick(session: AsyncSession, now: dt.datetime, tz: ZoneInfo) -> int:
    """The hourly job's work: shortage notices 48 h ahead and reminders 24 h ahead. Returns rows queued."""
    queued = 0
    today = now.astimezone(tz).date()
    group = await volunteers.group_chat(session)
    profiles = None
    for shift in await repo.active(session):
        for day in next_dates(shift, today, 3):
            start = starts_at(shift, day, tz)
            if start <= now or start - now > SHORTAGE_AHEAD:
                continue
            people = await coming(session, shift.id, day)
            payload = {"day": day.isoformat()}
            if start - now <= REMIND_AHEAD:
                for uid, _name in people:
                    row = await outbox.add(
                        session,
                        key=f"shift:{shift.id}:{day}:remind:{uid}",
                        chat_id=uid,
                        kind="shift_reminder",
                        payload=payload,
                        due_at=now,
                        lang=await vol_repo.user_language(session, uid),
                        ref_type=REF,
                        ref_id=shift.id,
                    )
                    queued += row is not None
            if len(people) >= shift.needed:
                continue
            if group is not None:
                row = await outbox.add(
                    session,
                    key=f"shift:{shift.id}:{day}:short:group",
                    chat_id=group,
                    kind="shift_short",
                    payload=payload,
                    due_at=now,
                    lang="de",
                    ref_type=REF,
                    ref_id=shift.id,
                )
                queued += row is not None
            if profiles is None:
                profiles = [volunteers.Candidate.of(p) for p in await vol_repo.approved_profiles(session)]
            need = volunteers.Need(skill=shift.skill, slot=volunteers.slot_of(start, tz))
            chosen = volunteers.match(
                need, profiles, volunteers.max_asked(), exclude=[uid for uid, _ in people]
            )
            for uid in chosen:
                row = await outbox.add(
                    session,
                    key=f"shift:{shift.id}:{day}:short:{uid}",
                    chat_id=uid,
                    kind="shift_short",
                    payload=payload,
                    due_at=now,
                    lang=await vol_repo.user_language(session, uid),
                    ref_type=REF,
                    ref_id=shift.id,
                )
                queued += row is not None
    return queued


# --- privacy -------------------------------------------------------------------------------------
async def export_signups(session: AsyncSession, user_id: int) -> list[dict[str, object]]:
    return [
        {"shift": s.shift_id, "date": s.day.isoformat() if s.day else "every week"}
        for s in await repo.of_volunteer(session, user_id)
    ]


async def erase_signups(session: AsyncSession, user_id: int) -> None:
    await repo.erase_volunteer(session, user_id)


async def end(session: AsyncSession, shift_id: int) -> bool:
    shift = await repo.get(session, shift_id)
    if shift is None or not shift.active:
        return False
    shift.active = False
    return True
