"""Queries on users. Repositories never commit: the caller owns the transaction."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Role, User


async def get_or_create(session: AsyncSession, user_id: int, *, today: dt.date) -> tuple[User, bool]:
    """The user row, created on first contact; `last_seen` is kept to the day (enough for statistics)."""
    user = await session.get(User, user_id)
    if user is None:
        user = User(id=user_id, role=Role.CLIENT.value, active=True, last_seen=today)
        session.add(user)
        await session.flush()
        return user, True
    if user.last_seen != today or not user.active:
        user.last_seen = today
        user.active = True
    return user, False


async def set_language(session: AsyncSession, user_id: int, language: str) -> None:
    await session.execute(update(User).where(User.id == user_id).values(language=language))


async def set_role(session: AsyncSession, user_id: int, role: Role) -> None:
    await session.execute(update(User).where(User.id == user_id).values(role=role.value))


async def ensure_admins(session: AsyncSession, admin_ids: list[int], *, today: dt.date) -> None:
    """Give the ADMIN_IDS their role, creating rows for admins who have not written yet."""
    for admin_id in admin_ids:
        user, _ = await get_or_create(session, admin_id, today=today)
        user.role = Role.ADMIN.value


async def mark_inactive(session: AsyncSession, user_id: int) -> None:
    await session.execute(update(User).where(User.id == user_id).values(active=False))


async def non_clients(session: AsyncSession) -> list[tuple[int, str, str | None]]:
    """(id, role, language) of volunteers, staff and admins: their chats get their own command list."""
    rows = await session.execute(
        select(User.id, User.role, User.language).where(User.role != Role.CLIENT.value, User.active.is_(True))
    )
    return [(user_id, role, language) for user_id, role, language in rows.all()]
