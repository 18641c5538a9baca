"""Admin section "🗂 Directory": edit services, categories, opening hours and translations step by step.

One persistent ConversationHandler ("directory_editing"): every `ed:` button is an entry point and works
on its own; a step that waits for typed text enters the INPUT state, and what it waits for is kept in
`user_data["edit"]`. Both are stored by `bot.persistence`, so a step in progress survives a restart.
Cancel at any step with the ✖ button or /cancel. Writes go through `bot.editing.DirectoryEditor`
(validated with the content models); after each one the in-memory directory is reloaded.

Callback data (`ed:<verb>:<args>`), parsed defensively by `_parse`:
  home | sl:<page> | s:<id> | st:<id> | sd:<id> | sc:<id> | sct:<id>:<cat> | f:<id>:<field> |
  b:<id>:<flag> | ap:<id>:<value> | hide:<id>:<0|1> | del:<id> | delok:<id> |
  h:<id> | hd:<id>:<day> | hv:<id>:<day>:<value> | hs:<id>:<day> | hx:<id> | hxd:<id>:<n> |
  hxc:<id> | hxs:<id> | ht:<id> | hts:<id> | htr:<id> |
  cl | c:<id> | cf:<id>:<name|emoji> | chide:<id>:<0|1> | cdel:<id> | cdelok:<id> | ns | nsc:<cat> | nc |
  tl | tg:<lang>:<page> | te:<lang>:<s|c|p>:<id>:<field> | mn | x
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

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

from bot import editing
from bot.context import BotContext
from bot.editing import DirectoryEditor, EditError
from bot.hours import DAY_KEYS
from bot.i18n import N_
from bot.languages import LANGUAGES, SOURCE_LANGUAGE
from handlers.admin import ADMIN_CALLBACK, add_admin_section
from handlers.auth import staff_only
from handlers.ui import answer_query, reply

log = logging.getLogger(__name__)

PREFIX = "ed:"
HOME = "ed:home"
CANCEL = "ed:x"
INPUT = 1
STATE_KEY = "edit"
PAGE = 8

OWNER_CODES = {"s": "service", "c": "category", "p": "contact"}
OWNER_LETTERS = {v: k for k, v in OWNER_CODES.items()}
FIELD_LABELS = {
    "name": N_("Name"),
    "description": N_("Description"),
    "audience": N_("For whom"),
    "fee": N_("Fee"),
    "appointment_info": N_("About appointments"),
    "keywords": N_("Search words"),
    "role": N_("Role"),
    "provider": N_("Provider"),
    "street": N_("Street"),
    "postcode": N_("Postcode"),
    "city": N_("Town"),
    "phone": N_("Phone"),
    "email": N_("E-mail"),
    "website": N_("Website"),
    "booking_url": N_("Booking link"),
    "languages_spoken": N_("Languages spoken"),
    "location": N_("Map position"),
    "emoji": N_("Emoji"),
    "free": N_("Free of charge"),
    "wheelchair_accessible": N_("Wheelchair accessible"),
    "appointment": N_("Appointment needed"),
}
FIELD_HINTS = {
    "keywords": N_("Separate the words with commas."),
    "languages_spoken": N_("Language codes separated by commas, e.g. de, en, ar."),
    "location": N_("Latitude and longitude, e.g. 52.4800, 10.3500."),
    "postcode": N_("Five digits, e.g. 38540."),
    "website": N_("Starting with https://"),
    "booking_url": N_("Starting with https://"),
}
APPOINTMENT_LABELS = {"no": N_("no"), "yes": N_("yes"), "recommended": N_("recommended")}
DAY_LABELS = {"closed": N_("closed"), "all_day": N_("open all day"), "appointment": N_("by appointment")}
STATE_LABELS = {"missing": N_("missing"), "outdated": N_("outdated")}
NEW_SERVICE_STEPS = ("name", "category", "provider", "description", "street", "postcode", "city")
NEW_SERVICE_PROMPTS = {
    "name": N_("Step 1 of 7: the German name of the new service?"),
    "provider": N_("Step 3 of 7: who offers it (provider)?"),
    "description": N_("Step 4 of 7: a German description?"),
    "street": N_("Step 5 of 7: street and number?"),
    "postcode": N_("Step 6 of 7: postcode?"),
    "city": N_("Step 7 of 7: town?"),
}
_MONDAY = dt.date(2026, 11, 23)  # any Monday: weekday names come from Babel


def _editor(context: BotContext) -> DirectoryEditor:
    app = context.application

    async def reload() -> None:
        from bot.app import reload_directory  # bot.app imports handlers: import at use

        await reload_directory(app)

    return DirectoryEditor(context.bot_data.sessions, context.bot_data.clock, reload)


def _btn(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data)


def _cancel_row(context: BotContext) -> list[InlineKeyboardButton]:
    return [_btn(context._("✖ Cancel"), CANCEL)]


def _pending(context: BotContext) -> dict[str, Any] | None:
    data = context.user_data.get(STATE_KEY) if context.user_data is not None else None
    return data if isinstance(data, dict) else None


def _set_pending(context: BotContext, value: dict[str, Any] | None) -> None:
    if context.user_data is None:
        return
    if value is None:
        context.user_data.pop(STATE_KEY, None)
    else:
        context.user_data[STATE_KEY] = value


def _weekday(context: BotContext, index: int) -> str:
    return context.tr.weekday(_MONDAY + dt.timedelta(days=index))


def _day_value(context: BotContext, value: Any) -> str:
    if value is None:
        return context._(DAY_LABELS["closed"])
    if isinstance(value, str):
        return context._(DAY_LABELS.get(value, value))
    return ", ".join(f"{a}–{b}" for a, b in value)


def _problems(context: BotContext, exc: EditError) -> str:
    details = "\n".join(f"• {html.escape(p)}" for p in exc.problems)
    return context._("⚠️ Not saved:") + "\n" + details


# --- screens ---------------------------------------------------------------------------------------
async def screen_home(update: Update, context: BotContext) -> None:
    markup = InlineKeyboardMarkup(
        [
            [_btn(context._("🏷 Services"), "ed:sl:0"), _btn(context._("📁 Categories"), "ed:cl")],
            [_btn(context._("➕ New service"), "ed:ns"), _btn(context._("➕ New category"), "ed:nc")],
            [_btn(context._("🌐 Translations"), "ed:tl")],
            [_btn(context._("⬅ Office area"), ADMIN_CALLBACK)],
        ]
    )
    await reply(update, context, context._("🗂 <b>Directory</b>\nWhat would you like to edit?"), markup)


async def screen_services(update: Update, context: BotContext, page: int) -> None:
    rows, total = await _editor(context).services_page(page, PAGE)
    buttons = [[_btn(("🙈 " if hidden else "") + name[:40], f"ed:s:{sid}")] for sid, name, hidden in rows]
    nav = []
    if page > 0:
        nav.append(_btn("◀", f"ed:sl:{page - 1}"))
    if (page + 1) * PAGE < total:
        nav.append(_btn("▶", f"ed:sl:{page + 1}"))
    if nav:
        buttons.append(nav)
    buttons.append([_btn(context._("⬅ Back"), HOME)])
    text = context._("🏷 <b>Services</b> ({total}) · choose one to edit").format(total=total)
    await reply(update, context, text, InlineKeyboardMarkup(buttons))


async def screen_service(update: Update, context: BotContext, service_id: int, notice: str = "") -> None:
    summary = await _editor(context).service(service_id)
    if summary is None:
        await reply(
            update,
            context,
            context._("This service does not exist (any more)."),
            InlineKeyboardMarkup([[_btn(context._("⬅ Back"), "ed:sl:0")]]),
        )
        return
    doc = summary.document
    name = (doc.get("name") or {}).get(SOURCE_LANGUAGE, summary.slug)
    address = doc["address"]
    lines = [notice] if notice else []
    lines += [f"🏷 <b>{html.escape(name)}</b> <code>{summary.slug}</code>"]
    if summary.hidden:
        lines.append(context._("🙈 Hidden: clients do not see this service."))
    lines.append(
        html.escape(f"{doc['provider']} · {address['street']}, {address['postcode']} {address['city']}")
    )
    for index, day in enumerate(DAY_KEYS):
        value = (doc["hours"].get("weekly") or {}).get(day)
        lines.append(f"{_weekday(context, index)}: {_day_value(context, value)}")
    if closure := doc["hours"].get("temporarily_closed"):
        lines.append(context._("⛔ Temporarily closed until {date}").format(date=closure.get("until") or "…"))
    hide = (
        _btn(context._("👁 Show again"), f"ed:hide:{service_id}:0")
        if summary.hidden
        else _btn(context._("🙈 Hide"), f"ed:hide:{service_id}:1")
    )
    markup = InlineKeyboardMarkup(
        [
            [
                _btn(context._("✏️ Texts"), f"ed:st:{service_id}"),
                _btn(context._("📇 Details"), f"ed:sd:{service_id}"),
            ],
            [
                _btn(context._("🕒 Opening hours"), f"ed:h:{service_id}"),
                _btn(context._("📁 Categories"), f"ed:sc:{service_id}"),
            ],
            [hide, _btn(context._("🗑 Delete"), f"ed:del:{service_id}")],
            [_btn(context._("⬅ Back"), "ed:sl:0")],
        ]
    )
    await reply(update, context, "\n".join(lines), markup)


async def screen_texts(update: Update, context: BotContext, service_id: int) -> None:
    rows = [[_btn(context._(FIELD_LABELS[f]), f"ed:f:{service_id}:{f}")] for f in editing.SERVICE_TEXTS]
    rows.append([_btn(context._("⬅ Back"), f"ed:s:{service_id}")])
    await reply(
        update,
        context,
        context._("✏️ Which text? (German, the source of all translations)"),
        InlineKeyboardMarkup(rows),
    )


async def screen_details(update: Update, context: BotContext, service_id: int) -> None:
    summary = await _editor(context).service(service_id)
    if summary is None:
        await screen_services(update, context, 0)
        return
    doc = summary.document
    fields = [_btn(context._(FIELD_LABELS[f]), f"ed:f:{service_id}:{f}") for f in editing.SERVICE_COLUMNS]
    rows = [fields[i : i + 2] for i in range(0, len(fields), 2)]
    for flag in editing.FLAGS:
        mark = "✅" if doc[flag] else "⬜"
        rows.append([_btn(f"{mark} {context._(FIELD_LABELS[flag])}", f"ed:b:{service_id}:{flag}")])
    rows.append(
        [
            _btn(
                ("• " if doc["appointment"] == v else "") + context._(APPOINTMENT_LABELS[v]),
                f"ed:ap:{service_id}:{v}",
            )
            for v in editing.APPOINTMENT_VALUES
        ]
    )
    rows.append([_btn(context._("⬅ Back"), f"ed:s:{service_id}")])
    text = context._("📇 <b>Details</b> · appointment needed: {value}").format(
        value=context._(APPOINTMENT_LABELS[doc["appointment"]])
    )
    await reply(update, context, text, InlineKeyboardMarkup(rows))


async def screen_service_categories(update: Update, context: BotContext, service_id: int) -> None:
    editor = _editor(context)
    summary = await editor.service(service_id)
    if summary is None:
        await screen_services(update, context, 0)
        return
    rows = []
    for cat, names in await editor.categories():
        mark = "✅" if cat.id in summary.category_ids else "⬜"
        label = f"{mark} {cat.emoji} {names.get(SOURCE_LANGUAGE, cat.slug)}"[:60]
        rows.append([_btn(label, f"ed:sct:{service_id}:{cat.id}")])
    rows.append([_btn(context._("⬅ Back"), f"ed:s:{service_id}")])
    await reply(
        update, context, context._("📁 Categories of this service (at least one)"), InlineKeyboardMarkup(rows)
    )


async def screen_hours(update: Update, context: BotContext, service_id: int, notice: str = "") -> None:
    summary = await _editor(context).service(service_id)
    if summary is None:
        await screen_services(update, context, 0)
        return
    hours = summary.document["hours"]
    rows = [
        [
            _btn(
                f"{_weekday(context, i)}: {_day_value(context, (hours.get('weekly') or {}).get(day))}"[:60],
                f"ed:hd:{service_id}:{day}",
            )
        ]
        for i, day in enumerate(DAY_KEYS)
    ]
    rows.append(
        [
            _btn(
                context._("📅 Date exceptions ({count})").format(count=len(hours.get("exceptions", []))),
                f"ed:hx:{service_id}",
            )
        ]
    )
    rows.append([_btn(context._("⛔ Temporarily closed"), f"ed:ht:{service_id}")])
    rows.append([_btn(context._("⬅ Back"), f"ed:s:{service_id}")])
    text = (notice + "\n" if notice else "") + context._("🕒 <b>Opening hours</b> · choose a day")
    await reply(update, context, text, InlineKeyboardMarkup(rows))


async def screen_day(update: Update, context: BotContext, service_id: int, day: str) -> None:
    rows = [
        [_btn(context._(label), f"ed:hv:{service_id}:{day}:{value}")] for value, label in DAY_LABELS.items()
    ]
    rows.append([_btn(context._("🕒 Time slots…"), f"ed:hs:{service_id}:{day}")])
    rows.append([_btn(context._("⬅ Back"), f"ed:h:{service_id}")])
    await reply(
        update,
        context,
        context._("🕒 {day}: how is it open?").format(day=_weekday(context, DAY_KEYS.index(day))),
        InlineKeyboardMarkup(rows),
    )


async def screen_exceptions(update: Update, context: BotContext, service_id: int) -> None:
    summary = await _editor(context).service(service_id)
    if summary is None:
        await screen_services(update, context, 0)
        return
    lines = [context._("📅 <b>Date exceptions</b>")]
    rows = []
    for index, exc in enumerate(summary.document["hours"].get("exceptions", [])):
        days = exc.get("date") or f"{exc.get('from')} – {exc.get('to')}"
        what = context._("closed") if exc.get("closed") else ", ".join(f"{a}–{b}" for a, b in exc["slots"])
        reason = (exc.get("reason") or {}).get(SOURCE_LANGUAGE, "")
        lines.append(html.escape(f"{index + 1}. {days}: {what} {reason}".strip()))
        rows.append(
            [_btn(context._("🗑 Remove {number}").format(number=index + 1), f"ed:hxd:{service_id}:{index}")]
        )
    if len(lines) == 1:
        lines.append(context._("None."))
    rows.append(
        [
            _btn(context._("➕ Closed on a date"), f"ed:hxc:{service_id}"),
            _btn(context._("➕ Special hours"), f"ed:hxs:{service_id}"),
        ]
    )
    rows.append([_btn(context._("⬅ Back"), f"ed:h:{service_id}")])
    await reply(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


async def screen_closure(update: Update, context: BotContext, service_id: int) -> None:
    summary = await _editor(context).service(service_id)
    if summary is None:
        await screen_services(update, context, 0)
        return
    closure = summary.document["hours"].get("temporarily_closed")
    if closure:
        reason = (closure.get("reason") or {}).get(SOURCE_LANGUAGE, "")
        text = context._("⛔ Closed until {date}. {reason}").format(
            date=closure.get("until") or context._("further notice"), reason=html.escape(reason)
        )
    else:
        text = context._("The service is not temporarily closed.")
    rows = [[_btn(context._("⛔ Set a temporary closure"), f"ed:hts:{service_id}")]]
    if closure:
        rows.append([_btn(context._("✅ Open again"), f"ed:htr:{service_id}")])
    rows.append([_btn(context._("⬅ Back"), f"ed:h:{service_id}")])
    await reply(update, context, text, InlineKeyboardMarkup(rows))


async def screen_categories(update: Update, context: BotContext) -> None:
    rows = [
        [
            _btn(
                f"{'🙈 ' if cat.hidden else ''}{cat.emoji} {names.get(SOURCE_LANGUAGE, cat.slug)}"[:60],
                f"ed:c:{cat.id}",
            )
        ]
        for cat, names in await _editor(context).categories()
    ]
    rows.append([_btn(context._("➕ New category"), "ed:nc")])
    rows.append([_btn(context._("⬅ Back"), HOME)])
    await reply(
        update, context, context._("📁 <b>Categories</b> · choose one to edit"), InlineKeyboardMarkup(rows)
    )


async def screen_category(update: Update, context: BotContext, category_id: int, notice: str = "") -> None:
    found = [(c, n) for c, n in await _editor(context).categories() if c.id == category_id]
    if not found:
        await screen_categories(update, context)
        return
    cat, names = found[0]
    lines = [notice] if notice else []
    lines.append(
        f"📁 {cat.emoji} <b>{html.escape(names.get(SOURCE_LANGUAGE, cat.slug))}</b> <code>{cat.slug}</code>"
    )
    if cat.hidden:
        lines.append(context._("🙈 Hidden: clients do not see this category."))
    hide = (
        _btn(context._("👁 Show again"), f"ed:chide:{cat.id}:0")
        if cat.hidden
        else _btn(context._("🙈 Hide"), f"ed:chide:{cat.id}:1")
    )
    markup = InlineKeyboardMarkup(
        [
            [
                _btn(context._("✏️ Name"), f"ed:cf:{cat.id}:name"),
                _btn(context._("😀 Emoji"), f"ed:cf:{cat.id}:emoji"),
            ],
            [hide, _btn(context._("🗑 Delete"), f"ed:cdel:{cat.id}")],
            [_btn(context._("⬅ Back"), "ed:cl")],
        ]
    )
    await reply(update, context, "\n".join(lines), markup)


async def screen_languages(update: Update, context: BotContext) -> None:
    counts = await _editor(context).translation_counts()
    rows = []
    for code in editing.TRANSLATION_LANGS:
        missing, outdated = counts[code]
        label = context._("{language}: {missing} missing, {outdated} outdated").format(
            language=LANGUAGES[code].native_name, missing=missing, outdated=outdated
        )
        rows.append([_btn(label, f"ed:tg:{code}:0")])
    rows.append([_btn(context._("⬅ Back"), HOME)])
    await reply(
        update, context, context._("🌐 <b>Translations</b> · choose a language"), InlineKeyboardMarkup(rows)
    )


async def screen_translations(update: Update, context: BotContext, lang: str, page: int) -> None:
    editor = _editor(context)
    entries = await editor.translations(lang)
    chunk = entries[page * PAGE : (page + 1) * PAGE]
    rows = []
    for e in chunk:
        owner = await editor.owner_label(e.owner_type, e.owner_id)
        mark = "⚪" if e.state == "missing" else "🟡"
        label = f"{mark} {owner[:28]} · {context._(FIELD_LABELS.get(e.field, e.field))}"
        rows.append([_btn(label, f"ed:te:{lang}:{OWNER_LETTERS[e.owner_type]}:{e.owner_id}:{e.field}")])
    nav = []
    if page > 0:
        nav.append(_btn("◀", f"ed:tg:{lang}:{page - 1}"))
    if (page + 1) * PAGE < len(entries):
        nav.append(_btn("▶", f"ed:tg:{lang}:{page + 1}"))
    if nav:
        rows.append(nav)
    rows.append([_btn(context._("⬅ Back"), "ed:tl")])
    missing = sum(e.state == "missing" for e in entries)
    text = context._("🌐 {language}: {missing} missing (⚪), {outdated} outdated (🟡)").format(
        language=LANGUAGES[lang].native_name, missing=missing, outdated=len(entries) - missing
    )
    if not entries:
        text += "\n" + context._("Everything is translated and up to date. 🎉")
    await reply(update, context, text, InlineKeyboardMarkup(rows))


# --- asking for typed input ------------------------------------------------------------------------
async def ask(update: Update, context: BotContext, pending: dict[str, Any], prompt: str) -> int:
    _set_pending(context, pending)
    rows = []
    if pending.get("kind") == "text" and pending.get("lang") == SOURCE_LANGUAGE:
        mark = "✅" if pending.get("minor") else "⬜"
        rows.append(
            [_btn(context._("{mark} Minor edit (translations stay up to date)").format(mark=mark), "ed:mn")]
        )
    rows.append(_cancel_row(context))
    await reply(update, context, prompt, InlineKeyboardMarkup(rows))
    return INPUT


async def ask_field(update: Update, context: BotContext, service_id: int, field: str) -> int | None:
    editor = _editor(context)
    summary = await editor.service(service_id)
    if summary is None:
        await screen_services(update, context, 0)
        return ConversationHandler.END
    label = context._(FIELD_LABELS[field])
    if field in editing.SERVICE_TEXTS:
        current = await editor.text("service", service_id, field, SOURCE_LANGUAGE)
        if field == "keywords" and current:
            current = ", ".join(current.split("\n"))
        pending = {
            "kind": "text",
            "owner": "service",
            "id": service_id,
            "field": field,
            "lang": SOURCE_LANGUAGE,
            "minor": False,
        }
    elif field in editing.SERVICE_COLUMNS:
        value = summary.document.get(field, summary.document["address"].get(field))
        if field == "location" and value:
            current = f"{value['lat']}, {value['lon']}"
        elif field == "languages_spoken":
            current = ", ".join(value or [])
        else:
            current = value
        pending = {"kind": "column", "id": service_id, "field": field}
    else:
        return None
    lines = [
        context._("✏️ <b>{field}</b> (German)").format(field=label)
        if pending["kind"] == "text"
        else context._("✏️ <b>{field}</b>").format(field=label),
        context._("Now: {value}").format(value=html.escape(str(current)) if current else "–"),
    ]
    if hint := FIELD_HINTS.get(field):
        lines.append(context._(hint))
    optional = field in editing.OPTIONAL_TEXTS or field in editing.OPTIONAL_COLUMNS
    lines.append(
        context._("Send the new text, or - to remove it.") if optional else context._("Send the new text.")
    )
    return await ask(update, context, pending, "\n".join(lines))


async def ask_translation(
    update: Update, context: BotContext, lang: str, owner_type: str, owner_id: int, field: str
) -> int:
    editor = _editor(context)
    german = await editor.text(owner_type, owner_id, field, SOURCE_LANGUAGE)
    if german is None:
        await screen_translations(update, context, lang, 0)
        return ConversationHandler.END
    current = await editor.text(owner_type, owner_id, field, lang)
    owner = await editor.owner_label(owner_type, owner_id)
    text = "\n".join(
        [
            context._("🌐 <b>{owner}</b> · {field} · {language}").format(
                owner=html.escape(owner),
                field=context._(FIELD_LABELS.get(field, field)),
                language=LANGUAGES[lang].native_name,
            ),
            "",
            context._("🇩🇪 German source:"),
            f"<blockquote>{html.escape(german)}</blockquote>",
            context._("Current {language} text:").format(language=LANGUAGES[lang].native_name),
            f"<blockquote>{html.escape(current)}</blockquote>" if current else context._("(none yet)"),
            "",
            context._("Send the new {language} text.").format(language=LANGUAGES[lang].native_name),
        ]
    )
    pending = {
        "kind": "text",
        "owner": owner_type,
        "id": owner_id,
        "field": field,
        "lang": lang,
        "back": lang,
    }
    return await ask(update, context, pending, text)


# --- the callback router -----------------------------------------------------------------------------
# What each verb takes: i a number, d a weekday key, l a translation language, o an owner letter,
# b "0" or "1", w a field or value name (checked again where it is used).
SPEC: dict[str, str] = {
    **dict.fromkeys("x home mn cl tl ns nc".split(), ""),
    **dict.fromkeys("sl s st sd sc h hx hxc hxs ht hts htr del delok c cdel cdelok nsc".split(), "i"),
    **dict.fromkeys("sct hxd".split(), "ii"),
    **dict.fromkeys("f b ap cf".split(), "iw"),
    **dict.fromkeys("hide chide".split(), "ib"),
    **dict.fromkeys("hd hs".split(), "id"),
    "hv": "idw",
    "tg": "li",
    "te": "loiw",
}
_WORD = re.compile(r"^[a-z_]{1,32}$")
_ARG_OK: dict[str, Callable[[str], bool]] = {
    "i": lambda a: a.isdigit() and len(a) <= 9,
    "d": lambda a: a in DAY_KEYS,
    "l": lambda a: a in editing.TRANSLATION_LANGS,
    "o": lambda a: a in OWNER_CODES,
    "b": lambda a: a in ("0", "1"),
    "w": lambda a: bool(_WORD.match(a)),
}


def _parse(data: str) -> tuple[str, list[str]] | None:
    """`ed:verb:a:b` -> ("verb", ["a", "b"]) when it fits SPEC; None for anything else."""
    if not data.startswith(PREFIX) or len(data) > 64:
        return None
    verb, *args = data[len(PREFIX) :].split(":")
    spec = SPEC.get(verb)
    if spec is None or len(spec) != len(args):
        return None
    if not all(_ARG_OK[kind](arg) for kind, arg in zip(spec, args, strict=True)):
        return None
    return verb, args


def _int(value: str) -> int:
    if not value.isdigit() or len(value) > 9:
        raise ValueError(value)
    return int(value)


Screen = Callable[..., Awaitable[Any]]


@staff_only
async def on_button(update: Update, context: BotContext) -> int:
    assert update.callback_query is not None
    parsed = _parse(update.callback_query.data or "")
    if parsed is None:
        await answer_query(update, context._("This button is no longer valid."))
        return ConversationHandler.END
    verb, args = parsed
    try:
        state = await _route(update, context, verb, args)
    except (ValueError, IndexError, KeyError):
        log.info("malformed editing callback %r", (update.callback_query.data or "")[:64])
        await answer_query(update, context._("This button is no longer valid."))
        return ConversationHandler.END
    except EditError as exc:
        await answer_query(update)
        await reply(
            update,
            context,
            _problems(context, exc),
            InlineKeyboardMarkup([[_btn(context._("⬅ Back"), HOME)]]),
        )
        return ConversationHandler.END
    if verb not in SELF_ANSWERING:
        await answer_query(update)
    return state


SELF_ANSWERING = frozenset({"mn", "nsc"})  # verbs that answer the callback query themselves


async def _route(update: Update, context: BotContext, verb: str, args: list[str]) -> int:
    assert context.user is not None
    actor = context.user.id
    editor = _editor(context)
    if verb == "mn":  # toggle "minor edit" while a German text is asked for
        pending = _pending(context)
        if not pending or pending.get("kind") != "text":
            await answer_query(update, context._("This button is no longer valid."))
            return ConversationHandler.END
        pending["minor"] = not pending.get("minor")
        await answer_query(
            update, context._("Minor edit: on") if pending["minor"] else context._("Minor edit: off")
        )
        rows = [
            [
                _btn(
                    context._("{mark} Minor edit (translations stay up to date)").format(
                        mark="✅" if pending["minor"] else "⬜"
                    ),
                    "ed:mn",
                )
            ],
            _cancel_row(context),
        ]
        await update.callback_query.edit_message_reply_markup(InlineKeyboardMarkup(rows))  # type: ignore[union-attr]
        _set_pending(context, pending)
        return INPUT
    if verb == "nsc":  # new service: the category step
        pending = _pending(context)
        if not pending or pending.get("kind") != "new_service":
            await answer_query(update, context._("This button is no longer valid."))
            return ConversationHandler.END
        await answer_query(update)
        pending["values"]["category"] = _int(args[0])
        pending["step"] = "provider"
        return await ask(update, context, pending, context._(NEW_SERVICE_PROMPTS["provider"]))
    _set_pending(context, None)  # any other button leaves a step that waited for text
    if verb == "x":
        await reply(
            update,
            context,
            context._("Cancelled. Nothing was changed."),
            InlineKeyboardMarkup([[_btn(context._("🗂 Directory"), HOME)]]),
        )
    elif verb == "home":
        await screen_home(update, context)
    elif verb == "sl":
        await screen_services(update, context, _int(args[0]))
    elif verb == "s":
        await screen_service(update, context, _int(args[0]))
    elif verb == "st":
        await screen_texts(update, context, _int(args[0]))
    elif verb == "sd":
        await screen_details(update, context, _int(args[0]))
    elif verb == "sc":
        await screen_service_categories(update, context, _int(args[0]))
    elif verb == "sct":
        await editor.toggle_category(actor, _int(args[0]), _int(args[1]))
        await screen_service_categories(update, context, _int(args[0]))
    elif verb == "f":
        state = await ask_field(update, context, _int(args[0]), args[1])
        if state is None:
            raise ValueError(args[1])
        return state
    elif verb == "b":
        summary = await editor.service(_int(args[0]))
        if summary is None or args[1] not in editing.FLAGS:
            raise ValueError(args)
        await editor.set_flag(actor, summary.id, args[1], not summary.document[args[1]])
        await screen_details(update, context, summary.id)
    elif verb == "ap":
        if args[1] not in editing.APPOINTMENT_VALUES:
            raise ValueError(args[1])
        await editor.set_flag(actor, _int(args[0]), "appointment", args[1])
        await screen_details(update, context, _int(args[0]))
    elif verb == "hide":
        await editor.set_hidden(actor, "service", _int(args[0]), args[1] == "1")
        await screen_service(update, context, _int(args[0]))
    elif verb == "del":
        markup = InlineKeyboardMarkup(
            [
                [_btn(context._("🗑 Yes, delete for good"), f"ed:delok:{_int(args[0])}")],
                [_btn(context._("⬅ Back"), f"ed:s:{_int(args[0])}")],
            ]
        )
        await reply(
            update,
            context,
            context._(
                "Delete this service with all its translations? Hiding it can be undone, deleting cannot."
            ),
            markup,
        )
    elif verb == "delok":
        slug = await editor.delete(actor, "service", _int(args[0]))
        await reply(
            update,
            context,
            context._("🗑 Deleted: {slug}").format(slug=slug),
            InlineKeyboardMarkup([[_btn(context._("⬅ Back"), "ed:sl:0")]]),
        )
    elif verb == "h":
        await screen_hours(update, context, _int(args[0]))
    elif verb == "hd":
        if args[1] not in DAY_KEYS:
            raise ValueError(args[1])
        await screen_day(update, context, _int(args[0]), args[1])
    elif verb == "hv":
        if args[2] not in editing.DAY_VALUES:
            raise ValueError(args[2])
        day, value = args[1], args[2]
        await editor.change_hours(
            actor, _int(args[0]), lambda h: editing.set_day(h, day, value), f"{day}={value}"
        )
        await screen_hours(update, context, _int(args[0]), context._("✅ Saved."))
    elif verb == "hs":
        if args[1] not in DAY_KEYS:
            raise ValueError(args[1])
        return await ask(
            update,
            context,
            {"kind": "slots", "id": _int(args[0]), "day": args[1]},
            context._("🕒 {day}: send the time slots, e.g. 09:00-12:00, 14:00-16:00").format(
                day=_weekday(context, DAY_KEYS.index(args[1]))
            ),
        )
    elif verb == "hx":
        await screen_exceptions(update, context, _int(args[0]))
    elif verb == "hxd":
        index = _int(args[1])
        await editor.change_hours(
            actor, _int(args[0]), lambda h: editing.remove_exception(h, index), "exception removed"
        )
        await screen_exceptions(update, context, _int(args[0]))
    elif verb in ("hxc", "hxs"):
        closed = verb == "hxc"
        prompt = (
            context._(
                "📅 Send the date (or first and last day) and a reason, e.g.\n"
                "24.12.2026; Christmas Eve\n27.12.2026 - 02.01.2027; Holidays"
            )
            if closed
            else context._("📅 Send the date and the special hours, e.g.\n23.12.2026; 10:00-12:00")
        )
        return await ask(
            update, context, {"kind": "exception", "id": _int(args[0]), "closed": closed}, prompt
        )
    elif verb == "ht":
        await screen_closure(update, context, _int(args[0]))
    elif verb == "hts":
        return await ask(
            update,
            context,
            {"kind": "closure", "id": _int(args[0])},
            context._(
                "⛔ Send the first day it is open again and the reason, e.g.\n15.01.2027; Renovation\n"
                "(- instead of the date: until further notice)"
            ),
        )
    elif verb == "htr":
        await editor.change_hours(actor, _int(args[0]), editing.clear_closure, "closure removed")
        await screen_closure(update, context, _int(args[0]))
    elif verb == "cl":
        await screen_categories(update, context)
    elif verb == "c":
        await screen_category(update, context, _int(args[0]))
    elif verb == "cf":
        category_id = _int(args[0])
        if args[1] == "name":
            current = await editor.text("category", category_id, "name", SOURCE_LANGUAGE)
            pending = {
                "kind": "text",
                "owner": "category",
                "id": category_id,
                "field": "name",
                "lang": SOURCE_LANGUAGE,
                "minor": False,
            }
            return await ask(
                update,
                context,
                pending,
                context._("✏️ <b>Name</b> (German)\nNow: {value}\nSend the new text.").format(
                    value=html.escape(current or "–")
                ),
            )
        if args[1] == "emoji":
            return await ask(
                update,
                context,
                {"kind": "emoji", "id": category_id},
                context._("😀 Send one emoji for this category, or - for none."),
            )
        raise ValueError(args[1])
    elif verb == "chide":
        await editor.set_hidden(actor, "category", _int(args[0]), args[1] == "1")
        await screen_category(update, context, _int(args[0]))
    elif verb == "cdel":
        markup = InlineKeyboardMarkup(
            [
                [_btn(context._("🗑 Yes, delete for good"), f"ed:cdelok:{_int(args[0])}")],
                [_btn(context._("⬅ Back"), f"ed:c:{_int(args[0])}")],
            ]
        )
        await reply(
            update,
            context,
            context._("Delete this category? Its services stay in their other categories."),
            markup,
        )
    elif verb == "cdelok":
        slug = await editor.delete(actor, "category", _int(args[0]))
        await reply(
            update,
            context,
            context._("🗑 Deleted: {slug}").format(slug=slug),
            InlineKeyboardMarkup([[_btn(context._("⬅ Back"), "ed:cl")]]),
        )
    elif verb == "ns":
        return await ask(
            update,
            context,
            {"kind": "new_service", "step": "name", "values": {}},
            context._(NEW_SERVICE_PROMPTS["name"]),
        )
    elif verb == "nc":
        return await ask(
            update,
            context,
            {"kind": "new_category", "step": "name", "values": {}},
            context._("Step 1 of 2: the German name of the new category?"),
        )
    elif verb == "tl":
        await screen_languages(update, context)
    elif verb == "tg":
        if args[0] not in editing.TRANSLATION_LANGS:
            raise ValueError(args[0])
        await screen_translations(update, context, args[0], _int(args[1]))
    elif verb == "te":
        if args[0] not in editing.TRANSLATION_LANGS:
            raise ValueError(args[0])
        return await ask_translation(update, context, args[0], OWNER_CODES[args[1]], _int(args[2]), args[3])
    else:
        raise ValueError(verb)
    return ConversationHandler.END


# --- typed input --------------------------------------------------------------------------------------
@staff_only
async def on_text(update: Update, context: BotContext) -> int:
    assert update.effective_message is not None and context.user is not None
    pending = _pending(context)
    text = (update.effective_message.text or "").strip()
    if pending is None:  # the step's data is gone (e.g. erased with /deleteme): say so, do not swallow
        await update.effective_message.reply_text(
            context._("This step is no longer open. Nothing was changed."),
            reply_markup=InlineKeyboardMarkup([[_btn(context._("🗂 Directory"), HOME)]]),
        )
        return ConversationHandler.END
    if not text or len(text) > 4000:
        await update.effective_message.reply_text(context._("Please send a text (at most 4,000 characters)."))
        return INPUT
    try:
        return await _apply(update, context, pending, text)
    except EditError as exc:
        await update.effective_message.reply_text(
            _problems(context, exc) + "\n\n" + context._("Please try again, or cancel."),
            reply_markup=InlineKeyboardMarkup([_cancel_row(context)]),
        )
        return INPUT


async def _apply(update: Update, context: BotContext, pending: dict[str, Any], text: str) -> int:
    assert context.user is not None
    actor = context.user.id
    editor = _editor(context)
    kind = pending.get("kind")
    target = int(pending.get("id", 0))
    saved = context._("✅ Saved.")
    if kind == "text":
        await editor.set_text(
            actor,
            pending["owner"],
            target,
            pending["field"],
            pending["lang"],
            text,
            minor=bool(pending.get("minor")),
        )
        _set_pending(context, None)
        if pending.get("back"):
            await _send_fresh(
                update, context, saved, lambda: screen_translations(update, context, pending["back"], 0)
            )
        elif pending["owner"] == "category":
            await _send_fresh(update, context, saved, lambda: screen_category(update, context, target))
        else:
            await _send_fresh(update, context, saved, lambda: screen_service(update, context, target))
        return ConversationHandler.END
    if kind == "column":
        await editor.set_column(actor, target, pending["field"], text)
    elif kind == "slots":
        day, slots = pending["day"], editing.parse_slots(text)
        await editor.change_hours(actor, target, lambda h: editing.set_day(h, day, slots), f"{day} slots")
    elif kind == "exception":
        closed = bool(pending.get("closed"))
        await editor.change_hours(
            actor, target, lambda h: editing.add_exception(h, text, closed=closed), "exception added"
        )
    elif kind == "closure":
        await editor.change_hours(actor, target, lambda h: editing.set_closure(h, text), "temporarily closed")
    elif kind == "emoji":
        await editor.set_category_emoji(actor, target, text)
        _set_pending(context, None)
        await _send_fresh(update, context, saved, lambda: screen_category(update, context, target))
        return ConversationHandler.END
    elif kind == "new_service":
        return await _new_service_step(update, context, pending, text)
    elif kind == "new_category":
        return await _new_category_step(update, context, pending, text)
    else:
        _set_pending(context, None)
        return ConversationHandler.END
    _set_pending(context, None)
    if kind == "column":
        await _send_fresh(update, context, saved, lambda: screen_service(update, context, target))
    else:
        await _send_fresh(update, context, saved, lambda: screen_hours(update, context, target))
    return ConversationHandler.END


async def _send_fresh(
    update: Update, context: BotContext, notice: str, screen: Callable[[], Awaitable[Any]]
) -> None:
    """After typed input there is no button message to edit: confirm, then show the screen anew."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(notice)
    await screen()


async def _new_service_step(update: Update, context: BotContext, pending: dict[str, Any], text: str) -> int:
    step = pending["step"]
    values = pending["values"]
    values[step] = text
    if step == "name":
        pending["step"] = "category"
        rows = [
            [_btn(f"{cat.emoji} {names.get(SOURCE_LANGUAGE, cat.slug)}"[:60], f"ed:nsc:{cat.id}")]
            for cat, names in await _editor(context).categories()
        ]
        rows.append(_cancel_row(context))
        _set_pending(context, pending)
        await update.effective_message.reply_text(  # type: ignore[union-attr]
            context._("Step 2 of 7: in which category?"), reply_markup=InlineKeyboardMarkup(rows)
        )
        return INPUT
    if step == "category":  # a category is chosen with a button
        await update.effective_message.reply_text(context._("Please choose a category with a button."))  # type: ignore[union-attr]
        return INPUT
    following = NEW_SERVICE_STEPS[NEW_SERVICE_STEPS.index(step) + 1 :]
    if following:
        pending["step"] = following[0]
        _set_pending(context, pending)
        await update.effective_message.reply_text(  # type: ignore[union-attr]
            context._(NEW_SERVICE_PROMPTS[following[0]]),
            reply_markup=InlineKeyboardMarkup([_cancel_row(context)]),
        )
        return INPUT
    assert context.user is not None
    service_id = await _editor(context).create_service(
        context.user.id,
        name=values["name"],
        category_id=int(values["category"]),
        provider=values["provider"],
        description=values["description"],
        street=values["street"],
        postcode=values["postcode"],
        city=values["city"],
    )
    _set_pending(context, None)
    await _send_fresh(
        update,
        context,
        context._("✅ Created. Add opening hours and details now:"),
        lambda: screen_service(update, context, service_id),
    )
    return ConversationHandler.END


async def _new_category_step(update: Update, context: BotContext, pending: dict[str, Any], text: str) -> int:
    values = pending["values"]
    if pending["step"] == "name":
        values["name"] = text
        pending["step"] = "emoji"
        _set_pending(context, pending)
        await update.effective_message.reply_text(  # type: ignore[union-attr]
            context._("Step 2 of 2: one emoji for the category, or - for none."),
            reply_markup=InlineKeyboardMarkup([_cancel_row(context)]),
        )
        return INPUT
    assert context.user is not None
    emoji = "" if text == editing.CLEAR else text
    category_id = await _editor(context).create_category(context.user.id, name=values["name"], emoji=emoji)
    _set_pending(context, None)
    await _send_fresh(
        update, context, context._("✅ Created."), lambda: screen_category(update, context, category_id)
    )
    return ConversationHandler.END


@staff_only
async def cancel(update: Update, context: BotContext) -> int:
    _set_pending(context, None)
    await answer_query(update)
    await reply(
        update,
        context,
        context._("Cancelled. Nothing was changed."),
        InlineKeyboardMarkup([[_btn(context._("🗂 Directory"), HOME)]]),
    )
    return ConversationHandler.END


@staff_only
async def start_editing(update: Update, context: BotContext) -> int:
    _set_pending(context, None)
    await answer_query(update)
    await screen_home(update, context)
    return ConversationHandler.END


def conversation() -> ConversationHandler[BotContext]:
    buttons = CallbackQueryHandler(on_button, pattern=f"^{PREFIX}")
    with warnings.catch_warnings():  # per_message=False with buttons is intended: one step per user and chat
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            entry_points=[CommandHandler("edit", start_editing), buttons],
            states={
                INPUT: [
                    MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, on_text),
                    buttons,
                ]
            },
            fallbacks=[CommandHandler("cancel", cancel)],
            name="directory_editing",
            persistent=True,
            allow_reentry=True,
        )


def register(app: Application) -> None:
    add_admin_section(N_("🗂 Directory"), HOME)
    app.add_handler(conversation())
