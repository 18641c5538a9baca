"""The command list shown in Telegram's menu, per language (`set_my_commands` with language_code)."""

from __future__ import annotations

from telegram import BotCommand

from bot.i18n import N_, Translator

CLIENT_COMMANDS: list[tuple[str, str]] = [
    ("start", N_("Start and welcome")),
    ("menu", N_("Main menu")),
    ("services", N_("Services and opening hours")),
    ("saved", N_("Your saved services")),
    ("language", N_("Choose your language")),
    ("emergency", N_("Emergency numbers")),
    ("help", N_("What I can do")),
]


def client_commands(tr: Translator) -> list[BotCommand]:
    return [BotCommand(name, tr.gettext(description)) for name, description in CLIENT_COMMANDS]
