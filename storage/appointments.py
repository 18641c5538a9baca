"""Appointment queries: appointments, invites, reminder preferences, the reminder defaults.

Repositories never commit: `bot.appointments` owns the transactions. Reminders themselves are
outbox rows (ref_type "appointment", ref_id = the appointment's id).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Appointment,
    BotSetting,
    Invite,
    OutboxMessage,
    OutboxStatus,
    ReminderPreference,
    Role,
    Service,
    Text,
    User,
)

REF = "appointment"
NOTICE_REF = "appointment_notice"  # messages about an appointment to the other side
INVITE_KIND = "apt"
SCHEDULED = "scheduled"
CANCELLED = "cancelled"


async def get(session: AsyncSession, appointment_id: int) -> Appointment | None:
    return await session.get(Appointment, appointment_id)


async def for_client(
    session: AsyncSession, client_id: int, since: dt.datetime, limit: int = 30
) -> list[Appointment]:
    """A client's appointments starting after `since` (cancelled ones included), earliest first."""
    rows = await session.scalars(
        select(Appointment)
        .where(Appointment.client_id == client_id, Appointment.starts_at >= since)
        .order_by(Appointment.starts_at, Appointment.id)
        .limit(limit)
    )
    return list(rows)


async def upcoming_by_staff(session: AsyncSession, since: dt.datetime, limit: int = 20) -> list[Appointment]:
    """Appointments made by staff (not by clients themselves) from `since`, for the office list."""
    rows = await session.scalars(
        select(Appointment)
        .where(
            Appointment.starts_at >= since,
            Appointment.status == SCHEDULED,
            Appointment.created_by.is_not(None),
            or_(Appointment.client_id.is_(None), Appointment.client_id != Appointment.created_by),
        )
        .order_by(Appointment.starts_at, Appointment.id)
        .limit(limit)
    )
    return list(rows)


async def recent_clients(session: AsyncSession, limit: int = 8) -> list[User]:
    """Clients who started the bot, the most recently seen first."""
    rows = await session.scalars(
        select(User)
        .where(User.role == Role.CLIENT.value, User.language.is_not(None), User.active.is_(True))
        .order_by(User.last_seen.desc(), User.id.desc())
        .limit(limit)
    )
    return list(rows)


async def user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def reminder_count(session: AsyncSession, appointment_id: int) -> int:
    """How many reminder rows an appointment ever had (makes fresh idempotency keys after a move)."""
    return int(
        await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.ref_type == REF, OutboxMessage.ref_id == appointment_id)
        )
        or 0
    )


async def reminders(session: AsyncSession, appointment_ids: Sequence[int]) -> list[OutboxMessage]:
    rows = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.ref_type == REF, OutboxMessage.ref_id.in_(appointment_ids))
        .order_by(OutboxMessage.due_at)
    )
    return list(rows)


async def add_reminders(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert many reminder rows at once (new appointments: their keys cannot exist yet).

    `storage.outbox.add` checks each key first, one query per row; for a batch of new appointments
    the unique key constraint is check enough, and one INSERT is a hundred times faster.
    """
    if rows:
        await session.execute(
            insert(OutboxMessage),
            [{**row, "status": OutboxStatus.PENDING.value, "attempts": 0} for row in rows],
        )


async def delete_reminders(session: AsyncSession, appointment_ids: Sequence[int]) -> None:
    await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.ref_type.in_((REF, NOTICE_REF)), OutboxMessage.ref_id.in_(appointment_ids)
        )
    )


async def delete_appointments(session: AsyncSession, appointment_ids: Sequence[int]) -> None:
    await session.execute(
        delete(Invite).where(Invite.kind == INVITE_KIND, Invite.ref_id.in_(appointment_ids))
    )
    await session.execute(delete(Appointment).where(Appointment.id.in_(appointment_ids)))


async def ended_before(session: AsyncSession, cutoff: dt.datetime, limit: int = 1000) -> list[int]:
    return list(
        await session.scalars(
            select(Appointment.id).where(Appointment.starts_at < cutoff).order_by(Appointment.id).limit(limit)
        )
    )


async def ids_of_client(session: AsyncSession, client_id: int) -> list[int]:
    return list(await session.scalars(select(Appointment.id).where(Appointment.client_id == client_id)))


async def unlink_creator(session: AsyncSession, user_id: int) -> None:
    await session.execute(
        update(Appointment).where(Appointment.created_by == user_id).values(created_by=None)
    )


# --- invites -----------------------------------------------------------------------------------


async def add_invite(
    session: AsyncSession, code: str, appointment_id: int, created_by: int, expires_at: dt.datetime
) -> None:
    session.add(
        Invite(
            code=code, kind=INVITE_KIND, ref_id=appointment_id, created_by=created_by, expires_at=expires_at
        )
    )
    await session.flush()


async def use_invite(session: AsyncSession, code: str, user_id: int, now: dt.datetime) -> int | None:
    """Mark an unused, unexpired invite as used by `user_id`; the appointment id, or None.

    One UPDATE with the conditions in its WHERE: of two people opening the link at once, one wins.
    """
    result = await session.execute(
        update(Invite)
        .where(
            Invite.code == code,
            Invite.kind == INVITE_KIND,
            Invite.used_at.is_(None),
            Invite.expires_at > now,
        )
        .values(used_at=now, used_by=user_id)
        .returning(Invite.ref_id)
    )
    return result.scalar_one_or_none()


# --- reminder offsets: a client's own, the office's defaults -----------------------------------


async def preference(session: AsyncSession, user_id: int) -> list[int] | None:
    row = await session.get(ReminderPreference, user_id)
    return list(row.offsets) if row is not None else None


async def preferences(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, list[int]]:
    rows = await session.execute(
        select(ReminderPreference.user_id, ReminderPreference.offsets).where(
            ReminderPreference.user_id.in_(user_ids)
        )
    )
    return {user_id: list(offsets) for user_id, offsets in rows.all()}


async def languages(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, str | None]:
    rows = await session.execute(select(User.id, User.language).where(User.id.in_(user_ids)))
    return dict(rows.all())


async def set_preference(session: AsyncSession, user_id: int, offsets: list[int]) -> None:
    row = await session.get(ReminderPreference, user_id)
    if row is None:
        session.add(ReminderPreference(user_id=user_id, offsets=offsets))
    else:
        row.offsets = offsets
    await session.flush()


async def drop_preference(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(ReminderPreference).where(ReminderPreference.user_id == user_id))


async def setting(session: AsyncSession, key: str) -> Any:
    row = await session.get(BotSetting, key)
    return row.value if row is not None else None


async def set_setting(session: AsyncSession, key: str, value: Any) -> None:
    row = await session.get(BotSetting, key)
    if row is None:
        session.add(BotSetting(key=key, value=value))
    else:
        row.value = value
    await session.flush()


# --- the directory, as far as reminders need it ---------------------------------------------------


async def service_place(session: AsyncSession, service_id: int, lang: str) -> dict[str, Any] | None:
    """Name (in `lang`, else German), address and coordinates of a service."""
    service = await session.get(Service, service_id)
    if service is None:
        return None
    names = dict(
        (
            await session.execute(
                select(Text.lang, Text.text).where(
                    Text.owner_type == "service", Text.owner_id == service_id, Text.field == "name"
                )
            )
        ).all()
    )
    address = ", ".join(p for p in (service.street, f"{service.postcode} {service.city}".strip()) if p)
    return {
        "name": names.get(lang) or names.get("de") or service.slug,
        "address": address,
        "lat": service.lat,
        "lon": service.lon,
    }
