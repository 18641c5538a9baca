"""Emergency numbers, one tap from the menu, in every language."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.i18n import N_
from handlers.ui import MenuEntry, add_menu_entry, answer_query, back_to_menu_markup, reply

EMERGENCY_CALLBACK = "sos"


def emergency_text(context: BotContext) -> str:
    _ = context._
    iso = context.tr.isolate
    return "\n\n".join(
        [
            _("<b>🆘 Emergency numbers</b> – free of charge, day and night"),
            _("🚑 Fire brigade and ambulance: <b>{number}</b>").format(number=iso("112")),
            _("🚓 Police: <b>{number}</b>").format(number=iso("110")),
            _(
                "📞 Telefonseelsorge – someone listens if you are in crisis, anonymous: "
                "<b>{number1}</b> or <b>{number2}</b>"
            ).format(number1=iso("0800 111 0 111"), number2=iso("0800 111 0 222")),
            _(
                "💜 Help line for women affected by violence: <b>{number}</b> – interpreters for many "
                "languages"
            ).format(number=iso("116 016")),
            _("In danger right now? Call {ambulance} or {police} immediately.").format(
                ambulance=iso("112"), police=iso("110")
            ),
        ]
    )


async def show_emergency(update: Update, context: BotContext) -> None:
    await answer_query(update)
    await reply(update, context, emergency_text(context), back_to_menu_markup(context))


def register(app: Application) -> None:
    add_menu_entry(MenuEntry(N_("🆘 Emergency numbers"), EMERGENCY_CALLBACK, order=80))
    app.add_handler(CommandHandler(["emergency", "sos"], show_emergency))
    app.add_handler(CallbackQueryHandler(show_emergency, pattern=f"^{EMERGENCY_CALLBACK}$"))
