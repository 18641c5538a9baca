"""Local chat mode: talk to the bot in a terminal through the Bot API emulator.

You type as one of several personas (clients in different languages, a volunteer, staff) and
switch between them with ``:as KEY``.  Bot messages to the current persona print as they arrive,
with their inline buttons numbered; typing a number presses that button on the newest message
that has buttons.  Meta commands start with ``:`` so they never collide with bot commands.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bot.emulator import BotAPIEmulator, EmulatedMessage, EmulatorEvent, EmulatorTimeout, parse_html
from bot.emulator.html import HTMLParseError, utf16_to_index
from bot.emulator.models import CallbackAnswer, EmulatedChat

__all__ = [
    "HELP",
    "LocalChat",
    "NumberedButton",
    "Persona",
    "format_answer",
    "format_buttons",
    "format_message",
    "number_buttons",
    "render_entities",
    "render_html",
    "run_local_chat",
]


@dataclass(frozen=True)
class Persona:
    """Someone you can type as: ``Persona("client-ar", 1001, "Amina", "ar", "client, Arabic")``."""

    key: str
    user_id: int
    first_name: str
    language_code: str
    description: str = ""
    last_name: str | None = None
    username: str | None = None


HELP = """\
Meta commands (everything else is sent to the bot as text, so /start goes to the bot):
  :help              this list
  :who               the personas and their keys
  :as KEY            type as another persona (shows the tail of that chat)
  :history [N]       the last N messages of the current chat (default 10)
  :loc LAT LON       share a location, e.g. :loc 52.52 13.405
  :sticker           send a sticker
  :photo             send a photo
  :voice             send a voice message
  :doc PATH          send a file from disk as a document
  :edit TEXT         edit your last text message
  :send TEXT         send TEXT literally (e.g. a number that should not press a button)
  :quit              leave (Ctrl-D works too)
A number N presses button [N] of the newest message that has buttons."""

# --------------------------------------------------------------------------------------- rendering

_ANSI = {
    "bold": ("\x1b[1m", "\x1b[22m"),
    "italic": ("\x1b[3m", "\x1b[23m"),
    "underline": ("\x1b[4m", "\x1b[24m"),
    "strikethrough": ("\x1b[9m", "\x1b[29m"),
    "code": ("\x1b[36m", "\x1b[39m"),
    "pre": ("\x1b[36m", "\x1b[39m"),
    "spoiler": ("\x1b[2m", "\x1b[22m"),
    "text_link": ("\x1b[4m", "\x1b[24m"),
}
_QUOTES = ("blockquote", "expandable_blockquote")
_TAG_RE = re.compile(r"<[^>]*>")


def _same_url(url: str, shown: str) -> bool:
    def norm(u: str) -> str:
        u = u.strip().lower()
        for prefix in ("https://", "http://"):
            if u.startswith(prefix):
                u = u[len(prefix) :]
        return u.rstrip("/")

    return norm(url) == norm(shown)


def render_entities(text: str, entities: list[dict] | None, *, ansi: bool = False) -> str:
    """Plain text with Bot API entities made readable for a terminal.

    Bold/italic/... become ANSI styles when ``ansi`` (else they are dropped), a text link is
    followed by `` <url>``, blockquote lines are prefixed with ``│ ``.
    """
    if not entities:
        return text
    table = utf16_to_index(text)
    last = len(table) - 1
    opens: dict[int, list[dict]] = {}
    closes: dict[int, list[dict]] = {}
    for e in sorted(entities, key=lambda e: (e.get("offset", 0), -e.get("length", 0))):
        start = table[min(max(e.get("offset", 0), 0), last)]
        end = table[min(max(e.get("offset", 0) + e.get("length", 0), 0), last)]
        if end <= start:
            continue
        e = {**e, "_start": start, "_end": end}
        opens.setdefault(start, []).append(e)
        closes.setdefault(end, []).insert(0, e)
    out: list[str] = []
    depth = 0
    n = len(text)
    for i in range(n + 1):
        for e in closes.get(i, ()):
            kind = e.get("type")
            if kind in _QUOTES:
                depth -= 1
                continue
            if ansi and kind in _ANSI:
                out.append(_ANSI[kind][1])
            if kind == "text_link" and e.get("url"):
                if not _same_url(e["url"], text[e["_start"] : e["_end"]]):
                    out.append(f" <{e['url']}>")
        if i == n:
            break
        for e in opens.get(i, ()):
            kind = e.get("type")
            if kind in _QUOTES:
                depth += 1
                out.append("│ ")
            elif ansi and kind in _ANSI:
                out.append(_ANSI[kind][0])
        ch = text[i]
        out.append(ch)
        if ch == "\n" and depth > 0 and i + 1 < n:
            if not any(e.get("type") in _QUOTES for e in closes.get(i + 1, ())):
                out.append("│ ")
    return "".join(out)


def render_html(html_text: str, *, ansi: bool = False) -> str:
    """Telegram HTML rendered for a terminal (tags stripped, entities unescaped, links as text <url>)."""
    try:
        parsed = parse_html(html_text, strict=False)
    except HTMLParseError:
        import html as _html

        return _html.unescape(_TAG_RE.sub("", html_text))
    return render_entities(parsed.text, parsed.entities, ansi=ansi)


@dataclass(frozen=True)
class NumberedButton:
    number: int
    row: int
    col: int
    text: str
    callback_data: str | None
    url: str | None


def number_buttons(rows: list[list[dict]]) -> list[NumberedButton]:
    """Number inline keyboard buttons 1, 2, 3, ... row by row."""
    out: list[NumberedButton] = []
    for r, row in enumerate(rows):
        for c, button in enumerate(row):
            out.append(
                NumberedButton(
                    len(out) + 1, r, c, button.get("text", ""), button.get("callback_data"), button.get("url")
                )
            )
    return out


def format_buttons(rows: list[list[dict]], *, indent: str = "   ") -> list[str]:
    """One line per keyboard row: ``[1] Deutsch   [2] English``; url buttons show their url."""
    numbered = number_buttons(rows)
    lines: list[str] = []
    by_row: dict[int, list[str]] = {}
    for b in numbered:
        label = f"[{b.number}] {b.text}"
        if b.url:
            label += f" <{b.url}>"
        by_row.setdefault(b.row, []).append(label)
    for r in sorted(by_row):
        lines.append(indent + "   ".join(by_row[r]))
    return lines


def _number(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def format_message(
    msg: EmulatedMessage,
    *,
    ansi: bool = False,
    edited: bool = False,
    deleted: bool = False,
    saved_path: str | os.PathLike | None = None,
    prefix: str = "🤖 ",
) -> str:
    """A bot message as terminal text: content, then its numbered buttons (one row per line)."""
    raw = msg.raw
    lines: list[str] = []
    if msg.kind == "venue" and msg.venue is not None:
        v = msg.venue
        lines.append(f"📍 {v.title} — {v.address} ({_number(v.latitude)}, {_number(v.longitude)})")
    elif msg.kind == "location" and msg.location is not None:
        loc = msg.location
        lines.append(f"📍 ({_number(loc.latitude)}, {_number(loc.longitude)})")
    elif msg.kind in ("document", "audio", "video", "animation", "voice") and raw.get(msg.kind):
        info = raw[msg.kind]
        name = info.get("file_name") or msg.kind
        where = f" → {saved_path}" if saved_path else ""
        lines.append(f"📄 {name} ({_size(info.get('file_size', 0))}){where}")
    elif msg.kind == "photo" and raw.get("photo"):
        big = raw["photo"][-1]
        where = f" → {saved_path}" if saved_path else ""
        lines.append(f"🖼 photo {big.get('width')}x{big.get('height')}{where}")
    elif msg.kind == "sticker":
        lines.append(f"[sticker {raw.get('sticker', {}).get('emoji', '')}]")
    elif msg.kind == "contact":
        c = raw.get("contact", {})
        lines.append(f"👤 {c.get('first_name', '')} {c.get('phone_number', '')}")
    if "text" in raw:
        lines.append(render_entities(raw["text"], raw.get("entities"), ansi=ansi))
    elif raw.get("caption"):
        lines.append(render_entities(raw["caption"], raw.get("caption_entities"), ansi=ansi))
    body = "\n".join(lines) if lines else f"[{msg.kind}]"
    marker = ""
    if deleted:
        marker = "(deleted) "
    elif edited:
        marker = "(edited) "
    body_lines = body.split("\n")
    pad = "   "
    out = [prefix + marker + body_lines[0]] + [pad + line for line in body_lines[1:]]
    if not deleted:
        out += format_buttons(msg.inline_keyboard, indent=pad)
        keyboard = msg.reply_keyboard_texts
        if keyboard:
            out.append(pad + "⌨ " + " | ".join(keyboard))
    return "\n".join(out)


def format_answer(answer: CallbackAnswer) -> str | None:
    """A callback answer (toast) as ``» text``; None if it has no text."""
    if answer.text:
        return f"» {answer.text}" + (" (alert)" if answer.show_alert else "")
    if answer.url:
        return f"» {answer.url}"
    return None


def parse_meta(line: str) -> tuple[str, str]:
    """``":as client-ar"`` → ``("as", "client-ar")``."""
    body = line.strip()[1:]
    name, _, rest = body.partition(" ")
    return name.lower(), rest.strip()


# --------------------------------------------------------------------------------------- the REPL


def _read_file(path: str) -> bytes:
    return Path(path).expanduser().read_bytes()


def _read_in_daemon_thread(func: Callable[[str], str], prompt: str) -> asyncio.Future:
    """Call a blocking input function in a daemon thread (Ctrl-C never hangs on it at exit)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future = loop.create_future()

    def settle(result: Any = None, error: BaseException | None = None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def run() -> None:
        try:
            value = func(prompt)
        except BaseException as exc:
            if isinstance(exc, (StopIteration, KeyboardInterrupt)) or not isinstance(exc, Exception):
                exc = EOFError()  # StopIteration cannot travel through a Future
            loop.call_soon_threadsafe(settle, None, exc)
        else:
            loop.call_soon_threadsafe(settle, value)

    threading.Thread(target=run, name="localchat-input", daemon=True).start()
    return future


class LocalChat:
    def __init__(
        self,
        emulator: BotAPIEmulator,
        personas: dict[str, Any],
        *,
        start_persona: str,
        input_func: Callable[[str], Any] | None = None,
        output: TextIO = sys.stdout,
        download_dir: str | os.PathLike = "var/downloads",
        ansi: bool | None = None,
        quiet: float = 0.3,
        max_wait: float = 4.0,
        history: int = 10,
    ) -> None:
        if start_persona not in personas:
            raise KeyError(f"unknown persona {start_persona!r}; known: {', '.join(personas)}")
        self.emulator = emulator
        self.personas = personas
        self.current = start_persona
        self.output = output
        self.download_dir = Path(download_dir)
        self._scripted = input_func is not None
        self.input_func = input_func or input
        if ansi is None:
            ansi = bool(getattr(output, "isatty", lambda: False)()) and not os.environ.get("NO_COLOR")
        self.ansi = ansi
        self.quiet = quiet
        self.max_wait = max_wait
        self.history = history
        self._saved: dict[tuple[int, int], Path] = {}
        self._prompt_shown = False
        self._notified: set[str] = set()
        self._by_user_id = {p.user_id: key for key, p in personas.items()}
        self.users = {}
        for key, p in personas.items():
            user = emulator.users.get(p.user_id) or emulator.add_user(
                p.user_id,
                first_name=p.first_name,
                language_code=p.language_code,
                last_name=getattr(p, "last_name", None),
                username=getattr(p, "username", None),
            )
            self.users[key] = user

    # --- output ---------------------------------------------------------------------------------
    def write(self, text: str = "") -> None:
        self.output.write(text + "\n")
        self.output.flush()

    def _dim(self, text: str) -> str:
        return f"\x1b[2m{text}\x1b[22m" if self.ansi else text

    @property
    def user(self):
        return self.users[self.current]

    @property
    def prompt(self) -> str:
        return f"{self.current}› "

    def _save(self, msg: EmulatedMessage) -> Path | None:
        if msg.file is None or not msg.file.data:
            return None
        key = (msg.chat.id, msg.message_id)
        if key in self._saved:
            return self._saved[key]
        name = msg.file.filename or f"{msg.kind}.bin"
        if msg.kind == "photo" and not msg.file.filename:
            name = "photo.jpg"
        safe = re.sub(r"[^\w.\-]+", "_", os.path.basename(name)) or "file"
        path = self.download_dir / f"{msg.chat.id}_{msg.message_id}_{safe}"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(msg.file.data)
        except OSError as exc:
            self.write(self._dim(f"(could not save {name}: {exc})"))
            return None
        self._saved[key] = path
        return path

    def render(self, msg: EmulatedMessage, *, edited: bool = False, deleted: bool = False) -> str:
        if not msg.from_bot:
            return self._dim(f"   you: {msg.content or '[' + msg.kind + ']'}")
        path = None if deleted else self._save(msg)
        prefix = "🤖 "
        if msg.chat.type != "private":
            prefix = f"🤖 [{msg.chat.title}] "
        return format_message(
            msg, ansi=self.ansi, edited=edited, deleted=deleted, saved_path=path, prefix=prefix
        )

    def show(self, msg: EmulatedMessage, *, edited: bool = False, deleted: bool = False) -> None:
        self.write(self.render(msg, edited=edited, deleted=deleted))

    def _visible(self, chat_id: int | None) -> bool:
        if chat_id is None:
            return False
        if chat_id == self.user.id:
            return True
        chat = self.emulator.chats.get(chat_id)
        return chat is not None and chat.type != "private" and self.user.id in chat.members

    def on_event(self, event: EmulatorEvent) -> None:
        """Listener: print what the bot does; while the prompt waits, print above it and repeat it."""
        text = self.render_event(event)
        if text is None:
            return
        if self._prompt_shown and not self._scripted:
            self.output.write(("\r\x1b[K" if self.ansi else "\n") + text + "\n" + self.prompt)
            self.output.flush()
        else:
            self.write(text)

    def render_event(self, event: EmulatorEvent) -> str | None:
        if event.type == "callback_answer":
            answer = event.answer
            if answer is not None and answer.user_id == self.user.id:
                return format_answer(answer)
            return None
        if event.message is None:
            return None
        if self._visible(event.chat_id):
            return self.render(event.message, edited=event.type == "edited", deleted=event.type == "deleted")
        key = self._by_user_id.get(event.chat_id) if event.chat_id is not None else None
        if key is not None and key not in self._notified and event.type == "message":
            self._notified.add(key)
            return self._dim(f"   (new message for {key} — :as {key})")
        return None

    def show_history(self, limit: int | None = None) -> None:
        chat: EmulatedChat = self.user.chat
        tail = chat.messages[-(limit or self.history) :]
        if not tail:
            self.write(self._dim("   (no messages yet — try /start)"))
        for msg in tail:
            if msg.deleted:
                continue
            self.show(msg, edited=msg.edited)

    # --- actions --------------------------------------------------------------------------------
    async def _settle(self) -> None:
        user = self.user
        try:
            await user.chat.settle(self.quiet, self.max_wait, after_update=user.last_update_id)
        except EmulatorTimeout as exc:
            if user.last_update_id is not None and not self.emulator.is_delivered(user.last_update_id):
                self.write(self._dim("   (the bot has not fetched this yet — is it running?)"))
            elif "quiet" not in str(exc):
                self.write(self._dim(f"   ({exc})"))

    def newest_with_buttons(self) -> EmulatedMessage | None:
        for msg in reversed(self.user.chat.bot_messages):
            if msg.has_buttons and not msg.deleted:
                return msg
        return None

    async def press_number(self, number: int) -> bool:
        msg = self.newest_with_buttons()
        if msg is None:
            return False
        buttons = number_buttons(msg.inline_keyboard)
        if not 1 <= number <= len(buttons):
            return False
        b = buttons[number - 1]
        if b.callback_data is None:
            self.write(f"   → {b.url or 'this button cannot be pressed here'}")
            return True
        await self.user.press((b.row, b.col), message=msg)
        await self._settle()
        return True

    async def handle(self, line: str) -> bool:
        """Handle one input line; False means quit."""
        text = line.rstrip("\r\n")
        stripped = text.strip()
        if not stripped:
            return True
        if stripped.startswith(":"):
            return await self._meta(stripped)
        if stripped.isdigit() and await self.press_number(int(stripped)):
            return True
        await self.user.send(text)
        await self._settle()
        return True

    async def _meta(self, line: str) -> bool:
        name, arg = parse_meta(line)
        user = self.user
        if name in ("quit", "q", "exit"):
            return False
        if name in ("help", "h", "?"):
            self.write(HELP)
        elif name == "who":
            for key, p in self.personas.items():
                mark = "*" if key == self.current else " "
                self.write(
                    f" {mark} {key:<16} {p.first_name} (id {p.user_id}, {p.language_code}) — {p.description}"
                )
        elif name == "as":
            if arg not in self.personas:
                self.write(f"   unknown persona {arg!r}; :who lists them")
            else:
                self.current = arg
                self._notified.discard(arg)
                p = self.personas[arg]
                self.write(self._dim(f"── you are now {arg}: {p.first_name}, {p.description} ──"))
                self.show_history()
        elif name == "history":
            self.show_history(int(arg) if arg.isdigit() else None)
        elif name == "loc":
            parts = arg.replace(",", " ").split()
            try:
                lat, lon = float(parts[0]), float(parts[1])
            except (IndexError, ValueError):
                self.write("   usage: :loc LAT LON")
                return True
            await user.send_location(lat, lon)
            await self._settle()
        elif name == "sticker":
            await user.send_sticker(arg or "👍")
            await self._settle()
        elif name == "photo":
            await user.send_photo(caption=arg or None)
            await self._settle()
        elif name == "voice":
            await user.send_voice()
            await self._settle()
        elif name == "doc":
            try:
                data = await asyncio.to_thread(_read_file, arg)
            except OSError as exc:
                self.write(f"   cannot read {arg!r}: {exc}")
                return True
            await user.send_document(os.path.basename(arg), data)
            await self._settle()
        elif name == "edit":
            own = [m for m in user.chat.messages if not m.from_bot and "text" in m.raw]
            if not own or not arg:
                self.write("   usage: :edit TEXT (edits your last text message)")
                return True
            await user.edit(own[-1], arg)
            await self._settle()
        elif name == "send":
            if arg:
                await user.send(arg)
                await self._settle()
        else:
            self.write(f"   unknown command :{name} — :help lists the commands")
        return True

    async def _read(self) -> str:
        prompt = self.prompt
        func = self.input_func
        self._prompt_shown = True
        try:
            if inspect.iscoroutinefunction(func):
                line = await func(prompt)
            else:
                line = await _read_in_daemon_thread(func, prompt)
        finally:
            self._prompt_shown = False
        if self._scripted:
            self.write(f"{prompt}{line}")
        return line

    async def run(self) -> None:
        remove = self.emulator.add_listener(self.on_event)
        try:
            p = self.personas[self.current]
            self.write(
                f"Local chat with @{self.emulator.bot_username}. You are {self.current} "
                f"({p.first_name}, {p.description}). :help lists the commands, :quit ends."
            )
            if self.user.chat.messages:
                self.show_history()
            while True:
                try:
                    line = await self._read()
                except (EOFError, StopIteration, StopAsyncIteration, KeyboardInterrupt):
                    self.write()
                    break
                if line is None:
                    break
                if not await self.handle(line):
                    break
        finally:
            remove()


async def run_local_chat(
    emulator: BotAPIEmulator,
    personas: dict[str, Persona],
    *,
    start_persona: str,
    input_func: Callable[[str], Any] | None = None,
    output: TextIO = sys.stdout,
    **options: Any,
) -> None:
    """Run the terminal chat until ``:quit`` or EOF.

    ``input_func(prompt) -> str`` (sync or async) replaces ``input``; raising EOFError (or
    StopIteration) ends the chat.  ``options``: download_dir, ansi, quiet, max_wait, history.
    """
    chat = LocalChat(
        emulator, personas, start_persona=start_persona, input_func=input_func, output=output, **options
    )
    await chat.run()
