"""Counting queries for /stats. Repositories never commit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Announcement, OutboxMessage, User


async def users_by_language_and_role(session: AsyncSession) -> list[tuple[str | None, str, int]]:
    """(language, role, count) of users who have not blocked the bot."""
    rows = await session.execute(
        select(User.language, User.role, func.count(User.id))
        .where(User.active.is_(True))
        .group_by(User.language, User.role)
    )
    return [(lang, role, int(n)) for lang, role, n in rows.all()]


async def active_since(session: AsyncSession, day: dt.date) -> int:
    return int(await session.scalar(select(func.count(User.id)).where(User.last_seen >= day)) or 0)


async def inactive(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count(User.id)).where(User.active.is_(False))) or 0)


async def announcements_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(Announcement.status, func.count(Announcement.id)).group_by(Announcement.status)
    )
    return {status: int(n) for status, n in rows.all()}


async def announcement_reach(
    session: AsyncSession, limit: int
) -> list[tuple[int, dt.datetime | None, dict[str, int]]]:
    """The latest announcements with their outbox rows counted by status."""
    latest = list(
        await session.scalars(
            select(Announcement)
            .where(Announcement.status.in_(["sending", "sent", "scheduled"]))
            .order_by(Announcement.created_at.desc(), Announcement.id.desc())
            .limit(limit)
        )
    )
    if not latest:
        return []
    counts: dict[int, dict[str, int]] = {a.id: {} for a in latest}
    rows = await session.execute(
        select(OutboxMessage.ref_id, OutboxMessage.status, func.count(OutboxMessage.id))
        .where(OutboxMessage.ref_type == "announcement", OutboxMessage.ref_id.in_(list(counts)))
        .group_by(OutboxMessage.ref_id, OutboxMessage.status)
    )
    for ref_id, status, n in rows.all():
        counts[int(ref_id)][status] = int(n)
    return [(a.id, a.sent_at or a.scheduled_at, counts[a.id]) for a in latest]
