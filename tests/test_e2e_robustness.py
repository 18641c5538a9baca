"""End to end: errors, Telegram faults, many users at once, webhook mode."""

from __future__ import annotations

import asyncio
import logging
import time

import aiohttp
import pytest
from telegram import Update
from telegram.ext import CommandHandler

from bot.i18n import translator
from bot.languages import LANGUAGES
from tests.harness import TOKEN, BotHarness


async def test_error_handler_apologises_in_the_users_language(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    async def explode(update: Update, context) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError("database on fire")

    assert bot.app is not None
    bot.app.add_handler(CommandHandler("boom", explode), group=1)
    user = bot.user("tr")
    with caplog.at_level(logging.ERROR):
        update = await user.send("/boom")
        apology = await user.wait_for(lambda m: m.text.startswith("😕"))
    assert apology.text == translator("tr").gettext(
        "😕 Sorry, something went wrong on my side. Please try again in a moment."
    )
    records = [r for r in caplog.records if r.name == "handlers.errors"]
    assert records and str(update["update_id"]) in records[0].getMessage()
    assert records[0].exc_info is not None
    assert TOKEN not in caplog.text


async def test_429_is_retried_without_losing_the_reply(bot: BotHarness) -> None:
    user = bot.user("so")
    bot.emulator.inject_fault("429", method="sendMessage", retry_after=1)
    started = time.monotonic()
    await user.send("/start")
    reply = await user.next_message(timeout=10)
    assert time.monotonic() - started >= 1.0  # waited for retry_after
    assert translator("so").gettext("🆘 Emergency numbers") in reply.button_texts
    assert len(user.messages) == 1  # exactly one reply, not lost and not doubled


async def test_many_users_at_once_each_in_their_language(bot: BotHarness) -> None:
    users = [bot.user(code) for code in LANGUAGES for _ in range(3)]
    await asyncio.gather(*(u.send("/menu") for u in users))
    replies = await asyncio.gather(*(u.next_message(timeout=15) for u in users))
    for user, reply in zip(users, replies, strict=True):
        expected = translator(user.language_code).gettext("What can I help you with? Choose below.")
        assert reply.text == expected


async def test_webhook_refuses_requests_without_the_secret(bot: BotHarness, unused_tcp_port: int) -> None:
    assert bot.app is not None and bot.app.updater is not None
    await bot.app.updater.stop()
    secret = "s3cret-webhook-token-for-tests"
    await bot.app.updater.start_webhook(
        listen="127.0.0.1",
        port=unused_tcp_port,
        url_path="hook",
        secret_token=secret,
        webhook_url=f"http://127.0.0.1:{unused_tcp_port}/hook",
    )
    user = bot.user("de")
    update = {
        "update_id": 900,
        "message": {
            "message_id": 1,
            "date": 0,
            "text": "/menu",
            "chat": {"id": user.user_id, "type": "private"},
            "from": {"id": user.user_id, "is_bot": False, "first_name": "A", "language_code": "de"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }
    url = f"http://127.0.0.1:{unused_tcp_port}/hook"
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json=update) as refused:
            assert refused.status == 403
        async with http.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}) as wrong:
            assert wrong.status == 403
        async with http.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}) as ok:
            assert ok.status == 200
    reply = await user.next_message()
    assert reply.text == translator("de").gettext("What can I help you with? Choose below.")
    await bot.app.updater.stop()
