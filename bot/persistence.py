"""PTB persistence on our own database: conversation states and user_data survive a restart.

Not a pickle file (opaque, cannot be migrated, a second store beside SQLAlchemy): JSON rows in
`persisted_state`. Only what must survive is kept: conversation states and user_data. bot_data
holds live objects (engine, caches) and is rebuilt at start; chat_data and callback_data are unused.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import BasePersistence, PersistenceInput

from storage import state as repo

ConversationKey = tuple[int | str, ...]


class DatabasePersistence(BasePersistence[dict[str, Any], dict[str, Any], Any]):
    def __init__(self, sessions: async_sessionmaker[AsyncSession], update_interval: float = 1) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False),
            update_interval=update_interval,
        )
        self._sessions = sessions

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        async with self._sessions() as session:
            rows = await repo.load_kind(session, "user_data")
        return {int(key): value for key, value in rows.items()}

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        async with self._sessions() as session, session.begin():
            if data:
                await repo.put(session, "user_data", str(user_id), deepcopy(data))
            else:
                await repo.drop(session, "user_data", str(user_id))

    async def drop_user_data(self, user_id: int) -> None:
        async with self._sessions() as session, session.begin():
            await repo.drop(session, "user_data", str(user_id))

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        """Nothing to refresh: this process is the only writer of a user's data while it runs."""

    async def get_conversations(self, name: str) -> dict[ConversationKey, object]:
        async with self._sessions() as session:
            rows = await repo.load_kind(session, f"conversation:{name}")
        return {_key(key): value for key, value in rows.items()}

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        async with self._sessions() as session, session.begin():
            if new_state is None:
                await repo.drop(session, f"conversation:{name}", _text(key))
            else:
                await repo.put(session, f"conversation:{name}", _text(key), new_state)

    # --- not stored -----------------------------------------------------------------------------
    async def get_chat_data(self) -> dict[int, Any]:
        return {}

    async def update_chat_data(self, chat_id: int, data: Any) -> None:
        """chat_data is not used."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """chat_data is not used."""

    async def refresh_chat_data(self, chat_id: int, chat_data: Any) -> None:
        """chat_data is not used."""

    async def get_bot_data(self) -> Any:
        raise NotImplementedError("bot_data is not persisted")

    async def update_bot_data(self, data: Any) -> None:
        """bot_data holds live objects and is rebuilt at start."""

    async def refresh_bot_data(self, bot_data: Any) -> None:
        """bot_data holds live objects and is rebuilt at start."""

    async def get_callback_data(self) -> None:
        return None

    async def update_callback_data(self, data: Any) -> None:
        """Arbitrary callback data is not used: callback data are short prefixed strings."""

    async def flush(self) -> None:
        """Every update is written at once; nothing is buffered."""


def _text(key: ConversationKey) -> str:
    return ",".join(str(part) for part in key)


def _key(text: str) -> ConversationKey:
    return tuple(int(part) if part.lstrip("-").isdigit() else part for part in text.split(","))
