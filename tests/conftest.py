"""Fixtures: a migrated database (SQLite always, PostgreSQL too when TEST_DATABASE_URL is set),
the Bot API emulator on loopback, and the real bot polling it."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.settings import Settings
from storage.db import create_test_engine
from storage.migrate import upgrade
from tests.harness import BotHarness, FakeClock

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def engine(backend: str, tmp_path) -> AsyncIterator[AsyncEngine]:
    """A freshly migrated database of its own for each test."""
    if backend == "sqlite":
        eng = create_test_engine(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
        await upgrade(eng)
        yield eng
        await eng.dispose()
        return
    from bot.settings import async_database_url

    url = async_database_url(PG_URL or "")
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_async_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng = create_test_engine(url, schema=schema)
    await upgrade(eng)
    yield eng
    await eng.dispose()
    async with admin.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await admin.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC))


@pytest.fixture
def settings() -> Settings:
    return Settings(_env_file=None, admin_ids=[900001], telegram_api_url="http://127.0.0.1:1/bot")  # type: ignore[call-arg]


@pytest.fixture
async def bot(engine: AsyncEngine, settings: Settings, clock: FakeClock) -> AsyncIterator[BotHarness]:
    """The real application polling the emulator; `bot.emulator` makes users, `bot.restart()` restarts."""
    harness = BotHarness(engine=engine, settings=settings, clock=clock)
    await harness.start()
    yield harness
    await harness.stop()


@pytest.fixture
async def content_bot(engine: AsyncEngine, settings: Settings, clock: FakeClock) -> AsyncIterator[BotHarness]:
    """The bot with the bundled sample directory imported, as `make run` starts it."""
    from bot.runner import prepare_database

    await prepare_database(settings, engine)
    harness = BotHarness(engine=engine, settings=settings, clock=clock)
    await harness.start()
    yield harness
    await harness.stop()
