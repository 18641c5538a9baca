"""Numbers for /stats and a chart of users per language (matplotlib, Agg backend, PNG bytes)."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from bot.languages import LANGUAGES
from storage import stats as repo
from storage.models import OutboxStatus

ACTIVE_DAYS = 30
LATEST_ANNOUNCEMENTS = 5
NO_LANGUAGE = "?"  # users who have not chosen a language yet


@dataclass(frozen=True)
class Reach:
    announcement_id: int
    when: dt.datetime | None
    sent: int
    failed: int  # blocked or failed for good
    pending: int

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.pending


@dataclass
class Stats:
    by_language: Counter[str] = field(default_factory=Counter)
    by_role: Counter[str] = field(default_factory=Counter)
    total: int = 0
    active: int = 0
    inactive: int = 0
    announcements: dict[str, int] = field(default_factory=dict)
    reach: list[Reach] = field(default_factory=list)


_DONE = {OutboxStatus.SENT.value}
_FAILED = {OutboxStatus.FAILED.value, OutboxStatus.MISSED.value}
_PENDING = {OutboxStatus.PENDING.value, OutboxStatus.SENDING.value, OutboxStatus.RETRY.value}


async def collect(session: AsyncSession, today: dt.date) -> Stats:
    stats = Stats()
    for lang, role, n in await repo.users_by_language_and_role(session):
        stats.by_language[lang or NO_LANGUAGE] += n
        stats.by_role[role] += n
        stats.total += n
    stats.active = await repo.active_since(session, today - dt.timedelta(days=ACTIVE_DAYS))
    stats.inactive = await repo.inactive(session)
    stats.announcements = await repo.announcements_by_status(session)
    for ann_id, when, counts in await repo.announcement_reach(session, LATEST_ANNOUNCEMENTS):
        stats.reach.append(
            Reach(
                ann_id,
                when,
                sent=sum(n for s, n in counts.items() if s in _DONE),
                failed=sum(n for s, n in counts.items() if s in _FAILED),
                pending=sum(n for s, n in counts.items() if s in _PENDING),
            )
        )
    return stats


def language_chart(by_language: Counter[str], title: str) -> bytes:
    """A horizontal bar chart of users per language, largest first, as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure  # a Figure without pyplot: no global state, thread-safe

    items = sorted(by_language.items(), key=lambda kv: (-kv[1], kv[0]))
    labels = [LANGUAGES[code].code.upper() if code in LANGUAGES else code for code, _ in items]
    values = [n for _, n in items]
    fig = Figure(figsize=(6, 0.45 * max(len(items), 3) + 1.2), dpi=100)
    ax = fig.add_subplot()
    bars = ax.barh(labels[::-1], values[::-1], color="#2f6fb0")
    ax.bar_label(bars, padding=3)
    ax.set_title(title)
    ax.spines[["top", "right"]].set_visible(False)
    ax.xaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
