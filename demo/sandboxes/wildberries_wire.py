"""Wildberries error bodies: ``{code, message, data}`` for business errors, the gateway shape of 401/429, and the
prices API's ``{data, error, errorText}``."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from demo.sandboxes.common import reason_phrase, rfc3339, utc_now


def wb_error(status: int, code: str, message: str = "", data: Any = None) -> web.Response:
    return web.json_response({"code": code, "message": message, "data": data}, status=status)


def gateway_error(status: int, detail: str, **extra: str) -> web.Response:
    """The shape of 401 and 429 bodies."""
    return web.json_response(
        {
            "title": reason_phrase(status).lower(),
            "detail": detail,
            "code": uuid.uuid4().hex[:32],
            "requestId": uuid.uuid4().hex,
            "origin": "s2s-api-auth-sandbox",
            "status": status,
            "statusText": reason_phrase(status),
            "timestamp": rfc3339(utc_now()),
        },
        status=status,
        headers=extra,
    )


def prices_error(message: str) -> web.Response:
    return web.json_response({"data": None, "error": True, "errorText": message}, status=400)
