"""Queries that read the service directory and the saved services."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import Category, SavedService, Service, ServiceCategory, Text


async def has_services(session: AsyncSession) -> bool:
    return (await session.scalar(select(Service.id).limit(1))) is not None


async def all_categories(session: AsyncSession) -> list[Category]:
    rows = await session.scalars(
        select(Category).where(Category.hidden.is_(False)).order_by(Category.position, Category.slug)
    )
    return list(rows)


async def all_services(session: AsyncSession) -> list[Service]:
    rows = await session.scalars(
        select(Service)
        .where(Service.hidden.is_(False))
        .options(selectinload(Service.contacts))
        .order_by(Service.slug)
    )
    return list(rows)


async def category_links(session: AsyncSession) -> list[tuple[int, int]]:
    rows = await session.execute(select(ServiceCategory.service_id, ServiceCategory.category_id))
    return [(service_id, category_id) for service_id, category_id in rows.all()]


async def all_texts(session: AsyncSession) -> list[Text]:
    return list(await session.scalars(select(Text)))


async def saved_ids(session: AsyncSession, user_id: int) -> list[int]:
    rows = await session.scalars(
        select(SavedService.service_id)
        .where(SavedService.user_id == user_id)
        .order_by(SavedService.created_at)
    )
    return list(rows)


async def toggle_saved(session: AsyncSession, user_id: int, service_id: int) -> bool:
    """Save or unsave; returns whether the service is saved afterwards."""
    existing = await session.get(SavedService, (user_id, service_id))
    if existing is not None:
        await session.execute(
            delete(SavedService).where(SavedService.user_id == user_id, SavedService.service_id == service_id)
        )
        return False
    session.add(SavedService(user_id=user_id, service_id=service_id))
    return True
