"""Volunteers: sign-up (invite link or /volunteer), profile, "🤝 My tasks", and the staff section
"🤝 Volunteers" (approvals, invite links, skills, linking the coordination group or channel)."""

from __future__ import annotations

import datetime as dt
import html
import logging
import warnings
from collections.abc import Callable

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

from bot import help_requests as hr_service
from bot import privacy
from bot import volunteers as service
from bot.context import BotContext
from bot.i18n import N_, translator
from bot.languages import LANGUAGES
from bot.outbox import Outgoing, RenderContext, Skip
from handlers.admin import ADMIN_CALLBACK, add_admin_section
from handlers.auth import staff_only, volunteer_only
from handlers.start import register_deep_link
from handlers.ui import MENU_CALLBACK, MenuEntry, add_menu_entry, answer_query, grid, reply
from storage import help_requests as hr_repo
from storage import shifts as shift_repo
from storage import volunteers as repo
from storage.models import OutboxMessage, OutboxStatus, Role, VolunteerProfile

log = logging.getLogger(__name__)

PROFILE = "vol:me"
NAME = "vol:name"
LANGS = "vol:langs"
LANG = "vol:l:"  # + language code
SKILLS = "vol:skills"
SKILL = "vol:s:"  # + skill slug
AREAS = "vol:areas"
AREA = "vol:a:"  # + index into the configured areas
AVAIL = "vol:avail"
SLOT = "vol:t:"  # + day : part
PAUSE = "vol:pause"
TASKS = "vol:tasks"
LEAVE = "vol:leave:"  # + request id
SECTION = "vad:home"
PENDING = "vad:vols"
APPROVE = "vad:vok:"  # + user id
INVITE = "vad:inv"
ADD_SKILL = "vad:skill"
LINK_CHANNEL = "vad:chan"

TYPING_NAME, TYPING_SKILL, TYPING_CHANNEL = range(3)

PART_LABELS = {"morning": N_("mornings"), "afternoon": N_("afternoons"), "evening": N_("evenings")}
PART_SHORT = {"morning": N_("☀️ am"), "afternoon": N_("🌤 pm"), "evening": N_("🌙 eve")}


def _profile_markup(context: BotContext, p: VolunteerProfile) -> InlineKeyboardMarkup:
    _ = context._
    pause = _("▶️ Resume") if p.paused else _("⏸ Pause")
    rows = [
        [
            InlineKeyboardButton(_("✏️ Name"), callback_data=NAME),
            InlineKeyboardButton(_("🗣 Languages"), callback_data=LANGS),
        ],
        [
            InlineKeyboardButton(_("🛠 Skills"), callback_data=SKILLS),
            InlineKeyboardButton(_("📍 Area"), callback_data=AREAS),
        ],
        [
            InlineKeyboardButton(_("🗓 Availability"), callback_data=AVAIL),
            InlineKeyboardButton(pause, callback_data=PAUSE),
        ],
        [InlineKeyboardButton(_("☰ Menu"), callback_data=MENU_CALLBACK)],
    ]
    return InlineKeyboardMarkup(rows)


async def _profile_text(context: BotContext, p: VolunteerProfile) -> str:
    _ = context._
    async with context.session() as session:
        names = await repo.skill_names(session)
    lang = context.tr.lang
    none = _("– none yet –")
    langs = ", ".join(LANGUAGES[c].native_name for c in p.languages if c in LANGUAGES) or none
    skills = ", ".join(service.skill_label(names, s, lang) for s in p.skills) or none
    areas = ", ".join(context.tr.isolate(html.escape(a)) for a in p.areas) or _("anywhere")
    days = [
        _("{day}: {parts}").format(
            day=context.tr.weekday(_monday_plus(i)),
            parts=", ".join(
                _(PART_LABELS[part]) for part in service.PARTS if part in p.availability.get(d, [])
            ),
        )
        for i, d in enumerate(service.DAYS)
        if p.availability.get(d)
    ]
    status = (
        _("⏸ Paused: you get no requests.")
        if p.paused
        else _("✅ Active")
        if p.approved
        else _("⏳ Waiting for the office to confirm you.")
    )
    return "\n".join(
        [
            _("🤝 <b>Your volunteer profile</b>"),
            _("Name: {name}").format(name=html.escape(p.display_name)),
            _("Languages: {languages}").format(languages=langs),
            _("Skills: {skills}").format(skills=skills),
            _("Area: {areas}").format(areas=areas),
            _("Usually available: {days}").format(days="; ".join(days) if days else none),
            status,
        ]
    )


def _monday_plus(i: int) -> dt.date:
    return dt.date(2024, 1, 1) + dt.timedelta(days=i)  # 1 Jan 2024 was a Monday


async def _load(context: BotContext) -> VolunteerProfile | None:
    assert context.user is not None
    async with context.session() as session:
        return await repo.profile(session, context.user.id)


async def show_profile(update: Update, context: BotContext) -> None:
    await answer_query(update)
    p = await _load(context)
    if p is None:
        await reply(
            update, context, context._("You have no volunteer profile. Send /volunteer to offer help.")
        )
        return
    await reply(update, context, await _profile_text(context, p), _profile_markup(context, p))


async def volunteer_command(update: Update, context: BotContext) -> None:
    """/volunteer: offer help; staff confirm before any request reaches the new volunteer."""
    assert context.user is not None and update.effective_user is not None
    if context.user.is_staff:
        await reply(update, context, context._("You are office staff: use /admin → 🤝 Volunteers."))
        return
    async with context.session() as session, session.begin():
        created = await service.request_approval(
            session, context.user.id, update.effective_user.first_name, context.bot_data.clock()
        )
    if created:
        context.bot_data.outbox.wake()
        await reply(
            update,
            context,
            context._(
                "🤝 Thank you for offering your help! The office will confirm you soon. "
                "Meanwhile, please fill in your profile."
            ),
        )
    await show_profile(update, context)


async def invite_link(update: Update, context: BotContext, code: str) -> None:
    """/start vol-<code>: a staff invitation; single use, expiring."""
    assert context.user is not None and update.effective_user is not None
    if context.user.is_staff:
        await reply(update, context, context._("This link is not valid (any more). Here is the menu."))
        return
    async with context.session() as session, session.begin():
        ok = await service.accept_invite(
            session, code, context.user.id, update.effective_user.first_name, context.bot_data.clock()
        )
    if not ok:
        await reply(
            update,
            context,
            context._("This invitation link is not valid (any more). Please ask the office for a new one."),
        )
        return
    context.bot_data.users.forget(context.user.id)
    context.user.role = Role.VOLUNTEER.value
    await reply(update, context, context._("🤝 Welcome to the volunteers! Please fill in your profile."))
    await show_profile(update, context)


# --- profile editing ---------------------------------------------------------------------------
async def _edit(
    update: Update, context: BotContext, change: Callable[[VolunteerProfile], None]
) -> VolunteerProfile | None:
    assert context.user is not None
    async with context.session() as session, session.begin():
        p = await repo.profile(session, context.user.id)
        if p is None:
            await answer_query(update, context._("This button is no longer valid."))
            return None
        change(p)
    return p


def _toggle_markup(
    context: BotContext, items: list[tuple[str, str, bool]], back: str = PROFILE
) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(("✅ " if on else "") + label, callback_data=data) for label, data, on in items
    ]
    rows = grid(buttons)
    rows.append([InlineKeyboardButton(context._("✔️ Done"), callback_data=back)])
    return InlineKeyboardMarkup(rows)


async def languages_menu(update: Update, context: BotContext, p: VolunteerProfile | None = None) -> None:
    await answer_query(update)
    p = p or await _load(context)
    if p is None:
        return
    items = [(lang.native_name, LANG + code, code in p.languages) for code, lang in LANGUAGES.items()]
    await reply(update, context, context._("🗣 Which languages do you speak?"), _toggle_markup(context, items))


async def toggle_language(update: Update, context: BotContext) -> None:
    code = (update.callback_query.data or "").removeprefix(LANG) if update.callback_query else ""
    if code not in LANGUAGES:
        await answer_query(update, context._("This button is no longer valid."))
        return
    p = await _edit(
        update, context, lambda p: setattr(p, "languages", service.toggle(list(p.languages), code))
    )
    if p is not None:
        await languages_menu(update, context, p)


async def skills_menu(update: Update, context: BotContext, p: VolunteerProfile | None = None) -> None:
    await answer_query(update)
    p = p or await _load(context)
    if p is None:
        return
    async with context.session() as session:
        skills = await repo.skills(session)
        names = await repo.skill_names(session)
    items = [
        (service.skill_label(names, s.slug, context.tr.lang), SKILL + s.slug, s.slug in p.skills)
        for s in skills
    ]
    await reply(update, context, context._("🛠 How would you like to help?"), _toggle_markup(context, items))


async def toggle_skill(update: Update, context: BotContext) -> None:
    slug = (update.callback_query.data or "").removeprefix(SKILL) if update.callback_query else ""
    async with context.session() as session:
        known = {s.slug for s in await repo.skills(session)}
    if slug not in known:
        await answer_query(update, context._("This button is no longer valid."))
        return
    p = await _edit(update, context, lambda p: setattr(p, "skills", service.toggle(list(p.skills), slug)))
    if p is not None:
        await skills_menu(update, context, p)


async def areas_menu(update: Update, context: BotContext, p: VolunteerProfile | None = None) -> None:
    await answer_query(update)
    p = p or await _load(context)
    if p is None:
        return
    items = [(a, f"{AREA}{i}", a in p.areas) for i, a in enumerate(service.configured_areas())]
    await reply(
        update,
        context,
        context._("📍 Where can you help? Choose none to help anywhere."),
        _toggle_markup(context, items),
    )


async def toggle_area(update: Update, context: BotContext) -> None:
    raw = (update.callback_query.data or "").removeprefix(AREA) if update.callback_query else ""
    areas = service.configured_areas()
    if not raw.isdigit() or int(raw) >= len(areas):
        await answer_query(update, context._("This button is no longer valid."))
        return
    area = areas[int(raw)]
    p = await _edit(update, context, lambda p: setattr(p, "areas", service.toggle(list(p.areas), area)))
    if p is not None:
        await areas_menu(update, context, p)


async def availability_menu(update: Update, context: BotContext, p: VolunteerProfile | None = None) -> None:
    await answer_query(update)
    p = p or await _load(context)
    if p is None:
        return
    rows = []
    for i, day in enumerate(service.DAYS):
        label = context.tr.date(_monday_plus(i), "EEE")
        rows.append(
            [InlineKeyboardButton(label, callback_data=AVAIL)]
            + [
                InlineKeyboardButton(
                    ("✅ " if part in p.availability.get(day, []) else "") + context._(PART_SHORT[part]),
                    callback_data=f"{SLOT}{day}:{part}",
                )
                for part in service.PARTS
            ]
        )
    rows.append([InlineKeyboardButton(context._("✔️ Done"), callback_data=PROFILE)])
    await reply(
        update,
        context,
        context._("🗓 When are you usually available? Tap to switch on or off."),
        InlineKeyboardMarkup(rows),
    )


async def toggle_slot(update: Update, context: BotContext) -> None:
    day, _sep, part = (
        (update.callback_query.data or "").removeprefix(SLOT) if update.callback_query else ""
    ).partition(":")
    if day not in service.DAYS or part not in service.PARTS:
        await answer_query(update, context._("This button is no longer valid."))
        return
    p = await _edit(
        update, context, lambda p: setattr(p, "availability", service.toggle_slot(p.availability, day, part))
    )
    if p is not None:
        await availability_menu(update, context, p)


async def toggle_pause(update: Update, context: BotContext) -> None:
    p = await _edit(update, context, lambda p: setattr(p, "paused", not p.paused))
    if p is not None:
        await answer_query(update, context._("⏸ Paused.") if p.paused else context._("▶️ Welcome back!"))
        await reply(update, context, await _profile_text(context, p), _profile_markup(context, p))


async def ask_name(update: Update, context: BotContext) -> int:
    await answer_query(update)
    if await _load(context) is None:
        return ConversationHandler.END
    await reply(update, context, context._("✏️ Which name should other volunteers and the office see?"))
    return TYPING_NAME


async def save_name(update: Update, context: BotContext) -> int:
    text = (update.effective_message.text or "").strip() if update.effective_message else ""
    if not text or len(text) > 100:
        await reply(update, context, context._("Please send a name of 1 to 100 characters."))
        return TYPING_NAME
    p = await _edit(update, context, lambda p: setattr(p, "display_name", text))
    if p is not None:
        await reply(update, context, await _profile_text(context, p), _profile_markup(context, p))
    return ConversationHandler.END


# --- my tasks ------------------------------------------------------------------------------------
@volunteer_only
async def my_tasks(update: Update, context: BotContext) -> None:
    assert context.user is not None
    await answer_query(update)
    _ = context._
    async with context.session() as session:
        tasks = await hr_repo.for_volunteer(session, context.user.id)
        names = await repo.skill_names(session)
        signups = await shift_repo.of_volunteer(session, context.user.id)
    lines = [_("🤝 <b>My tasks</b>")]
    rows = []
    for t in tasks:
        when = context.tr.date(t.when_at) if t.when_at else _("flexible")
        label = service.skill_label(names, t.kind, context.tr.lang)
        state = (
            _("done")
            if t.status == "done"
            else _("taken on {date}").format(date=context.tr.date(t.taken_at))
            if t.taken_at
            else ""
        )
        lines.append(_("#{id} {kind} – {when} ({state})").format(id=t.id, kind=label, when=when, state=state))
        if t.status == "taken":
            rows.append(
                [InlineKeyboardButton(_("↩️ Leave #{id}").format(id=t.id), callback_data=f"{LEAVE}{t.id}")]
            )
    if not tasks:
        lines.append(_("You have not taken on any request yet."))
    if signups:
        lines.append(
            context.tr.ngettext(
                "You are signed up for {n} shift.", "You are signed up for {n} shifts.", len(signups)
            ).format(n=len(signups))
        )
    rows.append(
        [
            InlineKeyboardButton(_("🗓 Shifts"), callback_data="sh:list"),
            InlineKeyboardButton(_("👤 Profile"), callback_data=PROFILE),
        ]
    )
    rows.append([InlineKeyboardButton(_("☰ Menu"), callback_data=MENU_CALLBACK)])
    await reply(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


@volunteer_only
async def leave_task(update: Update, context: BotContext) -> None:
    assert context.user is not None
    raw = (update.callback_query.data or "").removeprefix(LEAVE) if update.callback_query else ""
    if not raw.isdigit() or len(raw) > 9:
        await answer_query(update, context._("This button is no longer valid."))
        return
    async with context.session() as session, session.begin():
        req = await hr_service.release(
            session, int(raw), context.user.id, context.bot_data.clock(), context.settings.tz
        )
    if req is None:
        await answer_query(update, context._("This button is no longer valid."))
        return
    context.bot_data.outbox.wake()
    await answer_query(update, context._("You left this task. The office has been told."))
    await my_tasks(update, context)


# --- staff: the volunteers section -----------------------------------------------------------------
@staff_only
async def section(update: Update, context: BotContext) -> None:
    await answer_query(update)
    _ = context._
    async with context.session() as session:
        counts = await hr_repo.counts(session)
        pending = len(await repo.pending_profiles(session))
        group = await service.group_chat(session)
    text = "\n".join(
        [
            _("🤝 <b>Volunteers</b>"),
            _("Requests: {review} to review, {open} open, {taken} taken, {done} done.").format(
                review=counts.get("review", 0),
                open=counts.get("open", 0),
                taken=counts.get("taken", 0),
                done=counts.get("done", 0),
            ),
            _("Coordination group: linked.")
            if group is not None
            else _("Coordination group: not linked yet. Run /linkgroup in the group."),
        ]
    )
    rows = [
        [
            InlineKeyboardButton(
                _("📝 Review queue ({n})").format(n=counts.get("review", 0)), callback_data="hr:ls:review"
            )
        ],
        [
            InlineKeyboardButton(_("🟢 Open"), callback_data="hr:ls:open"),
            InlineKeyboardButton(_("🟡 Taken"), callback_data="hr:ls:taken"),
            InlineKeyboardButton(_("✅ Done"), callback_data="hr:ls:done"),
        ],
        [InlineKeyboardButton(_("➕ Request for a client"), callback_data="hr:new:staff")],
        [
            InlineKeyboardButton(_("🙋 New volunteers ({n})").format(n=pending), callback_data=PENDING),
            InlineKeyboardButton(_("🔗 Invite link"), callback_data=INVITE),
        ],
        [
            InlineKeyboardButton(_("🗓 Shifts"), callback_data="sha:home"),
            InlineKeyboardButton(_("📊 Monthly summary"), callback_data="hr:sum"),
        ],
        [
            InlineKeyboardButton(_("🛠 Add a skill"), callback_data=ADD_SKILL),
            InlineKeyboardButton(_("📣 Link a channel"), callback_data=LINK_CHANNEL),
        ],
        [InlineKeyboardButton(_("🛠 Office area"), callback_data=ADMIN_CALLBACK)],
    ]
    await reply(update, context, text, InlineKeyboardMarkup(rows))


@staff_only
async def pending_volunteers(update: Update, context: BotContext) -> None:
    await answer_query(update)
    async with context.session() as session:
        pending = await repo.pending_profiles(session)
        names = await repo.skill_names(session)
    _ = context._
    lines = [_("🙋 <b>Volunteers waiting for confirmation</b>")]
    rows = []
    for p in pending[:20]:
        skills = ", ".join(service.skill_label(names, s, context.tr.lang) for s in p.skills) or "–"
        lines.append(f"• {html.escape(p.display_name)} – {skills}")
        rows.append(
            [
                InlineKeyboardButton(
                    _("✅ Confirm {name}").format(name=p.display_name[:30]),
                    callback_data=f"{APPROVE}{p.user_id}",
                )
            ]
        )
    if not pending:
        lines.append(_("Nobody is waiting."))
    rows.append([InlineKeyboardButton(_("◀️ Back"), callback_data=SECTION)])
    await reply(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


@staff_only
async def approve_volunteer(update: Update, context: BotContext) -> None:
    raw = (update.callback_query.data or "").removeprefix(APPROVE) if update.callback_query else ""
    if not raw.isdigit() or len(raw) > 15:
        await answer_query(update, context._("This button is no longer valid."))
        return
    async with context.session() as session, session.begin():
        ok = await service.approve(session, int(raw), context.bot_data.clock())
    if ok:
        context.bot_data.users.forget(int(raw))
        context.bot_data.outbox.wake()
    await answer_query(
        update, context._("Confirmed.") if ok else context._("This button is no longer valid.")
    )
    await pending_volunteers(update, context)


@staff_only
async def create_invite(update: Update, context: BotContext) -> None:
    assert context.user is not None
    await answer_query(update)
    async with context.session() as session, session.begin():
        code = await service.create_invite(session, context.user.id, context.bot_data.clock())
    link = f"https://t.me/{context.bot.username}?start=vol-{code}"
    await reply(
        update,
        context,
        context._("🔗 Send this link to one new volunteer. It works once, for {days} days:\n{link}").format(
            days=service.INVITE_DAYS, link=context.tr.isolate(link)
        ),
        InlineKeyboardMarkup([[InlineKeyboardButton(context._("◀️ Back"), callback_data=SECTION)]]),
    )


@staff_only
async def ask_skill(update: Update, context: BotContext) -> int:
    await answer_query(update)
    await reply(
        update,
        context,
        context._("🛠 Send the name of the new skill in German (translations follow with the content tools)."),
    )
    return TYPING_SKILL


@staff_only
async def save_skill(update: Update, context: BotContext) -> int:
    text = (update.effective_message.text or "").strip() if update.effective_message else ""
    if not text or len(text) > 80:
        await reply(update, context, context._("Please send a name of 1 to 80 characters."))
        return TYPING_SKILL
    async with context.session() as session, session.begin():
        await service.add_skill(session, text)
    await reply(update, context, context._("Added: {name}").format(name=html.escape(text)))
    await section(update, context)
    return ConversationHandler.END


@staff_only
async def ask_channel(update: Update, context: BotContext) -> int:
    await answer_query(update)
    await reply(
        update,
        context,
        context._("📣 Send the channel's @name. Add me to the channel as an administrator first."),
    )
    return TYPING_CHANNEL


@staff_only
async def save_channel(update: Update, context: BotContext) -> int:
    text = (update.effective_message.text or "").strip() if update.effective_message else ""
    if not text.startswith("@") or len(text) > 40:
        await reply(update, context, context._("Please send the channel's name starting with @."))
        return TYPING_CHANNEL
    try:
        chat = await context.bot.get_chat(text)
        member = await context.bot.get_chat_member(chat.id, context.bot.id)
    except TelegramError as exc:
        log.info("could not link channel %s: %s", text, exc)
        await reply(
            update,
            context,
            context._("I cannot find this channel, or I am not in it. Please check and try again."),
        )
        return TYPING_CHANNEL
    if member.status != "administrator":
        await reply(update, context, context._("Please make me an administrator of the channel first."))
        return TYPING_CHANNEL
    async with context.session() as session, session.begin():
        await service.link_group(session, chat.id)
    await reply(update, context, context._("✅ Linked: requests and shift notices will be posted there."))
    return ConversationHandler.END


@staff_only
async def link_group(update: Update, context: BotContext) -> None:
    """/linkgroup, run by staff inside the group: requests and shortages are posted there."""
    chat = update.effective_chat
    if chat is None or chat.type == "private":
        await reply(update, context, context._("Please run /linkgroup inside the volunteer group."))
        return
    async with context.session() as session, session.begin():
        await service.link_group(session, chat.id)
    await reply(update, context, context._("✅ This group is now the volunteer coordination group."))


async def cancel_typing(update: Update, context: BotContext) -> int:
    await reply(update, context, context._("Cancelled."))
    return ConversationHandler.END


async def _seed(app: Application) -> None:
    async with app.bot_data.sessions() as session, session.begin():
        await service.seed_skills(session)


def _is_volunteer(context: BotContext) -> bool:
    return context.user is not None and context.user.role == Role.VOLUNTEER.value


def register(app: Application) -> None:
    service.configure(app.bot_data.settings.volunteer_areas, app.bot_data.settings.volunteer_max_asked)
    add_menu_entry(MenuEntry(N_("🤝 My tasks"), TASKS, order=20, visible=_is_volunteer))
    add_admin_section(N_("🤝 Volunteers"), SECTION)
    register_deep_link("vol", invite_link)
    privacy.register(
        privacy.PersonalData("volunteer profile", service.export_profile, service.erase_profile, order=60)
    )
    text = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
    with warnings.catch_warnings():  # per_message=False is meant: text steps and button steps mix
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        conversation = ConversationHandler(
            entry_points=[
                CallbackQueryHandler(ask_name, pattern=f"^{NAME}$"),
                CallbackQueryHandler(ask_skill, pattern=f"^{ADD_SKILL}$"),
                CallbackQueryHandler(ask_channel, pattern=f"^{LINK_CHANNEL}$"),
            ],
            states={
                TYPING_NAME: [MessageHandler(text, save_name)],
                TYPING_SKILL: [MessageHandler(text, save_skill)],
                TYPING_CHANNEL: [MessageHandler(text, save_channel)],
            },
            fallbacks=[CommandHandler("cancel", cancel_typing)],
            name="volunteer_text",
            persistent=True,
            allow_reentry=True,
        )
    app.add_handler(conversation)
    app.add_handler(CommandHandler("volunteer", volunteer_command, filters.ChatType.PRIVATE))
    app.add_handler(CommandHandler("linkgroup", link_group))
    app.add_handler(CommandHandler("mytasks", my_tasks, filters.ChatType.PRIVATE))
    for pattern, callback in (
        (f"^{PROFILE}$", show_profile),
        (f"^{LANGS}$", languages_menu),
        (f"^{LANG}", toggle_language),
        (f"^{SKILLS}$", skills_menu),
        (f"^{SKILL}", toggle_skill),
        (f"^{AREAS}$", areas_menu),
        (f"^{AREA}", toggle_area),
        (f"^{AVAIL}$", availability_menu),
        (f"^{SLOT}", toggle_slot),
        (f"^{PAUSE}$", toggle_pause),
        (f"^{TASKS}$", my_tasks),
        (f"^{LEAVE}", leave_task),
        (f"^{SECTION}$", section),
        (f"^{PENDING}$", pending_volunteers),
        (f"^{APPROVE}", approve_volunteer),
        (f"^{INVITE}$", create_invite),
    ):
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    app.bot_data.outbox.register("vol_pending", _render_pending)
    app.bot_data.outbox.register("vol_approved", _render_approved)
    _seed_after_init(app)


def _seed_after_init(app: Application) -> None:
    """Seed the skills once the database is ready (after the application's own post_init)."""
    previous = app.post_init

    async def post_init(application: Application) -> None:
        if previous is not None:
            await previous(application)
        await _seed(application)

    app.post_init = post_init


async def _render_pending(_ctx: RenderContext, row: OutboxMessage) -> Outgoing | Skip:
    tr = translator(row.lang or "de")
    p = await repo.profile(_ctx.session, int(row.payload["user_id"]))
    if p is None or p.approved:
        return Skip(OutboxStatus.CANCELLED, "already confirmed or gone")
    text = tr.gettext("🙋 {name} offers to volunteer and waits for your confirmation.").format(
        name=html.escape(p.display_name)
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    tr.gettext("✅ Confirm {name}").format(name=p.display_name[:30]),
                    callback_data=f"{APPROVE}{p.user_id}",
                )
            ]
        ]
    )
    return Outgoing(text, markup)


async def _render_approved(_ctx: RenderContext, row: OutboxMessage) -> Outgoing | Skip:
    tr = translator(row.lang or "de")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(tr.gettext("🤝 My tasks"), callback_data=TASKS)]])
    return Outgoing(
        tr.gettext(
            "✅ The office confirmed you as a volunteer. Thank you! "
            "You will get requests that fit your profile."
        ),
        markup,
    )
