"""SQLAlchemy 2 models. Nothing here knows Telegram; nothing here formats a message."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy import (
    Text as LongText,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AwareDateTime(TypeDecorator[dt.datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to an AwareDateTime column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Role(enum.StrEnum):
    CLIENT = "client"
    VOLUNTEER = "volunteer"
    STAFF = "staff"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.STAFF, Role.ADMIN})


class User(Base):
    """A Telegram user who wrote to the bot. Deliberately no names, no phone numbers."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str | None] = mapped_column(String(8))  # None until chosen or matched
    role: Mapped[str] = mapped_column(String(16), default=Role.CLIENT.value, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    first_seen: Mapped[dt.datetime] = mapped_column(AwareDateTime(), default=utcnow)
    last_seen: Mapped[dt.date] = mapped_column(Date, default=lambda: utcnow().date())

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


# --- service directory --------------------------------------------------------------------------


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    emoji: Mapped[str] = mapped_column(String(16), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"))
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)


class ServiceCategory(Base):
    __tablename__ = "service_categories"

    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Service(Base):
    __tablename__ = "services"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    provider: Mapped[str] = mapped_column(String(200), default="")
    street: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(16), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    phone: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(500))
    booking_url: Mapped[str | None] = mapped_column(String(500))
    languages_spoken: Mapped[list[str]] = mapped_column(JSON, default=list)
    free: Mapped[bool] = mapped_column(Boolean, default=True)
    wheelchair_accessible: Mapped[bool] = mapped_column(Boolean, default=False)
    appointment: Mapped[str] = mapped_column(String(16), default="no")  # no | yes | recommended
    hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # content/FORMAT.md "Opening hours"
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)

    contacts: Mapped[list[Contact]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="Contact.position"
    )


class Contact(Base):
    """A contact person of a service, with consultation hours of their own."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(200))
    hours: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    service: Mapped[Service] = relationship(back_populates="contacts")


class Text(Base):
    """One translated field of a category, service or contact in one language.

    `source_hash` is the hash of the German source the translation was made from: when the
    German text changes, translations whose hash no longer matches are *outdated*; a missing
    row is *missing*. The state is derived, never stored (as Integreat does).
    """

    __tablename__ = "texts"
    __table_args__ = (
        UniqueConstraint("owner_type", "owner_id", "field", "lang", name="uq_texts_key"),
        Index("ix_texts_owner", "owner_type", "owner_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_type: Mapped[str] = mapped_column(String(16))  # category | service | contact
    owner_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(32))
    lang: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(LongText)
    source_hash: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[dt.datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)


class SavedService(Base):
    __tablename__ = "saved_services"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime(), default=utcnow)


class BotSetting(Base):
    """Settings staff change from Telegram (reminder defaults, the linked volunteer group, ...)."""

    __tablename__ = "bot_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)


# --- the outbox: everything the bot sends on its own initiative ----------------------------------


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its due time
    SENDING = "sending"  # claimed by a dispatcher until `claimed_until`
    RETRY = "retry"  # a temporary failure; due again at `due_at`
    SENT = "sent"
    FAILED = "failed"  # for good: blocked by the user, chat gone, too many attempts
    MISSED = "missed"  # no longer worth sending (the appointment has begun)
    CANCELLED = "cancelled"


class OutboxMessage(Base):
    """One message to one chat, due at a time, sent at most once per idempotency `key`."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "due_at"),
        Index("ix_outbox_ref", "ref_type", "ref_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))  # names the renderer that builds the message
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    lang: Mapped[str | None] = mapped_column(String(8))
    due_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(AwareDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime())
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(String(300))
    ref_type: Mapped[str | None] = mapped_column(String(32))  # what caused it: appointment, announcement...
    ref_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime(), default=utcnow)


# --- appointments ----------------------------------------------------------------------------------


class Appointment(Base):
    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int | None] = mapped_column(  # None until an invite link is opened
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="SET NULL"))
    place: Mapped[str | None] = mapped_column(String(300))
    starts_at: Mapped[dt.datetime] = mapped_column(AwareDateTime(), index=True)
    bring: Mapped[str | None] = mapped_column(LongText)
    notes: Mapped[str | None] = mapped_column(LongText)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")  # scheduled | cancelled
    response: Mapped[str | None] = mapped_column(String(16))  # coming | not_coming
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)


class Invite(Base):
    """A one-time deep link (`/start <kind>-<code>`): appointment, staff or volunteer invitations."""

    __tablename__ = "invites"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)  # unguessable (secrets.token_urlsafe)
    kind: Mapped[str] = mapped_column(String(16))
    ref_id: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime())
    used_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ReminderPreference(Base):
    """A client's own reminder offsets (minutes before the appointment); none stored = defaults."""

    __tablename__ = "reminder_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    offsets: Mapped[list[int]] = mapped_column(JSON)


# --- the office: audit log, topics, announcements, conversation state ------------------------------


class AuditEntry(Base):
    """Who changed which content, who sent which announcement. Kept on erasure, pseudonymised."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(AwareDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(BigInteger, index=True)  # None once pseudonymised
    actor_label: Mapped[str | None] = mapped_column(String(64))  # e.g. "erased user 3f2a…"
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Topic(Base):
    """What clients can subscribe to (language courses, bike workshop, ...); names in `texts`."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    emoji: Mapped[str] = mapped_column(String(16), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class Subscription(Base):
    __tablename__ = "subscriptions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)


class Announcement(Base):
    """A broadcast; its text per language lives in `texts` (owner_type "announcement", field "body")."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft|scheduled|sending|sent|cancelled
    scheduled_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime())
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # roles, languages, topics
    fallback: Mapped[str] = mapped_column(String(8), default="de")  # de | en | skip
    photo_file_id: Mapped[str | None] = mapped_column(String(200))
    document_file_id: Mapped[str | None] = mapped_column(String(200))
    report_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    report_message_id: Mapped[int | None] = mapped_column(BigInteger)


class PersistedState(Base):
    """PTB persistence on our own database (conversation states, user_data), not a pickle file."""

    __tablename__ = "persisted_state"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)  # conversation:<name> | user_data | ...
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


# --- volunteers ----------------------------------------------------------------------------------


class Skill(Base):
    """What volunteers can do; staff extend the list. Names in `texts` (owner_type "skill")."""

    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class VolunteerProfile(Base):
    __tablename__ = "volunteer_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(100))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)  # skill slugs
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    availability: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)  # mon -> [morning,...]
    approved: Mapped[bool] = mapped_column(Boolean, default=False)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    last_asked_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime(), default=utcnow)


class HelpRequest(Base):
    __tablename__ = "help_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))  # a skill slug
    language: Mapped[str | None] = mapped_column(String(8))
    area: Mapped[str | None] = mapped_column(String(100))
    when_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime())
    description: Mapped[str] = mapped_column(LongText, default="")  # no personal data: shown to volunteers
    client_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    contact_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_details: Mapped[str | None] = mapped_column(LongText)  # only with consent, only to the assignee
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="review", index=True)
    # review | open | taken | done | cancelled
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    taken_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime())
    post_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    post_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)


class Shift(Base):
    """A standing weekly offer that needs volunteers (bike workshop Tuesdays 15-18, 2 people)."""

    __tablename__ = "shifts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="SET NULL"))
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    start_time: Mapped[str] = mapped_column(String(5))  # "15:00", local time
    end_time: Mapped[str] = mapped_column(String(5))
    needed: Mapped[int] = mapped_column(Integer, default=1)
    skill: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ShiftSignup(Base):
    __tablename__ = "shift_signups"
    __table_args__ = (UniqueConstraint("shift_id", "volunteer_id", "day", name="uq_shift_signups_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date | None] = mapped_column(Date)  # None: the whole series
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime(), default=utcnow)
