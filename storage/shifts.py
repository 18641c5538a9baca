"""Queries on weekly shifts and their signups (single dates, or the whole series with day NULL)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Shift, ShiftSignup


async def create(session: AsyncSession, **fields: Any) -> Shift:
    row = Shift(**fields)
    session.add(row)
    await session.flush()
    return row


async def get(session: AsyncSession, shift_id: int) -> Shift | None:
    return await session.get(Shift, shift_id)


async def active(session: AsyncSession) -> list[Shift]:
    return list(
        await session.scalars(
            select(Shift).where(Shift.active.is_(True)).order_by(Shift.weekday, Shift.start_time, Shift.id)
        )
    )


async def for_service(session: AsyncSession, service_id: int) -> list[Shift]:
    return list(
        await session.scalars(
            select(Shift)
            .where(Shift.active.is_(True), Shift.service_id == service_id)
            .order_by(Shift.weekday, Shift.start_time)
        )
    )


async def signups_for(session: AsyncSession, shift_id: int, day: dt.date) -> list[ShiftSignup]:
    """Who comes on `day`: single-date signups for it plus the series signups."""
    return list(
        await session.scalars(
            select(ShiftSignup)
            .where(ShiftSignup.shift_id == shift_id, or_(ShiftSignup.day == day, ShiftSignup.day.is_(None)))
            .order_by(ShiftSignup.created_at, ShiftSignup.id)
        )
    )


async def find(
    session: AsyncSession, shift_id: int, volunteer_id: int, day: dt.date | None
) -> ShiftSignup | None:
    day_clause = ShiftSignup.day.is_(None) if day is None else ShiftSignup.day == day
    return await session.scalar(
        select(ShiftSignup).where(
            ShiftSignup.shift_id == shift_id, ShiftSignup.volunteer_id == volunteer_id, day_clause
        )
    )


async def add_signup(
    session: AsyncSession, shift_id: int, volunteer_id: int, day: dt.date | None
) -> ShiftSignup:
    row = ShiftSignup(shift_id=shift_id, volunteer_id=volunteer_id, day=day)
    session.add(row)
    await session.flush()
    return row


async def remove_signup(session: AsyncSession, shift_id: int, volunteer_id: int, day: dt.date | None) -> int:
    day_clause = ShiftSignup.day.is_(None) if day is None else ShiftSignup.day == day
    result = await session.execute(
        delete(ShiftSignup).where(
            ShiftSignup.shift_id == shift_id, ShiftSignup.volunteer_id == volunteer_id, day_clause
        )
    )
    return result.rowcount or 0


async def of_volunteer(session: AsyncSession, volunteer_id: int) -> list[ShiftSignup]:
    return list(await session.scalars(select(ShiftSignup).where(ShiftSignup.volunteer_id == volunteer_id)))


async def erase_volunteer(session: AsyncSession, volunteer_id: int) -> None:
    await session.execute(delete(ShiftSignup).where(ShiftSignup.volunteer_id == volunteer_id))
