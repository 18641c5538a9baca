"""Admin section "📣 Announcements": compose → versions → fallback → audience → preview → send or schedule.

Every step is a state of one persistent ConversationHandler (it survives a restart; the draft lives
in the persisted user_data). Every command, step and callback is wrapped with `staff_only`. The
confirmation message becomes the live delivery report, edited as outbox outcomes arrive.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import warnings
from html import escape, unescape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.announcements import (
    AUDIENCE_ROLES,
    FALLBACKS,
    KIND,
    REF_TYPE,
    SOURCE_LANGUAGE,
    Draft,
    LiveReports,
    Plan,
    announcements_of,
    body_for,
)
from bot.context import BotContext
from bot.i18n import N_
from bot.languages import LANGUAGES
from bot.outbox import Outgoing, RenderContext, Skip
from bot.topics import topics_of
from handlers.admin import ADMIN_CALLBACK, add_admin_section
from handlers.auth import staff_only
from handlers.ui import answer_query, grid, reply
from storage.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

# callback data (all staff-only, prefix "ann:")
PREFIX = "ann:"
HOME = "ann:home"
NEW = "ann:new"
LIST = "ann:list"
CANCEL_ASK = "ann:x:"  # + announcement id
CANCEL_YES = "ann:xy:"  # + announcement id
ABORT = "ann:abort"
NO_MEDIA = "ann:nomedia"
VERSION = "ann:v:"  # + language
VERSIONS_DONE = "ann:vdone"
FALLBACK = "ann:fb:"  # + de | en | skip
ROLE = "ann:r:"  # + client | volunteer | staff
LANG = "ann:l:"  # + language
TOPIC = "ann:t:"  # + topic id
AUDIENCE = "ann:aud"
PREVIEW = "ann:pv"
SEND_NOW = "ann:go"
SCHEDULE = "ann:sch"
DAY = "ann:d:"  # + YYYY-MM-DD
HOUR = "ann:h:"  # + hour
MINUTE = "ann:m:"  # + minute
SCHEDULE_YES = "ann:sgo"

# conversation states
TEXT, MEDIA, VERSIONS, VERSION_TEXT, FALLBACK_CHOICE, AUDIENCE_CHOICE, CONFIRM, DAY_PICK, HOUR_PICK = range(9)
MINUTE_PICK, SCHEDULE_CONFIRM = 9, 10

DRAFT_KEY = "ann_draft"
LANG_KEY = "ann_lang"
WHEN_KEY = "ann_when"
DAYS_AHEAD = 14
HOURS = range(6, 23)
MINUTES = (0, 15, 30, 45)

ROLE_LABELS = {"client": N_("Clients"), "volunteer": N_("Volunteers"), "staff": N_("Staff")}
FALLBACK_LABELS = {
    "de": N_("Send the German text"),
    "en": N_("Send the English text"),
    "skip": N_("Skip those recipients"),
}


# --- helpers -----------------------------------------------------------------------------------------


def _user_data(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data


def _draft(context: BotContext) -> Draft:
    return Draft.from_dict(_user_data(context).get(DRAFT_KEY))


def _save(context: BotContext, draft: Draft) -> None:
    _user_data(context)[DRAFT_KEY] = draft.to_dict()


def _clear(context: BotContext) -> None:
    for key in (DRAFT_KEY, LANG_KEY, WHEN_KEY):
        _user_data(context).pop(key, None)


def _data(update: Update, prefix: str) -> str | None:
    """The part after `prefix` of this callback's data (user input: checked by the caller)."""
    data = update.callback_query.data if update.callback_query else None
    if not data or not data.startswith(prefix) or len(data) > 64:
        return None
    return data.removeprefix(prefix)


def _cancel_row(context: BotContext) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(context._("✖ Cancel"), callback_data=ABORT)]


def _mark(on: bool) -> str:
    return "✅ " if on else "▫️ "


async def _stale(update: Update, context: BotContext) -> None:
    await answer_query(update, context._("This button is no longer valid."))


# --- admin section: home, list and cancel scheduled ones ---------------------------------------------


@staff_only
async def show_home(update: Update, context: BotContext) -> None:
    await answer_query(update)
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(context._("✍️ New announcement"), callback_data=NEW)],
            [InlineKeyboardButton(context._("🗓 Scheduled announcements"), callback_data=LIST)],
            [InlineKeyboardButton(context._("◀️ Back"), callback_data=ADMIN_CALLBACK)],
        ]
    )
    await reply(update, context, context._("📣 <b>Announcements</b>\nWhat would you like to do?"), markup)


@staff_only
async def show_scheduled(update: Update, context: BotContext) -> None:
    await answer_query(update)
    items = await announcements_of(context.bot_data).scheduled()
    tr = context.tr
    lines = [context._("🗓 <b>Scheduled announcements</b>")]
    rows = []
    for announcement, text in items:
        when = announcement.scheduled_at or announcement.created_at
        total = int((announcement.audience or {}).get("total", 0))
        preview = escape(_plain(text)[:60])
        lines.append(
            context.tr.ngettext(
                "#{id} · {date} {time} · {count} recipient\n{preview}",
                "#{id} · {date} {time} · {count} recipients\n{preview}",
                total,
            ).format(
                id=announcement.id,
                date=tr.date(when),
                time=tr.time(when),
                count=tr.number(total),
                preview=preview,
            )
        )
        rows.append(
            [
                InlineKeyboardButton(
                    context._("✖ Cancel #{id}").format(id=announcement.id),
                    callback_data=f"{CANCEL_ASK}{announcement.id}",
                )
            ]
        )
    if not items:
        lines.append(context._("Nothing is scheduled."))
    rows.append([InlineKeyboardButton(context._("◀️ Back"), callback_data=HOME)])
    await reply(update, context, "\n\n".join(lines), InlineKeyboardMarkup(rows))


def _plain(html_text: str) -> str:
    """A one-line hint of an HTML text for lists (tags dropped, entities decoded)."""
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html_text)).split())


def _id(update: Update, prefix: str) -> int | None:
    raw = _data(update, prefix)
    return int(raw) if raw and raw.isdigit() and len(raw) < 10 else None


@staff_only
async def ask_cancel(update: Update, context: BotContext) -> None:
    announcement_id = _id(update, CANCEL_ASK)
    if announcement_id is None:
        await _stale(update, context)
        return
    await answer_query(update)
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    context._("Yes, cancel it"), callback_data=f"{CANCEL_YES}{announcement_id}"
                )
            ],
            [InlineKeyboardButton(context._("◀️ Back"), callback_data=LIST)],
        ]
    )
    text = context._("Cancel announcement #{id}? Nobody will receive it.").format(id=announcement_id)
    await reply(update, context, text, markup)


@staff_only
async def cancel_scheduled(update: Update, context: BotContext) -> None:
    assert context.user is not None
    announcement_id = _id(update, CANCEL_YES)
    service = announcements_of(context.bot_data)
    if announcement_id is None or not await service.cancel(announcement_id, context.user.id):
        await answer_query(update, context._("This announcement is no longer scheduled."), alert=True)
        await show_scheduled(update, context)
        return
    await answer_query(update, context._("Announcement #{id} cancelled.").format(id=announcement_id))
    await show_scheduled(update, context)


@staff_only
async def stale_staff_button(update: Update, context: BotContext) -> None:
    """An announcement button outside its step (an old message, a restart in between)."""
    await answer_query(update, context._("This step is over. Please start again from the announcements."))


# --- compose --------------------------------------------------------------------------------------


@staff_only
async def start_compose(update: Update, context: BotContext) -> int:
    await answer_query(update)
    _clear(context)
    _save(context, Draft())
    text = context._(
        "✍️ <b>New announcement</b>\nWrite the text in German: it is the source for every language. "
        "You can use bold and italic formatting."
    )
    await reply(update, context, text, InlineKeyboardMarkup([_cancel_row(context)]))
    return TEXT


@staff_only
async def receive_text(update: Update, context: BotContext) -> int:
    assert update.message is not None
    draft = _draft(context)
    body = update.message.text_html
    if len(body) > draft.limit:
        await update.message.reply_text(
            context._(
                "This text is too long ({length} characters, at most {limit}). Please shorten it."
            ).format(length=len(body), limit=draft.limit)
        )
        return TEXT
    draft.text = body
    _save(context, draft)
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton(context._("No attachment"), callback_data=NO_MEDIA)], _cancel_row(context)]
    )
    await update.message.reply_text(
        context._("📎 Add a photo or a document? Send it now, or tap “No attachment”."), reply_markup=markup
    )
    return MEDIA


@staff_only
async def receive_media(update: Update, context: BotContext) -> int:
    message = update.message
    assert message is not None
    draft = _draft(context)
    if message.photo:
        draft.photo, draft.document = message.photo[-1].file_id, None
    elif message.document:
        draft.photo, draft.document = None, message.document.file_id
    if len(draft.text) > draft.limit:
        await message.reply_text(
            context._(
                "With an attachment the text can have at most {limit} characters; it has {length}. "
                "Send “No attachment” or start again with a shorter text."
            ).format(limit=draft.limit, length=len(draft.text))
        )
        return MEDIA
    _save(context, draft)
    return await show_versions(update, context)


@staff_only
async def skip_media(update: Update, context: BotContext) -> int:
    await answer_query(update)
    return await show_versions(update, context)


async def show_versions(update: Update, context: BotContext) -> int:
    draft = _draft(context)
    buttons = [
        InlineKeyboardButton(
            _mark(code in draft.versions) + lang.native_name, callback_data=f"{VERSION}{code}"
        )
        for code, lang in LANGUAGES.items()
        if code != SOURCE_LANGUAGE
    ]
    rows = grid(buttons, 2)
    rows.append([InlineKeyboardButton(context._("➡️ Continue"), callback_data=VERSIONS_DONE)])
    rows.append(_cancel_row(context))
    text = context._(
        "🌍 <b>Versions per language</b>\nGerman is the source. Tap a language to write its version "
        "(✅ = written). Next you choose what recipients of the other languages get."
    )
    await reply(update, context, text, InlineKeyboardMarkup(rows))
    return VERSIONS


@staff_only
async def ask_version(update: Update, context: BotContext) -> int:
    code = _data(update, VERSION)
    if code not in LANGUAGES or code == SOURCE_LANGUAGE:
        await _stale(update, context)
        return VERSIONS
    await answer_query(update)
    _user_data(context)[LANG_KEY] = code
    draft = _draft(context)
    current = draft.versions.get(code)
    text = context._("Write the version in {language}. The German source:").format(
        language=LANGUAGES[code].native_name
    )
    text += f"\n\n{draft.text}"
    if current:
        text += "\n\n" + context._("Current version:") + f"\n\n{current}"
    await reply(update, context, text, InlineKeyboardMarkup([_cancel_row(context)]))
    return VERSION_TEXT


@staff_only
async def receive_version(update: Update, context: BotContext) -> int:
    assert update.message is not None
    code = _user_data(context).get(LANG_KEY)
    draft = _draft(context)
    if code not in LANGUAGES:
        return await show_versions(update, context)
    body = update.message.text_html
    if len(body) > draft.limit:
        await update.message.reply_text(
            context._(
                "This text is too long ({length} characters, at most {limit}). Please shorten it."
            ).format(length=len(body), limit=draft.limit)
        )
        return VERSION_TEXT
    draft.versions[code] = body
    _save(context, draft)
    return await show_versions(update, context)


@staff_only
async def versions_done(update: Update, context: BotContext) -> int:
    await answer_query(update)
    draft = _draft(context)
    missing = [code for code in LANGUAGES if code not in draft.texts()]
    if not missing:
        return await show_audience(update, context)
    options = [f for f in FALLBACKS if f != "en" or "en" in draft.versions]
    rows = [
        [InlineKeyboardButton(context._(FALLBACK_LABELS[f]), callback_data=f"{FALLBACK}{f}")] for f in options
    ]
    rows.append(_cancel_row(context))
    names = ", ".join(LANGUAGES[code].native_name for code in missing)
    text = context._(
        "Some languages have no version: {languages}.\nWhat should recipients who read these languages get?"
    ).format(languages=names)
    await reply(update, context, text, InlineKeyboardMarkup(rows))
    return FALLBACK_CHOICE


@staff_only
async def choose_fallback(update: Update, context: BotContext) -> int:
    choice = _data(update, FALLBACK)
    draft = _draft(context)
    if choice not in FALLBACKS or (choice == "en" and "en" not in draft.versions):
        await _stale(update, context)
        return FALLBACK_CHOICE
    await answer_query(update)
    draft.fallback = choice
    _save(context, draft)
    return await show_audience(update, context)


# --- audience ---------------------------------------------------------------------------------------


async def show_audience(update: Update, context: BotContext) -> int:
    draft = _draft(context)
    topics = await topics_of(context.bot_data).topics()
    lang = context.tr.lang
    rows = [
        [
            InlineKeyboardButton(
                _mark(r in draft.roles) + context._(ROLE_LABELS[r]), callback_data=f"{ROLE}{r}"
            )
            for r in AUDIENCE_ROLES
        ]
    ]
    rows += grid(
        [
            InlineKeyboardButton(
                _mark(code in draft.languages) + lg.native_name, callback_data=f"{LANG}{code}"
            )
            for code, lg in LANGUAGES.items()
        ],
        3,
    )
    rows += grid(
        [
            InlineKeyboardButton(_mark(t.id in draft.topics) + t.label(lang), callback_data=f"{TOPIC}{t.id}")
            for t in topics
        ],
        2,
    )
    rows.append([InlineKeyboardButton(context._("👁 Preview"), callback_data=PREVIEW)])
    rows.append(_cancel_row(context))
    text = context._(
        "👥 <b>Who should get it?</b>\nFirst row: clients, volunteers, staff. Then languages and topics: "
        "none selected means everyone; selected ones narrow the audience."
    )
    await reply(update, context, text, InlineKeyboardMarkup(rows))
    return AUDIENCE_CHOICE


def _toggle(values: list[Any], value: Any) -> list[Any]:
    return [v for v in values if v != value] if value in values else [*values, value]


@staff_only
async def toggle_audience(update: Update, context: BotContext) -> int:
    draft = _draft(context)
    data = update.callback_query.data if update.callback_query else ""
    if (role := _data(update, ROLE)) is not None and role in AUDIENCE_ROLES:
        draft.roles = _toggle(draft.roles, role)
    elif (code := _data(update, LANG)) is not None and code in LANGUAGES:
        draft.languages = _toggle(draft.languages, code)
    elif (raw := _data(update, TOPIC)) is not None and raw.isdigit() and len(raw) < 10:
        ids = {t.id for t in await topics_of(context.bot_data).topics()}
        if int(raw) not in ids:
            await _stale(update, context)
            return AUDIENCE_CHOICE
        draft.topics = _toggle(draft.topics, int(raw))
    else:
        log.info("odd audience callback %r", (data or "")[:64])
        await _stale(update, context)
        return AUDIENCE_CHOICE
    await answer_query(update)
    _save(context, draft)
    return await show_audience(update, context)


@staff_only
async def back_to_audience(update: Update, context: BotContext) -> int:
    await answer_query(update)
    return await show_audience(update, context)


# --- preview and confirmation -------------------------------------------------------------------


async def _send_preview(context: BotContext, chat_id: int, draft: Draft, lang: str) -> None:
    chosen = body_for(draft.texts(), lang, draft.fallback)
    if chosen is None:
        return
    text = announcements_of(context.bot_data).render(lang, *chosen)
    if draft.photo:
        await context.bot.send_photo(chat_id, draft.photo, caption=text)
    elif draft.document:
        await context.bot.send_document(chat_id, draft.document, caption=text)
    else:
        await context.bot.send_message(chat_id, text)


def _plan_lines(context: BotContext, the_plan: Plan) -> list[str]:
    tr = context.tr
    lines = [
        tr.ngettext("{language}: {count} recipient", "{language}: {count} recipients", n).format(
            language=tr.isolate(LANGUAGES[code].native_name), count=tr.number(n)
        )
        for code, n in the_plan.per_language.items()
    ]
    if the_plan.skipped:
        lines.append(
            tr.ngettext(
                "Skipped (no version in their language): {count}",
                "Skipped (no version in their language): {count}",
                the_plan.skipped,
            ).format(count=tr.number(the_plan.skipped))
        )
    return lines


@staff_only
async def preview(update: Update, context: BotContext) -> int:
    assert update.effective_chat is not None
    draft = _draft(context)
    the_plan = await announcements_of(context.bot_data).preview(draft)
    if the_plan.total == 0:
        await answer_query(update, context._("Nobody matches this audience. Please change it."), alert=True)
        return AUDIENCE_CHOICE
    await answer_query(update)
    chat_id = update.effective_chat.id
    await context.bot.send_message(
        chat_id, context._("👁 <b>Preview</b>: the announcement exactly as each language's recipients see it.")
    )
    for code in the_plan.per_language:
        await _send_preview(context, chat_id, draft, code)
    total = context.tr.number(the_plan.total)
    lines = [context._("📊 <b>Recipients per language</b> (in the order of the previews above):")]
    lines += _plan_lines(context, the_plan)
    lines += ["", context._("<b>Send it to {total} recipients?</b>").format(total=total)]
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    context._("✅ Send now to {total}").format(total=total), callback_data=SEND_NOW
                )
            ],
            [InlineKeyboardButton(context._("🗓 Schedule"), callback_data=SCHEDULE)],
            [InlineKeyboardButton(context._("◀️ Change the audience"), callback_data=AUDIENCE)],
            _cancel_row(context),
        ]
    )
    await context.bot.send_message(chat_id, "\n".join(lines), reply_markup=markup)
    return CONFIRM


async def _submit(update: Update, context: BotContext, send_at: dt.datetime | None) -> int | None:
    """Queue the announcement; the pressed message becomes its report. Returns the id (None: nobody)."""
    assert context.user is not None and update.callback_query is not None
    message = update.callback_query.message
    draft = _draft(context)
    service = announcements_of(context.bot_data)
    announcement_id, the_plan = await service.submit(
        draft,
        actor_id=context.user.id,
        send_at=send_at,
        report_chat_id=message.chat.id if isinstance(message, Message) else None,
        report_message_id=message.message_id if isinstance(message, Message) else None,
    )
    _clear(context)
    return announcement_id if the_plan.total else None


@staff_only
async def send_now(update: Update, context: BotContext) -> int:
    await answer_query(update, context._("Sending …"))
    announcement_id = await _submit(update, context, None)
    if announcement_id is None:
        await reply(update, context, context._("Nobody matches this audience. Nothing was sent."))
        return ConversationHandler.END
    await reply(
        update, context, context._("📣 <b>Announcement #{id}</b>: sending …").format(id=announcement_id)
    )
    context.bot_data.outbox.wake()
    # Outcomes may have been reported before the edit above: show the current counts after it.
    await context.bot_data.live_reports.poke(announcement_id)
    return ConversationHandler.END


# --- schedule: day → hour → minute → confirm ----------------------------------------------------------


@staff_only
async def pick_day(update: Update, context: BotContext) -> int:
    await answer_query(update)
    today = context.tr.local(context.bot_data.clock()).date()
    days = [today + dt.timedelta(days=i) for i in range(DAYS_AHEAD)]
    buttons = [
        InlineKeyboardButton(context.tr.short_date(d), callback_data=f"{DAY}{d.isoformat()}") for d in days
    ]
    rows = grid(buttons, 3) + [[InlineKeyboardButton(context._("◀️ Back"), callback_data=PREVIEW)]]
    rows.append(_cancel_row(context))
    await reply(update, context, context._("🗓 On which day should it go out?"), InlineKeyboardMarkup(rows))
    return DAY_PICK


@staff_only
async def pick_hour(update: Update, context: BotContext) -> int:
    raw = _data(update, DAY) or ""
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        await _stale(update, context)
        return DAY_PICK
    await answer_query(update)
    _user_data(context)[WHEN_KEY] = {"day": day.isoformat()}
    buttons = [
        InlineKeyboardButton(context.tr.time(dt.time(h, 0)), callback_data=f"{HOUR}{h}") for h in HOURS
    ]
    rows = grid(buttons, 4) + [[InlineKeyboardButton(context._("◀️ Back"), callback_data=SCHEDULE)]]
    rows.append(_cancel_row(context))
    text = context._("🕒 {date}: at what time?").format(date=context.tr.date(day, "full"))
    await reply(update, context, text, InlineKeyboardMarkup(rows))
    return HOUR_PICK


@staff_only
async def pick_minute(update: Update, context: BotContext) -> int:
    raw = _data(update, HOUR) or ""
    when = _user_data(context).get(WHEN_KEY) or {}
    if not raw.isdigit() or int(raw) not in HOURS or "day" not in when:
        await _stale(update, context)
        return HOUR_PICK
    await answer_query(update)
    hour = int(raw)
    _user_data(context)[WHEN_KEY] = {**when, "hour": hour}
    buttons = [
        InlineKeyboardButton(context.tr.time(dt.time(hour, m)), callback_data=f"{MINUTE}{m}") for m in MINUTES
    ]
    rows = [
        buttons,
        [InlineKeyboardButton(context._("◀️ Back"), callback_data=SCHEDULE)],
        _cancel_row(context),
    ]
    await reply(update, context, context._("🕒 And the minutes?"), InlineKeyboardMarkup(rows))
    return MINUTE_PICK


def _when(context: BotContext) -> dt.datetime | None:
    when = _user_data(context).get(WHEN_KEY) or {}
    try:
        day = dt.date.fromisoformat(when["day"])
        local = dt.datetime.combine(
            day, dt.time(int(when["hour"]), int(when["minute"])), tzinfo=context.settings.tz
        )
    except (KeyError, TypeError, ValueError):
        return None
    return local.astimezone(dt.UTC)


@staff_only
async def confirm_schedule(update: Update, context: BotContext) -> int:
    raw = _data(update, MINUTE) or ""
    when = _user_data(context).get(WHEN_KEY) or {}
    if not raw.isdigit() or int(raw) not in MINUTES:
        await _stale(update, context)
        return MINUTE_PICK
    _user_data(context)[WHEN_KEY] = {**when, "minute": int(raw)}
    moment = _when(context)
    if moment is None:
        await _stale(update, context)
        return MINUTE_PICK
    if moment <= context.bot_data.clock():
        await answer_query(
            update, context._("This time has already passed. Please choose a later one."), alert=True
        )
        return MINUTE_PICK
    await answer_query(update)
    the_plan = await announcements_of(context.bot_data).preview(_draft(context))
    total = context.tr.number(the_plan.total)
    text = context._("🗓 Send on {date} at {time} to {total} recipients (as counted now)?").format(
        date=context.tr.date(moment, "full"), time=context.tr.time(moment), total=total
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    context._("✅ Schedule for {total}").format(total=total), callback_data=SCHEDULE_YES
                )
            ],
            [InlineKeyboardButton(context._("◀️ Back"), callback_data=SCHEDULE)],
            _cancel_row(context),
        ]
    )
    await reply(update, context, text, markup)
    return SCHEDULE_CONFIRM


@staff_only
async def schedule(update: Update, context: BotContext) -> int:
    moment = _when(context)
    if moment is None or moment <= context.bot_data.clock():
        await answer_query(
            update, context._("This time has already passed. Please choose a later one."), alert=True
        )
        return await pick_day(update, context)
    await answer_query(update)
    announcement_id = await _submit(update, context, moment)
    if announcement_id is None:
        await reply(update, context, context._("Nobody matches this audience. Nothing was scheduled."))
        return ConversationHandler.END
    text = context._(
        "🗓 <b>Announcement #{id}</b> is scheduled for {date} at {time}. The delivery report will appear "
        "here. /announcements lists and cancels scheduled announcements."
    ).format(id=announcement_id, date=context.tr.date(moment, "full"), time=context.tr.time(moment))
    await reply(update, context, text)
    return ConversationHandler.END


@staff_only
async def abort(update: Update, context: BotContext) -> int:
    await answer_query(update)
    _clear(context)
    await reply(update, context, context._("Cancelled. Nothing was sent."))
    return ConversationHandler.END


@staff_only
async def unexpected(update: Update, context: BotContext) -> int | None:
    """Something other than what this step needs (e.g. a sticker while waiting for text)."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            context._("Please answer the question above, or tap “✖ Cancel”.")
        )
    return None


# --- delivery ---------------------------------------------------------------------------------------


def _renderer(app: Application):  # type: ignore[no-untyped-def]
    service = announcements_of(app.bot_data)

    async def render(ctx: RenderContext, row: OutboxMessage) -> Outgoing | Skip:
        rendered = await service.message_for(ctx.session, row)
        if rendered is None:
            return Skip(OutboxStatus.CANCELLED, "announcement withdrawn")
        return Outgoing(rendered.text, photo=rendered.photo, document=rendered.document)

    return render


def _report_editor(app: Application):  # type: ignore[no-untyped-def]
    async def edit(chat_id: int, message_id: int, text: str) -> None:
        try:
            await app.bot_data.outbox.bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML
            )
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                log.warning("could not edit a delivery report: %s", exc)
        except TelegramError as exc:
            log.info("could not edit a delivery report: %s", exc)

    return edit


def _conversation() -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND
    return ConversationHandler(
        entry_points=[
            CommandHandler("announce", start_compose),
            CallbackQueryHandler(start_compose, pattern=f"^{NEW}$"),
        ],
        states={
            TEXT: [MessageHandler(text, receive_text)],
            MEDIA: [
                MessageHandler(filters.PHOTO | filters.Document.ALL, receive_media),
                CallbackQueryHandler(skip_media, pattern=f"^{NO_MEDIA}$"),
            ],
            VERSIONS: [
                CallbackQueryHandler(ask_version, pattern=f"^{VERSION}"),
                CallbackQueryHandler(versions_done, pattern=f"^{VERSIONS_DONE}$"),
            ],
            VERSION_TEXT: [MessageHandler(text, receive_version)],
            FALLBACK_CHOICE: [CallbackQueryHandler(choose_fallback, pattern=f"^{FALLBACK}")],
            AUDIENCE_CHOICE: [
                CallbackQueryHandler(toggle_audience, pattern=f"^({ROLE}|{LANG}|{TOPIC})"),
                CallbackQueryHandler(preview, pattern=f"^{PREVIEW}$"),
            ],
            CONFIRM: [
                CallbackQueryHandler(send_now, pattern=f"^{SEND_NOW}$"),
                CallbackQueryHandler(pick_day, pattern=f"^{SCHEDULE}$"),
                CallbackQueryHandler(back_to_audience, pattern=f"^{AUDIENCE}$"),
            ],
            DAY_PICK: [
                CallbackQueryHandler(pick_hour, pattern=f"^{DAY}"),
                CallbackQueryHandler(preview, pattern=f"^{PREVIEW}$"),
            ],
            HOUR_PICK: [
                CallbackQueryHandler(pick_minute, pattern=f"^{HOUR}"),
                CallbackQueryHandler(pick_day, pattern=f"^{SCHEDULE}$"),
            ],
            MINUTE_PICK: [
                CallbackQueryHandler(confirm_schedule, pattern=f"^{MINUTE}"),
                CallbackQueryHandler(pick_day, pattern=f"^{SCHEDULE}$"),
            ],
            SCHEDULE_CONFIRM: [
                CallbackQueryHandler(schedule, pattern=f"^{SCHEDULE_YES}$"),
                CallbackQueryHandler(pick_day, pattern=f"^{SCHEDULE}$"),
            ],
        },
        fallbacks=[
            CallbackQueryHandler(abort, pattern=f"^{ABORT}$"),
            CommandHandler("cancel", abort),
            MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, unexpected),
        ],
        allow_reentry=True,
        persistent=True,
        name="announcements",
    )


def register(app: Application) -> None:
    service = announcements_of(app.bot_data)
    app.bot_data.outbox.register(KIND, _renderer(app))
    live = LiveReports(
        service, _report_editor(app), service.language_of, timezone=app.bot_data.settings.timezone
    )
    app.bot_data.outbox.listeners[REF_TYPE] = live.on_outcome
    app.bot_data.live_reports = live
    add_admin_section(N_("📣 Announcements"), HOME)
    with warnings.catch_warnings():
        # One draft per staff member, whichever of its messages a button is on: per_message=False is
        # intended, so PTB's reminder that buttons are then not tracked per message does not apply.
        warnings.filterwarnings("ignore", message=".*per_message", category=PTBUserWarning)
        app.add_handler(_conversation())
    app.add_handler(CommandHandler("announcements", show_home))
    app.add_handler(CallbackQueryHandler(show_home, pattern=f"^{HOME}$"))
    app.add_handler(CallbackQueryHandler(show_scheduled, pattern=f"^{LIST}$"))
    app.add_handler(CallbackQueryHandler(ask_cancel, pattern=f"^{CANCEL_ASK}"))
    app.add_handler(CallbackQueryHandler(cancel_scheduled, pattern=f"^{CANCEL_YES}"))
    app.add_handler(CallbackQueryHandler(stale_staff_button, pattern=f"^{PREFIX}"))
