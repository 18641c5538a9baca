"""Who is writing: users are stored on first contact and read through a short-lived cache.

Every update needs the user's language and role. Reading them from the database each time costs
more than the rest of a typical update, so a snapshot is kept for `ttl` seconds. Changes made by
this process (language, role) update the snapshot at once; the TTL bounds how long a change made
elsewhere (another process, a manual SQL edit) can take to be seen.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import users as repo
from storage.models import STAFF_ROLES, Role


@dataclass
class UserView:
    id: int
    language: str | None
    role: str
    last_seen: dt.date

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


class UserService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        ttl: float = 10.0,
        max_entries: int = 20_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._ttl = ttl
        self._max = max_entries
        self._monotonic = monotonic
        self._cache: OrderedDict[int, tuple[float, UserView]] = OrderedDict()
        # Told when a user's role or language may have changed (e.g. to update their command menu).
        self.on_change: Callable[[int], None] | None = None

    async def resolve(self, user_id: int, today: dt.date) -> UserView:
        """The user, created on first contact; `last_seen` is written at most once a day."""
        cached = self._cache.get(user_id)
        if cached is not None and cached[0] > self._monotonic() and cached[1].last_seen == today:
            self._cache.move_to_end(user_id)
            return cached[1]
        async with self._sessions() as session, session.begin():
            user, _ = await repo.get_or_create(session, user_id, today=today)
            view = UserView(user.id, user.language, user.role, user.last_seen)
        self._remember(view)
        return view

    async def set_language(self, user: UserView, language: str) -> None:
        async with self._sessions() as session, session.begin():
            await repo.set_language(session, user.id, language)
        user.language = language
        self._remember(user)
        if self.on_change is not None and user.role != Role.CLIENT.value:
            self.on_change(user.id)

    async def set_role(self, user_id: int, role: Role, today: dt.date) -> None:
        async with self._sessions() as session, session.begin():
            await repo.get_or_create(session, user_id, today=today)
            await repo.set_role(session, user_id, role)
        self.forget(user_id)

    def forget(self, user_id: int, *, changed: bool = True) -> None:
        """Drop the cached snapshot: after changing a user's role (`changed`), erasing or losing them."""
        self._cache.pop(user_id, None)
        if changed and self.on_change is not None:
            self.on_change(user_id)

    def _remember(self, view: UserView) -> None:
        self._cache[view.id] = (self._monotonic() + self._ttl, view)
        self._cache.move_to_end(view.id)
        while len(self._cache) > self._max:
            self._cache.popitem(last=False)
