"""Roles: admins invite staff with a one-time, expiring link (`/start staff-<code>`), list and remove them."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.i18n import N_
from bot.languages import LANGUAGES
from bot.staff import Accepted, RemoveResult, StaffService
from handlers.admin import ADMIN_CALLBACK, add_admin_section
from handlers.auth import admin_only
from handlers.start import register_deep_link
from handlers.ui import answer_query, main_menu_markup, reply

HOME = "stf:home"
INVITE = "stf:inv"
REMOVE = "stf:rm:"  # + user id: ask
REMOVE_OK = "stf:rmok:"  # + user id: do it
_ID = re.compile(r"^stf:(?:rm|rmok):(\d{1,15})$")


def service(context: BotContext) -> StaffService:
    return StaffService(context.bot_data.sessions, context.bot_data.users, context.bot_data.clock)


def _parse_id(update: Update) -> int | None:
    match = _ID.match(update.callback_query.data or "") if update.callback_query else None
    return int(match[1]) if match else None


@admin_only
async def show_staff(update: Update, context: BotContext) -> None:
    await answer_query(update)
    members = await service(context).members()
    lines = [context._("👥 <b>Office staff</b>")]
    rows = []
    for member in members:
        language = LANGUAGES[member.language].native_name if member.language in LANGUAGES else "–"
        role = context._("admin") if member.role == "admin" else context._("staff")
        label = context._("#{id} · {role} · {language} · last seen {date}").format(
            id=member.id, role=role, language=language, date=context.tr.short_date(member.last_seen)
        )
        lines.append(label)
        if member.role == "staff":
            rows.append(
                [
                    InlineKeyboardButton(
                        context._("➖ Remove #{id}").format(id=member.id),
                        callback_data=f"{REMOVE}{member.id}",
                    )
                ]
            )
    rows.append([InlineKeyboardButton(context._("➕ Invite staff"), callback_data=INVITE)])
    rows.append([InlineKeyboardButton(context._("⬅ Office area"), callback_data=ADMIN_CALLBACK)])
    await reply(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


@admin_only
async def invite(update: Update, context: BotContext) -> None:
    await answer_query(update)
    assert context.user is not None
    invitation = await service(context).invite(context.user.id)
    link = f"https://t.me/{context.bot.username}?start=staff-{invitation.code}"
    text = context._(
        "🔗 <b>Staff invitation</b>\n"
        "Send this link to the new colleague. It works once and until {date}:\n{link}"
    ).format(date=context.tr.datetime(invitation.expires_at, "short"), link=context.tr.isolate(link))
    back = InlineKeyboardMarkup([[InlineKeyboardButton(context._("⬅ Back"), callback_data=HOME)]])
    await reply(update, context, text, back)


@admin_only
async def ask_remove(update: Update, context: BotContext) -> None:
    user_id = _parse_id(update)
    if user_id is None:
        await answer_query(update, context._("This button is no longer valid."))
        return
    await answer_query(update)
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(context._("✅ Yes, remove"), callback_data=f"{REMOVE_OK}{user_id}")],
            [InlineKeyboardButton(context._("⬅ Back"), callback_data=HOME)],
        ]
    )
    await reply(update, context, context._("Remove #{id} from the office staff?").format(id=user_id), markup)


@admin_only
async def remove(update: Update, context: BotContext) -> None:
    user_id = _parse_id(update)
    assert context.user is not None
    if user_id is None:
        await answer_query(update, context._("This button is no longer valid."))
        return
    result = await service(context).remove(context.user.id, user_id)
    if result is RemoveResult.OK:
        await answer_query(update, context._("Removed."))
    elif result is RemoveResult.ADMIN:
        await answer_query(
            update, context._("Admins are set in ADMIN_IDS and cannot be removed here."), alert=True
        )
    else:
        await answer_query(update, context._("#{id} is not office staff (any more).").format(id=user_id))
    await show_staff(update, context)


async def accept_invite(update: Update, context: BotContext, code: str) -> None:
    """The deep link `/start staff-<code>`: anyone may open it; the code decides."""
    assert context.user is not None
    result = await service(context).accept(code, context.user.id)
    if result is Accepted.OK:
        text = context._("✅ Welcome to the office team! Open the office area with /admin.")
    elif result is Accepted.ALREADY_STAFF:
        text = context._("You are already office staff. Open the office area with /admin.")
    else:
        text = context._("This invitation is not valid (any more). Please ask the office for a new one.")
    await reply(update, context, text, main_menu_markup(context))


def register(app: Application) -> None:
    add_admin_section(N_("👥 Staff"), HOME, admin_only=True)
    register_deep_link("staff", accept_invite)
    app.add_handler(CommandHandler("staff", show_staff))
    app.add_handler(CallbackQueryHandler(show_staff, pattern=f"^{HOME}$"))
    app.add_handler(CallbackQueryHandler(invite, pattern=f"^{INVITE}$"))
    app.add_handler(CallbackQueryHandler(ask_remove, pattern=f"^{REMOVE}"))
    app.add_handler(CallbackQueryHandler(remove, pattern=f"^{REMOVE_OK}"))
