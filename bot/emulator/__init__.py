"""Telegram Bot API emulator for tests, benchmarks and the local terminal chat.

    async with BotAPIEmulator(token="123456:TEST") as emu:
        app = Application.builder().token(emu.token).base_url(emu.base_url).build()
        user = emu.add_user(first_name="Amina", language_code="ar")
        await user.send("/start")
        reply = await user.next_message()
        await user.press("Deutsch")

Nothing happens at import time; the server runs only between ``start()`` and ``stop()``.
"""

from .control import EmulatorClient
from .faults import Fault, RateLimiter
from .html import HTMLParseError, ParsedText, parse_html, utf16_len
from .models import (
    CallbackAnswer,
    CallRecord,
    Document,
    EmulatedChat,
    EmulatedMessage,
    EmulatorEvent,
    EmulatorTimeout,
    Location,
    Photo,
    StoredFile,
    Venue,
)
from .server import APIError, BotAPIEmulator, Params, UploadedFile
from .users import EmulatedUser, text_entities

__all__ = [
    "APIError",
    "BotAPIEmulator",
    "CallRecord",
    "CallbackAnswer",
    "Document",
    "EmulatedChat",
    "EmulatedMessage",
    "EmulatedUser",
    "EmulatorClient",
    "EmulatorEvent",
    "EmulatorTimeout",
    "Fault",
    "HTMLParseError",
    "Location",
    "Params",
    "ParsedText",
    "Photo",
    "RateLimiter",
    "StoredFile",
    "UploadedFile",
    "Venue",
    "parse_html",
    "text_entities",
    "utf16_len",
]
