"""Help requests: review, publishing, the atomic claim, follow-up, cancellation, monthly summary.

Each service function owns nothing but its own changes; the caller commits (`async with
session.begin()`), so outbox rows go out exactly when the change they report is committed.
Outbox texts about a request never carry the client's name or contact: the one exception is the
"hr_assigned" message, rendered at send time for the assigned volunteer and only with consent.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import volunteers
from storage import help_requests as repo
from storage import outbox
from storage import volunteers as vol_repo
from storage.models import HelpRequest

REF = "help_request"
REMIND_BEFORE = dt.timedelta(hours=24)
ASK_CLIENT_AFTER = dt.timedelta(hours=24)  # after the date (or after taking, when flexible: a week)
FLEXIBLE_FOLLOWUP = dt.timedelta(days=7)
STALE_OPEN = dt.timedelta(hours=48)
VOLUNTEER_KINDS = ("hr_assigned", "hr_reminder")


@dataclass
class Draft:
    """What the guided flow collects (kept in user_data between steps)."""

    kind: str | None = None
    language: str | None = None
    area: str | None = None
    when: str | None = None  # ISO date, or "flex"
    part: str | None = None  # morning | afternoon | evening
    description: str = ""
    consent: bool = False
    contact: str | None = None
    on_behalf: bool = False  # staff create it for a client

    @classmethod
    def load(cls, data: dict | None) -> Draft:
        return cls(**{k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__})


@dataclass
class ClaimResult:
    won: bool
    request: HelpRequest | None = None
    others: list[int] = field(default_factory=list)


PART_HOURS = {"morning": dt.time(10, 0), "afternoon": dt.time(15, 0), "evening": dt.time(18, 30)}


def when_at(day_iso: str | None, part: str | None, tz: ZoneInfo) -> dt.datetime | None:
    """A chosen day and part of day as a local wall-clock instant; "flex" or nothing is flexible."""
    if not day_iso or day_iso == "flex":
        return None
    day = dt.date.fromisoformat(day_iso)
    return dt.datetime.combine(day, PART_HOURS.get(part or "", PART_HOURS["morning"]), tzinfo=tz).astimezone(
        dt.UTC
    )


def part_of(moment: dt.datetime, tz: ZoneInfo) -> str:
    return volunteers.slot_of(moment, tz)[1]


def is_stale(req: HelpRequest, now: dt.datetime) -> bool:
    return req.status == "open" and now - req.created_at > STALE_OPEN


async def _staff_notice(
    session: AsyncSession, req: HelpRequest, kind: str, now: dt.datetime, tag: str
) -> None:
    for staff in await vol_repo.staff_ids(session):
        await outbox.add(
            session,
            key=f"hr:{req.id}:{tag}:{staff}",
            chat_id=staff,
            kind=kind,
            payload={},
            due_at=now,
            lang=await vol_repo.user_language(session, staff),
            ref_type=REF,
            ref_id=req.id,
        )


async def submit(
    session: AsyncSession, draft: Draft, *, author_id: int, now: dt.datetime, tz: ZoneInfo
) -> HelpRequest:
    """A client's request waits for review; one staff made for a client is published at once."""
    req = await repo.create(
        session,
        kind=draft.kind or "",
        language=draft.language,
        area=draft.area,
        when_at=when_at(draft.when, draft.part, tz),
        description=draft.description[:1000],
        client_id=None if draft.on_behalf else author_id,
        contact_consent=draft.consent,
        contact_details=(draft.contact or "")[:300] or None if draft.consent else None,
        created_by=author_id,
        status="open" if draft.on_behalf else "review",
        created_at=now,
        updated_at=now,
    )
    if draft.on_behalf:
        await publish(session, req, now, tz)
    else:
        await _staff_notice(session, req, "hr_review", now, "review")
    return req


async def approve(
    session: AsyncSession, request_id: int, now: dt.datetime, tz: ZoneInfo
) -> HelpRequest | None:
    if not await repo.transition(session, request_id, ("review",), now, status="open"):
        return None
    req = await repo.get(session, request_id)
    assert req is not None
    await publish(session, req, now, tz)
    if req.client_id is not None:
        await outbox.add(
            session,
            key=f"hr:{req.id}:approved",
            chat_id=req.client_id,
            kind="hr_client_published",
            payload={},
            due_at=now,
            lang=await vol_repo.user_language(session, req.client_id),
            ref_type=REF,
            ref_id=req.id,
        )
    return req


async def publish(session: AsyncSession, req: HelpRequest, now: dt.datetime, tz: ZoneInfo) -> list[int]:
    """Post to the linked group (German) and ask matching volunteers directly; returns who was asked."""
    round_ = await repo.count_posts(session, req.id)
    group = await volunteers.group_chat(session)
    if group is not None:
        await outbox.add(
            session,
            key=f"hr:{req.id}:post:{round_}",
            chat_id=group,
            kind="hr_post",
            payload={},
            due_at=now,
            lang="de",
            ref_type=REF,
            ref_id=req.id,
        )
    already = set(await repo.asked_volunteers(session, req.id))
    need = volunteers.Need(
        skill=req.kind,
        language=req.language,
        area=req.area,
        slot=volunteers.slot_of(req.when_at, tz) if req.when_at else None,
    )
    candidates = [volunteers.Candidate.of(p) for p in await vol_repo.approved_profiles(session)]
    chosen = volunteers.match(need, candidates, volunteers.max_asked(), exclude=sorted(already))
    for user_id in chosen:
        await outbox.add(
            session,
            key=f"hr:{req.id}:offer:{user_id}",
            chat_id=user_id,
            kind="hr_offer",
            payload={},
            due_at=now,
            lang=await vol_repo.user_language(session, user_id),
            ref_type=REF,
            ref_id=req.id,
        )
    await vol_repo.mark_asked(session, chosen, now)
    return chosen


async def _assign(session: AsyncSession, req: HelpRequest, volunteer_id: int, now: dt.datetime) -> None:
    lang = await vol_repo.user_language(session, volunteer_id)
    tag = f"{volunteer_id}:{int(now.timestamp())}"
    await outbox.add(
        session,
        key=f"hr:{req.id}:assigned:{tag}",
        chat_id=volunteer_id,
        kind="hr_assigned",
        payload={"volunteer_id": volunteer_id},
        due_at=now,
        lang=lang,
        ref_type=REF,
        ref_id=req.id,
    )
    if req.when_at is not None and req.when_at > now:
        await outbox.add(
            session,
            key=f"hr:{req.id}:reminder:{tag}",
            chat_id=volunteer_id,
            kind="hr_reminder",
            payload={"volunteer_id": volunteer_id},
            due_at=max(now, req.when_at - REMIND_BEFORE),
            lang=lang,
            ref_type=REF,
            ref_id=req.id,
        )
    if req.client_id is not None:
        await repo.cancel_kinds(session, req.id, ("hr_followup",))
        after = req.when_at + ASK_CLIENT_AFTER if req.when_at else now + FLEXIBLE_FOLLOWUP
        await outbox.add(
            session,
            key=f"hr:{req.id}:followup:{tag}",
            chat_id=req.client_id,
            kind="hr_followup",
            payload={},
            due_at=max(now, after),
            lang=await vol_repo.user_language(session, req.client_id),
            ref_type=REF,
            ref_id=req.id,
        )


async def claim(session: AsyncSession, request_id: int, volunteer_id: int, now: dt.datetime) -> ClaimResult:
    """The first claim wins (conditional UPDATE); the others who were asked are told it is gone."""
    if not await repo.claim(session, request_id, volunteer_id, now):
        return ClaimResult(False, await repo.get(session, request_id))
    req = await repo.get(session, request_id)
    assert req is not None
    await _assign(session, req, volunteer_id, now)
    others = [uid for uid in await repo.asked_volunteers(session, request_id) if uid != volunteer_id]
    for uid in others:
        await outbox.add(
            session,
            key=f"hr:{req.id}:gone:{uid}:{int(now.timestamp())}",
            chat_id=uid,
            kind="hr_gone",
            payload={},
            due_at=now,
            lang=await vol_repo.user_language(session, uid),
            ref_type=REF,
            ref_id=req.id,
        )
    return ClaimResult(True, req, others)


async def release(
    session: AsyncSession, request_id: int, volunteer_id: int, now: dt.datetime, tz: ZoneInfo
) -> HelpRequest | None:
    """ "Cannot make it" / leaving a task: the request reopens, staff are told, it is offered again."""
    req = await repo.get(session, request_id)
    if req is None or req.volunteer_id != volunteer_id:
        return None
    if not await repo.transition(
        session, request_id, ("taken",), now, status="open", volunteer_id=None, taken_at=None
    ):
        return None
    await repo.cancel_kinds(session, request_id, (*VOLUNTEER_KINDS, "hr_followup"))
    req = await repo.get(session, request_id)
    assert req is not None
    await _staff_notice(session, req, "hr_released", now, f"released:{volunteer_id}:{int(now.timestamp())}")
    await publish(session, req, now, tz)
    return req


async def complete(session: AsyncSession, request_id: int, volunteer_id: int, now: dt.datetime) -> bool:
    req = await repo.get(session, request_id)
    if req is None or req.volunteer_id != volunteer_id:
        return False
    if not await repo.transition(session, request_id, ("taken",), now, status="done"):
        return False
    await repo.cancel_kinds(session, request_id, VOLUNTEER_KINDS)
    return True


async def reassign(
    session: AsyncSession, request_id: int, volunteer_id: int, now: dt.datetime
) -> HelpRequest | None:
    req = await repo.get(session, request_id)
    if req is None or req.status not in ("open", "taken") or req.volunteer_id == volunteer_id:
        return None
    previous = req.volunteer_id
    if not await repo.transition(
        session, request_id, ("open", "taken"), now, status="taken", volunteer_id=volunteer_id, taken_at=now
    ):
        return None
    await repo.cancel_kinds(session, request_id, VOLUNTEER_KINDS)
    if previous is not None:
        await _tell_withdrawn(session, request_id, previous, now)
    req = await repo.get(session, request_id)
    assert req is not None
    await _assign(session, req, volunteer_id, now)
    return req


async def _tell_withdrawn(session: AsyncSession, request_id: int, volunteer: int, now: dt.datetime) -> None:
    """Tell a volunteer the request is no longer theirs (and its contact no longer to be used)."""
    await outbox.add(
        session,
        key=f"hr:{request_id}:withdrawn:{volunteer}:{int(now.timestamp())}",
        chat_id=volunteer,
        kind="hr_withdrawn",
        payload={},
        due_at=now,
        lang=await vol_repo.user_language(session, volunteer),
        ref_type=REF,
        ref_id=request_id,
    )


async def cancel(
    session: AsyncSession, request_id: int, now: dt.datetime, *, client_id: int | None = None
) -> bool:
    """Cancelled by staff or by the client: the contact is withdrawn, nothing more goes out about it."""
    req = await repo.get(session, request_id)
    if req is None or (client_id is not None and req.client_id != client_id):
        return False
    volunteer = req.volunteer_id if req.status == "taken" else None
    if not await repo.transition(
        session,
        request_id,
        ("review", "open", "taken"),
        now,
        status="cancelled",
        contact_details=None,
        contact_consent=False,
    ):
        return False
    await outbox.cancel_for(session, REF, request_id)
    if volunteer is not None:
        await _tell_withdrawn(session, request_id, volunteer, now)
    return True


async def client_feedback(
    session: AsyncSession, request_id: int, client_id: int, happened: bool, now: dt.datetime
) -> bool:
    req = await repo.get(session, request_id)
    if req is None or req.client_id != client_id or req.status not in ("taken", "done"):
        return False
    if happened:
        await repo.transition(session, request_id, ("taken",), now, status="done")
    else:
        await _staff_notice(session, req, "hr_not_happened", now, "nothappened")
    return True


# --- monthly summary -----------------------------------------------------------------------------
@dataclass
class MonthSummary:
    month: dt.date
    by_kind: dict[str, Counter[str]]  # kind -> status -> count
    active_volunteers: int

    @property
    def total(self) -> int:
        return sum(sum(c.values()) for c in self.by_kind.values())


def month_bounds(month: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(month.replace(day=1), dt.time(0), tzinfo=tz)
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    end = dt.datetime.combine(nxt, dt.time(0), tzinfo=tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


async def month_summary(session: AsyncSession, month: dt.date, tz: ZoneInfo) -> MonthSummary:
    start, end = month_bounds(month, tz)
    rows = await repo.in_month(session, start, end)
    by_kind: dict[str, Counter[str]] = {}
    for r in rows:
        by_kind.setdefault(r.kind, Counter())[r.status] += 1
    active = len({r.volunteer_id for r in rows if r.volunteer_id is not None})
    return MonthSummary(month.replace(day=1), by_kind, active)


def summary_chart(summary: MonthSummary, labels: dict[str, str], title: str) -> bytes:
    """A stacked bar chart (requests per kind by outcome) as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    statuses = ("done", "taken", "open", "review", "cancelled")
    kinds = sorted(summary.by_kind)
    fig = Figure(figsize=(7, 4), dpi=100)
    ax = fig.subplots()
    bottom = [0] * len(kinds)
    for status in statuses:
        values = [summary.by_kind[k][status] for k in kinds]
        if any(values):
            ax.barh([labels.get(k, k) for k in kinds], values, left=bottom, label=status)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_title(title)
    if kinds:
        ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


# --- privacy -------------------------------------------------------------------------------------
async def export_for(session: AsyncSession, user_id: int) -> list[dict[str, object]]:
    return [
        {
            "id": r.id,
            "role": "client" if r.client_id == user_id else "volunteer",
            "kind": r.kind,
            "language": r.language,
            "area": r.area,
            "when": r.when_at.isoformat() if r.when_at else None,
            "description": r.description if r.client_id == user_id else None,
            "contact shared": r.contact_consent if r.client_id == user_id else None,
            "contact": r.contact_details if r.client_id == user_id else None,
            "status": r.status,
        }
        for r in await repo.involving(session, user_id)
    ]


async def erase_for(session: AsyncSession, user_id: int, now: dt.datetime, tz: ZoneInfo) -> None:
    """Client: anonymise their requests (open ones are cancelled); volunteer: release theirs."""
    for r in await repo.involving(session, user_id):
        if r.client_id == user_id:
            if r.status in ("review", "open", "taken"):
                await cancel(session, r.id, now)
            await repo.transition(
                session,
                r.id,
                tuple({"review", "open", "taken", "done", "cancelled"}),
                now,
                client_id=None,
                contact_details=None,
                contact_consent=False,
                description="",
            )
        elif r.volunteer_id == user_id:
            if r.status == "taken":
                await release(session, r.id, user_id, now, tz)
            await repo.transition(
                session, r.id, ("done", "cancelled", "open", "taken"), now, volunteer_id=None
            )
