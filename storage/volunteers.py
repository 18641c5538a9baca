"""Queries on skills, volunteer profiles, volunteer invites and the linked coordination chat.

Repositories never commit: the service in `bot.volunteers` owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import STAFF_ROLES, BotSetting, Invite, Skill, Text, User, VolunteerProfile

SKILL_OWNER = "skill"


# --- skills --------------------------------------------------------------------------------------
async def skills(session: AsyncSession) -> list[Skill]:
    return list(await session.scalars(select(Skill).order_by(Skill.position, Skill.id)))


async def skill_names(session: AsyncSession) -> dict[str, dict[str, str]]:
    """slug -> {lang: name}."""
    rows = await session.execute(
        select(Skill.slug, Text.lang, Text.text).join(
            Text, (Text.owner_type == SKILL_OWNER) & (Text.owner_id == Skill.id) & (Text.field == "name")
        )
    )
    names: dict[str, dict[str, str]] = {}
    for slug, lang, text in rows.all():
        names.setdefault(slug, {})[lang] = text
    return names


async def ensure_skill(
    session: AsyncSession, slug: str, position: int, names: dict[str, str], hashes: dict[str, str]
) -> bool:
    """Create the skill and any missing name rows; existing rows are left as staff edited them."""
    skill = await session.scalar(select(Skill).where(Skill.slug == slug))
    created = skill is None
    if skill is None:
        skill = Skill(slug=slug, position=position)
        session.add(skill)
        await session.flush()
    present = set(
        await session.scalars(
            select(Text.lang).where(
                Text.owner_type == SKILL_OWNER, Text.owner_id == skill.id, Text.field == "name"
            )
        )
    )
    for lang, name in names.items():
        if lang not in present:
            session.add(
                Text(
                    owner_type=SKILL_OWNER,
                    owner_id=skill.id,
                    field="name",
                    lang=lang,
                    text=name,
                    source_hash=hashes[lang],
                )
            )
    await session.flush()
    return created


async def max_skill_position(session: AsyncSession) -> int:
    positions = list(await session.scalars(select(Skill.position)))
    return max(positions, default=0)


# --- profiles ------------------------------------------------------------------------------------
async def profile(session: AsyncSession, user_id: int) -> VolunteerProfile | None:
    return await session.get(VolunteerProfile, user_id)


async def create_profile(session: AsyncSession, user_id: int, display_name: str) -> VolunteerProfile:
    row = VolunteerProfile(
        user_id=user_id,
        display_name=display_name,
        languages=[],
        skills=[],
        areas=[],
        availability={},
        approved=False,
        paused=False,
    )
    session.add(row)
    await session.flush()
    return row


async def approved_profiles(session: AsyncSession) -> list[VolunteerProfile]:
    return list(
        await session.scalars(
            select(VolunteerProfile)
            .join(User, User.id == VolunteerProfile.user_id)
            .where(VolunteerProfile.approved.is_(True), User.active.is_(True))
            .order_by(VolunteerProfile.user_id)
        )
    )


async def pending_profiles(session: AsyncSession) -> list[VolunteerProfile]:
    return list(
        await session.scalars(
            select(VolunteerProfile)
            .where(VolunteerProfile.approved.is_(False))
            .order_by(VolunteerProfile.created_at)
        )
    )


async def mark_asked(session: AsyncSession, user_ids: Iterable[int], now: dt.datetime) -> None:
    ids = list(user_ids)
    if ids:
        await session.execute(
            update(VolunteerProfile).where(VolunteerProfile.user_id.in_(ids)).values(last_asked_at=now)
        )


async def display_names(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, str]:
    ids = list(user_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(VolunteerProfile.user_id, VolunteerProfile.display_name).where(
            VolunteerProfile.user_id.in_(ids)
        )
    )
    return dict(rows.all())


async def delete_profile(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(VolunteerProfile).where(VolunteerProfile.user_id == user_id))


async def staff_ids(session: AsyncSession) -> list[int]:
    return list(
        await session.scalars(
            select(User.id)
            .where(User.role.in_([r.value for r in STAFF_ROLES]), User.active.is_(True))
            .order_by(User.id)
        )
    )


async def user_language(session: AsyncSession, user_id: int) -> str | None:
    return await session.scalar(select(User.language).where(User.id == user_id))


# --- invites -------------------------------------------------------------------------------------
async def add_invite(
    session: AsyncSession, code: str, created_by: int, now: dt.datetime, expires_at: dt.datetime
) -> None:
    session.add(
        Invite(code=code, kind="volunteer", created_by=created_by, created_at=now, expires_at=expires_at)
    )
    await session.flush()


async def use_invite(session: AsyncSession, code: str, user_id: int, now: dt.datetime) -> bool:
    """Single use, atomically: only the first opener of an unexpired invite gets True."""
    used = await session.scalar(
        update(Invite)
        .where(
            Invite.code == code, Invite.kind == "volunteer", Invite.used_at.is_(None), Invite.expires_at > now
        )
        .values(used_at=now, used_by=user_id)
        .returning(Invite.code)
    )
    return used is not None


# --- settings ------------------------------------------------------------------------------------
async def get_setting(session: AsyncSession, key: str) -> Any:
    row = await session.get(BotSetting, key)
    return None if row is None else row.value


async def set_setting(session: AsyncSession, key: str, value: Any) -> None:
    row = await session.get(BotSetting, key)
    if row is None:
        session.add(BotSetting(key=key, value=value))
    else:
        row.value = value
    await session.flush()
