"""Volunteers: skills, profiles, invites, approval, and matching volunteers to a help request.

`match` is a pure function (unit-tested in tests/test_matching.py); the services below own their
transactions and write outbox rows together with the change that causes them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from storage import outbox
from storage import users as users_repo
from storage import volunteers as repo
from storage.models import Role, VolunteerProfile

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PARTS = ("morning", "afternoon", "evening")
DEFAULT_AREAS = "Auenbrück,Ohlenbüttel,Lindenhagen,Wiesenrode,Hohenfeld"
GROUP_SETTING = "volunteer_group_chat_id"
INVITE_DAYS = 7
MAX_ASKED = 5  # volunteers asked directly per request

# The seeded skills, with their names in all twelve languages (staff can add more).
SEED_SKILLS: dict[str, dict[str, str]] = {
    "accompany": {
        "de": "Begleitung zu Behörden",
        "en": "Accompany to authorities",
        "uk": "Супровід до установ",
        "ru": "Сопровождение в учреждения",
        "ar": "مرافقة إلى الدوائر الرسمية",
        "fa": "همراهی به ادارات",
        "ps": "دولتي ادارو ته ملګرتیا",
        "tr": "Resmi dairelere refakat",
        "ku": "Hevrêtî bo daîreyên fermî",
        "ti": "ናብ መንግስታዊ ቤት ጽሕፈታት ምስናይ",
        "so": "La socodka xafiisyada dowladda",
        "fr": "Accompagnement auprès des administrations",
    },
    "translate_letters": {
        "de": "Briefe übersetzen",
        "en": "Translate letters",
        "uk": "Переклад листів",
        "ru": "Перевод писем",
        "ar": "ترجمة الرسائل",
        "fa": "ترجمهٔ نامه‌ها",
        "ps": "د لیکونو ژباړه",
        "tr": "Mektup çevirisi",
        "ku": "Wergerandina nameyan",
        "ti": "ደብዳበታት ምትርጓም",
        "so": "Turjumaadda warqadaha",
        "fr": "Traduction de courriers",
    },
    "bike_repair": {
        "de": "Fahrradreparatur",
        "en": "Bike repair",
        "uk": "Ремонт велосипедів",
        "ru": "Ремонт велосипедов",
        "ar": "تصليح الدراجات",
        "fa": "تعمیر دوچرخه",
        "ps": "د بایسکل ترمیم",
        "tr": "Bisiklet tamiri",
        "ku": "Tamîrkirina duçerxeyan",
        "ti": "ጽገና ብሽክሌታ",
        "so": "Dayactirka baaskiilka",
        "fr": "Réparation de vélos",
    },
    "moving": {
        "de": "Umzugshilfe",
        "en": "Moving help",
        "uk": "Допомога з переїздом",
        "ru": "Помощь с переездом",
        "ar": "المساعدة في الانتقال إلى سكن جديد",
        "fa": "کمک در اسباب‌کشی",
        "ps": "په کډه کې مرسته",
        "tr": "Taşınma yardımı",
        "ku": "Alîkariya barkirinê",
        "ti": "ሓገዝ ምግዓዝ ገዛ",
        "so": "Caawinta guuritaanka",
        "fr": "Aide au déménagement",
    },
    "homework": {
        "de": "Hausaufgabenhilfe",
        "en": "Homework help",
        "uk": "Допомога з домашніми завданнями",
        "ru": "Помощь с домашними заданиями",
        "ar": "المساعدة في الواجبات المدرسية",
        "fa": "کمک در تکالیف مدرسه",
        "ps": "د ښوونځي د کورني کار مرسته",
        "tr": "Ödev yardımı",
        "ku": "Alîkariya erkên dibistanê",
        "ti": "ሓገዝ ዕዮ ገዛ",
        "so": "Caawinta casharrada guriga",
        "fr": "Aide aux devoirs",
    },
    "childcare": {
        "de": "Kinderbetreuung während Kursen",
        "en": "Childcare during courses",
        "uk": "Догляд за дітьми під час курсів",
        "ru": "Присмотр за детьми во время курсов",
        "ar": "رعاية الأطفال أثناء الدورات",
        "fa": "نگهداری از کودکان در زمان کلاس‌ها",
        "ps": "د کورسونو پر مهال د ماشومانو ساتنه",
        "tr": "Kurs sırasında çocuk bakımı",
        "ku": "Lênêrîna zarokan di dema kursan de",
        "ti": "ክንክን ቆልዑ ኣብ እዋን ትምህርቲ",
        "so": "Daryeelka carruurta inta lagu jiro koorsooyinka",
        "fr": "Garde d'enfants pendant les cours",
    },
    "driving": {
        "de": "Fahrdienst",
        "en": "Driving",
        "uk": "Перевезення автомобілем",
        "ru": "Поездки на автомобиле",
        "ar": "التوصيل بالسيارة",
        "fa": "رساندن با خودرو",
        "ps": "په موټر کې رسول",
        "tr": "Araçla götürme",
        "ku": "Gihandina bi erebeyê",
        "ti": "ብመኪና ምብጻሕ",
        "so": "Gaadiid ku geyn",
        "fr": "Transport en voiture",
    },
    "paperwork": {
        "de": "Hilfe bei Formularen",
        "en": "Paperwork",
        "uk": "Допомога з документами",
        "ru": "Помощь с документами",
        "ar": "المساعدة في الأوراق والاستمارات",
        "fa": "کمک در فرم‌ها و مدارک",
        "ps": "د فورمو او اسنادو مرسته",
        "tr": "Form ve evrak yardımı",
        "ku": "Alîkarî bi form û belgeyan",
        "ti": "ሓገዝ ቅጥዕታትን ሰነዳትን",
        "so": "Caawinta foomamka iyo waraaqaha",
        "fr": "Aide aux formulaires",
    },
}


def source_hash(text: str) -> str:
    """Same rule as the directory's translations: first 16 hex digits of SHA-256 of the German text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class _Config:
    areas: tuple[str, ...] = tuple(DEFAULT_AREAS.split(","))
    max_asked: int = MAX_ASKED


_CONFIG = _Config()


def configure(areas: list[str], max_asked: int) -> None:
    """Take VOLUNTEER_AREAS and VOLUNTEER_MAX_ASKED from the settings (called when the bot is built)."""
    _CONFIG.areas, _CONFIG.max_asked = tuple(areas), max_asked


def configured_areas() -> list[str]:
    """Villages/districts volunteers and requests choose from (setting VOLUNTEER_AREAS)."""
    return list(_CONFIG.areas)


def slot_of(moment: dt.datetime, tz: ZoneInfo) -> tuple[str, str]:
    """The (weekday, part of day) a local wall-clock moment falls into."""
    local = moment.astimezone(tz)
    part = "morning" if local.hour < 12 else "afternoon" if local.hour < 17 else "evening"
    return DAYS[local.weekday()], part


# --- matching (pure) -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    user_id: int
    skills: frozenset[str]
    languages: frozenset[str]
    areas: frozenset[str]
    availability: dict[str, frozenset[str]]
    paused: bool = False
    last_asked_at: dt.datetime | None = None

    @classmethod
    def of(cls, p: VolunteerProfile) -> Candidate:
        return cls(
            p.user_id,
            frozenset(p.skills or ()),
            frozenset(p.languages or ()),
            frozenset(p.areas or ()),
            {d: frozenset(v) for d, v in (p.availability or {}).items()},
            bool(p.paused),
            p.last_asked_at,
        )


@dataclass(frozen=True)
class Need:
    skill: str | None  # None: any volunteer (a shift without a particular skill)
    language: str | None = None  # the volunteer must speak the client's language
    area: str | None = None
    slot: tuple[str, str] | None = None  # None: flexible


def fits(c: Candidate, need: Need) -> bool:
    if c.paused or (need.skill is not None and need.skill not in c.skills):
        return False
    if need.language and need.language not in c.languages:
        return False
    if need.area and c.areas and need.area not in c.areas:
        return False  # no area chosen means "anywhere in the municipality"
    if need.slot is not None:
        day, part = need.slot
        if part not in c.availability.get(day, frozenset()):
            return False
    return True


_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


def match(
    need: Need, candidates: Iterable[Candidate], limit: int = MAX_ASKED, exclude: Sequence[int] = ()
) -> list[int]:
    """Who to ask: fitting, not paused, least recently asked first (never asked first), at most `limit`."""
    fitting = [c for c in candidates if c.user_id not in exclude and fits(c, need)]
    fitting.sort(key=lambda c: (c.last_asked_at or _NEVER, c.user_id))
    return [c.user_id for c in fitting[:limit]]


def max_asked() -> int:
    """How many volunteers are messaged directly per request (setting VOLUNTEER_MAX_ASKED)."""
    return _CONFIG.max_asked


# --- services ------------------------------------------------------------------------------------
async def seed_skills(session: AsyncSession) -> int:
    """Idempotent: creates missing skills and names, changes nothing staff edited."""
    created = 0
    for position, (slug, names) in enumerate(SEED_SKILLS.items(), start=1):
        hashes = {lang: source_hash(names["de"]) for lang in names}
        created += await repo.ensure_skill(session, slug, position, names, hashes)
    return created


async def add_skill(session: AsyncSession, german_name: str) -> str:
    """A skill staff typed (German name; translators add the other languages in the content tools)."""
    base = "".join(ch if ch.isalnum() else "_" for ch in german_name.lower()).strip("_")[:40] or "skill"
    slug = f"{base}_{secrets.token_hex(2)}"
    position = await repo.max_skill_position(session) + 1
    await repo.ensure_skill(session, slug, position, {"de": german_name}, {"de": source_hash(german_name)})
    return slug


def skill_label(names: dict[str, dict[str, str]], slug: str, lang: str) -> str:
    by_lang = names.get(slug, {})
    return by_lang.get(lang) or by_lang.get("de") or slug


async def create_invite(session: AsyncSession, staff_id: int, now: dt.datetime) -> str:
    code = secrets.token_urlsafe(12).replace("-", "x")
    await repo.add_invite(session, code, staff_id, now, now + dt.timedelta(days=INVITE_DAYS))
    return code


async def start_profile(session: AsyncSession, user_id: int, display_name: str) -> VolunteerProfile:
    existing = await repo.profile(session, user_id)
    return (
        existing if existing is not None else await repo.create_profile(session, user_id, display_name[:100])
    )


async def accept_invite(session: AsyncSession, code: str, user_id: int, name: str, now: dt.datetime) -> bool:
    """An invited volunteer is approved at once (staff vouched with the link)."""
    if not await repo.use_invite(session, code, user_id, now):
        return False
    profile = await start_profile(session, user_id, name)
    profile.approved = True
    await users_repo.set_role(session, user_id, Role.VOLUNTEER)
    return True


async def request_approval(session: AsyncSession, user_id: int, name: str, now: dt.datetime) -> bool:
    """/volunteer: a profile waiting for staff; staff are told through the outbox. False if already there."""
    if await repo.profile(session, user_id) is not None:
        return False
    await repo.create_profile(session, user_id, name[:100])
    for staff in await repo.staff_ids(session):
        await outbox.add(
            session,
            key=f"vol:pending:{user_id}:{staff}",
            chat_id=staff,
            kind="vol_pending",
            payload={"user_id": user_id},
            due_at=now,
            lang=await repo.user_language(session, staff),
            ref_type="volunteer",
            ref_id=user_id,
        )
    return True


async def approve(session: AsyncSession, user_id: int, now: dt.datetime) -> bool:
    profile = await repo.profile(session, user_id)
    if profile is None or profile.approved:
        return False
    profile.approved = True
    await users_repo.set_role(session, user_id, Role.VOLUNTEER)
    await outbox.add(
        session,
        key=f"vol:approved:{user_id}",
        chat_id=user_id,
        kind="vol_approved",
        payload={},
        due_at=now,
        lang=await repo.user_language(session, user_id),
        ref_type="volunteer",
        ref_id=user_id,
    )
    return True


def toggle(values: list[str], value: str) -> list[str]:
    return [v for v in values if v != value] if value in values else [*values, value]


def toggle_slot(availability: dict[str, list[str]], day: str, part: str) -> dict[str, list[str]]:
    result = {d: list(p) for d, p in availability.items()}
    parts = toggle(result.get(day, []), part)
    if parts:
        result[day] = parts
    else:
        result.pop(day, None)
    return result


async def group_chat(session: AsyncSession) -> int | None:
    value = await repo.get_setting(session, GROUP_SETTING)
    return int(value) if value is not None else None


async def link_group(session: AsyncSession, chat_id: int) -> None:
    await repo.set_setting(session, GROUP_SETTING, chat_id)


# --- privacy -------------------------------------------------------------------------------------
async def export_profile(session: AsyncSession, user_id: int) -> dict[str, object] | None:
    p = await repo.profile(session, user_id)
    if p is None:
        return None
    return {
        "display name": p.display_name,
        "languages": p.languages,
        "skills": p.skills,
        "areas": p.areas,
        "availability": p.availability,
        "approved": p.approved,
        "paused": p.paused,
    }


async def erase_profile(session: AsyncSession, user_id: int) -> None:
    await repo.delete_profile(session, user_id)
