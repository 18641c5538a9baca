"""Appointments and their reminders: the service that owns the transactions.

Every change that affects reminders (create, move, cancel, an invite redeemed, a client's own
offsets) writes or cancels the reminder rows in the outbox in the same transaction as the change.
Reminders carry only ids: the text is rendered at send time (`handlers.appointments`), so an edit
of the place or of what to bring needs no new rows, and a late reminder tells the true time left.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import reminders
from bot.privacy import PersonalData
from bot.settings import Settings
from storage import appointments as repo
from storage import outbox
from storage.models import Appointment, OutboxStatus

REMINDER_KIND = "reminder"
NOTICE_KIND = "appointment_notice"  # tells the other side: cancelled, coming, not coming
OFFSETS_SETTING = "reminder_offsets"
COMING, NOT_COMING = "coming", "not_coming"


@dataclass
class Draft:
    """What a staff member or a client fills in before the appointment is saved."""

    title: str
    starts_at: dt.datetime
    client_id: int | None = None
    service_id: int | None = None
    place: str | None = None
    bring: str | None = None
    notes: str | None = None


class AppointmentService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], dt.datetime],
        tz: ZoneInfo,
        settings: Settings,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.tz = tz
        self.settings = settings

    # --- offsets -----------------------------------------------------------------------------
    async def default_offsets(self, session: AsyncSession) -> list[int]:
        stored = await repo.setting(session, OFFSETS_SETTING)
        return (
            reminders.valid_offsets(stored) if isinstance(stored, list) else list(reminders.DEFAULT_OFFSETS)
        )

    async def offsets_for(self, session: AsyncSession, client_id: int) -> list[int]:
        own = await repo.preference(session, client_id)
        return reminders.valid_offsets(own) if own is not None else await self.default_offsets(session)

    async def get_default_offsets(self) -> list[int]:
        async with self.sessions() as session:
            return await self.default_offsets(session)

    async def get_client_offsets(self, client_id: int) -> list[int]:
        async with self.sessions() as session:
            return await self.offsets_for(session, client_id)

    async def set_default_offsets(self, offsets: list[int]) -> None:
        async with self.sessions() as session, session.begin():
            await repo.set_setting(session, OFFSETS_SETTING, reminders.valid_offsets(offsets))

    async def set_client_offsets(self, client_id: int, offsets: list[int]) -> None:
        """A client's own offsets; their upcoming appointments are rescheduled in the same transaction."""
        now = self.clock()
        async with self.sessions() as session, session.begin():
            await repo.set_preference(session, client_id, reminders.valid_offsets(offsets))
            for appointment in await repo.for_client(session, client_id, now, limit=200):
                if appointment.status == repo.SCHEDULED:
                    await self._reschedule(session, appointment)

    # --- reminders ---------------------------------------------------------------------------
    def _plan(
        self, appointment: Appointment, offsets: list[int], lang: str | None, version: int
    ) -> list[dict[str, Any]]:
        """The outbox rows of an appointment's reminders still worth sending (`storage.outbox.add` args)."""
        return [
            {
                "key": f"reminder:{appointment.id}:{version}:{offset}",
                "chat_id": appointment.client_id,
                "kind": REMINDER_KIND,
                "payload": {"appointment_id": appointment.id, "offset": offset},
                "due_at": due,
                "lang": lang,
                "ref_type": repo.REF,
                "ref_id": appointment.id,
            }
            for offset, due in reminders.schedule(appointment.starts_at, offsets, self.tz, self.clock())
        ]

    async def _schedule(self, session: AsyncSession, appointment: Appointment, *, fresh: bool = False) -> int:
        """Queue the reminders of a scheduled appointment; `fresh`: a new one, it never had any."""
        if appointment.client_id is None or appointment.status != repo.SCHEDULED:
            return 0
        client = await repo.user(session, appointment.client_id)
        offsets = await self.offsets_for(session, appointment.client_id)
        version = 0 if fresh else await repo.reminder_count(session, appointment.id)
        rows = self._plan(appointment, offsets, client.language if client else None, version)
        for row in rows:
            await outbox.add(session, **row)
        return len(rows)

    async def _reschedule(self, session: AsyncSession, appointment: Appointment) -> None:
        await outbox.cancel_for(session, repo.REF, appointment.id)
        await self._schedule(session, appointment)

    async def _notice(
        self, session: AsyncSession, appointment: Appointment, to: int, event: str, *, by: int | None
    ) -> None:
        recipient = await repo.user(session, to)
        if recipient is None or not recipient.active:
            return
        await outbox.add(
            session,
            key=f"apt-notice:{appointment.id}:{event}:{to}:{secrets.token_hex(4)}",
            chat_id=to,
            kind=NOTICE_KIND,
            payload={"appointment_id": appointment.id, "event": event, "by": by},
            due_at=self.clock(),
            lang=recipient.language,
            ref_type=repo.NOTICE_REF,
            ref_id=appointment.id,
        )

    # --- appointments --------------------------------------------------------------------------
    async def create(self, draft: Draft, *, created_by: int, invite: bool = False) -> tuple[int, str | None]:
        """Save an appointment with its reminders (and an invite code if asked); (id, code)."""
        now = self.clock()
        code = secrets.token_urlsafe(16) if invite else None
        async with self.sessions() as session, session.begin():
            appointment = Appointment(
                client_id=None if invite else draft.client_id,
                created_by=created_by,
                title=draft.title,
                service_id=draft.service_id,
                place=draft.place,
                starts_at=draft.starts_at,
                bring=draft.bring,
                notes=draft.notes,
                status=repo.SCHEDULED,
                created_at=now,
                updated_at=now,
            )
            session.add(appointment)
            await session.flush()
            await self._schedule(session, appointment, fresh=True)
            if code is not None:
                expires = now + dt.timedelta(days=self.settings.appointment_invite_days)
                await repo.add_invite(session, code, appointment.id, created_by, expires)
            return appointment.id, code

    async def create_many(self, drafts: list[Draft], *, created_by: int) -> list[int]:
        """Save many appointments with their reminders in one transaction (imports, the benchmark)."""
        now = self.clock()
        async with self.sessions() as session, session.begin():
            appointments = [
                Appointment(
                    client_id=d.client_id,
                    created_by=created_by,
                    title=d.title,
                    service_id=d.service_id,
                    place=d.place,
                    starts_at=d.starts_at,
                    bring=d.bring,
                    notes=d.notes,
                    status=repo.SCHEDULED,
                    created_at=now,
                    updated_at=now,
                )
                for d in drafts
            ]
            session.add_all(appointments)
            await session.flush()
            clients = list({a.client_id for a in appointments if a.client_id is not None})
            default = await self.default_offsets(session)
            own = await repo.preferences(session, clients)
            languages = await repo.languages(session, clients)
            rows: list[dict[str, Any]] = []
            for appointment in appointments:
                client = appointment.client_id
                if client is not None:
                    offsets = reminders.valid_offsets(own.get(client, default))
                    rows += self._plan(appointment, offsets, languages.get(client), 0)
            await repo.add_reminders(session, rows)
            return [a.id for a in appointments]

    async def get(self, appointment_id: int) -> Appointment | None:
        async with self.sessions() as session:
            return await repo.get(session, appointment_id)

    async def for_client(self, client_id: int, *, days_back: int = 30) -> list[Appointment]:
        since = self.clock() - dt.timedelta(days=days_back)
        async with self.sessions() as session:
            return await repo.for_client(session, client_id, since)

    async def office_list(self) -> list[Appointment]:
        async with self.sessions() as session:
            return await repo.upcoming_by_staff(session, self.clock() - dt.timedelta(hours=12))

    async def move(self, appointment_id: int, starts_at: dt.datetime, *, actor: int, staff: bool) -> bool:
        """A new start time; the reminders move with it in the same transaction."""
        async with self.sessions() as session, session.begin():
            appointment = await self._editable(session, appointment_id, actor, staff)
            if appointment is None:
                return False
            appointment.starts_at = starts_at
            appointment.response = None
            appointment.updated_at = self.clock()
            await session.flush()
            await self._reschedule(session, appointment)
            return True

    async def update(self, appointment_id: int, *, actor: int, staff: bool, **fields: str | None) -> bool:
        """Change title, place, what to bring or notes (read at send time: reminders stay)."""
        allowed = {"title", "place", "bring", "notes"}
        async with self.sessions() as session, session.begin():
            appointment = await self._editable(session, appointment_id, actor, staff)
            if appointment is None or not set(fields) <= allowed:
                return False
            for name, value in fields.items():
                setattr(appointment, name, value)
            appointment.updated_at = self.clock()
            return True

    async def cancel(self, appointment_id: int, *, actor: int, staff: bool) -> bool:
        """Cancel it and its reminders together; the other side is told through the outbox."""
        async with self.sessions() as session, session.begin():
            appointment = await self._editable(session, appointment_id, actor, staff)
            if appointment is None:
                return False
            appointment.status = repo.CANCELLED
            appointment.updated_at = self.clock()
            await outbox.cancel_for(session, repo.REF, appointment.id)
            if appointment.starts_at > self.clock():
                for other in {appointment.client_id, appointment.created_by} - {actor, None}:
                    await self._notice(session, appointment, other, repo.CANCELLED, by=actor)
            return True

    async def _editable(
        self, session: AsyncSession, appointment_id: int, actor: int, staff: bool
    ) -> Appointment | None:
        appointment = await repo.get(session, appointment_id)
        if appointment is None or appointment.status != repo.SCHEDULED:
            return None
        if not staff and appointment.client_id != actor:
            return None
        return appointment

    async def respond(self, appointment_id: int, client_id: int, response: str) -> Appointment | None:
        """The client answers a reminder; the staff member who made the appointment is told."""
        if response not in (COMING, NOT_COMING):
            return None
        async with self.sessions() as session, session.begin():
            appointment = await repo.get(session, appointment_id)
            if appointment is None or appointment.client_id != client_id or appointment.status != "scheduled":
                return None
            changed = appointment.response != response
            appointment.response = response
            if changed and appointment.created_by not in (None, client_id):
                assert appointment.created_by is not None
                await self._notice(session, appointment, appointment.created_by, response, by=client_id)
            return appointment

    async def redeem_invite(self, code: str, user_id: int) -> Appointment | None:
        """Link the appointment of an unused, unexpired invite to the user who opened it."""
        now = self.clock()
        async with self.sessions() as session, session.begin():
            appointment_id = await repo.use_invite(session, code[:64], user_id, now)
            appointment = await repo.get(session, appointment_id) if appointment_id is not None else None
            if appointment is None or appointment.status != repo.SCHEDULED or appointment.client_id:
                return None
            appointment.client_id = user_id
            await session.flush()
            await self._schedule(session, appointment)
            return appointment

    async def reminder_rows(self, appointment_id: int) -> list[Any]:
        async with self.sessions() as session:
            return await repo.reminders(session, [appointment_id])

    # --- retention -------------------------------------------------------------------------------
    async def purge(self) -> int:
        """Delete appointments (reminders and invites with them) N days after they took place."""
        cutoff = self.clock() - dt.timedelta(days=self.settings.appointment_retention_days)
        total = 0
        while True:
            async with self.sessions() as session, session.begin():
                ids = await repo.ended_before(session, cutoff)
                if not ids:
                    return total
                await repo.delete_reminders(session, ids)
                await repo.delete_appointments(session, ids)
                total += len(ids)


# --- privacy: what this feature stores about a person ------------------------------------------------


async def export_personal_data(session: AsyncSession, user_id: int) -> dict[str, Any]:
    appointments = await repo.for_client(session, user_id, dt.datetime(1970, 1, 1, tzinfo=dt.UTC), 10_000)
    rows = await repo.reminders(session, [a.id for a in appointments])
    return {
        "appointments": [
            {
                "title": a.title,
                "starts at (UTC)": a.starts_at.isoformat(),
                "place": a.place,
                "what to bring": a.bring,
                "notes": a.notes,
                "status": a.status,
                "your answer": a.response,
            }
            for a in appointments
        ],
        "reminders": [
            {"due at (UTC)": r.due_at.isoformat(), "status": r.status}
            for r in rows
            if r.status != OutboxStatus.CANCELLED.value
        ],
        "reminder times you chose": await repo.preference(session, user_id),
    }


async def erase_personal_data(session: AsyncSession, user_id: int) -> None:
    ids = await repo.ids_of_client(session, user_id)
    await repo.delete_reminders(session, ids)
    await repo.delete_appointments(session, ids)
    await repo.drop_preference(session, user_id)
    await repo.unlink_creator(session, user_id)


PERSONAL_DATA = PersonalData(
    name="appointments", export=export_personal_data, erase=erase_personal_data, order=20
)
