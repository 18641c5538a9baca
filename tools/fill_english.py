"""English is the language of the msgids: fill the English catalog with them (run by `make i18n`)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOG = Path(__file__).resolve().parent.parent / "locales" / "en" / "LC_MESSAGES" / "messages.po"


def main() -> None:
    with open(CATALOG, "rb") as f:
        catalog = read_po(f, locale="en")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not all(message.string):
                message.string = (message.id[0], message.id[1])
        elif not message.string:
            message.string = message.id
    with open(CATALOG, "wb") as f:
        write_po(f, catalog, width=0, no_location=True)


if __name__ == "__main__":
    main()
