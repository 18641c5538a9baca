"""Queries for editing the service directory from Telegram. Repositories never commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import Category, Contact, SavedService, Service, ServiceCategory, Text

DIRECTORY_OWNERS = ("category", "service", "contact")


async def service(session: AsyncSession, service_id: int) -> Service | None:
    return await session.scalar(
        select(Service).where(Service.id == service_id).options(selectinload(Service.contacts))
    )


async def category(session: AsyncSession, category_id: int) -> Category | None:
    return await session.get(Category, category_id)


async def services_page(session: AsyncSession, *, offset: int, limit: int) -> list[tuple[int, str, bool]]:
    """(id, German name or slug, hidden) of services, hidden ones included, by slug."""
    rows = await session.execute(
        select(Service.id, Service.slug, Service.hidden, Text.text)
        .outerjoin(
            Text,
            (Text.owner_type == "service")
            & (Text.owner_id == Service.id)
            & (Text.field == "name")
            & (Text.lang == "de"),
        )
        .order_by(Service.slug)
        .offset(offset)
        .limit(limit)
    )
    return [(sid, name or slug, hidden) for sid, slug, hidden, name in rows.all()]


async def count_services(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count(Service.id))) or 0)


async def categories(session: AsyncSession) -> list[Category]:
    """All categories, hidden ones included, in menu order."""
    return list(await session.scalars(select(Category).order_by(Category.position, Category.slug)))


async def category_slugs(session: AsyncSession) -> dict[str, int | None]:
    """slug -> parent id of every category."""
    return {c.slug: c.parent_id for c in await categories(session)}


async def service_category_ids(session: AsyncSession, service_id: int) -> list[int]:
    rows = await session.scalars(
        select(ServiceCategory.category_id).where(ServiceCategory.service_id == service_id)
    )
    return list(rows)


async def link_category(session: AsyncSession, service_id: int, category_id: int) -> None:
    session.add(ServiceCategory(service_id=service_id, category_id=category_id))


async def unlink_category(session: AsyncSession, service_id: int, category_id: int) -> None:
    await session.execute(
        delete(ServiceCategory).where(
            ServiceCategory.service_id == service_id, ServiceCategory.category_id == category_id
        )
    )


async def services_only_in(session: AsyncSession, category_id: int) -> list[int]:
    """Services whose only category is this one (deleting it would leave them without a category)."""
    linked = await session.scalars(
        select(ServiceCategory.service_id).where(ServiceCategory.category_id == category_id)
    )
    lonely = []
    for service_id in linked:
        if len(await service_category_ids(session, service_id)) == 1:
            lonely.append(service_id)
    return lonely


async def texts_of(session: AsyncSession, owner_type: str, owner_id: int) -> list[Text]:
    rows = await session.scalars(select(Text).where(Text.owner_type == owner_type, Text.owner_id == owner_id))
    return list(rows)


async def directory_texts(session: AsyncSession) -> list[Text]:
    """Every text of categories, services and contacts."""
    return list(await session.scalars(select(Text).where(Text.owner_type.in_(DIRECTORY_OWNERS))))


async def get_text(
    session: AsyncSession, owner_type: str, owner_id: int, field: str, lang: str
) -> Text | None:
    return await session.scalar(
        select(Text).where(
            Text.owner_type == owner_type, Text.owner_id == owner_id, Text.field == field, Text.lang == lang
        )
    )


async def put_text(
    session: AsyncSession, owner_type: str, owner_id: int, field: str, lang: str, text: str, source_hash: str
) -> None:
    row = await get_text(session, owner_type, owner_id, field, lang)
    if row is None:
        session.add(
            Text(
                owner_type=owner_type,
                owner_id=owner_id,
                field=field,
                lang=lang,
                text=text,
                source_hash=source_hash,
            )
        )
    else:
        row.text, row.source_hash = text, source_hash
    await session.flush()


async def rehash_translations(
    session: AsyncSession, owner_type: str, owner_id: int, field: str, old_hash: str, new_hash: str
) -> int:
    """A minor edit: translations made from the old German text count as made from the new one."""
    result: Any = await session.execute(
        update(Text)
        .where(
            Text.owner_type == owner_type,
            Text.owner_id == owner_id,
            Text.field == field,
            Text.lang != "de",
            Text.source_hash == old_hash,
        )
        .values(source_hash=new_hash)
    )
    return int(result.rowcount or 0)


async def drop_field(session: AsyncSession, owner_type: str, owner_id: int, field: str) -> None:
    await session.execute(
        delete(Text).where(Text.owner_type == owner_type, Text.owner_id == owner_id, Text.field == field)
    )


async def drop_text(session: AsyncSession, owner_type: str, owner_id: int, field: str, lang: str) -> None:
    await session.execute(
        delete(Text).where(
            Text.owner_type == owner_type, Text.owner_id == owner_id, Text.field == field, Text.lang == lang
        )
    )


async def contact_name(session: AsyncSession, contact_id: int) -> str | None:
    return await session.scalar(select(Contact.name).where(Contact.id == contact_id))


async def drop_texts(session: AsyncSession, owner_type: str, owner_ids: list[int]) -> None:
    if owner_ids:
        await session.execute(delete(Text).where(Text.owner_type == owner_type, Text.owner_id.in_(owner_ids)))


async def slug_taken(session: AsyncSession, model: type[Service] | type[Category], slug: str) -> bool:
    return (await session.scalar(select(model.id).where(model.slug == slug))) is not None


async def add(session: AsyncSession, row: Service | Category) -> None:
    session.add(row)
    await session.flush()


async def delete_service(session: AsyncSession, svc: Service) -> None:
    await drop_texts(session, "contact", [c.id for c in svc.contacts])
    await drop_texts(session, "service", [svc.id])
    await session.execute(delete(ServiceCategory).where(ServiceCategory.service_id == svc.id))
    await session.execute(delete(SavedService).where(SavedService.service_id == svc.id))
    await session.delete(svc)
    await session.flush()


async def delete_category(session: AsyncSession, cat: Category) -> None:
    await session.execute(update(Category).where(Category.parent_id == cat.id).values(parent_id=None))
    await drop_texts(session, "category", [cat.id])
    await session.execute(delete(ServiceCategory).where(ServiceCategory.category_id == cat.id))
    await session.delete(cat)
    await session.flush()
