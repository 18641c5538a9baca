"""Updates per second through the whole stack, beside a bare python-telegram-bot echo bot.

The Bot API emulator and the simulated users run in this process (they stand in for Telegram);
each bot runs in a process of its own, started the way it is started in production:
- echo bot: `bench/echo_bot.py`, a PTB Application whose only handler echoes text;
- Integrationsbot: `python -m bot run` with a token and TELEGRAM_API_URL pointing at the emulator,
  on a fresh SQLite file (migrations and the sample directory loaded at start).
Users act like people: each waits for the bot's answer before its next action. Integrationsbot gets
a mix of /start, menu taps (services → category → service card), /menu, /help and language
switches; the echo bot gets text. Then the handler time per update (PTB's `process_update`, from
the update entering the application to its last handler returning, replies included) is measured
for Integrationsbot in this process.
Run: .venv/bin/python bench/updates.py [--users 40 --actions 12]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from telegram.ext import Application

from bot.app import build_application, start_in_running_loop, stop_in_running_loop
from bot.emulator import BotAPIEmulator, EmulatedUser, EmulatorEvent
from bot.i18n import translator
from bot.runner import prepare_database
from bot.settings import Settings

TOKEN = "123456:BENCH-token-for-the-emulator"
LANGS = ["ar", "uk", "fa", "de", "tr", "ti", "ru", "so"]
ROOT = Path(__file__).resolve().parent.parent
Action = Callable[[], Awaitable[dict]]


class Answers:
    """Signals, per chat, that the bot answered (a new or an edited message)."""

    def __init__(self, emulator: BotAPIEmulator) -> None:
        self.events: dict[int, asyncio.Event] = {}
        emulator.add_listener(self._on_event)

    def _on_event(self, event: EmulatorEvent) -> None:
        if event.type in ("message", "edited") and event.chat_id is not None:
            self.events.setdefault(event.chat_id, asyncio.Event()).set()

    async def after(self, chat_id: int, action: Action) -> None:
        event = self.events.setdefault(chat_id, asyncio.Event())
        event.clear()
        await action()
        await asyncio.wait_for(event.wait(), timeout=30)


def echo_script(user: EmulatedUser, actions: int) -> list[Action]:
    return [lambda i=i: user.send(f"hello {i}") for i in range(actions)]


def bot_script(user: EmulatedUser, actions: int) -> list[Action]:
    tr = translator(user.language_code or "de")
    mix: list[Action] = [
        lambda: user.send("/start"),
        lambda: user.press(tr.gettext("🗂 Services")),
        lambda: user.press((1, 0)),  # the first category
        lambda: user.press((0, 0)),  # the first service in it
        lambda: user.send("/menu"),
        lambda: user.press(tr.gettext("🌍 Language")),
        lambda: user.press((0, 1)),  # English
        lambda: user.send("/language"),
        lambda: user.press((0, 0)),  # German
        lambda: user.send("/help"),
        lambda: user.send("/menu"),
        lambda: user.press((2, 0)),  # emergency numbers, in German by now
    ]
    return [mix[i % len(mix)] for i in range(actions)]


async def drive(emulator: BotAPIEmulator, users: int, actions: int, script) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    answers = Answers(emulator)

    async def one(n: int) -> int:
        user = emulator.add_user(first_name=f"User{n}", language_code=LANGS[n % len(LANGS)])
        steps = script(user, actions)
        for step in steps:
            await answers.after(user.user_id, step)
        return len(steps)

    start, cpu = time.monotonic(), time.process_time()
    counts = await asyncio.gather(*(one(n) for n in range(users)))
    seconds = time.monotonic() - start
    if users > 1:
        busy = (time.process_time() - cpu) / seconds
        print(f"  (Telegram side, i.e. emulator and users: {busy:.0%} of a core busy)")
    return sum(counts), seconds


async def in_own_process(command: list[str], env: dict[str, str], users: int, actions: int, script) -> float:  # type: ignore[no-untyped-def]
    """Start a bot process against a fresh emulator, warm it up, drive the users; updates/s."""
    async with BotAPIEmulator(token=TOKEN) as emulator:
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=ROOT,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            env={**os.environ, **env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": emulator.api_url},
        )
        try:
            await drive(emulator, 1, 2, script)  # warm-up: the process is up and polling
            cpu = _cpu_seconds(process.pid)
            count, seconds = await drive(emulator, users, actions, script)
            print(f"  (bot process: {(_cpu_seconds(process.pid) - cpu) / seconds:.0%} of a core busy)")
        finally:
            process.terminate()
            await process.wait()
    return count / seconds


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def handler_times(users: int, actions: int, db: Path) -> list[float]:
    """Integrationsbot in this process, timing PTB's process_update for every update."""
    seconds: list[float] = []
    original = Application.process_update

    async def timed(self: Application, update: object) -> None:
        start = time.perf_counter()
        await original(self, update)
        seconds.append(time.perf_counter() - start)

    Application.process_update = timed  # type: ignore[method-assign]
    async with BotAPIEmulator(token=TOKEN) as emulator:
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite:///{db}",
            telegram_api_url=emulator.api_url,
            telegram_rate_limit=0,
        )  # type: ignore[call-arg]
        await prepare_database(settings)
        app = build_application(settings, token=TOKEN)
        await start_in_running_loop(app)
        try:
            await drive(emulator, users, actions, bot_script)
        finally:
            await stop_in_running_loop(app)
            Application.process_update = original  # type: ignore[method-assign]
    return sorted(seconds)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--actions", type=int, default=12)
    args = parser.parse_args()
    python = sys.executable
    print(f"{args.users} users × {args.actions} actions, each waiting for the answer before the next")
    echo = await in_own_process([python, "bench/echo_bot.py"], {}, args.users, args.actions, echo_script)
    print(f"echo bot (bare PTB)    {echo:7.1f} updates/s")
    with tempfile.TemporaryDirectory() as tmp:
        env = {"DATABASE_URL": f"sqlite:///{tmp}/bench.db", "TELEGRAM_RATE_LIMIT": "0"}
        ours = await in_own_process([python, "-m", "bot", "run"], env, args.users, args.actions, bot_script)
        print(
            f"Integrationsbot        {ours:7.1f} updates/s = {ours / echo:.0%} of the echo bot (goal ≥ 50%)"
        )
        times = await handler_times(args.users, args.actions, Path(tmp) / "handlers.db")
    p95 = times[int(len(times) * 0.95) - 1] * 1000
    print(
        f"handler time per update: p50 {statistics.median(times) * 1000:.2f} ms, p95 {p95:.2f} ms "
        f"(goal p95 ≤ 20 ms), {len(times)} updates"
    )


if __name__ == "__main__":
    asyncio.run(main())
