"""Ozon request validation and error bodies shared by the sandbox's endpoints: the ``{code, message, details}``
body with gRPC-style codes, RFC3339 and limit checks, and opaque cursor paging."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from demo.sandboxes.common import decode_cursor, encode_cursor

# HTTP status → the gRPC-style code Ozon puts in its error bodies.
GRPC_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 405: 12, 409: 9, 429: 8, 500: 13, 503: 14}


def ozon_error(
    status: int, message: str, code: int | None = None, headers: Mapping[str, str] | None = None
) -> web.Response:
    body = {"code": GRPC_CODES.get(status, 2) if code is None else code, "message": message, "details": []}
    return web.json_response(body, status=status, headers=headers)


class BadRequest(Exception):
    """A request-level validation failure (Ozon answers 400 with code 3)."""


def parse_moment(value: Any, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise BadRequest(f"{name} must be an RFC3339 date-time") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def int_in(value: Any, low: int, high: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadRequest(f"{name} must be an integer in {low}..{high}")
    return value


def page(rows: list[Any], limit: int, cursor: Any) -> tuple[list[Any], str, bool]:
    """One page of ``rows`` after ``cursor``; the next cursor is "" when there is nothing more."""
    try:
        offset = decode_cursor(cursor)
    except ValueError as exc:
        raise BadRequest("cursor is invalid") from exc
    chosen = rows[offset : offset + limit]
    has_next = offset + limit < len(rows)
    return chosen, encode_cursor(offset + limit) if has_next else "", has_next
