"""/menu and /help: the main menu and what this user can do."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.i18n import N_
from handlers.ui import MENU_CALLBACK, MenuEntry, add_menu_entry, answer_query, main_menu_markup, reply
from storage.models import Role

HELP_CALLBACK = "menu:help"


async def show_menu(update: Update, context: BotContext) -> None:
    await answer_query(update)
    await reply(
        update, context, context._("What can I help you with? Choose below."), main_menu_markup(context)
    )


def help_text(context: BotContext) -> str:
    """What this user can do: everyone's commands, then those of their role."""
    _ = context._
    lines = [
        _("I am the assistant of the {office}. I answer in your language.").format(
            office=context.tr.isolate(context.settings.office_name)
        ),
        "",
        _("🔎 Just write what you are looking for, for example “bike repair” or “German course”."),
        _("📍 Share your location (📎 → Location) to see the services nearest to you."),
        "",
        _("/services – services, opening hours and addresses"),
        _("/saved – the services you saved"),
        _("/appointments – your appointments, reminder times and calendar files"),
        _("/news – the latest news from the office"),
        _("/topics – choose which news you get"),
        _("/askhelp – ask a volunteer for help"),
        _("/volunteer – offer your help as a volunteer"),
        _("/emergency – emergency numbers"),
        _("/language – choose your language"),
        _("/privacy – what we store and your rights (/mydata, /deleteme)"),
        _("/menu – the main menu"),
        _("/help – this help"),
    ]
    role = context.user.role if context.user else Role.CLIENT.value
    if role == Role.VOLUNTEER.value:
        lines += [
            "",
            _("/mytasks – the requests you took on"),
            _("/shifts – weekly shifts: sign up and see who comes"),
        ]
    if role in (Role.STAFF.value, Role.ADMIN.value):
        lines += [
            "",
            _("/admin – the office area: directory, appointments, announcements, volunteers"),
            _("/announce – send news to clients, volunteers or staff"),
            _("/edit – edit the service directory"),
            _("/stats – statistics"),
            _("/linkgroup – run it inside the volunteer group to link it"),
            _("/cancel – cancel the current step"),
        ]
    if role == Role.ADMIN.value:
        lines += [_("/staff – staff and invitations"), _("/audit – the audit log")]
    return "\n".join(lines)


async def show_help(update: Update, context: BotContext) -> None:
    await answer_query(update)
    await reply(update, context, help_text(context), main_menu_markup(context))


def register(app: Application) -> None:
    add_menu_entry(MenuEntry(N_("❓ Help"), HELP_CALLBACK, order=90))
    app.add_handler(CommandHandler("menu", show_menu))
    app.add_handler(CommandHandler("help", show_help))
    app.add_handler(CallbackQueryHandler(show_menu, pattern=f"^{MENU_CALLBACK}$"))
    app.add_handler(CallbackQueryHandler(show_help, pattern=f"^{HELP_CALLBACK}$"))
