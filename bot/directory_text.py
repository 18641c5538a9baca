"""Wording of the directory: service cards and list labels, HTML-escaped, in the user's language."""

from __future__ import annotations

import datetime as dt
from html import escape

from babel import Locale
from babel.lists import format_list

from bot.directory import Clock, Directory, ServiceEntry, status
from bot.hours import State, day_plan, week_plan
from bot.hours_text import day_line, status_line, week_lines
from bot.i18n import Translator

STATE_ICON = {
    State.OPEN: "🟢",
    State.APPOINTMENT_ONLY: "📅",
    State.CLOSED: "🔴",
    State.TEMPORARILY_CLOSED: "⛔",
}
MAX_DESCRIPTION = 1200  # keeps a card well inside Telegram's 4096 characters
MAX_NAME = 200  # a name typed by the office can be any length; a card must stay under 4096


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary and mark the cut with "…" (button labels must stay short)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,–-(") + "…"


def list_label(service: ServiceEntry, state: State, tr: Translator) -> str:
    """A button label: state icon and the name (buttons are plain text, no HTML)."""
    return f"{STATE_ICON[state]} {shorten(service.name(tr.lang), 60)}"


def distance_label(service: ServiceEntry, meters: float, tr: Translator) -> str:
    return f"{shorten(service.name(tr.lang), 48)} · {tr.distance(meters)}"


def language_list(codes: list[str], tr: Translator) -> str:
    """Language names in the reader's language, joined as the reader's language joins lists."""
    return format_list([_language_name(code, tr) for code in codes], locale=tr.locale)


def _language_name(code: str, tr: Translator) -> str:
    try:
        return Locale.parse(code).get_display_name(tr.locale) or code
    except (ValueError, LookupError):
        return code


def not_translated_mark(tr: Translator) -> str:
    return tr.gettext("(not yet translated – shown in German)")


def service_card(
    service: ServiceEntry, tr: Translator, now: dt.datetime, clock: Clock, directory: Directory | None = None
) -> str:
    _ = tr.gettext
    iso = tr.isolate
    lang = tr.lang
    today = now.astimezone(clock.tz).date()
    current = status(service, now, clock)
    name = service.text("name", lang)
    lines = [f"<b>{escape(shorten(service.name(lang), MAX_NAME))}</b>"]
    if service.provider:
        lines.append(f"<i>{escape(iso(service.provider))}</i>")
    lines.append(f"{STATE_ICON[current.state]} {escape(status_line(current, tr, now))}")
    description = service.text("description", lang)
    if (name and not name.translated) or (description and not description.translated):
        lines.append(f"<i>{escape(not_translated_mark(tr))}</i>")
    if description:
        lines += ["", escape(shorten(description.text, MAX_DESCRIPTION))]
    audience = service.text("audience", lang)
    if audience:
        lines.append("👥 " + escape(_("For: {audience}").format(audience=audience.text)))

    lines += [
        "",
        "🕐 "
        + escape(
            _("Today: {hours}").format(hours=day_line(day_plan(service.hours, today, clock.holidays), tr))
        ),
    ]
    week = week_plan(service.hours, today, clock.holidays)
    lines += [escape(line) for line in week_lines(week, tr, today)]

    lines.append("")
    if service.address:
        lines.append("📍 " + escape(iso(service.address)))
    if service.phone:
        lines.append("📞 " + escape(iso(service.phone)))
    if service.email:
        lines.append("✉️ " + escape(iso(service.email)))
    if service.website:
        lines.append("🌐 " + escape(iso(service.website)))
    if service.languages_spoken:
        lines.append(
            "🗣 "
            + escape(
                _("Languages spoken: {languages}").format(
                    languages=language_list(service.languages_spoken, tr)
                )
            )
        )
    fee = service.text("fee", lang)
    if service.free:
        lines.append("💶 " + escape(_("Free of charge")))
    elif fee:
        lines.append("💶 " + escape(_("Costs: {fee}").format(fee=fee.text)))
    lines.append("📅 " + escape(appointment_line(service.appointment, tr)))
    info = service.text("appointment_info", lang)
    if info:
        lines.append(escape(info.text))
    if service.booking_url:
        lines.append(escape(_("Book online: {url}").format(url=iso(service.booking_url))))
    if service.wheelchair_accessible:
        lines.append("♿ " + escape(_("Wheelchair accessible")))

    for contact in service.contacts[:5]:
        role = contact.texts.get("role")
        role_text = (role.get(lang) or role.get("de")) if role else None
        parts = [f"👤 <b>{escape(iso(contact.name))}</b>"]
        if role_text:
            parts.append(escape(role_text))
        lines += ["", " – ".join(parts)]
        if contact.phone:
            lines.append("📞 " + escape(iso(contact.phone)))
        if contact.email:
            lines.append("✉️ " + escape(iso(contact.email)))
        if contact.hours is not None:
            lines.append(
                "🕐 "
                + escape(
                    _("Consultation today: {hours}").format(
                        hours=day_line(day_plan(contact.hours, today, clock.holidays), tr)
                    )
                )
            )
    return "\n".join(lines)


def appointment_line(kind: str, tr: Translator) -> str:
    if kind == "yes":
        return tr.gettext("Appointment needed")
    if kind == "recommended":
        return tr.gettext("Appointment recommended")
    return tr.gettext("No appointment needed")
