"""Uzum's response envelope ``{payload, errors, timestamp, trace, error}`` and its error items (contract §1.1)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web

from demo.sandboxes.common import reason_phrase, rfc3339, utc_now


def envelope(payload: Any, errors: Iterable[Mapping[str, Any]] = (), status: int = 200) -> web.Response:
    return web.json_response(
        {
            "payload": payload,
            "errors": [dict(e) for e in errors],
            "timestamp": rfc3339(utc_now()),
            "trace": uuid.uuid4().hex,
            "error": None if status < 400 else reason_phrase(status),
        },
        status=status,
    )


def api_error(code: str, message: str, **payload: Any) -> dict[str, Any]:
    return {"code": code, "message": message, "detailMessage": message, "payload": payload}


def uzum_error(status: int, code: str, message: str, **payload: Any) -> web.Response:
    return envelope(None, [api_error(code, message, **payload)], status)
