"""Updates per second through the whole stack, beside a bare python-telegram-bot echo bot.

Both bots poll the same kind of Bot API emulator on loopback (no rate limit), in the same run.
Simulated users act like people: each waits for the bot's answer before the next action.
- echo bot: a PTB Application whose only handler echoes text;
- Integrationsbot: the real application on a fresh SQLite file with the sample directory, for a mix
  of /start, menu taps (services → category → service card), /menu and language switches.
Prints updates/s for both, the ratio, and handler latency (update fetched by the bot → its answer
received by the emulator) p50/p95. Run: .venv/bin/python bench/updates.py [--users 40 --actions 12]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot.app import build_application, start_in_running_loop, stop_in_running_loop
from bot.emulator import BotAPIEmulator, EmulatorEvent
from bot.i18n import translator
from bot.runner import prepare_database
from bot.settings import Settings

TOKEN = "123456:BENCH-token-for-the-emulator"
LANGS = ["ar", "uk", "fa", "de", "tr", "ti", "ru", "so"]


class Answers:
    """Signals, per chat, that the bot answered (a new or edited message)."""

    def __init__(self, emulator: BotAPIEmulator) -> None:
        self.events: dict[int, asyncio.Event] = {}
        self.at: dict[int, float] = {}
        emulator.add_listener(self._on_event)

    def _on_event(self, event: EmulatorEvent) -> None:
        if event.type in ("message", "edited") and event.chat_id is not None:
            self.at[event.chat_id] = time.monotonic()
            self.events.setdefault(event.chat_id, asyncio.Event()).set()

    async def after(self, emulator: BotAPIEmulator, chat_id: int, action) -> float:  # type: ignore[no-untyped-def]
        event = self.events.setdefault(chat_id, asyncio.Event())
        event.clear()
        update = await action()
        await asyncio.wait_for(event.wait(), timeout=30)
        return self.at[chat_id] - emulator.delivery_time(update["update_id"])


async def drive(
    emulator: BotAPIEmulator, answers: Answers, users: int, script
) -> tuple[int, float, list[float]]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []

    async def one(n: int) -> int:
        user = emulator.add_user(first_name=f"User{n}", language_code=LANGS[n % len(LANGS)])
        count = 0
        for action in script(user):
            latencies.append(await answers.after(emulator, user.user_id, action))
            count += 1
        return count

    start = time.monotonic()
    counts = await asyncio.gather(*(one(n) for n in range(users)))
    return sum(counts), time.monotonic() - start, latencies


async def echo_bot(users: int, actions: int) -> tuple[int, float, list[float]]:
    async with BotAPIEmulator(token=TOKEN) as emulator:
        answers = Answers(emulator)
        app = Application.builder().token(TOKEN).base_url(emulator.api_url).build()

        async def echo(update: Update, _context) -> None:  # type: ignore[no-untyped-def]
            await update.message.reply_text(update.message.text)

        app.add_handler(MessageHandler(filters.TEXT, echo))
        await app.initialize()
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=10)

        def script(user):  # type: ignore[no-untyped-def]
            return [lambda i=i: user.send(f"hello {i}") for i in range(actions)]

        try:
            return await drive(emulator, answers, users, script)
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()


async def integrationsbot(users: int, actions: int, db: Path) -> tuple[int, float, list[float]]:
    async with BotAPIEmulator(token=TOKEN) as emulator:
        answers = Answers(emulator)
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite:///{db}",
            telegram_api_url=emulator.api_url,
            telegram_rate_limit=0,
        )  # type: ignore[call-arg]
        await prepare_database(settings)
        app = build_application(settings, token=TOKEN)
        await start_in_running_loop(app)

        def script(user):  # type: ignore[no-untyped-def]
            tr = translator(user.language_code)
            mix = [
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
                lambda: user.press((2, 0)),  # emergency numbers in German
            ]
            return [mix[i % len(mix)] for i in range(actions)]

        try:
            return await drive(emulator, answers, users, script)
        finally:
            await stop_in_running_loop(app)


def report(name: str, result: tuple[int, float, list[float]]) -> float:
    count, seconds, latencies = result
    latencies.sort()
    rate = count / seconds
    p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000
    print(
        f"{name:<16} {count:6d} updates in {seconds:6.2f} s = {rate:7.1f} updates/s   "
        f"handler p50 {statistics.median(latencies) * 1000:6.2f} ms   p95 {p95:6.2f} ms"
    )
    return rate


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--actions", type=int, default=12)
    args = parser.parse_args()
    echo = report("echo bot", await echo_bot(args.users, args.actions))
    with tempfile.TemporaryDirectory() as tmp:
        ours = report(
            "Integrationsbot", await integrationsbot(args.users, args.actions, Path(tmp) / "bench.db")
        )
    print(f"Integrationsbot reaches {ours / echo:.0%} of the echo bot's rate (goal: at least 50%)")


if __name__ == "__main__":
    asyncio.run(main())
