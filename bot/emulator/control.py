"""A small JSON control API under ``/_emulator/`` and a client for it.

It lets another process (a benchmark, a crash test that kills the bot) drive the emulator:

    POST   /_emulator/users                      {user_id?, first_name?, language_code?, ...}
    POST   /_emulator/users/{id}/send            {text}
    POST   /_emulator/users/{id}/press           {button? | row+col | data, message_id?}
    POST   /_emulator/users/{id}/location        {latitude, longitude}
    POST   /_emulator/users/{id}/block           {blocked: true|false}
    POST   /_emulator/groups                     {chat_id?, title?, type?}
    GET    /_emulator/chats/{id}/messages        ?since=SEQ&wait=SECONDS&min=N&bot_only=1
    POST   /_emulator/faults                     {kind, method?, chat_id?, count?, retry_after?, delay?}
    DELETE /_emulator/faults
    POST   /_emulator/rate_limit                 {per_second, per_chat_per_second?}
    GET    /_emulator/stats
"""

from __future__ import annotations

import bisect
import time
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

if TYPE_CHECKING:
    from .server import BotAPIEmulator

__all__ = ["EmulatorClient", "setup_control_routes"]


def _ok(data: Any, status: int = 200) -> web.Response:
    return web.json_response({"ok": True, "result": data}, status=status)


def _fail(message: str, status: int = 400) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


async def _body(request: web.Request) -> dict:
    if not request.body_exists:
        return {}
    try:
        data = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(
            text='{"ok": false, "error": "invalid JSON"}', content_type="application/json"
        ) from None
    return data if isinstance(data, dict) else {}


def setup_control_routes(app: web.Application, emu: BotAPIEmulator) -> None:
    def user_of(request: web.Request):
        user = emu.users.get(int(request.match_info["user_id"]))
        if user is None:
            raise web.HTTPNotFound(
                text='{"ok": false, "error": "unknown user"}', content_type="application/json"
            )
        return user

    async def add_user(request: web.Request) -> web.Response:
        b = await _body(request)
        user = emu.add_user(
            b.get("user_id"),
            first_name=b.get("first_name", "Amina"),
            language_code=b.get("language_code", "ar"),
            last_name=b.get("last_name"),
            username=b.get("username"),
        )
        return _ok(user.to_dict())

    async def send(request: web.Request) -> web.Response:
        user = user_of(request)
        b = await _body(request)
        if "text" not in b:
            return _fail("text is required")
        return _ok(await user.send(str(b["text"])))

    async def press(request: web.Request) -> web.Response:
        user = user_of(request)
        b = await _body(request)
        button: Any = b.get("button")
        if "row" in b and "col" in b:
            button = (int(b["row"]), int(b["col"]))
        try:
            update = await user.press(button, data=b.get("data"), message=b.get("message_id"))
        except (AssertionError, TypeError) as exc:
            return _fail(str(exc))
        return _ok(update)

    async def location(request: web.Request) -> web.Response:
        user = user_of(request)
        b = await _body(request)
        return _ok(await user.send_location(float(b["latitude"]), float(b["longitude"])))

    async def block(request: web.Request) -> web.Response:
        user = user_of(request)
        b = await _body(request)
        emu.block_user(user.id, bool(b.get("blocked", True)))
        return _ok(True)

    async def add_group(request: web.Request) -> web.Response:
        b = await _body(request)
        chat = emu.add_group(
            b.get("chat_id"), title=b.get("title", "Freiwillige"), type=b.get("type", "supergroup")
        )
        return _ok(chat.to_dict())

    async def messages(request: web.Request) -> web.Response:
        chat = emu._lookup_chat(request.match_info["chat_id"])
        if chat is None:
            return _fail("chat not found", 404)
        q = request.query
        since = int(q.get("since", 0))
        wait = min(float(q.get("wait", 0)), 300.0)
        want = int(q.get("min", 1))
        bot_only = q.get("bot_only", "0") not in ("0", "false", "")
        deadline = time.monotonic() + wait

        def select() -> list:
            source = chat.bot_messages if bot_only else chat.messages
            start = bisect.bisect_right(source, since, key=lambda m: m.seq)
            return source[start:]

        found = select()
        while len(found) < want and time.monotonic() < deadline:
            await chat._wait_change(deadline - time.monotonic())
            found = select()
        last_seq = found[-1].seq if found else since
        return _ok({"messages": [m.to_dict() for m in found], "last_seq": last_seq})

    async def add_fault(request: web.Request) -> web.Response:
        b = await _body(request)
        try:
            emu.inject_fault(
                str(b["kind"]),
                method=b.get("method"),
                chat_id=b.get("chat_id"),
                count=b.get("count", 1),
                retry_after=int(b.get("retry_after", 1)),
                delay=b.get("delay"),
                description=b.get("description"),
                apply=bool(b.get("apply", False)),
            )
        except (KeyError, ValueError) as exc:
            return _fail(str(exc))
        return _ok(True)

    async def clear_faults(request: web.Request) -> web.Response:
        emu.clear_faults()
        return _ok(True)

    async def rate_limit(request: web.Request) -> web.Response:
        b = await _body(request)
        emu.set_rate_limit(b.get("per_second"), b.get("per_chat_per_second"))
        return _ok(True)

    async def stats(request: web.Request) -> web.Response:
        return _ok(emu.stats())

    r = app.router
    r.add_post("/_emulator/users", add_user)
    r.add_post("/_emulator/users/{user_id}/send", send)
    r.add_post("/_emulator/users/{user_id}/press", press)
    r.add_post("/_emulator/users/{user_id}/location", location)
    r.add_post("/_emulator/users/{user_id}/block", block)
    r.add_post("/_emulator/groups", add_group)
    r.add_get("/_emulator/chats/{chat_id}/messages", messages)
    r.add_post("/_emulator/faults", add_fault)
    r.add_delete("/_emulator/faults", clear_faults)
    r.add_post("/_emulator/rate_limit", rate_limit)
    r.add_get("/_emulator/stats", stats)


class EmulatorClient:
    """Client for the control API of an emulator running in another process.

    ``async with EmulatorClient("http://127.0.0.1:8081/_emulator") as c: await c.send(uid, "/start")``
    """

    def __init__(self, control_url: str) -> None:
        self.control_url = control_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> EmulatorClient:
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _request(
        self, method: str, path: str, body: dict | None = None, params: dict | None = None
    ) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.request(method, self.control_url + path, json=body, params=params) as resp:
            data = await resp.json()
        if not data.get("ok"):
            raise RuntimeError(f"emulator control API: {data.get('error')}")
        return data["result"]

    async def add_user(
        self, user_id: int | None = None, first_name: str = "Amina", language_code: str = "ar"
    ) -> dict:
        body = {"user_id": user_id, "first_name": first_name, "language_code": language_code}
        return await self._request("POST", "/users", body)

    async def send(self, user_id: int, text: str) -> dict:
        return await self._request("POST", f"/users/{user_id}/send", {"text": text})

    async def press(
        self,
        user_id: int,
        button: str | None = None,
        *,
        data: str | None = None,
        message_id: int | None = None,
    ) -> dict:
        body = {"button": button, "data": data, "message_id": message_id}
        return await self._request("POST", f"/users/{user_id}/press", body)

    async def send_location(self, user_id: int, latitude: float, longitude: float) -> dict:
        body = {"latitude": latitude, "longitude": longitude}
        return await self._request("POST", f"/users/{user_id}/location", body)

    async def messages(
        self, chat_id: int, *, since: int = 0, wait: float = 0, min_count: int = 1, bot_only: bool = True
    ) -> dict:
        """``{"messages": [...], "last_seq": N}``; with ``wait`` long-polls for ``min_count`` new ones."""
        params = {"since": since, "wait": wait, "min": min_count, "bot_only": int(bot_only)}
        return await self._request("GET", f"/chats/{chat_id}/messages", params=params)

    async def inject_fault(self, kind: str, **kwargs: Any) -> None:
        await self._request("POST", "/faults", {"kind": kind, **kwargs})

    async def clear_faults(self) -> None:
        await self._request("DELETE", "/faults")

    async def set_rate_limit(
        self, per_second: float | None, per_chat_per_second: float | None = None
    ) -> None:
        body = {"per_second": per_second, "per_chat_per_second": per_chat_per_second}
        await self._request("POST", "/rate_limit", body)

    async def block_user(self, user_id: int, blocked: bool = True) -> None:
        await self._request("POST", f"/users/{user_id}/block", {"blocked": blocked})

    async def stats(self) -> dict:
        return await self._request("GET", "/stats")
