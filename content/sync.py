"""Import a validated content directory into the database and export the database as files again.

Translated fields are `storage.models.Text` rows. The German row's `source_hash` is the hash of its own
text; a translation's `source_hash` is set to the current German hash whenever the translation is new
or its text changed. When only the German text changes, translations keep their old hash: *outdated*.

Nothing here commits: the caller owns the transaction. Only portable SQL (SQLite and PostgreSQL).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

import yaml
from pydantic import ValidationError
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.hours import OpeningHours
from content.loader import CATEGORIES_FILE, SERVICES_DIR, Directory
from content.schema import LANGS, CategoryFile, ContactFile, ServiceFile
from storage.models import Category, Contact, SavedService, Service, ServiceCategory, Text, utcnow

__all__ = [
    "CSV_TEXT_FIELDS",
    "ImportReport",
    "TranslationState",
    "dump_yaml",
    "export_csv",
    "export_directory",
    "import_directory",
    "source_hash",
    "translation_state",
]

TranslationState = Literal["up_to_date", "outdated", "missing"]
OWNER_TYPES = ("category", "service", "contact")
SERVICE_TEXT_FIELDS = ("name", "description", "audience", "fee", "appointment_info")
CSV_TEXT_FIELDS = ("name", "description")  # the translation state of these per language goes into the CSV
SOURCE = LANGS[0]


def source_hash(text: str) -> str:
    """The hash a translation records of its German source: first 16 hex digits of SHA-256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def translation_state(text: Text | None, german_hash: str) -> TranslationState:
    """"missing" without a (non-empty) row, "outdated" when made from another German text."""
    if text is None or not text.text.strip():
        return "missing"
    return "up_to_date" if text.source_hash == german_hash else "outdated"


@dataclass
class ImportReport:
    """What an import did; `changes` holds (action, kind, slug) with kind "category" or "service"."""

    changes: list[tuple[str, str, str]] = field(default_factory=list)
    not_in_files: list[tuple[str, str]] = field(default_factory=list)  # (kind, slug) kept without prune

    def _count(self, action: str) -> int:
        return sum(1 for change in self.changes if change[0] == action)

    @property
    def created(self) -> int:
        return self._count("created")

    @property
    def updated(self) -> int:
        return self._count("updated")

    @property
    def unchanged(self) -> int:
        return self._count("unchanged")

    @property
    def deleted(self) -> int:
        return self._count("deleted")

    def summary(self, *, prune: bool = False) -> str:
        """E.g. "created 2, updated 1, unchanged 14" (", deleted N" with prune)."""
        text = f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}"
        return f"{text}, deleted {self.deleted}" if prune or self.deleted else text


# --- texts ---------------------------------------------------------------------------------------------
class _Texts:
    """The Text rows of categories, services and contacts, by (owner_type, owner_id) and (field, lang)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.rows: dict[tuple[str, int], dict[tuple[str, str], Text]] = defaultdict(dict)
        self.new: list[dict[str, Any]] = []  # rows to insert in one statement by `write`

    @classmethod
    async def load(cls, session: AsyncSession) -> _Texts:
        texts = cls(session)
        for row in await session.scalars(select(Text).where(Text.owner_type.in_(OWNER_TYPES))):
            texts.rows[(row.owner_type, row.owner_id)][(row.field, row.lang)] = row
        return texts

    def translated(self, owner_type: str, owner_id: int, name: str) -> dict[str, str] | None:
        """The texts of one field, German first, then in the order of LANGS; None without any."""
        rows = {lang: row.text for (fld, lang), row in self.rows.get((owner_type, owner_id), {}).items()
                if fld == name}
        order = {lang: i for i, lang in enumerate(LANGS)}
        ordered = sorted(rows, key=lambda lang: (order.get(lang, len(order)), lang))
        return {lang: rows[lang] for lang in ordered} or None

    async def sync(self, owner_type: str, owner_id: int, fields: Mapping[str, Mapping[str, str] | None],
                   *, fresh: bool = False) -> bool:
        """Make the rows of `fields` match; `fresh`: a new owner, so rows left by an old one are reset."""
        rows = self.rows[(owner_type, owner_id)]
        changed = False
        for name, values in fields.items():
            values = values or {}
            german = values.get(SOURCE)
            current = source_hash(german) if german is not None else ""
            for lang, text in values.items():
                row = rows.get((name, lang))
                if row is None:
                    self.new.append({"owner_type": owner_type, "owner_id": owner_id, "field": name,
                                     "lang": lang, "text": text, "source_hash": current})
                    changed = True
                elif row.text != text or fresh or (lang == SOURCE and row.source_hash != current):
                    changed |= row.text != text or row.source_hash != current
                    row.text, row.source_hash = text, current
            for key in [k for k in rows if k[0] == name and k[1] not in values]:
                await self.session.delete(rows.pop(key))
                changed = True
        return changed

    async def write(self) -> None:
        """Flush, then insert the new rows (many at once: much faster than one ORM object each)."""
        await self.session.flush()
        if self.new:
            await self.session.execute(insert(Text), self.new)
            self.new = []

    async def drop(self, owner_type: str, owner_ids: Iterable[int]) -> None:
        for owner_id in owner_ids:
            for row in self.rows.pop((owner_type, owner_id), {}).values():
                await self.session.delete(row)


def _assign(obj: object, **values: Any) -> bool:
    """Set the attributes that differ; whether any did."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _jsonable(value: Any) -> Any:
    """Dates as ISO strings, tuples as lists: what a JSON column stores."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _hours_json(hours: OpeningHours | None) -> dict[str, Any] | None:
    return None if hours is None else _jsonable(hours.to_yaml_dict())


# --- import --------------------------------------------------------------------------------------------
async def import_directory(session: AsyncSession, directory: Directory, *,
                           prune: bool = False) -> ImportReport:
    """Upsert categories and services by slug (idempotent); delete the ones not in the files only with
    `prune`. Flushes, never commits."""
    report = ImportReport()
    texts = await _Texts.load(session)
    categories = {c.slug: c for c in await session.scalars(select(Category))}
    with_contacts = select(Service).options(selectinload(Service.contacts))
    services = {s.slug: s for s in await session.scalars(with_contacts)}

    await _import_categories(session, directory.categories, categories, texts, report)
    await _import_services(session, directory.services, services, categories, texts, report)
    await texts.write()

    wanted_services = {s.slug for s in directory.services}
    wanted_categories = {c.slug for c in directory.categories}
    stale_services = [s for slug, s in sorted(services.items()) if slug not in wanted_services]
    stale_categories = [c for slug, c in sorted(categories.items()) if slug not in wanted_categories]
    if not prune:
        report.not_in_files += [("category", c.slug) for c in stale_categories]
        report.not_in_files += [("service", s.slug) for s in stale_services]
        return report

    for svc in stale_services:
        await texts.drop("contact", [c.id for c in svc.contacts])
        await texts.drop("service", [svc.id])
        await session.execute(delete(ServiceCategory).where(ServiceCategory.service_id == svc.id))
        await session.execute(delete(SavedService).where(SavedService.service_id == svc.id))
        await session.delete(svc)
        report.changes.append(("deleted", "service", svc.slug))
    stale_ids = {c.id for c in stale_categories}
    for cat in categories.values():
        if cat.parent_id in stale_ids:
            cat.parent_id = None
    await session.flush()
    for cat in stale_categories:
        await texts.drop("category", [cat.id])
        await session.execute(delete(ServiceCategory).where(ServiceCategory.category_id == cat.id))
        await session.delete(cat)
        report.changes.append(("deleted", "category", cat.slug))
    await session.flush()
    return report


async def _import_categories(session: AsyncSession, files: Sequence[CategoryFile],
                             existing: dict[str, Category], texts: _Texts, report: ImportReport) -> None:
    created: set[str] = set()
    for cf in files:
        if cf.slug not in existing:
            existing[cf.slug] = Category(slug=cf.slug, emoji=cf.emoji, position=cf.order, hidden=False)
            session.add(existing[cf.slug])
            created.add(cf.slug)
    await session.flush()
    for cf in files:
        cat = existing[cf.slug]
        parent_id = existing[cf.parent].id if cf.parent else None
        changed = _assign(cat, emoji=cf.emoji, position=cf.order, parent_id=parent_id)
        changed |= await texts.sync("category", cat.id, {"name": cf.name}, fresh=cf.slug in created)
        action = "created" if cf.slug in created else "updated" if changed else "unchanged"
        report.changes.append((action, "category", cf.slug))
    await session.flush()


def _service_columns(sf: ServiceFile) -> dict[str, Any]:
    return {
        "provider": sf.provider, "street": sf.address.street, "postcode": sf.address.postcode,
        "city": sf.address.city, "lat": sf.location.lat if sf.location else None,
        "lon": sf.location.lon if sf.location else None, "phone": sf.phone, "email": sf.email,
        "website": sf.website, "booking_url": sf.booking_url, "languages_spoken": list(sf.languages_spoken),
        "free": sf.free, "wheelchair_accessible": sf.wheelchair_accessible, "appointment": sf.appointment,
        "hours": _hours_json(sf.hours),
    }


def _service_texts(sf: ServiceFile) -> dict[str, Mapping[str, str] | None]:
    fields: dict[str, Mapping[str, str] | None] = {name: getattr(sf, name) for name in SERVICE_TEXT_FIELDS}
    fields["keywords"] = {lang: "\n".join(words) for lang, words in sf.keywords.items()}
    return fields


async def _import_services(session: AsyncSession, files: Sequence[ServiceFile],
                           existing: dict[str, Service], categories: dict[str, Category], texts: _Texts,
                           report: ImportReport) -> None:
    created: set[str] = set()
    changed: dict[str, bool] = {}
    for sf in files:
        svc = existing.get(sf.slug)
        if svc is None:
            svc = existing[sf.slug] = Service(slug=sf.slug, hidden=False, contacts=[])
            session.add(svc)
            created.add(sf.slug)
        changed[sf.slug] = _assign(svc, **_service_columns(sf))
    await session.flush()

    links: dict[int, set[int]] = defaultdict(set)
    for service_id, category_id in await session.execute(
            select(ServiceCategory.service_id, ServiceCategory.category_id)):
        links[service_id].add(category_id)

    for sf in files:
        svc = existing[sf.slug]
        want = {categories[slug].id for slug in sf.categories}
        have = links[svc.id]
        for category_id in sorted(want - have):
            session.add(ServiceCategory(service_id=svc.id, category_id=category_id))
        if have - want:
            await session.execute(delete(ServiceCategory).where(
                ServiceCategory.service_id == svc.id, ServiceCategory.category_id.in_(sorted(have - want))))
        fresh = sf.slug in created
        dirty = changed[sf.slug] or want != have
        dirty |= await _sync_contacts(session, svc, sf.contacts, texts, fresh=fresh)
        dirty |= await texts.sync("service", svc.id, _service_texts(sf), fresh=fresh)
        if dirty and not fresh:
            svc.updated_at = utcnow()
        action = "created" if fresh else "updated" if dirty else "unchanged"
        report.changes.append((action, "service", sf.slug))
    await session.flush()


async def _sync_contacts(session: AsyncSession, svc: Service, files: Sequence[ContactFile], texts: _Texts,
                         *, fresh: bool) -> bool:
    """Make the contacts match by name (then by position), keeping rows so translations keep their state."""
    current = sorted(svc.contacts, key=lambda c: c.position)
    matched: list[Contact | None] = []
    free = list(current)
    for cf in files:
        same = next((c for c in free if c.name == cf.name), None)
        if same is not None:
            free.remove(same)
        matched.append(same)
    matched = [c if c is not None else (free.pop(0) if free else None) for c in matched]

    changed = False
    if free:  # more rows than files: delete them (and flush before a new row could take their id)
        await texts.drop("contact", [c.id for c in free])
        for contact in free:
            svc.contacts.remove(contact)
        await session.flush()
        changed = True
    new: set[int] = set()
    for position, (cf, contact) in enumerate(zip(files, matched, strict=True)):
        values = {"position": position, "name": cf.name, "phone": cf.phone, "email": cf.email,
                  "hours": _hours_json(cf.hours)}
        if contact is None:
            contact = Contact(**values)
            svc.contacts.append(contact)
            matched[position] = contact
            new.add(position)
            changed = True
        else:
            changed |= _assign(contact, **values)
    if new:
        await session.flush()
    for position, (cf, contact) in enumerate(zip(files, matched, strict=True)):
        assert contact is not None
        changed |= await texts.sync("contact", contact.id, {"role": cf.role}, fresh=fresh or position in new)
    return changed


# --- export --------------------------------------------------------------------------------------------
@dataclass
class _Snapshot:
    categories: list[Category]
    services: list[Service]
    category_slugs: dict[int, str]
    links: dict[int, list[str]]  # service id -> category slugs in menu order
    texts: _Texts


async def _snapshot(session: AsyncSession) -> _Snapshot:
    categories = list(await session.scalars(select(Category).order_by(Category.position, Category.slug)))
    services = list(await session.scalars(
        select(Service).options(selectinload(Service.contacts)).order_by(Service.slug)))
    rank = {c.id: i for i, c in enumerate(categories)}
    slugs = {c.id: c.slug for c in categories}
    links: dict[int, list[int]] = defaultdict(list)
    for service_id, category_id in await session.execute(
            select(ServiceCategory.service_id, ServiceCategory.category_id)):
        links[service_id].append(category_id)
    ordered = {sid: [slugs[c] for c in sorted(ids, key=lambda c: rank[c])] for sid, ids in links.items()}
    return _Snapshot(categories, services, slugs, ordered, await _Texts.load(session))


class _Flow(list[Any]):
    """A list written in flow style: [a, b]."""


class _FlowMap(dict[str, Any]):
    """A mapping written in flow style: {a: 1, b: 2}."""


class _Quoted(str):
    """A string written in double quotes."""

    __slots__ = ()


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # indent lists inside mappings, as the office writes them


_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    return dumper.represent_scalar(_STR, data, style="|" if "\n" in data else None)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Quoted, lambda d, s: d.represent_scalar(_STR, str(s), style='"'))
_Dumper.add_representer(_Flow, lambda d, s: d.represent_sequence(_SEQ, s, flow_style=True))
_Dumper.add_representer(_FlowMap, lambda d, m: d.represent_mapping(_MAP, m, flow_style=True))

_HEADER = "# Exported from the Integrationsbot database. Format: content/FORMAT.md\n"


def dump_yaml(document: Any) -> str:
    """YAML as the office writes it: UTF-8 text, keys in the given order, long texts on one line."""
    return _HEADER + yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                               default_flow_style=False, width=1_000_000)


def _quoted(value: str | None) -> _Quoted | None:
    return None if value is None else _Quoted(value)


def _slots(slots: list[list[str]]) -> _Flow:
    return _Flow(_Flow(_Quoted(t) for t in slot) for slot in slots)


def _hours_document(stored: Mapping[str, Any]) -> dict[str, Any]:
    """The stored hours in the file format; `holidays` is always written so the office sees the choice."""
    try:
        hours = OpeningHours.model_validate(stored).to_yaml_dict()
    except ValidationError:
        hours = dict(stored)  # not valid any more: write it as stored rather than lose it
    out: dict[str, Any] = {}
    if hours.get("weekly"):
        out["weekly"] = {day: _slots(v) if isinstance(v, list) else v for day, v in hours["weekly"].items()}
    out["holidays"] = hours.get("holidays", "closed")
    if hours.get("exceptions"):
        out["exceptions"] = [{k: _slots(v) if k == "slots" else v for k, v in exc.items()}
                             for exc in hours["exceptions"]]
    if "temporarily_closed" in hours:
        out["temporarily_closed"] = hours["temporarily_closed"]
    return out


def _category_document(cat: Category, snap: _Snapshot) -> dict[str, Any]:
    doc: dict[str, Any] = {"slug": cat.slug, "emoji": cat.emoji, "order": cat.position}
    if cat.parent_id is not None:
        doc["parent"] = snap.category_slugs.get(cat.parent_id)
    doc["name"] = _FlowMap(snap.texts.translated("category", cat.id, "name") or {})
    return doc


def _service_document(svc: Service, snap: _Snapshot) -> dict[str, Any]:
    def text(name: str, owner_type: str = "service", owner_id: int = svc.id) -> dict[str, str] | None:
        return snap.texts.translated(owner_type, owner_id, name)

    doc: dict[str, Any] = {"slug": svc.slug, "categories": _Flow(snap.links.get(svc.id, [])),
                           "provider": svc.provider, "name": text("name"), "description": text("description")}
    for name in ("audience", "fee"):
        if value := text(name):
            doc[name] = value
    doc["free"] = svc.free
    doc["appointment"] = _Quoted(svc.appointment)
    if value := text("appointment_info"):
        doc["appointment_info"] = value
    doc["address"] = {"street": svc.street, "postcode": _Quoted(svc.postcode), "city": svc.city}
    if svc.lat is not None and svc.lon is not None:
        doc["location"] = _FlowMap(lat=svc.lat, lon=svc.lon)
    doc |= {"phone": _quoted(svc.phone), "email": svc.email, "website": svc.website,
            "booking_url": svc.booking_url, "languages_spoken": _Flow(svc.languages_spoken or []),
            "wheelchair_accessible": svc.wheelchair_accessible,
            "keywords": {lang: _Flow(words.split("\n")) for lang, words in (text("keywords") or {}).items()}}
    contacts = []
    for contact in sorted(svc.contacts, key=lambda c: c.position):
        entry: dict[str, Any] = {"name": contact.name}
        if role := text("role", "contact", contact.id):
            entry["role"] = role
        entry |= {"phone": _quoted(contact.phone), "email": contact.email}
        if contact.hours is not None:
            entry["hours"] = _hours_document(contact.hours)
        contacts.append(entry)
    if contacts:
        doc["contacts"] = contacts
    doc["hours"] = _hours_document(svc.hours or {})
    return doc


async def export_directory(session: AsyncSession, path: str | Path) -> list[Path]:
    """Write categories.yaml and services/<slug>.yaml (content/FORMAT.md) under `path`; the written files.

    Other files already in `path` are left alone (a service file there that is not in the database
    would come back on the next import)."""
    snap = await _snapshot(session)
    documents: dict[str, Any] = {CATEGORIES_FILE: [_category_document(c, snap) for c in snap.categories]}
    for svc in snap.services:
        documents[f"{SERVICES_DIR}/{svc.slug}.yaml"] = _service_document(svc, snap)
    return _write_documents(Path(path), documents)


def _write_documents(root: Path, documents: Mapping[str, Any]) -> list[Path]:
    (root / SERVICES_DIR).mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in documents.items():
        target = root / name
        target.write_text(dump_yaml(document), encoding="utf-8")
        written.append(target)
    return written


def _csv_rows(snap: _Snapshot) -> list[list[str]]:
    header = ["slug", "name_de", "categories", "address", "phone", "email", "website", "appointment",
              "languages_spoken"]
    header += [f"{name}_{lang}" for lang in LANGS[1:] for name in CSV_TEXT_FIELDS]
    rows = [header]
    for svc in snap.services:
        own = snap.texts.rows.get(("service", svc.id), {})
        german = own.get(("name", SOURCE))
        row = [svc.slug, german.text if german else "", ", ".join(snap.links.get(svc.id, [])),
               f"{svc.street}, {svc.postcode} {svc.city}".strip(", "), svc.phone or "", svc.email or "",
               svc.website or "", svc.appointment, ", ".join(svc.languages_spoken or [])]
        for lang in LANGS[1:]:
            for name in CSV_TEXT_FIELDS:
                source = own.get((name, SOURCE))
                german_hash = source_hash(source.text) if source else ""
                row.append(translation_state(own.get((name, lang)), german_hash))
        rows.append(row)
    return rows


async def export_csv(session: AsyncSession, target: str | Path | TextIO) -> int:
    """A spreadsheet for the office: one row per service with the translation state of name and
    description per language. UTF-8 with BOM and `;` (what German Excel expects). Returns the row count."""
    rows = _csv_rows(await _snapshot(session))
    _write_csv(target, rows)
    return len(rows) - 1


def _write_csv(target: str | Path | TextIO, rows: list[list[str]]) -> None:
    if isinstance(target, str | Path):
        with Path(target).open("w", encoding="utf-8-sig", newline="") as stream:
            csv.writer(stream, delimiter=";").writerows(rows)
        return
    target.write("\ufeff")
    csv.writer(target, delimiter=";").writerows(rows)
