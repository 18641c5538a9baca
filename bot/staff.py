"""Staff roles: admins invite staff with a one-time, expiring deep link and remove them again."""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import audit
from bot.users import UserService
from storage import staff as repo
from storage import users as users_repo
from storage.models import Role

INVITE_KIND = "staff"
INVITE_VALID = dt.timedelta(days=7)


class Accepted(enum.StrEnum):
    OK = "ok"
    ALREADY_STAFF = "already_staff"
    INVALID = "invalid"  # unknown, used or expired: deliberately not told apart


class RemoveResult(enum.StrEnum):
    OK = "ok"
    NOT_STAFF = "not_staff"
    ADMIN = "admin"  # admins come from ADMIN_IDS and are not removed from Telegram


@dataclass(frozen=True)
class StaffMember:
    id: int
    role: str
    language: str | None
    last_seen: dt.date


@dataclass(frozen=True)
class Invitation:
    code: str
    expires_at: dt.datetime


class StaffService:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], users: UserService, clock: Callable[[], dt.datetime]
    ) -> None:
        self._sessions = sessions
        self._users = users
        self._clock = clock

    async def invite(self, admin_id: int) -> Invitation:
        now = self._clock()
        code = secrets.token_urlsafe(16)
        async with self._sessions() as session, session.begin():
            await repo.add_invite(
                session,
                code=code,
                kind=INVITE_KIND,
                created_by=admin_id,
                created_at=now,
                expires_at=now + INVITE_VALID,
            )
            await audit.record(session, admin_id, "staff.invite", "invite", code[:6], {}, at=now)
        return Invitation(code, now + INVITE_VALID)

    async def accept(self, code: str, user_id: int) -> Accepted:
        now = self._clock()
        async with self._sessions() as session, session.begin():
            user, _ = await users_repo.get_or_create(session, user_id, today=now.date())
            if user.role in (Role.STAFF.value, Role.ADMIN.value):
                return Accepted.ALREADY_STAFF
            if not await repo.claim_invite(session, code=code, kind=INVITE_KIND, user_id=user_id, now=now):
                return Accepted.INVALID
            await users_repo.set_role(session, user_id, Role.STAFF)
            await audit.record(session, user_id, "staff.join", "user", user_id, {"invite": code[:6]}, at=now)
        self._users.forget(user_id)
        return Accepted.OK

    async def members(self) -> list[StaffMember]:
        async with self._sessions() as session:
            return [StaffMember(u.id, u.role, u.language, u.last_seen) for u in await repo.staff(session)]

    async def remove(self, admin_id: int, user_id: int) -> RemoveResult:
        async with self._sessions() as session, session.begin():
            user = await repo.user(session, user_id)
            if user is None or user.role not in (Role.STAFF.value, Role.ADMIN.value):
                return RemoveResult.NOT_STAFF
            if user.role == Role.ADMIN.value:
                return RemoveResult.ADMIN
            await users_repo.set_role(session, user_id, Role.CLIENT)
            await audit.record(session, admin_id, "staff.remove", "user", user_id, {}, at=self._clock())
        self._users.forget(user_id)
        return RemoveResult.OK
