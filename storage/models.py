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
    Text,
    UniqueConstraint,
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
    text: Mapped[str] = mapped_column(Text)
    source_hash: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[dt.datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)


class SavedService(Base):
    __tablename__ = "saved_services"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime(), default=utcnow)
