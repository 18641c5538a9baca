"""The outbox: delivery through Telegram errors and restarts, without loss or duplicates."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select
from telegram import Bot

from bot.http import AiohttpRequest
from bot.outbox import Dispatcher, RenderContext, Skip
from bot.ratelimit import RateLimiter
from storage import outbox as repo
from storage.db import session_factory
from storage.models import OutboxMessage, OutboxStatus, User
from tests.harness import TOKEN, BotHarness


async def enqueue(
    bot: BotHarness,
    chat_id: int,
    text: str,
    key: str,
    *,
    due_in: float = 0,
    kind: str = "text",
    ref: tuple[str, int] | None = None,
) -> None:
    async with bot.app.bot_data.sessions() as session, session.begin():
        await repo.add(
            session,
            key=key,
            chat_id=chat_id,
            kind=kind,
            payload={"text": text},
            due_at=bot.clock() + dt.timedelta(seconds=due_in),
            ref_type=ref[0] if ref else None,
            ref_id=ref[1] if ref else None,
        )
    bot.app.bot_data.outbox.wake()


async def status_of(bot: BotHarness, key: str) -> OutboxMessage:
    async with bot.app.bot_data.sessions() as session:
        return await session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))


async def wait_status(bot: BotHarness, key: str, status: OutboxStatus, within: float = 5) -> OutboxMessage:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        row = await status_of(bot, key)
        if row is not None and row.status == status.value:
            return row
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{key}: {row.status if row else None}, expected {status}")
        await asyncio.sleep(0.02)


async def test_due_message_is_sent_once_and_recorded(bot: BotHarness) -> None:
    user = bot.user("de")
    await enqueue(bot, user.user_id, "Hallo <b>Welt</b>", "t:1")
    await enqueue(bot, user.user_id, "Hallo <b>Welt</b>", "t:1")  # same key: not queued twice
    message = await user.next_message()
    assert message.text == "Hallo Welt"
    row = await wait_status(bot, "t:1", OutboxStatus.SENT)
    assert row.telegram_message_id == message.message_id and row.attempts == 1
    await asyncio.sleep(0.2)
    assert len(user.messages) == 1


async def test_not_sent_before_due(bot: BotHarness) -> None:
    user = bot.user("de")
    await enqueue(bot, user.user_id, "later", "t:later", due_in=3600)
    await asyncio.sleep(0.3)
    assert user.messages == []
    bot.clock.advance(hours=1)
    bot.app.bot_data.outbox.wake()
    assert (await user.next_message()).text == "later"


async def test_429_pauses_and_retries_without_duplicates(bot: BotHarness) -> None:
    user = bot.user("de")
    bot.emulator.inject_fault("429", method="sendMessage", retry_after=2)
    await enqueue(bot, user.user_id, "after the flood", "t:429")
    row = await wait_status(bot, "t:429", OutboxStatus.RETRY)
    assert row.due_at == bot.clock() + dt.timedelta(seconds=2)
    assert user.messages == []
    bot.clock.advance(seconds=2)
    await asyncio.sleep(2.1)  # the limiter pauses real sends for retry_after as well
    bot.app.bot_data.outbox.wake()
    row = await wait_status(bot, "t:429", OutboxStatus.SENT)
    assert [m.text for m in user.messages] == ["after the flood"]
    assert row.attempts == 1  # a 429 is Telegram's pace, not a failed attempt


async def test_5xx_is_retried_with_backoff(bot: BotHarness) -> None:
    user = bot.user("de")
    bot.emulator.inject_fault("502", method="sendMessage", count=2)
    await enqueue(bot, user.user_id, "eventually", "t:5xx")
    for _ in range(50):  # let the backoff pass, again and again, until it went out
        row = await status_of(bot, "t:5xx")
        if row is not None and row.status == OutboxStatus.SENT:
            break
        bot.clock.advance(seconds=5)
        bot.app.bot_data.outbox.wake()
        await asyncio.sleep(0.1)
    assert row.attempts == 3
    assert [m.text for m in user.messages] == ["eventually"]


async def test_blocked_user_is_marked_inactive_and_not_retried(bot: BotHarness) -> None:
    user = bot.user("de")
    await user.send("/start")
    await user.next_message()
    user.block()
    await enqueue(bot, user.user_id, "you blocked me", "t:403")
    row = await wait_status(bot, "t:403", OutboxStatus.FAILED)
    assert row.last_error.startswith("403")
    async with bot.app.bot_data.sessions() as session:
        assert (await session.get(User, user.user_id)).active is False
    bot.clock.advance(hours=1)
    bot.app.bot_data.outbox.wake()
    await asyncio.sleep(0.2)
    tries = [c for c in bot.emulator.calls if c.method == "sendMessage" and "you blocked me" in str(c.params)]
    assert len(tries) == 1  # one try, never again


async def test_renderer_can_skip_as_missed(bot: BotHarness) -> None:
    async def too_late(_ctx: RenderContext, _row: OutboxMessage) -> Skip:
        return Skip(OutboxStatus.MISSED, "appointment has begun")

    bot.app.bot_data.outbox.register("late", too_late)
    user = bot.user("de")
    await enqueue(bot, user.user_id, "never", "t:missed", kind="late")
    row = await wait_status(bot, "t:missed", OutboxStatus.MISSED)
    assert row.last_error == "appointment has begun" and user.messages == []


async def test_a_dead_dispatchers_claim_runs_out_and_is_taken_again(bot: BotHarness) -> None:
    user = bot.user("de")
    async with bot.app.bot_data.sessions() as session, session.begin():
        await repo.add(
            session,
            key="t:crash",
            chat_id=user.user_id,
            kind="text",
            payload={"text": "resumed"},
            due_at=bot.clock(),
        )
        claimed = await repo.claim(session, bot.clock(), dt.timedelta(seconds=60), 10)  # then it "died"
    assert [r.key for r in claimed] == ["t:crash"]
    bot.app.bot_data.outbox.wake()
    await asyncio.sleep(0.3)
    assert user.messages == []  # the lease still holds
    bot.clock.advance(seconds=61)
    bot.app.bot_data.outbox.wake()
    assert (await user.next_message()).text == "resumed"


async def test_two_dispatchers_never_send_the_same_message(bot: BotHarness) -> None:
    """Two bot processes on one database: every message exactly once (PostgreSQL: SKIP LOCKED)."""
    users = [bot.user("de") for _ in range(20)]
    await bot.stop_bot()  # only the two dispatchers below send
    sessions = session_factory(bot.engine)
    async with sessions() as session, session.begin():
        for n in range(200):
            await repo.add(
                session,
                key=f"t:pair:{n}",
                chat_id=users[n % 20].user_id,
                kind="text",
                payload={"text": f"message {n}"},
                due_at=bot.clock(),
            )

    def dispatcher() -> Dispatcher:
        outbox_bot = Bot(
            TOKEN, base_url=bot.emulator.api_url, request=AiohttpRequest(connection_pool_size=16)
        )
        return Dispatcher(
            sessions=sessions, bot=outbox_bot, limiter=RateLimiter(0, 0), clock=bot.clock, batch=15
        )

    first, second = dispatcher(), dispatcher()
    for d in (first, second):
        await d.bot.initialize()

    async def drain(d: Dispatcher) -> None:
        while await d.dispatch_due():
            pass

    await asyncio.gather(drain(first), drain(second))
    for d in (first, second):
        await d.bot.shutdown()
    texts = sorted(m.text for u in users for m in u.messages)
    assert texts == sorted(f"message {n}" for n in range(200))
    async with sessions() as session:
        statuses = set(
            await session.scalars(select(OutboxMessage.status).where(OutboxMessage.key.like("t:pair:%")))
        )
    assert statuses == {"sent"}


async def test_cancel_for_a_cause(bot: BotHarness) -> None:
    user = bot.user("de")
    await enqueue(bot, user.user_id, "cancelled", "t:c", due_in=60, ref=("appointment", 7))
    async with bot.app.bot_data.sessions() as session, session.begin():
        assert await repo.cancel_for(session, "appointment", 7) == 1
    bot.clock.advance(seconds=61)
    bot.app.bot_data.outbox.wake()
    await asyncio.sleep(0.2)
    assert user.messages == []
    assert (await status_of(bot, "t:c")).status == OutboxStatus.CANCELLED
