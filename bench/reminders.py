"""Appointment reminders at scale: creation, dispatcher throughput, lateness, memory (issue 4).

In one process: a fresh database (SQLite file, or DATABASE_URL), the Bot API emulator and the real
application (`bot.app.build_application`, outbox dispatcher included) polling it.
1. creation: N appointments with the default two reminders each (the evening before at 18:00, two
   hours before), through `AppointmentService.create_many` in transactions of 1,000, and a sample
   of 1,000 through `AppointmentService.create` (one transaction each, as staff create them);
2. memory: VmRSS of this process with the application running and all reminders pending;
3. throughput: M reminders due at once to M chats, emulator rate limit lifted, the dispatcher's
   limiter lifted too: reminders per second until all are recorded as sent;
4. lateness: reminders due at R per second for S seconds while the emulator accepts 30 messages a
   second (`emulator.set_rate_limit(30)`) and the dispatcher keeps its configured limit (25/s):
   sent_at - due_at, p50 and p99.
Run: .venv/bin/python bench/reminders.py [--appointments 100000 --throughput 10000 --rate 20 --seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import build_application, start_in_running_loop, stop_in_running_loop  # noqa: E402
from bot.appointments import AppointmentService, Draft  # noqa: E402
from bot.emulator import BotAPIEmulator  # noqa: E402
from bot.ratelimit import RateLimiter  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage.db import create_engine, session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import OutboxMessage, User  # noqa: E402

TOKEN = "123456:BENCH-token-for-the-emulator"
CLIENTS = 10_000  # clients of the created appointments (10 appointments each by default)


class ShiftedClock:
    """Real time plus a shift the benchmark moves forward."""

    def __init__(self) -> None:
        self.shift = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.shift


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def add_users(sessions, first_id: int, count: int, today: dt.date) -> None:  # type: ignore[no-untyped-def]
    rows = [
        {"id": first_id + n, "language": "ar", "role": "client", "active": True, "last_seen": today}
        for n in range(count)
    ]
    async with sessions() as session, session.begin():
        for start in range(0, count, 5000):
            await session.execute(insert(User), rows[start : start + 5000])


async def wait_sent(sessions, ids_from: int, count: int, limit: float) -> float:  # type: ignore[no-untyped-def]
    """Seconds until `count` outbox rows with id >= ids_from are sent."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        async with sessions() as session:
            sent = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.id >= ids_from, OutboxMessage.status.in_(("sent", "failed", "missed")))
            )
        if sent >= count:
            return time.perf_counter() - started
        await asyncio.sleep(0.05)
    raise TimeoutError(f"only {sent} of {count} sent")


async def max_outbox_id(sessions) -> int:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return int(await session.scalar(select(func.max(OutboxMessage.id))) or 0)


async def main(args: argparse.Namespace) -> dict[str, str]:
    tmp = tempfile.mkdtemp(prefix="bench-reminders-")
    url = os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{tmp}/bench.db"
    engine = create_engine(url)
    await upgrade(engine)
    sessions = session_factory(engine)
    clock = ShiftedClock()
    settings = Settings(_env_file=None, admin_ids=[1], database_url=url)  # type: ignore[call-arg]
    service = AppointmentService(sessions, clock, settings.tz)
    today = clock().date()
    await add_users(sessions, 1, 1, today)  # the staff member
    await add_users(sessions, 1_000_000, CLIENTS, today)
    results: dict[str, str] = {"database": engine.dialect.name}

    # 1. creation
    base = clock() + dt.timedelta(days=2)
    started = time.perf_counter()
    batch: list[Draft] = []
    for n in range(args.appointments):
        starts = base + dt.timedelta(minutes=15 * (n % 2000), days=n % 28)
        batch.append(Draft(title=f"Termin {n}", starts_at=starts, client_id=1_000_000 + n % CLIENTS))
        if len(batch) == 1000:
            await service.create_many(batch, created_by=1)
            batch = []
    if batch:
        await service.create_many(batch, created_by=1)
    bulk = time.perf_counter() - started
    pending = await max_outbox_id(sessions)
    results["created"] = f"{args.appointments:,} appointments, {pending:,} pending reminders"
    results["creation (batches of 1,000)"] = f"{bulk:.1f} s ({args.appointments / bulk:,.0f} appointments/s)"
    started = time.perf_counter()
    for n in range(1000):
        await service.create(
            Draft(title="single", starts_at=base + dt.timedelta(hours=n), client_id=1_000_000 + n),
            created_by=1,
        )
    single = time.perf_counter() - started
    results["creation (one transaction each, 1,000)"] = f"{single * 1000 / 1000:.2f} ms per appointment"

    # 2. memory with everything pending and the application running
    emulator = BotAPIEmulator(token=TOKEN, bot_username="integrationsbot_bench", record_calls=False)
    await emulator.start()
    app_settings = settings.model_copy(update={"telegram_api_url": emulator.api_url})
    app = build_application(app_settings, token=TOKEN, engine=engine, clock=clock)
    await start_in_running_loop(app, poll_timeout=1)
    await asyncio.sleep(2)
    results["resident memory, app running, reminders pending"] = f"{rss_mb():.0f} MB"

    # 3. throughput: M reminders due at once, limits lifted
    first_chat = 5_000_000
    await add_users(sessions, first_chat, args.throughput, today)
    for n in range(args.throughput):
        emulator.add_user(user_id=first_chat + n, language_code="ar")
    emulator.set_rate_limit(None)
    app.bot_data.outbox.limiter = RateLimiter(0, 0)
    await service.set_default_offsets([120])
    from_id = await max_outbox_id(sessions) + 1
    soon = clock() + dt.timedelta(hours=3)
    await service.create_many(
        [Draft(title="Jobcenter", starts_at=soon, client_id=first_chat + n) for n in range(args.throughput)],
        created_by=1,
    )
    clock.shift += dt.timedelta(hours=1, seconds=1)  # all of them due now
    app.bot_data.outbox.wake()
    took = await wait_sent(sessions, from_id, args.throughput, limit=600)
    results["dispatcher throughput (limits lifted)"] = (
        f"{args.throughput / took:,.0f} reminders/s ({args.throughput:,} in {took:.1f} s)"
    )

    # 4. lateness while the emulator accepts 30 messages/s and the dispatcher keeps 25/s
    emulator.set_rate_limit(30)
    app.bot_data.outbox.limiter = RateLimiter(app_settings.telegram_rate_limit, 1.0)
    await service.set_default_offsets([30])
    count = int(args.rate * args.seconds)
    from_id = await max_outbox_id(sessions) + 1
    first_due = clock() + dt.timedelta(seconds=5)
    await service.create_many(
        [
            Draft(
                title="Ausländerbehörde",
                starts_at=first_due + dt.timedelta(seconds=n / args.rate, minutes=30),
                client_id=first_chat + n % args.throughput,
            )
            for n in range(count)
        ],
        created_by=1,
    )
    app.bot_data.outbox.wake()
    await wait_sent(sessions, from_id, count, limit=args.seconds + 120)
    async with sessions() as session:
        rows = (
            await session.execute(
                select(OutboxMessage.due_at, OutboxMessage.sent_at, OutboxMessage.status).where(
                    OutboxMessage.id >= from_id
                )
            )
        ).all()
    late = sorted((sent - due).total_seconds() for due, sent, status in rows if status == "sent")
    p50 = statistics.median(late)
    p99 = late[min(len(late) - 1, int(len(late) * 0.99))]
    results[f"lateness, {args.rate:g} reminders/s for {args.seconds} s, emulator at 30/s"] = (
        f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {late[-1] * 1000:.0f} ms ({len(late)} sent)"
    )
    results["resident memory at the end"] = f"{rss_mb():.0f} MB"
    await stop_in_running_loop(app)
    await emulator.stop()
    return results


def append_readme(results: dict[str, str], args: argparse.Namespace) -> None:
    lines = [
        "",
        "## `bench/reminders.py` — appointment reminders (issue 4)",
        "",
        "```sh",
        ".venv/bin/python bench/reminders.py [--appointments 100000 --throughput 10000 --rate 20 "
        "--seconds 30]",
        "```",
        f"Measured {dt.date.today():%Y-%m-%d} with --appointments {args.appointments} --throughput "
        f"{args.throughput} --rate {args.rate:g} --seconds {args.seconds} (see the module docstring).",
        "",
        "| measure | result |",
        "|---|---|",
        *[f"| {name} | {value} |" for name, value in results.items()],
        "",
    ]
    readme = ROOT / "bench" / "README.md"
    readme.write_text(readme.read_text().rstrip("\n") + "\n" + "\n".join(lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--appointments", type=int, default=100_000)
    parser.add_argument("--throughput", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument(
        "--no-readme", action="store_true", help="print only, do not append to bench/README.md"
    )
    arguments = parser.parse_args()
    figures = asyncio.run(main(arguments))
    for name, value in figures.items():
        print(f"{name}: {value}")
    if not arguments.no_readme:
        append_readme(figures, arguments)
