"""Recurring shifts: volunteers sign up for dates or the series and see who else comes; staff
define shifts and see coverage; the hourly job queues reminders and 48-hour shortage notices."""

from __future__ import annotations

import datetime as dt
import html
import logging
import warnings

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import privacy
from bot import shifts as service
from bot.context import BotContext
from bot.i18n import N_, Translator, translator
from bot.outbox import Outgoing, RenderContext, Skip
from handlers.auth import staff_only, volunteer_only
from handlers.ui import MENU_CALLBACK, answer_query, reply
from storage import shifts as repo
from storage import volunteers as vol_repo
from storage.models import OutboxMessage, OutboxStatus, Shift

log = logging.getLogger(__name__)

LIST = "sh:list"
SHOW = "sh:v:"  # + shift id
SIGN = "sh:s:"  # + shift id : YYYYMMDD | all
UNSIGN = "sh:u:"  # + shift id : YYYYMMDD | all
ADMIN = "sha:home"
ADMIN_SHOW = "sha:v:"  # + shift id
ADMIN_NEW = "sha:new"
ADMIN_END = "sha:off:"  # + shift id
JOB_NAME = "shifts:reminders-and-shortages"
DATES_SHOWN = 4
TYPING_SPEC = 0

SPEC_ERRORS = {
    "format": N_("Please send: title; weekday; start–end; people needed; optional skill."),
    "weekday": N_("I could not read the weekday. Use 1–7 (1 = Monday) or Mo, Di, …"),
    "time": N_("I could not read the time. Example: 15:00-18:00"),
    "needed": N_("People needed must be a number from 1 to 50."),
    "skill": N_("Unknown skill. Leave it out, or use one of: {skills}"),
}


def _parse(data: str | None, prefix: str) -> tuple[int, dt.date | None] | None:
    raw_id, _sep, raw_day = (data or "").removeprefix(prefix).partition(":")
    if not raw_id.isdigit() or len(raw_id) > 9:
        return None
    if raw_day == "all":
        return int(raw_id), None
    try:
        return int(raw_id), dt.datetime.strptime(raw_day, "%Y%m%d").date()
    except ValueError:
        return None


def shift_line(tr: Translator, shift: Shift | service.ShiftView) -> str:
    weekday = shift.weekday
    start = shift.start_time if isinstance(shift, Shift) else shift.start
    end = shift.end_time if isinstance(shift, Shift) else shift.end
    day = tr.weekday(dt.date(2024, 1, 1) + dt.timedelta(days=weekday))
    return tr.gettext("{title}: {weekday}s {start}–{end}").format(
        title=html.escape(shift.title), weekday=day, start=start, end=end
    )


def _today(context: BotContext) -> dt.date:
    return context.bot_data.clock().astimezone(context.settings.tz).date()


@volunteer_only
async def list_shifts(update: Update, context: BotContext) -> None:
    await answer_query(update)
    async with context.session() as session:
        shifts = await repo.active(session)
    rows = [
        [InlineKeyboardButton(shift_line(context.tr, s)[:60], callback_data=f"{SHOW}{s.id}")] for s in shifts
    ]
    rows.append([InlineKeyboardButton(context._("☰ Menu"), callback_data=MENU_CALLBACK)])
    text = context._("🗓 <b>Shifts</b>\nChoose a shift to see who comes and to sign up.")
    if not shifts:
        text = context._("🗓 There are no shifts at the moment.")
    await reply(update, context, text, InlineKeyboardMarkup(rows))


async def _shift_text(
    context: BotContext, shift: Shift, me: int | None
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    _ = context._
    lines = [
        f"<b>{shift_line(context.tr, shift)}</b>",
        context.tr.ngettext("{n} volunteer needed", "{n} volunteers needed", shift.needed).format(
            n=shift.needed
        ),
    ]
    rows: list[list[InlineKeyboardButton]] = []
    async with context.session() as session:
        series = me is not None and await repo.find(session, shift.id, me, None) is not None
        for day in service.next_dates(shift, _today(context), DATES_SHOWN):
            people = await service.coming(session, shift.id, day)
            names = ", ".join(html.escape(n) for _uid, n in people) or _("nobody yet")
            lines.append(
                _("{date} ({count}/{needed}): {names}").format(
                    date=context.tr.short_date(day), count=len(people), needed=shift.needed, names=names
                )
            )
            if me is None:
                continue
            if any(uid == me for uid, _n in people):
                if not series:
                    rows.append(
                        [
                            InlineKeyboardButton(
                                _("↩️ Not on {date}").format(date=context.tr.short_date(day)),
                                callback_data=f"{UNSIGN}{shift.id}:{day:%Y%m%d}",
                            )
                        ]
                    )
            elif len(people) < shift.needed:
                rows.append(
                    [
                        InlineKeyboardButton(
                            _("✋ I'll come on {date}").format(date=context.tr.short_date(day)),
                            callback_data=f"{SIGN}{shift.id}:{day:%Y%m%d}",
                        )
                    ]
                )
    if me is not None:
        rows.append(
            [
                InlineKeyboardButton(
                    _("↩️ Leave the series") if series else _("🔁 Every week"),
                    callback_data=f"{UNSIGN if series else SIGN}{shift.id}:all",
                )
            ]
        )
    return "\n".join(lines), rows


@volunteer_only
async def show_shift(update: Update, context: BotContext) -> None:
    await answer_query(update)
    await _show(update, context, _id(update, SHOW))


def _id(update: Update, prefix: str) -> int | None:
    raw = (update.callback_query.data or "").removeprefix(prefix) if update.callback_query else ""
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


async def _show(update: Update, context: BotContext, shift_id: int | None) -> None:
    assert context.user is not None
    async with context.session() as session:
        shift = await repo.get(session, shift_id) if shift_id else None
    if shift is None or not shift.active:
        await reply(update, context, context._("This shift does not exist any more."))
        return
    text, rows = await _shift_text(context, shift, context.user.id)
    rows.append([InlineKeyboardButton(context._("◀️ Back"), callback_data=LIST)])
    await reply(update, context, text, InlineKeyboardMarkup(rows))


@volunteer_only
async def sign(update: Update, context: BotContext) -> None:
    assert context.user is not None
    parsed = _parse(update.callback_query.data if update.callback_query else None, SIGN)
    if parsed is None:
        await answer_query(update, context._("This button is no longer valid."))
        return
    shift_id, day = parsed
    try:
        async with context.session() as session, session.begin():
            await service.sign_up(session, shift_id, context.user.id, day, _today(context))
    except service.SignupError as exc:
        messages = {
            "full": context._("Sorry, this date is already full."),
            "already": context._("You are already signed up."),
        }
        await answer_query(update, messages.get(str(exc), context._("This button is no longer valid.")))
        return
    await answer_query(update, context._("✅ Thank you! I will remind you the day before."))
    await _show(update, context, shift_id)


@volunteer_only
async def unsign(update: Update, context: BotContext) -> None:
    assert context.user is not None
    parsed = _parse(update.callback_query.data if update.callback_query else None, UNSIGN)
    ok = False
    if parsed is not None:
        async with context.session() as session, session.begin():
            ok = await service.withdraw(session, parsed[0], context.user.id, parsed[1])
    if not ok or parsed is None:
        await answer_query(update, context._("This button is no longer valid."))
        return
    await answer_query(update, context._("Signed off."))
    await _show(update, context, parsed[0])


# --- staff ---------------------------------------------------------------------------------------
@staff_only
async def admin_home(update: Update, context: BotContext) -> None:
    await answer_query(update)
    async with context.session() as session:
        shifts = await repo.active(session)
    rows = [
        [InlineKeyboardButton(shift_line(context.tr, s)[:60], callback_data=f"{ADMIN_SHOW}{s.id}")]
        for s in shifts
    ]
    rows.append([InlineKeyboardButton(context._("➕ New shift"), callback_data=ADMIN_NEW)])
    rows.append([InlineKeyboardButton(context._("◀️ Back"), callback_data="vad:home")])
    await reply(update, context, context._("🗓 <b>Weekly shifts</b>"), InlineKeyboardMarkup(rows))


@staff_only
async def admin_show(update: Update, context: BotContext) -> None:
    await answer_query(update)
    shift_id = _id(update, ADMIN_SHOW)
    async with context.session() as session:
        shift = await repo.get(session, shift_id) if shift_id else None
    if shift is None:
        await reply(update, context, context._("This shift does not exist any more."))
        return
    text, _rows = await _shift_text(context, shift, None)
    rows = [
        [InlineKeyboardButton(context._("🗑 End this shift"), callback_data=f"{ADMIN_END}{shift.id}")],
        [InlineKeyboardButton(context._("◀️ Back"), callback_data=ADMIN)],
    ]
    await reply(update, context, text, InlineKeyboardMarkup(rows))


@staff_only
async def admin_end(update: Update, context: BotContext) -> None:
    shift_id = _id(update, ADMIN_END)
    ok = False
    if shift_id is not None:
        async with context.session() as session, session.begin():
            ok = await service.end(session, shift_id)
    await answer_query(update, context._("Ended.") if ok else context._("This button is no longer valid."))
    await admin_home(update, context)


@staff_only
async def ask_spec(update: Update, context: BotContext) -> int:
    await answer_query(update)
    await reply(
        update,
        context,
        context._(
            "➕ Send the new shift in one line:\n"
            "<code>title; weekday; start–end; people needed; skill</code>\n"
            "For example: <code>Bike workshop; 2; 15:00-18:00; 2; bike_repair</code> (the skill is optional; "
            "weekday 1 = Monday). /cancel stops."
        ),
    )
    return TYPING_SPEC


@staff_only
async def save_spec(update: Update, context: BotContext) -> int:
    text = (update.effective_message.text or "").strip() if update.effective_message else ""
    async with context.session() as session:
        skills = {s.slug for s in await vol_repo.skills(session)}
    try:
        spec = service.parse_spec(text, skills)
    except service.ShiftSpecError as exc:
        message = context._(SPEC_ERRORS.get(str(exc), SPEC_ERRORS["format"]))
        await reply(update, context, message.format(skills=", ".join(sorted(skills))))
        return TYPING_SPEC
    async with context.session() as session, session.begin():
        shift = await service.create(session, spec)
        line = shift_line(context.tr, shift)
    await reply(
        update,
        context,
        context._("✅ Shift created: {shift}").format(shift=line),
        InlineKeyboardMarkup([[InlineKeyboardButton(context._("🗓 Weekly shifts"), callback_data=ADMIN)]]),
    )
    return ConversationHandler.END


@staff_only
async def cancel_typing(update: Update, context: BotContext) -> int:
    await reply(update, context, context._("Cancelled."))
    return ConversationHandler.END


# --- renderers and the job -------------------------------------------------------------------------
async def _load(
    ctx: RenderContext, row: OutboxMessage
) -> tuple[Shift | None, dt.date, list[tuple[int, str]]]:
    shift = await repo.get(ctx.session, row.ref_id or 0)
    day = dt.date.fromisoformat(row.payload["day"])
    people = await service.coming(ctx.session, shift.id, day) if shift else []
    return shift, day, people


async def render_reminder(ctx: RenderContext, row: OutboxMessage) -> Outgoing | Skip:
    shift, day, people = await _load(ctx, row)
    if shift is None or not shift.active or all(uid != row.chat_id for uid, _n in people):
        return Skip(OutboxStatus.CANCELLED, "no longer signed up")
    tr = translator(row.lang or "de")
    others = ", ".join(html.escape(n) for uid, n in people if uid != row.chat_id) or "–"
    text = tr.gettext("⏰ Reminder: {shift} on {date}. Also coming: {others}").format(
        shift=shift_line(tr, shift), date=tr.short_date(day), others=others
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    tr.gettext("↩️ I cannot come"), callback_data=f"{UNSIGN}{shift.id}:{day:%Y%m%d}"
                )
            ]
        ]
    )
    return Outgoing(text, markup)


async def render_shortage(ctx: RenderContext, row: OutboxMessage) -> Outgoing | Skip:
    shift, day, people = await _load(ctx, row)
    if shift is None or not shift.active or len(people) >= shift.needed:
        return Skip(OutboxStatus.CANCELLED, "filled in the meantime")
    tr = translator(row.lang or "de")
    missing = shift.needed - len(people)
    text = tr.ngettext(
        "🆘 {shift} on {date} still needs {n} volunteer. Can you come?",
        "🆘 {shift} on {date} still needs {n} volunteers. Can you come?",
        missing,
    ).format(shift=shift_line(tr, shift), date=tr.short_date(day), n=missing)
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton(tr.gettext("✋ I'll come"), callback_data=f"{SIGN}{shift.id}:{day:%Y%m%d}")]]
    )
    return Outgoing(text, markup)


async def hourly(context: BotContext) -> None:
    """The JobQueue job: reminders 24 h and shortage notices 48 h before each shift date."""
    state = context.bot_data
    async with state.sessions() as session, session.begin():
        queued = await service.tick(session, state.clock(), state.settings.tz)
    if queued:
        state.outbox.wake()


def register(app: Application) -> None:
    privacy.register(
        privacy.PersonalData("shift signups", service.export_signups, service.erase_signups, order=30)
    )
    text = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
    with warnings.catch_warnings():  # per_message=False is meant: text steps and button steps mix
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        conversation = ConversationHandler(
            entry_points=[CallbackQueryHandler(ask_spec, pattern=f"^{ADMIN_NEW}$")],
            states={TYPING_SPEC: [MessageHandler(text, save_spec)]},
            fallbacks=[CommandHandler("cancel", cancel_typing)],
            name="shift_new",
            persistent=True,
            allow_reentry=True,
        )
    app.add_handler(conversation)
    app.add_handler(CommandHandler("shifts", list_shifts, filters.ChatType.PRIVATE))
    for pattern, callback in (
        (f"^{LIST}$", list_shifts),
        (f"^{SHOW}", show_shift),
        (f"^{SIGN}", sign),
        (f"^{UNSIGN}", unsign),
        (f"^{ADMIN}$", admin_home),
        (f"^{ADMIN_SHOW}", admin_show),
        (f"^{ADMIN_END}", admin_end),
    ):
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    app.bot_data.outbox.register("shift_reminder", render_reminder)
    app.bot_data.outbox.register("shift_short", render_shortage)
    if app.job_queue is not None:
        app.job_queue.run_repeating(hourly, interval=3600, first=60, name=JOB_NAME)
