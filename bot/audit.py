"""The audit log: who changed which content or role, who sent which announcement, and when.

Call `record` inside the transaction of the change it describes, so both commit together. Entries are
kept when a person asks to be erased, but pseudonymised (`actor_id` NULL, a label with a short hash).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import privacy
from storage import audit as repo
from storage.models import AuditEntry

PAGE_SIZE = 10


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def record(
    session: AsyncSession,
    actor_id: int | None,
    action: str,
    target_type: str | None,
    target_id: int | str | None,
    details: dict[str, Any] | None = None,
    *,
    at: dt.datetime | None = None,
) -> AuditEntry:
    """Add one entry in the caller's transaction (flushes, never commits).

    `action` is a dotted name such as "service.update", "staff.invite", "announcement.send";
    pass `at=context.bot_data.clock()` where a clock is at hand.
    """
    return await repo.add(
        session,
        at=at or _now(),
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        details=dict(details or {}),
    )


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int  # entries matching the filters
    actors: list[int]  # everyone who appears in the log (for the filter buttons)


async def query(
    session: AsyncSession,
    *,
    page: int,
    action: str | None = None,
    actor_id: int | None = None,
    since: dt.datetime | None = None,
) -> AuditPage:
    """One page (newest first) of the entries whose action starts with `action`, by `actor_id`, since."""
    entries, total = await repo.page(
        session, offset=page * PAGE_SIZE, limit=PAGE_SIZE, action=action, actor_id=actor_id, since=since
    )
    return AuditPage(entries, total, await repo.actors(session))


def erased_label(actor_id: int) -> str:
    """ "erased user 3f2a9c1b": stable per person, so entries of one erased actor still group together."""
    return f"erased user {hashlib.sha256(str(actor_id).encode()).hexdigest()[:8]}"


async def _export(session: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    return [
        {"time": e.at.isoformat(), "action": e.action, "target type": e.target_type, "target": e.target_id}
        for e in await repo.by_actor(session, user_id)
    ]


async def _erase(session: AsyncSession, user_id: int) -> None:
    await repo.pseudonymise(session, user_id, erased_label(user_id))


def register_personal_data() -> None:
    """Called from `handlers.audit.register`: the audit log takes part in /mydata and /deleteme."""
    entry = privacy.PersonalData("audit log (your changes as office staff)", _export, _erase, order=40)
    privacy.register(entry)
