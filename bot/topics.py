"""Topics clients subscribe to (/topics) and announcements can be aimed at.

The default topics are seeded idempotently at start (and lazily on first use): missing topics and
missing names are added, nothing the office changed is overwritten. Names live in `texts`
(owner_type "topic", field "name"), German first, like every other translated content.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import privacy
from content.sync import source_hash
from storage import topics as repo

SOURCE_LANGUAGE = "de"

# slug, emoji, names in all twelve languages (German is the source)
DEFAULT_TOPICS: tuple[tuple[str, str, dict[str, str]], ...] = (
    (
        "language-courses",
        "🗣",
        {
            "de": "Sprachkurse",
            "en": "Language courses",
            "uk": "Мовні курси",
            "ru": "Языковые курсы",
            "ar": "دورات اللغة",
            "fa": "کلاس‌های زبان",
            "ps": "د ژبې کورسونه",
            "tr": "Dil kursları",
            "ku": "Kursên zimên",
            "ti": "ኮርሳት ቋንቋ",
            "so": "Koorsooyinka luqadda",
            "fr": "Cours de langue",
        },
    ),
    (
        "bike-workshop",
        "🚲",
        {
            "de": "Fahrradwerkstatt",
            "en": "Bike workshop",
            "uk": "Велосипедна майстерня",
            "ru": "Велосипедная мастерская",
            "ar": "ورشة الدراجات الهوائية",
            "fa": "کارگاه دوچرخه",
            "ps": "د بایسکل ورکشاپ",
            "tr": "Bisiklet atölyesi",
            "ku": "Atolyeya bisîkletan",
            "ti": "ቤት ዕዮ ብሽክለታ",
            "so": "Goobta dayactirka baaskiilada",
            "fr": "Atelier vélo",
        },
    ),
    (
        "authorities-deadlines",
        "🏛",
        {
            "de": "Behörden und Fristen",
            "en": "Authorities and deadlines",
            "uk": "Установи та строки",
            "ru": "Ведомства и сроки",
            "ar": "الدوائر الرسمية والمواعيد النهائية",
            "fa": "ادارات و مهلت‌ها",
            "ps": "ادارې او وروستۍ نېټې",
            "tr": "Resmî kurumlar ve son tarihler",
            "ku": "Dezgehên fermî û dem",
            "ti": "ቤት ጽሕፈታት መንግስትን ናይ መወዳእታ ዕለታትን",
            "so": "Xafiisyada dowladda iyo waqtiyada xaddidan",
            "fr": "Administrations et délais",
        },
    ),
    (
        "events",
        "🎉",
        {
            "de": "Veranstaltungen",
            "en": "Events",
            "uk": "Заходи",
            "ru": "Мероприятия",
            "ar": "الفعاليات",
            "fa": "رویدادها",
            "ps": "غونډې او پروګرامونه",
            "tr": "Etkinlikler",
            "ku": "Çalakî",
            "ti": "ፍጻመታት",
            "so": "Munaasabadaha",
            "fr": "Événements",
        },
    ),
    (
        "jobs",
        "💼",
        {
            "de": "Arbeit und Jobs",
            "en": "Jobs",
            "uk": "Робота",
            "ru": "Работа",
            "ar": "فرص العمل",
            "fa": "کار و اشتغال",
            "ps": "دندې او کار",
            "tr": "İş ilanları",
            "ku": "Kar û xebat",
            "ti": "ስራሕ",
            "so": "Shaqooyin",
            "fr": "Emploi",
        },
    ),
)


@dataclass(frozen=True)
class TopicView:
    id: int
    slug: str
    emoji: str
    names: dict[str, str]

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get(SOURCE_LANGUAGE) or self.slug

    def label(self, lang: str) -> str:
        return f"{self.emoji} {self.name(lang)}".strip()


async def seed_defaults(session: AsyncSession) -> int:
    """Add the default topics and names that are missing; returns how many rows were added."""
    existing = {t.slug: t for t in await repo.all_topics(session)}
    names = await repo.names(session)
    added = 0
    for position, (slug, emoji, texts) in enumerate(DEFAULT_TOPICS):
        topic = existing.get(slug)
        if topic is None:
            topic = await repo.add_topic(session, slug, emoji, position)
            added += 1
        have = names.get(topic.id, {})
        german = have.get(SOURCE_LANGUAGE, texts[SOURCE_LANGUAGE])
        for lang, text in texts.items():
            if lang not in have:
                await repo.add_name(session, topic.id, lang, text, source_hash(german))
                added += 1
    return added


class TopicService:
    """Topics and subscriptions; seeds the defaults once per process before first use."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._seeded = False
        self._lock = asyncio.Lock()

    async def ensure_seeded(self) -> None:
        if self._seeded:
            return
        async with self._lock:
            if self._seeded:
                return
            async with self._sessions() as session, session.begin():
                await seed_defaults(session)
            self._seeded = True

    async def topics(self) -> list[TopicView]:
        await self.ensure_seeded()
        async with self._sessions() as session:
            names = await repo.names(session)
            return [
                TopicView(t.id, t.slug, t.emoji, names.get(t.id, {})) for t in await repo.all_topics(session)
            ]

    async def subscriptions(self, user_id: int) -> set[int]:
        async with self._sessions() as session:
            return await repo.subscribed_ids(session, user_id)

    async def toggle(self, user_id: int, topic_id: int) -> bool | None:
        """Subscribed afterwards? None when the topic does not exist (a stale button)."""
        async with self._sessions() as session, session.begin():
            if not await repo.topic_exists(session, topic_id):
                return None
            return await repo.toggle(session, user_id, topic_id)


async def _export(session: AsyncSession, user_id: int) -> list[str]:
    return await repo.subscribed_slugs(session, user_id)


privacy.register(privacy.PersonalData("topic subscriptions", _export, repo.delete_subscriptions, order=40))


def topics_of(state: Any) -> TopicService:
    """The application's topic service (`context.bot_data`), created on first use."""
    service = getattr(state, "topics", None)
    if service is None:
        service = TopicService(state.sessions)
        state.topics = service
    return service
