"""The command lists shown in Telegram's menu: per language for everyone, per chat for volunteers and staff.

Clients see the default list in their language (`set_my_commands` with language_code). A volunteer's
or a staff member's chat gets its own list (scope: that chat) with their extra commands, in their
language; it is set at start and again whenever their role or language changes.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.i18n import N_, Translator
from storage.models import Role

log = logging.getLogger(__name__)

CLIENT_COMMANDS: list[tuple[str, str]] = [
    ("start", N_("Start and welcome")),
    ("menu", N_("Main menu")),
    ("services", N_("Services and opening hours")),
    ("saved", N_("Your saved services")),
    ("appointments", N_("Your appointments and reminders")),
    ("news", N_("News from the office")),
    ("askhelp", N_("Ask a volunteer for help")),
    ("language", N_("Choose your language")),
    ("emergency", N_("Emergency numbers")),
    ("privacy", N_("Your data and your rights")),
    ("help", N_("What I can do")),
]
VOLUNTEER_COMMANDS: list[tuple[str, str]] = [
    ("mytasks", N_("The requests you took on")),
    ("shifts", N_("Weekly shifts")),
    ("volunteer", N_("Your volunteer profile")),
]
STAFF_COMMANDS: list[tuple[str, str]] = [
    ("admin", N_("Office area")),
    ("edit", N_("Edit the service directory")),
    ("announce", N_("Write an announcement")),
    ("announcements", N_("Scheduled announcements")),
    ("stats", N_("Statistics")),
    ("cancel", N_("Cancel the current step")),
]
ADMIN_COMMANDS: list[tuple[str, str]] = [
    ("staff", N_("Staff and invitations")),
    ("audit", N_("Audit log")),
]


def _listed(entries: list[tuple[str, str]], tr: Translator) -> list[BotCommand]:
    return [BotCommand(name, tr.gettext(description)) for name, description in entries]


def client_commands(tr: Translator) -> list[BotCommand]:
    return _listed(CLIENT_COMMANDS, tr)


def commands_for(role: str, tr: Translator) -> list[BotCommand]:
    """The menu of a role: staff and admins first see their own commands, then the clients'."""
    extra = {
        Role.VOLUNTEER.value: VOLUNTEER_COMMANDS,
        Role.STAFF.value: STAFF_COMMANDS,
        Role.ADMIN.value: STAFF_COMMANDS + ADMIN_COMMANDS,
    }.get(role, [])
    return _listed(extra, tr) + client_commands(tr)


async def set_chat_menu(bot: Bot, user_id: int, role: str, tr: Translator) -> None:
    """Give a volunteer's or staff member's chat its own command list (a client's goes back to default)."""
    scope = BotCommandScopeChat(user_id)
    try:
        if role == Role.CLIENT.value:
            await bot.delete_my_commands(scope=scope)
        else:
            await bot.set_my_commands(commands_for(role, tr), scope=scope)
    except TelegramError as exc:  # a convenience: never a reason for an update to fail
        log.info("could not set the command menu of chat %s: %s", user_id, exc)
