"""Bot API request/response plumbing shared by the server and the method implementations."""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["APIError", "Described", "Params", "UploadedFile", "bad"]

TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,100}$")
COMMAND_NAME_RE = re.compile(r"^[a-z0-9_]{1,32}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
BUTTON_URL_RE = re.compile(r"^(https?|tg)://[^\s]+$", re.IGNORECASE)
JSON_PARAMS = frozenset(
    {
        "reply_markup", "entities", "caption_entities", "commands", "scope", "allowed_updates",
        "reply_parameters", "link_preview_options", "media", "results", "message_ids", "reaction",
        "menu_button", "rights",
    }
)
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
    }
)
BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay",
)
ALL_UPDATE_TYPES = (
    "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
    "business_message", "edited_business_message", "deleted_business_messages", "message_reaction",
    "message_reaction_count", "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
    "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer", "my_chat_member", "chat_member",
    "chat_join_request", "chat_boost", "removed_chat_boost",
)
DEFAULT_UPDATE_TYPES = frozenset(ALL_UPDATE_TYPES) - {
    "chat_member", "message_reaction", "message_reaction_count"
}
FILE_PREFIX = {
    "document": ("BQACAgIAAxkBAA", "documents"),
    "photo": ("AgACAgIAAxkBAA", "photos"),
    "voice": ("AwACAgIAAxkBAA", "voice"),
    "sticker": ("CAACAgIAAxkBAA", "stickers"),
    "audio": ("CQACAgIAAxkBAA", "music"),
    "video": ("BAACAgIAAxkBAA", "videos"),
    "animation": ("CgACAgIAAxkBAA", "animations"),
}
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same as a "
    "current content and reply markup of the message"
)


class APIError(Exception):
    """An error answer of the Bot API."""

    def __init__(self, code: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad(text: str, parameters: dict | None = None) -> APIError:
    return APIError(400, f"Bad Request: {text}", parameters)


class UploadedFile:
    __slots__ = ("content_type", "data", "filename")

    def __init__(self, filename: str | None, content_type: str | None, data: bytes) -> None:
        self.filename = filename
        self.content_type = content_type
        self.data = data

    def __repr__(self) -> str:
        return f"<UploadedFile {self.filename!r} {len(self.data)} bytes>"


class Params:
    """Request parameters from the query string, a JSON body or a (multipart) form.

    Form values are strings (PTB JSON-encodes nested values); the accessors convert them the way
    the Bot API does.
    """

    __slots__ = ("files", "raw")

    def __init__(self, raw: dict[str, Any], files: dict[str, UploadedFile] | None = None) -> None:
        self.raw = raw
        self.files = files or {}

    def __contains__(self, name: str) -> bool:
        return self.raw.get(name) is not None or name in self.files

    def get(self, name: str, default: Any = None) -> Any:
        value = self.raw.get(name)
        return default if value is None else value

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return default
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        return json.dumps(value, ensure_ascii=False)

    def int(self, name: str, default: int | None = None) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            try:
                return int(float(str(value)))
            except ValueError:
                raise bad(f"invalid {name} specified") from None

    def float(self, name: str, default: float | None = None) -> float | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad(f"invalid {name} specified") from None

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.raw.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("true", "1", "yes", "on")

    def json(self, name: str, default: Any = None) -> Any:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                if name == "reply_markup":
                    raise bad("can't parse reply keyboard markup JSON object") from None
                raise bad(f"can't parse {name} JSON object") from None
        return value

    def normalized(self) -> dict:
        """Parameters with JSON-encoded nested values decoded (for call records)."""
        out: dict[str, Any] = {}
        for key, value in self.raw.items():
            if key in JSON_PARAMS and isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            out[key] = value
        for key, upload in self.files.items():
            out.setdefault(key, upload)
        return out


class Described:
    """A result that Telegram sends together with a ``description`` (setWebhook/deleteWebhook)."""

    __slots__ = ("description", "value")

    def __init__(self, value: Any, description: str) -> None:
        self.value = value
        self.description = description


def without_reply(raw: dict) -> dict:
    return {k: v for k, v in raw.items() if k != "reply_to_message"}
