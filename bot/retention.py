"""Retention: a daily job deletes what is no longer needed (finished outbox rows, inactive users).

Features plug their own purges in (`register_purge("past appointments", fn)`), where
`fn(session, now) -> number of rows deleted` runs in a transaction of its own. Inactive users are
erased through `bot.privacy.erase_all`, so every feature's data about them goes too.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.privacy import erase_all
from bot.settings import Settings
from storage import retention as repo

log = logging.getLogger(__name__)

Purge = Callable[[AsyncSession, dt.datetime], Awaitable[int]]


PURGES: dict[str, Purge] = {}


def register_purge(name: str, purge: Purge) -> None:
    """Another feature's purge (closed help requests, past appointments); keyed by name, idempotent."""
    PURGES[name] = purge


@dataclass
class RetentionReport:
    purged: dict[str, int] = field(default_factory=dict)
    erased_users: list[int] = field(default_factory=list)


async def run_retention(
    sessions: async_sessionmaker[AsyncSession],
    now: dt.datetime,
    settings: Settings,
    *,
    today: dt.date | None = None,
) -> RetentionReport:
    """One pass; each purge and each erased user commits on its own, so one failure stops nothing else.

    Periods: `OUTBOX_RETENTION_DAYS` and `INACTIVE_USER_RETENTION_DAYS` (bot.settings).
    """
    report = RetentionReport()
    outbox_before = now - dt.timedelta(days=settings.outbox_retention_days)

    async def outbox(session: AsyncSession, _now: dt.datetime) -> int:
        return await repo.purge_finished_outbox(session, outbox_before)

    for name, purge in [("outbox", outbox), *sorted(PURGES.items())]:
        try:
            async with sessions() as session, session.begin():
                report.purged[name] = await purge(session, now)
        except Exception:
            log.exception("retention purge %r failed", name)
    cutoff = (today or now.date()) - dt.timedelta(days=settings.inactive_user_retention_days)
    async with sessions() as session:
        inactive = await repo.inactive_user_ids(session, cutoff)
    for user_id in inactive:
        try:
            async with sessions() as session, session.begin():
                await erase_all(session, user_id)
            report.erased_users.append(user_id)
        except Exception:
            log.exception("retention: erasing an inactive user failed")
    log.info("retention: purged %s, erased %d inactive users", report.purged, len(report.erased_users))
    return report
