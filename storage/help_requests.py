"""Queries on help requests. The claim is one conditional UPDATE, so the first volunteer wins."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import HelpRequest, OutboxMessage


async def create(session: AsyncSession, **fields: Any) -> HelpRequest:
    row = HelpRequest(**fields)
    session.add(row)
    await session.flush()
    return row


async def get(session: AsyncSession, request_id: int) -> HelpRequest | None:
    return await session.get(HelpRequest, request_id, populate_existing=True)


async def claim(session: AsyncSession, request_id: int, volunteer_id: int, now: dt.datetime) -> bool:
    """Take an open request: UPDATE ... WHERE status='open' RETURNING id. Exactly one caller wins."""
    won = await session.scalar(
        update(HelpRequest)
        .where(HelpRequest.id == request_id, HelpRequest.status == "open")
        .values(status="taken", volunteer_id=volunteer_id, taken_at=now, updated_at=now)
        .returning(HelpRequest.id)
    )
    return won is not None


async def transition(
    session: AsyncSession, request_id: int, from_status: tuple[str, ...], now: dt.datetime, **values: Any
) -> bool:
    """Change a request only if it is still in one of `from_status` (a stale button changes nothing)."""
    done = await session.scalar(
        update(HelpRequest)
        .where(HelpRequest.id == request_id, HelpRequest.status.in_(from_status))
        .values(updated_at=now, **values)
        .returning(HelpRequest.id)
    )
    return done is not None


async def by_status(session: AsyncSession, status: str, limit: int = 30) -> list[HelpRequest]:
    return list(
        await session.scalars(
            select(HelpRequest)
            .where(HelpRequest.status == status)
            .order_by(HelpRequest.created_at)
            .limit(limit)
        )
    )


async def counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(HelpRequest.status, func.count()).group_by(HelpRequest.status))
    return dict(rows.all())


async def for_volunteer(session: AsyncSession, volunteer_id: int) -> list[HelpRequest]:
    return list(
        await session.scalars(
            select(HelpRequest)
            .where(HelpRequest.volunteer_id == volunteer_id, HelpRequest.status.in_(("taken", "done")))
            .order_by(HelpRequest.when_at, HelpRequest.id)
        )
    )


async def for_client(session: AsyncSession, client_id: int) -> list[HelpRequest]:
    return list(
        await session.scalars(
            select(HelpRequest).where(HelpRequest.client_id == client_id).order_by(HelpRequest.id)
        )
    )


async def in_month(session: AsyncSession, start: dt.datetime, end: dt.datetime) -> list[HelpRequest]:
    return list(
        await session.scalars(
            select(HelpRequest).where(HelpRequest.created_at >= start, HelpRequest.created_at < end)
        )
    )


async def asked_volunteers(session: AsyncSession, request_id: int) -> list[int]:
    """Who got a direct message about the request (their outbox rows, kind "hr_offer")."""
    return list(
        await session.scalars(
            select(OutboxMessage.chat_id).where(
                OutboxMessage.ref_type == "help_request",
                OutboxMessage.ref_id == request_id,
                OutboxMessage.kind == "hr_offer",
            )
        )
    )


async def set_post(session: AsyncSession, request_id: int, chat_id: int, message_id: int) -> None:
    await session.execute(
        update(HelpRequest)
        .where(HelpRequest.id == request_id)
        .values(post_chat_id=chat_id, post_message_id=message_id)
    )


async def involving(session: AsyncSession, user_id: int) -> list[HelpRequest]:
    return list(
        await session.scalars(
            select(HelpRequest).where(
                or_(HelpRequest.client_id == user_id, HelpRequest.volunteer_id == user_id)
            )
        )
    )


async def cancel_kinds(session: AsyncSession, request_id: int, kinds: tuple[str, ...]) -> None:
    """Withdraw what is still waiting to be sent about a request (reminders, the contact message)."""
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.ref_type == "help_request",
            OutboxMessage.ref_id == request_id,
            OutboxMessage.kind.in_(kinds),
            OutboxMessage.status.in_(("pending", "retry")),
        )
        .values(status="cancelled")
    )


async def count_posts(session: AsyncSession, request_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(
                OutboxMessage.ref_type == "help_request", OutboxMessage.ref_id == request_id
            )
        )
        or 0
    )


async def latest_post(session: AsyncSession, request_id: int) -> tuple[int, int] | None:
    """(chat id, message id) of the newest group post about a request that was sent."""
    row = (
        await session.execute(
            select(OutboxMessage.chat_id, OutboxMessage.telegram_message_id)
            .where(
                OutboxMessage.ref_type == "help_request",
                OutboxMessage.ref_id == request_id,
                OutboxMessage.kind == "hr_post",
                OutboxMessage.telegram_message_id.is_not(None),
            )
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
    ).first()
    return (row[0], row[1]) if row else None
