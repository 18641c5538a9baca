"""Editing the service directory from Telegram: validated writes, translation states, reload.

Every write is checked with the models the content import uses (`content.schema.ServiceFile` /
`CategoryFile`, `bot.hours.OpeningHours`): the stored service is turned into its file document, the
change is applied to the document, the document is validated, and only then is the change written. So
the database never holds what `content validate` would reject.

Translation states follow `content.sync`: a translation records the hash of the German text it was made
from. Changing the German text leaves the translations' hashes alone (they become *outdated*) unless the
edit is marked minor: then translations made from the previous German text take the new hash.

`DirectoryEditor` owns the transactions and writes an audit entry with each change; after a commit it
calls `on_change` (the application reloads its in-memory directory).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import audit
from bot.hours import DAY_KEYS, OpeningHours
from bot.languages import LANGUAGES, SOURCE_LANGUAGE
from content.schema import CategoryFile, ServiceFile
from content.sync import source_hash, translation_state
from storage import editing as repo
from storage.models import Category, Service, Text

# Translated fields of a service, and which of them may be cleared ("-").
SERVICE_TEXTS = ("name", "description", "audience", "fee", "appointment_info", "keywords")
OPTIONAL_TEXTS = frozenset({"audience", "fee", "appointment_info"})
# Plain fields of a service typed as text, and which of them may be cleared.
SERVICE_COLUMNS = (
    "provider",
    "street",
    "postcode",
    "city",
    "phone",
    "email",
    "website",
    "booking_url",
    "languages_spoken",
    "location",
)
OPTIONAL_COLUMNS = frozenset({"phone", "email", "website", "booking_url", "location"})
FLAGS = ("free", "wheelchair_accessible")
APPOINTMENT_VALUES = ("no", "yes", "recommended")
DAY_VALUES = ("closed", "all_day", "appointment")
CATEGORY_TEXTS = ("name",)
CLEAR = "-"
TRANSLATION_LANGS = tuple(code for code in LANGUAGES if code != SOURCE_LANGUAGE)


class EditError(Exception):
    """A change was refused; `problems` say why (the schema's own messages)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def problems_of(exc: ValidationError) -> list[str]:
    out = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        out.append(f"{where}: {error['msg']}" if where else error["msg"])
    return out


# --- pure helpers: parsing what staff type ------------------------------------------------------------
_SLOT_RE = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4}")


def parse_slots(text: str) -> list[list[str]]:
    """ "09:00-12:00, 14:00-16:00" -> [["09:00", "12:00"], ["14:00", "16:00"]]; the model checks order."""
    slots = []
    for part in filter(None, (p.strip() for p in re.split(r"[,;\n]", text))):
        match = _SLOT_RE.match(part)
        if match is None:
            raise EditError([f'"{part}" is not a time slot: write it like 09:00-12:00'])
        slots.append([match[1].zfill(5), match[2].zfill(5)])
    if not slots:
        raise EditError(["no time slots given: write them like 09:00-12:00, 14:00-16:00"])
    return slots


def _parse_date(token: str) -> dt.date:
    try:
        if "." in token:
            day, month, year = (int(x) for x in token.split("."))
            return dt.date(year, month, day)
        return dt.date.fromisoformat(token)
    except ValueError:
        raise EditError([f'"{token}" is not a date: write it like 24.12.2026'])  # noqa: B904


def parse_dated(text: str) -> tuple[list[dt.date], str]:
    """Dates at the start of the text ("24.12.2026" or a range "27.12.2026 - 02.01.2027"), then the rest
    after a ";" (a reason or time slots)."""
    head, _, rest = text.partition(";")
    dates = [_parse_date(token) for token in _DATE_RE.findall(head)]
    leftover = _DATE_RE.sub("", head).strip(" -–.")
    if leftover and leftover.lower() not in ("bis", "to", ".."):
        raise EditError([f'"{leftover}" is not a date: write dates like 24.12.2026'])
    return dates, rest.strip()


def slugify(name: str) -> str:
    """A slug from a German name: "Fahrrad-Werkstatt Süd" -> "fahrrad-werkstatt-sued"."""
    text = name.lower().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60] or "entry"


def jsonable(value: Any) -> Any:
    """Dates as ISO strings, tuples as lists: what a JSON column stores."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def validate_hours(hours: Mapping[str, Any]) -> dict[str, Any]:
    """The hours as stored after a check with `OpeningHours` (EditError with its messages)."""
    try:
        return jsonable(OpeningHours.model_validate(dict(hours)).to_yaml_dict())  # type: ignore[no-any-return]
    except ValidationError as exc:
        raise EditError(problems_of(exc)) from None


def set_day(hours: Mapping[str, Any], day: str, value: str | list[list[str]]) -> dict[str, Any]:
    if day not in DAY_KEYS:
        raise EditError([f"unknown day {day!r}"])
    weekly = dict(hours.get("weekly") or {})
    weekly[day] = value
    return validate_hours({**hours, "weekly": weekly})


def add_exception(hours: Mapping[str, Any], text: str, *, closed: bool) -> dict[str, Any]:
    """`text`: "24.12.2026; reason" (closed) or "23.12.2026; 10:00-12:00" (special hours)."""
    dates, rest = parse_dated(text)
    if len(dates) not in (1, 2):
        raise EditError(["give one date, or the first and the last day: 27.12.2026 - 02.01.2027"])
    entry: dict[str, Any] = {"date": dates[0]} if len(dates) == 1 else {"from": dates[0], "to": dates[1]}
    if closed:
        entry["closed"] = True
        if rest:
            entry["reason"] = {SOURCE_LANGUAGE: rest}
    else:
        entry["slots"] = parse_slots(rest)
    exceptions = [*hours.get("exceptions", []), jsonable(entry)]
    return validate_hours({**hours, "exceptions": exceptions})


def remove_exception(hours: Mapping[str, Any], index: int) -> dict[str, Any]:
    exceptions = list(hours.get("exceptions", []))
    if not 0 <= index < len(exceptions):
        raise EditError(["this exception does not exist (any more)"])
    del exceptions[index]
    return validate_hours({**hours, "exceptions": exceptions})


def set_closure(hours: Mapping[str, Any], text: str) -> dict[str, Any]:
    """`text`: "15.01.2027; reason" (first day open again) or "-; reason" (until further notice)."""
    dates, reason = parse_dated(text)
    if len(dates) > 1:
        raise EditError(["give one date: the first day the service is open again"])
    closure: dict[str, Any] = {"until": dates[0] if dates else None}
    if reason:
        closure["reason"] = {SOURCE_LANGUAGE: reason}
    return validate_hours({**hours, "temporarily_closed": jsonable(closure)})


def clear_closure(hours: Mapping[str, Any]) -> dict[str, Any]:
    return validate_hours({k: v for k, v in hours.items() if k != "temporarily_closed"})


def _column_value(field: str, raw: str) -> Any:
    """What a typed value means in the file document (validated there)."""
    raw = raw.strip()
    if raw == CLEAR and field in OPTIONAL_COLUMNS:
        return None
    if field == "languages_spoken":
        return [code.lower() for code in re.split(r"[\s,;]+", raw) if code]
    if field == "location":
        parts = [p for p in re.split(r"[\s,;]+", raw) if p]
        try:
            lat, lon = (float(p) for p in parts)
        except ValueError:
            raise EditError(
                ['write the coordinates as "latitude, longitude", e.g. 52.4800, 10.3500']
            ) from None
        return {"lat": lat, "lon": lon}
    return raw


# --- documents: the stored rows in the content file format ---------------------------------------------
def _by_field(rows: list[Text]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for row in rows:
        out[row.field][row.lang] = row.text
    return out


def service_document(
    svc: Service, texts: list[Text], contact_texts: dict[int, list[Text]], category_slugs: list[str]
) -> dict[str, Any]:
    fields = _by_field(texts)
    doc: dict[str, Any] = {
        "slug": svc.slug,
        "categories": category_slugs,
        "provider": svc.provider,
        "name": fields.get("name"),
        "description": fields.get("description"),
        "free": svc.free,
        "appointment": svc.appointment,
        "address": {"street": svc.street, "postcode": svc.postcode, "city": svc.city},
        "phone": svc.phone,
        "email": svc.email,
        "website": svc.website,
        "booking_url": svc.booking_url,
        "languages_spoken": list(svc.languages_spoken or []),
        "wheelchair_accessible": svc.wheelchair_accessible,
        "keywords": {lang: words.split("\n") for lang, words in fields.get("keywords", {}).items()},
        "hours": dict(svc.hours or {}),
    }
    for name in OPTIONAL_TEXTS:
        if fields.get(name):
            doc[name] = fields[name]
    if svc.lat is not None and svc.lon is not None:
        doc["location"] = {"lat": svc.lat, "lon": svc.lon}
    contacts = []
    for contact in sorted(svc.contacts, key=lambda c: c.position):
        entry: dict[str, Any] = {"name": contact.name, "phone": contact.phone, "email": contact.email}
        if role := _by_field(contact_texts.get(contact.id, [])).get("role"):
            entry["role"] = role
        if contact.hours is not None:
            entry["hours"] = contact.hours
        contacts.append(entry)
    doc["contacts"] = contacts
    return doc


def _set_column(doc: dict[str, Any], field: str, value: Any) -> None:
    if field in ("street", "postcode", "city"):
        doc["address"] = {**doc["address"], field: value}
    elif value is None:
        doc.pop(field, None)
    else:
        doc[field] = value


def _validate_service(doc: dict[str, Any], categories: set[str]) -> ServiceFile:
    try:
        return ServiceFile.model_validate(doc, context={"categories": categories})
    except ValidationError as exc:
        raise EditError(problems_of(exc)) from None


def _validate_category(doc: dict[str, Any], parents: dict[str, str | None]) -> CategoryFile:
    try:
        return CategoryFile.model_validate(doc, context={"categories": parents})
    except ValidationError as exc:
        raise EditError(problems_of(exc)) from None


# --- translations -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TranslationEntry:
    owner_type: str  # category | service | contact
    owner_id: int
    field: str
    german: str
    current: str | None
    state: str  # up_to_date | outdated | missing


_OWNER_ORDER = ("category", "service", "contact")


def translation_entries(rows: list[Text], lang: str, *, only_open: bool = True) -> list[TranslationEntry]:
    """Each German text with its translation into `lang`; by default only missing and outdated ones."""
    german: dict[tuple[str, int, str], Text] = {}
    target: dict[tuple[str, int, str], Text] = {}
    for row in rows:
        if row.owner_type not in _OWNER_ORDER:
            continue
        key = (row.owner_type, row.owner_id, row.field)
        if row.lang == SOURCE_LANGUAGE:
            german[key] = row
        elif row.lang == lang:
            target[key] = row
    out = []
    for key in sorted(german, key=lambda k: (_OWNER_ORDER.index(k[0]), k[1], k[2])):
        source = german[key]
        state = translation_state(target.get(key), source_hash(source.text))
        if only_open and state == "up_to_date":
            continue
        current = target[key].text if key in target else None
        out.append(TranslationEntry(key[0], key[1], key[2], source.text, current, state))
    return out


def translation_counts(rows: list[Text]) -> dict[str, tuple[int, int]]:
    """Per language: (missing, outdated)."""
    counts = {}
    for lang in TRANSLATION_LANGS:
        entries = translation_entries(rows, lang)
        counts[lang] = (
            sum(e.state == "missing" for e in entries),
            sum(e.state == "outdated" for e in entries),
        )
    return counts


# --- the service that owns the transactions -----------------------------------------------------------
OnChange = Callable[[], Awaitable[None]]


@dataclass
class ServiceSummary:
    """What the editing screens show of a service."""

    id: int
    slug: str
    hidden: bool
    document: dict[str, Any]
    category_ids: list[int]


class DirectoryEditor:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], dt.datetime],
        on_change: OnChange,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._on_change = on_change

    # --- reading ---
    async def service(self, service_id: int) -> ServiceSummary | None:
        async with self._sessions() as session:
            svc = await repo.service(session, service_id)
            if svc is None:
                return None
            doc = await self._document(session, svc)
            return ServiceSummary(
                svc.id, svc.slug, svc.hidden, doc, await repo.service_category_ids(session, svc.id)
            )

    async def services_page(self, page: int, size: int) -> tuple[list[tuple[int, str, bool]], int]:
        async with self._sessions() as session:
            return (
                await repo.services_page(session, offset=page * size, limit=size),
                await repo.count_services(session),
            )

    async def categories(self) -> list[tuple[Category, dict[str, str]]]:
        async with self._sessions() as session:
            cats = await repo.categories(session)
            return [
                (c, _by_field(await repo.texts_of(session, "category", c.id)).get("name", {})) for c in cats
            ]

    async def text(self, owner_type: str, owner_id: int, field: str, lang: str) -> str | None:
        async with self._sessions() as session:
            row = await repo.get_text(session, owner_type, owner_id, field, lang)
            return row.text if row else None

    async def translations(self, lang: str) -> list[TranslationEntry]:
        async with self._sessions() as session:
            return translation_entries(await repo.directory_texts(session), lang)

    async def translation_counts(self) -> dict[str, tuple[int, int]]:
        async with self._sessions() as session:
            return translation_counts(await repo.directory_texts(session))

    async def owner_label(self, owner_type: str, owner_id: int) -> str:
        async with self._sessions() as session:
            if owner_type == "contact":
                return await repo.contact_name(session, owner_id) or f"#{owner_id}"
            row = await repo.get_text(session, owner_type, owner_id, "name", SOURCE_LANGUAGE)
            return row.text if row else f"#{owner_id}"

    # --- writing texts ---
    async def set_text(
        self,
        actor_id: int,
        owner_type: str,
        owner_id: int,
        field: str,
        lang: str,
        text: str,
        *,
        minor: bool = False,
    ) -> None:
        """Write one translated field; German marks translations outdated unless `minor`."""
        text = text.strip()
        if lang not in LANGUAGES:
            raise EditError([f"unknown language {lang!r}"])
        clear = text == CLEAR
        if field == "keywords" and not clear:  # typed comma-separated, stored one keyword a line
            text = "\n".join(w.strip() for w in re.split(r"[,\n]", text) if w.strip())
        async with self._sessions() as session, session.begin():
            if owner_type == "service":
                await self._check_service_text(session, owner_id, field, lang, None if clear else text)
            elif owner_type == "category":
                await self._check_category(session, owner_id, name=(lang, None if clear else text))
            elif owner_type != "contact" or field != "role":
                raise EditError([f"{owner_type} {field} cannot be edited here"])
            german = await repo.get_text(session, owner_type, owner_id, field, SOURCE_LANGUAGE)
            old_hash = source_hash(german.text) if german is not None else None  # before the row changes
            if clear and lang == SOURCE_LANGUAGE:
                await repo.drop_field(session, owner_type, owner_id, field)
            elif clear:
                await repo.drop_text(session, owner_type, owner_id, field, lang)
            elif lang == SOURCE_LANGUAGE:
                new_hash = source_hash(text)
                await repo.put_text(session, owner_type, owner_id, field, lang, text, new_hash)
                if minor and old_hash is not None:
                    await repo.rehash_translations(session, owner_type, owner_id, field, old_hash, new_hash)
            else:
                if german is None:
                    raise EditError(["there is no German text to translate yet"])
                await repo.put_text(
                    session, owner_type, owner_id, field, lang, text, source_hash(german.text)
                )
            await self._touch(session, owner_type, owner_id)
            action = "translation.update" if lang != SOURCE_LANGUAGE else f"{owner_type}.text"
            await audit.record(
                session,
                actor_id,
                action,
                owner_type,
                owner_id,
                {"field": field, "lang": lang, "minor": minor, "cleared": clear},
                at=self._clock(),
            )
        await self._on_change()

    async def _check_service_text(
        self, session: AsyncSession, service_id: int, field: str, lang: str, text: str | None
    ) -> None:
        if field not in SERVICE_TEXTS:
            raise EditError([f"{field} is not a text of a service"])
        svc = await self._service(session, service_id)
        doc = await self._document(session, svc)
        values = dict(doc.get(field) or {})
        if field == "keywords":
            values = {k: "\n".join(v) for k, v in values.items()}
        if text is None:
            values.pop(lang, None)
        else:
            values[lang] = text
        if field == "keywords":
            doc[field] = {k: v.split("\n") for k, v in values.items()}
        elif values:
            doc[field] = values
        else:
            doc.pop(field, None)
        if lang == SOURCE_LANGUAGE and text is None:
            doc.pop(field, None)
        _validate_service(doc, set(await repo.category_slugs(session)))

    async def _check_category(
        self,
        session: AsyncSession,
        category_id: int,
        *,
        name: tuple[str, str | None] | None = None,
        emoji: str | None = None,
    ) -> None:
        cat = await repo.category(session, category_id)
        if cat is None:
            raise EditError(["this category does not exist (any more)"])
        names = _by_field(await repo.texts_of(session, "category", cat.id)).get("name", {})
        if name is not None:
            lang, text = name
            names = (
                {**names, lang: text} if text is not None else {k: v for k, v in names.items() if k != lang}
            )
        cats = await repo.categories(session)
        slugs = {c.id: c.slug for c in cats}
        parents = {c.slug: slugs.get(c.parent_id) if c.parent_id else None for c in cats}
        doc = {
            "slug": cat.slug,
            "emoji": cat.emoji if emoji is None else emoji,
            "order": cat.position,
            "parent": slugs.get(cat.parent_id) if cat.parent_id else None,
            "name": names,
        }
        _validate_category(doc, parents)

    # --- writing service fields ---
    async def set_column(self, actor_id: int, service_id: int, field: str, raw: str) -> None:
        if field not in SERVICE_COLUMNS:
            raise EditError([f"{field} cannot be edited here"])
        value = _column_value(field, raw)
        await self._update_service(
            actor_id,
            service_id,
            "service.update",
            {"field": field},
            lambda doc: _set_column(doc, field, value),
        )

    async def set_flag(self, actor_id: int, service_id: int, field: str, value: bool | str) -> None:
        if field not in (*FLAGS, "appointment"):
            raise EditError([f"{field} cannot be edited here"])
        await self._update_service(
            actor_id,
            service_id,
            "service.update",
            {"field": field, "value": value},
            lambda doc: doc.__setitem__(field, value),
        )

    async def toggle_category(self, actor_id: int, service_id: int, category_id: int) -> None:
        async with self._sessions() as session:
            cat = await repo.category(session, category_id)
        if cat is None:
            raise EditError(["this category does not exist (any more)"])

        def toggle(doc: dict[str, Any]) -> None:
            slugs = list(doc["categories"])
            doc["categories"] = (
                [s for s in slugs if s != cat.slug] if cat.slug in slugs else [*slugs, cat.slug]
            )

        await self._update_service(
            actor_id, service_id, "service.update", {"field": "categories", "category": cat.slug}, toggle
        )

    async def change_hours(
        self, actor_id: int, service_id: int, change: Callable[[dict[str, Any]], dict[str, Any]], what: str
    ) -> None:
        """Apply a pure change (`set_day`, `add_exception`, ...) to the service's hours."""

        def apply(doc: dict[str, Any]) -> None:
            doc["hours"] = change(dict(doc["hours"]))

        await self._update_service(actor_id, service_id, "service.hours", {"change": what}, apply)

    async def _update_service(
        self,
        actor_id: int,
        service_id: int,
        action: str,
        details: dict[str, Any],
        change: Callable[[dict[str, Any]], None],
    ) -> None:
        async with self._sessions() as session, session.begin():
            svc = await self._service(session, service_id)
            doc = await self._document(session, svc)
            change(doc)
            slugs = await repo.category_slugs(session)
            sf = _validate_service(doc, set(slugs))
            svc.provider, svc.appointment = sf.provider, sf.appointment
            svc.street, svc.postcode, svc.city = sf.address.street, sf.address.postcode, sf.address.city
            svc.lat, svc.lon = (sf.location.lat, sf.location.lon) if sf.location else (None, None)
            svc.phone, svc.email, svc.website, svc.booking_url = (
                sf.phone,
                sf.email,
                sf.website,
                sf.booking_url,
            )
            svc.languages_spoken = list(sf.languages_spoken)
            svc.free, svc.wheelchair_accessible = sf.free, sf.wheelchair_accessible
            svc.hours = jsonable(sf.hours.to_yaml_dict())
            await self._sync_categories(session, svc.id, sf.categories)
            svc.updated_at = self._clock()
            await audit.record(session, actor_id, action, "service", svc.id, details, at=self._clock())
        await self._on_change()

    async def _sync_categories(self, session: AsyncSession, service_id: int, wanted: list[str]) -> None:
        ids = {c.slug: c.id for c in await repo.categories(session)}
        have = set(await repo.service_category_ids(session, service_id))
        want = {ids[slug] for slug in wanted}
        for category_id in sorted(want - have):
            await repo.link_category(session, service_id, category_id)
        for category_id in sorted(have - want):
            await repo.unlink_category(session, service_id, category_id)

    # --- creating, hiding, deleting ---
    async def create_service(
        self,
        actor_id: int,
        *,
        name: str,
        category_id: int,
        provider: str,
        description: str,
        street: str,
        postcode: str,
        city: str,
    ) -> int:
        async with self._sessions() as session, session.begin():
            cat = await repo.category(session, category_id)
            if cat is None:
                raise EditError(["this category does not exist (any more)"])
            slug = await self._free_slug(session, Service, slugify(name))
            doc = {
                "slug": slug,
                "categories": [cat.slug],
                "provider": provider.strip(),
                "name": {SOURCE_LANGUAGE: name.strip()},
                "description": {SOURCE_LANGUAGE: description.strip()},
                "free": True,
                "appointment": "no",
                "address": {"street": street.strip(), "postcode": postcode.strip(), "city": city.strip()},
                "languages_spoken": [SOURCE_LANGUAGE],
                "wheelchair_accessible": False,
                "keywords": {SOURCE_LANGUAGE: [name.strip()]},
                "hours": {},
            }
            sf = _validate_service(doc, set(await repo.category_slugs(session)))
            svc = Service(
                slug=sf.slug,
                provider=sf.provider,
                street=sf.address.street,
                postcode=sf.address.postcode,
                city=sf.address.city,
                languages_spoken=[SOURCE_LANGUAGE],
                free=True,
                wheelchair_accessible=False,
                appointment="no",
                hours={},
                hidden=False,
                updated_at=self._clock(),
            )
            await repo.add(session, svc)
            await repo.link_category(session, svc.id, cat.id)
            for field in ("name", "description", "keywords"):
                text = "\n".join(sf.keywords[SOURCE_LANGUAGE]) if field == "keywords" else doc[field]["de"]
                await repo.put_text(
                    session, "service", svc.id, field, SOURCE_LANGUAGE, text, source_hash(text)
                )
            await audit.record(
                session, actor_id, "service.create", "service", svc.id, {"slug": slug}, at=self._clock()
            )
            new_id = svc.id
        await self._on_change()
        return new_id

    async def create_category(self, actor_id: int, *, name: str, emoji: str = "") -> int:
        async with self._sessions() as session, session.begin():
            cats = await repo.categories(session)
            slug = await self._free_slug(session, Category, slugify(name))
            position = max((c.position for c in cats), default=0) + 1
            parents: dict[str, str | None] = {c.slug: None for c in cats}
            _validate_category(
                {
                    "slug": slug,
                    "emoji": emoji.strip(),
                    "order": position,
                    "name": {SOURCE_LANGUAGE: name.strip()},
                },
                parents,
            )
            cat = Category(slug=slug, emoji=emoji.strip(), position=position, hidden=False)
            await repo.add(session, cat)
            await repo.put_text(
                session, "category", cat.id, "name", SOURCE_LANGUAGE, name.strip(), source_hash(name.strip())
            )
            await audit.record(
                session, actor_id, "category.create", "category", cat.id, {"slug": slug}, at=self._clock()
            )
            new_id = cat.id
        await self._on_change()
        return new_id

    async def set_category_emoji(self, actor_id: int, category_id: int, emoji: str) -> None:
        emoji = "" if emoji.strip() == CLEAR else emoji.strip()
        async with self._sessions() as session, session.begin():
            await self._check_category(session, category_id, emoji=emoji)
            cat = await repo.category(session, category_id)
            assert cat is not None
            cat.emoji = emoji
            await audit.record(
                session,
                actor_id,
                "category.update",
                "category",
                category_id,
                {"field": "emoji"},
                at=self._clock(),
            )
        await self._on_change()

    async def set_hidden(self, actor_id: int, owner_type: str, owner_id: int, hidden: bool) -> None:
        async with self._sessions() as session, session.begin():
            row = await (
                repo.service(session, owner_id)
                if owner_type == "service"
                else repo.category(session, owner_id)
            )
            if row is None:
                raise EditError(["this entry does not exist (any more)"])
            row.hidden = hidden
            await audit.record(
                session,
                actor_id,
                f"{owner_type}.{'hide' if hidden else 'unhide'}",
                owner_type,
                owner_id,
                {"slug": row.slug},
                at=self._clock(),
            )
        await self._on_change()

    async def delete(self, actor_id: int, owner_type: str, owner_id: int) -> str:
        """Delete a service or a category; the slug it had."""
        async with self._sessions() as session, session.begin():
            if owner_type == "service":
                svc = await repo.service(session, owner_id)
                if svc is None:
                    raise EditError(["this service does not exist (any more)"])
                slug = svc.slug
                await repo.delete_service(session, svc)
            else:
                cat = await repo.category(session, owner_id)
                if cat is None:
                    raise EditError(["this category does not exist (any more)"])
                lonely = await repo.services_only_in(session, cat.id)
                if lonely:
                    raise EditError(
                        [f"{len(lonely)} services have no other category: give them another category first"]
                    )
                slug = cat.slug
                await repo.delete_category(session, cat)
            await audit.record(
                session,
                actor_id,
                f"{owner_type}.delete",
                owner_type,
                owner_id,
                {"slug": slug},
                at=self._clock(),
            )
        await self._on_change()
        return slug

    # --- internals ---
    async def _service(self, session: AsyncSession, service_id: int) -> Service:
        svc = await repo.service(session, service_id)
        if svc is None:
            raise EditError(["this service does not exist (any more)"])
        return svc

    async def _document(self, session: AsyncSession, svc: Service) -> dict[str, Any]:
        texts = await repo.texts_of(session, "service", svc.id)
        contact_texts = {c.id: await repo.texts_of(session, "contact", c.id) for c in svc.contacts}
        cats = {c.id: c.slug for c in await repo.categories(session)}
        slugs = [cats[i] for i in await repo.service_category_ids(session, svc.id) if i in cats]
        return service_document(svc, texts, contact_texts, slugs)

    async def _touch(self, session: AsyncSession, owner_type: str, owner_id: int) -> None:
        if owner_type == "service":
            svc = await repo.service(session, owner_id)
            if svc is not None:
                svc.updated_at = self._clock()

    @staticmethod
    async def _free_slug(session: AsyncSession, model: type[Service] | type[Category], base: str) -> str:
        slug, n = base, 2
        while await repo.slug_taken(session, model, slug):
            slug, n = f"{base}-{n}", n + 1
        return slug
