"""Key/value rows of persisted bot state (conversation states, user_data): see bot.persistence."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PersistedState


async def load_kind(session: AsyncSession, kind: str) -> dict[str, Any]:
    rows = await session.execute(
        select(PersistedState.key, PersistedState.value).where(PersistedState.kind == kind)
    )
    return {key: value for key, value in rows.all()}


async def put(session: AsyncSession, kind: str, key: str, value: Any) -> None:
    row = await session.get(PersistedState, (kind, key))
    if row is None:
        session.add(PersistedState(kind=kind, key=key, value=value))
    else:
        row.value = value


async def drop(session: AsyncSession, kind: str, key: str) -> None:
    await session.execute(
        delete(PersistedState).where(PersistedState.kind == kind, PersistedState.key == key)
    )


async def drop_user(session: AsyncSession, user_id: int) -> None:
    """Erase everything kept for a user: their user_data and their place in every conversation."""
    await drop(session, "user_data", str(user_id))
    rows = await session.execute(
        select(PersistedState.kind, PersistedState.key).where(PersistedState.kind.like("conversation:%"))
    )
    for kind, key in rows.all():
        if str(user_id) in key.split(","):
            await drop(session, kind, key)
