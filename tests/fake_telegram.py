"""A local fake Telegram Bot API server for tests.

A real aiogram ``Bot`` talks HTTP to it (see :func:`make_bot`). It records every call, answers with valid
Bot API objects, serves queued updates through ``getUpdates`` (long polling) and can inject API errors.
Files users send (see :meth:`FakeTelegram.document_update`) and documents the bot sends are kept, found by
``getFile`` and downloaded from ``/file/bot<token>/<file_path>``, as from the real Bot API.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

__all__ = ["ApiCall", "FakeTelegram", "UploadedFile", "make_bot"]

MAX_LONG_POLL_SECONDS = 1.0
# The Bot API lets a bot download files up to 20 MB; getFile refuses bigger ones.
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024


# Enough of an upload to check its kind by its signature (a PNG's first 8 bytes) without keeping it whole.
KEPT_BYTES = 64
# Telegram's limits: a message's text and a caption in UTF-16 code units, a button's callback data in bytes.
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request: its size and first KEPT_BYTES bytes (not compared); a sent document
    is kept whole in the fake's files (see :meth:`FakeTelegram.file_content`)."""

    filename: str | None
    size: int
    content_type: str | None
    head: bytes = field(default=b"", compare=False)
    content: bytes = field(default=b"", compare=False, repr=False)


@dataclass
class ApiCall:
    """One recorded Bot API request.

    ``params`` holds the form fields; JSON objects/arrays are decoded, scalars stay strings; uploaded files
    appear as :class:`UploadedFile` (under their part name and in place of the ``attach://name`` reference).
    """

    method: str
    token: str
    params: dict[str, Any]
    failed: bool = False


class _ApiError(Exception):
    """An error the real Bot API answers for a request it cannot serve (e.g. an unknown file id)."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass
class _Failure:
    error_code: int
    description: str
    retry_after: int | None
    times: int


@dataclass(frozen=True)
class _StoredFile:
    file_unique_id: str
    file_path: str
    content: bytes


@dataclass
class _State:
    webhook_url: str = ""
    messages: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    # What users sent (the updates this fake made), by chat and message id: copyMessage copies from here too.
    user_messages: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    files: dict[str, _StoredFile] = field(default_factory=dict)
    # setMyCommands by (scope as JSON, language_code); setChatMenuButton by chat id ("" = the default)
    commands: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    menu_buttons: dict[str, dict[str, Any]] = field(default_factory=dict)


# Free-text fields stay strings even when a user types something that parses as JSON.
_TEXT_FIELDS = frozenset(
    {"text", "caption", "title", "description", "payload", "start_parameter", "url", "secret_token", "emoji"}
)


def _decode_value(key: str, value: str) -> Any:
    if key in _TEXT_FIELDS:
        return value
    stripped = value.strip()
    if stripped[:1] in ("{", "["):
        try:
            decoded = json.loads(stripped)
        except ValueError:
            return value
        if isinstance(decoded, (dict, list)):
            return decoded
    return value


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _chat(chat_id: int | str) -> dict[str, Any]:
    """A valid Chat for an id (an ``@username`` becomes a supergroup)."""
    raw = str(chat_id)
    if raw.lstrip("-").isdigit():
        cid = int(raw)
        if cid > 0:
            return {"id": cid, "type": "private", "first_name": f"User {cid}"}
        return {"id": cid, "type": "supergroup", "title": f"Chat {cid}"}
    username = raw.lstrip("@")
    cid = -1001000000000 - zlib.crc32(username.encode()) % 1_000_000
    return {"id": cid, "type": "supergroup", "title": username, "username": username}


class FakeTelegram:
    """Fake Bot API over HTTP: records calls, answers valid objects, queues updates, injects errors."""

    def __init__(self, bot_username: str = "test_shop_bot", bot_first_name: str = "Test Shop") -> None:
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.calls: list[ApiCall] = []
        self._updates: deque[dict[str, Any]] = deque()
        self._next_update_id = 1
        self._message_ids = itertools.count(1000)
        self._file_ids = itertools.count(1)
        self._failures: dict[str, deque[_Failure]] = {}
        self._state = _State()
        self._update_event = asyncio.Event()
        self._call_event = asyncio.Event()
        self._stopping = False
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        # Chats the bot (or a user) is in, by the chat as the bot names it (@username or id): the member's status,
        # and for a channel whether it may post. An unknown chat answers getChatMember with "chat not found".
        self.chat_members: dict[tuple[str, int], tuple[str, bool]] = {}
        self.channels: set[str] = set()

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on ``host:port`` (``port=0`` picks a free port)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("POST", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._download)
        self._stopping = False
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        address = self._runner.addresses[0]
        self._base_url = f"http://{host}:{address[1]}"

    async def stop(self) -> None:
        """Stop serving; pending long polls return at once."""
        self._stopping = True
        self._update_event.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT`` of the running server."""
        if self._base_url is None:
            raise RuntimeError("FakeTelegram is not started")
        return self._base_url

    # ------------------------------------------------------------------ inspection

    def calls_to(self, method: str) -> list[ApiCall]:
        """All recorded calls (failed ones too) of ``method`` (case-insensitive)."""
        wanted = method.lower()
        return [c for c in self.calls if c.method.lower() == wanted]

    def _successful(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls_to(method) if not c.failed]

    async def wait_for_call(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline argument is the point of this helper
    ) -> list[ApiCall]:
        """Wait until at least ``count`` successful calls of ``method`` were recorded; return them."""
        deadline = time.monotonic() + timeout
        while True:
            found = self._successful(method)
            if len(found) >= count:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                recorded = [c.method + (" (failed)" if c.failed else "") for c in self.calls]
                raise AssertionError(
                    f"expected {count} successful {method} call(s) within {timeout}s, got {len(found)}; "
                    f"recorded calls: {recorded}"
                )
            self._call_event.clear()
            try:
                await asyncio.wait_for(self._call_event.wait(), remaining)
            except TimeoutError:
                pass

    def sent_texts(self, chat_id: int | str | None = None) -> list[str]:
        """Texts of successful ``sendMessage`` calls, optionally only those to ``chat_id``."""
        return [
            str(c.params.get("text", ""))
            for c in self._successful("sendMessage")
            if chat_id is None or str(c.params.get("chat_id")) == str(chat_id)
        ]

    def file_content(self, file_id: str) -> bytes:
        """The bytes of a file the fake keeps (one a user sent, or a document the bot sent)."""
        return self._state.files[file_id].content

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str = "Bad Request: injected error",
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail with ``error_code`` (also the HTTP status)."""
        self._failures.setdefault(method.lower(), deque()).append(
            _Failure(error_code=error_code, description=description, retry_after=retry_after, times=times)
        )

    def _take_failure(self, method: str) -> _Failure | None:
        queue = self._failures.get(method.lower())
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.popleft()
        return failure

    # ------------------------------------------------------------------ updates

    def queue_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for ``getUpdates`` (assigns ``update_id`` when missing); returns it."""
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        self._updates.append(update)
        self._update_event.set()
        return update

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Queued updates not yet acknowledged by an ``offset``."""
        return list(self._updates)

    def _new_update_id(self) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        return update_id

    @staticmethod
    def _user(user_id: int, first_name: str, language_code: str | None, username: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code is not None:
            user["language_code"] = language_code
        if username is not None:
            user["username"] = username
        return user

    def message_update(
        self,
        text: str,
        user_id: int = 1001,
        chat_id: int | None = None,
        first_name: str = "Ali",
        language_code: str | None = "uz",
        username: str | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """A valid Update with a text message from a user (``/command`` gets a bot_command entity); ``reply_to``
        makes it a reply to that message of the chat (as the fake keeps it)."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": _chat(user_id if chat_id is None else chat_id),
            "from": self._user(user_id, first_name, language_code, username),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]
        if reply_to is not None:
            chat_key = str(message["chat"]["id"])
            replied = self._state.messages.get((chat_key, reply_to)) or self._state.user_messages.get(
                (chat_key, reply_to)
            )
            message["reply_to_message"] = replied or {
                "message_id": reply_to,
                "date": int(time.time()),
                "chat": message["chat"],
            }
        return {"update_id": self._new_update_id(), "message": self._sent_by_user(message)}

    def _sent_by_user(self, message: dict[str, Any]) -> dict[str, Any]:
        self._state.user_messages[(str(message["chat"]["id"]), int(message["message_id"]))] = message
        return message

    def document_update(
        self,
        file_name: str,
        content: bytes,
        user_id: int = 1001,
        first_name: str = "Ali",
        language_code: str | None = "uz",
        mime_type: str | None = None,
        file_size: int | None = None,
    ) -> dict[str, Any]:
        """A valid Update with a document a user sent; the fake keeps its bytes for getFile and the download.
        ``file_size`` may claim a size the content does not have (a file too big to download)."""
        document: dict[str, Any] = {**self._keep_file(content, file_name), "file_name": file_name}
        document["file_size"] = file_size if file_size is not None else len(content)
        if mime_type is not None:
            document["mime_type"] = mime_type
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": _chat(user_id),
            "from": self._user(user_id, first_name, language_code, None),
            "document": document,
        }
        return {"update_id": self._new_update_id(), "message": self._sent_by_user(message)}

    def _keep_file(self, content: bytes, file_name: str | None) -> dict[str, Any]:
        """Keep a file's bytes under a new file id; returns its file_id and file_unique_id."""
        file_id = self._file_id()
        stored = _StoredFile(f"u-{file_id}", f"documents/{file_id}-{file_name or 'file'}", content)
        self._state.files[file_id] = stored
        return {"file_id": file_id, "file_unique_id": stored.file_unique_id}

    def callback_update(
        self,
        data: str,
        user_id: int = 1001,
        message_id: int = 1,
        chat_id: int | None = None,
        first_name: str = "Ali",
        language_code: str | None = "uz",
        username: str | None = None,
    ) -> dict[str, Any]:
        """A valid Update with a CallbackQuery pressed on a bot message ``message_id``."""
        chat = _chat(user_id if chat_id is None else chat_id)
        stored = self._state.messages.get((str(chat["id"]), message_id))
        message = (
            dict(stored)
            if stored
            else {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": chat,
                "from": self._bot_user(None),
                "text": "...",
            }
        )
        update_id = self._new_update_id()
        return {
            "update_id": update_id,
            "callback_query": {
                "id": f"cbq-{update_id}",
                "from": self._user(user_id, first_name, language_code, username),
                "chat_instance": f"ci-{chat['id']}",
                "message": message,
                "data": data,
            },
        }

    def add_file(self, data: bytes, extension: str = "jpg") -> str:
        """Keep a file as Telegram keeps what a user sent; its file_id, for getFile and the download URL."""
        return str(self._keep_file(data, f"photo.{extension}")["file_id"])

    def photo_update(
        self,
        file_id: str,
        user_id: int = 1001,
        caption: str | None = None,
        media_group_id: str | None = None,
        language_code: str | None = "uz",
    ) -> dict[str, Any]:
        """A message with a photo, in the sizes Telegram offers (the last is the largest)."""
        update = self.message_update("", user_id=user_id, language_code=language_code)
        message = update["message"]
        del message["text"]
        stored = self._state.files.get(file_id)
        size = len(stored.content) if stored is not None else 1
        message["photo"] = [
            {"file_id": f"{file_id}-small", "file_unique_id": f"u-{file_id}-s", "width": 90, "height": 90},
            {"file_id": file_id, "file_unique_id": f"u-{file_id}", "width": 1280, "height": 960, "file_size": size},
        ]
        if caption is not None:
            message["caption"] = caption
        if media_group_id is not None:
            message["media_group_id"] = media_group_id
        return update

    def media_update(
        self,
        content: str,
        media: dict[str, Any],
        user_id: int = 1001,
        chat_id: int | None = None,
        caption: str | None = None,
        language_code: str | None = "uz",
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """A message carrying one medium under its Bot API field ``content`` (voice, video, sticker, photo, ...),
        e.g. ``media_update("voice", {"file_id": ..., "file_unique_id": ..., "duration": 3})``."""
        update = self.message_update(
            "", user_id=user_id, chat_id=chat_id, language_code=language_code, reply_to=reply_to
        )
        message = update["message"]
        del message["text"]
        message[content] = media
        if caption is not None:
            message["caption"] = caption
        return update

    # ------------------------------------------------------------------ HTTP

    async def _handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        params = await self._read_params(request)
        failure = self._take_failure(method)
        self.calls.append(ApiCall(method=method, token=token, params=params, failed=failure is not None))
        self._call_event.set()
        if failure is not None:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.error_code,
                "description": failure.description,
            }
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return web.json_response(body, status=failure.error_code)
        try:
            result = await self._result(method, token, params)
        except _ApiError as error:
            return web.json_response(
                {"ok": False, "error_code": error.code, "description": error.description}, status=error.code
            )
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    async def _read_params(request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = {key: _decode_value(key, value) for key, value in request.query.items()}
        if request.method == "POST" and request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    data = value.file.read()
                    params[key] = UploadedFile(value.filename, len(data), value.content_type, data[:KEPT_BYTES], data)
                else:
                    params[key] = _decode_value(key, str(value))
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                attached = params.get(value.removeprefix("attach://"))
                if isinstance(attached, UploadedFile):
                    params[key] = attached
        return params

    def _bot_user(self, token: str | None) -> dict[str, Any]:
        bot_id = int(token.split(":", 1)[0]) if token and token.split(":", 1)[0].isdigit() else 123456
        return {
            "id": bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _file_id(self) -> str:
        return f"fake-file-{next(self._file_ids)}"

    def _message(self, token: str, params: dict[str, Any], message_id: int | None = None) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": message_id if message_id is not None else next(self._message_ids),
            "date": int(time.time()),
            "chat": _chat(params.get("chat_id", 0)),
            "from": self._bot_user(token),
        }
        for key in ("text", "caption", "entities", "caption_entities"):
            if key in params:
                message[key] = params[key]
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup  # only inline keyboards are part of a Message
        reply = params.get("reply_parameters")
        if isinstance(reply, dict) and "message_id" in reply:
            message["reply_to_message_id"] = int(reply["message_id"])  # kept flat: tests read which one it answers
        return message

    def _remember(self, message: dict[str, Any]) -> dict[str, Any]:
        self._state.messages[(str(message["chat"]["id"]), int(message["message_id"]))] = message
        return message

    def _edit(self, token: str, params: dict[str, Any], changes: tuple[str, ...]) -> dict[str, Any] | bool:
        if "inline_message_id" in params:
            return True
        chat = _chat(params.get("chat_id", 0))
        message_id = int(params.get("message_id", 0))
        stored = self._state.messages.get((str(chat["id"]), message_id))
        message = dict(stored) if stored else self._message(token, params, message_id)
        for key in changes:
            if key in params:
                message[key] = params[key]
            elif key in ("reply_markup", "entities", "caption_entities"):
                message.pop(key, None)
        markup = message.get("reply_markup")
        if not (isinstance(markup, dict) and "inline_keyboard" in markup):
            message.pop("reply_markup", None)
        message["edit_date"] = int(time.time())
        return self._remember(message)

    def _upload(self, value: Any) -> tuple[str | None, int]:
        if isinstance(value, UploadedFile):
            return value.filename, value.size
        return None, 0

    @staticmethod
    def _check_limits(params: dict[str, Any]) -> None:
        """Telegram's size limits, refused as Telegram refuses them (no parse_mode: the text is what is counted)."""
        if isinstance(params.get("text"), str) and _utf16_len(params["text"]) > MAX_TEXT:
            raise _ApiError(400, "Bad Request: message is too long")
        if isinstance(params.get("caption"), str) and _utf16_len(params["caption"]) > MAX_CAPTION:
            raise _ApiError(400, "Bad Request: message caption is too long")
        markup = params.get("reply_markup")
        rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
        for row in rows:
            for button in row:
                if len(str(button.get("callback_data", "")).encode()) > MAX_CALLBACK_DATA:
                    raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    async def _result(self, method: str, token: str, params: dict[str, Any]) -> Any:
        name = method.lower()
        self._check_limits(params)
        if name == "getme":
            return self._bot_user(token)
        if name in (
            "sendmessage",
            "forwardmessage",
            "sendsticker",
            "sendvideo",
            "sendaudio",
            "sendvoice",
            "sendlocation",
            "sendcontact",
            "senddice",
            "sendanimation",
        ):
            return self._remember(self._message(token, params))
        if name == "sendphoto":
            message = self._message(token, params)
            _, size = self._upload(params.get("photo"))
            file_id = params["photo"] if isinstance(params.get("photo"), str) else self._file_id()
            message["photo"] = [
                {
                    "file_id": file_id,
                    "file_unique_id": f"u-{file_id}",
                    "width": 800,
                    "height": 600,
                    "file_size": size or 1,
                }
            ]
            return self._remember(message)
        if name == "senddocument":
            message = self._message(token, params)
            upload = params.get("document")
            filename, size = self._upload(upload)
            if isinstance(upload, UploadedFile):
                document: dict[str, Any] = self._keep_file(upload.content, filename)
            else:
                document = {"file_id": upload, "file_unique_id": f"u-{upload}"}
            if size:
                document["file_size"] = size
            if filename:
                document["file_name"] = filename
            message["document"] = document
            return self._remember(message)
        if name == "sendinvoice":
            message = self._message(token, params)
            message["invoice"] = {
                "title": params.get("title", ""),
                "description": params.get("description", ""),
                "start_parameter": params.get("start_parameter", ""),
                "currency": params.get("currency", "UZS"),
                "total_amount": sum(int(p.get("amount", 0)) for p in params.get("prices", []) or []),
            }
            return self._remember(message)
        if name == "sendmediagroup":
            media = [m for m in params.get("media") or [] if isinstance(m, dict)]
            chat_id = params.get("chat_id", 0)
            messages = []
            for item in media:
                item_params = {"chat_id": chat_id}
                if "caption" in item:
                    item_params["caption"] = item["caption"]
                messages.append(self._remember(self._message(token, item_params)))
            return messages
        if name == "copymessage":
            return self._copy(token, params)
        if name == "editmessagetext":
            return self._edit(token, params, ("text", "entities", "reply_markup"))
        if name == "editmessagecaption":
            return self._edit(token, params, ("caption", "caption_entities", "reply_markup"))
        if name == "editmessagereplymarkup":
            return self._edit(token, params, ("reply_markup",))
        if name == "getfile":
            return self._get_file(str(params.get("file_id", "")))
        if name == "getupdates":
            return await self._get_updates(params)
        if name == "getwebhookinfo":
            return {
                "url": self._state.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": 0,
            }
        if name == "setwebhook":
            self._state.webhook_url = str(params.get("url", ""))
            return True
        if name == "deletewebhook":
            self._state.webhook_url = ""
            return True
        if name == "getchatmember":
            return self._chat_member(str(params.get("chat_id", "")), int(params.get("user_id", 0)), token)
        if name == "getchat":
            chat = _chat(params.get("chat_id", 0))
            if str(params.get("chat_id", "")) in self.channels:
                chat["type"] = "channel"
            chat["accent_color_id"] = 0
            chat["max_reaction_count"] = 11
            gift_kinds = (
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            )
            chat["accepted_gift_types"] = dict.fromkeys(gift_kinds, True)
            return chat
        if name == "createinvoicelink":
            return f"https://t.me/$fake-invoice-{next(self._file_ids)}"
        if name in ("setmycommands", "deletemycommands", "getmycommands"):
            return self._my_commands(name, params)
        if name == "setchatmenubutton":
            self._state.menu_buttons[str(params.get("chat_id", ""))] = params.get("menu_button") or {"type": "default"}
            return True
        if name == "getchatmenubutton":
            chat = str(params.get("chat_id", ""))
            return self._state.menu_buttons.get(chat) or self._state.menu_buttons.get("") or {"type": "commands"}
        return True

    def _my_commands(self, name: str, params: dict[str, Any]) -> Any:
        """Telegram keeps one list per scope and language; a list it refuses (too long a text) is an error."""
        scope = params.get("scope") or {"type": "default"}
        key = (json.dumps(scope, sort_keys=True), str(params.get("language_code", "")))
        if name == "getmycommands":
            return self._state.commands.get(key, [])
        if name == "deletemycommands":
            self._state.commands.pop(key, None)
            return True
        commands = params.get("commands") or []
        if len(commands) > 100 or any(
            not re.fullmatch(r"[a-z0-9_]{1,32}", str(c.get("command", "")))
            or not 1 <= len(c.get("description", "")) <= 256
            for c in commands
        ):
            raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        self._state.commands[key] = commands
        return True

    # What a copy carries over from the original (a copy has no "forwarded from" and no reply of its own).
    _COPIED = (
        "text",
        "entities",
        "caption",
        "caption_entities",
        "photo",
        "document",
        "voice",
        "video",
        "video_note",
        "audio",
        "animation",
        "sticker",
        "location",
        "contact",
    )

    def _copy(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        """copyMessage as Telegram does it: the original's content as a new message of the bot in ``chat_id``."""
        source_key = (str(params.get("from_chat_id", "")), int(params.get("message_id", 0)))
        original = self._state.user_messages.get(source_key) or self._state.messages.get(source_key)
        if original is None:
            raise _ApiError(400, "Bad Request: message to copy not found")
        copy = self._message(token, {key: params[key] for key in ("chat_id", "reply_parameters") if key in params})
        copy.update({key: original[key] for key in self._COPIED if key in original})
        self._remember(copy)
        return {"message_id": copy["message_id"]}

    def add_channel(
        self, channel: str, bot_status: str = "administrator", can_post: bool = True, bot_id: int = 123456
    ) -> None:
        """A channel (@username or id) with the bot (`bot_id`, its token's digits) in it as `bot_status`
        (administrator, member, left...)."""
        self.channels.add(channel)
        self.chat_members[(channel, bot_id)] = (bot_status, can_post)

    def _chat_member(self, chat: str, user_id: int, token: str) -> dict[str, Any]:
        if not any(known == chat for known, _user in self.chat_members):
            raise _ApiError(400, "Bad Request: chat not found")
        status, can_post = self.chat_members.get((chat, user_id), ("left", False))
        bot = self._bot_user(token)
        user = bot if bot["id"] == user_id else {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "administrator":
            rights = (
                "can_manage_chat can_delete_messages can_manage_video_chats can_restrict_members can_promote_members "
                "can_change_info can_invite_users can_post_stories can_edit_stories can_delete_stories "
                "can_send_welcome_messages"
            ).split()
            member |= dict.fromkeys(rights, True) | {
                "can_be_edited": False,
                "is_anonymous": False,
                "can_post_messages": can_post,
            }
        if status == "creator":
            member["is_anonymous"] = False
        return member

    def _get_file(self, file_id: str) -> dict[str, Any]:
        stored = self._state.files.get(file_id)
        if stored is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        if len(stored.content) > MAX_DOWNLOAD_BYTES:
            raise _ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    async def _download(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        for stored in self._state.files.values():
            if stored.file_path == path:
                return web.Response(body=stored.content, content_type="application/octet-stream")
        raise web.HTTPNotFound()

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset", 0) or 0)
        if offset:
            self._updates = deque(u for u in self._updates if int(u["update_id"]) >= offset)
        try:
            wait = min(float(params.get("timeout", 0) or 0), MAX_LONG_POLL_SECONDS)
        except ValueError:
            wait = 0.0
        deadline = time.monotonic() + wait
        while not self._updates and not self._stopping:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._update_event.clear()
            try:
                await asyncio.wait_for(self._update_event.wait(), remaining)
            except TimeoutError:
                break
        limit = int(params.get("limit", 100) or 100)
        return list(itertools.islice(self._updates, limit))


def make_bot(fake: FakeTelegram, token: str = "123456:TEST-token") -> Bot:
    """A real aiogram Bot whose HTTP session talks to ``fake``."""
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
