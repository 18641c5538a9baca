"""An HTTP server that answers the Telegram Bot API on loopback, for tests and local runs."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import json
import logging
import mimetypes
import secrets
import struct
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

from .faults import Fault, FaultInjector, RateLimiter, is_send_method
from .methods import BotAPIMethods
from .models import (
    CallbackAnswer,
    CallRecord,
    EmulatedChat,
    EmulatedMessage,
    EmulatorEvent,
    EmulatorTimeout,
    StoredFile,
)
from .protocol import (
    DEFAULT_UPDATE_TYPES,
    FILE_PREFIX,
    TOKEN_RE,
    APIError,
    Described,
    Params,
    UploadedFile,
    bad,
    without_reply,
)
from .users import EmulatedUser

__all__ = ["APIError", "BotAPIEmulator", "Params", "UploadedFile"]

log = logging.getLogger(__name__)


_QUERY_IDS = itertools.count(4_000_000_000_000_000_001)


class _Update:
    __slots__ = ("chat_key", "data", "type", "update_id")

    def __init__(self, update_id: int, data: dict, type_: str, chat_key: Any) -> None:
        self.update_id = update_id
        self.data = data
        self.type = type_
        self.chat_key = chat_key


class _Webhook:
    def __init__(self, url: str, secret_token: str | None, max_connections: int, generation: int) -> None:
        self.url = url
        self.secret_token = secret_token
        self.max_connections = max_connections
        self.generation = generation
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.tasks: list[asyncio.Task] = []
        self.inflight_chats: set[Any] = set()
        self.inflight = 0


def _image_size(data: bytes) -> tuple[int, int]:
    try:
        if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
            w, h = struct.unpack(">II", data[16:24])
            return int(w), int(h)
        if data[:6] in (b"GIF87a", b"GIF89a"):
            w, h = struct.unpack("<HH", data[6:10])
            return int(w), int(h)
        if data[:2] == b"\xff\xd8":
            i = 2
            while i + 9 < len(data):
                if data[i] != 0xFF:
                    i += 1
                    continue
                marker = data[i + 1]
                if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                    h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                    return int(w), int(h)
                seg = struct.unpack(">H", data[i + 2 : i + 4])[0]
                i += 2 + seg
    except (struct.error, IndexError):
        pass
    return 800, 600


class BotAPIEmulator(BotAPIMethods):
    """A Telegram Bot API server for tests: ``async with BotAPIEmulator() as emu: ...``.

    Point PTB at it with ``base_url=emu.base_url`` (and ``base_file_url=emu.file_url``).
    """

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_username: str = "integrationsbot_local",
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        bot_name: str = "Integrationsbot",
        strict_html: bool = True,
        record_calls: bool = True,
        webhook_retry_delay: float = 0.2,
        callback_answer_text_limit: int = 200,
    ) -> None:
        if not TOKEN_RE.match(token):
            raise ValueError(f"token {token!r} does not look like a bot token (digits:letters)")
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.host = host
        self._requested_port = port
        self.port: int | None = None
        self.strict_html = strict_html
        self.record_calls = record_calls
        self.webhook_retry_delay = webhook_retry_delay
        self.callback_answer_text_limit = callback_answer_text_limit

        self.users: dict[int, EmulatedUser] = {}
        self.chats: dict[int, EmulatedChat] = {}
        self._usernames: dict[str, EmulatedChat] = {}
        self.files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        # (scope key, language code or "") -> commands; scope keys: see scope_key()
        self.commands: dict[tuple[str, str], list[dict]] = {}
        self.bot_settings: dict[str, Any] = {}
        self.calls: list[CallRecord] = []
        self.callback_answers: list[CallbackAnswer] = []
        self._answers_by_id: dict[str, CallbackAnswer] = {}
        self._open_queries: dict[str, tuple[int, int | None, int | None, str | None]] = {}
        self.method_counts: Counter[str] = Counter()
        self.status_counts: Counter[int] = Counter()
        self.messages_sent = 0
        self.updates_created = 0

        self.faults = FaultInjector()
        self.rate_limiter = RateLimiter()
        self._listeners: list[Callable[[EmulatorEvent], Any]] = []
        self._listener_tasks: set[asyncio.Task] = set()

        self._update_ids = itertools.count(1)
        self._user_ids = itertools.count(100_000_001)
        self._group_ids = itertools.count(1)
        self._query_ids = _QUERY_IDS  # unique in the process, as Telegram's are unique everywhere
        self._file_counter = itertools.count(1)
        self._seq = itertools.count(1)
        self._pending: deque[_Update] = deque()
        self._undelivered: set[int] = set()
        self._delivered_at: dict[int, float] = {}
        self._last_update_id = 0
        self._updates_event = asyncio.Event()
        self._delivery_event = asyncio.Event()
        self._answer_event = asyncio.Event()
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self._poll_generation = 0
        self.webhook: _Webhook | None = None
        self._webhook_generation = 0
        self._session: aiohttp.ClientSession | None = None

        self._stopping = False
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, tuple[str, Callable, bool]] = {}
        for name, _ in inspect.getmembers(type(self), inspect.isfunction):
            if name.startswith("api_"):
                fn = getattr(self, name)
                canonical = name[4:]
                self._methods[canonical.lower()] = (canonical, fn, inspect.iscoroutinefunction(fn))

    # ================================================================================ lifecycle
    @property
    def server_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the emulator is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """``TELEGRAM_API_URL``: the bot calls ``{api_url}{token}/{method}``."""
        return f"{self.server_url}/bot"

    @property
    def base_url(self) -> str:
        """Same as ``api_url`` (PTB's ``base_url``)."""
        return self.api_url

    @property
    def file_url(self) -> str:
        """PTB's ``base_file_url``."""
        return f"{self.server_url}/file/bot"

    @property
    def control_url(self) -> str:
        return f"{self.server_url}/_emulator"

    @property
    def bot_user(self) -> dict:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_name, "username": self.bot_username}

    def make_app(self) -> web.Application:
        from .control import setup_control_routes

        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        setup_control_routes(app, self)
        return app

    async def start(self) -> BotAPIEmulator:
        if self._runner is not None:
            return self
        self._stopping = False
        self._runner = web.AppRunner(
            self.make_app(), access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._requested_port)
        await site.start()
        sockets = site._server.sockets if site._server is not None else []  # type: ignore[union-attr]
        self.port = sockets[0].getsockname()[1] if sockets else self._requested_port
        return self

    async def stop(self) -> None:
        self._stopping = True
        self._wake_pollers()
        self._stop_webhook()
        for task in list(self._listener_tasks):
            task.cancel()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotAPIEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ================================================================================ people and chats
    def add_user(
        self,
        user_id: int | None = None,
        first_name: str = "Amina",
        language_code: str | None = "ar",
        last_name: str | None = None,
        username: str | None = None,
        *,
        is_premium: bool | None = None,
    ) -> EmulatedUser:
        """A simulated user (the bot can message them: private chat id == user id)."""
        if user_id is None:
            user_id = next(self._user_ids)
            while user_id in self.users:
                user_id = next(self._user_ids)
        if user_id in self.users:
            return self.users[user_id]
        user = EmulatedUser(
            self,
            user_id,
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            is_premium=is_premium,
        )
        self.users[user_id] = user
        self.chats[user_id] = user.chat
        if username:
            self._usernames[username.lower()] = user.chat
        return user

    def add_group(
        self,
        chat_id: int | None = None,
        title: str = "Freiwillige",
        type: str = "supergroup",
        *,
        username: str | None = None,
        members: list[EmulatedUser | int] | None = None,
        bot_status: str = "administrator",
    ) -> EmulatedChat:
        """A group, supergroup or channel the bot is in (as administrator by default)."""
        if type not in ("group", "supergroup", "channel"):
            raise ValueError("type must be group, supergroup or channel")
        if chat_id is None:
            n = next(self._group_ids)
            chat_id = -(1_001_000_000_000 + n) if type != "group" else -(400_000_000 + n)
            while chat_id in self.chats:
                n = next(self._group_ids)
                chat_id = -(1_001_000_000_000 + n) if type != "group" else -(400_000_000 + n)
        if chat_id in self.chats:
            return self.chats[chat_id]
        chat = EmulatedChat(self, chat_id, type, title=title, username=username)
        chat.bot_status = bot_status
        for m in members or []:
            chat.members.add(m.id if isinstance(m, EmulatedUser) else int(m))
        self.chats[chat_id] = chat
        if username:
            self._usernames[username.lower()] = chat
        return chat

    def get_user(self, user_id: int) -> EmulatedUser:
        return self.users[user_id]

    def get_chat(self, chat_id: int | str) -> EmulatedChat:
        chat = self._lookup_chat(chat_id)
        if chat is None:
            raise KeyError(f"unknown chat {chat_id!r}")
        return chat

    def messages(self, chat_id: int) -> list[EmulatedMessage]:
        """All messages of a chat (user and bot)."""
        return self.get_chat(chat_id).messages

    def _lookup_chat(self, chat_id: int | str | None) -> EmulatedChat | None:
        if chat_id is None:
            return None
        if isinstance(chat_id, int):
            return self.chats.get(chat_id)
        s = str(chat_id).strip()
        if s.startswith("@"):
            return self._usernames.get(s[1:].lower())
        try:
            return self.chats.get(int(s))
        except ValueError:
            return None

    # ================================================================================ faults
    def inject_fault(
        self,
        kind: str,
        *,
        method: str | None = None,
        chat_id: int | str | None = None,
        count: int | None = 1,
        retry_after: int = 1,
        delay: float | None = None,
        description: str | None = None,
        migrate_to_chat_id: int | None = None,
        apply: bool = False,
    ) -> Fault:
        """Make the next ``count`` matching calls fail (``count=None``: until ``clear_faults``).

        kinds: "429", "500", "502", "503", "504", "403", "400" (with ``description``), "migrate",
        "timeout" (hold ``delay`` s, default 60, or until the client hangs up; ``apply=True``
        performs the call first, i.e. the answer is lost) and "slow" (sleep ``delay`` then answer).
        ``method=None`` matches every send*/edit* method except sendChatAction.
        """
        return self.faults.add(
            Fault(
                kind=str(kind),
                method=method,
                chat_id=chat_id,
                remaining=count,
                retry_after=max(1, int(retry_after)),
                delay=delay,
                description=description,
                migrate_to_chat_id=migrate_to_chat_id,
                apply=apply,
            )
        )

    def clear_faults(self) -> None:
        """Remove injected faults, the rate limit and all blocks."""
        self.faults.clear()
        self.rate_limiter = RateLimiter()
        for chat in self.chats.values():
            if chat.blocked:
                chat.blocked = False

    def set_rate_limit(self, per_second: float | None, per_chat_per_second: float | None = None) -> None:
        """Flood control: send*/edit* calls beyond these rates (sliding 1 s window) get 429."""
        self.rate_limiter = RateLimiter(per_second, per_chat_per_second)

    def block_user(self, user_id: int, blocked: bool = True) -> None:
        """The user blocks (or unblocks) the bot: sends get 403, a my_chat_member update is sent."""
        chat = self.chats.get(user_id)
        if chat is None or chat.type != "private":
            raise KeyError(f"unknown user {user_id}")
        if chat.blocked == blocked:
            return
        chat.blocked = blocked
        user = self.users[user_id]
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        self._enqueue(
            "my_chat_member",
            {
                "chat": chat.to_dict(),
                "from": user.to_dict(),
                "date": int(time.time()),
                "old_chat_member": self._member_dict(old, self.bot_user, until=True),
                "new_chat_member": self._member_dict(new, self.bot_user, until=True),
            },
            chat_key=user_id,
        )

    # ================================================================================ listeners
    def add_listener(self, callback: Callable[[EmulatorEvent], Any]) -> Callable[[], None]:
        """Call ``callback(event)`` (sync or async) for new/edited/deleted bot messages and callback
        answers.  Returns a function that removes the listener."""
        self._listeners.append(callback)
        return lambda: self.remove_listener(callback)

    def remove_listener(self, callback: Callable[[EmulatorEvent], Any]) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(callback)

    def _emit(self, event: EmulatorEvent) -> None:
        for cb in list(self._listeners):
            try:
                result = cb(event)
            except Exception:
                log.exception("emulator listener failed")
                continue
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                self._listener_tasks.add(task)
                task.add_done_callback(self._listener_done)

    def _listener_done(self, task: asyncio.Task) -> None:
        self._listener_tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("emulator listener failed", exc_info=task.exception())

    # ================================================================================ updates
    def _enqueue(self, type_: str, payload: dict, *, chat_key: Any = None) -> dict:
        update_id = next(self._update_ids)
        data = {"update_id": update_id, type_: payload}
        if type_ not in self.allowed_updates:
            return data  # Telegram never creates updates the bot did not ask for
        self._pending.append(_Update(update_id, data, type_, chat_key))
        self._undelivered.add(update_id)
        self._last_update_id = update_id
        self.updates_created += 1
        ev = self._updates_event
        self._updates_event = asyncio.Event()
        ev.set()
        return data

    @property
    def pending_updates(self) -> list[dict]:
        return [u.data for u in self._pending]

    def is_delivered(self, update_id: int) -> bool:
        """True once the bot fetched the update (getUpdates) or acknowledged it (webhook)."""
        return update_id not in self._undelivered

    def delivery_time(self, update_id: int) -> float:
        return self._delivered_at.get(update_id, 0.0)

    async def wait_delivery(self, timeout: float) -> None:  # noqa: ASYNC109
        ev = self._delivery_event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ev.wait(), timeout)

    def _mark_delivered(self, update_ids: list[int]) -> None:
        now = time.monotonic()
        changed = False
        for uid in update_ids:
            if uid in self._undelivered:
                self._undelivered.discard(uid)
                self._delivered_at[uid] = now
                changed = True
        if len(self._delivered_at) > 200_000:
            for key in list(itertools.islice(self._delivered_at, 100_000)):
                del self._delivered_at[key]
        if changed:
            ev = self._delivery_event
            self._delivery_event = asyncio.Event()
            ev.set()

    def _drop_pending(self) -> None:
        self._mark_delivered([u.update_id for u in self._pending])
        self._pending.clear()

    def _wake_pollers(self) -> None:
        ev = self._updates_event
        self._updates_event = asyncio.Event()
        ev.set()

    def _user_message(
        self,
        user: EmulatedUser,
        chat: EmulatedChat,
        content: dict,
        kind: str,
        *,
        file: StoredFile | None = None,
        reply_to: EmulatedMessage | int | None = None,
    ) -> dict:
        if chat.type == "private" and chat.blocked:
            self.block_user(chat.id, False)  # writing to the bot again unblocks it, like /start does
        mid = chat.allocate_message_id()
        raw: dict[str, Any] = {"message_id": mid, "from": user.to_dict()}
        raw["chat"] = chat.to_dict()
        raw["date"] = int(time.time())
        if reply_to is not None:
            target = reply_to if isinstance(reply_to, EmulatedMessage) else chat.by_id.get(int(reply_to))
            if target is not None:
                raw["reply_to_message"] = without_reply(target.raw)
        raw.update(content)
        msg = EmulatedMessage(
            chat, mid, raw, from_bot=False, kind=kind, file=file, sender_id=user.id, seq=next(self._seq)
        )
        chat.add(msg)
        type_ = "channel_post" if chat.type == "channel" else "message"
        return self._enqueue(type_, raw, chat_key=chat.id)

    def _user_edit(self, user: EmulatedUser, msg: EmulatedMessage, text: str, entities: list[dict]) -> dict:
        new = {k: v for k, v in msg.raw.items() if k != "entities"}
        new["text"] = text
        if entities:
            new["entities"] = entities
        new["edit_date"] = int(time.time())
        msg.history.append(msg.raw)
        msg.raw = new
        msg.edit_count += 1
        msg.edited_at = time.monotonic()
        return self._enqueue("edited_message", new, chat_key=msg.chat.id)

    def _callback_query(self, user: EmulatedUser, msg: EmulatedMessage, data: str) -> dict:
        query_id = str(next(self._query_ids))
        self._open_queries[query_id] = (user.id, msg.chat.id, msg.message_id, data)
        payload = {
            "id": query_id,
            "from": user.to_dict(),
            "message": msg.raw,
            "chat_instance": msg.chat.chat_instance,
            "data": data,
        }
        return self._enqueue("callback_query", payload, chat_key=msg.chat.id)

    async def wait_callback_answer(
        self,
        query_id: str,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> CallbackAnswer:
        deadline = time.monotonic() + timeout
        while query_id not in self._answers_by_id:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise EmulatorTimeout(f"callback query {query_id} was not answered within {timeout}s")
            ev = self._answer_event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ev.wait(), remaining)
        return self._answers_by_id[query_id]

    # ================================================================================ files
    def _store_file(self, kind: str, data: bytes, filename: str | None, mime_type: str | None) -> StoredFile:
        prefix, folder = FILE_PREFIX.get(kind, ("BQACAgIAAxkBAA", "documents"))
        n = next(self._file_counter)
        ext = ""
        if filename and "." in filename:
            ext = "." + filename.rsplit(".", 1)[1][:8]
        elif mime_type:
            ext = mimetypes.guess_extension(mime_type) or ""
        f = StoredFile(
            file_id=f"{prefix}{n:04d}{secrets.token_urlsafe(18)}",
            file_unique_id=f"AgAD{secrets.token_urlsafe(9)}",
            kind=kind,
            data=data,
            filename=filename,
            mime_type=mime_type,
            file_path=f"{folder}/file_{n}{ext}",
        )
        if kind == "photo":
            f.width, f.height = _image_size(data)
        self.files[f.file_id] = f
        self._files_by_path[f.file_path] = f
        return f

    @staticmethod
    def _guess_mime(filename: str | None) -> str:
        if not filename:
            return "application/octet-stream"
        return mimetypes.guess_type(filename)[0] or "application/octet-stream"

    def _photo_sizes(self, f: StoredFile) -> list[dict]:
        w, h = f.width or 800, f.height or 600
        scale = min(1.0, 90 / max(w, h))
        small = {
            "file_id": f.file_id + "_s",
            "file_unique_id": f.file_unique_id + "s",
            "file_size": max(1, f.size // 10),
            "width": max(1, round(w * scale)),
            "height": max(1, round(h * scale)),
        }
        self.files.setdefault(small["file_id"], f)
        big = {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "file_size": f.size,
            "width": w,
            "height": h,
        }
        return [small, big] if scale < 1.0 else [big]

    def file_bytes(self, file_id: str) -> bytes:
        return self.files[file_id].data

    def _input_file(self, p: Params, name: str, kind: str) -> StoredFile | None:
        upload = p.files.get(name)
        if upload is None:
            value = p.raw.get(name)
            if value is None or value == "":
                return None
            value = str(value)
            if value.startswith("attach://"):
                upload = p.files.get(value[9:])
                if upload is None:
                    raise bad(f"file {value} not found in the request")
            elif value in self.files:
                return self.files[value]
            elif value.startswith(("http://", "https://")):
                filename = value.rstrip("/").rsplit("/", 1)[-1] or "file"
                return self._store_file(kind, b"", filename, self._guess_mime(filename))
            else:
                raise bad("wrong file identifier/HTTP URL specified")
        filename = upload.filename
        mime = upload.content_type
        if not mime or mime == "application/octet-stream":
            mime = self._guess_mime(filename)
        return self._store_file(kind, upload.data, filename, mime)

    # ================================================================================ HTTP layer
    async def _read_params(self, request: web.Request) -> Params:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.method == "POST" and request.body_exists:
            ctype = request.content_type
            if ctype == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise bad("can't parse JSON object") from None
                if not isinstance(body, dict):
                    raise bad("can't parse JSON object")
                raw.update(body)
            elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = UploadedFile(value.filename, value.content_type, value.file.read())
                    else:
                        raw[key] = value
            else:
                body_bytes = await request.read()
                if body_bytes.strip():
                    try:
                        body = json.loads(body_bytes)
                        if isinstance(body, dict):
                            raw.update(body)
                    except ValueError:
                        pass
        return Params(raw, files)

    @staticmethod
    def _json_response(payload: dict, status: int = 200) -> web.Response:
        return web.Response(
            text=json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
            status=status,
            content_type="application/json",
        )

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        if not TOKEN_RE.match(token):
            return self._json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        if token != self.token:
            return self._json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        entry = self._methods.get(request.match_info["method"].lower())
        if entry is None:
            # Telegram answers 404 to unknown methods (PTB turns that into InvalidToken): say so loudly
            name = request.match_info["method"]
            log.warning("Bot API emulator: method %r is not emulated (answered 404 Not Found)", name)
            self.status_counts[404] += 1
            self.method_counts[name] += 1
            if self.record_calls:
                self.calls.append(
                    CallRecord(name, dict(request.query), time.monotonic(), "error", 404, "Not Found")
                )
            return self._json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        method, fn, is_async = entry
        started = time.monotonic()
        params: Params | None = None
        outcome = "ok"
        try:
            params = await self._read_params(request)
            chat_id = params.raw.get("chat_id")
            fault = self.faults.take(method, chat_id)
            if fault is not None:
                outcome = "fault"
                await self._apply_fault(fault, request, method, fn, is_async, params)
                outcome = "ok"
            result = await self._call(method, fn, is_async, params, chat_id)
            if isinstance(result, Described):
                payload = {"ok": True, "result": result.value, "description": result.description}
            else:
                payload = {"ok": True, "result": result}
            status = 200
        except APIError as exc:
            payload = exc.payload()
            status = exc.code
            if outcome != "fault":
                outcome = "error"
        self.method_counts[method] += 1
        self.status_counts[status] += 1
        if self.record_calls:
            self.calls.append(
                CallRecord(
                    method=method,
                    params=params.normalized() if params is not None else {},
                    time=started,
                    outcome=outcome,
                    status=status,
                    description=payload.get("description"),
                    chat_id=params.raw.get("chat_id") if params is not None else None,
                )
            )
        return self._json_response(payload, status)

    async def _call(self, method: str, fn: Callable, is_async: bool, p: Params, chat_id: Any) -> Any:
        limiter = self.rate_limiter
        send = is_send_method(method)
        if send and limiter.active:
            now = time.monotonic()
            retry = limiter.check(chat_id, now)
            if retry is not None:
                raise APIError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        result = await fn(p) if is_async else fn(p)
        if send and limiter.active:
            limiter.record(chat_id, time.monotonic())
        return result

    async def _apply_fault(
        self, fault: Fault, request: web.Request, method: str, fn: Callable, is_async: bool, p: Params
    ) -> None:
        kind = fault.kind
        if kind == "429":
            raise APIError(
                429, f"Too Many Requests: retry after {fault.retry_after}", {"retry_after": fault.retry_after}
            )
        if kind == "500":
            raise APIError(500, fault.description or "Internal Server Error")
        if kind == "502":
            raise APIError(502, fault.description or "Bad Gateway")
        if kind == "503":
            raise APIError(503, fault.description or "Service Unavailable")
        if kind == "504":
            raise APIError(504, fault.description or "Gateway Timeout")
        if kind == "403":
            raise APIError(403, fault.description or "Forbidden: bot was blocked by the user")
        if kind == "400":
            raise bad(fault.description or "injected error")
        if kind == "migrate":
            target = fault.migrate_to_chat_id
            if target is None:
                cid = p.int("chat_id", 0) or 0
                target = -(1_000_000_000_000 + abs(cid))
            raise bad("group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": target})
        if kind == "slow":
            await self._sleep(fault.delay if fault.delay is not None else 1.0)
            return
        if kind == "timeout":
            if fault.apply:
                with contextlib.suppress(APIError):
                    await self._call(method, fn, is_async, p, p.raw.get("chat_id"))
            await self._hold(request, fault.delay if fault.delay is not None else 60.0)
            raise APIError(504, "Gateway Timeout")

    async def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self._stopping:
            left = end - time.monotonic()
            if left <= 0:
                return
            await asyncio.sleep(min(left, 0.05))

    async def _hold(self, request: web.Request, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self._stopping and time.monotonic() < end:
            transport = request.transport
            if transport is None or transport.is_closing():
                return
            await asyncio.sleep(min(0.05, max(0.0, end - time.monotonic())))

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return self._json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        f = self._files_by_path.get(request.match_info["path"])
        if f is None:
            return self._json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return web.Response(body=f.data, content_type=f.mime_type or "application/octet-stream")

    def _start_webhook(self, url: str, secret: str | None, max_connections: int) -> None:
        self._stop_webhook()
        self._webhook_generation += 1
        hook = _Webhook(url, secret, max_connections, self._webhook_generation)
        self.webhook = hook
        self._wake_pollers()
        for _ in range(max_connections):
            hook.tasks.append(asyncio.ensure_future(self._webhook_worker(hook)))

    def _stop_webhook(self) -> None:
        hook = self.webhook
        if hook is None:
            return
        self.webhook = None
        for task in hook.tasks:
            task.cancel()
        self._wake_pollers()

    def _take_for_webhook(self, hook: _Webhook) -> _Update | None:
        pending = self._pending
        for i, upd in enumerate(pending):
            if i > 1000:
                break
            if upd.chat_key is None or upd.chat_key not in hook.inflight_chats:
                del pending[i]
                return upd
        return None

    async def _webhook_worker(self, hook: _Webhook) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        delay = self.webhook_retry_delay
        while self.webhook is hook and not self._stopping:
            upd = self._take_for_webhook(hook)
            if upd is None:
                ev = self._updates_event
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(ev.wait(), 1.0)
                continue
            hook.inflight += 1
            hook.inflight_chats.add(upd.chat_key)
            ok = False
            error = None
            try:
                body = json.dumps(upd.data, ensure_ascii=False)
                async with self._session.post(hook.url, data=body, headers=headers) as resp:
                    await resp.read()
                    ok = 200 <= resp.status < 300
                    if not ok:
                        error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
            except asyncio.CancelledError:
                self._pending.appendleft(upd)
                raise
            except Exception as exc:
                error = f"Connection failed: {exc.__class__.__name__}: {exc}"
            finally:
                hook.inflight -= 1
                hook.inflight_chats.discard(upd.chat_key)
            if ok:
                self._mark_delivered([upd.update_id])
                delay = self.webhook_retry_delay
                continue
            hook.last_error_date = int(time.time())
            hook.last_error_message = error
            if self.webhook is hook:
                self._pending.appendleft(upd)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    # ================================================================================ observation
    def calls_to(self, method: str) -> list[CallRecord]:
        low = method.lower()
        return [c for c in self.calls if c.method.lower() == low]

    def stats(self) -> dict:
        return {
            "calls": sum(self.method_counts.values()),
            "methods": dict(self.method_counts),
            "statuses": {str(k): v for k, v in self.status_counts.items()},
            "messages_sent": self.messages_sent,
            "updates_created": self.updates_created,
            "pending_updates": len(self._pending),
            "undelivered_updates": len(self._undelivered),
            "users": len(self.users),
            "chats": len(self.chats),
            "callback_answers": len(self.callback_answers),
            "faults": len(self.faults.faults),
            "webhook": self.webhook.url if self.webhook else None,
        }
