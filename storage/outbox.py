"""Outbox queries: enqueue idempotently, claim due rows safely across processes, record outcomes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage, OutboxStatus

OPEN = (OutboxStatus.PENDING.value, OutboxStatus.RETRY.value)


async def add(
    session: AsyncSession,
    *,
    key: str,
    chat_id: int,
    kind: str,
    due_at: dt.datetime,
    payload: dict[str, Any] | None = None,
    lang: str | None = None,
    ref_type: str | None = None,
    ref_id: int | None = None,
) -> OutboxMessage | None:
    """Queue a message unless one with the same key exists (then None): keys make enqueueing idempotent."""
    if await session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return None
    row = OutboxMessage(
        key=key,
        chat_id=chat_id,
        kind=kind,
        payload=payload or {},
        lang=lang,
        due_at=due_at,
        status=OutboxStatus.PENDING.value,
        attempts=0,
        ref_type=ref_type,
        ref_id=ref_id,
    )
    session.add(row)
    await session.flush()
    return row


def _claimable(now: dt.datetime):  # type: ignore[no-untyped-def]
    return or_(
        (OutboxMessage.status.in_(OPEN)) & (OutboxMessage.due_at <= now),
        (OutboxMessage.status == OutboxStatus.SENDING.value) & (OutboxMessage.claimed_until < now),
    )


async def claim(
    session: AsyncSession, now: dt.datetime, lease: dt.timedelta, limit: int
) -> list[OutboxMessage]:
    """Take up to `limit` due rows for this dispatcher until `now + lease`.

    On PostgreSQL the candidates are locked with FOR UPDATE SKIP LOCKED, so two processes never
    take the same row; the UPDATE re-checks the status, which also keeps SQLite (one writer at a
    time) safe. A row whose lease ran out (its dispatcher died) is taken again.
    """
    candidates = list(
        await session.scalars(
            select(OutboxMessage.id)
            .where(_claimable(now))
            .order_by(OutboxMessage.due_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not candidates:
        return []
    claimed = list(
        await session.scalars(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(candidates), _claimable(now))
            .values(
                status=OutboxStatus.SENDING.value,
                claimed_until=now + lease,
                attempts=OutboxMessage.attempts + 1,
            )
            .returning(OutboxMessage.id)
        )
    )
    if not claimed:
        return []
    rows = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.id.in_(claimed))
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def next_due(session: AsyncSession) -> dt.datetime | None:
    return await session.scalar(select(func.min(OutboxMessage.due_at)).where(OutboxMessage.status.in_(OPEN)))


async def finish(
    session: AsyncSession,
    message_id: int,
    status: OutboxStatus,
    *,
    now: dt.datetime,
    telegram_message_id: int | None = None,
    error: str | None = None,
    retry_at: dt.datetime | None = None,
    chat_id: int | None = None,
    uncount: bool = False,
) -> None:
    """Record an outcome; `uncount` gives the attempt back (a 429 is Telegram's pace, not a failure)."""
    values: dict[str, Any] = {"status": status.value, "claimed_until": None}
    if uncount:
        values["attempts"] = OutboxMessage.attempts - 1
    if status is OutboxStatus.SENT:
        values.update(sent_at=now, telegram_message_id=telegram_message_id, last_error=None)
    if error is not None:
        values["last_error"] = error[:300]
    if retry_at is not None:
        values["due_at"] = retry_at
    if chat_id is not None:
        values["chat_id"] = chat_id
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))


async def cancel_for(session: AsyncSession, ref_type: str, ref_id: int) -> int:
    """Cancel what is still waiting for a cause (an appointment cancelled, an announcement withdrawn)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.ref_type == ref_type, OutboxMessage.ref_id == ref_id, OutboxMessage.status.in_(OPEN)
        )
        .values(status=OutboxStatus.CANCELLED.value)
    )
    return result.rowcount or 0


async def counts_for(session: AsyncSession, ref_type: str, ref_id: int) -> dict[tuple[str | None, str], int]:
    """(language, status) -> number of messages, for live delivery reports."""
    rows = await session.execute(
        select(OutboxMessage.lang, OutboxMessage.status, func.count())
        .where(OutboxMessage.ref_type == ref_type, OutboxMessage.ref_id == ref_id)
        .group_by(OutboxMessage.lang, OutboxMessage.status)
    )
    return {(lang, status): n for lang, status, n in rows.all()}
