"""Queries on the audit log. Repositories never commit: the caller owns the transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry


async def add(
    session: AsyncSession,
    *,
    at: dt.datetime,
    actor_id: int | None,
    action: str,
    target_type: str | None,
    target_id: str | None,
    details: dict[str, Any],
) -> AuditEntry:
    entry = AuditEntry(
        at=at, actor_id=actor_id, action=action, target_type=target_type, target_id=target_id, details=details
    )
    session.add(entry)
    await session.flush()
    return entry


def _filtered(
    query: Any,
    *,
    action: str | None = None,
    actor_id: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> Any:
    if action:
        query = query.where(AuditEntry.action.startswith(action))
    if actor_id is not None:
        query = query.where(AuditEntry.actor_id == actor_id)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    return query


async def page(
    session: AsyncSession, *, offset: int, limit: int, **filters: Any
) -> tuple[list[AuditEntry], int]:
    """One page of entries, newest first, and the number of all entries that match."""
    rows = await session.scalars(
        _filtered(select(AuditEntry), **filters)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset(offset)
        .limit(limit)
    )
    total = await session.scalar(_filtered(select(func.count(AuditEntry.id)), **filters))
    return list(rows), int(total or 0)


async def actions(session: AsyncSession) -> list[str]:
    rows = await session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    return list(rows)


async def actors(session: AsyncSession) -> list[int]:
    rows = await session.scalars(
        select(AuditEntry.actor_id)
        .where(AuditEntry.actor_id.is_not(None))
        .distinct()
        .order_by(AuditEntry.actor_id)
    )
    return list(rows)


async def by_actor(session: AsyncSession, actor_id: int) -> list[AuditEntry]:
    rows = await session.scalars(
        select(AuditEntry).where(AuditEntry.actor_id == actor_id).order_by(AuditEntry.at)
    )
    return list(rows)


async def pseudonymise(session: AsyncSession, actor_id: int, label: str) -> None:
    await session.execute(
        update(AuditEntry).where(AuditEntry.actor_id == actor_id).values(actor_id=None, actor_label=label)
    )
