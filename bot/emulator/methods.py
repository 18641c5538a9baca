"""The Bot API methods of the emulator (a mixin of :class:`BotAPIEmulator`).

Every ``api_<methodName>`` answers the Bot API method of that name (case-insensitively); it gets
the request's :class:`Params` and returns the ``result`` or raises :class:`APIError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
import time
from typing import Any

from .html import HTMLParseError, parse_html, trim_entities, utf16_len
from .models import CallbackAnswer, EmulatedChat, EmulatedMessage, EmulatorEvent, StoredFile
from .protocol import (
    BUTTON_ACTIONS,
    BUTTON_URL_RE,
    CHAT_ACTIONS,
    COMMAND_NAME_RE,
    CONFLICT_POLL,
    CONFLICT_WEBHOOK,
    DEFAULT_UPDATE_TYPES,
    NOT_MODIFIED,
    SECRET_RE,
    APIError,
    Described,
    Params,
    bad,
    without_reply,
)

__all__ = ["BotAPIMethods"]


class BotAPIMethods:
    """Implementations of the Bot API methods; state lives in :class:`BotAPIEmulator`."""

    # ================================================================================ helpers for methods
    def _chat_param(self, p: Params) -> EmulatedChat:
        value = p.raw.get("chat_id")
        if value is None or value == "":
            raise bad("chat_id is empty")
        chat = self._lookup_chat(value)
        if chat is None:
            raise bad("chat not found")
        return chat

    def _chat_for_send(self, p: Params) -> EmulatedChat:
        chat = self._chat_param(p)
        if chat.type == "private":
            if chat.blocked:
                raise APIError(403, "Forbidden: bot was blocked by the user")
        else:
            if chat.migrated_to is not None:
                raise bad(
                    "group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": chat.migrated_to}
                )
            if chat.bot_status in ("left", "kicked"):
                if chat.type == "channel":
                    raise APIError(403, "Forbidden: bot is not a member of the channel chat")
                raise APIError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
        return chat

    def _parse_text(
        self, text: Any, parse_mode: str | None, entities: Any, *, limit: int, caption: bool
    ) -> tuple[str, list[dict]]:
        if text is None:
            text = ""
        if not isinstance(text, str):
            text = str(text)
        if parse_mode:
            mode = parse_mode.lower()
            if mode == "html":
                try:
                    parsed = parse_html(text, strict=self.strict_html)
                except HTMLParseError as exc:
                    raise bad(f"can't parse entities: {exc}") from None
                plain, ents = parsed.text, parsed.entities
            elif mode in ("markdown", "markdownv2"):
                plain, ents = text, []  # not emulated: the text is kept as sent
            else:
                raise bad("unsupported parse_mode")
        else:
            plain = text
            ents = entities if isinstance(entities, list) else []
        plain, ents = trim_entities(plain, ents)
        if caption:
            if utf16_len(plain) > limit:
                raise bad("message caption is too long")
        else:
            if not plain:
                raise bad("message text is empty")
            if utf16_len(plain) > limit:
                raise bad("message is too long")
        return plain, ents

    def _reply_markup(self, p: Params, *, inline_only: bool = False) -> tuple[dict | None, dict | None]:
        """(inline markup to echo in the message, other keyboard markup)."""
        markup = p.json("reply_markup")
        if markup is None:
            return None, None
        if not isinstance(markup, dict):
            raise bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            return self._validate_inline(markup["inline_keyboard"]), None
        if inline_only:
            raise bad("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad('field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays')
            for row in rows:
                for button in row:
                    text = button if isinstance(button, str) else (button or {}).get("text")
                    if not isinstance(text, str) or not text:
                        raise bad("can't parse keyboard button: Text must be non-empty")
            return None, markup
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return None, markup
        raise bad("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _validate_inline(rows: Any) -> dict:
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
        clean_rows = []
        total = 0
        for row in rows:
            clean_row = []
            for button in row:
                total += 1
                if not isinstance(button, dict):
                    raise bad("can't parse inline keyboard button: InlineKeyboardButton should be an Object")
                text = button.get("text")
                if not isinstance(text, str):
                    raise bad('can\'t parse inline keyboard button: Field "text" must be of type String')
                if not text.strip():
                    raise bad("BUTTON_TEXT_INVALID")
                actions = [k for k in BUTTON_ACTIONS if k in button and button[k] is not None]
                if not actions:
                    raise bad(
                        "can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard"
                    )
                if len(actions) > 1:
                    raise bad(
                        "can't parse inline keyboard button: exactly one of the optional fields "
                        f"must be used, got {', '.join(actions)}"
                    )
                if "callback_data" in actions:
                    data = button["callback_data"]
                    if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                        raise bad("BUTTON_DATA_INVALID")
                if "url" in actions:
                    url = button["url"]
                    if not isinstance(url, str) or not BUTTON_URL_RE.match(url):
                        raise bad("BUTTON_URL_INVALID")
                clean_row.append({k: v for k, v in button.items() if v is not None})
            clean_rows.append(clean_row)
        if total > 100:
            raise bad("reply markup is too long")
        return {"inline_keyboard": clean_rows}

    def _reply_target(self, chat: EmulatedChat, p: Params) -> dict | None:
        params = p.json("reply_parameters")
        mid = None
        allow = p.bool("allow_sending_without_reply")
        if isinstance(params, dict):
            mid = params.get("message_id")
            allow = bool(params.get("allow_sending_without_reply", allow))
        elif p.raw.get("reply_to_message_id") is not None:
            mid = p.int("reply_to_message_id")
        if mid is None:
            return None
        target = chat.by_id.get(int(mid))
        if target is None or target.deleted:
            if allow:
                return None
            raise bad("message to be replied not found")
        return without_reply(target.raw)

    def _post_bot_message(
        self,
        chat: EmulatedChat,
        content: dict,
        kind: str,
        p: Params,
        *,
        html: str | None = None,
        parse_mode: str | None = None,
        file: StoredFile | None = None,
    ) -> dict:
        inline, keyboard = self._reply_markup(p)
        reply = self._reply_target(chat, p)
        mid = chat.allocate_message_id()
        raw: dict[str, Any] = {"message_id": mid, "from": self.bot_user, "chat": chat.to_dict()}
        raw["date"] = int(time.time())
        if reply is not None:
            raw["reply_to_message"] = reply
        raw.update(content)
        if inline is not None:
            raw["reply_markup"] = inline
        if keyboard is not None:
            chat.reply_keyboard = None if keyboard.get("remove_keyboard") else keyboard
        msg = EmulatedMessage(
            chat,
            mid,
            raw,
            from_bot=True,
            kind=kind,
            html=html,
            parse_mode=parse_mode,
            file=file,
            reply_keyboard=keyboard,
            sender_id=self.bot_id,
            seq=next(self._seq),
        )
        chat.add(msg)
        self.messages_sent += 1
        self._emit(EmulatorEvent("message", chat.id, msg))
        return raw

    def _message_for_edit(self, p: Params) -> EmulatedMessage:
        if p.raw.get("inline_message_id") is not None:
            raise bad("MESSAGE_ID_INVALID")
        chat = self._chat_param(p)
        mid = p.int("message_id")
        if mid is None:
            raise bad("message identifier is not specified")
        msg = chat.by_id.get(mid)
        if msg is None or msg.deleted:
            raise bad("message to edit not found")
        if not msg.from_bot:
            raise bad("message can't be edited")
        return msg

    def _apply_edit(
        self, msg: EmulatedMessage, new: dict, *, html: str | None = None, parse_mode: str | None = None
    ) -> dict:
        new["edit_date"] = int(time.time())
        msg.history.append(msg.raw)
        msg.raw = new
        if html is not None:
            msg.html = html
            msg.parse_mode = parse_mode
        msg.edit_count += 1
        msg.edited_at = time.monotonic()
        chat = msg.chat
        chat.change_log.append(msg)
        chat.touch()
        self._emit(EmulatorEvent("edited", chat.id, msg))
        return new

    @staticmethod
    def _member_dict(status: str, user: dict, *, until: bool = False) -> dict:
        d: dict[str, Any] = {"status": status, "user": user}
        if status == "administrator":
            d.update(
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=True,
                can_manage_video_chats=True,
                can_restrict_members=True,
                can_promote_members=False,
                can_change_info=True,
                can_invite_users=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
                can_pin_messages=True,
            )
        elif status == "creator":
            d["is_anonymous"] = False
        elif status == "kicked" and until:
            d["until_date"] = 0
        return d

    # ================================================================================ API methods
    def api_getMe(self, p: Params) -> dict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def api_logOut(self, p: Params) -> bool:
        return True

    def api_close(self, p: Params) -> bool:
        return True

    async def api_getUpdates(self, p: Params) -> list[dict]:
        if self.webhook is not None:
            raise APIError(409, CONFLICT_WEBHOOK)
        offset = p.int("offset")
        limit = min(max(p.int("limit", 100) or 100, 1), 100)
        timeout = min(max(p.int("timeout", 0) or 0, 0), 300)
        allowed = p.json("allowed_updates")
        if isinstance(allowed, list):
            self.allowed_updates = frozenset(allowed) if allowed else DEFAULT_UPDATE_TYPES
        pending = self._pending
        if offset is not None and offset != 0:
            if offset > 0:
                while pending and pending[0].update_id < offset:
                    pending.popleft()
            else:
                keep = -offset
                while len(pending) > keep:
                    pending.popleft()
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # an older waiting getUpdates gets a Conflict
        if not pending and timeout > 0:
            deadline = time.monotonic() + timeout
            while not pending and not self._stopping:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                ev = self._updates_event
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(ev.wait(), remaining)
                if self._poll_generation != generation:
                    raise APIError(409, CONFLICT_POLL)
                if self.webhook is not None:
                    raise APIError(409, CONFLICT_WEBHOOK)
        batch = list(itertools.islice(pending, limit))
        if batch:
            self._mark_delivered([u.update_id for u in batch])
        return [u.data for u in batch]

    def api_setWebhook(self, p: Params) -> Described:
        url = p.str("url", "") or ""
        if p.bool("drop_pending_updates"):
            self._drop_pending()
        allowed = p.json("allowed_updates")
        if isinstance(allowed, list):
            self.allowed_updates = frozenset(allowed) if allowed else DEFAULT_UPDATE_TYPES
        if not url:
            had = self.webhook is not None
            self._stop_webhook()
            return Described(True, "Webhook was deleted" if had else "Webhook is already deleted")
        if not url.lower().startswith(("http://", "https://")):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.str("secret_token")
        if secret is not None and not SECRET_RE.match(secret):
            raise bad("secret token contains unallowed characters")
        max_conn = min(max(p.int("max_connections", 40) or 40, 1), 100)
        if (
            self.webhook is not None
            and self.webhook.url == url
            and self.webhook.secret_token == secret
            and self.webhook.max_connections == max_conn
        ):
            return Described(True, "Webhook is already set")
        self._start_webhook(url, secret, max_conn)
        return Described(True, "Webhook was set")

    def api_deleteWebhook(self, p: Params) -> Described:
        if p.bool("drop_pending_updates"):
            self._drop_pending()
        had = self.webhook is not None
        self._stop_webhook()
        return Described(True, "Webhook was deleted" if had else "Webhook is already deleted")

    def api_getWebhookInfo(self, p: Params) -> dict:
        hook = self.webhook
        info: dict[str, Any] = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending) + (hook.inflight if hook else 0),
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            info["ip_address"] = "127.0.0.1"
            if hook.last_error_date:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
            if self.allowed_updates != DEFAULT_UPDATE_TYPES:
                info["allowed_updates"] = sorted(self.allowed_updates)
        return info

    # --- messages ------------------------------------------------------------------------------
    def api_sendMessage(self, p: Params) -> dict:
        chat = self._chat_for_send(p)
        raw_text = p.str("text")
        parse_mode = p.str("parse_mode")
        text, entities = self._parse_text(raw_text, parse_mode, p.json("entities"), limit=4096, caption=False)
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        return self._post_bot_message(chat, content, "text", p, html=raw_text, parse_mode=parse_mode)

    def _caption(self, p: Params) -> tuple[dict, str | None, str | None]:
        raw_caption = p.str("caption")
        parse_mode = p.str("parse_mode")
        if raw_caption is None:
            return {}, None, parse_mode
        caption, entities = self._parse_text(
            raw_caption, parse_mode, p.json("caption_entities"), limit=1024, caption=True
        )
        content: dict[str, Any] = {}
        if caption:
            content["caption"] = caption
            if entities:
                content["caption_entities"] = entities
        return content, raw_caption, parse_mode

    def _send_media(self, p: Params, kind: str) -> dict:
        chat = self._chat_for_send(p)
        caption, raw_caption, parse_mode = self._caption(p)
        f = self._input_file(p, kind, kind)
        if f is None:
            raise bad(f"there is no {kind} in the request")
        if kind == "photo":
            media: Any = self._photo_sizes(f)
        else:
            media = {"file_id": f.file_id, "file_unique_id": f.file_unique_id, "file_size": f.size}
            if kind in ("document", "audio", "video", "animation"):
                if f.filename:
                    media["file_name"] = f.filename
                media["mime_type"] = f.mime_type or self._guess_mime(f.filename)
            if kind in ("audio", "voice", "video", "animation"):
                media["duration"] = p.int("duration", 0) or 0
            if kind in ("video", "animation", "sticker"):
                media["width"], media["height"] = 512, 512
            if kind == "voice":
                media["mime_type"] = f.mime_type or "audio/ogg"
            if kind == "sticker":
                media.update(type="regular", is_animated=False, is_video=False, emoji=p.str("emoji") or "🙂")
        content = {kind: media, **caption}
        return self._post_bot_message(chat, content, kind, p, html=raw_caption, parse_mode=parse_mode, file=f)

    def api_sendDocument(self, p: Params) -> dict:
        return self._send_media(p, "document")

    def api_sendPhoto(self, p: Params) -> dict:
        return self._send_media(p, "photo")

    def api_sendAudio(self, p: Params) -> dict:
        return self._send_media(p, "audio")

    def api_sendVoice(self, p: Params) -> dict:
        return self._send_media(p, "voice")

    def api_sendVideo(self, p: Params) -> dict:
        return self._send_media(p, "video")

    def api_sendAnimation(self, p: Params) -> dict:
        return self._send_media(p, "animation")

    def api_sendSticker(self, p: Params) -> dict:
        return self._send_media(p, "sticker")

    def _lat_lon(self, p: Params) -> tuple[float, float]:
        lat = p.float("latitude")
        lon = p.float("longitude")
        if lat is None or lon is None:
            raise bad("latitude and longitude must be specified")
        if not -90 <= lat <= 90 or not -180 <= lon <= 180:
            raise bad("wrong location specified")
        return lat, lon

    def api_sendLocation(self, p: Params) -> dict:
        chat = self._chat_for_send(p)
        lat, lon = self._lat_lon(p)
        location: dict[str, Any] = {"latitude": lat, "longitude": lon}
        if p.raw.get("live_period") is not None:
            location["live_period"] = p.int("live_period")
        return self._post_bot_message(chat, {"location": location}, "location", p)

    def api_sendVenue(self, p: Params) -> dict:
        chat = self._chat_for_send(p)
        lat, lon = self._lat_lon(p)
        title = p.str("title") or ""
        address = p.str("address") or ""
        if not title.strip():
            raise bad("venue title is empty")
        if not address.strip():
            raise bad("venue address is empty")
        location = {"latitude": lat, "longitude": lon}
        venue: dict[str, Any] = {"location": location, "title": title, "address": address}
        for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
            if p.raw.get(key) is not None:
                venue[key] = p.str(key)
        return self._post_bot_message(chat, {"venue": venue, "location": location}, "venue", p)

    def api_sendContact(self, p: Params) -> dict:
        chat = self._chat_for_send(p)
        phone = p.str("phone_number")
        first = p.str("first_name")
        if not phone or not first:
            raise bad("phone_number and first_name must be specified")
        contact: dict[str, Any] = {"phone_number": phone, "first_name": first}
        if p.raw.get("last_name") is not None:
            contact["last_name"] = p.str("last_name")
        return self._post_bot_message(chat, {"contact": contact}, "contact", p)

    def api_sendChatAction(self, p: Params) -> bool:
        chat = self._chat_for_send(p)
        action = p.str("action")
        if action not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        chat.last_action = (action, time.monotonic())
        return True

    def api_editMessageText(self, p: Params) -> dict:
        msg = self._message_for_edit(p)
        if "text" not in msg.raw:
            raise bad("there is no text in the message to edit")
        raw_text = p.str("text")
        parse_mode = p.str("parse_mode")
        text, entities = self._parse_text(raw_text, parse_mode, p.json("entities"), limit=4096, caption=False)
        inline, _ = self._reply_markup(p, inline_only=True)
        new = {k: v for k, v in msg.raw.items() if k not in ("text", "entities", "reply_markup", "edit_date")}
        new["text"] = text
        if entities:
            new["entities"] = entities
        if inline is not None:
            new["reply_markup"] = inline
        old = {k: v for k, v in msg.raw.items() if k != "edit_date"}
        if old == new:
            raise bad(NOT_MODIFIED)
        return self._apply_edit(msg, new, html=raw_text, parse_mode=parse_mode)

    def api_editMessageCaption(self, p: Params) -> dict:
        msg = self._message_for_edit(p)
        if msg.kind not in ("document", "photo", "audio", "video", "animation", "voice"):
            raise bad("there is no caption in the message to edit")
        caption, raw_caption, parse_mode = self._caption(p)
        inline, _ = self._reply_markup(p, inline_only=True)
        drop = ("caption", "caption_entities", "reply_markup", "edit_date")
        new = {k: v for k, v in msg.raw.items() if k not in drop}
        new.update(caption)
        if inline is not None:
            new["reply_markup"] = inline
        old = {k: v for k, v in msg.raw.items() if k != "edit_date"}
        if old == new:
            raise bad(NOT_MODIFIED)
        return self._apply_edit(msg, new, html=raw_caption or "", parse_mode=parse_mode)

    def api_editMessageReplyMarkup(self, p: Params) -> dict:
        msg = self._message_for_edit(p)
        inline, _ = self._reply_markup(p, inline_only=True)
        new = {k: v for k, v in msg.raw.items() if k not in ("reply_markup", "edit_date")}
        if inline is not None:
            new["reply_markup"] = inline
        old = {k: v for k, v in msg.raw.items() if k != "edit_date"}
        if old == new:
            raise bad(NOT_MODIFIED)
        return self._apply_edit(msg, new)

    def api_deleteMessage(self, p: Params) -> bool:
        chat = self._chat_param(p)
        mid = p.int("message_id")
        msg = chat.by_id.get(mid) if mid is not None else None
        if msg is None or msg.deleted:
            raise bad("message to delete not found")
        self._delete(msg)
        return True

    def api_deleteMessages(self, p: Params) -> bool:
        chat = self._chat_param(p)
        ids = p.json("message_ids") or []
        for mid in ids:
            msg = chat.by_id.get(int(mid))
            if msg is not None and not msg.deleted:
                self._delete(msg)
        return True

    def _delete(self, msg: EmulatedMessage) -> None:
        msg.deleted = True
        msg.chat.touch()
        self._emit(EmulatorEvent("deleted", msg.chat.id, msg))

    def api_answerCallbackQuery(self, p: Params) -> bool:
        query_id = p.str("callback_query_id") or ""
        info = self._open_queries.get(query_id)
        if info is None:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        text = p.str("text")
        if text is not None and len(text) > self.callback_answer_text_limit:
            raise bad("MESSAGE_TOO_LONG")
        del self._open_queries[query_id]
        user_id, chat_id, message_id, data = info
        answer = CallbackAnswer(
            query_id=query_id,
            user_id=user_id,
            chat_id=chat_id,
            message_id=message_id,
            data=data,
            text=text,
            show_alert=p.bool("show_alert"),
            url=p.str("url"),
            cache_time=p.int("cache_time", 0) or 0,
        )
        self.callback_answers.append(answer)
        self._answers_by_id[query_id] = answer
        ev = self._answer_event
        self._answer_event = asyncio.Event()
        ev.set()
        self._emit(EmulatorEvent("callback_answer", chat_id, None, answer))
        return True

    def api_pinChatMessage(self, p: Params) -> bool:
        chat = self._chat_param(p)
        mid = p.int("message_id")
        if mid is None or mid not in chat.by_id:
            raise bad("message to pin not found")
        return True

    def api_unpinChatMessage(self, p: Params) -> bool:
        self._chat_param(p)
        return True

    def api_setMessageReaction(self, p: Params) -> bool:
        chat = self._chat_param(p)
        if p.int("message_id") not in chat.by_id:
            raise bad("message to react not found")
        return True

    # --- files ---------------------------------------------------------------------------------
    def api_getFile(self, p: Params) -> dict:
        file_id = p.str("file_id") or ""
        f = self.files.get(file_id)
        if f is None:
            raise bad("invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f.file_unique_id,
            "file_size": f.size,
            "file_path": f.file_path,
        }

    # --- chats ---------------------------------------------------------------------------------
    def api_getChat(self, p: Params) -> dict:
        return self._chat_param(p).full_info()

    def api_getChatMember(self, p: Params) -> dict:
        chat = self._chat_param(p)
        user_id = p.int("user_id")
        if user_id is None:
            raise bad("user_id is empty")
        if user_id == self.bot_id:
            status = chat.bot_status if chat.type != "private" else "member"
            return self._member_dict(status, self.bot_user)
        user = self.users.get(user_id)
        if user is None:
            raise bad("user not found")
        if chat.type == "private":
            status = "member" if chat.id == user_id else "left"
        elif user_id == chat.creator_id:
            status = "creator"
        elif user_id in chat.admins:
            status = "administrator"
        elif user_id in chat.members:
            status = "member"
        else:
            status = "left"
        return self._member_dict(status, user.to_dict())

    def api_getChatAdministrators(self, p: Params) -> list[dict]:
        chat = self._chat_param(p)
        if chat.type == "private":
            raise bad("there are no administrators in the private chat")
        out = [self._member_dict("administrator", self.bot_user)]
        if chat.creator_id in self.users:
            out.insert(0, self._member_dict("creator", self.users[chat.creator_id].to_dict()))
        for uid in sorted(chat.admins):
            if uid in self.users:
                out.append(self._member_dict("administrator", self.users[uid].to_dict()))
        return out

    def api_getChatMemberCount(self, p: Params) -> int:
        chat = self._chat_param(p)
        return 2 if chat.type == "private" else len(chat.members | chat.admins) + 1

    def api_leaveChat(self, p: Params) -> bool:
        chat = self._chat_param(p)
        if chat.type == "private":
            raise bad("chat member status can't be changed in private chats")
        chat.bot_status = "left"
        return True

    def api_createChatInviteLink(self, p: Params) -> dict:
        chat = self._chat_param(p)
        link = {
            "invite_link": f"https://t.me/+{secrets.token_urlsafe(12)}",
            "creator": self.bot_user,
            "creates_join_request": p.bool("creates_join_request"),
            "is_primary": False,
            "is_revoked": False,
        }
        if p.raw.get("name") is not None:
            link["name"] = p.str("name")
        if p.raw.get("member_limit") is not None:
            link["member_limit"] = p.int("member_limit")
        if p.raw.get("expire_date") is not None:
            link["expire_date"] = p.int("expire_date")
        chat.invite_links.append(link)
        return link

    # --- bot settings --------------------------------------------------------------------------
    @staticmethod
    def scope_key(scope: dict | None) -> str:
        """``"default"``, ``"all_private_chats"``, ``"chat:ID"``, ``"chat_member:ID:USER"``, ..."""
        scope = scope or {"type": "default"}
        parts = [str(scope.get("type", "default"))]
        if scope.get("chat_id") is not None:
            parts.append(str(scope["chat_id"]))
        if scope.get("user_id") is not None:
            parts.append(str(scope["user_id"]))
        return ":".join(parts)

    def _commands_key(self, p: Params) -> tuple[str, str]:
        scope = p.json("scope")
        if scope is not None and not isinstance(scope, dict):
            raise bad("can't parse BotCommandScope JSON object")
        return self.scope_key(scope), p.str("language_code", "") or ""

    def api_setMyCommands(self, p: Params) -> bool:
        commands = p.json("commands")
        if not isinstance(commands, list):
            raise bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad("BOT_COMMANDS_TOO_MUCH")
        clean = []
        for cmd in commands:
            if not isinstance(cmd, dict):
                raise bad("can't parse BotCommand")
            name = cmd.get("command")
            desc = cmd.get("description")
            if not isinstance(name, str) or not COMMAND_NAME_RE.match(name):
                raise bad("BOT_COMMAND_INVALID")
            if not isinstance(desc, str) or not 1 <= len(desc.strip()) <= 256:
                raise bad("command description is empty" if not desc else "BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name, "description": desc})
        key = self._commands_key(p)
        if clean:
            self.commands[key] = clean
        else:
            self.commands.pop(key, None)
        return True

    def api_getMyCommands(self, p: Params) -> list[dict]:
        return self.commands.get(self._commands_key(p), [])

    def api_deleteMyCommands(self, p: Params) -> bool:
        self.commands.pop(self._commands_key(p), None)
        return True

    def _setting(self, name: str, p: Params, field: str) -> bool:
        self.bot_settings[(name, p.str("language_code", "") or "")] = p.raw.get(field)
        return True

    def _get_setting(self, name: str, p: Params) -> Any:
        return self.bot_settings.get((name, p.str("language_code", "") or "")) or ""

    def api_setMyDescription(self, p: Params) -> bool:
        return self._setting("description", p, "description")

    def api_getMyDescription(self, p: Params) -> dict:
        return {"description": self._get_setting("description", p)}

    def api_setMyShortDescription(self, p: Params) -> bool:
        return self._setting("short_description", p, "short_description")

    def api_getMyShortDescription(self, p: Params) -> dict:
        return {"short_description": self._get_setting("short_description", p)}

    def api_setMyName(self, p: Params) -> bool:
        return self._setting("name", p, "name")

    def api_getMyName(self, p: Params) -> dict:
        return {"name": self._get_setting("name", p) or self.bot_name}

    def api_setChatMenuButton(self, p: Params) -> bool:
        self.bot_settings[("menu_button", str(p.raw.get("chat_id", "")))] = p.json("menu_button")
        return True

    def api_getChatMenuButton(self, p: Params) -> dict:
        return self.bot_settings.get(("menu_button", str(p.raw.get("chat_id", "")))) or {"type": "default"}

    def api_setMyDefaultAdministratorRights(self, p: Params) -> bool:
        return True
