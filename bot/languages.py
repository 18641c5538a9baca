"""The twelve supported languages and how Telegram's language codes map onto them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str  # our code, also the gettext catalog and the Babel locale
    native_name: str  # how the picker names it: in the language itself
    rtl: bool = False


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("de", "Deutsch"),
        Language("en", "English"),
        Language("uk", "Українська"),
        Language("ru", "Русский"),
        Language("ar", "العربية", rtl=True),
        Language("fa", "فارسی / دری", rtl=True),
        Language("ps", "پښتو", rtl=True),
        Language("tr", "Türkçe"),
        Language("ku", "Kurdî (Kurmancî)"),
        Language("ti", "ትግርኛ"),
        Language("so", "Soomaali"),
        Language("fr", "Français"),
    )
}

SOURCE_LANGUAGE = "de"  # content (service texts, announcements) is written in German first

# Telegram sends IETF tags (en-US, pt-br); some clients send ISO 639-2/3 codes.
_ALIASES = {
    "prs": "fa",
    "fa-af": "fa",
    "pes": "fa",
    "pus": "ps",
    "pbt": "ps",
    "kmr": "ku",
    "tir": "ti",
    "som": "so",
    "ukr": "uk",
    "rus": "ru",
    "ara": "ar",
    "tur": "tr",
    "fra": "fr",
    "deu": "de",
    "ger": "de",
    "eng": "en",
}


def match_language(code: str | None) -> str | None:
    """Map a Telegram `language_code` to a supported language, or None when unsupported."""
    if not code:
        return None
    code = code.strip().lower().replace("_", "-")
    if code in _ALIASES:
        return _ALIASES[code]
    base = code.split("-", 1)[0]
    if base in LANGUAGES:
        return base
    return _ALIASES.get(base)


def is_rtl(code: str) -> bool:
    lang = LANGUAGES.get(code)
    return bool(lang and lang.rtl)
