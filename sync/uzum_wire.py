"""What every Uzum answer shares: the ``{payload, errors, …}`` envelope's errors, read as a MarketplaceError with
the platform's own codes and words, and its dates (typed date-time, seen as epoch milliseconds)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sync.http import MarketplaceError


def moment(value: Any) -> datetime | None:
    """An order date: typed date-time in the spec, seen on the wire as epoch milliseconds (contract 1.5)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC)
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value).astimezone(UTC)
    return None


def errors(body: Any) -> list[dict[str, Any]]:
    return (body.get("errors") or []) if isinstance(body, dict) else []


def words(body: Any) -> str:
    """Uzum's own words for a refusal: its error codes and messages."""
    return ", ".join(f"{e.get('code')}: {e.get('message')}" for e in errors(body)) or str(body)[:200]


def describe(status: int, body: Any) -> str:
    return f"uzum answered {status}: {words(body)}"


def raise_for(status: int, body: Any) -> None:
    if status != 200 or errors(body):
        raise MarketplaceError(describe(status, body), status, body, code="refused", detail=words(body))


def error_codes(error: MarketplaceError) -> set[str]:
    """The codes of a refusal's errors (e.g. ``seller-order-02``)."""
    return {str(e.get("code")) for e in errors(error.body)}
