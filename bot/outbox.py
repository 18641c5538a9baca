"""The one way out: everything the bot sends on its own initiative goes through the outbox.

A feature writes an outbox row (`storage.outbox.add`) in the same transaction as the change that
causes it. The `Dispatcher` claims due rows, renders each at send time with the renderer named by
its `kind` (so a late reminder can say the true remaining time, and an appointment that has begun
is recorded as missed instead of sent), sends within Telegram's limits and records the outcome:

- sent: done; the Telegram message id is kept (a volunteer post can be edited later);
- 429: every send pauses for retry_after, the row is due again after it;
- 5xx, timeouts, network errors: retried with exponential backoff, up to `MAX_ATTEMPTS`;
- 403 (the user blocked the bot): failed for good, the user is marked inactive;
- a group that became a supergroup: retried once under its new id;
- other 400s: failed for good, logged.

A dispatcher that dies between claim and send loses nothing: the claim is a lease that runs out,
and another dispatcher (or the restarted one) takes the row again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.ratelimit import RateLimiter
from storage import outbox as repo
from storage import users as users_repo
from storage.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class Outgoing:
    """What a renderer wants sent: a text (HTML), or a photo/document with the text as caption."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    photo: str | None = None  # a Telegram file_id
    document: tuple[str, bytes] | str | None = None  # (filename, bytes) or a file_id


@dataclass(frozen=True)
class Skip:
    """Do not send: `status` is MISSED (too late to matter) or CANCELLED (its cause is gone)."""

    status: OutboxStatus
    reason: str = ""


@dataclass
class RenderContext:
    session: AsyncSession
    now: dt.datetime


Renderer = Callable[[RenderContext, OutboxMessage], Awaitable[Outgoing | Skip]]
Listener = Callable[[OutboxMessage, OutboxStatus], Awaitable[None]]


async def render_text(_ctx: RenderContext, row: OutboxMessage) -> Outgoing | Skip:
    """kind "text": the payload carries the finished text and optional buttons."""
    buttons = row.payload.get("buttons")
    markup = InlineKeyboardMarkup.de_json({"inline_keyboard": buttons}, None) if buttons else None
    return Outgoing(
        row.payload["text"], markup, photo=row.payload.get("photo"), document=row.payload.get("document")
    )


@dataclass
class Dispatcher:
    sessions: async_sessionmaker[AsyncSession]
    bot: Bot
    limiter: RateLimiter
    clock: Callable[[], dt.datetime]
    renderers: dict[str, Renderer] = field(default_factory=lambda: {"text": render_text})
    listeners: dict[str, Listener] = field(default_factory=dict)  # ref_type -> called after each outcome
    on_blocked: Callable[[int], None] | None = None  # e.g. drop the user from a cache
    batch: int = 200
    concurrency: int = 32
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    def register(self, kind: str, renderer: Renderer) -> None:
        self.renderers[kind] = renderer

    def wake(self) -> None:
        """Look for due messages now (after enqueueing something due immediately)."""
        self._wake.set()

    async def run(self, idle: float = 1.0) -> None:
        """Dispatch until cancelled; sleeps until the next due message, `idle` seconds at most."""
        while True:
            try:
                sent = await self.dispatch_due()
                if sent:
                    continue
                async with self.sessions() as session:
                    due = await repo.next_due(session)
                wait = idle if due is None else min(idle, max(0.0, (due - self.clock()).total_seconds()))
            except asyncio.CancelledError:
                raise
            except Exception:  # the loop must survive a database hiccup
                log.exception("outbox dispatch failed; trying again")
                wait = idle
            self._wake.clear()
            if wait > 0:
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=wait)
                except TimeoutError:
                    pass

    async def dispatch_due(self) -> int:
        """Claim and send what is due now; returns how many rows were handled."""
        async with self.sessions() as session, session.begin():
            rows = await repo.claim(session, self.clock(), LEASE, self.batch)
        if not rows:
            return 0
        gate = asyncio.Semaphore(self.concurrency)

        async def one(row: OutboxMessage) -> None:
            async with gate:
                await self._deliver(row)

        await asyncio.gather(*(one(row) for row in rows))
        return len(rows)

    async def _deliver(self, row: OutboxMessage) -> None:
        status = await self._attempt(row)
        listener = self.listeners.get(row.ref_type or "")
        if listener is not None:  # after the outcome is committed: live reports read it
            await listener(row, status)

    async def _attempt(self, row: OutboxMessage) -> OutboxStatus:
        """Render, send and record one message; returns the status it ended in."""
        renderer = self.renderers.get(row.kind)
        async with self.sessions() as session, session.begin():
            if renderer is None:
                log.error("no renderer for outbox kind %r (message %s)", row.kind, row.id)
                return await self._record(
                    session, row, OutboxStatus.FAILED, error=f"no renderer for {row.kind}"
                )
            outgoing = await renderer(RenderContext(session, self.clock()), row)
            if isinstance(outgoing, Skip):
                return await self._record(session, row, outgoing.status, error=outgoing.reason or None)
        await self.limiter.acquire(row.chat_id)
        try:
            message = await self._send(row.chat_id, outgoing)
        except RetryAfter as exc:
            seconds = _seconds(exc.retry_after)
            self.limiter.pause(seconds)
            return await self._retry(
                row, f"429 retry after {seconds:g}s", dt.timedelta(seconds=seconds), count=False
            )
        except ChatMigrated as exc:
            async with self.sessions() as session, session.begin():
                return await self._record(
                    session,
                    row,
                    OutboxStatus.RETRY,
                    retry_at=self.clock(),
                    chat_id=exc.new_chat_id,
                    error="chat migrated to a supergroup",
                )
        except Forbidden as exc:
            async with self.sessions() as session, session.begin():
                await users_repo.mark_inactive(session, row.chat_id)
                status = await self._record(session, row, OutboxStatus.FAILED, error=f"403 {exc.message}")
            if self.on_blocked is not None:
                self.on_blocked(row.chat_id)
            return status
        except BadRequest as exc:
            log.warning("outbox message %s refused by Telegram: %s", row.id, exc.message)
            async with self.sessions() as session, session.begin():
                return await self._record(session, row, OutboxStatus.FAILED, error=f"400 {exc.message}")
        except TelegramError as exc:  # 5xx, timeouts, connection errors (NetworkError and kin)
            backoff = dt.timedelta(seconds=min(300, 2 ** max(0, row.attempts - 1)))
            return await self._retry(row, f"{type(exc).__name__}: {exc}", backoff)
        async with self.sessions() as session, session.begin():
            return await self._record(session, row, OutboxStatus.SENT, telegram_message_id=message.message_id)

    async def _send(self, chat_id: int, out: Outgoing) -> Message:
        if out.photo:
            return await self.bot.send_photo(
                chat_id, out.photo, caption=out.text, reply_markup=out.markup, parse_mode=ParseMode.HTML
            )
        if out.document:
            document = (
                InputFile(out.document[1], filename=out.document[0])
                if isinstance(out.document, tuple)
                else out.document
            )
            return await self.bot.send_document(
                chat_id, document, caption=out.text, reply_markup=out.markup, parse_mode=ParseMode.HTML
            )
        return await self.bot.send_message(
            chat_id,
            out.text,
            reply_markup=out.markup,
            parse_mode=ParseMode.HTML,
            disable_web_page_preview=True,
        )

    async def _retry(
        self, row: OutboxMessage, error: str, after: dt.timedelta, *, count: bool = True
    ) -> OutboxStatus:
        async with self.sessions() as session, session.begin():
            if count and row.attempts >= MAX_ATTEMPTS:
                return await self._record(session, row, OutboxStatus.FAILED, error=f"gave up: {error}")
            return await self._record(
                session,
                row,
                OutboxStatus.RETRY,
                error=error,
                retry_at=self.clock() + after,
                uncount=not count,
            )

    async def _record(
        self,
        session: AsyncSession,
        row: OutboxMessage,
        status: OutboxStatus,
        *,
        error: str | None = None,
        telegram_message_id: int | None = None,
        retry_at: dt.datetime | None = None,
        chat_id: int | None = None,
        uncount: bool = False,
    ) -> OutboxStatus:
        await repo.finish(
            session,
            row.id,
            status,
            now=self.clock(),
            error=error,
            telegram_message_id=telegram_message_id,
            retry_at=retry_at,
            chat_id=chat_id,
            uncount=uncount,
        )
        row.status = status.value
        row.telegram_message_id = telegram_message_id or row.telegram_message_id
        if chat_id is not None:
            row.chat_id = chat_id
        return status


def _seconds(retry_after: Any) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, dt.timedelta) else float(retry_after)
