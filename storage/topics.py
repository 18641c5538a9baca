"""Queries on topics and subscriptions. Repositories never commit: the caller owns the transaction."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Subscription, Text, Topic

OWNER_TYPE = "topic"
NAME_FIELD = "name"


async def all_topics(session: AsyncSession) -> list[Topic]:
    return list(await session.scalars(select(Topic).order_by(Topic.position, Topic.id)))


async def add_topic(session: AsyncSession, slug: str, emoji: str, position: int) -> Topic:
    topic = Topic(slug=slug, emoji=emoji, position=position)
    session.add(topic)
    await session.flush()
    return topic


async def names(session: AsyncSession) -> dict[int, dict[str, str]]:
    """topic id -> language -> name."""
    rows = await session.execute(
        select(Text.owner_id, Text.lang, Text.text).where(
            Text.owner_type == OWNER_TYPE, Text.field == NAME_FIELD
        )
    )
    out: dict[int, dict[str, str]] = {}
    for owner_id, lang, text in rows.all():
        out.setdefault(owner_id, {})[lang] = text
    return out


async def add_name(session: AsyncSession, topic_id: int, lang: str, text: str, source_hash: str) -> None:
    session.add(
        Text(
            owner_type=OWNER_TYPE,
            owner_id=topic_id,
            field=NAME_FIELD,
            lang=lang,
            text=text,
            source_hash=source_hash,
        )
    )


async def subscribed_ids(session: AsyncSession, user_id: int) -> set[int]:
    return set(await session.scalars(select(Subscription.topic_id).where(Subscription.user_id == user_id)))


async def toggle(session: AsyncSession, user_id: int, topic_id: int) -> bool:
    """Subscribe or unsubscribe; returns whether the user is subscribed afterwards."""
    existing = await session.get(Subscription, (user_id, topic_id))
    if existing is not None:
        await session.delete(existing)
        await session.flush()
        return False
    session.add(Subscription(user_id=user_id, topic_id=topic_id))
    await session.flush()
    return True


async def topic_exists(session: AsyncSession, topic_id: int) -> bool:
    return await session.get(Topic, topic_id) is not None


async def subscribed_slugs(session: AsyncSession, user_id: int) -> list[str]:
    rows = await session.scalars(
        select(Topic.slug)
        .join(Subscription, Subscription.topic_id == Topic.id)
        .where(Subscription.user_id == user_id)
        .order_by(Topic.position)
    )
    return list(rows)


async def delete_subscriptions(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(Subscription).where(Subscription.user_id == user_id))
