"""Telegram's HTML subset, parsed the way Telegram's server (TDLib) parses it.

``parse_html`` is a port of TDLib's ``parse_html`` (``td/telegram/MessageEntity.cpp``): the same
tags, the same attribute rules and the same error texts with byte offsets.  Telegram itself
tolerates a bare ``&`` and unknown named entities such as ``&nbsp;`` (it keeps them as text) although
the Bot API documentation says they must be escaped; with ``strict=True`` (the emulator's default)
those are reported as errors so that missing ``html.escape`` calls are caught in tests.

Entity offsets and lengths are in UTF-16 code units, like in the Bot API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = [
    "HTMLParseError",
    "ParsedText",
    "parse_html",
    "trim_entities",
    "utf16_len",
    "utf16_to_index",
]

_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler", "tg-emoji",
        "span", "pre", "code", "blockquote",
    }
)
_SIMPLE = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_SPACE = " \t\n\r\f\v"
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_URL_RE = re.compile(r"^(?:(?:https?|ftp|tg|tonsite)://)?[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$", re.IGNORECASE)
_TG_URL_RE = re.compile(r"^tg://\S+$", re.IGNORECASE)


class HTMLParseError(ValueError):
    """Raised with the text Telegram puts after ``Bad Request: can't parse entities: ``."""


@dataclass
class ParsedText:
    text: str
    entities: list[dict] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (the unit of Telegram's entity offsets)."""
    n = len(text)
    if text.isascii():
        return n
    return n + sum(1 for ch in text if ord(ch) > 0xFFFF)


def utf16_to_index(text: str) -> list[int]:
    """Table mapping a UTF-16 offset to the index in ``text`` (length ``utf16_len(text) + 1``)."""
    table: list[int] = []
    for i, ch in enumerate(text):
        table.append(i)
        if ord(ch) > 0xFFFF:
            table.append(i)
    table.append(len(text))
    return table


def _byte_offset(text: str, pos: int) -> int:
    return len(text[:pos].encode("utf-8", "surrogatepass"))


def _decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode the HTML entity at ``text[pos] == '&'``; return (character, new position) or None."""
    n = len(text)
    end = pos + 1
    if end < n and text[end] == "#":
        end += 1
        value = 0
        if end < n and text[end] == "x":
            end += 1
            while end < n and text[end] in "0123456789abcdefABCDEF":
                value = value * 16 + int(text[end], 16)
                end += 1
                if value >= 0x10FFFF:
                    return None
        else:
            while end < n and "0" <= text[end] <= "9":
                value = value * 10 + ord(text[end]) - 48
                end += 1
                if value >= 0x10FFFF:
                    return None
        if value == 0 or value >= 0x10FFFF or end - pos >= 10:
            return None
        char = chr(value)
    else:
        while end < n and text[end].isascii() and text[end].isalpha():
            end += 1
        name = text[pos + 1 : end]
        if name not in _NAMED:
            return None
        char = _NAMED[name]
    if end < n and text[end] == ";":
        end += 1
    return char, end


def _check_url(url: str) -> str | None:
    if not url or any(c in url for c in _SPACE):
        return None
    if _TG_URL_RE.match(url):
        return url
    if not _URL_RE.match(url):
        return None
    scheme, rest = url.split("://", 1) if "://" in url else ("http", url)
    cut = min((rest.index(c) for c in "/?#" if c in rest), default=len(rest))
    host, tail = rest[:cut], rest[cut:]
    if not tail.startswith("/"):
        tail = "/" + tail
    return f"{scheme}://{host}{tail}"


def _strict_entity_error(text: str, pos: int) -> HTMLParseError:
    n = len(text)
    end = pos + 1
    while end < n and end - pos < 12 and (text[end].isalnum() or text[end] == "#"):
        end += 1
    if end < n and text[end] == ";" and end > pos + 1:
        shown = text[pos : end + 1]
        return HTMLParseError(
            f'Unsupported HTML entity "{shown}" at byte offset {_byte_offset(text, pos)} '
            '(emulator strict mode: only &lt; &gt; &amp; &quot; and numeric entities are allowed)'
        )
    return HTMLParseError(
        f'Unescaped "&" at byte offset {_byte_offset(text, pos)} '
        '(emulator strict mode: write "&amp;")'
    )


def parse_html(text: str, *, strict: bool = True) -> ParsedText:
    """Parse Telegram HTML into plain text and Bot API entity dicts, or raise HTMLParseError."""
    result: list[str] = []
    entities: list[dict] = []
    utf16 = 0
    stack: list[tuple[str, str, int, int]] = []  # tag, argument, utf16 offset, index into result
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if c == "&":
            decoded = _decode_entity(text, i)
            if decoded is not None:
                ch, i = decoded
                result.append(ch)
                utf16 += 2 if ord(ch) > 0xFFFF else 1
                if 0xD800 <= ord(ch) <= 0xDFFF:
                    raise HTMLParseError(
                        "Text contains invalid Unicode characters after decoding HTML entities, "
                        "check for unmatched surrogate code units"
                    )
                continue
            if strict:
                raise _strict_entity_error(text, i)
        if c != "<":
            result.append(c)
            utf16 += 2 if ord(c) > 0xFFFF else 1
            i += 1
            continue

        begin = i
        i += 1
        if i < n and text[i] == "/":
            # end tag
            if not stack:
                raise HTMLParseError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
            while i < n and text[i] not in _SPACE and text[i] != ">":
                i += 1
            end_name = text[begin + 2 : i]
            while i < n and text[i] in _SPACE:
                i += 1
            if i >= n or text[i] != ">":
                raise HTMLParseError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
            i += 1
            tag, argument, offset, _start = stack.pop()
            if end_name and end_name.lower() != tag:
                raise HTMLParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                    f'expected "</{tag}>", found "</{end_name}>"'
                )
            length = utf16 - offset
            if length > 0:
                entity = _make_entity(tag, argument, offset, length, "".join(result[_start:]))
                if entity is not None:
                    entities.append(entity)
            continue

        # start tag
        while i < n and text[i] not in _SPACE and text[i] != ">":
            i += 1
        if i >= n:
            raise HTMLParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        tag = text[begin + 1 : i].lower()
        if tag not in _TAGS:
            raise HTMLParseError(f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}')
        argument = ""
        while i < n and text[i] != ">":
            while i < n and text[i] in _SPACE:
                i += 1
            if i < n and text[i] == ">":
                break
            attr_begin = i
            while i < n and text[i] not in _SPACE and text[i] != "=" and text[i] != ">":
                i += 1
            attr_name = text[attr_begin:i]
            if not attr_name:
                raise HTMLParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(text, begin)}'
                )
            while i < n and text[i] in _SPACE:
                i += 1
            if i >= n or text[i] != "=":
                if tag == "blockquote" and attr_name.lower() == "expandable":
                    argument = "1"
                continue  # attribute without value
            i += 1
            while i < n and text[i] in _SPACE:
                i += 1
            if i >= n:
                raise HTMLParseError(f'Unclosed start tag "{tag}" at byte offset {_byte_offset(text, begin)}')
            if text[i] not in "'\"":
                token_begin = i
                while i < n and ((text[i].isascii() and text[i].isalnum()) or text[i] in ".-"):
                    i += 1
                value = text[token_begin:i].lower()
                if i < n and text[i] not in _SPACE and text[i] != ">":
                    raise HTMLParseError(
                        f"Unexpected end of name token at byte offset {_byte_offset(text, token_begin)}"
                    )
            else:
                quote = text[i]
                i += 1
                chars: list[str] = []
                while i < n and text[i] != quote:
                    if text[i] == "&":
                        decoded = _decode_entity(text, i)
                        if decoded is not None:
                            chars.append(decoded[0])
                            i = decoded[1]
                            continue
                    chars.append(text[i])
                    i += 1
                if i < n:
                    i += 1
                value = "".join(chars)
            if i >= n:
                raise HTMLParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            attr = attr_name.lower()
            if tag == "a" and attr == "href":
                argument = value
            elif tag == "code" and attr == "class" and value.startswith("language-"):
                argument = value[9:]
            elif tag == "span" and attr == "class" and value.startswith("tg-"):
                argument = value[3:]
            elif tag == "tg-emoji" and attr == "emoji-id":
                argument = value
            elif tag == "blockquote" and attr == "expandable":
                argument = "1"
        if i >= n:
            raise HTMLParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        i += 1  # skip '>'
        if tag == "span" and argument != "spoiler":
            raise HTMLParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, begin)}'
            )
        stack.append((tag, argument, utf16, len(result)))

    if stack:
        raise HTMLParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    plain = "".join(result)
    return ParsedText(plain, _merge_pre_code(entities))


def _make_entity(tag: str, argument: str, offset: int, length: int, inner: str) -> dict | None:
    if tag in _SIMPLE:
        return {"type": _SIMPLE[tag], "offset": offset, "length": length}
    if tag == "a":
        url = _check_url(argument or inner)
        if url is None:
            return None
        return {"type": "text_link", "offset": offset, "length": length, "url": url}
    if tag == "code":
        entity = {"type": "code", "offset": offset, "length": length}
        if argument:
            entity["language"] = argument
        return entity
    if tag == "pre":
        return {"type": "pre", "offset": offset, "length": length}
    if tag == "blockquote":
        kind = "expandable_blockquote" if argument else "blockquote"
        return {"type": kind, "offset": offset, "length": length}
    if tag == "tg-emoji":
        if not argument:
            return None
        return {"type": "custom_emoji", "offset": offset, "length": length, "custom_emoji_id": argument}
    return None


def _merge_pre_code(entities: list[dict]) -> list[dict]:
    """``<pre><code class="language-x">`` covering the same text becomes one ``pre`` with a language."""
    if not entities:
        return entities
    by_span: dict[tuple[int, int], list[dict]] = {}
    for e in entities:
        by_span.setdefault((e["offset"], e["length"]), []).append(e)
    out: list[dict] = []
    for e in entities:
        if e["type"] == "code" and "language" in e:
            same = by_span[(e["offset"], e["length"])]
            pre = next((p for p in same if p["type"] == "pre"), None)
            if pre is not None:
                pre["language"] = e["language"]
                continue
            e = {"type": "code", "offset": e["offset"], "length": e["length"]}
        out.append(e)
    out.sort(key=lambda e: (e["offset"], -e["length"]))
    return out


def trim_entities(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Strip leading/trailing whitespace like Telegram does and shift/clip the entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    if not stripped:
        return "", []
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    out = []
    for e in entities:
        start = max(e["offset"] - lead, 0)
        end = min(e["offset"] + e["length"] - lead, total)
        if end > start:
            out.append({**e, "offset": start, "length": end - start})
    return stripped, out
