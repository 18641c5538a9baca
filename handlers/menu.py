"""/menu and /help: the main menu and what this user can do."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.i18n import N_
from handlers.ui import MENU_CALLBACK, MenuEntry, add_menu_entry, answer_query, main_menu_markup, reply

HELP_CALLBACK = "menu:help"


async def show_menu(update: Update, context: BotContext) -> None:
    await answer_query(update)
    await reply(
        update, context, context._("What can I help you with? Choose below."), main_menu_markup(context)
    )


def help_text(context: BotContext) -> str:
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
        _("/emergency – emergency numbers"),
        _("/language – choose your language"),
        _("/menu – the main menu"),
        _("/help – this help"),
    ]
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
