"""Gettext translators and Babel formatting, one `Translator` per language.

Every user-facing string goes through `Translator.gettext`/`ngettext` with named `{placeholders}`
filled by `str.format` afterwards, so translators can reorder words. Dates, times and numbers
come from Babel in the user's locale and the configured time zone.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton, format_time
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from babel.units import format_unit

from bot.languages import LANGUAGES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"

# Unicode directional isolates: keep a phone number, URL or German name readable inside RTL text.
FSI, PDI = "\u2068", "\u2069"


def N_(message: str) -> str:
    """Mark a string for extraction where it is defined; translate it later where it is shown."""
    return message


class Translator:
    """Texts, plurals and formatting for one language and time zone."""

    def __init__(self, lang: str, tz: ZoneInfo, translations: NullTranslations) -> None:
        self.lang = lang
        self.tz = tz
        self.locale = Locale.parse(lang)
        self.rtl = LANGUAGES[lang].rtl
        self._translations = translations

    def gettext(self, message: str) -> str:
        return self._translations.gettext(message)

    _ = gettext

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._translations.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self._translations.pgettext(context, message)

    # --- bidirectional text -------------------------------------------------------------------
    def isolate(self, text: str) -> str:
        """Wrap left-to-right material (phone numbers, URLs, German names) when the language is RTL."""
        return f"{FSI}{text}{PDI}" if self.rtl and text else text

    # --- Babel formatting -------------------------------------------------------------------------
    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.tz)

    def time(self, moment: dt.datetime | dt.time) -> str:
        if isinstance(moment, dt.datetime):
            moment = self.local(moment)
        return format_time(moment, format="short", locale=self.locale)

    def date(self, day: dt.date | dt.datetime, fmt: str = "medium") -> str:
        if isinstance(day, dt.datetime):
            day = self.local(day).date()
        return format_date(day, format=fmt, locale=self.locale)

    def weekday(self, day: dt.date | dt.datetime) -> str:
        if isinstance(day, dt.datetime):
            day = self.local(day).date()
        return format_date(day, format="EEEE", locale=self.locale)

    def short_date(self, day: dt.date) -> str:
        """Weekday and day, e.g. "Mo., 24. Nov." in German."""
        return format_skeleton("MMMEd", day, locale=self.locale)

    def datetime(self, moment: dt.datetime, fmt: str = "medium") -> str:
        return format_datetime(self.local(moment), format=fmt, locale=self.locale)

    def number(self, value: float | int) -> str:
        return format_decimal(value, locale=self.locale)

    def distance(self, meters: float) -> str:
        if meters < 1000:
            return format_unit(round(meters / 10) * 10, "length-meter", "short", locale=self.locale)
        return format_unit(round(meters / 1000, 1), "length-kilometer", "short", locale=self.locale)


@cache
def _translations(lang: str) -> NullTranslations:
    return Translations.load(str(LOCALES_DIR), [lang], domain=DOMAIN)


@cache
def translator(lang: str, timezone: str = "Europe/Berlin") -> Translator:
    """The translator for a supported language code (cached; catalogs are read once)."""
    if lang not in LANGUAGES:
        raise KeyError(lang)
    return Translator(lang, ZoneInfo(timezone), _translations(lang))


def reload_catalogs() -> None:
    """Forget loaded catalogs (after `make i18n` in a running test session)."""
    _translations.cache_clear()
    translator.cache_clear()
