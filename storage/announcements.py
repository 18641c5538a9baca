"""Queries on announcements: their texts, audiences, bulk enqueueing and delivery counts.

Repositories never commit: the service in `bot.announcements` owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Announcement, OutboxMessage, OutboxStatus, Subscription, Text, User

OWNER_TYPE = "announcement"
BODY = "body"
REF_TYPE = "announcement"
CHUNK = 1000  # rows per INSERT: one round trip per chunk, well below SQLite's variable limit


async def create(session: AsyncSession, **values: Any) -> Announcement:
    announcement = Announcement(**values)
    session.add(announcement)
    await session.flush()
    return announcement


async def get(session: AsyncSession, announcement_id: int) -> Announcement | None:
    return await session.get(Announcement, announcement_id)


async def add_texts(
    session: AsyncSession, announcement_id: int, texts: dict[str, str], hashes: dict[str, str]
) -> None:
    for lang, text in texts.items():
        session.add(
            Text(
                owner_type=OWNER_TYPE,
                owner_id=announcement_id,
                field=BODY,
                lang=lang,
                text=text,
                source_hash=hashes[lang],
            )
        )
    await session.flush()


async def texts_for(session: AsyncSession, ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """announcement id -> language -> body."""
    if not ids:
        return {}
    rows = await session.execute(
        select(Text.owner_id, Text.lang, Text.text).where(
            Text.owner_type == OWNER_TYPE, Text.field == BODY, Text.owner_id.in_(list(ids))
        )
    )
    out: dict[int, dict[str, str]] = {}
    for owner_id, lang, text in rows.all():
        out.setdefault(owner_id, {})[lang] = text
    return out


async def recipients(
    session: AsyncSession, roles: Iterable[str], languages: Iterable[str], topic_ids: Iterable[int]
) -> list[tuple[int, str]]:
    """(user id, language) of active users with these roles; empty languages/topics mean no filter.

    With topics, only users subscribed to at least one of them.
    """
    query = select(User.id, User.language).where(
        User.active.is_(True), User.language.is_not(None), User.role.in_(list(roles))
    )
    langs = list(languages)
    if langs:
        query = query.where(User.language.in_(langs))
    topics = list(topic_ids)
    if topics:
        query = query.where(
            select(Subscription.user_id)
            .where(Subscription.user_id == User.id, Subscription.topic_id.in_(topics))
            .exists()
        )
    rows = await session.execute(query.order_by(User.id))
    return [(uid, lang) for uid, lang in rows.all()]


async def enqueue_bulk(
    session: AsyncSession,
    announcement_id: int,
    recipients: Iterable[tuple[int, str]],
    *,
    due_at: dt.datetime,
    now: dt.datetime,
    kind: str = "announcement",
) -> int:
    """One outbox row per recipient, inserted in chunks (an executemany per chunk, no ORM objects).

    Keys are `ann:<id>:<chat>`, so a recipient can never be queued twice for one announcement.
    """
    rows = [
        {
            "key": f"ann:{announcement_id}:{chat_id}",
            "chat_id": chat_id,
            "kind": kind,
            "payload": {},
            "lang": lang,
            "due_at": due_at,
            "status": OutboxStatus.PENDING.value,
            "attempts": 0,
            "ref_type": REF_TYPE,
            "ref_id": announcement_id,
            "created_at": now,
        }
        for chat_id, lang in recipients
    ]
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(OutboxMessage), rows[start : start + CHUNK])
    return len(rows)


async def set_status(session: AsyncSession, announcement_id: int, status: str, **values: Any) -> None:
    await session.execute(
        update(Announcement).where(Announcement.id == announcement_id).values(status=status, **values)
    )


async def by_status(session: AsyncSession, statuses: Iterable[str], limit: int = 50) -> list[Announcement]:
    rows = await session.scalars(
        select(Announcement)
        .where(Announcement.status.in_(list(statuses)))
        .order_by(Announcement.scheduled_at, Announcement.id)
        .limit(limit)
    )
    return list(rows)


async def latest(session: AsyncSession, statuses: Iterable[str], limit: int) -> list[Announcement]:
    rows = await session.scalars(
        select(Announcement)
        .where(Announcement.status.in_(list(statuses)))
        .order_by(
            func.coalesce(Announcement.scheduled_at, Announcement.created_at).desc(), Announcement.id.desc()
        )
        .limit(limit)
    )
    return list(rows)


BUCKETS = ("sent", "blocked", "failed", "pending", "cancelled")


async def delivery_counts(session: AsyncSession, announcement_id: int) -> dict[tuple[str, str], int]:
    """(language, bucket) -> messages; buckets: sent, blocked (403), failed, pending, cancelled."""
    status = OutboxMessage.status
    bucket = case(
        (status == OutboxStatus.SENT.value, "sent"),
        ((status == OutboxStatus.FAILED.value) & OutboxMessage.last_error.like("403%"), "blocked"),
        (status.in_([OutboxStatus.FAILED.value, OutboxStatus.MISSED.value]), "failed"),
        (status == OutboxStatus.CANCELLED.value, "cancelled"),
        else_="pending",
    )
    rows = await session.execute(
        select(OutboxMessage.lang, bucket, func.count())
        .where(OutboxMessage.ref_type == REF_TYPE, OutboxMessage.ref_id == announcement_id)
        .group_by(OutboxMessage.lang, bucket)
    )
    return {(lang or "", b): n for lang, b, n in rows.all()}


async def language_of(session: AsyncSession, user_id: int) -> str | None:
    return await session.scalar(select(User.language).where(User.id == user_id))
