"""A broadcast to 10,000 recipients through the outbox, against Telegram's flood control.

The Bot API emulator runs in this process and stands in for Telegram: it answers 429 (with
retry_after) to every send beyond `--limit` per second (sliding one-second window; default 30,
Telegram's documented limit, against the bot's configured 25), and about 1 % of
all sends fail with a 502. The emulator's faults are counted per injected fault, not as a
probability, so the 1 % is made by a small loop: it injects one single 502 at random moments, as a
Poisson process whose rate is 1 % of the send rate (`random.expovariate(rate / 100)` seconds
apart); each fault hits the next send. The bot (the real application, in this process) has its
outbox rate limit configured to the same `--rate`.

The announcement is created and its 10,000 outbox rows are queued by the service exactly as the
"Send now" button does (one transaction, bulk inserts in chunks). Reported: time to queue, the
achieved send rate (successful sends per second from the first to the last) against the configured
rate, recipients lost (never received it: must be 0), duplicates (received it more than once: must
be 0), 429s and 502s seen.

Run: .venv/bin/python bench/broadcast.py [--recipients 10000 --rate 25]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from bot.announcements import Draft, announcements_of
from bot.app import build_application, start_in_running_loop, stop_in_running_loop
from bot.emulator import BotAPIEmulator
from bot.settings import Settings
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import OutboxMessage, OutboxStatus, User

TOKEN = "123456:BENCH-token-for-the-emulator"
ADMIN = 900001
LANGS = ["de", "ar", "uk", "fa", "tr", "ti", "ru", "so", "en", "ps", "ku", "fr"]


async def inject_faults(emulator: BotAPIEmulator, per_second: float, stop: asyncio.Event) -> None:
    """One single 502 at random moments, `per_second` on average (a Poisson process)."""
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=random.expovariate(per_second))
        except TimeoutError:
            emulator.inject_fault("502", method="sendMessage", count=1)


async def run(recipients: int, rate: float, limit: float, tmp: Path) -> dict[str, float]:
    url = f"sqlite+aiosqlite:///{tmp / 'broadcast.db'}"
    engine = create_engine(url)
    await upgrade(engine)
    async with BotAPIEmulator(token=TOKEN) as emulator:
        ids = [emulator.add_user(language_code=None).user_id for _ in range(recipients)]
        async with session_factory(engine)() as session, session.begin():
            session.add(User(id=ADMIN, role="admin", language="de"))
            session.add_all(
                User(id=i, role="client", language=LANGS[n % len(LANGS)]) for n, i in enumerate(ids)
            )
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, admin_ids=[ADMIN], telegram_api_url=emulator.api_url, telegram_rate_limit=rate
        )
        app = build_application(settings, token=TOKEN, engine=engine)
        await start_in_running_loop(app, poll_timeout=1)
        emulator.set_rate_limit(limit)
        stop = asyncio.Event()
        faults = asyncio.create_task(inject_faults(emulator, rate / 100, stop))
        try:
            draft = Draft(text="Die Fahrradwerkstatt hat morgen von 10 bis 16 Uhr geöffnet.", fallback="de")
            draft.versions = {"uk": "Велосипедна майстерня завтра працює з 10:00 до 16:00."}
            started = time.monotonic()
            announcement_id, plan = await announcements_of(app.bot_data).submit(
                draft, actor_id=ADMIN, send_at=None, report_chat_id=None, report_message_id=None
            )
            queued = time.monotonic() - started
            app.bot_data.outbox.wake()
            assert plan.total == recipients
            while True:
                await asyncio.sleep(1)
                async with app.bot_data.sessions() as session:
                    open_rows = await session.scalar(
                        select(func.count()).where(
                            OutboxMessage.ref_id == announcement_id,
                            OutboxMessage.status.not_in([OutboxStatus.SENT.value, OutboxStatus.FAILED.value]),
                        )
                    )
                delivered = sum(1 for c in emulator.calls_to("sendMessage") if c.outcome == "ok")
                print(
                    f"  {time.monotonic() - started:6.0f} s: {delivered} delivered, {open_rows} open",
                    flush=True,
                )
                if not open_rows:
                    break
        finally:
            stop.set()
            await faults
            await stop_in_running_loop(app)
        async with session_factory(engine)() as session:
            max_attempts = await session.scalar(
                select(func.max(OutboxMessage.attempts)).where(OutboxMessage.ref_id == announcement_id)
            )
        calls = emulator.calls_to("sendMessage")
        ok = [c for c in calls if c.outcome == "ok"]
        received = Counter(int(c.chat_id) for c in ok if c.chat_id is not None)
        times = sorted(c.time for c in ok)
        span = times[-1] - times[0]
        bulk = times[int(len(times) * 0.99) - 1] - times[0]  # until 99 % were sent, without the retry tail
        return {
            "recipients": recipients,
            "queue_seconds": queued,
            "configured": rate,
            "achieved": (len(ok) - 1) / span if span else float("nan"),
            "lost": sum(1 for i in ids if received[i] == 0),
            "duplicates": sum(n - 1 for n in received.values() if n > 1),
            "429": sum(1 for c in calls if c.status == 429),
            "5xx": sum(1 for c in calls if 500 <= c.status < 600),
            "seconds": span,
            "achieved_99": (int(len(times) * 0.99) - 1) / bulk if bulk else float("nan"),
            "max_attempts": max_attempts or 0,
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=25.0, help="the bot's TELEGRAM_RATE_LIMIT")
    parser.add_argument(
        "--limit", type=float, default=30.0, help="the emulator's flood limit (Telegram: ~30)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        r = asyncio.run(run(args.recipients, args.rate, args.limit, Path(tmp)))
    print(
        f"\n{r['recipients']:,} recipients queued in {r['queue_seconds']:.2f} s; "
        f"sent in {r['seconds']:.0f} s against a flood limit of {args.limit:g}/s\n"
        f"achieved {r['achieved']:.2f} messages/s of {r['configured']:g} configured "
        f"({r['achieved'] / r['configured']:.1%}; the first 99 %: {r['achieved_99']:.2f}/s = "
        f"{r['achieved_99'] / r['configured']:.1%}); most attempts for one message {r['max_attempts']}\n"
        f"lost {r['lost']}, duplicates {r['duplicates']}; "
        f"429s {r['429']}, 502s {r['5xx']} ({r['5xx'] / r['recipients']:.2%})"
    )


if __name__ == "__main__":
    main()
