"""Fixtures: a migrated database (SQLite always, PostgreSQL too when TEST_DATABASE_URL is set),
the Bot API emulator on loopback, and the real bot polling it."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.settings import Settings
from storage.db import create_test_engine
from storage.migrate import upgrade
from storage.models import Base
from tests.harness import BotHarness, FakeClock

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


async def _migrate(url: str, schema: str | None = None) -> None:
    eng = create_test_engine(url, schema=schema)
    await upgrade(eng)
    await eng.dispose()


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run set-up work on an event loop of its own, in a thread (the tests' loop may be running)."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated once per run; each test gets a copy (migrating per test would cost most of the suite)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    _run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[str]:
    """A PostgreSQL schema migrated once per run; each test starts from emptied tables."""
    from bot.settings import async_database_url

    url = async_database_url(PG_URL or "")
    schema = "t_" + uuid.uuid4().hex[:12]

    async def run(statement: str) -> None:
        admin = create_async_engine(url)
        async with admin.begin() as conn:
            await conn.execute(text(statement))
        await admin.dispose()

    _run(run(f'CREATE SCHEMA "{schema}"'))
    _run(_migrate(url, schema))
    yield schema
    _run(run(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
async def engine(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty database of its own for each test."""
    if backend == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        eng = create_test_engine(f"sqlite+aiosqlite:///{path}")
        yield eng
        await eng.dispose()
        return
    from bot.settings import async_database_url

    eng = create_test_engine(async_database_url(PG_URL or ""), schema=request.getfixturevalue("pg_schema"))
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with eng.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield eng
    await eng.dispose()


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
