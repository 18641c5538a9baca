"""/stats for staff: users per language and role, active users, announcements and their reach, a chart."""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import stats
from bot.context import BotContext
from bot.i18n import N_
from bot.languages import LANGUAGES
from handlers.admin import ADMIN_CALLBACK, add_admin_section
from handlers.auth import staff_only
from handlers.ui import answer_query, reply

HOME = "sts:home"

ROLE_LABELS = {
    "client": N_("clients"),
    "volunteer": N_("volunteers"),
    "staff": N_("staff"),
    "admin": N_("admins"),
}


def _language_name(code: str, context: BotContext) -> str:
    return LANGUAGES[code].native_name if code in LANGUAGES else context._("no language chosen yet")


def render(data: stats.Stats, context: BotContext) -> str:
    tr = context.tr
    lines = [
        context._("📊 <b>Statistics</b>"),
        context._(
            "Users: {total} · active in the last {days} days: {active} · blocked the bot: {inactive}"
        ).format(
            total=tr.number(data.total),
            days=stats.ACTIVE_DAYS,
            active=tr.number(data.active),
            inactive=tr.number(data.inactive),
        ),
        "",
        context._("<b>By language</b>"),
    ]
    for code, n in sorted(data.by_language.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"{tr.isolate(_language_name(code, context))}: {tr.number(n)}")
    lines += ["", context._("<b>By role</b>")]
    for role, n in sorted(data.by_role.items(), key=lambda kv: -kv[1]):
        lines.append(f"{context._(ROLE_LABELS.get(role, role))}: {tr.number(n)}")
    lines += ["", context._("<b>Announcements</b>")]
    sent = data.announcements.get("sent", 0) + data.announcements.get("sending", 0)
    lines.append(
        context._("sent: {sent} · scheduled: {scheduled} · drafts: {drafts}").format(
            sent=tr.number(sent),
            scheduled=tr.number(data.announcements.get("scheduled", 0)),
            drafts=tr.number(data.announcements.get("draft", 0)),
        )
    )
    for reach in data.reach:
        when = tr.datetime(reach.when, "short") if reach.when else "–"
        lines.append(
            context._(
                "#{id} ({when}): reached {sent} of {total} · failed {failed} · pending {pending}"
            ).format(
                id=reach.announcement_id,
                when=when,
                sent=tr.number(reach.sent),
                total=tr.number(reach.total),
                failed=tr.number(reach.failed),
                pending=tr.number(reach.pending),
            )
        )
    if not data.reach:
        lines.append(context._("No announcement has gone out yet."))
    return "\n".join(lines)


@staff_only
async def show_stats(update: Update, context: BotContext) -> None:
    await answer_query(update)
    async with context.session() as session:
        data = await stats.collect(session, context.bot_data.clock().date())
    back = InlineKeyboardMarkup(
        [[InlineKeyboardButton(context._("⬅ Office area"), callback_data=ADMIN_CALLBACK)]]
    )
    await reply(update, context, render(data, context))
    if update.effective_chat is None or not data.by_language:
        return
    # Rendering takes a few tens of milliseconds: keep the event loop free for other users meanwhile.
    png = await asyncio.to_thread(stats.language_chart, data.by_language, context._("Users per language"))
    await context.bot.send_photo(
        update.effective_chat.id, png, caption=context._("Users per language"), reply_markup=back
    )


def register(app: Application) -> None:
    add_admin_section(N_("📊 Statistics"), HOME)
    app.add_handler(CommandHandler("stats", show_stats))
    app.add_handler(CallbackQueryHandler(show_stats, pattern=f"^{HOME}$"))
