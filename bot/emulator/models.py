"""State objects of the emulator: chats, messages, files, callback answers, events, call records."""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import BotAPIEmulator

__all__ = [
    "CallRecord",
    "CallbackAnswer",
    "Document",
    "EmulatedChat",
    "EmulatedMessage",
    "EmulatorEvent",
    "EmulatorTimeout",
    "Location",
    "Photo",
    "StoredFile",
    "Venue",
]


class EmulatorTimeout(TimeoutError, AssertionError):
    """A wait on the emulator timed out; the message says what the chat contains."""


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str  # document, photo, voice, sticker, audio, video, animation
    data: bytes
    filename: str | None = None
    mime_type: str | None = None
    file_path: str = ""
    width: int | None = None
    height: int | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Venue:
    title: str
    address: str
    latitude: float
    longitude: float
    raw: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Document:
    filename: str | None
    data: bytes
    mime_type: str | None
    file_id: str
    size: int

    def __iter__(self):  # allows ``name, data = msg.document``
        return iter((self.filename, self.data))


@dataclass(frozen=True)
class Photo:
    data: bytes
    width: int
    height: int
    file_id: str


@dataclass
class CallbackAnswer:
    query_id: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int
    time: float = field(default_factory=time.monotonic)


@dataclass
class CallRecord:
    method: str
    params: dict
    time: float
    outcome: str  # "ok", "error" or "fault"
    status: int = 200
    description: str | None = None
    chat_id: int | str | None = None


@dataclass
class EmulatorEvent:
    """Passed to listeners: ``type`` is "message", "edited", "deleted" or "callback_answer"."""

    type: str
    chat_id: int | None
    message: EmulatedMessage | None = None
    answer: CallbackAnswer | None = None


def _predicate_ok(predicate: Callable[[EmulatedMessage], Any], msg: EmulatedMessage) -> bool:
    try:
        return bool(predicate(msg))
    except (TypeError, AttributeError, KeyError, IndexError, ValueError):
        return False


class EmulatedMessage:
    """A message in an emulated chat (sent by the bot or by a simulated user)."""

    __slots__ = (
        "chat",
        "created_at",
        "deleted",
        "edit_count",
        "edited_at",
        "file",
        "from_bot",
        "history",
        "html",
        "kind",
        "log_index",
        "message_id",
        "parse_mode",
        "raw",
        "reply_keyboard",
        "sender_id",
        "seq",
    )

    def __init__(
        self,
        chat: EmulatedChat,
        message_id: int,
        raw: dict,
        *,
        from_bot: bool,
        kind: str,
        html: str | None = None,
        parse_mode: str | None = None,
        file: StoredFile | None = None,
        reply_keyboard: dict | None = None,
        sender_id: int | None = None,
        seq: int = 0,
    ) -> None:
        self.chat = chat
        self.message_id = message_id
        self.raw = raw
        self.from_bot = from_bot
        self.kind = kind
        self.html = html
        self.parse_mode = parse_mode
        self.file = file
        self.reply_keyboard = reply_keyboard
        self.sender_id = sender_id
        self.edit_count = 0
        self.history: list[dict] = []
        self.deleted = False
        self.created_at = time.monotonic()
        self.edited_at: float | None = None
        self.seq = seq
        self.log_index = -1  # position of its creation in the chat's change_log (bot messages)

    # --- content -------------------------------------------------------------------------------
    @property
    def chat_id(self) -> int:
        return self.chat.id

    @property
    def text(self) -> str | None:
        return self.raw.get("text")

    @property
    def caption(self) -> str | None:
        return self.raw.get("caption")

    @property
    def content(self) -> str:
        """Text or caption (empty string if neither): handy in predicates."""
        return self.raw.get("text") or self.raw.get("caption") or ""

    @property
    def entities(self) -> list[dict]:
        return self.raw.get("entities") or self.raw.get("caption_entities") or []

    @property
    def date(self) -> int:
        return self.raw["date"]

    @property
    def edited(self) -> bool:
        return self.edit_count > 0

    @property
    def inline_keyboard(self) -> list[list[dict]]:
        markup = self.raw.get("reply_markup") or {}
        return markup.get("inline_keyboard") or []

    @property
    def has_buttons(self) -> bool:
        return bool(self.inline_keyboard)

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Inline keyboard as rows of (text, callback_data or url or None)."""
        return [
            [(b.get("text", ""), b.get("callback_data", b.get("url"))) for b in row]
            for row in self.inline_keyboard
        ]

    @property
    def button_texts(self) -> list[str]:
        return [b.get("text", "") for row in self.inline_keyboard for b in row]

    @property
    def callback_data(self) -> list[str]:
        return [b["callback_data"] for row in self.inline_keyboard for b in row if "callback_data" in b]

    @property
    def reply_keyboard_texts(self) -> list[str]:
        kb = (self.reply_keyboard or {}).get("keyboard") or []
        return [b if isinstance(b, str) else b.get("text", "") for row in kb for b in row]

    @property
    def location(self) -> Location | None:
        loc = self.raw.get("location")
        return Location(loc["latitude"], loc["longitude"]) if loc else None

    @property
    def venue(self) -> Venue | None:
        v = self.raw.get("venue")
        if not v:
            return None
        return Venue(v["title"], v["address"], v["location"]["latitude"], v["location"]["longitude"], v)

    @property
    def document(self) -> Document | None:
        d = self.raw.get("document")
        if not d:
            return None
        data = self.file.data if self.file is not None else b""
        return Document(d.get("file_name"), data, d.get("mime_type"), d["file_id"], d.get("file_size", 0))

    @property
    def photo(self) -> Photo | None:
        sizes = self.raw.get("photo")
        if not sizes:
            return None
        big = sizes[-1]
        data = self.file.data if self.file is not None else b""
        return Photo(data, big.get("width", 0), big.get("height", 0), big["file_id"])

    @property
    def reply_to_message_id(self) -> int | None:
        reply = self.raw.get("reply_to_message")
        return reply["message_id"] if reply else None

    def find_button(
        self, spec: str | tuple[int, int] | None = None, *, data: str | None = None
    ) -> dict | None:
        """The inline button matching text (exact, else unique substring), (row, col) or callback data."""
        kb = self.inline_keyboard
        if data is not None:
            return next((b for row in kb for b in row if b.get("callback_data") == data), None)
        if isinstance(spec, tuple):
            row, col = spec
            try:
                return kb[row][col]
            except IndexError:
                return None
        if spec is None:
            return None
        exact = [b for row in kb for b in row if b.get("text") == spec]
        if exact:
            return exact[0]
        low = spec.casefold()
        partial = [b for row in kb for b in row if low in b.get("text", "").casefold()]
        return partial[0] if len(partial) == 1 else None

    def to_dict(self) -> dict:
        """The Telegram message dict plus emulator metadata (for the control API)."""
        return {
            "message": self.raw,
            "from_bot": self.from_bot,
            "kind": self.kind,
            "html": self.html,
            "edit_count": self.edit_count,
            "deleted": self.deleted,
            "seq": self.seq,
        }

    def __repr__(self) -> str:
        who = "bot" if self.from_bot else f"user {self.sender_id}"
        flags = (" edited" if self.edited else "") + (" deleted" if self.deleted else "")
        body = self.content or self.kind
        if len(body) > 60:
            body = body[:57] + "..."
        btn = f" buttons={self.button_texts}" if self.has_buttons else ""
        return f"<Message {self.chat.id}/{self.message_id} {who}{flags}: {body!r}{btn}>"


class EmulatedChat:
    """A chat (private, group, supergroup or channel) and the reading helpers for tests.

    ``messages`` holds every message (user and bot, in order); ``bot_messages`` only the bot's.
    The reading helpers (``next_message``, ``wait_for``, ``settle``) look at bot messages and use
    a read cursor of their own.
    """

    def __init__(
        self,
        emulator: BotAPIEmulator,
        chat_id: int,
        type: str,
        *,
        title: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> None:
        self.emulator = emulator
        self.id = chat_id
        self.type = type
        self.title = title
        self.username = username
        self.first_name = first_name
        self.last_name = last_name
        self.messages: list[EmulatedMessage] = []
        self.bot_messages: list[EmulatedMessage] = []
        self.by_id: dict[int, EmulatedMessage] = {}
        self.next_message_id = 1
        self.cursor = 0  # index into bot_messages: next_message returns bot_messages[cursor]
        self.last_activity = 0.0
        self._changed = asyncio.Event()
        self.blocked = False
        self.members: set[int] = set()
        self.admins: set[int] = set()
        self.creator_id: int | None = None
        self.bot_status = "administrator" if type != "private" else "member"
        self.migrated_to: int | None = None
        self.reply_keyboard: dict | None = None
        self.last_action: tuple[str, float] | None = None
        self.chat_instance = str(abs(hash(("chat_instance", chat_id))) % 10**18 + 10**18)
        # the timeline of bot messages: appended when one is sent and again when it is edited;
        # wait_for reads it from log_cursor (what the test has not seen yet)
        self.change_log: list[EmulatedMessage] = []
        self.log_cursor = 0
        self.invite_links: list[dict] = []

    # --- Telegram shapes -------------------------------------------------------------------------
    def to_dict(self) -> dict:
        d: dict[str, Any] = {"id": self.id}
        if self.type == "private":
            d["first_name"] = self.first_name or ""
            if self.last_name:
                d["last_name"] = self.last_name
        else:
            d["title"] = self.title or ""
        if self.username:
            d["username"] = self.username
        d["type"] = self.type
        return d

    def full_info(self) -> dict:
        d = self.to_dict()
        d.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        return d

    # --- bookkeeping (used by the emulator) -----------------------------------------------------
    def allocate_message_id(self) -> int:
        mid = self.next_message_id
        self.next_message_id += 1
        return mid

    def add(self, msg: EmulatedMessage) -> None:
        self.messages.append(msg)
        self.by_id[msg.message_id] = msg
        if msg.from_bot:
            self.bot_messages.append(msg)
            msg.log_index = len(self.change_log)
            self.change_log.append(msg)
            self.touch()

    def touch(self) -> None:
        self.last_activity = time.monotonic()
        ev = self._changed
        self._changed = asyncio.Event()
        ev.set()

    async def _wait_change(self, timeout: float) -> None:  # noqa: ASYNC109
        if timeout <= 0:
            return
        ev = self._changed
        try:
            await asyncio.wait_for(ev.wait(), timeout)
        except TimeoutError:
            pass

    # --- reading helpers ------------------------------------------------------------------------
    @property
    def last_message(self) -> EmulatedMessage | None:
        """Newest bot message in this chat (deleted ones included)."""
        return self.bot_messages[-1] if self.bot_messages else None

    @property
    def unread(self) -> list[EmulatedMessage]:
        return self.bot_messages[self.cursor :]

    def mark_read(self) -> None:
        """Treat everything so far as seen (by next_message and by wait_for)."""
        self.cursor = len(self.bot_messages)
        self.log_cursor = len(self.change_log)

    def describe(self, limit: int = 10) -> str:
        tail = self.messages[-limit:]
        if not tail:
            return f"chat {self.id} is empty"
        lines = [f"chat {self.id} (last {len(tail)} of {len(self.messages)} messages):"]
        lines += [f"  {m!r}" for m in tail]
        return "\n".join(lines)

    async def next_message(self, timeout: float = 10.0) -> EmulatedMessage:  # noqa: ASYNC109
        """The next bot message not yet returned by next_message/settle/wait_for."""
        deadline = time.monotonic() + timeout
        while self.cursor >= len(self.bot_messages):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise EmulatorTimeout(f"no new bot message within {timeout}s; {self.describe()}")
            await self._wait_change(remaining)
        msg = self.bot_messages[self.cursor]
        self.cursor += 1
        self.log_cursor = max(self.log_cursor, msg.log_index + 1)
        return msg

    async def wait_for(
        self,
        predicate: Callable[[EmulatedMessage], Any],
        timeout: float = 10.0,  # noqa: ASYNC109
        *,
        include_existing: bool = True,
    ) -> EmulatedMessage:
        """Wait until a bot message, new or edited, satisfies ``predicate``; return it.

        Checked are the messages sent or edited since the test last looked: after the message
        ``next_message`` returned last, after the last ``wait_for`` match, after ``settle`` (with
        ``include_existing=False``: only what happens from now on).  Deleted messages never match;
        the predicate sees a message's current state, and one raising TypeError/AttributeError
        counts as no match.  next_message continues after the returned message.
        """
        deadline = time.monotonic() + timeout
        seen = self.log_cursor if include_existing else len(self.change_log)
        while True:
            log = self.change_log
            while seen < len(log):
                msg = log[seen]
                seen += 1
                if not msg.deleted and _predicate_ok(predicate, msg):
                    self.log_cursor = max(self.log_cursor, seen)
                    return self._advance_past(msg)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise EmulatorTimeout(f"no bot message matched within {timeout}s; {self.describe()}")
            await self._wait_change(remaining)

    def _advance_past(self, msg: EmulatedMessage) -> EmulatedMessage:
        # bot_messages is ordered by message_id, so a bisect finds the position
        lo, hi = 0, len(self.bot_messages)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.bot_messages[mid].message_id <= msg.message_id:
                lo = mid + 1
            else:
                hi = mid
        self.cursor = max(self.cursor, lo)
        return msg

    async def settle(
        self,
        quiet: float = 0.2,
        timeout: float = 10.0,  # noqa: ASYNC109
        *,
        after_update: int | None = None,
    ) -> list[EmulatedMessage]:
        """Wait until the bot has been silent in this chat for ``quiet`` s; return the unread messages.

        If ``after_update`` is given, first wait until the bot has fetched that update (so a slow
        start of the bot is not mistaken for silence).
        """
        emu = self.emulator
        start = time.monotonic()
        deadline = start + timeout
        if after_update is not None:
            while not emu.is_delivered(after_update):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise EmulatorTimeout(
                        f"the bot did not fetch update {after_update} within {timeout}s "
                        "(is it polling this emulator?)"
                    )
                await emu.wait_delivery(remaining)
            start = max(start, emu.delivery_time(after_update))
        while True:
            now = time.monotonic()
            quiet_left = max(self.last_activity, start) + quiet - now
            if quiet_left <= 0:
                break
            if now >= deadline:
                raise EmulatorTimeout(
                    f"the bot was not quiet for {quiet}s within {timeout}s; {self.describe()}"
                )
            await self._wait_change(min(quiet_left, deadline - now))
        new = self.unread
        self.mark_read()
        return new

    def __repr__(self) -> str:
        name = self.title or self.first_name or ""
        return f"<Chat {self.id} {self.type} {name!r} messages={len(self.messages)}>"


def snapshot(raw: dict) -> dict:
    return copy.deepcopy(raw)
