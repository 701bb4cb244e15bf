"""Yandex Market Partner API wire helpers shared by the sandbox's endpoints (YM-OAS: yandex-market/
yandex-market-partner-api, commit 1318e9b): the error body (components/schemas/ApiErrorResponse.yaml) and the OK
envelope (ApiResponse.yaml), ApiError/bad for a refusal with its status, the request validators of the schemas
(object bodies, integers, booleans, shop SKUs, arrays, dates), ``limit`` and ``pageToken`` paging, path ids, money
and the PDF page sizes of labels and acts.

Where the spec is silent the sandbox takes the stricter reading; each such place says so in a comment ("[strict]").
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from aiohttp import web

from demo.sandboxes.common import decode_cursor, encode_cursor
from demo.sandboxes.pdf import LABEL_SIZE, MM

CURRENCY = "RUR"  # YM-OAS components/schemas/CurrencyType.yaml spells the rouble RUR, not RUB
MOSCOW = timezone(timedelta(hours=3))
# YM-OAS components/schemas/ShopSku.yaml
SHOP_SKU = re.compile(r"^(?=.*\S.*)[^\x00-\x08\x0A-\x1f\x7f]{1,255}$")
LABEL_FORMATS = {"A9_HORIZONTALLY": LABEL_SIZE, "A9": (40 * MM, 58 * MM), "A7": (80.4 * MM, 125.6 * MM)}
A4_SIZE = (210 * MM, 297 * MM)
# The concepts/error-codes page the spec links to is not in the OpenAPI; these codes are the sandbox's [strict]
# guess: one fixed code per HTTP status, so a client must branch on the status, not on the code.
ERROR_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    420: "HIT_RATE_LIMIT",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def ym_error(status: int, message: str) -> web.Response:
    """YM-OAS components/schemas/ApiErrorResponse.yaml: ``{status: ERROR, errors: [{code, message}]}``."""
    body = {"status": "ERROR", "errors": [{"code": ERROR_CODES.get(status, "ERROR"), "message": message}]}
    return web.json_response(body, status=status)


def ok(result: Any = None) -> web.Response:
    """YM-OAS ApiResponse.yaml: ``{status: OK}`` with the operation's ``result`` when it has one."""
    return web.json_response({"status": "OK"} if result is None else {"status": "OK", "result": result})


class ApiError(Exception):
    """A refusal with the HTTP status the spec lists for it."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad(message: str) -> ApiError:
    return ApiError(400, message)


# -- request validation (YM-OAS schemas) -----------------------------------------------------------------------
def object_body(raw: bytes, *, required: bool, allowed: Iterable[str]) -> dict[str, Any]:
    """The JSON object body. [strict] A field the schema does not name is refused (a misspelt filter would
    otherwise be ignored and widen the answer)."""
    if not raw:
        if required:
            raise bad("request body is required")
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise bad("request body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise bad("request body must be a JSON object")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise bad(f"unknown field(s): {', '.join(unknown)}")
    return body


def integer(value: Any, name: str, low: int | None = None, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad(f"{name} must be an integer")
    if (low is not None and value < low) or (high is not None and value > high):
        raise bad(f"{name} must be in {low if low is not None else '-inf'}..{high if high is not None else 'inf'}")
    return value


def boolean(value: Any, name: str) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise bad(f"{name} must be a boolean")
    return value


def shop_sku(value: Any, name: str) -> str:
    if not isinstance(value, str) or not SHOP_SKU.match(value):
        raise bad(f"{name} must be a shop SKU (1..255 characters, not blank, no control characters)")
    return value


def unique_list(value: Any, name: str, max_items: int | None, item: Callable[[Any, str], Any]) -> list[Any] | None:
    """A nullable array with minItems 1, maxItems and uniqueItems, as the request schemas declare them."""
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise bad(f"{name} must be a non-empty array")
    if max_items is not None and len(value) > max_items:
        raise bad(f"{name} may hold at most {max_items} items")
    items = [item(v, name) for v in value]
    if len(set(map(json.dumps, items))) != len(items):
        raise bad(f"{name} must not repeat a value")
    return items


def enum_item(allowed: frozenset[str]) -> Callable[[Any, str], str]:
    def check(value: Any, name: str) -> str:
        if value not in allowed:
            raise bad(f"{name}: unknown value {value!r}")
        return str(value)

    return check


def plain_string(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise bad(f"{name} must hold non-empty strings")
    return value


def iso_date(value: Any, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise bad(f"{name} must be a date YYYY-MM-DD") from exc


def iso_moment(value: Any, name: str) -> datetime | None:
    """[strict] A date-time must carry its UTC offset (the spec's examples all do)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise bad(f"{name} must be an ISO 8601 date-time") from exc
    if moment.tzinfo is None:
        raise bad(f"{name} must carry its offset from UTC")
    return moment


def query_limit(request: web.Request, default: int | None, maximum: int) -> int | None:
    """``limit`` (YM-OAS components/parameters/PageLimit*.yaml). [strict] The *Truncate parameters carry
    ``x-transform: truncateLimit``; the sandbox refuses a value above the maximum instead of cutting it."""
    raw = request.query.get("limit")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise bad("limit must be an integer") from exc
    if not 1 <= value <= maximum:
        raise bad(f"limit must be in 1..{maximum}")
    return value


def page_token(request: web.Request) -> str | None:
    """YM-OAS components/parameters/AliasedPageToken.yaml: ``pageToken``, aliased ``page_token``."""
    tokens = [request.query[name] for name in ("pageToken", "page_token") if name in request.query]
    if len(tokens) > 1:
        raise bad("give pageToken or page_token, not both")
    return tokens[0] if tokens else None


def paged(rows: list[Any], token: str | None, limit: int) -> tuple[list[Any], dict[str, str]]:
    """One page after ``token``; ``paging`` carries ``nextPageToken`` only when more rows follow."""
    try:
        offset = decode_cursor(token)
    except ValueError as exc:
        raise bad("pageToken is not one this server gave") from exc
    chosen = rows[offset : offset + limit]
    more = offset + limit < len(rows)
    return chosen, ({"nextPageToken": encode_cursor(offset + limit)} if more else {})


def path_id(request: web.Request, name: str) -> int:
    """An int64 path parameter with minimum 1 (YM-OAS components/parameters/CampaignId.yaml, BusinessId.yaml)."""
    raw = request.match_info[name]
    if not raw.isdigit() or int(raw) < 1:
        raise bad(f"{name} must be a positive integer")
    return int(raw)


def money(value: Decimal) -> float:
    """A JSON number for the wire; the sandbox keeps Decimal inside."""
    return float(value)


def dd_mm_yyyy(moment: datetime) -> str:
    """YM-OAS DateDdMmYyyyHhMmSs.yaml (the older OrderDTO); [strict] in Moscow time, as the cabinet shows it."""
    return moment.astimezone(MOSCOW).strftime("%d-%m-%Y %H:%M:%S")


def shop_sku_or_value_error(value: Any) -> str:
    try:
        return shop_sku(value, "offer_id")
    except ApiError as exc:
        raise ValueError(exc.message) from exc
