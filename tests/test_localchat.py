"""The terminal chat: pure formatting helpers, and a scripted session against the emulator."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.emulator import BotAPIEmulator
from bot.emulator.models import CallbackAnswer
from bot.localchat import (
    LocalChat,
    Persona,
    format_answer,
    format_buttons,
    format_message,
    number_buttons,
    render_entities,
    render_html,
    run_local_chat,
)

TOKEN = "123456:TEST-localchat"
PERSONAS = {
    "client-ar": Persona("client-ar", 7001, "Amina", "ar", "client, Arabic"),
    "client-uk": Persona("client-uk", 7002, "Olena", "uk", "client, Ukrainian"),
}


# ------------------------------------------------------------------------------------------ pure helpers


def test_render_html_plain_and_ansi() -> None:
    markup = '<b>Termin</b> am <i>Montag</i> &amp; <a href="https://stadt.example/amt">hier</a> &lt;3'
    assert render_html(markup) == "Termin am Montag & hier <https://stadt.example/amt> <3"
    ansi = render_html(markup, ansi=True)
    assert "\x1b[1mTermin\x1b[22m" in ansi and "\x1b[3mMontag\x1b[23m" in ansi
    assert "<https://stadt.example/amt>" in ansi


def test_render_html_details() -> None:
    assert render_html('<a href="https://x.org/">x.org</a>') == "x.org"  # no repeated url
    assert render_html("<blockquote>eins\nzwei</blockquote>\ndanach") == "│ eins\n│ zwei\ndanach"
    assert render_html("مرحبا <b>أمينة</b>") == "مرحبا أمينة"  # right-to-left text as is
    assert render_html("<b>kaputt") == "kaputt"  # unparsable HTML: tags stripped
    text = "😀 fett"
    assert render_entities(text, [{"type": "bold", "offset": 3, "length": 4}], ansi=True) == (
        "😀 \x1b[1mfett\x1b[22m"
    )


def test_button_numbering() -> None:
    rows = [
        [{"text": "Deutsch", "callback_data": "de"}, {"text": "English", "callback_data": "en"}],
        [{"text": "Website", "url": "https://stadt.example"}],
    ]
    numbered = number_buttons(rows)
    assert [(b.number, b.row, b.col, b.text) for b in numbered] == [
        (1, 0, 0, "Deutsch"),
        (2, 0, 1, "English"),
        (3, 1, 0, "Website"),
    ]
    assert format_buttons(rows, indent="") == ["[1] Deutsch   [2] English", "[3] Website <https://stadt.example>"]


def test_format_answer() -> None:
    answer = CallbackAnswer("1", 1, 1, 1, "x", "Gespeichert", False, None, 0)
    assert format_answer(answer) == "» Gespeichert"
    answer.show_alert = True
    assert format_answer(answer) == "» Gespeichert (alert)"
    answer.text = None
    assert format_answer(answer) is None


async def test_format_message_kinds() -> None:
    import telegram

    async with BotAPIEmulator(token=TOKEN) as emu:
        user = emu.add_user(7001)
        async with telegram.Bot(TOKEN, base_url=emu.api_url) as tg:
            await tg.send_venue(user.id, 52.52, 13.405, "Bürgeramt", "Rathausstr. 1")
            await tg.send_message(
                user.id,
                "<b>Wählen</b>\nbitte",
                parse_mode="HTML",
                reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="y")]]),
            )
            await tg.send_document(user.id, b"PDF", filename="info.pdf", caption="Merkblatt")
        venue, text, doc = user.messages
        assert format_message(venue, prefix="") == "📍 Bürgeramt — Rathausstr. 1 (52.52, 13.405)"
        assert format_message(text) == "🤖 Wählen\n   bitte\n   [1] Ja"
        assert format_message(text, edited=True).startswith("🤖 (edited) Wählen")
        assert format_message(doc, saved_path="var/downloads/x.pdf") == (
            "🤖 📄 info.pdf (3 B) → var/downloads/x.pdf\n   Merkblatt"
        )


# ------------------------------------------------------------------------------------------ a session


@pytest.fixture
async def running_bot() -> AsyncIterator[BotAPIEmulator]:
    """The emulator and a tiny PTB application that answers like a bot would."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(
            f"<b>Hallo</b> {update.effective_user.first_name}!",
            parse_mode="HTML",
            reply_markup=InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton("Deutsch", callback_data="lang:de")],
                    [InlineKeyboardButton("Website", url="https://stadt.example")],
                ]
            ),
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("Sprache gespeichert")
        await update.callback_query.edit_message_text("Sprache: Deutsch")

    async def located(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        loc = update.message.location
        await update.message.reply_venue(loc.latitude, loc.longitude, "Bürgeramt", "Rathausstr. 1")

    async def text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.message.text == "pdf":
            await update.message.reply_document(b"%PDF-1.4", filename="merkblatt.pdf")
        else:
            await update.message.reply_text(f"Echo: {update.message.text}")

    async with BotAPIEmulator(token=TOKEN) as emu:
        app = Application.builder().token(TOKEN).base_url(emu.base_url).base_file_url(emu.file_url).build()
        app.add_handler(CommandHandler("start", start))
        app.add_handler(CallbackQueryHandler(pressed))
        app.add_handler(MessageHandler(filters.LOCATION, located))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, text))
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0.0, timeout=1)
            try:
                yield emu
            finally:
                await app.updater.stop()
                await app.stop()


async def test_scripted_session(running_bot: BotAPIEmulator, tmp_path: Path) -> None:
    lines = iter(
        ["/start", "1", "3", ":loc 52.52 13.405", "pdf", ":who", ":as client-uk", "1", ":as nobody", ":quit"]
    )
    out = io.StringIO()
    await run_local_chat(
        running_bot,
        PERSONAS,
        start_persona="client-ar",
        input_func=lambda prompt: next(lines),
        output=out,
        download_dir=tmp_path,
        quiet=0.1,
        max_wait=3,
    )
    text = out.getvalue()
    assert "client-ar› /start" in text
    assert "🤖 Hallo Amina!\n   [1] Deutsch\n   [2] Website <https://stadt.example>" in text
    assert "» Sprache gespeichert" in text
    assert "🤖 (edited) Sprache: Deutsch" in text
    assert "Echo: 3" in text  # the newest message has no buttons any more: the number is sent as text
    assert "📍 Bürgeramt — Rathausstr. 1 (52.52, 13.405)" in text
    saved = tmp_path / f"7001_{running_bot.users[7001].messages[-1].message_id}_merkblatt.pdf"
    assert saved.read_bytes() == b"%PDF-1.4"
    assert f"📄 merkblatt.pdf (8 B) → {saved}" in text
    assert " * client-ar        Amina (id 7001, ar) — client, Arabic" in text
    assert "you are now client-uk" in text and "(no messages yet" in text
    assert "client-uk› 1" in text and "Echo: 1" in text
    assert "unknown persona 'nobody'" in text
    assert running_bot.users[7002].messages[-1].text == "Echo: 1"


async def test_eof_ends_and_other_personas_are_notified(running_bot: BotAPIEmulator) -> None:
    out = io.StringIO()
    chat = LocalChat(running_bot, PERSONAS, start_persona="client-uk", output=out, quiet=0.1, max_wait=3)

    script = iter([":help", ":sticker"])

    async def read(prompt: str) -> str:
        try:
            return next(script)
        except StopIteration:
            raise EOFError from None

    chat.input_func = read
    await running_bot.users[7001].send("/start")  # Amina writes while we are Olena
    await running_bot.users[7001].settle(quiet=0.1)
    await chat.run()
    text = out.getvalue()
    assert ":as KEY" in text
    assert "(new message for client-ar — :as client-ar)" not in text  # arrived before the chat started
    await running_bot.users[7001].send("/start")
    chat_task_output = io.StringIO()
    chat2 = LocalChat(running_bot, PERSONAS, start_persona="client-uk", output=chat_task_output)
    remove = running_bot.add_listener(chat2.on_event)
    await running_bot.users[7001].settle(quiet=0.1)
    remove()
    assert "(new message for client-ar — :as client-ar)" in chat_task_output.getvalue()
