"""Queries for the retention job: what is old enough to be deleted. Repositories never commit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import STAFF_ROLES, OutboxMessage, OutboxStatus, User

FINISHED = (
    OutboxStatus.SENT.value,
    OutboxStatus.FAILED.value,
    OutboxStatus.CANCELLED.value,
    OutboxStatus.MISSED.value,
)


async def purge_finished_outbox(session: AsyncSession, before: dt.datetime) -> int:
    """Delete outbox rows that are done (sent, failed, cancelled, missed) and were due before `before`."""
    result = await session.execute(
        delete(OutboxMessage).where(OutboxMessage.status.in_(FINISHED), OutboxMessage.due_at < before)
    )
    return result.rowcount or 0


async def inactive_user_ids(session: AsyncSession, last_seen_before: dt.date, limit: int = 1000) -> list[int]:
    """Users (not office staff) who have not written since before `last_seen_before`."""
    rows = await session.scalars(
        select(User.id)
        .where(User.last_seen < last_seen_before, User.role.not_in([r.value for r in STAFF_ROLES]))
        .order_by(User.last_seen)
        .limit(limit)
    )
    return list(rows)
