"""Menu "Services": categories → list (open first, paginated) → card, search, nearby, saved."""

from __future__ import annotations

import logging
from html import escape, unescape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.directory import Directory, ServiceEntry, is_open, open_first, quick_state
from bot.directory_text import distance_label, list_label, service_card, shorten
from bot.i18n import N_
from bot.shifts import ShiftView, shifts_for_service
from handlers.shifts import SHOW as SHIFT
from handlers.shifts import shift_line
from handlers.ui import MENU_CALLBACK, MenuEntry, add_menu_entry, answer_query, grid, reply
from storage import directory as repo
from storage.models import Role

log = logging.getLogger(__name__)

PAGE = 8  # service buttons per message
CATEGORIES = "dir:cats"
CATEGORY = "dir:cat:"  # + category id : page
OPEN_NOW = "dir:open:"  # + page
SERVICE = "dir:svc:"  # + service id
MAP = "dir:map:"  # + service id
SAVE = "dir:save:"  # + service id
SAVED = "dir:saved"
RESULTS = "dir:q:"  # + "all"|"open" : page
QUERY_KEY = "last_query"


def _directory(context: BotContext) -> Directory:
    return context.bot_data.directory


def _ints(data: str, prefix: str, count: int) -> list[int] | None:
    """Parse the numbers after a prefix; callback data is user input, so anything odd is None."""
    parts = data.removeprefix(prefix).split(":")
    if len(parts) != count or not all(p.isdigit() and len(p) < 10 for p in parts):
        return None
    return [int(p) for p in parts]


def _service_buttons(
    context: BotContext, services: list[ServiceEntry], page: int, page_data: str
) -> list[list[InlineKeyboardButton]]:
    now = context.bot_data.clock()
    ordered = open_first(services, now, context.bot_data.hours_clock, context.tr.lang)
    pages = max(1, -(-len(ordered) // PAGE))
    page = min(max(page, 0), pages - 1)
    rows = [
        [InlineKeyboardButton(list_label(s, st, context.tr), callback_data=f"{SERVICE}{s.id}")]
        for s, st in ordered[page * PAGE : (page + 1) * PAGE]
    ]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton("◀️", callback_data=f"{page_data}{page - 1}"))
    if pages > 1:
        nav.append(InlineKeyboardButton(f"{page + 1}/{pages}", callback_data=f"{page_data}{page}"))
    if page < pages - 1:
        nav.append(InlineKeyboardButton("▶️", callback_data=f"{page_data}{page + 1}"))
    return rows + ([nav] if nav else [])


def _footer(context: BotContext, back: str = CATEGORIES) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(context._("◀️ Back"), callback_data=back),
        InlineKeyboardButton(context._("☰ Menu"), callback_data=MENU_CALLBACK),
    ]


async def show_categories(update: Update, context: BotContext) -> None:
    await answer_query(update)
    await _categories(update, context)


async def _categories(update: Update, context: BotContext) -> None:
    """The topic overview; the callback query (if any) is already answered: Telegram takes one answer."""
    directory = _directory(context)
    lang = context.tr.lang
    rows = [[InlineKeyboardButton(context._("🟢 Open now"), callback_data=f"{OPEN_NOW}0")]]
    buttons = [
        InlineKeyboardButton(
            f"{c.emoji} {c.name(lang)} ({len(directory.service_ids_in(c.id))})",
            callback_data=f"{CATEGORY}{c.id}:0",
        )
        for c in directory.top_categories()
        if directory.service_ids_in(c.id)
    ]
    rows += grid(buttons)
    rows.append([InlineKeyboardButton(context._("☰ Menu"), callback_data=MENU_CALLBACK)])
    text = context._(
        "🗂 <b>Services</b>\nChoose a topic – or simply write what you are looking for, "
        "for example “bike” or “German course”."
    )
    await reply(update, context, text, InlineKeyboardMarkup(rows))


async def show_category(update: Update, context: BotContext) -> None:
    parsed = _ints(update.callback_query.data or "", CATEGORY, 2) if update.callback_query else None
    directory = _directory(context)
    category = directory.category(parsed[0]) if parsed else None
    if parsed is None or category is None:
        await _stale(update, context)
        return
    await answer_query(update)
    lang = context.tr.lang
    services = [directory.services[i] for i in directory.service_ids_in(category.id)]
    rows = [
        [InlineKeyboardButton(f"{child.emoji} {child.name(lang)}", callback_data=f"{CATEGORY}{child.id}:0")]
        for child in directory.children(category.id)
        if directory.service_ids_in(child.id)
    ]
    rows += _service_buttons(context, services, parsed[1], f"{CATEGORY}{category.id}:")
    back = CATEGORIES if category.parent_id is None else f"{CATEGORY}{category.parent_id}:0"
    rows.append(_footer(context, back))
    count = len(services)
    text = f"{escape(category.emoji)} <b>{escape(category.name(lang))}</b>\n" + context.tr.ngettext(
        "{count} service – open ones first.", "{count} services – open ones first.", count
    ).format(count=context.tr.number(count))
    await reply(update, context, text, InlineKeyboardMarkup(rows))


async def show_open_now(update: Update, context: BotContext) -> None:
    parsed = _ints(update.callback_query.data or "", OPEN_NOW, 1) if update.callback_query else None
    if parsed is None:
        await _stale(update, context)
        return
    await answer_query(update)
    directory = _directory(context)
    now = context.bot_data.clock()
    clock = context.bot_data.hours_clock
    services = [s for s in directory.services.values() if is_open(s, now, clock)]
    if not services:
        await reply(
            update,
            context,
            context._("Right now no service is open. Here are all topics:"),
            InlineKeyboardMarkup([_footer(context)]),
        )
        return
    rows = _service_buttons(context, services, parsed[0], OPEN_NOW) + [_footer(context)]
    text = context.tr.ngettext(
        "🟢 <b>Open now</b>: {count} service", "🟢 <b>Open now</b>: {count} services", len(services)
    ).format(count=context.tr.number(len(services)))
    await reply(update, context, text, InlineKeyboardMarkup(rows))


async def show_service(update: Update, context: BotContext) -> None:
    parsed = _ints(update.callback_query.data or "", SERVICE, 1) if update.callback_query else None
    service = _directory(context).services.get(parsed[0]) if parsed else None
    if service is None:
        await _stale(update, context)
        return
    await answer_query(update)
    await _send_card(update, context, service)


async def _send_card(update: Update, context: BotContext, service: ServiceEntry) -> None:
    assert context.user is not None
    volunteer = context.user.role == Role.VOLUNTEER.value
    async with context.session() as session:
        saved = service.id in await repo.saved_ids(session, context.user.id)
        shifts = await shifts_for_service(session, service.id) if volunteer else []
    text = service_card(service, context.tr, context.bot_data.clock(), context.bot_data.hours_clock)
    rows = [  # volunteers see the weekly shifts this service needs people for
        [
            InlineKeyboardButton(
                "🤝 " + shorten(unescape(shift_line(context.tr, s)), 60), callback_data=f"{SHIFT}{s.id}"
            )
        ]
        for s in shifts
    ]
    if service.lat is not None and service.lon is not None:
        rows.append(
            [InlineKeyboardButton(context._("📍 Show on the map"), callback_data=f"{MAP}{service.id}")]
        )
    rows.append(
        [
            InlineKeyboardButton(
                context._("★ Saved – remove") if saved else context._("☆ Save"),
                callback_data=f"{SAVE}{service.id}",
            )
        ]
    )
    rows.append(_footer(context))
    await reply(update, context, text, InlineKeyboardMarkup(rows))


def _shift_label(context: BotContext, shift: ShiftView) -> str:
    return "🤝 " + shorten(unescape(shift_line(context.tr, shift)), 60)


async def send_map(update: Update, context: BotContext) -> None:
    parsed = _ints(update.callback_query.data or "", MAP, 1) if update.callback_query else None
    service = _directory(context).services.get(parsed[0]) if parsed else None
    if service is None or service.lat is None or service.lon is None or update.effective_chat is None:
        await _stale(update, context)
        return
    await answer_query(update)
    await context.bot.send_venue(
        update.effective_chat.id,
        latitude=service.lat,
        longitude=service.lon,
        title=service.name(context.tr.lang)[:128],
        address=service.address[:256],
    )


async def toggle_save(update: Update, context: BotContext) -> None:
    parsed = _ints(update.callback_query.data or "", SAVE, 1) if update.callback_query else None
    service = _directory(context).services.get(parsed[0]) if parsed else None
    if service is None or context.user is None:
        await _stale(update, context)
        return
    async with context.session() as session, session.begin():
        saved = await repo.toggle_saved(session, context.user.id, service.id)
    await answer_query(update, context._("★ Saved. Find it with /saved.") if saved else context._("Removed."))
    await _send_card(update, context, service)


async def show_saved(update: Update, context: BotContext) -> None:
    data = update.callback_query.data if update.callback_query else None
    page = int(data.rsplit(":", 1)[1]) if data and data.count(":") == 2 else 0
    await answer_query(update)
    assert context.user is not None
    directory = _directory(context)
    async with context.session() as session:
        ids = [i for i in await repo.saved_ids(session, context.user.id) if i in directory.services]
    if not ids:
        await reply(
            update,
            context,
            context._(
                "You have not saved any services yet. Open a service and "
                "press ☆ Save to find it here quickly."
            ),
            InlineKeyboardMarkup([_footer(context)]),
        )
        return
    services = [directory.services[i] for i in ids]
    rows = _service_buttons(context, services, page, f"{SAVED}:") + [_footer(context)]
    await reply(update, context, context._("★ <b>Your saved services</b>"), InlineKeyboardMarkup(rows))


async def search_text(update: Update, context: BotContext) -> None:
    assert update.message is not None and update.message.text is not None
    query = update.message.text.strip()[:200]
    context.user_data[QUERY_KEY] = query
    await _show_results(update, context, query, only_open=False, page=0)


async def search_page(update: Update, context: BotContext) -> None:
    data = (update.callback_query.data or "") if update.callback_query else ""
    mode, _, page = data.removeprefix(RESULTS).partition(":")
    query = context.user_data.get(QUERY_KEY)
    if mode not in ("all", "open") or not page.isdigit() or not query:
        await answer_query(update, context._("Please type your search again."))
        return
    await answer_query(update)
    await _show_results(update, context, query, only_open=mode == "open", page=int(page))


async def _show_results(
    update: Update, context: BotContext, query: str, *, only_open: bool, page: int
) -> None:
    directory = _directory(context)
    hits = directory.search(query, limit=40)
    services = [directory.services[h.service_id] for h in hits]
    now = context.bot_data.clock()
    if only_open:
        services = [s for s in services if is_open(s, now, context.bot_data.hours_clock)]
    if not services:
        await _no_results(update, context, query, only_open=only_open)
        return
    ranked = services[page * PAGE : (page + 1) * PAGE]
    clock = context.bot_data.hours_clock
    rows = [
        [
            InlineKeyboardButton(
                list_label(s, quick_state(s, now, clock), context.tr), callback_data=f"{SERVICE}{s.id}"
            )
        ]
        for s in ranked
    ]
    nav = []
    mode = "open" if only_open else "all"
    if page > 0:
        nav.append(InlineKeyboardButton("◀️", callback_data=f"{RESULTS}{mode}:{page - 1}"))
    if (page + 1) * PAGE < len(services):
        nav.append(InlineKeyboardButton("▶️", callback_data=f"{RESULTS}{mode}:{page + 1}"))
    if nav:
        rows.append(nav)
    toggle = (
        InlineKeyboardButton(context._("Show all results"), callback_data=f"{RESULTS}all:0")
        if only_open
        else InlineKeyboardButton(context._("🟢 Only open now"), callback_data=f"{RESULTS}open:0")
    )
    rows.append([toggle])
    rows.append(_footer(context))
    text = context.tr.ngettext(
        "🔎 {count} result for “{query}”, best first:",
        "🔎 {count} results for “{query}”, best first:",
        len(services),
    ).format(count=context.tr.number(len(services)), query=escape(query))
    await reply(update, context, text, InlineKeyboardMarkup(rows))


async def _no_results(update: Update, context: BotContext, query: str, *, only_open: bool) -> None:
    """Never a dead end: close matches if any, all results if filtered, and the topics."""
    shown = escape(query)
    rows = []
    if only_open:
        text = context._("Nothing open right now matches “{query}”.").format(query=shown)
        rows.append([InlineKeyboardButton(context._("Show all results"), callback_data=f"{RESULTS}all:0")])
    elif ideas := _directory(context).suggestions(query):
        text = context._("I found nothing for “{query}”. Did you mean one of these?").format(query=shown)
        rows += [
            [
                InlineKeyboardButton(
                    f"🔎 {shorten(s.name(context.tr.lang), 60)}", callback_data=f"{SERVICE}{s.id}"
                )
            ]
            for s in ideas
        ]
    else:
        text = context._("I found nothing for “{query}”. Try another word, or choose a topic:").format(
            query=shown
        )
    rows.append([InlineKeyboardButton(context._("🗂 All topics"), callback_data=CATEGORIES)])
    rows.append([InlineKeyboardButton(context._("☰ Menu"), callback_data=MENU_CALLBACK)])
    await reply(update, context, text, InlineKeyboardMarkup(rows))


async def nearby(update: Update, context: BotContext) -> None:
    assert update.message is not None and update.message.location is not None
    where = update.message.location
    found = _directory(context).nearest(where.latitude, where.longitude, limit=6)
    if not found:
        await reply(
            update, context, context._("I know no addresses yet."), InlineKeyboardMarkup([_footer(context)])
        )
        return
    rows = [
        [
            InlineKeyboardButton(
                distance_label(s, meters, context.tr),
                callback_data=f"{SERVICE}{s.id}",
            )
        ]
        for s, meters in found
    ]
    rows.append(_footer(context))
    await reply(
        update, context, context._("📍 <b>Services near you</b>, nearest first:"), InlineKeyboardMarkup(rows)
    )


async def _stale(update: Update, context: BotContext) -> None:
    await answer_query(update, context._("This button is no longer valid."))
    await _categories(update, context)


def register(app: Application) -> None:
    add_menu_entry(MenuEntry(N_("🗂 Services"), CATEGORIES, order=10))
    add_menu_entry(MenuEntry(N_("★ Saved"), SAVED, order=20))
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("services", show_categories))
    app.add_handler(CommandHandler("saved", show_saved))
    app.add_handler(CallbackQueryHandler(show_categories, pattern=f"^{CATEGORIES}$"))
    app.add_handler(CallbackQueryHandler(show_category, pattern=f"^{CATEGORY}"))
    app.add_handler(CallbackQueryHandler(show_open_now, pattern=f"^{OPEN_NOW}"))
    app.add_handler(CallbackQueryHandler(show_service, pattern=f"^{SERVICE}"))
    app.add_handler(CallbackQueryHandler(send_map, pattern=f"^{MAP}"))
    app.add_handler(CallbackQueryHandler(toggle_save, pattern=f"^{SAVE}"))
    app.add_handler(CallbackQueryHandler(show_saved, pattern=rf"^{SAVED}(:\d{{1,4}})?$"))
    app.add_handler(CallbackQueryHandler(search_page, pattern=f"^{RESULTS}"))
    app.add_handler(MessageHandler(filters.LOCATION & private, nearby))


def register_search(app: Application) -> None:
    """Free text anywhere is a search; registered after every feature's own text handlers."""
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, search_text))
