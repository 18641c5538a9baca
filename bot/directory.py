"""The service directory as the bot reads it: loaded once into memory, queried without SQL.

A municipality has tens to a few hundred services; holding them in memory makes category pages,
"open now", search and cards answer in microseconds. `load_directory` builds it again after an
import or an edit.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.hours import DayKind, HolidayLookup, OpeningHours, State, Status, day_plan, is_open_at, status_at
from bot.languages import SOURCE_LANGUAGE
from bot.search import SUGGEST_SCORE, Hit, SearchIndex
from storage import directory as repo


@dataclass(frozen=True)
class Localized:
    """A text in the asked language, or the German source with `translated=False`."""

    text: str
    translated: bool


def localize(texts: dict[str, str] | None, lang: str) -> Localized | None:
    if not texts:
        return None
    if texts.get(lang):
        return Localized(texts[lang], True)
    source = texts.get(SOURCE_LANGUAGE)
    return Localized(source, lang == SOURCE_LANGUAGE) if source else None


@dataclass
class ContactEntry:
    name: str
    phone: str | None
    email: str | None
    hours: OpeningHours | None
    texts: dict[str, dict[str, str]]


@dataclass
class CategoryEntry:
    id: int
    slug: str
    emoji: str
    parent_id: int | None
    names: dict[str, str]

    def name(self, lang: str) -> str:
        found = localize(self.names, lang)
        return found.text if found else self.slug


@dataclass
class ServiceEntry:
    id: int
    slug: str
    provider: str
    street: str
    postcode: str
    city: str
    lat: float | None
    lon: float | None
    phone: str | None
    email: str | None
    website: str | None
    booking_url: str | None
    languages_spoken: list[str]
    free: bool
    wheelchair_accessible: bool
    appointment: str
    hours: OpeningHours
    category_ids: list[int] = field(default_factory=list)
    texts: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> lang -> text
    contacts: list[ContactEntry] = field(default_factory=list)

    def text(self, name: str, lang: str) -> Localized | None:
        return localize(self.texts.get(name), lang)

    def name(self, lang: str) -> str:
        found = self.text("name", lang)
        return found.text if found else self.slug

    @property
    def address(self) -> str:
        return ", ".join(part for part in (self.street, f"{self.postcode} {self.city}".strip()) if part)


@dataclass
class Directory:
    categories: list[CategoryEntry]
    services: dict[int, ServiceEntry]
    index: SearchIndex
    by_category: dict[int, list[int]]

    def category(self, category_id: int) -> CategoryEntry | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def top_categories(self) -> list[CategoryEntry]:
        return [c for c in self.categories if c.parent_id is None]

    def children(self, category_id: int) -> list[CategoryEntry]:
        return [c for c in self.categories if c.parent_id == category_id]

    def service_ids_in(self, category_id: int) -> list[int]:
        """Services of a category and of its sub-categories, each once."""
        ids = list(self.by_category.get(category_id, []))
        for child in self.children(category_id):
            ids += self.by_category.get(child.id, [])
        return list(dict.fromkeys(ids))

    def search(self, query: str, limit: int = 20) -> list[Hit]:
        return [hit for hit in self.index.search(query, limit) if hit.service_id in self.services]

    def suggestions(self, query: str, limit: int = 3) -> list[ServiceEntry]:
        """Services that come close to a query that found nothing ("did you mean")."""
        hits = self.index.search(query, limit, min_score=SUGGEST_SCORE)
        return [self.services[h.service_id] for h in hits if h.service_id in self.services]

    def nearest(self, lat: float, lon: float, limit: int = 5) -> list[tuple[ServiceEntry, float]]:
        located = [
            (s, distance_m(lat, lon, s.lat, s.lon))
            for s in self.services.values()
            if s.lat is not None and s.lon is not None
        ]
        return sorted(located, key=lambda pair: pair[1])[:limit]


def distance_m(lat1: float, lon1: float, lat2: float | None, lon2: float | None) -> float:
    """Great-circle distance in metres (haversine)."""
    assert lat2 is not None and lon2 is not None
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Clock:
    """Where "now" is computed: the configured zone and the state's public holidays."""

    tz: ZoneInfo
    holidays: HolidayLookup


def status(service: ServiceEntry, now: dt.datetime, clock: Clock) -> Status:
    return status_at(service.hours, now, clock.holidays, clock.tz)


def is_open(service: ServiceEntry, now: dt.datetime, clock: Clock) -> bool:
    return is_open_at(service.hours, now, clock.holidays, clock.tz)


def quick_state(service: ServiceEntry, now: dt.datetime, clock: Clock) -> State:
    """The state alone, without the next opening and closing times (cheap, for long lists)."""
    if is_open_at(service.hours, now, clock.holidays, clock.tz):
        return State.OPEN
    kind = day_plan(service.hours, now.astimezone(clock.tz).date(), clock.holidays).kind
    return _STATE_OF_DAY.get(kind, State.CLOSED)


_STATE_OF_DAY = {
    DayKind.APPOINTMENT: State.APPOINTMENT_ONLY,
    DayKind.TEMPORARILY_CLOSED: State.TEMPORARILY_CLOSED,
}
_LIST_RANK = {State.OPEN: 0, State.APPOINTMENT_ONLY: 1}


def open_first(
    services: list[ServiceEntry], now: dt.datetime, clock: Clock, lang: str
) -> list[tuple[ServiceEntry, State]]:
    """Open services first, then by appointment, then closed; alphabetical within each group."""
    with_state = [(s, quick_state(s, now, clock)) for s in services]
    return sorted(with_state, key=lambda pair: (_LIST_RANK.get(pair[1], 2), pair[0].name(lang).casefold()))


async def load_directory(session: AsyncSession) -> Directory:
    categories = await repo.all_categories(session)
    services = await repo.all_services(session)
    texts: dict[tuple[str, int], dict[str, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    for row in await repo.all_texts(session):
        texts[(row.owner_type, row.owner_id)][row.field][row.lang] = row.text

    entries: dict[int, ServiceEntry] = {}
    for s in services:
        entry = ServiceEntry(
            id=s.id,
            slug=s.slug,
            provider=s.provider,
            street=s.street,
            postcode=s.postcode,
            city=s.city,
            lat=s.lat,
            lon=s.lon,
            phone=s.phone,
            email=s.email,
            website=s.website,
            booking_url=s.booking_url,
            languages_spoken=list(s.languages_spoken or []),
            free=s.free,
            wheelchair_accessible=s.wheelchair_accessible,
            appointment=s.appointment,
            hours=OpeningHours.model_validate(s.hours or {}),
            texts={k: dict(v) for k, v in texts[("service", s.id)].items()},
            contacts=[
                ContactEntry(
                    c.name,
                    c.phone,
                    c.email,
                    OpeningHours.model_validate(c.hours) if c.hours else None,
                    {k: dict(v) for k, v in texts[("contact", c.id)].items()},
                )
                for c in s.contacts
            ],
        )
        entries[s.id] = entry

    by_category: dict[int, list[int]] = defaultdict(list)
    for service_id, category_id in await repo.category_links(session):
        if service_id in entries:
            entries[service_id].category_ids.append(category_id)
            by_category[category_id].append(service_id)

    index = SearchIndex()
    for entry in entries.values():
        names = list(entry.texts.get("name", {}).values())
        keywords = [kw for text in entry.texts.get("keywords", {}).values() for kw in text.split("\n")]
        index.add(entry.id, names, keywords)

    return Directory(
        categories=[
            CategoryEntry(c.id, c.slug, c.emoji, c.parent_id, dict(texts[("category", c.id)].get("name", {})))
            for c in categories
        ],
        services=entries,
        index=index,
        by_category=dict(by_category),
    )
