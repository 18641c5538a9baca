"""Retention: the daily job purges finished outbox rows and erases inactive users; the clock moves."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.retention import PURGES, register_purge
from bot.settings import Settings
from handlers.privacy import RETENTION_JOB
from storage import outbox
from storage.db import session_factory
from storage.models import OutboxMessage, OutboxStatus, Role, User
from tests.harness import BotHarness


async def _run_job(bot: BotHarness) -> None:
    assert bot.app is not None and bot.app.job_queue is not None
    (job,) = bot.app.job_queue.get_jobs_by_name(RETENTION_JOB)
    await job.run(bot.app)


async def _outbox_statuses(bot: BotHarness) -> dict[str, str]:
    async with session_factory(bot.engine)() as session:
        rows = await session.execute(select(OutboxMessage.key, OutboxMessage.status))
        return dict(rows.all())


async def test_job_is_scheduled_daily(bot: BotHarness) -> None:
    assert bot.app is not None and bot.app.job_queue is not None
    (job,) = bot.app.job_queue.get_jobs_by_name(RETENTION_JOB)
    assert type(job.job.trigger).__name__ == "CronTrigger"


async def test_finished_outbox_rows_are_purged_after_the_retention_period(bot: BotHarness) -> None:
    start = bot.clock()
    async with session_factory(bot.engine)() as session, session.begin():
        for status in OutboxStatus:
            row = await outbox.add(
                session, key=f"old:{status}", chat_id=1, kind="text", payload={"text": "x"}, due_at=start
            )
            assert row is not None
            row.status = status.value
    bot.clock.advance(days=29)
    await _run_job(bot)
    assert len(await _outbox_statuses(bot)) == len(OutboxStatus)  # nothing is old enough yet

    bot.clock.advance(days=2)
    await _run_job(bot)
    kept = await _outbox_statuses(bot)
    assert set(kept.values()) == {"pending", "sending", "retry"}  # open rows are never purged


async def test_inactive_users_are_erased_but_staff_and_active_users_stay(bot: BotHarness) -> None:
    today = bot.clock().date()
    async with session_factory(bot.engine)() as session, session.begin():
        session.add_all(
            [
                User(id=501, role=Role.CLIENT.value, last_seen=today - dt.timedelta(days=10)),
                User(id=502, role=Role.CLIENT.value, last_seen=today - dt.timedelta(days=300)),
                User(id=503, role=Role.STAFF.value, last_seen=today - dt.timedelta(days=300)),
            ]
        )
    bot.clock.advance(days=100)
    await _run_job(bot)
    async with session_factory(bot.engine)() as session:
        ids = set(await session.scalars(select(User.id)))
    assert {501, 503} <= ids and 502 not in ids
    assert 900001 in ids  # the admin


async def test_features_plug_in_their_own_purges(bot: BotHarness) -> None:
    seen: list[dt.datetime] = []

    async def purge_something(session: AsyncSession, now: dt.datetime) -> int:
        seen.append(now)
        return await session.scalar(select(func.count()).select_from(User)) or 0

    register_purge("test: something", purge_something)
    try:
        bot.clock.advance(days=1)
        await _run_job(bot)
    finally:
        PURGES.pop("test: something")
    assert seen == [bot.clock()]


def test_settings_from_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OUTBOX_RETENTION_DAYS", "7")
    monkeypatch.setenv("INACTIVE_USER_RETENTION_DAYS", "400")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.outbox_retention_days, settings.inactive_user_retention_days) == (7, 400)
