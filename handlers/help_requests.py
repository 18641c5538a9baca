"""Help requests: "🙋 Ask for help" (a guided flow in the client's language), staff review and
overview, "✋ I'll take it", done / cannot make it, the client's follow-up, and the renderers of
everything the outbox sends about a request."""

from __future__ import annotations

import datetime as dt
import html
import logging
import warnings
from dataclasses import asdict

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import help_requests as service
from bot import privacy
from bot import volunteers as vol_service
from bot.context import BotContext
from bot.i18n import N_, Translator, translator
from bot.languages import LANGUAGES
from bot.outbox import Outgoing, RenderContext, Renderer, Skip
from handlers.auth import staff_only, volunteer_only
from handlers.ui import MENU_CALLBACK, MenuEntry, add_menu_entry, answer_query, grid, reply
from storage import help_requests as repo
from storage import volunteers as vol_repo
from storage.models import HelpRequest, OutboxMessage, OutboxStatus, Role

log = logging.getLogger(__name__)

NEW = "hr:new"
NEW_FOR_CLIENT = "hr:new:staff"
KIND = "hr:k:"  # + skill slug
LANG = "hr:l:"  # + language code
AREA = "hr:a:"  # + area index, or "-" for not sure
DAY = "hr:d:"  # + YYYYMMDD or "flex"
PART = "hr:p:"  # + morning | afternoon | evening
CONSENT = "hr:c:"  # + y | n
SEND = "hr:send"
ABORT = "hr:x"
LIST = "hr:ls:"  # + status
VIEW = "hr:v:"  # + id
APPROVE = "hr:ok:"  # + id
CANCEL = "hr:cx:"  # + id (staff)
CLIENT_CANCEL = "hr:ccx:"  # + id (the client)
REASSIGN = "hr:ra:"  # + id
REASSIGN_TO = "hr:rv:"  # + id : user id
TAKE = "hr:take:"  # + id
DONE = "hr:done:"  # + id
CANT = "hr:cant:"  # + id
FEEDBACK = "hr:fb:"  # + id : y | n
SUMMARY = "hr:sum"
DRAFT_KEY = "hr_draft"
DAYS_AHEAD = 14
PICKING, DESCRIBING, CONTACT = range(3)
STATUSES = ("review", "open", "taken", "done")
PART_LABELS = {"morning": N_("☀️ Morning"), "afternoon": N_("🌤 Afternoon"), "evening": N_("🌙 Evening")}
PART_NAMES = {"morning": N_("morning"), "afternoon": N_("afternoon"), "evening": N_("evening")}
STATUS_LABELS = {
    "review": N_("to review"),
    "open": N_("open"),
    "taken": N_("taken"),
    "done": N_("done"),
    "cancelled": N_("cancelled"),
}


def _id(data: str | None, prefix: str) -> int | None:
    raw = (data or "").removeprefix(prefix)
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _query_id(update: Update, prefix: str) -> int | None:
    return _id(update.callback_query.data if update.callback_query else None, prefix)


def request_text(tr: Translator, req: HelpRequest, names: dict[str, dict[str, str]], *, header: str) -> str:
    """What volunteers (and the group) see: never the client's name or contact."""
    _ = tr.gettext
    language = LANGUAGES[req.language].native_name if req.language in LANGUAGES else "–"
    when = (
        _("{date}, {part_of_day}").format(
            date=tr.date(req.when_at, "full"), part_of_day=_(PART_NAMES[service.part_of(req.when_at, tr.tz)])
        )
        if req.when_at
        else _("flexible")
    )
    lines = [
        header,
        _("🛠 {kind}").format(kind=vol_service.skill_label(names, req.kind, tr.lang)),
        _("🗣 Language: {language}").format(language=language),
        _("📍 Area: {area}").format(area=tr.isolate(html.escape(req.area)) if req.area else _("not sure")),
        _("🗓 When: {when}").format(when=when),
    ]
    if req.description:
        lines.append(_("📝 {description}").format(description=html.escape(req.description)))
    return "\n".join(lines)


def _take_markup(tr: Translator, request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(tr.gettext("✋ I'll take it"), callback_data=f"{TAKE}{request_id}")]]
    )


def _followup_markup(tr: Translator, request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(tr.gettext("✅ Done"), callback_data=f"{DONE}{request_id}"),
                InlineKeyboardButton(tr.gettext("❌ Cannot make it"), callback_data=f"{CANT}{request_id}"),
            ]
        ]
    )


# --- the guided flow ---------------------------------------------------------------------------
def _draft(context: BotContext) -> service.Draft:
    return service.Draft.load(context.user_data.get(DRAFT_KEY) if context.user_data is not None else None)


def _store(context: BotContext, draft: service.Draft) -> None:
    if context.user_data is not None:
        context.user_data[DRAFT_KEY] = asdict(draft)


def _abort_row(context: BotContext) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(context._("✖️ Cancel"), callback_data=ABORT)]


async def start_flow(update: Update, context: BotContext) -> int:
    await answer_query(update)
    _store(context, service.Draft())
    return await _ask_kind(update, context)


@staff_only
async def start_for_client(update: Update, context: BotContext) -> int:
    await answer_query(update)
    _store(context, service.Draft(on_behalf=True))
    return await _ask_kind(update, context)


async def _ask_kind(update: Update, context: BotContext) -> int:
    async with context.session() as session:
        skills = await vol_repo.skills(session)
        names = await vol_repo.skill_names(session)
    buttons = [
        InlineKeyboardButton(
            vol_service.skill_label(names, s.slug, context.tr.lang), callback_data=KIND + s.slug
        )
        for s in skills
    ]
    rows = grid(buttons) + [_abort_row(context)]
    text = (
        context._("🙋 <b>Request for a client</b>\nWhat does the client need help with?")
        if _draft(context).on_behalf
        else context._("🙋 <b>Ask for help</b>\nA volunteer can help you. What do you need help with?")
    )
    await reply(update, context, text, InlineKeyboardMarkup(rows))
    return PICKING


async def pick_kind(update: Update, context: BotContext) -> int:
    slug = (update.callback_query.data or "").removeprefix(KIND) if update.callback_query else ""
    async with context.session() as session:
        known = {s.slug for s in await vol_repo.skills(session)}
    if slug not in known:
        await answer_query(update, context._("This button is no longer valid."))
        return PICKING
    await answer_query(update)
    draft = _draft(context)
    draft.kind = slug
    _store(context, draft)
    own = context.tr.lang
    codes = [own, *[c for c in LANGUAGES if c != own]] if not draft.on_behalf else list(LANGUAGES)
    buttons = [InlineKeyboardButton(LANGUAGES[c].native_name, callback_data=LANG + c) for c in codes]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)] + [_abort_row(context)]
    await reply(
        update,
        context,
        context._("🗣 In which language should the volunteer speak with you?")
        if not draft.on_behalf
        else context._("🗣 Which language does the client speak?"),
        InlineKeyboardMarkup(rows),
    )
    return PICKING


async def pick_language(update: Update, context: BotContext) -> int:
    code = (update.callback_query.data or "").removeprefix(LANG) if update.callback_query else ""
    draft = _draft(context)
    if code not in LANGUAGES or draft.kind is None:
        await answer_query(update, context._("This button is no longer valid."))
        return PICKING
    await answer_query(update)
    draft.language = code
    _store(context, draft)
    areas = vol_service.configured_areas()
    buttons = [InlineKeyboardButton(a, callback_data=f"{AREA}{i}") for i, a in enumerate(areas)]
    rows = grid(buttons)
    rows.append([InlineKeyboardButton(context._("🤷 Not sure"), callback_data=f"{AREA}-")])
    rows.append(_abort_row(context))
    await reply(update, context, context._("📍 Where do you need the help?"), InlineKeyboardMarkup(rows))
    return PICKING


async def pick_area(update: Update, context: BotContext) -> int:
    raw = (update.callback_query.data or "").removeprefix(AREA) if update.callback_query else ""
    areas = vol_service.configured_areas()
    draft = _draft(context)
    if draft.language is None or not (raw == "-" or (raw.isdigit() and int(raw) < len(areas))):
        await answer_query(update, context._("This button is no longer valid."))
        return PICKING
    await answer_query(update)
    draft.area = None if raw == "-" else areas[int(raw)]
    _store(context, draft)
    today = context.bot_data.clock().astimezone(context.settings.tz).date()
    days = [today + dt.timedelta(days=i) for i in range(1, DAYS_AHEAD + 1)]
    buttons = [InlineKeyboardButton(context.tr.short_date(d), callback_data=f"{DAY}{d:%Y%m%d}") for d in days]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append([InlineKeyboardButton(context._("🕊 Flexible"), callback_data=f"{DAY}flex")])
    rows.append(_abort_row(context))
    await reply(update, context, context._("🗓 When do you need the help?"), InlineKeyboardMarkup(rows))
    return PICKING


async def pick_day(update: Update, context: BotContext) -> int:
    raw = (update.callback_query.data or "").removeprefix(DAY) if update.callback_query else ""
    draft = _draft(context)
    day: str | None = None
    if raw == "flex":
        day = "flex"
    elif raw.isdigit() and len(raw) == 8:
        try:
            day = dt.datetime.strptime(raw, "%Y%m%d").date().isoformat()
        except ValueError:
            day = None
    if day is None or draft.language is None:
        await answer_query(update, context._("This button is no longer valid."))
        return PICKING
    await answer_query(update)
    draft.when = day
    draft.part = None
    _store(context, draft)
    if day != "flex":
        rows = [
            [InlineKeyboardButton(context._(label), callback_data=PART + part)]
            for part, label in PART_LABELS.items()
        ]
        rows.append(_abort_row(context))
        await reply(update, context, context._("🕰 At what time of day?"), InlineKeyboardMarkup(rows))
        return PICKING
    return await _ask_description(update, context)


async def pick_part(update: Update, context: BotContext) -> int:
    part = (update.callback_query.data or "").removeprefix(PART) if update.callback_query else ""
    draft = _draft(context)
    if part not in PART_LABELS or draft.when in (None, "flex"):
        await answer_query(update, context._("This button is no longer valid."))
        return PICKING
    await answer_query(update)
    draft.part = part
    _store(context, draft)
    return await _ask_description(update, context)


async def _ask_description(update: Update, context: BotContext) -> int:
    await reply(
        update,
        context,
        context._(
            "📝 Please describe in one or two sentences what you need. "
            "Do not write names, addresses or phone numbers here: volunteers will read it."
        ),
    )
    return DESCRIBING


async def describe(update: Update, context: BotContext) -> int:
    text = (update.effective_message.text or "").strip() if update.effective_message else ""
    draft = _draft(context)
    if draft.when is None:
        return await start_flow(update, context)
    if not text or len(text) > 500:
        await reply(update, context, context._("Please write 1 to 500 characters."))
        return DESCRIBING
    draft.description = text
    _store(context, draft)
    question = (
        context._("🔒 Did the client agree that the volunteer who takes this gets their name and contact?")
        if draft.on_behalf
        else context._(
            "🔒 May we give your name and a way to reach you to the one volunteer who takes your request? "
            "Nobody else will see it."
        )
    )
    rows = [
        [
            InlineKeyboardButton(context._("✅ Yes"), callback_data=f"{CONSENT}y"),
            InlineKeyboardButton(context._("❌ No"), callback_data=f"{CONSENT}n"),
        ],
        _abort_row(context),
    ]
    await reply(update, context, question, InlineKeyboardMarkup(rows))
    return PICKING


async def pick_consent(update: Update, context: BotContext) -> int:
    raw = (update.callback_query.data or "").removeprefix(CONSENT) if update.callback_query else ""
    draft = _draft(context)
    if raw not in ("y", "n") or not draft.description:
        await answer_query(update, context._("This button is no longer valid."))
        return PICKING
    await answer_query(update)
    draft.consent = raw == "y"
    draft.contact = None
    _store(context, draft)
    if draft.consent:
        await reply(
            update,
            context,
            context._(
                "☎️ Please send one line: your name and how the volunteer can reach you (phone or Telegram)."
            ),
        )
        return CONTACT
    return await _confirm(update, context, draft)


async def contact(update: Update, context: BotContext) -> int:
    text = (update.effective_message.text or "").strip() if update.effective_message else ""
    draft = _draft(context)
    if not draft.consent:
        return await start_flow(update, context)
    if not text or len(text) > 200:
        await reply(update, context, context._("Please write 1 to 200 characters."))
        return CONTACT
    draft.contact = text
    _store(context, draft)
    return await _confirm(update, context, draft)


async def _confirm(update: Update, context: BotContext, draft: service.Draft) -> int:
    async with context.session() as session:
        names = await vol_repo.skill_names(session)
    preview = HelpRequest(
        id=0,
        kind=draft.kind or "",
        language=draft.language,
        area=draft.area,
        when_at=service.when_at(draft.when, draft.part, context.settings.tz),
        description=draft.description,
    )
    text = request_text(context.tr, preview, names, header=context._("Please check your request:"))
    if draft.consent and draft.contact:
        text += "\n" + context._("☎️ Only for the volunteer who takes it: {contact}").format(
            contact=html.escape(draft.contact)
        )
    rows = [[InlineKeyboardButton(context._("📨 Send"), callback_data=SEND)], _abort_row(context)]
    await reply(update, context, text, InlineKeyboardMarkup(rows))
    return PICKING


async def send(update: Update, context: BotContext) -> int:
    assert context.user is not None
    draft = _draft(context)
    if draft.kind is None or draft.language is None or draft.when is None or not draft.description:
        await answer_query(update, context._("This button is no longer valid."))
        return ConversationHandler.END
    if draft.on_behalf and not context.user.is_staff:
        await answer_query(update, context._("Sorry, this is only for office staff."), alert=True)
        return ConversationHandler.END
    await answer_query(update)
    async with context.session() as session, session.begin():
        req = await service.submit(
            session, draft, author_id=context.user.id, now=context.bot_data.clock(), tz=context.settings.tz
        )
    context.bot_data.outbox.wake()
    if context.user_data is not None:
        context.user_data.pop(DRAFT_KEY, None)
    if draft.on_behalf:
        await reply(
            update,
            context,
            context._("📣 Request #{id} is published to the volunteers.").format(id=req.id),
            InlineKeyboardMarkup([[InlineKeyboardButton(context._("◀️ Back"), callback_data="vad:home")]]),
        )
    else:
        await reply(
            update,
            context,
            context._(
                "📨 Thank you! The office will look at your request, then we look for a volunteer. "
                "I will write to you here."
            ),
            InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            context._("🗑 Withdraw my request"), callback_data=f"{CLIENT_CANCEL}{req.id}"
                        )
                    ],
                    [InlineKeyboardButton(context._("☰ Menu"), callback_data=MENU_CALLBACK)],
                ]
            ),
        )
    return ConversationHandler.END


async def abort(update: Update, context: BotContext) -> int:
    await answer_query(update)
    if context.user_data is not None:
        context.user_data.pop(DRAFT_KEY, None)
    await reply(
        update,
        context,
        context._("Cancelled."),
        InlineKeyboardMarkup([[InlineKeyboardButton(context._("☰ Menu"), callback_data=MENU_CALLBACK)]]),
    )
    return ConversationHandler.END


async def client_cancel(update: Update, context: BotContext) -> None:
    assert context.user is not None
    request_id = _query_id(update, CLIENT_CANCEL)
    ok = False
    if request_id is not None:
        async with context.session() as session, session.begin():
            ok = await service.cancel(
                session, request_id, context.bot_data.clock(), client_id=context.user.id
            )
    if not ok:
        await answer_query(update, context._("This button is no longer valid."))
        return
    context.bot_data.outbox.wake()
    await answer_query(update)
    async with context.session() as session:
        req = await repo.get(session, request_id or 0)
    if req is not None:
        await mark_post(context, req, taken=False)
    await reply(update, context, context._("Your request is withdrawn. Nobody will contact you about it."))


# --- volunteers --------------------------------------------------------------------------------
@volunteer_only
async def take(update: Update, context: BotContext) -> None:
    assert context.user is not None
    request_id = _query_id(update, TAKE)
    if request_id is None:
        await answer_query(update, context._("This button is no longer valid."))
        return
    async with context.session() as session, session.begin():
        result = await service.claim(session, request_id, context.user.id, context.bot_data.clock())
    if not result.won and result.request is not None and result.request.volunteer_id == context.user.id:
        await answer_query(update, context._("You already took this request."))
        return
    if not result.won or result.request is None:
        await answer_query(
            update, context._("Sorry, someone else was faster. Thank you all the same!"), alert=True
        )
        return
    context.bot_data.outbox.wake()
    await answer_query(update, context._("✋ It's yours. Thank you! The details follow."))
    await mark_post(context, result.request, taken=True)
    chat = update.effective_chat
    if chat is not None and chat.type == "private":
        await reply(
            update, context, context._("✅ You took request #{id}. The details follow.").format(id=request_id)
        )


async def mark_post(context: BotContext, req: HelpRequest, *, taken: bool) -> None:
    """Edit the group post: taken (or withdrawn), without the button."""
    de = translator("de", context.settings.timezone)
    async with context.session() as session:
        names = await vol_repo.skill_names(session)
        # the newest sent post (its id comes from the outbox row; the listener also records it on the request)
        post = await repo.latest_post(session, req.id)
    if post is None:
        return
    header = de.gettext("✅ <b>Taken</b> – thank you!") if taken else de.gettext("🚫 <b>Withdrawn</b>")
    try:
        await context.bot.edit_message_text(
            request_text(de, req, names, header=header), chat_id=post[0], message_id=post[1]
        )
    except TelegramError as exc:
        log.info("could not edit the group post of request %s: %s", req.id, exc)


@volunteer_only
async def done(update: Update, context: BotContext) -> None:
    assert context.user is not None
    request_id = _query_id(update, DONE)
    ok = False
    if request_id is not None:
        async with context.session() as session, session.begin():
            ok = await service.complete(session, request_id, context.user.id, context.bot_data.clock())
    if not ok:
        await answer_query(update, context._("This button is no longer valid."))
        return
    await answer_query(update)
    await reply(update, context, context._("🎉 Thank you for your help!"))


@volunteer_only
async def cannot(update: Update, context: BotContext) -> None:
    assert context.user is not None
    request_id = _query_id(update, CANT)
    req = None
    if request_id is not None:
        async with context.session() as session, session.begin():
            req = await service.release(
                session, request_id, context.user.id, context.bot_data.clock(), context.settings.tz
            )
    if req is None:
        await answer_query(update, context._("This button is no longer valid."))
        return
    context.bot_data.outbox.wake()
    await answer_query(update)
    await reply(
        update,
        context,
        context._("Thank you for telling us. The office has been told and we look for someone else."),
    )


# --- the client's follow-up --------------------------------------------------------------------
async def feedback(update: Update, context: BotContext) -> None:
    assert context.user is not None
    data = update.callback_query.data or "" if update.callback_query else ""
    raw, _sep, answer = data.removeprefix(FEEDBACK).partition(":")
    ok = False
    if raw.isdigit() and len(raw) < 10 and answer in ("y", "n"):
        async with context.session() as session, session.begin():
            ok = await service.client_feedback(
                session, int(raw), context.user.id, answer == "y", context.bot_data.clock()
            )
    if not ok:
        await answer_query(update, context._("This button is no longer valid."))
        return
    context.bot_data.outbox.wake()
    await answer_query(update)
    text = (
        context._("🎉 We are glad! Thank you for telling us.")
        if answer == "y"
        else context._("We are sorry. The office has been told and will get in touch.")
    )
    await reply(update, context, text)


# --- staff -------------------------------------------------------------------------------------
@staff_only
async def list_requests(update: Update, context: BotContext) -> None:
    await answer_query(update)
    status = (update.callback_query.data or "").removeprefix(LIST) if update.callback_query else ""
    if status not in STATUSES:
        return
    now = context.bot_data.clock()
    async with context.session() as session:
        rows = await repo.by_status(session, status)
        names = await vol_repo.skill_names(session)
    _ = context._
    lines = [_("<b>Requests: {status}</b>").format(status=_(STATUS_LABELS[status]))]
    buttons = []
    for r in rows:
        flag = "⚠️ " if service.is_stale(r, now) else ""
        when = context.tr.date(r.when_at, "short") if r.when_at else _("flexible")
        label = f"{flag}#{r.id} {vol_service.skill_label(names, r.kind, context.tr.lang)} · {when}"
        buttons.append([InlineKeyboardButton(label[:60], callback_data=f"{VIEW}{r.id}")])
    if not rows:
        lines.append(_("None."))
    if any(service.is_stale(r, now) for r in rows):
        lines.append(_("⚠️ open for more than 48 hours"))
    buttons.append([InlineKeyboardButton(_("◀️ Back"), callback_data="vad:home")])
    await reply(update, context, "\n".join(lines), InlineKeyboardMarkup(buttons))


@staff_only
async def view(update: Update, context: BotContext) -> None:
    await answer_query(update)
    await _show(update, context, _query_id(update, VIEW))


async def _show(update: Update, context: BotContext, request_id: int | None) -> None:
    async with context.session() as session:
        req = await repo.get(session, request_id) if request_id else None
        names = await vol_repo.skill_names(session)
        assignee = (
            await vol_repo.display_names(session, [req.volunteer_id]) if req and req.volunteer_id else {}
        )
    _ = context._
    if req is None:
        await reply(update, context, _("This request does not exist (any more)."))
        return
    text = request_text(
        context.tr,
        req,
        names,
        header=_("<b>Request #{id}</b> – {status}").format(
            id=req.id, status=_(STATUS_LABELS.get(req.status, req.status))
        ),
    )
    if req.volunteer_id:
        text += "\n" + _("🤝 Volunteer: {name}").format(name=html.escape(assignee.get(req.volunteer_id, "?")))
    if req.contact_consent and req.contact_details:
        text += "\n" + _("☎️ Contact (only for the assigned volunteer): {contact}").format(
            contact=html.escape(req.contact_details)
        )
    rows = []
    if req.status == "review":
        rows.append([InlineKeyboardButton(_("✅ Publish"), callback_data=f"{APPROVE}{req.id}")])
    if req.status in ("open", "taken"):
        rows.append([InlineKeyboardButton(_("👤 Assign a volunteer"), callback_data=f"{REASSIGN}{req.id}")])
    if req.status in ("review", "open", "taken"):
        rows.append([InlineKeyboardButton(_("🗑 Cancel request"), callback_data=f"{CANCEL}{req.id}")])
    rows.append([InlineKeyboardButton(_("◀️ Back"), callback_data="vad:home")])
    await reply(update, context, text, InlineKeyboardMarkup(rows))


@staff_only
async def approve(update: Update, context: BotContext) -> None:
    request_id = _query_id(update, APPROVE)
    req = None
    if request_id is not None:
        async with context.session() as session, session.begin():
            req = await service.approve(session, request_id, context.bot_data.clock(), context.settings.tz)
    if req is None:
        await answer_query(update, context._("This button is no longer valid."))
        return
    context.bot_data.outbox.wake()
    await answer_query(update, context._("📣 Published."))
    await _show(update, context, req.id)


@staff_only
async def cancel(update: Update, context: BotContext) -> None:
    request_id = _query_id(update, CANCEL)
    ok = False
    if request_id is not None:
        async with context.session() as session, session.begin():
            ok = await service.cancel(session, request_id, context.bot_data.clock())
    if not ok or request_id is None:
        await answer_query(update, context._("This button is no longer valid."))
        return
    context.bot_data.outbox.wake()
    async with context.session() as session:
        req = await repo.get(session, request_id)
    if req is not None:
        await mark_post(context, req, taken=False)
    await answer_query(update, context._("Cancelled."))
    await _show(update, context, request_id)


@staff_only
async def reassign_menu(update: Update, context: BotContext) -> None:
    await answer_query(update)
    request_id = _query_id(update, REASSIGN)
    if request_id is None:
        return
    async with context.session() as session:
        req = await repo.get(session, request_id)
        profiles = await vol_repo.approved_profiles(session)
    if req is None:
        return
    fitting = {
        c
        for c in vol_service.match(
            vol_service.Need(req.kind, req.language, req.area),
            [vol_service.Candidate.of(p) for p in profiles],
            limit=len(profiles) or 1,
        )
    }
    ordered = sorted(profiles, key=lambda p: (p.user_id not in fitting, p.display_name.lower()))
    rows = [
        [
            InlineKeyboardButton(
                ("⭐ " if p.user_id in fitting else "") + p.display_name[:40],
                callback_data=f"{REASSIGN_TO}{req.id}:{p.user_id}",
            )
        ]
        for p in ordered[:20]
        if p.user_id != req.volunteer_id
    ]
    rows.append([InlineKeyboardButton(context._("◀️ Back"), callback_data=f"{VIEW}{req.id}")])
    await reply(
        update,
        context,
        context._("👤 Who should do request #{id}? ⭐ = fits the request.").format(id=req.id),
        InlineKeyboardMarkup(rows),
    )


@staff_only
async def reassign(update: Update, context: BotContext) -> None:
    data = (update.callback_query.data or "").removeprefix(REASSIGN_TO) if update.callback_query else ""
    raw_id, _sep, raw_user = data.partition(":")
    req = None
    if raw_id.isdigit() and raw_user.isdigit() and len(raw_id) < 10 and len(raw_user) < 16:
        async with context.session() as session, session.begin():
            if await vol_repo.profile(session, int(raw_user)) is not None:
                req = await service.reassign(session, int(raw_id), int(raw_user), context.bot_data.clock())
    if req is None:
        await answer_query(update, context._("This button is no longer valid."))
        return
    context.bot_data.outbox.wake()
    await answer_query(update, context._("Assigned."))
    await mark_post(context, req, taken=True)
    await _show(update, context, req.id)


@staff_only
async def summary(update: Update, context: BotContext) -> None:
    await answer_query(update)
    raw = (
        (update.callback_query.data or "").removeprefix(SUMMARY).lstrip(":") if update.callback_query else ""
    )
    today = context.bot_data.clock().astimezone(context.settings.tz).date()
    month = today.replace(day=1)
    if len(raw) == 6 and raw.isdigit() and 1 <= int(raw[4:]) <= 12:
        month = dt.date(int(raw[:4]), int(raw[4:]), 1)
    async with context.session() as session:
        result = await service.month_summary(session, month, context.settings.tz)
        names = await vol_repo.skill_names(session)
    _ = context._
    title = _("📊 Help requests in {month}").format(month=context.tr.date(month, "LLLL yyyy"))
    lines = [f"<b>{title}</b>"]
    labels = {k: vol_service.skill_label(names, k, context.tr.lang) for k in result.by_kind}
    for kind, counter in sorted(result.by_kind.items()):
        parts = ", ".join(f"{_(STATUS_LABELS.get(s, s))}: {n}" for s, n in sorted(counter.items()))
        lines.append(f"• {html.escape(labels[kind])} – {parts}")
    if not result.by_kind:
        lines.append(_("No requests in this month."))
    lines.append(
        context.tr.ngettext(
            "{n} volunteer was active.", "{n} volunteers were active.", result.active_volunteers
        ).format(n=result.active_volunteers)
    )
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("◀️ {month}").format(month=context.tr.date(previous, "LLL yyyy")),
                    callback_data=f"{SUMMARY}:{previous:%Y%m}",
                )
            ],
            [InlineKeyboardButton(_("◀️ Back"), callback_data="vad:home")],
        ]
    )
    await reply(update, context, "\n".join(lines), markup)
    chart = service.summary_chart(result, labels, title.removeprefix("📊 "))
    if update.effective_chat is not None:
        await context.bot.send_photo(update.effective_chat.id, chart, caption=title)


# --- renderers ---------------------------------------------------------------------------------
async def _load(ctx: RenderContext, row: OutboxMessage) -> tuple[HelpRequest | None, Translator, dict]:
    req = await repo.get(ctx.session, row.ref_id or 0)
    names = await vol_repo.skill_names(ctx.session)
    return req, translator(row.lang or "de"), names


_GONE = Skip(OutboxStatus.CANCELLED, "the request changed")


async def render_post(ctx: RenderContext, row: OutboxMessage) -> Outgoing | Skip:
    req, tr, names = await _load(ctx, row)
    if req is None or req.status != "open":
        return _GONE
    text = request_text(tr, req, names, header=tr.gettext("🤝 <b>Help wanted</b> (#{id})").format(id=req.id))
    return Outgoing(text, _take_markup(tr, req.id))


render_offer = render_post


async def render_assigned(ctx: RenderContext, row: OutboxMessage) -> Outgoing | Skip:
    req, tr, names = await _load(ctx, row)
    if req is None or req.status != "taken" or req.volunteer_id != row.payload.get("volunteer_id"):
        return _GONE
    text = request_text(
        tr, req, names, header=tr.gettext("✋ <b>You took request #{id}</b>").format(id=req.id)
    )
    if req.contact_consent and req.contact_details:
        text += "\n" + tr.gettext("☎️ Contact: {contact}\nPlease use it only for this request.").format(
            contact=tr.isolate(html.escape(req.contact_details))
        )
    else:
        text += "\n" + tr.gettext("The office will put you in touch.")
    return Outgoing(text, _followup_markup(tr, req.id))


async def render_reminder(ctx: RenderContext, row: OutboxMessage) -> Outgoing | Skip:
    req, tr, names = await _load(ctx, row)
    if req is None or req.status != "taken" or req.volunteer_id != row.payload.get("volunteer_id"):
        return _GONE
    header = tr.gettext("⏰ <b>Reminder</b>: request #{id} is coming up.").format(id=req.id)
    return Outgoing(request_text(tr, req, names, header=header), _followup_markup(tr, req.id))


async def render_followup(ctx: RenderContext, row: OutboxMessage) -> Outgoing | Skip:
    req, tr, names = await _load(ctx, row)
    if req is None or req.client_id != row.chat_id or req.status not in ("taken", "done"):
        return _GONE
    text = tr.gettext("🙋 Did you get the help you asked for ({kind})?").format(
        kind=vol_service.skill_label(names, req.kind, tr.lang)
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(tr.gettext("✅ Yes"), callback_data=f"{FEEDBACK}{req.id}:y"),
                InlineKeyboardButton(tr.gettext("❌ No"), callback_data=f"{FEEDBACK}{req.id}:n"),
            ]
        ]
    )
    return Outgoing(text, markup)


def _simple(msgid: str, *, staff_button: bool = False) -> Renderer:
    async def render(ctx: RenderContext, row: OutboxMessage) -> Outgoing | Skip:
        tr = translator(row.lang or "de")
        markup = (
            InlineKeyboardMarkup(
                [[InlineKeyboardButton(tr.gettext("Open"), callback_data=f"{VIEW}{row.ref_id}")]]
            )
            if staff_button
            else None
        )
        return Outgoing(tr.gettext(msgid).format(id=row.ref_id), markup)

    return render


async def render_review(ctx: RenderContext, row: OutboxMessage) -> Outgoing | Skip:
    req = await repo.get(ctx.session, row.ref_id or 0)
    if req is None or req.status != "review":
        return _GONE
    return await _simple(N_("🙋 New help request #{id} waits for your review."), staff_button=True)(ctx, row)


async def on_outcome(
    sessions: async_sessionmaker[AsyncSession], row: OutboxMessage, status: OutboxStatus
) -> None:
    """Remember the group post's message id, so it can be edited to "taken" later."""
    if row.kind != "hr_post" or status is not OutboxStatus.SENT or row.telegram_message_id is None:
        return
    async with sessions() as session, session.begin():
        await repo.set_post(session, row.ref_id or 0, row.chat_id, row.telegram_message_id)


def _is_client(context: BotContext) -> bool:
    return context.user is not None and context.user.role == Role.CLIENT.value


def register(app: Application) -> None:
    add_menu_entry(MenuEntry(N_("🙋 Ask for help"), NEW, order=25, visible=_is_client))
    privacy.register(
        privacy.PersonalData(
            "help requests",
            service.export_for,
            lambda session, uid: service.erase_for(
                session, uid, app.bot_data.clock(), app.bot_data.settings.tz
            ),
            order=40,
        )
    )
    text = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
    with warnings.catch_warnings():  # per_message=False is meant: text steps and button steps mix
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        conversation = ConversationHandler(
            entry_points=[
                CallbackQueryHandler(start_for_client, pattern=f"^{NEW_FOR_CLIENT}$"),
                CallbackQueryHandler(start_flow, pattern=f"^{NEW}$"),
                CommandHandler("askhelp", start_flow, filters.ChatType.PRIVATE),
            ],
            states={
                PICKING: [
                    CallbackQueryHandler(pick_kind, pattern=f"^{KIND}"),
                    CallbackQueryHandler(pick_language, pattern=f"^{LANG}"),
                    CallbackQueryHandler(pick_area, pattern=f"^{AREA}"),
                    CallbackQueryHandler(pick_day, pattern=f"^{DAY}"),
                    CallbackQueryHandler(pick_part, pattern=f"^{PART}"),
                    CallbackQueryHandler(pick_consent, pattern=f"^{CONSENT}"),
                    CallbackQueryHandler(send, pattern=f"^{SEND}$"),
                ],
                DESCRIBING: [MessageHandler(text, describe)],
                CONTACT: [MessageHandler(text, contact)],
            },
            fallbacks=[CallbackQueryHandler(abort, pattern=f"^{ABORT}$"), CommandHandler("cancel", abort)],
            name="help_request",
            persistent=True,
            allow_reentry=True,
        )
    app.add_handler(conversation)
    for pattern, callback in (
        (f"^{CLIENT_CANCEL}", client_cancel),
        (f"^{TAKE}", take),
        (f"^{DONE}", done),
        (f"^{CANT}", cannot),
        (f"^{FEEDBACK}", feedback),
        (f"^{LIST}", list_requests),
        (f"^{VIEW}", view),
        (f"^{APPROVE}", approve),
        (f"^{CANCEL}", cancel),
        (f"^{REASSIGN}", reassign_menu),
        (f"^{REASSIGN_TO}", reassign),
        (f"^{SUMMARY}", summary),
        (f"^{ABORT}$", abort),
    ):
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    outbox = app.bot_data.outbox
    for kind, renderer in (
        ("hr_post", render_post),
        ("hr_offer", render_offer),
        ("hr_assigned", render_assigned),
        ("hr_reminder", render_reminder),
        ("hr_followup", render_followup),
        ("hr_review", render_review),
        ("hr_gone", _simple(N_("🙏 Request #{id} has been taken by someone else. Thank you all the same!"))),
        (
            "hr_released",
            _simple(N_("↩️ The volunteer cannot do request #{id}; it is open again."), staff_button=True),
        ),
        (
            "hr_not_happened",
            _simple(N_("⚠️ The client says the help for request #{id} did not happen."), staff_button=True),
        ),
        (
            "hr_withdrawn",
            _simple(
                N_(
                    "🚫 Request #{id} is no longer yours (cancelled or given to someone else). "
                    "Please do not use its contact details any more."
                )
            ),
        ),
        (
            "hr_client_published",
            _simple(N_("📣 Your request was approved. We are looking for a volunteer now.")),
        ),
    ):
        outbox.register(kind, renderer)

    async def listener(row: OutboxMessage, status: OutboxStatus) -> None:
        await on_outcome(app.bot_data.sessions, row, status)

    outbox.listeners["help_request"] = listener
