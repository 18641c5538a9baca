"""Crash safety: SIGKILL the bot process in the middle of a broadcast, start it again.

The broadcast completes, nobody is lost, and duplicates are at most the sends that were in flight at
the kill (the dispatcher sends at most `concurrency` = 32 messages at once).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import signal
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import select, update

from bot.announcements import AnnouncementService, Draft
from bot.emulator import BotAPIEmulator
from bot.settings import async_database_url
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import OutboxMessage, OutboxStatus, User
from tests.harness import TOKEN

ROOT = Path(__file__).resolve().parent.parent
RECIPIENTS = 500
ADMIN = 900001
CONCURRENCY = 32  # bot.outbox.Dispatcher.concurrency


async def _start(emulator: BotAPIEmulator, url: str) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": emulator.api_url,
        "DATABASE_URL": url,
        "ADMIN_IDS": str(ADMIN),
        "TELEGRAM_RATE_LIMIT": "400",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


def _delivered(emulator: BotAPIEmulator) -> Counter[int]:
    return Counter(
        int(c.chat_id)
        for c in emulator.calls_to("sendMessage")
        if c.outcome == "ok" and c.chat_id is not None
    )


async def _wait(predicate, within: float) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + within
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_sigkill_during_a_broadcast_loses_nobody(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    engine = create_engine(async_database_url(url))
    await upgrade(engine)
    sessions = session_factory(engine)
    async with BotAPIEmulator(token=TOKEN) as emulator:
        ids = [emulator.add_user(language_code="de").user_id for _ in range(RECIPIENTS)]
        async with sessions() as session, session.begin():
            session.add(User(id=ADMIN, role="admin", language="de"))
            session.add_all(User(id=i, role="client", language="de") for i in ids)
        service = AnnouncementService(
            sessions, lambda: dt.datetime.now(dt.UTC), office="Integrationsbüro", timezone="Europe/Berlin"
        )
        announcement_id, plan = await service.submit(
            Draft(text="Crash-Test"),
            actor_id=ADMIN,
            send_at=None,
            report_chat_id=None,
            report_message_id=None,
        )
        assert plan.total == RECIPIENTS

        kill_after = random.randint(RECIPIENTS // 10, RECIPIENTS * 3 // 4)
        process = await _start(emulator, url)
        try:
            await _wait(lambda: sum(_delivered(emulator).values()) >= kill_after, within=30)
            process.send_signal(signal.SIGKILL)
            await process.wait()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        at_kill = sum(_delivered(emulator).values())
        async with sessions() as session, session.begin():
            # The killed process's claims are leases of 60 s; let them run out instead of waiting.
            leased = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.SENDING.value)
                .values(claimed_until=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
            )
            in_flight_claims = leased.rowcount
        process = await _start(emulator, url)
        try:
            await _wait(lambda: len(_delivered(emulator)) == RECIPIENTS, within=40)
            async with sessions() as session:

                async def open_rows() -> int:
                    rows = await session.scalars(
                        select(OutboxMessage.id).where(
                            OutboxMessage.ref_id == announcement_id,
                            OutboxMessage.status != OutboxStatus.SENT.value,
                        )
                    )
                    return len(list(rows))

                for _ in range(200):
                    if await open_rows() == 0:
                        break
                    await asyncio.sleep(0.05)
                assert await open_rows() == 0
        finally:
            process.terminate()
            await process.wait()
        delivered = _delivered(emulator)
        lost = [i for i in ids if delivered[i] == 0]
        duplicates = sum(n - 1 for n in delivered.values() if n > 1)
        print(f"killed after {at_kill} sends ({in_flight_claims} claimed rows); duplicates {duplicates}")
        assert lost == []
        assert duplicates <= CONCURRENCY
    await engine.dispose()
