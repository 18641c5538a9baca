"""Queries behind /mydata and /deleteme for the core data: the user row, saved services, persisted
state and the messages the outbox holds for the user. Repositories never commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage, PersistedState, SavedService, Service, User


async def user_row(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def delete_user(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(User).where(User.id == user_id))


async def saved_services(session: AsyncSession, user_id: int) -> list[tuple[str, Any]]:
    """(service slug, saved at) of the user's saved services."""
    rows = await session.execute(
        select(Service.slug, SavedService.created_at)
        .join(Service, Service.id == SavedService.service_id)
        .where(SavedService.user_id == user_id)
        .order_by(SavedService.created_at)
    )
    return [(slug, at) for slug, at in rows.all()]


async def delete_saved_services(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(SavedService).where(SavedService.user_id == user_id))


async def persisted_state(session: AsyncSession, user_id: int) -> list[PersistedState]:
    """The user's user_data row and every conversation whose key names the user."""
    rows = await session.scalars(
        select(PersistedState).where(
            or_(
                (PersistedState.kind == "user_data") & (PersistedState.key == str(user_id)),
                PersistedState.kind.like("conversation:%"),
            )
        )
    )
    return [
        row for row in rows if row.kind == "user_data" or str(user_id) in row.key.split(",")
    ]


async def outbox_rows(session: AsyncSession, chat_id: int) -> list[OutboxMessage]:
    rows = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.chat_id == chat_id).order_by(OutboxMessage.due_at)
    )
    return list(rows)


async def delete_outbox_rows(session: AsyncSession, chat_id: int) -> int:
    """Pending messages are withdrawn, delivered ones forgotten: all rows addressed to the chat go."""
    result = await session.execute(delete(OutboxMessage).where(OutboxMessage.chat_id == chat_id))
    return result.rowcount or 0
