"""/start (with deep links), the language picker and /language."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.i18n import N_, translator
from bot.languages import LANGUAGES
from handlers.ui import MenuEntry, add_menu_entry, answer_query, grid, main_menu_markup, reply

log = logging.getLogger(__name__)

LANGUAGE_MENU = "lang:pick"
LANGUAGE_SET = "lang:set:"  # + language code
PENDING_LINK = "pending_deep_link"  # user_data: a /start payload waiting for the language choice

DeepLinkHandler = Callable[[Update, BotContext, str], Awaitable[None]]
_DEEP_LINKS: dict[str, DeepLinkHandler] = {}

# Called once, right after a new user chose (or was matched to) a language: e.g. offer topics.
FirstLanguageHook = Callable[[Update, BotContext], Awaitable[None]]
AFTER_FIRST_LANGUAGE: list[FirstLanguageHook] = []


def register_deep_link(prefix: str, handler: DeepLinkHandler) -> None:
    """Features plug their `/start <prefix>-<code>` links in here (invites for appointments, staff ...).

    Registering a prefix again replaces its handler (each application built in a process registers)."""
    if not prefix.isalnum():
        raise ValueError(f"bad deep-link prefix {prefix!r}")
    _DEEP_LINKS[prefix] = handler


def language_picker(context: BotContext) -> InlineKeyboardMarkup:
    current = context.user.language if context.user else None
    buttons = [
        InlineKeyboardButton(
            ("✓ " if code == current else "") + lang.native_name, callback_data=LANGUAGE_SET + code
        )
        for code, lang in LANGUAGES.items()
    ]
    return InlineKeyboardMarkup(grid(buttons))


def picker_prompt(timezone: str) -> str:
    """ "Choose your language" in every language, so everyone finds their own line."""
    return "\n".join(
        translator(code, timezone).gettext("🌍 Please choose your language.") for code in LANGUAGES
    )


def welcome_text(context: BotContext) -> str:
    return context._(
        "👋 Welcome! I am the assistant of the {office}. Ask me about services, opening hours "
        "and help in your language. Choose from the menu or just write what you are looking for."
    ).format(office=context.tr.isolate(context.settings.office_name))


async def start(update: Update, context: BotContext) -> None:
    assert context.user is not None and update.effective_user is not None
    payload = context.args[0][:64] if context.args else ""
    if context.user.language is None:  # Telegram's language is not one we speak: ask first
        if payload:  # an invite link is followed once the language is chosen
            context.user_data[PENDING_LINK] = payload
        await reply(update, context, picker_prompt(context.settings.timezone), language_picker(context))
        return
    await _welcome(update, context, payload, first_time=context.language_just_set)


async def _welcome(update: Update, context: BotContext, payload: str, *, first_time: bool) -> None:
    """Follow a deep link, or greet with the menu; a new user then gets the first-language hooks."""
    if payload:
        await _follow_deep_link(update, context, payload)
    else:
        await reply(update, context, welcome_text(context), main_menu_markup(context))
    if first_time:
        for hook in AFTER_FIRST_LANGUAGE:
            await hook(update, context)


async def _follow_deep_link(update: Update, context: BotContext, payload: str) -> None:
    prefix, _, code = payload.partition("-")
    handler = _DEEP_LINKS.get(prefix)
    if handler is None or not code:
        log.info("unknown deep link prefix %r", prefix[:16])
        await reply(
            update,
            context,
            context._("This link is not valid (any more). Here is the menu."),
            main_menu_markup(context),
        )
        return
    await handler(update, context, code)


async def show_language_picker(update: Update, context: BotContext) -> None:
    await answer_query(update)
    await reply(update, context, picker_prompt(context.settings.timezone), language_picker(context))


async def choose_language(update: Update, context: BotContext) -> None:
    assert update.callback_query is not None and context.user is not None
    code = (update.callback_query.data or "").removeprefix(LANGUAGE_SET)
    if code not in LANGUAGES:
        await answer_query(update, context._("This button is no longer valid."))
        return
    first_choice = context.user.language is None
    await _save_language(context, code)
    await answer_query(update, context._("Language: {language}").format(language=LANGUAGES[code].native_name))
    if first_choice:
        await _welcome(update, context, context.user_data.pop(PENDING_LINK, ""), first_time=True)
        return
    # TRANSLATORS: name your own language here, e.g. German: "Ich schreibe dir ab jetzt auf Deutsch."
    await reply(
        update, context, context._("Done. I will write to you in English."), main_menu_markup(context)
    )


async def _save_language(context: BotContext, code: str) -> None:
    assert context.user is not None
    await context.bot_data.users.set_language(context.user, code)
    context.tr = translator(code, context.settings.timezone)


def register(app: Application) -> None:
    add_menu_entry(MenuEntry(N_("🌍 Language"), LANGUAGE_MENU, order=85))
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("language", show_language_picker))
    app.add_handler(CallbackQueryHandler(show_language_picker, pattern=f"^{LANGUAGE_MENU}$"))
    app.add_handler(CallbackQueryHandler(choose_language, pattern=f"^{LANGUAGE_SET}"))
