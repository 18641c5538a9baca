"""/audit for admins: who changed what and when, filterable by action, actor and date range, paginated.

The whole view state travels in the callback data: `aud:<page>:<action>:<actor>:<days>` (empty action
or actor and 0 days mean "all"), so any button can be pressed again later and shows the same view.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import audit
from bot.context import BotContext
from bot.i18n import N_
from handlers.admin import ADMIN_CALLBACK, add_admin_section
from handlers.auth import admin_only
from handlers.ui import answer_query, reply
from storage.models import AuditEntry

PREFIX = "aud:"
_VIEW = re.compile(r"^aud:(\d{1,4}):([a-z]{0,16}):(\d{0,15}):(\d{1,3})$")
ACTION_FILTERS = (
    ("", N_("All")),
    ("service", N_("Services")),
    ("category", N_("Categories")),
    ("translation", N_("Translations")),
    ("staff", N_("Staff")),
    ("announcement", N_("Announcements")),
)
DAY_FILTERS = ((0, N_("Any time")), (1, N_("Today")), (7, N_("7 days")), (30, N_("30 days")))
MAX_ACTOR_BUTTONS = 6


@dataclass(frozen=True)
class View:
    page: int = 0
    action: str = ""
    actor: int | None = None
    days: int = 0

    def data(self) -> str:
        return f"{PREFIX}{self.page}:{self.action}:{self.actor or ''}:{self.days}"

    @classmethod
    def parse(cls, data: str) -> View | None:
        match = _VIEW.match(data)
        if match is None or match[2] not in {a for a, _ in ACTION_FILTERS}:
            return None
        return cls(int(match[1]), match[2], int(match[3]) if match[3] else None, int(match[4]))


def _button(label: str, view: View, current: View) -> InlineKeyboardButton:
    return InlineKeyboardButton(("✓ " if view == current else "") + label, callback_data=view.data())


def _entry_line(e: AuditEntry, context: BotContext) -> str:
    who = f"#{e.actor_id}" if e.actor_id is not None else html.escape(e.actor_label or "–")
    target = html.escape(" ".join(str(x) for x in (e.target_type, e.target_id) if x))
    details = html.escape(", ".join(f"{k}={v}" for k, v in (e.details or {}).items())[:120])
    line = f"{context.tr.datetime(e.at, 'short')} · {who} · <b>{html.escape(e.action)}</b> {target}"
    return line + (f" <i>({details})</i>" if details else "")


@admin_only
async def show_audit(update: Update, context: BotContext) -> None:
    view = View()
    if update.callback_query is not None:
        parsed = View.parse(update.callback_query.data or "")
        if parsed is None:
            await answer_query(update, context._("This button is no longer valid."))
            return
        view = parsed
    await answer_query(update)
    now = context.bot_data.clock()
    since = None
    if view.days:
        today = now.astimezone(context.settings.tz).date() - dt.timedelta(days=view.days - 1)
        since = dt.datetime.combine(today, dt.time(0), tzinfo=context.settings.tz)
    async with context.session() as session:
        result = await audit.query(
            session, page=view.page, action=view.action or None, actor_id=view.actor, since=since
        )
    entries, total, actors = result.entries, result.total, result.actors
    pages = max(1, -(-total // audit.PAGE_SIZE))
    lines = [
        context._("📜 <b>Audit log</b> · page {page} of {pages} · {total} entries").format(
            page=view.page + 1, pages=pages, total=total
        )
    ]
    lines += [_entry_line(e, context) for e in entries] or [context._("No entries match.")]
    first = replace(view, page=0)
    rows = [
        [_button(context._(label), replace(first, action=a), view) for a, label in ACTION_FILTERS[:3]],
        [_button(context._(label), replace(first, action=a), view) for a, label in ACTION_FILTERS[3:]],
        [_button(context._(label), replace(first, days=d), view) for d, label in DAY_FILTERS],
    ]
    actor_buttons = [_button(context._("All people"), replace(first, actor=None), view)]
    actor_buttons += [_button(f"#{a}", replace(first, actor=a), view) for a in actors[:MAX_ACTOR_BUTTONS]]
    rows += [actor_buttons[i : i + 4] for i in range(0, len(actor_buttons), 4)]
    nav = []
    if view.page > 0:
        nav.append(InlineKeyboardButton("◀", callback_data=replace(view, page=view.page - 1).data()))
    if view.page + 1 < pages:
        nav.append(InlineKeyboardButton("▶", callback_data=replace(view, page=view.page + 1).data()))
    if nav:
        rows.append(nav)
    rows.append([InlineKeyboardButton(context._("⬅ Office area"), callback_data=ADMIN_CALLBACK)])
    await reply(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


def register(app: Application) -> None:
    audit.register_personal_data()
    add_admin_section(N_("📜 Audit log"), View().data(), admin_only=True)
    app.add_handler(CommandHandler("audit", show_audit))
    app.add_handler(CallbackQueryHandler(show_audit, pattern=f"^{PREFIX}"))
