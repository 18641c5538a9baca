"""Appointments: "📅 My appointments" for clients, "📅 Appointments" in the office area, reminders.

Clients see their upcoming appointments and those of the last 30 days, cancel their own, add their
own with a date/time picker made of buttons and choose their reminder times. Staff create an
appointment for a client (chosen by a pseudonymous label or by Telegram user id) or as a one-time
invite link with a QR code, move and cancel it, and set the default reminder times.

The outbox renders reminders at send time in the client's language (`render_reminder`), and tells
the other side of an appointment about answers and cancellations (`render_notice`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

from babel import Locale
from babel.dates import format_skeleton
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import reminders
from bot.appointments import COMING, NOT_COMING, NOTICE_KIND, REMINDER_KIND, AppointmentService, Draft
from bot.appointments import PERSONAL_DATA as APPOINTMENT_DATA
from bot.context import AppState, BotContext
from bot.i18n import N_, Translator, translator
from bot.outbox import Outgoing, RenderContext, Renderer, Skip
from bot.privacy import register as register_personal_data
from bot.qr import png as qr_png
from bot.settings import Settings
from handlers.admin import ADMIN_CALLBACK, add_admin_section
from handlers.auth import staff_only
from handlers.start import register_deep_link
from handlers.ui import MENU_CALLBACK, MenuEntry, add_menu_entry, answer_query, reply
from storage import appointments as repo
from storage.models import Appointment, OutboxMessage, OutboxStatus, User

log = logging.getLogger(__name__)

# --- callback data (parsed below; user input, so every number is checked) --------------------------
MY = "apt:my"
SHOW = "apt:show:"  # + id
CANCEL_ASK = "apt:cx:"  # + id
CANCEL_DO = "apt:cxy:"  # + id
YES = "apt:yes:"  # + id
NO = "apt:no:"  # + id
ICS = "apt:ics:"  # + id
MAP = "apt:map:"  # + id
OWN_OFFSETS = "apt:rem"
OWN_TOGGLE = "apt:rem:"  # + offset
ADD = "apt:add"
# staff
OFFICE = "apt:adm"
NEW = "apt:new"
STAFF_SHOW = "apt:s:"  # + id
MOVE = "apt:mv:"  # + id
STAFF_CANCEL = "apt:sx:"  # + id
EDIT = "apt:ed:"  # + field letter : id
DEFAULTS = "apt:def"
DEFAULT_TOGGLE = "apt:def:"  # + offset
# conversation steps
PICK_CLIENT = "apt:c:"  # + user id
INVITE = "apt:c:invite"
PICK_SERVICE = "apt:svc:"  # + service id, 0 = none
SKIP = "apt:skip"
DAY = "apt:d:"  # + yyyymmdd
DAYS_PAGE = "apt:dp:"  # + page
HOUR = "apt:h:"  # + hour
MINUTE = "apt:m:"  # + minute
QUIT = "apt:quit"

CLIENT, TITLE, SERVICE, PLACE, PICK_DAY, PICK_HOUR, PICK_MINUTE, BRING, NOTES, EDIT_FIELD = range(10)
DRAFT = "apt_draft"
DAYS_PER_PAGE = 14
HOURS = range(7, 21)
MINUTES = (0, 15, 30, 45)
MAX_TEXT = 300


def _service(context: BotContext | AppState) -> AppointmentService:
    state = context.bot_data if isinstance(context, BotContext) else context
    return state.appointments  # type: ignore[attr-defined,no-any-return]


def _id(update: Update, prefix: str) -> int | None:
    """The number after `prefix` in the pressed button's data; None when anything is odd."""
    data = update.callback_query.data if update.callback_query else None
    rest = (data or "").removeprefix(prefix)
    if data is None or not data.startswith(prefix) or not rest.isdigit() or len(rest) > 12:
        return None
    return int(rest)


def _offset(update: Update, prefix: str) -> int | None:
    data = update.callback_query.data if update.callback_query else ""
    try:
        value = int((data or "").removeprefix(prefix))
    except ValueError:
        return None
    return value if value in reminders.CHOICES else None


async def _stale(update: Update, context: BotContext) -> None:
    await answer_query(update, context._("This button is no longer valid."), alert=True)


# --- texts ----------------------------------------------------------------------------------------


def pseudonym(user_id: int) -> str:
    """A short number staff can say aloud; we store no names."""
    return "#" + str(int(hashlib.sha256(f"apt:{user_id}".encode()).hexdigest(), 16) % 9000 + 1000)


def client_label(user: User, tr: Translator) -> str:
    language = Locale.parse(user.language).get_display_name(tr.locale) if user.language else "?"
    return tr.gettext("{number} · {language} · last seen {date}").format(
        number=pseudonym(user.id),
        language=language,
        date=format_skeleton("MMMd", user.last_seen, locale=tr.locale),
    )


def when(tr: Translator, starts_at: dt.datetime) -> str:
    return tr.gettext("{date} at {time}").format(date=tr.date(starts_at, "full"), time=tr.time(starts_at))


def details(tr: Translator, apt: Appointment, service: dict[str, Any] | None, *, staff: bool = False) -> str:
    lines = [f"📅 <b>{html.escape(apt.title)}</b>", "🕐 " + when(tr, apt.starts_at)]
    if service is not None:
        lines.append("🏢 " + html.escape(service["name"]))
    place = apt.place or (service["address"] if service else None)
    if place:
        lines.append("📍 " + tr.isolate(html.escape(place)))
    if apt.bring:
        lines.append(tr.gettext("🎒 Please bring: {bring}").format(bring=html.escape(apt.bring)))
    if staff and apt.notes:
        lines.append(tr.gettext("📝 Notes: {notes}").format(notes=html.escape(apt.notes)))
    if apt.status == repo.CANCELLED:
        lines.append(tr.gettext("❌ Cancelled"))
    elif apt.response == COMING:
        lines.append(
            tr.gettext("✅ You said you will be there.") if not staff else tr.gettext("✅ Will come")
        )
    elif apt.response == NOT_COMING:
        lines.append(
            tr.gettext("❌ You said you cannot come.") if not staff else tr.gettext("❌ Cannot come")
        )
    return "\n".join(lines)


def reminder_text(tr: Translator, apt: Appointment, service: dict[str, Any] | None, now: dt.datetime) -> str:
    lines = [
        tr.gettext("⏰ <b>Reminder: {title}</b>").format(title=html.escape(apt.title)),
        tr.gettext("🕐 {when} – {remaining}").format(
            when=when(tr, apt.starts_at), remaining=reminders.remaining(apt.starts_at, now, tr)
        ),
    ]
    if service is not None:
        lines.append("🏢 " + html.escape(service["name"]))
    place = apt.place or (service["address"] if service else None)
    if place:
        lines.append("📍 " + tr.isolate(html.escape(place)))
    if apt.bring:
        lines.append(tr.gettext("🎒 Please bring: {bring}").format(bring=html.escape(apt.bring)))
    return "\n".join(lines)


def _has_map(service: dict[str, Any] | None) -> bool:
    return service is not None and service["lat"] is not None and service["lon"] is not None


def reminder_markup(tr: Translator, apt: Appointment, service: dict[str, Any] | None) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(tr.gettext("✅ I will be there"), callback_data=f"{YES}{apt.id}"),
            InlineKeyboardButton(tr.gettext("❌ I cannot come"), callback_data=f"{NO}{apt.id}"),
        ],
        [InlineKeyboardButton(tr.gettext("🗓 Add to calendar"), callback_data=f"{ICS}{apt.id}")],
    ]
    if _has_map(service):
        rows[1].append(InlineKeyboardButton(tr.gettext("📍 Map"), callback_data=f"{MAP}{apt.id}"))
    return InlineKeyboardMarkup(rows)


# --- outbox renderers -------------------------------------------------------------------------------


def make_renderers(settings: Settings) -> tuple[Renderer, Renderer]:
    """The outbox renderers for reminders and notices (they read the row's appointment at send time)."""

    async def language_of(ctx: RenderContext, row: OutboxMessage) -> Translator:
        user = await repo.user(ctx.session, row.chat_id)
        lang = (user.language if user else None) or row.lang or settings.default_language
        return translator(lang, settings.timezone)

    async def render_reminder(ctx: RenderContext, row: OutboxMessage) -> Outgoing | Skip:
        apt = await repo.get(ctx.session, int(row.payload.get("appointment_id", 0)))
        if apt is None or apt.status != repo.SCHEDULED or apt.client_id != row.chat_id:
            return Skip(OutboxStatus.CANCELLED, "appointment cancelled or gone")
        if ctx.now >= apt.starts_at:
            return Skip(OutboxStatus.MISSED, "appointment has begun")
        tr = await language_of(ctx, row)
        service = await repo.service_place(ctx.session, apt.service_id, tr.lang) if apt.service_id else None
        return Outgoing(reminder_text(tr, apt, service, ctx.now), reminder_markup(tr, apt, service))

    async def render_notice(ctx: RenderContext, row: OutboxMessage) -> Outgoing | Skip:
        apt = await repo.get(ctx.session, int(row.payload.get("appointment_id", 0)))
        if apt is None:
            return Skip(OutboxStatus.CANCELLED, "appointment gone")
        tr = await language_of(ctx, row)
        event, by = row.payload.get("event"), row.payload.get("by")
        values = {"title": html.escape(apt.title), "when": when(tr, apt.starts_at)}
        if by is not None and by == apt.client_id:
            values["client"] = pseudonym(by)
            text = {
                COMING: N_("✅ Client {client} will come to “{title}” on {when}."),
                NOT_COMING: N_("❌ Client {client} cannot come to “{title}” on {when}."),
                repo.CANCELLED: N_("❌ Client {client} cancelled “{title}” on {when}."),
            }.get(event)
        else:
            text = (
                N_("❌ Your appointment “{title}” on {when} was cancelled.")
                if event == repo.CANCELLED
                else None
            )
        if text is None:
            return Skip(OutboxStatus.CANCELLED, f"unknown notice {event!r}")
        markup = None
        if by is not None and by == apt.client_id:
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton(tr.gettext("📅 Open"), callback_data=f"{STAFF_SHOW}{apt.id}")]]
            )
        return Outgoing(tr.gettext(text).format(**values), markup)

    return render_reminder, render_notice


# --- clients: my appointments -----------------------------------------------------------------------


async def show_mine(update: Update, context: BotContext) -> None:
    assert context.user is not None
    await answer_query(update)
    now = context.bot_data.clock()
    appointments = await _service(context).for_client(context.user.id)
    upcoming = [a for a in appointments if a.starts_at >= now and a.status == repo.SCHEDULED]
    past = [a for a in appointments if a not in upcoming]
    rows = [
        [InlineKeyboardButton(_button_label(context.tr, a), callback_data=f"{SHOW}{a.id}")]
        for a in upcoming[:10] + past[-5:]
    ]
    if not appointments:
        text = context._("📅 <b>My appointments</b>\nYou have no appointments yet.")
    else:
        text = context.tr.ngettext(
            "📅 <b>My appointments</b>\n{count} upcoming appointment. Choose one for details.",
            "📅 <b>My appointments</b>\n{count} upcoming appointments. Choose one for details.",
            len(upcoming),
        ).format(count=context.tr.number(len(upcoming)))
    rows.append([InlineKeyboardButton(context._("➕ Add an appointment"), callback_data=ADD)])
    rows.append(
        [
            InlineKeyboardButton(context._("⏰ Reminder times"), callback_data=OWN_OFFSETS),
            InlineKeyboardButton(context._("☰ Menu"), callback_data=MENU_CALLBACK),
        ]
    )
    await reply(update, context, text, InlineKeyboardMarkup(rows))


def _button_label(tr: Translator, apt: Appointment) -> str:
    mark = "❌ " if apt.status == repo.CANCELLED else ""
    local = apt.starts_at.astimezone(tr.tz)
    return f"{mark}{tr.short_date(local.date())} {tr.time(apt.starts_at)} · {apt.title[:40]}"


async def _own(update: Update, context: BotContext, prefix: str) -> Appointment | None:
    """The appointment named in the button, if it belongs to this client."""
    number = _id(update, prefix)
    apt = await _service(context).get(number) if number is not None else None
    if apt is None or context.user is None or apt.client_id != context.user.id:
        return None
    return apt


async def _place_of(context: BotContext, apt: Appointment) -> dict[str, Any] | None:
    if apt.service_id is None:
        return None
    async with context.session() as session:
        return await repo.service_place(session, apt.service_id, context.tr.lang)


async def show_one(update: Update, context: BotContext) -> None:
    apt = await _own(update, context, SHOW)
    if apt is None:
        await _stale(update, context)
        return
    await answer_query(update)
    service = await _place_of(context, apt)
    rows = []
    upcoming = apt.status == repo.SCHEDULED and apt.starts_at > context.bot_data.clock()
    if upcoming:
        rows.append([InlineKeyboardButton(context._("🗓 Add to calendar"), callback_data=f"{ICS}{apt.id}")])
        if _has_map(service):
            rows[0].append(InlineKeyboardButton(context._("📍 Map"), callback_data=f"{MAP}{apt.id}"))
        rows.append(
            [
                InlineKeyboardButton(
                    context._("❌ Cancel this appointment"), callback_data=f"{CANCEL_ASK}{apt.id}"
                )
            ]
        )
    rows.append([InlineKeyboardButton(context._("◀️ Back"), callback_data=MY)])
    await reply(update, context, details(context.tr, apt, service), InlineKeyboardMarkup(rows))


async def ask_cancel(update: Update, context: BotContext) -> None:
    apt = await _own(update, context, CANCEL_ASK)
    if apt is None or apt.status != repo.SCHEDULED:
        await _stale(update, context)
        return
    await answer_query(update)
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(context._("❌ Yes, cancel it"), callback_data=f"{CANCEL_DO}{apt.id}")],
            [InlineKeyboardButton(context._("◀️ No, keep it"), callback_data=f"{SHOW}{apt.id}")],
        ]
    )
    text = context._("Do you really want to cancel “{title}” on {when}?").format(
        title=html.escape(apt.title), when=when(context.tr, apt.starts_at)
    )
    await reply(update, context, text, markup)


async def do_cancel(update: Update, context: BotContext) -> None:
    apt = await _own(update, context, CANCEL_DO)
    assert context.user is not None
    if apt is None or not await _service(context).cancel(apt.id, actor=context.user.id, staff=False):
        await _stale(update, context)
        return
    context.bot_data.outbox.wake()
    await answer_query(update, context._("The appointment is cancelled."))
    await show_mine(update, context)


async def answer_reminder(update: Update, context: BotContext) -> None:
    data = update.callback_query.data if update.callback_query else ""
    response, prefix = (COMING, YES) if (data or "").startswith(YES) else (NOT_COMING, NO)
    number = _id(update, prefix)
    assert context.user is not None
    apt = await _service(context).respond(number, context.user.id, response) if number is not None else None
    if apt is None:
        await _stale(update, context)
        return
    context.bot_data.outbox.wake()
    if response == COMING:
        await answer_query(update, context._("Thank you! See you there."))
    else:
        await answer_query(
            update, context._("Thank you for telling us. The office will be informed."), alert=True
        )


async def send_calendar(update: Update, context: BotContext) -> None:
    apt = await _own(update, context, ICS)
    if apt is None or update.effective_chat is None:
        await _stale(update, context)
        return
    await answer_query(update)
    service = await _place_of(context, apt)
    place = apt.place or (f"{service['name']}, {service['address']}" if service else None)
    data = reminders.ics(
        uid=f"appointment-{apt.id}@integrationsbot",
        title=apt.title,
        starts_at=apt.starts_at,
        tz=context.settings.tz,
        now=context.bot_data.clock(),
        place=place,
        description=apt.bring,
        geo=(service["lat"], service["lon"]) if _has_map(service) and service else None,
    )
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(data, filename="appointment.ics"),
        caption=context._("🗓 Open this file to add the appointment to your calendar."),
    )


async def send_map(update: Update, context: BotContext) -> None:
    apt = await _own(update, context, MAP)
    service = await _place_of(context, apt) if apt is not None else None
    if apt is None or service is None or not _has_map(service) or update.effective_chat is None:
        await _stale(update, context)
        return
    await answer_query(update)
    await context.bot.send_venue(
        update.effective_chat.id,
        latitude=service["lat"],
        longitude=service["lon"],
        title=service["name"][:128],
        address=(service["address"] or apt.place or "")[:256],
    )


# --- reminder times: the client's own, the office's defaults -------------------------------------------


def _offsets_markup(tr: Translator, chosen: list[int], toggle: str, back: str) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if offset in chosen else "▫️ ") + reminders.offset_label(offset, tr),
                callback_data=f"{toggle}{offset}",
            )
        ]
        for offset in reminders.CHOICES
    ]
    rows.append([InlineKeyboardButton(tr.gettext("◀️ Back"), callback_data=back)])
    return InlineKeyboardMarkup(rows)


async def show_own_offsets(update: Update, context: BotContext) -> None:
    assert context.user is not None
    offset = _offset(update, OWN_TOGGLE)
    service = _service(context)
    chosen = await service.get_client_offsets(context.user.id)
    if offset is not None:
        chosen = [o for o in chosen if o != offset] if offset in chosen else [*chosen, offset]
        await service.set_client_offsets(context.user.id, chosen)
    await answer_query(update)
    text = context._(
        "⏰ <b>Reminder times</b>\nWhen should I remind you of your appointments? Tap to switch."
    )
    await reply(update, context, text, _offsets_markup(context.tr, chosen, OWN_TOGGLE, MY))


@staff_only
async def show_default_offsets(update: Update, context: BotContext) -> None:
    offset = _offset(update, DEFAULT_TOGGLE)
    service = _service(context)
    chosen = await service.get_default_offsets()
    if offset is not None:
        chosen = [o for o in chosen if o != offset] if offset in chosen else [*chosen, offset]
        await service.set_default_offsets(chosen)
    await answer_query(update)
    text = context._(
        "⏰ <b>Default reminder times</b>\nFor clients who did not choose their own. Tap to switch."
    )
    await reply(update, context, text, _offsets_markup(context.tr, chosen, DEFAULT_TOGGLE, OFFICE))


# --- staff: the office's list ------------------------------------------------------------------------


@staff_only
async def show_office(update: Update, context: BotContext) -> None:
    await answer_query(update)
    appointments = await _service(context).office_list()
    rows = [[InlineKeyboardButton(context._("➕ New appointment"), callback_data=NEW)]]
    rows += [
        [InlineKeyboardButton(_button_label(context.tr, a), callback_data=f"{STAFF_SHOW}{a.id}")]
        for a in appointments
    ]
    rows.append(
        [
            InlineKeyboardButton(context._("⏰ Default reminder times"), callback_data=DEFAULTS),
            InlineKeyboardButton(context._("◀️ Back"), callback_data=ADMIN_CALLBACK),
        ]
    )
    text = context._("📅 <b>Appointments</b>\nUpcoming appointments made by the office:")
    if not appointments:
        text = context._("📅 <b>Appointments</b>\nNo upcoming appointments made by the office.")
    await reply(update, context, text, InlineKeyboardMarkup(rows))


@staff_only
async def staff_show(update: Update, context: BotContext) -> None:
    number = _id(update, STAFF_SHOW)
    apt = await _service(context).get(number) if number is not None else None
    if apt is None:
        await _stale(update, context)
        return
    await answer_query(update)
    service = await _place_of(context, apt)
    text = details(context.tr, apt, service, staff=True)
    if apt.client_id is not None:
        text += "\n👤 " + pseudonym(apt.client_id)
    else:
        text += "\n" + context._("👤 Invitation not opened yet")
    rows = []
    if apt.status == repo.SCHEDULED:
        rows.append(
            [
                InlineKeyboardButton(context._("🕐 Change time"), callback_data=f"{MOVE}{apt.id}"),
                InlineKeyboardButton(context._("❌ Cancel"), callback_data=f"{STAFF_CANCEL}{apt.id}"),
            ]
        )
        edits = [
            InlineKeyboardButton(context._(label), callback_data=f"{EDIT}{letter}:{apt.id}")
            for letter, (_field, label, _prompt) in EDITABLE.items()
        ]
        rows += [edits[:2], edits[2:]]
    rows.append([InlineKeyboardButton(context._("◀️ Back"), callback_data=OFFICE)])
    await reply(update, context, text, InlineKeyboardMarkup(rows))


@staff_only
async def staff_cancel(update: Update, context: BotContext) -> None:
    number = _id(update, STAFF_CANCEL)
    assert context.user is not None
    if number is None or not await _service(context).cancel(number, actor=context.user.id, staff=True):
        await _stale(update, context)
        return
    context.bot_data.outbox.wake()
    await answer_query(update, context._("The appointment is cancelled."))
    await show_office(update, context)


# --- the conversation: new appointment (staff or client), change time (staff) --------------------------

Step = Callable[[Update, BotContext], Awaitable[Any]]


def _draft(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data.setdefault(DRAFT, {})


def guarded(step: Step) -> Step:
    """A step shared by client and staff flows: in a staff flow it checks the role again."""
    staff_step = staff_only(step)

    async def run(update: Update, context: BotContext) -> Any:
        if _draft(context).get("mode") in ("staff", "move"):
            return await staff_step(update, context)
        return await step(update, context)

    run.__name__ = step.__name__
    return run


def _quit_row(context: BotContext) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(context._("✖️ Stop"), callback_data=QUIT)]


def _skip_markup(context: BotContext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(context._("⏭ Skip"), callback_data=SKIP)], _quit_row(context)]
    )


def _typed(update: Update) -> str | None:
    text = update.message.text.strip() if update.message and update.message.text else ""
    return text[:MAX_TEXT] if text else None


async def start_client_add(update: Update, context: BotContext) -> int:
    await answer_query(update)
    assert context.user_data is not None
    context.user_data[DRAFT] = {"mode": "client"}
    return await _ask_title(update, context)


@staff_only
async def start_staff_new(update: Update, context: BotContext) -> int:
    await answer_query(update)
    assert context.user_data is not None
    context.user_data[DRAFT] = {"mode": "staff"}
    async with context.session() as session:
        clients = await repo.recent_clients(session)
    rows = [
        [InlineKeyboardButton(client_label(c, context.tr), callback_data=f"{PICK_CLIENT}{c.id}")]
        for c in clients
    ]
    rows.append([InlineKeyboardButton(context._("🔗 Invite link for someone new"), callback_data=INVITE)])
    rows.append(_quit_row(context))
    text = context._(
        "👤 <b>For whom is the appointment?</b>\nChoose a client, write their Telegram user id, "
        "or create an invite link for someone who has not started the bot yet."
    )
    await reply(update, context, text, InlineKeyboardMarkup(rows))
    return CLIENT


@staff_only
async def pick_client(update: Update, context: BotContext) -> int:
    draft = _draft(context)
    if update.callback_query is not None:
        if update.callback_query.data == INVITE:
            await answer_query(update)
            draft["invite"] = True
            return await _ask_title(update, context)
        number = _id(update, PICK_CLIENT)
    else:
        typed = _typed(update) or ""
        number = int(typed) if typed.isdigit() and len(typed) < 16 else None
    async with context.session() as session:
        client = await repo.user(session, number) if number is not None else None
    if client is None or client.language is None:
        await answer_query(update)
        await reply(
            update,
            context,
            context._(
                "Nobody with this Telegram user id has started the bot. Try again or create an invite link."
            ),
            InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(context._("🔗 Invite link for someone new"), callback_data=INVITE)],
                    _quit_row(context),
                ]
            ),
        )
        return CLIENT
    await answer_query(update)
    draft["client_id"] = client.id
    return await _ask_title(update, context)


async def _ask_title(update: Update, context: BotContext) -> int:
    text = context._("✏️ What is the appointment? Write a short title, e.g. “Jobcenter” or “Doctor”.")
    await reply(update, context, text, InlineKeyboardMarkup([_quit_row(context)]))
    return TITLE


@guarded
async def got_title(update: Update, context: BotContext) -> int:
    title = _typed(update)
    if not title:
        return await _ask_title(update, context)
    _draft(context)["title"] = title[:200]
    text = context._("🏢 Is it at one of our services? Write its name to search, or skip.")
    await reply(update, context, text, _skip_markup(context))
    return SERVICE


@guarded
async def got_service(update: Update, context: BotContext) -> int:
    draft = _draft(context)
    if update.callback_query is not None:
        number = 0 if update.callback_query.data == SKIP else _id(update, PICK_SERVICE)
        if number is None or (number and number not in context.bot_data.directory.services):
            await _stale(update, context)
            return SERVICE
        await answer_query(update)
        draft["service_id"] = number or None
        if draft.get("mode") == "staff":
            await reply(
                update,
                context,
                context._("📍 Where is it? Write the address or room, or skip."),
                _skip_markup(context),
            )
            return PLACE
        return await _ask_day(update, context)
    directory = context.bot_data.directory
    hits = directory.search(_typed(update) or "", 6)
    rows = [
        [
            InlineKeyboardButton(
                directory.services[h.service_id].name(context.tr.lang)[:60],
                callback_data=f"{PICK_SERVICE}{h.service_id}",
            )
        ]
        for h in hits
    ]
    rows.append([InlineKeyboardButton(context._("⏭ Skip"), callback_data=SKIP)])
    rows.append(_quit_row(context))
    text = (
        context._("Choose the service, write again to search, or skip.")
        if hits
        else context._("I found no service with this name. Write again, or skip.")
    )
    await reply(update, context, text, InlineKeyboardMarkup(rows))
    return SERVICE


@staff_only
async def got_place(update: Update, context: BotContext) -> int:
    if update.callback_query is None:
        _draft(context)["place"] = _typed(update)
    await answer_query(update)
    return await _ask_day(update, context)


async def _ask_day(update: Update, context: BotContext, page: int = 0) -> int:
    today = context.bot_data.clock().astimezone(context.settings.tz).date()
    first = today + dt.timedelta(days=page * DAYS_PER_PAGE)
    days = [first + dt.timedelta(days=n) for n in range(DAYS_PER_PAGE)]
    buttons = [InlineKeyboardButton(context.tr.short_date(d), callback_data=f"{DAY}{d:%Y%m%d}") for d in days]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton("◀️", callback_data=f"{DAYS_PAGE}{page - 1}"))
    if page < 25:
        nav.append(InlineKeyboardButton("▶️", callback_data=f"{DAYS_PAGE}{page + 1}"))
    rows += [nav, _quit_row(context)]
    await reply(update, context, context._("📅 Which day?"), InlineKeyboardMarkup(rows))
    return PICK_DAY


@guarded
async def got_day(update: Update, context: BotContext) -> int:
    data = update.callback_query.data if update.callback_query else ""
    if data and data.startswith(DAYS_PAGE):
        page = _id(update, DAYS_PAGE)
        await answer_query(update)
        return await _ask_day(update, context, min(page or 0, 25))
    try:
        day = dt.datetime.strptime((data or "").removeprefix(DAY), "%Y%m%d").date()
    except ValueError:
        await _stale(update, context)
        return PICK_DAY
    await answer_query(update)
    _draft(context)["day"] = day.isoformat()
    buttons = [InlineKeyboardButton(f"{h:02d}", callback_data=f"{HOUR}{h}") for h in HOURS]
    rows = [buttons[i : i + 4] for i in range(0, len(buttons), 4)] + [_quit_row(context)]
    text = context._("🕐 {day}: at what hour?").format(day=context.tr.date(day, "full"))
    await reply(update, context, text, InlineKeyboardMarkup(rows))
    return PICK_HOUR


@guarded
async def got_hour(update: Update, context: BotContext) -> int:
    hour = _id(update, HOUR)
    if hour is None or hour not in HOURS:
        await _stale(update, context)
        return PICK_HOUR
    await answer_query(update)
    _draft(context)["hour"] = hour
    buttons = [InlineKeyboardButton(f"{hour:02d}:{m:02d}", callback_data=f"{MINUTE}{m}") for m in MINUTES]
    await reply(
        update, context, context._("🕐 And the minutes?"), InlineKeyboardMarkup([buttons, _quit_row(context)])
    )
    return PICK_MINUTE


@guarded
async def got_minute(update: Update, context: BotContext) -> int:
    minute = _id(update, MINUTE)
    draft = _draft(context)
    if minute is None or minute not in MINUTES or "day" not in draft or "hour" not in draft:
        await _stale(update, context)
        return PICK_MINUTE
    await answer_query(update)
    starts_at = reminders.local_instant(
        dt.date.fromisoformat(draft["day"]), dt.time(draft["hour"], minute), context.settings.tz
    )
    if starts_at <= context.bot_data.clock():
        await reply(update, context, context._("This time has already passed. Please choose again."))
        return await _ask_day(update, context)
    draft["starts_at"] = starts_at.isoformat()
    if draft.get("mode") == "move":
        return await _finish_move(update, context)
    if draft.get("mode") == "staff":
        await reply(
            update,
            context,
            context._("🎒 What should the client bring? Write it, or skip."),
            _skip_markup(context),
        )
        return BRING
    return await _finish(update, context)


@staff_only
async def got_bring(update: Update, context: BotContext) -> int:
    if update.callback_query is None:
        _draft(context)["bring"] = _typed(update)
    await answer_query(update)
    await reply(
        update,
        context,
        context._("📝 Notes for the office (the client does not see them), or skip."),
        _skip_markup(context),
    )
    return NOTES


@staff_only
async def got_notes(update: Update, context: BotContext) -> int:
    if update.callback_query is None:
        _draft(context)["notes"] = _typed(update)
    await answer_query(update)
    return await _finish(update, context)


async def _finish(update: Update, context: BotContext) -> int:
    assert context.user is not None and context.user_data is not None
    draft = context.user_data.pop(DRAFT, {})
    staff = draft.get("mode") == "staff"
    if staff and not context.is_staff:
        return ConversationHandler.END
    service = _service(context)
    apt_id, code = await service.create(
        Draft(
            title=draft["title"],
            starts_at=dt.datetime.fromisoformat(draft["starts_at"]),
            client_id=draft.get("client_id") if staff else context.user.id,
            service_id=draft.get("service_id"),
            place=draft.get("place"),
            bring=draft.get("bring"),
            notes=draft.get("notes"),
        ),
        created_by=context.user.id,
        invite=bool(staff and draft.get("invite")),
    )
    context.bot_data.outbox.wake()
    apt = await service.get(apt_id)
    assert apt is not None
    summary = details(context.tr, apt, await _place_of(context, apt), staff=staff)
    back = OFFICE if staff else MY
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(context._("◀️ Back"), callback_data=back)]])
    if code is not None and update.effective_chat is not None:
        link = f"https://t.me/{context.bot.username}?start=apt-{code}"
        text = context._(
            "✅ Saved. Give the client this one-time link or let them scan the QR code. "
            "It works once and expires in {days} days:\n{link}"
        ).format(days=service.settings.appointment_invite_days, link=context.tr.isolate(link))
        await reply(update, context, summary + "\n\n" + text, markup)
        await context.bot.send_photo(
            update.effective_chat.id,
            InputFile(qr_png(link), filename="invite.png"),
            caption=html.escape(apt.title),
        )
        return ConversationHandler.END
    planned = await service.reminder_rows(apt_id)
    times = ", ".join(
        context.tr.datetime(r.due_at, "short") for r in planned if r.status == OutboxStatus.PENDING.value
    )
    note = (
        context._("⏰ Reminders: {times}").format(times=times)
        if times
        else context._("⏰ No reminders: the appointment is too soon.")
    )
    await reply(update, context, context._("✅ Saved.") + "\n\n" + summary + "\n" + note, markup)
    return ConversationHandler.END


@staff_only
async def start_move(update: Update, context: BotContext) -> int:
    number = _id(update, MOVE)
    apt = await _service(context).get(number) if number is not None else None
    if apt is None or apt.status != repo.SCHEDULED:
        await _stale(update, context)
        return ConversationHandler.END
    await answer_query(update)
    assert context.user_data is not None
    context.user_data[DRAFT] = {"mode": "move", "appointment_id": apt.id}
    return await _ask_day(update, context)


async def _finish_move(update: Update, context: BotContext) -> int:
    assert context.user is not None and context.user_data is not None
    draft = context.user_data.pop(DRAFT, {})
    moved = await _service(context).move(
        int(draft["appointment_id"]),
        dt.datetime.fromisoformat(draft["starts_at"]),
        actor=context.user.id,
        staff=True,
    )
    context.bot_data.outbox.wake()
    text = (
        context._("✅ The time is changed; the reminders moved with it.")
        if moved
        else context._("This appointment can no longer be changed.")
    )
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton(context._("◀️ Back"), callback_data=f"{STAFF_SHOW}{draft['appointment_id']}")]]
    )
    await reply(update, context, text, markup)
    return ConversationHandler.END


EDITABLE: dict[str, tuple[str, str, str]] = {  # letter -> (field, button, prompt)
    "t": ("title", N_("✏️ Title"), N_("✏️ Write the new title.")),
    "p": ("place", N_("📍 Place"), N_("📍 Write the new place, or clear it.")),
    "b": ("bring", N_("🎒 What to bring"), N_("🎒 Write what the client should bring, or clear it.")),
    "n": ("notes", N_("📝 Notes"), N_("📝 Write the new notes for the office, or clear them.")),
}


@staff_only
async def start_edit(update: Update, context: BotContext) -> int:
    letter, _, number = (update.callback_query.data or "").removeprefix(EDIT).partition(":")
    apt = await _service(context).get(int(number)) if number.isdigit() and len(number) < 12 else None
    if letter not in EDITABLE or apt is None or apt.status != repo.SCHEDULED:
        await _stale(update, context)
        return ConversationHandler.END
    await answer_query(update)
    assert context.user_data is not None
    context.user_data[DRAFT] = {"mode": "edit", "appointment_id": apt.id, "field": EDITABLE[letter][0]}
    buttons = [_quit_row(context)]
    if letter != "t":
        buttons.insert(0, [InlineKeyboardButton(context._("🗑 Clear"), callback_data=SKIP)])
    await reply(update, context, context._(EDITABLE[letter][2]), InlineKeyboardMarkup(buttons))
    return EDIT_FIELD


@staff_only
async def got_edit(update: Update, context: BotContext) -> int:
    assert context.user is not None and context.user_data is not None
    draft = context.user_data.get(DRAFT, {})
    value = None if update.callback_query is not None else _typed(update)
    if draft.get("field") == "title" and not value:
        await answer_query(update)
        return EDIT_FIELD
    await answer_query(update)
    context.user_data.pop(DRAFT, None)
    changed = await _service(context).update(
        int(draft.get("appointment_id", 0)),
        actor=context.user.id,
        staff=True,
        **{draft.get("field", ""): value},
    )
    text = (
        context._("✅ Changed. Reminders show the new text.")
        if changed
        else context._("This appointment can no longer be changed.")
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    context._("◀️ Back"), callback_data=f"{STAFF_SHOW}{draft.get('appointment_id', 0)}"
                )
            ]
        ]
    )
    await reply(update, context, text, markup)
    return ConversationHandler.END


async def quit_conversation(update: Update, context: BotContext) -> int:
    await answer_query(update)
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    await reply(
        update,
        context,
        context._("Stopped. Nothing was saved."),
        InlineKeyboardMarkup([[InlineKeyboardButton(context._("☰ Menu"), callback_data=MENU_CALLBACK)]]),
    )
    return ConversationHandler.END


# --- invite links ------------------------------------------------------------------------------------


async def open_invite(update: Update, context: BotContext, code: str) -> None:
    assert context.user is not None
    apt = await _service(context).redeem_invite(code, context.user.id)
    if apt is None:
        await reply(
            update,
            context,
            context._(
                "This invitation link was already used or has expired. Please ask the office for a new one."
            ),
            InlineKeyboardMarkup([[InlineKeyboardButton(context._("☰ Menu"), callback_data=MENU_CALLBACK)]]),
        )
        return
    context.bot_data.outbox.wake()
    service = await _place_of(context, apt)
    text = context._("✅ This appointment is now in “My appointments”. I will remind you in time.")
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(context._("🗓 Add to calendar"), callback_data=f"{ICS}{apt.id}")],
            [InlineKeyboardButton(context._("📅 My appointments"), callback_data=MY)],
        ]
    )
    await reply(update, context, text + "\n\n" + details(context.tr, apt, service), markup)


# --- retention ----------------------------------------------------------------------------------------


async def retention_job(context: BotContext) -> None:
    deleted = await _service(context).purge()
    if deleted:
        log.info("retention: deleted %d past appointments with their reminders", deleted)


def register(app: Application) -> None:
    state: AppState = app.bot_data
    state.appointments = AppointmentService(state.sessions, state.clock, state.settings.tz, state.settings)
    render_reminder, render_notice = make_renderers(state.settings)
    state.outbox.register(REMINDER_KIND, render_reminder)
    state.outbox.register(NOTICE_KIND, render_notice)
    register_personal_data(APPOINTMENT_DATA)
    add_menu_entry(MenuEntry(N_("📅 My appointments"), MY, order=30))
    add_admin_section(N_("📅 Appointments"), OFFICE)
    register_deep_link("apt", open_invite)

    with warnings.catch_warnings():  # per_message=False is meant: text steps and button steps mix
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        app.add_handler(_conversation())
    app.add_handler(CallbackQueryHandler(show_mine, pattern=f"^{MY}$"))
    app.add_handler(CommandHandler("appointments", show_mine))
    app.add_handler(CallbackQueryHandler(show_one, pattern=f"^{SHOW}"))
    app.add_handler(CallbackQueryHandler(ask_cancel, pattern=f"^{CANCEL_ASK}"))
    app.add_handler(CallbackQueryHandler(do_cancel, pattern=f"^{CANCEL_DO}"))
    app.add_handler(CallbackQueryHandler(answer_reminder, pattern=f"^({YES}|{NO})"))
    app.add_handler(CallbackQueryHandler(send_calendar, pattern=f"^{ICS}"))
    app.add_handler(CallbackQueryHandler(send_map, pattern=f"^{MAP}"))
    app.add_handler(CallbackQueryHandler(show_own_offsets, pattern=f"^{OWN_OFFSETS}"))
    app.add_handler(CallbackQueryHandler(show_office, pattern=f"^{OFFICE}$"))
    app.add_handler(CallbackQueryHandler(show_default_offsets, pattern=f"^{DEFAULTS}"))
    app.add_handler(CallbackQueryHandler(staff_show, pattern=f"^{STAFF_SHOW}"))
    app.add_handler(CallbackQueryHandler(staff_cancel, pattern=f"^{STAFF_CANCEL}"))
    assert app.job_queue is not None
    app.job_queue.run_daily(
        retention_job, time=dt.time(3, 30, tzinfo=state.settings.tz), name="appointments:retention"
    )


def _conversation() -> ConversationHandler:
    """New appointment (staff or client) and change of time (staff); survives a restart."""
    text = filters.TEXT & ~filters.COMMAND
    return ConversationHandler(
        entry_points=[
            CallbackQueryHandler(start_client_add, pattern=f"^{ADD}$"),
            CallbackQueryHandler(start_staff_new, pattern=f"^{NEW}$"),
            CallbackQueryHandler(start_move, pattern=rf"^{MOVE}\d+$"),
            CallbackQueryHandler(start_edit, pattern=f"^{EDIT}"),
        ],
        states={
            CLIENT: [
                CallbackQueryHandler(pick_client, pattern=f"^{PICK_CLIENT}"),
                MessageHandler(text, pick_client),
            ],
            TITLE: [MessageHandler(text, got_title)],
            SERVICE: [
                CallbackQueryHandler(got_service, pattern=f"^({PICK_SERVICE}|{SKIP}$)"),
                MessageHandler(text, got_service),
            ],
            PLACE: [CallbackQueryHandler(got_place, pattern=f"^{SKIP}$"), MessageHandler(text, got_place)],
            PICK_DAY: [CallbackQueryHandler(got_day, pattern=f"^({DAY}|{DAYS_PAGE})")],
            PICK_HOUR: [CallbackQueryHandler(got_hour, pattern=f"^{HOUR}")],
            PICK_MINUTE: [CallbackQueryHandler(got_minute, pattern=f"^{MINUTE}")],
            BRING: [CallbackQueryHandler(got_bring, pattern=f"^{SKIP}$"), MessageHandler(text, got_bring)],
            NOTES: [CallbackQueryHandler(got_notes, pattern=f"^{SKIP}$"), MessageHandler(text, got_notes)],
            EDIT_FIELD: [CallbackQueryHandler(got_edit, pattern=f"^{SKIP}$"), MessageHandler(text, got_edit)],
        },
        fallbacks=[
            CallbackQueryHandler(quit_conversation, pattern=f"^{QUIT}$"),
            CommandHandler("cancel", quit_conversation),
        ],
        allow_reentry=True,
        persistent=True,
        name="appointments",
    )
