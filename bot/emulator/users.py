"""Simulated Telegram users: they create updates exactly as Telegram would and read the bot's replies."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .html import utf16_len
from .models import CallbackAnswer, EmulatedChat, EmulatedMessage, EmulatorTimeout

if TYPE_CHECKING:
    from .server import BotAPIEmulator

__all__ = ["TINY_PNG", "EmulatedUser", "EmulatorTimeout", "text_entities"]

_COMMAND_RE = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@])")
_MENTION_RE = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}\b")
_URL_RE = re.compile(r"(?<![\w@/])(?:https?://)?(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24}(?:/[^\s]*)?", re.ASCII)
_EMAIL_RE = re.compile(r"(?<![\w.@])[\w.+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24}\b")
_HASHTAG_RE = re.compile(r"(?<![\w#])#\w*[^\W\d_]\w*")

# A 1x1 PNG, used when a simulated user sends a photo without bytes.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def text_entities(text: str) -> list[dict]:
    """Entities Telegram's clients/servers attach to a user's plain text message.

    bot_command (``/start``, ``/start@bot``), mention, url, email and hashtag; offsets in UTF-16.
    """
    found: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []

    def add(match: re.Match, kind: str) -> None:
        s, e = match.span()
        if any(s < te and ts < e for ts, te in taken):
            return
        taken.append((s, e))
        found.append((s, e, kind))

    for m in _COMMAND_RE.finditer(text):
        add(m, "bot_command")
    for m in _EMAIL_RE.finditer(text):
        add(m, "email")
    for m in _MENTION_RE.finditer(text):
        add(m, "mention")
    for m in _URL_RE.finditer(text):
        add(m, "url")
    for m in _HASHTAG_RE.finditer(text):
        add(m, "hashtag")
    found.sort()
    out = []
    for s, e, kind in found:
        out.append({"offset": utf16_len(text[:s]), "length": utf16_len(text[s:e]), "type": kind})
    return out


class EmulatedUser:
    """A person talking to the bot.  ``emulator.add_user(...)`` creates one.

    Sending methods return the update dict that the bot receives.  Reading methods work on the
    private chat with the bot (``user.chat``); see :class:`EmulatedChat`.
    """

    def __init__(
        self,
        emulator: BotAPIEmulator,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        is_premium: bool | None = None,
    ) -> None:
        self.emulator = emulator
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.is_premium = is_premium
        self.chat = EmulatedChat(
            emulator, user_id, "private", username=username, first_name=first_name, last_name=last_name
        )
        self.last_update_id: int | None = None

    # --- shapes ---------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        d: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            d["last_name"] = self.last_name
        if self.username:
            d["username"] = self.username
        if self.language_code:
            d["language_code"] = self.language_code
        if self.is_premium:
            d["is_premium"] = True
        return d

    @property
    def user_id(self) -> int:
        return self.id

    @property
    def chat_id(self) -> int:
        return self.id

    def __repr__(self) -> str:
        return f"<EmulatedUser {self.id} {self.first_name!r} lang={self.language_code}>"

    # --- sending --------------------------------------------------------------------------------
    def _chat_for(self, chat: EmulatedChat | int | None) -> EmulatedChat:
        if chat is None:
            return self.chat
        if isinstance(chat, EmulatedChat):
            return chat
        return self.emulator.get_chat(chat)

    def _message(self, content: dict, kind: str, chat: EmulatedChat | int | None = None, **extra) -> dict:
        target = self._chat_for(chat)
        update = self.emulator._user_message(self, target, content, kind, **extra)
        self.last_update_id = update.get("update_id", self.last_update_id)
        return update

    async def send(self, text: str, *, reply_to: EmulatedMessage | int | None = None) -> dict:
        """Send a text message; commands, mentions, urls etc. get their entities."""
        content: dict[str, Any] = {"text": text}
        entities = text_entities(text)
        if entities:
            content["entities"] = entities
        return self._message(content, "text", reply_to=reply_to)

    async def send_in(self, group: EmulatedChat | int, text: str) -> dict:
        """Send a text message in a group (the user joins it if needed)."""
        chat = self._chat_for(group)
        chat.members.add(self.id)
        content: dict[str, Any] = {"text": text}
        entities = text_entities(text)
        if entities:
            content["entities"] = entities
        return self._message(content, "text", chat)

    async def command(self, name: str, args: str = "") -> dict:
        text = "/" + name.lstrip("/") + (f" {args}" if args else "")
        return await self.send(text)

    async def send_location(self, latitude: float, longitude: float, *, chat=None) -> dict:
        return self._message({"location": {"latitude": latitude, "longitude": longitude}}, "location", chat)

    async def send_contact(
        self, phone_number: str = "+4915112345678", first_name: str | None = None, *, last_name=None
    ) -> dict:
        contact: dict[str, Any] = {
            "phone_number": phone_number,
            "first_name": first_name or self.first_name,
            "user_id": self.id,
        }
        if last_name:
            contact["last_name"] = last_name
        return self._message({"contact": contact}, "contact")

    async def send_sticker(self, emoji: str = "👍", *, chat=None) -> dict:
        f = self.emulator._store_file("sticker", b"RIFF\x00\x00\x00\x00WEBP", "sticker.webp", "image/webp")
        sticker = {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": f.size,
        }
        return self._message({"sticker": sticker}, "sticker", chat, file=f)

    async def send_photo(self, data: bytes | None = None, *, caption: str | None = None, chat=None) -> dict:
        f = self.emulator._store_file("photo", data or TINY_PNG, "photo.jpg", "image/jpeg")
        content: dict[str, Any] = {"photo": self.emulator._photo_sizes(f)}
        if caption:
            content["caption"] = caption
        return self._message(content, "photo", chat, file=f)

    async def send_voice(self, duration: int = 3, data: bytes | None = None, *, chat=None) -> dict:
        f = self.emulator._store_file("voice", data or b"OggS" + bytes(60), "voice.ogg", "audio/ogg")
        voice = {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": f.size,
        }
        return self._message({"voice": voice}, "voice", chat, file=f)

    async def send_document(
        self,
        filename: str = "document.pdf",
        data: bytes = b"%PDF-1.4\n",
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        chat=None,
    ) -> dict:
        mime = mime_type or self.emulator._guess_mime(filename)
        f = self.emulator._store_file("document", data, os.path.basename(filename), mime)
        doc = {
            "file_name": f.filename,
            "mime_type": mime,
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "file_size": f.size,
        }
        content: dict[str, Any] = {"document": doc}
        if caption:
            content["caption"] = caption
        return self._message(content, "document", chat, file=f)

    async def edit(self, message: EmulatedMessage | int, new_text: str) -> dict:
        """Edit one of this user's own earlier text messages: an ``edited_message`` update."""
        msg = message if isinstance(message, EmulatedMessage) else self.chat.by_id.get(int(message))
        if msg is None or msg.from_bot or msg.sender_id != self.id:
            raise AssertionError(f"user {self.id} has no own message {message!r} to edit")
        update = self.emulator._user_edit(self, msg, new_text, text_entities(new_text))
        self.last_update_id = update.get("update_id", self.last_update_id)
        return update

    @property
    def sent_messages(self) -> list[EmulatedMessage]:
        return [m for m in self.chat.messages if not m.from_bot]

    async def press(
        self,
        button: str | tuple[int, int] | None = None,
        *,
        data: str | None = None,
        message: EmulatedMessage | int | None = None,
        chat: EmulatedChat | int | None = None,
    ) -> dict:
        """Press an inline button and return the callback_query update.

        ``button``: its text (exact, else a unique case-insensitive substring) or ``(row, col)``;
        or ``data=`` its callback_data.  Default message: the newest bot message in the chat that
        has such a button.  ``data=`` together with ``message=`` may name callback data the message
        does not (or no longer) carry: that simulates a stale keyboard.
        """
        if button is None and data is None:
            raise TypeError("press() needs a button text, a (row, col) tuple or data=")
        target = self._chat_for(chat)
        candidates: list[EmulatedMessage]
        if message is not None:
            msg = message if isinstance(message, EmulatedMessage) else target.by_id.get(int(message))
            if msg is None:
                raise AssertionError(f"no message {message!r} in chat {target.id}")
            candidates = [msg]
        else:
            candidates = [m for m in reversed(target.bot_messages) if m.has_buttons and not m.deleted]
        for msg in candidates:
            btn = msg.find_button(button, data=data)
            if btn is None:
                continue
            if msg.deleted:
                raise AssertionError(f"message {msg.message_id} was deleted; its buttons cannot be pressed")
            if "callback_data" not in btn:
                raise AssertionError(f"button {btn.get('text')!r} is not a callback button: {btn}")
            update = self.emulator._callback_query(self, msg, btn["callback_data"])
            self.last_update_id = update["update_id"]
            return update
        if data is not None and message is not None and not candidates[0].deleted:
            # a stale keyboard: the client still shows a button the message no longer has
            update = self.emulator._callback_query(self, candidates[0], data)
            self.last_update_id = update["update_id"]
            return update
        shown = [f"  message {m.message_id}: {m.buttons}" for m in candidates[:5]]
        shown = shown or ["  (no inline buttons)"]
        wanted = f"data={data!r}" if data is not None else repr(button)
        raise AssertionError(f"no button {wanted} in chat {target.id}; available:\n" + "\n".join(shown))

    async def answer_for(self, update: dict | str, timeout: float = 10.0) -> CallbackAnswer:  # noqa: ASYNC109
        """Wait for the bot's answerCallbackQuery to the given callback_query update (or query id)."""
        query_id = update if isinstance(update, str) else update["callback_query"]["id"]
        return await self.emulator.wait_callback_answer(query_id, timeout)

    # --- blocking -------------------------------------------------------------------------------
    def block(self) -> None:
        self.emulator.block_user(self.id, True)

    def unblock(self) -> None:
        self.emulator.block_user(self.id, False)

    # --- reading (private chat with the bot) ----------------------------------------------------
    @property
    def messages(self) -> list[EmulatedMessage]:
        """The bot's messages in the private chat, in order (edits applied, deleted ones marked)."""
        return self.chat.bot_messages

    @property
    def all_messages(self) -> list[EmulatedMessage]:
        """Every message of the private chat (the user's and the bot's)."""
        return self.chat.messages

    @property
    def last_message(self) -> EmulatedMessage | None:
        return self.chat.last_message

    @property
    def unread(self) -> list[EmulatedMessage]:
        return self.chat.unread

    async def next_message(self, timeout: float = 10.0) -> EmulatedMessage:  # noqa: ASYNC109
        return await self.chat.next_message(timeout)

    async def wait_for(
        self,
        predicate: Callable[[EmulatedMessage], Any],
        timeout: float = 10.0,  # noqa: ASYNC109
        *,
        include_existing: bool = True,
    ) -> EmulatedMessage:
        return await self.chat.wait_for(predicate, timeout, include_existing=include_existing)

    async def wait_text(self, fragment: str, timeout: float = 10.0) -> EmulatedMessage:  # noqa: ASYNC109
        """Wait for a bot message whose text or caption contains ``fragment``."""
        return await self.chat.wait_for(lambda m: fragment in m.content, timeout)

    async def settle(self, quiet: float = 0.2, timeout: float = 10.0) -> list[EmulatedMessage]:  # noqa: ASYNC109
        """Wait until the bot fetched this user's last update and then was silent for ``quiet`` s.

        Returns the bot messages not read before (and marks them read).
        """
        return await self.chat.settle(quiet, timeout, after_update=self.last_update_id)

    async def ask(
        self, text: str, *, quiet: float = 0.2, timeout: float = 10.0  # noqa: ASYNC109
    ) -> list[EmulatedMessage]:
        """Send ``text`` and return the bot's replies once it is quiet."""
        self.chat.mark_read()
        await self.send(text)
        return await self.settle(quiet, timeout)

