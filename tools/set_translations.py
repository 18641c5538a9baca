"""Write translations into the catalogs: `python tools/set_translations.py FILE.json`.

FILE.json maps language code → {msgid: msgstr} (for plurals, msgstr is a list). Used by whoever
translates new strings after `make i18n`; the catalogs stay the source of truth.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALES = Path(__file__).resolve().parent.parent / "locales"


def apply(translations: dict[str, dict[str, str | list[str]]]) -> None:
    for lang, entries in translations.items():
        path = LOCALES / lang / "LC_MESSAGES" / "messages.po"
        with open(path, "rb") as f:
            catalog = read_po(f, locale=lang)
        for msgid, msgstr in entries.items():
            message = catalog.get(msgid)
            if message is None:
                raise SystemExit(f"{lang}: no msgid {msgid!r} in {path} (run `make i18n` first)")
            message.string = tuple(msgstr) if isinstance(msgstr, list) else msgstr
            message.flags.discard("fuzzy")
        with open(path, "wb") as f:
            write_po(f, catalog, width=0, no_location=True)


if __name__ == "__main__":
    apply(json.loads(Path(sys.argv[1]).read_text("utf-8")))
