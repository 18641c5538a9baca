"""Run the real bot against the Bot API emulator, as Telegram would talk to it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import Application

from bot.app import build_application, start_in_running_loop, stop_in_running_loop
from bot.emulator import BotAPIEmulator
from bot.settings import Settings

TOKEN = "123456:TEST-token-for-the-emulator"


class FakeClock:
    """The bot's notion of now; tests move it."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


class BotHarness:
    def __init__(self, *, engine: AsyncEngine, settings: Settings, clock: FakeClock) -> None:
        self.engine = engine
        self.clock = clock
        self.emulator = BotAPIEmulator(token=TOKEN, bot_username="integrationsbot_test")
        self._settings = settings
        self.app: Application | None = None
        self._emulator_running = False

    @property
    def settings(self) -> Settings:
        return self._settings.model_copy(update={"telegram_api_url": self.emulator.api_url})

    async def start(self) -> None:
        if not self._emulator_running:
            await self.emulator.start()
            self._emulator_running = True
        self.app = build_application(self.settings, token=TOKEN, engine=self.engine, clock=self.clock)
        await start_in_running_loop(self.app, poll_timeout=1)

    async def stop_bot(self) -> None:
        if self.app is None:
            return
        await stop_in_running_loop(self.app)
        self.app = None

    async def restart(self) -> None:
        """Stop the bot process's application and build a new one on the same database."""
        await self.stop_bot()
        await self.start()

    async def stop(self) -> None:
        await self.stop_bot()
        await self.emulator.stop()

    def user(self, language_code: str | None = "de", **kwargs):  # type: ignore[no-untyped-def]
        return self.emulator.add_user(language_code=language_code, **kwargs)
