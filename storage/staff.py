"""Queries for staff roles and staff invites. Repositories never commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import STAFF_ROLES, Invite, User


async def add_invite(
    session: AsyncSession,
    *,
    code: str,
    kind: str,
    created_by: int,
    created_at: dt.datetime,
    expires_at: dt.datetime,
) -> None:
    session.add(
        Invite(code=code, kind=kind, created_by=created_by, created_at=created_at, expires_at=expires_at)
    )
    await session.flush()


async def claim_invite(
    session: AsyncSession, *, code: str, kind: str, user_id: int, now: dt.datetime
) -> bool:
    """Use an invite once: a conditional UPDATE, so two people opening the link at once cannot both win."""
    result: Any = await session.execute(
        update(Invite)
        .where(Invite.code == code, Invite.kind == kind, Invite.used_at.is_(None), Invite.expires_at > now)
        .values(used_at=now, used_by=user_id)
    )
    return bool(result.rowcount)


async def staff(session: AsyncSession) -> list[User]:
    rows = await session.scalars(
        select(User).where(User.role.in_([r.value for r in STAFF_ROLES])).order_by(User.role, User.id)
    )
    return list(rows)


async def user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)
