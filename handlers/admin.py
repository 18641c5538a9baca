"""/admin: the office's area, in the staff member's own language. Sections register themselves."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.i18n import N_
from handlers.auth import staff_only
from handlers.ui import MENU_CALLBACK, MenuEntry, add_menu_entry, answer_query, reply

ADMIN_CALLBACK = "adm:home"

# Sections of the admin area: (label msgid, callback data, admin only?). Features append theirs.
ADMIN_SECTIONS: list[tuple[str, str, bool]] = []


def add_admin_section(label: str, callback_data: str, *, admin_only: bool = False) -> None:
    if all(existing[1] != callback_data for existing in ADMIN_SECTIONS):
        ADMIN_SECTIONS.append((label, callback_data, admin_only))


def admin_markup(context: BotContext) -> InlineKeyboardMarkup:
    is_admin = context.user is not None and context.user.role == "admin"
    rows = [
        [InlineKeyboardButton(context._(label), callback_data=data)]
        for label, data, only_admin in ADMIN_SECTIONS
        if is_admin or not only_admin
    ]
    rows.append([InlineKeyboardButton(context._("☰ Menu"), callback_data=MENU_CALLBACK)])
    return InlineKeyboardMarkup(rows)


@staff_only
async def show_admin(update: Update, context: BotContext) -> None:
    await answer_query(update)
    await reply(
        update, context, context._("🛠 <b>Office area</b>\nWhat would you like to do?"), admin_markup(context)
    )


def register(app: Application) -> None:
    add_menu_entry(MenuEntry(N_("🛠 Office area"), ADMIN_CALLBACK, order=5, visible=lambda c: c.is_staff))
    app.add_handler(CommandHandler("admin", show_admin))
    app.add_handler(CallbackQueryHandler(show_admin, pattern=f"^{ADMIN_CALLBACK}$"))
