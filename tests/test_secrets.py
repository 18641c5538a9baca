"""Secrets: the bot token and the webhook secret never reach logs, error messages or chats."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError
from telegram import Update
from telegram.ext import CommandHandler

from bot.logs import RedactingFormatter
from bot.settings import Settings
from tests.harness import TOKEN, BotHarness

SECRET_PART = TOKEN.split(":", 1)[1]


def _everything_users_saw(bot: BotHarness) -> str:
    texts = []
    for chat in bot.emulator.chats.values():
        texts += [m.content for m in chat.messages]
    texts += [a.text or "" for a in bot.emulator.callback_answers]
    return "\n".join(texts)


async def test_token_never_in_logs_or_error_messages(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    async def explode(update: Update, context) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError(f"failed while talking to {context.bot.base_url}")  # as a careless library might

    assert bot.app is not None
    bot.app.add_handler(CommandHandler("boom", explode), group=1)
    user = bot.user("ar")
    with caplog.at_level(logging.DEBUG):
        await user.send("/boom")
        await user.wait_for(lambda m: m.text.startswith("😕"))
        bot.emulator.inject_fault("400", method="sendMessage", description="Bad Request: chat not found")
        await user.send("/menu")  # a Telegram error while answering
        bot.emulator.inject_fault("500", method="sendMessage")
        await user.send("/emergency")
        await user.settle(quiet=0.5)
    formatter = RedactingFormatter("%(name)s %(message)s", [TOKEN])
    formatted = "\n".join(formatter.format(r) for r in caplog.records)  # with tracebacks, as logged
    errors = [r for r in caplog.records if r.name == "handlers.errors"]
    assert errors, "the forced error was not logged"
    assert "Traceback" in formatted and SECRET_PART not in formatted
    info_and_above = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert SECRET_PART not in info_and_above  # even without the redacting formatter
    assert SECRET_PART not in _everything_users_saw(bot)


def test_redacting_formatter_hides_token_and_webhook_secret_in_tracebacks() -> None:
    secret = "s3cret-webhook-token-for-tests"
    formatter = RedactingFormatter("%(message)s", [TOKEN, secret])
    try:
        raise ValueError(f"https://api.telegram.org/bot{TOKEN}/getMe?secret={secret}")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed: %s", (TOKEN,), None)
        import sys

        record.exc_info = sys.exc_info()
    text = formatter.format(record)
    assert TOKEN not in text and secret not in text and "***" in text


def test_webhook_mode_needs_a_strong_secret() -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, webhook_url="https://bot.example.org/hook")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Settings(  # type: ignore[call-arg]
            _env_file=None, webhook_url="https://bot.example.org/hook", webhook_secret="short"
        )


def test_settings_never_print_secrets() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        telegram_bot_token=TOKEN.replace("TEST", "TESTTESTTESTTEST"),
        webhook_url="https://bot.example.org/hook",
        webhook_secret="s3cret-webhook-token-for-tests",
    )
    shown = repr(settings) + str(settings) + str(settings.model_dump())
    assert "TESTTESTTESTTEST" not in shown and "s3cret-webhook-token-for-tests" not in shown
