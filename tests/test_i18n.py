"""The catalogs are complete, correct and compiled; language resolution works."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from bot.i18n import FSI, LOCALES_DIR, PDI, translator
from bot.languages import LANGUAGES, match_language
from handlers.identity import resolve_language

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{[a-z_0-9]*\}")
TAG = re.compile(r"</?[a-z]+[^>]*>")
# Words that are the same in other languages (proper names, codes).
SAME_EVERYWHERE = re.compile(r"^[\W\d_]*$")


def _catalog(lang: str):
    with open(LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def _source_msgids() -> set[str]:
    ids: set[str] = set()
    for package in ("bot", "handlers", "content"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(ROOT / package),
            method_map=[("**.py", "python")],
            keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "pgettext": ((1, "c"), 2)},
        ):
            ids.add(message if isinstance(message, str) else message[0])
    return ids


def _msgid(message) -> str:  # type: ignore[no-untyped-def]
    return message.id if isinstance(message.id, str) else message.id[0]


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_catalog_complete_and_consistent(lang: str) -> None:
    catalog = _catalog(lang)
    problems: list[str] = []
    source = _source_msgids()
    in_catalog = {_msgid(m) for m in catalog if m.id}
    problems += [f"missing from catalog: {m!r}" for m in sorted(source - in_catalog)]
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strs = [message.string] if isinstance(message.string, str) else list(message.string)
        if message.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        if not all(s and s.strip() for s in strs):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        want = set(PLACEHOLDER.findall(ids[0])) | set(PLACEHOLDER.findall(ids[-1]))
        for s in strs:
            if set(PLACEHOLDER.findall(s)) - want or (
                want - set(PLACEHOLDER.findall(s)) - {"{n}", "{count}"}
            ):
                problems.append(f"placeholders differ: {ids[0]!r} -> {s!r}")
            if sorted(TAG.findall(ids[0])) != sorted(TAG.findall(s)):
                problems.append(f"HTML tags differ: {ids[0]!r} -> {s!r}")
        words = PLACEHOLDER.sub("", TAG.sub("", ids[0]))  # placeholders and tags are no English
        if lang != "en" and strs[0] == ids[0] and not SAME_EVERYWHERE.match(words):
            problems.append(f"left in English: {ids[0]!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_compiled_catalog_is_fresh(lang: str) -> None:
    po = LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} missing: run `make i18n`"
    assert mo.stat().st_mtime >= po.stat().st_mtime, f"{mo} is older than {po}: run `make i18n`"
    with open(mo, "rb") as f:
        compiled = read_mo(f)
    assert {_msgid(m) for m in compiled if m.id} == {_msgid(m) for m in _catalog(lang) if m.id}


def test_plural_forms_follow_cldr() -> None:
    for lang in LANGUAGES:
        catalog = _catalog(lang)
        assert catalog.num_plurals >= 1
    assert _catalog("ar").num_plurals == 6
    assert _catalog("uk").num_plurals == 3
    assert _catalog("ru").num_plurals == 3


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("uk", "uk"),
        ("uk-UA", "uk"),
        ("ar", "ar"),
        ("fa", "fa"),
        ("prs", "fa"),
        ("fa-AF", "fa"),
        ("ps", "ps"),
        ("kmr", "ku"),
        ("ku", "ku"),
        ("ti", "ti"),
        ("so", "so"),
        ("fr-CA", "fr"),
        ("en-GB", "en"),
        ("DE", "de"),
        ("pt-br", None),
        ("sw", None),
        ("", None),
        (None, None),
    ],
)
def test_match_language(code: str | None, expected: str | None) -> None:
    assert match_language(code) == expected


def test_resolution_order() -> None:
    assert resolve_language("ar", "uk", "de") == "ar"  # the stored choice wins
    assert resolve_language(None, "uk-UA", "de") == "uk"  # then Telegram's language_code
    assert resolve_language(None, "sw", "de") == "de"  # then the default


def test_rtl_isolation() -> None:
    assert translator("ar").isolate("0800 111 0 111") == f"{FSI}0800 111 0 111{PDI}"
    assert translator("fa").rtl and translator("ps").rtl
    assert translator("de").isolate("110") == "110"


def test_translations_are_used() -> None:
    assert translator("de").gettext("☰ Menu") != "☰ Menu"
    assert translator("uk").gettext("☰ Menu") != translator("ar").gettext("☰ Menu")
