"""The core personal data every user has, registered in `bot.privacy.REGISTRY`, and the two
services behind /mydata and /deleteme.

Core data: the user row (language, role, first and last contact), saved services, persisted
conversation state and user_data, and the messages the outbox holds for the user. Features add
their own entries; `export_user`/`erase_user` walk the whole registry, so they cover them too.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.privacy import PersonalData, erase_all, export_all, register
from storage import privacy as repo
from storage import state


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


async def _export_profile(session: AsyncSession, user_id: int) -> dict[str, Any]:
    user = await repo.user_row(session, user_id)
    if user is None:
        return {}
    return {
        "Telegram user id": user.id,
        "language": user.language,
        "role": user.role,
        "receives messages": user.active,
        "first contact": _iso(user.first_seen),
        "last seen (day)": _iso(user.last_seen),
    }


async def _erase_profile(session: AsyncSession, user_id: int) -> None:
    await repo.delete_user(session, user_id)


async def _export_saved(session: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    saved = await repo.saved_services(session, user_id)
    return [{"service": slug, "saved on": _iso(at)} for slug, at in saved]


async def _erase_saved(session: AsyncSession, user_id: int) -> None:
    await repo.delete_saved_services(session, user_id)


async def _export_state(session: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    return [
        {
            "what": "remembered input" if row.kind == "user_data" else "your unfinished dialogue",
            "dialogue": None if row.kind == "user_data" else row.kind.removeprefix("conversation:"),
            "value": row.value,
        }
        for row in await repo.persisted_state(session, user_id)
    ]


async def _export_outbox(session: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    return [
        {
            "message type": row.kind,
            "status": row.status,
            "due": _iso(row.due_at),
            "sent": _iso(row.sent_at),
            "content": row.payload,
        }
        for row in await repo.outbox_rows(session, user_id)
    ]


async def _erase_outbox(session: AsyncSession, user_id: int) -> None:
    await repo.delete_outbox_rows(session, user_id)


def register_core() -> None:
    """Idempotent: the registry is keyed by name."""
    register(PersonalData("messages from the bot to you", _export_outbox, _erase_outbox, order=90))
    register(PersonalData("saved services", _export_saved, _erase_saved, order=20))
    register(PersonalData("conversation state", _export_state, state.drop_user, order=20))
    register(PersonalData("profile", _export_profile, _erase_profile, order=100))  # last: others may need it


register_core()


async def export_user(sessions: async_sessionmaker[AsyncSession], user_id: int) -> dict[str, Any]:
    async with sessions() as session:
        return await export_all(session, user_id)


def export_json(data: dict[str, Any]) -> bytes:
    """The export as a file a person can open: indented, UTF-8 kept readable, dates as ISO text."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")


async def erase_user(sessions: async_sessionmaker[AsyncSession], user_id: int) -> None:
    """Erase everything every feature stores about the user, in one transaction: all or nothing."""
    async with sessions() as session, session.begin():
        await erase_all(session, user_id)
