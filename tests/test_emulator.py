"""The Bot API emulator, driven by a real PTB ``telegram.Bot`` over HTTP on loopback (no mocks)."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import time
import warnings
from collections.abc import AsyncIterator

import aiohttp
import pytest
import telegram
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.emulator import (
    BotAPIEmulator,
    EmulatorClient,
    EmulatorEvent,
    EmulatorTimeout,
    HTMLParseError,
    parse_html,
    text_entities,
)

TOKEN = "123456:TEST-emulator"
# PTB 22 warns (even when building RetryAfter) that durations will become timedeltas
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator(token=TOKEN, bot_username="integrationsbot_test") as emulator:
        yield emulator


@pytest.fixture
async def tg(emu: BotAPIEmulator) -> AsyncIterator[telegram.Bot]:
    bot = telegram.Bot(TOKEN, base_url=emu.api_url, base_file_url=emu.file_url)
    async with bot:
        yield bot


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in row] for row in rows])


def seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that retry_after becomes a timedelta
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


async def raw_call(emu: BotAPIEmulator, method: str, token: str = TOKEN, **params) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{emu.api_url}{token}/{method}", json=params) as resp:
            return resp.status, await resp.json()


# ------------------------------------------------------------------------------------------ basics


async def test_get_me_and_url_shape(emu: BotAPIEmulator, tg: telegram.Bot) -> None:
    assert emu.api_url == emu.base_url == f"http://127.0.0.1:{emu.port}/bot"
    me = await tg.get_me()
    assert me.is_bot and me.id == 123456 and me.username == "integrationsbot_test"
    async with aiohttp.ClientSession() as session:  # GET with a query string works too
        async with session.get(f"{emu.api_url}{TOKEN}/getme") as resp:
            assert (await resp.json())["result"]["username"] == "integrationsbot_test"


async def test_wrong_token_and_unknown_method(emu: BotAPIEmulator) -> None:
    assert await raw_call(emu, "getMe", token="123456:WRONG") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert (await raw_call(emu, "noSuchMethod"))[0] == 404
    assert (await raw_call(emu, "getMe", token="not-a-token"))[1]["description"] == "Not Found"
    with pytest.raises(telegram.error.InvalidToken):
        async with telegram.Bot("123456:WRONG", base_url=emu.api_url):
            pass


async def test_send_message_with_keyboard_is_echoed(emu: BotAPIEmulator, tg: telegram.Bot) -> None:
    amina = emu.add_user(first_name="Amina", language_code="ar")
    markup = keyboard([("Deutsch", "lang:de"), ("العربية", "lang:ar")], [("Hilfe", "help")])
    sent = await tg.send_message(
        amina.id, "<b>Willkommen</b> &amp; hallo", parse_mode="HTML", reply_markup=markup
    )
    assert sent.text == "Willkommen & hallo"
    assert sent.entities[0].type == "bold" and sent.entities[0].length == 10
    assert sent.reply_markup == markup
    assert sent.from_user.is_bot and sent.chat.id == amina.id and sent.chat.type == "private"
    second = await tg.send_message(amina.id, "zwei")
    assert second.message_id == sent.message_id + 1
    msg = amina.messages[0]
    assert msg.html == "<b>Willkommen</b> &amp; hallo"
    assert msg.buttons == [[("Deutsch", "lang:de"), ("العربية", "lang:ar")], [("Hilfe", "help")]]
    assert msg.button_texts == ["Deutsch", "العربية", "Hilfe"]
    assert msg.kind == "text" and not msg.edited and not msg.deleted
    assert amina.last_message.text == "zwei"


async def test_reply_keyboard_is_not_echoed_but_kept(emu: BotAPIEmulator, tg: telegram.Bot) -> None:
    user = emu.add_user()
    sent = await tg.send_message(user.id, "Ja?", reply_markup=telegram.ReplyKeyboardMarkup([["Ja", "Nein"]]))
    assert sent.reply_markup is None  # Telegram only echoes inline keyboards
    assert user.last_message.reply_keyboard_texts == ["Ja", "Nein"]
    assert user.chat.reply_keyboard is not None
    await tg.send_message(user.id, "ok", reply_markup=telegram.ReplyKeyboardRemove())
    assert user.chat.reply_keyboard is None


# ------------------------------------------------------------------------------------------ checks


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("<foo>x</foo>", 'unsupported start tag "foo"'),
        ("<b>never closed", 'can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'expected "</b>", found "</i>"'),
        ("a < b", 'unsupported start tag ""'),
        ("Tom & Jerry", 'unescaped "&"'),
        ("a&nbsp;b", 'unsupported html entity "&nbsp;"'),
        ('<span class="x">s</span>', 'tag "span" must have class "tg-spoiler"'),
    ],
)
async def test_bad_html_is_rejected(emu: BotAPIEmulator, tg: telegram.Bot, text: str, fragment: str) -> None:
    user = emu.add_user()
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities") as info:
        await tg.send_message(user.id, text, parse_mode="HTML")
    assert fragment in str(info.value).lower()
    assert not user.messages


async def test_good_html_gives_entities(emu: BotAPIEmulator, tg: telegram.Bot) -> None:
    user = emu.add_user()
    sent = await tg.send_message(
        user.id,
        '😀 <i>kursiv</i> <a href="https://example.org/x">Link</a> <tg-spoiler>s</tg-spoiler> '
        "<blockquote expandable>q</blockquote> &lt;3 &#8364; &quot;",
        parse_mode="HTML",
    )
    assert sent.text == '😀 kursiv Link s q <3 € "'
    types = [(e.type, e.offset, e.length) for e in sent.entities]
    assert types == [
        ("italic", 3, 6), ("text_link", 10, 4), ("spoiler", 15, 1), ("expandable_blockquote", 17, 1)
    ]
    assert sent.entities[1].url == "https://example.org/x"


async def test_text_length_and_emptiness(emu: BotAPIEmulator, tg: telegram.Bot) -> None:
    user = emu.add_user()
    await tg.send_message(user.id, "ä" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await tg.send_message(user.id, "ä" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await tg.send_message(user.id, "😀" * 2049)  # counted in UTF-16 units
    await tg.send_message(user.id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")  # counted after parsing
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await tg.send_message(user.id, " \n ")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await tg.send_message(user.id, "<b> </b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await tg.send_document(user.id, b"x", filename="a.txt", caption="c" * 1025)


async def test_button_checks(emu: BotAPIEmulator, tg: telegram.Bot) -> None:
    user = emu.add_user()
    await tg.send_message(user.id, "ok", reply_markup=keyboard([("a", "x" * 64)]))
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await tg.send_message(user.id, "too long", reply_markup=keyboard([("a", "ä" * 33)]))  # 66 bytes
    only_text = {"inline_keyboard": [[{"text": "only text"}]]}
    status, body = await raw_call(emu, "sendMessage", chat_id=user.id, text="t", reply_markup=only_text)
    assert status == 400 and "Text buttons are unallowed" in body["description"]
    status, body = await raw_call(
        emu, "sendMessage", chat_id=user.id, text="t",
        reply_markup={"inline_keyboard": [[{"text": "two", "callback_data": "a", "url": "https://x.org"}]]},
    )
    assert status == 400 and "exactly one" in body["description"]
    no_text = {"inline_keyboard": [[{"callback_data": "a"}]]}
    status, body = await raw_call(emu, "sendMessage", chat_id=user.id, text="t", reply_markup=no_text)
    assert status == 400 and 'Field "text"' in body["description"]
    status, body = await raw_call(emu, "sendMessage", chat_id=user.id, text="t", reply_markup="{not json")
    assert body["description"] == "Bad Request: can't parse reply keyboard markup JSON object"


async def test_unknown_chat_edit_delete_and_not_modified(emu: BotAPIEmulator, tg: telegram.Bot) -> None:
    user = emu.add_user()
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await tg.send_message(999, "hi")
    sent = await tg.send_message(user.id, "eins", reply_markup=keyboard([("a", "a")]))
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await tg.edit_message_text("x", chat_id=user.id, message_id=999)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified: specified new message content"):
        await tg.edit_message_text(
            "eins", chat_id=user.id, message_id=sent.message_id, reply_markup=keyboard([("a", "a")])
        )
    edited = await tg.edit_message_text("zwei", chat_id=user.id, message_id=sent.message_id)
    assert edited.text == "zwei" and edited.reply_markup is None and edited.edit_date is not None
    msg = user.messages[0]
    assert msg.edited and msg.edit_count == 1 and msg.history[0]["text"] == "eins"
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await tg.edit_message_reply_markup(chat_id=user.id, message_id=sent.message_id)
    await tg.edit_message_reply_markup(
        chat_id=user.id, message_id=sent.message_id, reply_markup=keyboard([("b", "b")])
    )
    assert msg.button_texts == ["b"] and msg.edit_count == 2
    with pytest.raises(BadRequest, match=r"(?i)there is no caption in the message to edit"):
        await tg.edit_message_caption(chat_id=user.id, message_id=sent.message_id, caption="c")
    assert await tg.delete_message(user.id, sent.message_id)
    assert msg.deleted
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await tg.delete_message(user.id, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await tg.edit_message_text("drei", chat_id=user.id, message_id=sent.message_id)


# ------------------------------------------------------------------------------------------ faults


async def test_429_fault_gives_retry_after(emu: BotAPIEmulator, tg: telegram.Bot) -> None:
    user = emu.add_user()
    emu.inject_fault("429", retry_after=7)
    await tg.send_chat_action(user.id, "typing")  # sendChatAction is not a "send" for faults
    with pytest.raises(RetryAfter) as info:
        await tg.send_message(user.id, "x")
    assert seconds(info.value) == 7
    await tg.send_message(user.id, "the fault was used up")
    record = emu.calls_to("sendMessage")[0]
    assert record.outcome == "fault" and record.status == 429
    assert record.description == "Too Many Requests: retry after 7"


async def test_403_fault_and_blocked_user(emu: BotAPIEmulator, tg: telegram.Bot) -> None:
    user = emu.add_user()
    emu.inject_fault("403", method="sendMessage", chat_id=user.id)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await tg.send_message(user.id, "x")
    user.block()
    with pytest.raises(Forbidden):
        await tg.send_photo(user.id, b"\x89PNG\r\n\x1a\n")
    updates = await tg.get_updates()
    assert updates[-1].my_chat_member.new_chat_member.status == "kicked"
    await user.send("/start")  # writing to the bot again unblocks it
    await tg.send_message(user.id, "welcome back")


@pytest.mark.parametrize(
    ("kind", "text"),
    [("500", "Internal Server Error"), ("502", "Bad Gateway"), ("503", "Service Unavailable")],
)
async def test_5xx_faults_are_network_errors(
    emu: BotAPIEmulator, tg: telegram.Bot, kind: str, text: str
) -> None:
    user = emu.add_user()
    emu.inject_fault(kind, count=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match=text) as info:
            await tg.send_message(user.id, "x")
        assert not isinstance(info.value, BadRequest)
    await tg.send_message(user.id, "ok again")
    assert [m.text for m in user.messages] == ["ok again"]


async def test_timeout_slow_and_migrate_faults(emu: BotAPIEmulator, tg: telegram.Bot) -> None:
    user = emu.add_user()
    emu.inject_fault("timeout", delay=5)
    started = time.monotonic()
    with pytest.raises(TimedOut):
        await tg.send_message(user.id, "x", read_timeout=0.3)
    assert time.monotonic() - started < 2
    emu.inject_fault("timeout", delay=5, apply=True)  # performed, but the answer is lost
    with pytest.raises(TimedOut):
        await tg.send_message(user.id, "lost answer", read_timeout=0.3)
    assert user.last_message.text == "lost answer"
    emu.inject_fault("slow", delay=0.3, method="sendMessage")
    started = time.monotonic()
    await tg.send_message(user.id, "slow")
    assert time.monotonic() - started >= 0.3
    group = emu.add_group(title="Freiwillige", type="group")
    emu.inject_fault("migrate", chat_id=group.id, migrate_to_chat_id=-1001234)
    with pytest.raises(ChatMigrated) as info:
        await tg.send_message(group.id, "x")
    assert info.value.new_chat_id == -1001234


async def test_rate_limit_global_and_per_chat(emu: BotAPIEmulator, tg: telegram.Bot) -> None:
    a, b = emu.add_user(), emu.add_user()
    emu.set_rate_limit(5)
    for i in range(5):
        await tg.send_message(a.id if i % 2 else b.id, f"m{i}")
    with pytest.raises(RetryAfter) as info:
        await tg.send_message(a.id, "one too many")
    assert seconds(info.value) >= 1
    emu.set_rate_limit(None, per_chat_per_second=1)
    await tg.send_message(a.id, "a1")
    with pytest.raises(RetryAfter) as info:
        await tg.send_message(a.id, "a2")
    assert seconds(info.value) == 1
    await tg.send_message(b.id, "b1")  # another chat has its own budget
    emu.clear_faults()
    await tg.send_message(a.id, "a3")


# ------------------------------------------------------------------------------------------ updates


async def test_long_poll_gets_command_with_entity_and_offsets_confirm(
    emu: BotAPIEmulator, tg: telegram.Bot
) -> None:
    user = emu.add_user(first_name="Olena", language_code="uk")
    poll = asyncio.create_task(tg.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    started = time.monotonic()
    sent = await user.send("/start@integrationsbot_test hi")
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 1
    assert [u.update_id for u in updates] == [sent["update_id"]]
    message = updates[0].message
    assert message.text == "/start@integrationsbot_test hi" and message.from_user.language_code == "uk"
    assert message.entities[0].type == "bot_command" and message.entities[0].length == 27
    assert message.chat.id == user.id and message.chat.type == "private"
    assert len(await tg.get_updates()) == 1  # not confirmed yet: delivered again
    assert await tg.get_updates(offset=updates[-1].update_id + 1) == ()
    assert emu.pending_updates == []


async def test_allowed_updates_filter_is_remembered(emu: BotAPIEmulator, tg: telegram.Bot) -> None:
    user = emu.add_user()
    await tg.send_message(user.id, "pick", reply_markup=keyboard([("A", "a")]))
    assert await tg.get_updates(allowed_updates=["callback_query"]) == ()
    await user.send("ignored")
    await user.press("A")
    updates = await tg.get_updates()
    assert [u.callback_query.data for u in updates] == ["a"]


async def test_two_pollers_conflict(emu: BotAPIEmulator) -> None:
    async with aiohttp.ClientSession() as session:
        first = asyncio.create_task(session.post(f"{emu.api_url}{TOKEN}/getUpdates", json={"timeout": 5}))
        await asyncio.sleep(0.1)
        async with session.post(f"{emu.api_url}{TOKEN}/getUpdates", json={"timeout": 0}) as second:
            assert second.status == 200
        resp = await asyncio.wait_for(first, 2)
        assert resp.status == 409
        assert "terminated by other getUpdates request" in (await resp.json())["description"]
        resp.release()


async def test_callback_round_trip(emu: BotAPIEmulator, tg: telegram.Bot) -> None:
    user = emu.add_user()
    markup = keyboard([("Deutsch", "lang:de"), ("English", "lang:en")])
    sent = await tg.send_message(user.id, "Sprache?", reply_markup=markup)
    with pytest.raises(AssertionError, match="available"):
        await user.press("Français")
    pressed = await user.press("Engl")  # unique substring
    (update,) = await tg.get_updates()
    query = update.callback_query
    assert query.data == "lang:en" and query.message.message_id == sent.message_id
    assert query.from_user.id == user.id and query.chat_instance
    assert update.update_id == pressed["update_id"]
    assert await query.answer("Gespeichert", show_alert=True)
    answer = await user.answer_for(pressed)
    assert (answer.text, answer.show_alert, answer.data) == ("Gespeichert", True, "lang:en")
    with pytest.raises(BadRequest, match=r"(?i)query is too old and response timeout expired or query id is"):
        await query.answer("twice")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await tg.answer_callback_query("12345")
    await user.press((0, 0))
    await user.press(data="lang:de")
    stale = await user.press(data="gone:1", message=sent.message_id)  # a stale keyboard
    updates = await tg.get_updates(offset=update.update_id + 1)
    assert [u.callback_query.data for u in updates] == ["lang:de", "lang:de", "gone:1"]
    assert updates[-1].update_id == stale["update_id"]


async def test_user_kinds_of_messages_and_edit(emu: BotAPIEmulator, tg: telegram.Bot) -> None:
    user = emu.add_user()
    await user.send_location(52.52, 13.405)
    await user.send_sticker()
    await user.send_photo(caption="Foto")
    await user.send_voice(duration=4)
    await user.send_document("antrag.pdf", b"%PDF-1.7 bytes")
    await user.send_contact("+49301234567")
    first = await user.send("hallo")
    await user.edit(first["message"]["message_id"], "hallo nochmal")
    updates = await tg.get_updates()
    msgs = [u.effective_message for u in updates]
    assert msgs[0].location.latitude == 52.52
    assert msgs[1].sticker.emoji == "👍"
    assert msgs[2].photo[-1].file_id and msgs[2].caption == "Foto"
    assert updates[3].to_dict()["message"]["voice"]["duration"] == 4
    assert msgs[4].document.file_name == "antrag.pdf"
    assert bytes(await (await msgs[4].document.get_file()).download_as_bytearray()) == b"%PDF-1.7 bytes"
    assert msgs[5].contact.phone_number == "+49301234567"
    assert updates[-1].edited_message.text == "hallo nochmal"
    assert updates[-1].edited_message.message_id == first["message"]["message_id"]


def test_text_entities_in_utf16() -> None:
    assert text_entities("😀 /hilfe bitte") == [{"offset": 3, "length": 6, "type": "bot_command"}]
    kinds = [e["type"] for e in text_entities("/start @someone https://example.org a@b.de #tag")]
    assert kinds == ["bot_command", "mention", "url", "email", "hashtag"]
    assert text_entities("1/2 und/oder") == []


# ------------------------------------------------------------------------------------------ files


async def test_documents_photos_and_venues(emu: BotAPIEmulator, tg: telegram.Bot) -> None:
    user = emu.add_user()
    sent = await tg.send_document(
        user.id, b"%PDF data", filename="Merkblatt.pdf", caption="<b>Bitte</b> lesen", parse_mode="HTML"
    )
    assert sent.document.file_name == "Merkblatt.pdf" and sent.document.mime_type == "application/pdf"
    assert sent.document.file_size == 9 and sent.caption == "Bitte lesen"
    doc = user.last_message.document
    assert (doc.filename, doc.data) == ("Merkblatt.pdf", b"%PDF data")
    name, data = doc
    assert name == "Merkblatt.pdf" and data == b"%PDF data"
    assert emu.file_bytes(sent.document.file_id) == b"%PDF data"
    again = await tg.send_document(user.id, sent.document.file_id)  # re-send by file_id
    assert again.document.file_id == sent.document.file_id
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await tg.send_document(user.id, "no-such-file-id")
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000280000001e008060000")
    photo = await tg.send_photo(user.id, png)
    assert (photo.photo[-1].width, photo.photo[-1].height) == (640, 480)
    assert user.last_message.kind == "photo" and user.last_message.photo.data == png
    venue = await tg.send_venue(user.id, 52.52, 13.405, "Bürgeramt", "Rathausstr. 1")
    assert venue.venue.title == "Bürgeramt" and venue.location.longitude == 13.405
    v = user.last_message.venue
    assert (v.title, v.address, v.latitude, v.longitude) == ("Bürgeramt", "Rathausstr. 1", 52.52, 13.405)
    await tg.send_location(user.id, 1.5, 2.5)
    assert user.last_message.kind == "location" and user.last_message.location.latitude == 1.5


# ------------------------------------------------------------------------------------------ webhook


async def test_webhook_delivery_and_conflict(emu: BotAPIEmulator, tg: telegram.Bot) -> None:
    received: list[tuple[dict, str | None]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        user = emu.add_user()
        await user.send("before the webhook")
        url = f"http://127.0.0.1:{port}/hook"
        assert await tg.set_webhook(url, secret_token="s3cret", drop_pending_updates=True)
        with pytest.raises(Conflict, match=r"(?i)can't use getUpdates method while webhook is active"):
            await tg.get_updates()
        sent = await user.send("/start")
        await user.chat.settle(0.05, 3, after_update=sent["update_id"])
        assert [(u["message"]["text"], secret) for u, secret in received] == [("/start", "s3cret")]
        info = await tg.get_webhook_info()
        assert info.url.endswith("/hook") and info.pending_update_count == 0
        assert await tg.delete_webhook()
        assert (await tg.get_webhook_info()).url == ""
        await user.send("polling again")
        assert [u.message.text for u in await tg.get_updates()] == ["polling again"]
    finally:
        await runner.cleanup()


async def test_webhook_errors_are_reported_and_retried(emu: BotAPIEmulator, tg: telegram.Bot) -> None:
    emu.webhook_retry_delay = 0.05
    calls = 0

    async def hook(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        return web.Response(status=500 if calls == 1 else 200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        await tg.set_webhook(f"http://127.0.0.1:{port}/hook", max_connections=1)
        user = emu.add_user()
        sent = await user.send("hi")
        await user.chat.settle(0.05, 3, after_update=sent["update_id"])
        assert calls == 2
        info = await tg.get_webhook_info()
        assert "500" in info.last_error_message and info.pending_update_count == 0
    finally:
        await runner.cleanup()


# ------------------------------------------------------------------------------------------ misc


async def test_commands_chats_and_groups(emu: BotAPIEmulator, tg: telegram.Bot) -> None:
    await tg.set_my_commands([("start", "Start"), ("hilfe", "Hilfe")], language_code="de")
    await tg.set_my_commands([("start", "Start")])
    scope = telegram.BotCommandScopeChat(-100)
    await tg.set_my_commands([("admin", "Admin")], scope=scope)
    assert [c.command for c in await tg.get_my_commands(language_code="de")] == ["start", "hilfe"]
    assert emu.commands[("default", "de")][1] == {"command": "hilfe", "description": "Hilfe"}
    assert emu.commands[("default", "")] == [{"command": "start", "description": "Start"}]
    assert ("chat:-100", "") in emu.commands
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await tg.set_my_commands([("Bad-Name", "x")])
    await tg.delete_my_commands(language_code="de")
    assert await tg.get_my_commands(language_code="de") == ()

    user = emu.add_user(first_name="Jens", language_code="de", username="jens_hilft")
    chat = await tg.get_chat(user.id)
    assert chat.first_name == "Jens" and chat.username == "jens_hilft"
    group = emu.add_group(title="Freiwillige")
    assert group.id < 0 and group.type == "supergroup"
    member = await tg.get_chat_member(group.id, emu.bot_id)
    assert member.status == "administrator"
    assert (await tg.get_chat_member(group.id, user.id)).status == "left"
    sent = await user.send_in(group, "Ich übernehme!")
    assert (await tg.get_chat_member(group.id, user.id)).status == "member"
    (update,) = await tg.get_updates()
    assert update.message.chat.title == "Freiwillige" and update.update_id == sent["update_id"]
    await tg.send_message(group.id, "Danke Jens")
    assert (await group.next_message()).text == "Danke Jens"
    assert (await tg.get_chat(group.id)).title == "Freiwillige"


async def test_reading_helpers_and_listener(emu: BotAPIEmulator, tg: telegram.Bot) -> None:
    user = emu.add_user()
    events: list[EmulatorEvent] = []
    remove = emu.add_listener(events.append)
    async_events: list[str] = []

    async def async_listener(event: EmulatorEvent) -> None:
        async_events.append(event.type)

    emu.add_listener(async_listener)
    with pytest.raises(EmulatorTimeout, match="empty") as info:
        await user.next_message(timeout=0.05)
    assert isinstance(info.value, AssertionError) and isinstance(info.value, asyncio.TimeoutError)

    async def bot_side() -> None:
        await asyncio.sleep(0.05)
        first = await tg.send_message(user.id, "eins")
        await tg.send_message(user.id, "zwei", reply_to_message_id=first.message_id)
        await asyncio.sleep(0.05)
        await tg.edit_message_text("eins (bearbeitet)", chat_id=user.id, message_id=first.message_id)
        await tg.delete_message(user.id, first.message_id + 1)

    task = asyncio.create_task(bot_side())
    assert (await user.next_message()).text == "eins"
    edited = await user.wait_for(lambda m: m.text.endswith("(bearbeitet)"))
    assert edited.edited and edited.message_id == 1
    await task
    assert user.messages[1].deleted and user.messages[1].reply_to_message_id == 1
    assert await user.settle(quiet=0.05) == [user.messages[1]]
    assert [e.type for e in events] == ["message", "message", "edited", "deleted"]
    await asyncio.sleep(0)
    assert async_events == ["message", "message", "edited", "deleted"]
    remove()
    await tg.send_message(user.id, "drei")
    assert len(events) == 4


async def test_wait_for_looks_at_what_the_test_has_not_seen(emu: BotAPIEmulator, tg: telegram.Bot) -> None:
    user = emu.add_user()
    menu = await tg.send_message(user.id, "Menü", reply_markup=keyboard([("Hilfe", "help")]))
    assert (await user.next_message()).text == "Menü"
    with pytest.raises(EmulatorTimeout):  # already read: an old menu must not satisfy a new wait
        await user.wait_for(lambda m: "Hilfe" in m.button_texts, timeout=0.05)
    await tg.edit_message_text(
        "Menü 2", chat_id=user.id, message_id=menu.message_id, reply_markup=keyboard([("Hilfe", "help")])
    )
    assert (await user.wait_for(lambda m: "Hilfe" in m.button_texts)).text == "Menü 2"  # edited since
    await tg.send_message(user.id, "neu")
    with pytest.raises(EmulatorTimeout):
        await user.wait_for(lambda m: m.text == "neu", timeout=0.05, include_existing=False)
    assert (await user.wait_for(lambda m: m.text == "neu")).text == "neu"
    assert user.unread == []


async def test_control_api_client(emu: BotAPIEmulator, tg: telegram.Bot) -> None:
    async with EmulatorClient(emu.control_url) as client:
        user = await client.add_user(4242, first_name="Reza", language_code="fa")
        assert user["id"] == 4242 and emu.users[4242].language_code == "fa"
        await client.send(4242, "/start")
        (update,) = await tg.get_updates()
        await tg.send_message(4242, "Hallo", reply_markup=keyboard([("Weiter", "next")]))
        found = await client.messages(4242, wait=1)
        assert [m["message"]["text"] for m in found["messages"]] == ["Hallo"]
        waiting = asyncio.create_task(client.messages(4242, since=found["last_seq"], wait=2))
        await asyncio.sleep(0.05)
        await tg.send_message(4242, "Noch was")
        assert [m["message"]["text"] for m in (await waiting)["messages"]] == ["Noch was"]
        await client.press(4242, "Weiter")
        updates = await tg.get_updates(offset=update.update_id + 1)
        assert updates[0].callback_query.data == "next"
        await client.inject_fault("429", retry_after=3)
        with pytest.raises(RetryAfter):
            await tg.send_message(4242, "x")
        await client.set_rate_limit(100)
        await client.clear_faults()
        stats = await client.stats()
        assert stats["messages_sent"] == 2 and stats["users"] == 1 and stats["statuses"]["429"] == 1


async def test_ptb_application_round_trip(emu: BotAPIEmulator) -> None:
    async def start(update, context) -> None:  # type: ignore[no-untyped-def]
        await update.message.reply_text(
            f"<b>Hallo</b> {html.escape(update.effective_user.first_name)}!",
            parse_mode="HTML",
            reply_markup=keyboard([("Weiter", "next")]),
        )

    async def pressed(update, context) -> None:  # type: ignore[no-untyped-def]
        await update.callback_query.answer("Weiter geht's")
        await update.callback_query.edit_message_text("Schritt 2")

    app = Application.builder().token(TOKEN).base_url(emu.base_url).base_file_url(emu.file_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    user = emu.add_user(first_name="Tom & Jerry")
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            await user.send("/start")
            reply = await user.next_message()
            assert reply.text == "Hallo Tom & Jerry!" and reply.html == "<b>Hallo</b> Tom &amp; Jerry!"
            press = await user.press("Weiter")
            edited = await user.wait_for(lambda m: m.text == "Schritt 2")
            assert edited.message_id == reply.message_id and edited.buttons == []
            assert (await user.answer_for(press)).text == "Weiter geht's"
            assert await user.settle(quiet=0.05) == []
        finally:
            await app.updater.stop()
            await app.stop()


# ------------------------------------------------------------------------------------------ HTML parser


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_escaped_text_round_trips(text: str) -> None:
    assert parse_html(html.escape(text)).text == text
    assert parse_html(f"<b>{html.escape(text, quote=False)}</b>").text == text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="<>/&;#abiuspreclq=\"' x😀", max_size=30))
def test_parser_never_crashes(markup: str) -> None:
    try:
        parsed = parse_html(markup, strict=False)
    except HTMLParseError:
        return
    for entity in parsed.entities:
        assert entity["length"] > 0 and entity["offset"] >= 0


def test_call_records_are_json_friendly() -> None:
    emu = BotAPIEmulator()  # nothing happens before start()
    assert emu.port is None and emu.calls == []
    with pytest.raises(RuntimeError):
        _ = emu.api_url
    assert json.dumps(emu.stats())
