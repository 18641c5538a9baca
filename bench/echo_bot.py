"""A bare python-telegram-bot echo bot: the baseline of bench/updates.py.

Reads TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL from the environment, like Integrationsbot.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


def build(token: str, api_url: str) -> Application:
    app = Application.builder().token(token).base_url(api_url).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


if __name__ == "__main__":
    build(os.environ["TELEGRAM_BOT_TOKEN"], os.environ["TELEGRAM_API_URL"]).run_polling()
