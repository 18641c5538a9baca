"""Write translations into the catalogs: `python tools/set_translations.py [--skip-missing] FILE.json ...`.

FILE.json maps language code → {msgid: msgstr} (for plurals, msgstr is a list). Used by whoever
translates new strings after `make i18n`; the catalogs stay the source of truth.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALES = Path(__file__).resolve().parent.parent / "locales"


def apply(translations: dict[str, dict[str, str | list[str]]], *, skip_missing: bool = False) -> int:
    """Write the translations; returns how many were written. `skip_missing` passes over msgids
    the catalog no longer has (translations made from an older snapshot of the strings)."""
    written = 0
    for lang, entries in translations.items():
        path = LOCALES / lang / "LC_MESSAGES" / "messages.po"
        with open(path, "rb") as f:
            catalog = read_po(f, locale=lang)
        for msgid, msgstr in entries.items():
            message = catalog.get(msgid)
            if message is None:
                if skip_missing:
                    continue
                raise SystemExit(f"{lang}: no msgid {msgid!r} in {path} (run `make i18n` first)")
            message.string = tuple(msgstr) if isinstance(msgstr, list) else msgstr
            message.flags.discard("fuzzy")
            written += 1
        with open(path, "wb") as f:
            write_po(f, catalog, width=0, no_location=True)
    return written


if __name__ == "__main__":
    skip = "--skip-missing" in sys.argv
    for name in [a for a in sys.argv[1:] if not a.startswith("--")]:
        count = apply(json.loads(Path(name).read_text("utf-8")), skip_missing=skip)
        print(f"{name}: {count} translations written")
