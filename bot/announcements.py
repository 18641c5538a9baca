"""Announcements: drafts, audiences, who gets which version, sending through the outbox, live reports.

An announcement is German text (the source) plus optional versions per language, an optional photo
or document, an audience (roles × languages × topics) and a fallback for languages without a version
("de", "en" or "skip"). Confirming it writes the announcement, its texts and one outbox row per
recipient in one transaction; a scheduled announcement is simply outbox rows due later, so it
survives restarts and cancelling it cancels the rows. The dispatcher renders each row at send time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import audit
from bot.i18n import Translator, translator
from bot.languages import LANGUAGES
from content.sync import source_hash
from storage import announcements as repo
from storage import outbox as outbox_repo
from storage.models import Announcement, OutboxMessage, OutboxStatus, Role

log = logging.getLogger(__name__)

SOURCE_LANGUAGE = "de"
KIND = "announcement"
REF_TYPE = repo.REF_TYPE
FALLBACKS = ("de", "en", "skip")
AUDIENCE_ROLES = ("client", "volunteer", "staff")
ROLE_FILTER = {
    "client": (Role.CLIENT.value,),
    "volunteer": (Role.VOLUNTEER.value,),
    "staff": (Role.STAFF.value, Role.ADMIN.value),
}
CAPTION_LIMIT = 900  # Telegram allows 1024 characters in a caption; the header needs the rest
TEXT_LIMIT = 3800  # of 4096 for a message


@dataclass
class Draft:
    """What staff composed so far (kept in the persisted user_data, so it survives a restart)."""

    text: str = ""  # German source, as HTML from the staff member's formatting
    photo: str | None = None
    document: str | None = None
    versions: dict[str, str] = field(default_factory=dict)  # other languages
    fallback: str = "de"
    roles: list[str] = field(default_factory=lambda: ["client"])
    languages: list[str] = field(default_factory=list)  # empty: all
    topics: list[int] = field(default_factory=list)  # empty: no topic filter

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Draft:
        data = data or {}
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def texts(self) -> dict[str, str]:
        return {SOURCE_LANGUAGE: self.text, **{k: v for k, v in self.versions.items() if v}}

    @property
    def limit(self) -> int:
        return CAPTION_LIMIT if self.photo or self.document else TEXT_LIMIT

    def audience(self) -> dict[str, Any]:
        return {"roles": list(self.roles), "languages": list(self.languages), "topics": list(self.topics)}


def body_for(texts: dict[str, str], lang: str, fallback: str) -> tuple[str, str] | None:
    """(body, language of the body) a recipient in `lang` gets, or None when they are skipped."""
    if texts.get(lang):
        return texts[lang], lang
    if fallback in ("de", "en") and texts.get(fallback):
        return texts[fallback], fallback
    return None


def render_message(tr: Translator, office: str, body: str, body_lang: str) -> str:
    """The message exactly as a recipient in `tr.lang` sees it (also used for the preview)."""
    header = tr.gettext("📣 <b>News from the {office}</b>").format(office=tr.isolate(office))
    parts = [header, "", body]
    if body_lang != tr.lang:
        parts += ["", tr.gettext("ℹ️ This message is not yet available in your language.")]
    return "\n".join(parts)


def visible_to(audience: dict[str, Any], role: str, lang: str, topics: set[int]) -> bool:
    """Whether a person belongs to an announcement's audience (for "News")."""
    roles = {r for key in audience.get("roles", []) for r in ROLE_FILTER.get(key, ())}
    if role not in roles:
        return False
    if audience.get("languages") and lang not in audience["languages"]:
        return False
    wanted = set(audience.get("topics") or [])
    return not wanted or bool(wanted & topics)


@dataclass(frozen=True)
class Plan:
    """Recipients per language (only those who get a message) and how many are skipped."""

    per_language: dict[str, int]
    skipped: int

    @property
    def total(self) -> int:
        return sum(self.per_language.values())


def plan(
    recipients: list[tuple[int, str]], texts: dict[str, str], fallback: str
) -> tuple[Plan, list[tuple[int, str]]]:
    counts: dict[str, int] = {}
    chosen: list[tuple[int, str]] = []
    skipped = 0
    for user_id, lang in recipients:
        if body_for(texts, lang, fallback) is None:
            skipped += 1
            continue
        counts[lang] = counts.get(lang, 0) + 1
        chosen.append((user_id, lang))
    ordered = {code: counts[code] for code in LANGUAGES if code in counts}
    return Plan(ordered, skipped), chosen


@dataclass(frozen=True)
class Rendered:
    text: str
    photo: str | None
    document: str | None


@dataclass(frozen=True)
class NewsItem:
    id: int
    at: dt.datetime
    text: str


class AnnouncementService:
    """Owns the transactions of the announcement feature."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], dt.datetime],
        *,
        office: str,
        timezone: str,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._office = office
        self._timezone = timezone
        self._texts: dict[int, dict[str, str]] = {}  # texts never change once sent: cached

    async def _recipients(self, session: AsyncSession, draft: Draft) -> list[tuple[int, str]]:
        roles = [r for key in draft.roles for r in ROLE_FILTER.get(key, ())]
        if not roles:
            return []
        return await repo.recipients(session, roles, draft.languages, draft.topics)

    async def preview(self, draft: Draft) -> Plan:
        async with self._sessions() as session:
            recipients = await self._recipients(session, draft)
        return plan(recipients, draft.texts(), draft.fallback)[0]

    def render(self, lang: str, body: str, body_lang: str) -> str:
        return render_message(translator(lang, self._timezone), self._office, body, body_lang)

    async def submit(
        self,
        draft: Draft,
        *,
        actor_id: int,
        send_at: dt.datetime | None,
        report_chat_id: int | None,
        report_message_id: int | None,
    ) -> tuple[int, Plan]:
        """Store the announcement and queue one message per recipient, in one transaction.

        `send_at` None: now. Returns the announcement id and the plan it was queued with.
        """
        now = self._clock()
        due = send_at or now
        async with self._sessions() as session, session.begin():
            recipients = await self._recipients(session, draft)
            texts = draft.texts()
            the_plan, chosen = plan(recipients, texts, draft.fallback)
            announcement = await repo.create(
                session,
                created_by=actor_id,
                created_at=now,
                status="scheduled" if send_at else "sending",
                scheduled_at=due,
                audience={**draft.audience(), "skipped": the_plan.skipped, "total": the_plan.total},
                fallback=draft.fallback,
                photo_file_id=draft.photo,
                document_file_id=draft.document,
                report_chat_id=report_chat_id,
                report_message_id=report_message_id,
            )
            german_hash = source_hash(draft.text)
            await repo.add_texts(session, announcement.id, texts, {lang: german_hash for lang in texts})
            await repo.enqueue_bulk(session, announcement.id, chosen, due_at=due, now=now, kind=KIND)
            await audit.record(
                session,
                actor_id,
                "announcement.schedule" if send_at else "announcement.send",
                "announcement",
                announcement.id,
                {
                    "recipients": the_plan.total,
                    "per_language": the_plan.per_language,
                    "due": due.isoformat(),
                    **draft.audience(),
                },
                at=now,
            )
            if not chosen:
                announcement.status = "sent"
                announcement.sent_at = now
            return announcement.id, the_plan

    async def cancel(self, announcement_id: int, actor_id: int) -> bool:
        """Withdraw a scheduled announcement: its outbox rows are cancelled. False if not scheduled."""
        async with self._sessions() as session, session.begin():
            announcement = await repo.get(session, announcement_id)
            if announcement is None or announcement.status != "scheduled":
                return False
            cancelled = await outbox_repo.cancel_for(session, REF_TYPE, announcement_id)
            await repo.set_status(session, announcement_id, "cancelled")
            await audit.record(
                session,
                actor_id,
                "announcement.cancel",
                "announcement",
                announcement_id,
                {"messages": cancelled},
                at=self._clock(),
            )
            return True

    async def scheduled(self) -> list[tuple[Announcement, str]]:
        """Scheduled announcements with the start of their German text."""
        async with self._sessions() as session:
            items = await repo.by_status(session, ["scheduled"])
            texts = await repo.texts_for(session, [a.id for a in items])
        return [(a, texts.get(a.id, {}).get(SOURCE_LANGUAGE, "")) for a in items]

    async def language_of(self, user_id: int | None) -> str:
        """The language a staff member reads reports in."""
        async with self._sessions() as session:
            lang = await repo.language_of(session, user_id) if user_id is not None else None
        return lang if lang in LANGUAGES else SOURCE_LANGUAGE

    async def get(self, announcement_id: int) -> Announcement | None:
        async with self._sessions() as session:
            return await repo.get(session, announcement_id)

    async def _texts_of(self, session: AsyncSession, announcement_id: int) -> dict[str, str]:
        texts = self._texts.get(announcement_id)
        if texts is None:
            texts = (await repo.texts_for(session, [announcement_id])).get(announcement_id, {})
            if len(self._texts) > 100:
                self._texts.clear()
            self._texts[announcement_id] = texts
        return texts

    async def message_for(self, session: AsyncSession, row: OutboxMessage) -> Rendered | None:
        """The message for one outbox row at send time; None when it must not go out (cancelled)."""
        announcement = await repo.get(session, row.ref_id or 0)
        if announcement is None or announcement.status == "cancelled":
            return None
        lang = row.lang if row.lang in LANGUAGES else SOURCE_LANGUAGE
        chosen = body_for(await self._texts_of(session, announcement.id), lang, announcement.fallback)
        if chosen is None:
            return None
        return Rendered(self.render(lang, *chosen), announcement.photo_file_id, announcement.document_file_id)

    async def news(self, *, lang: str, role: str, topics: set[int], limit: int = 5) -> list[NewsItem]:
        """The latest announcements this person belongs to the audience of, in their language."""
        async with self._sessions() as session:
            candidates = await repo.latest(session, ["sending", "sent"], limit * 4)
            shown = [a for a in candidates if visible_to(a.audience or {}, role, lang, topics)]
            texts = await repo.texts_for(session, [a.id for a in shown])
        items = []
        for a in shown:
            chosen = body_for(texts.get(a.id, {}), lang, a.fallback)
            if chosen is not None:
                items.append(NewsItem(a.id, a.scheduled_at or a.created_at, chosen[0]))
        return items[:limit]

    async def report(self, announcement_id: int) -> tuple[Announcement, dict[tuple[str, str], int]] | None:
        """The announcement and its delivery counts; marks it sent once nothing is pending."""
        async with self._sessions() as session, session.begin():
            announcement = await repo.get(session, announcement_id)
            if announcement is None:
                return None
            counts = await repo.delivery_counts(session, announcement_id)
            pending = sum(n for (_lang, bucket), n in counts.items() if bucket == "pending")
            if announcement.status in ("scheduled", "sending"):
                status = "sent" if pending == 0 else "sending"
                if status != announcement.status:
                    announcement.status = status
                    if status == "sent":
                        announcement.sent_at = self._clock()
            return announcement, counts


def report_text(
    tr: Translator, announcement: Announcement, counts: dict[tuple[str, str], int]
) -> tuple[str, bool]:
    """The live report (or, once nothing is pending, the final summary); returns (text, final)."""
    totals = {b: 0 for b in repo.BUCKETS}
    per_lang: dict[str, dict[str, int]] = {}
    for (lang, bucket), n in counts.items():
        totals[bucket] += n
        per_lang.setdefault(lang, {b: 0 for b in repo.BUCKETS})[bucket] = n
    final = totals["pending"] == 0
    if announcement.status == "cancelled":
        title = tr.gettext("📣 <b>Announcement #{id}</b>: cancelled").format(id=announcement.id)
    elif final:
        title = tr.gettext("✅ <b>Announcement #{id}</b>: delivery finished").format(id=announcement.id)
    else:
        title = tr.gettext("📣 <b>Announcement #{id}</b>: sending …").format(id=announcement.id)
    line = tr.gettext(
        "{language}: ✅ {sent} sent · 🚫 {blocked} blocked · ⚠️ {failed} failed · ⏳ {pending} pending"
    )
    lines = [title, ""]
    for code in sorted(per_lang, key=lambda c: list(LANGUAGES).index(c) if c in LANGUAGES else 99):
        c = per_lang[code]
        name = LANGUAGES[code].native_name if code in LANGUAGES else code
        lines.append(line.format(language=tr.isolate(name), **{k: tr.number(v) for k, v in c.items()}))
    lines += [
        "",
        tr.gettext(
            "<b>Total</b>: ✅ {sent} sent · 🚫 {blocked} blocked · ⚠️ {failed} failed · ⏳ {pending} pending"
        ).format(**{k: tr.number(v) for k, v in totals.items()}),
    ]
    skipped = int((announcement.audience or {}).get("skipped", 0))
    if skipped:
        lines.append(
            tr.ngettext(
                "{count} recipient skipped (no version in their language).",
                "{count} recipients skipped (no version in their language).",
                skipped,
            ).format(count=tr.number(skipped))
        )
    return "\n".join(lines), final


Edit = Callable[[int, int, str], Awaitable[None]]


class LiveReports:
    """Keeps each staff member's report message up to date as outbox outcomes arrive.

    At most one edit per `interval` seconds per report: an outcome inside the interval schedules
    one deferred edit that reads the counts afresh, so the last outcome is always shown.
    """

    def __init__(
        self,
        service: AnnouncementService,
        edit: Edit,
        language_of: Callable[[int | None], Awaitable[str]],
        *,
        timezone: str,
        interval: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._service = service
        self._edit = edit
        self._language_of = language_of
        self._timezone = timezone
        self._interval = interval
        self._now = monotonic
        self._last: dict[int, float] = {}
        self._timers: dict[int, asyncio.Task[None]] = {}

    async def on_outcome(self, row: OutboxMessage, _status: OutboxStatus) -> None:
        if row.ref_id is None:
            return
        await self.poke(row.ref_id)

    async def poke(self, announcement_id: int) -> None:
        if announcement_id in self._timers:
            return  # an edit is already due; it reads fresh counts
        wait = self._last.get(announcement_id, float("-inf")) + self._interval - self._now()
        if wait > 0:
            self._timers[announcement_id] = asyncio.create_task(self._later(announcement_id, wait))
            return
        await self._update(announcement_id)

    async def _later(self, announcement_id: int, wait: float) -> None:
        await asyncio.sleep(wait)
        self._timers.pop(announcement_id, None)
        await self._update(announcement_id)

    async def _update(self, announcement_id: int) -> None:
        self._last[announcement_id] = self._now()
        try:
            found = await self._service.report(announcement_id)
            if found is None:
                return
            announcement, counts = found
            if announcement.report_chat_id is None or announcement.report_message_id is None:
                return
            tr = translator(await self._language_of(announcement.created_by), self._timezone)
            text, final = report_text(tr, announcement, counts)
            await self._edit(announcement.report_chat_id, announcement.report_message_id, text)
            if final:
                self._last.pop(announcement_id, None)
        except Exception:  # a report must never break delivery
            log.exception("could not update the report of announcement %s", announcement_id)

    def close(self) -> None:
        for task in self._timers.values():
            task.cancel()
        self._timers.clear()


def announcements_of(state: Any) -> AnnouncementService:
    """The application's announcement service (`context.bot_data`), created on first use."""
    service = getattr(state, "announcements", None)
    if service is None:
        settings = state.settings
        service = AnnouncementService(
            state.sessions, state.clock, office=settings.office_name, timezone=settings.timezone
        )
        state.announcements = service
    return service
