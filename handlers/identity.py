"""Group -1: store the user and resolve their language once per update."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, TypeHandler

from bot.context import BotContext
from bot.i18n import translator
from bot.languages import match_language


def resolve_language(stored: str | None, telegram_code: str | None, default: str) -> str:
    """The user's stored choice, else Telegram's language_code if supported, else the default."""
    return stored or match_language(telegram_code) or default


async def identify(update: Update, context: BotContext) -> None:
    tg_user = update.effective_user
    settings = context.settings
    if tg_user is None or tg_user.is_bot:
        return
    today = context.bot_data.clock().astimezone(settings.tz).date()
    user = await context.bot_data.users.resolve(tg_user.id, today)
    context.user = user
    if user.language is None and (matched := match_language(tg_user.language_code)) is not None:
        # Keep the language Telegram reports, so what the bot sends later (reminders, notices) is in
        # it too; a user whose app language is unsupported keeps None until they pick one.
        await context.bot_data.users.set_language(user, matched)
        context.language_just_set = True
    lang = resolve_language(user.language, tg_user.language_code, settings.default_language)
    context.tr = translator(lang, settings.timezone)


def register(app: Application) -> None:
    app.add_handler(TypeHandler(Update, identify), group=-1)
