"""Reading Yandex Market's answers, shared by the adapter (sync/yandex.py) and its finance read
(sync/yandex_finance.py): its answer's result, its error body and its currency codes; and the campaign both call
for."""

from __future__ import annotations

from typing import Any

from sync.currencies import currency_of
from sync.http import MarketplaceError, Reply


def result_of(reply: Reply) -> dict[str, Any]:
    """ApiResponse.yaml: the operation's ``result`` object (empty when the answer has none)."""
    body = reply.body if isinstance(reply.body, dict) else {}
    result = body.get("result")
    return result if isinstance(result, dict) else {}


def refusal(reply: Reply) -> str:
    """ApiErrorResponse.yaml: ``{status: ERROR, errors: [{code, message}]}``."""
    body = reply.body
    if isinstance(body, dict) and body.get("errors"):
        words = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in body["errors"] if isinstance(e, dict))
    else:
        words = str(body)[:200]
    return f"yandex answered {reply.status}: {words}"


def raise_for(reply: Reply) -> None:
    if reply.status != 200:
        message = refusal(reply)
        raise MarketplaceError(message, reply.status, reply.body, code="refused", detail=message.split(": ", 1)[1])


def iso_currency(value: Any) -> str:
    """CurrencyType.yaml spells the rouble RUR (its pre-1998 code); ISO 4217 says RUB."""
    return "RUB" if value == "RUR" else currency_of(value)


class CampaignBound:
    """A connection's campaign (shop), None while a key is being connected: the key check lists the campaigns the
    key sees for the admin to pick one; every other call needs it."""

    _campaign_id: int | None

    @property
    def _campaign(self) -> int:
        if self._campaign_id is None:
            raise MarketplaceError("yandex: the campaign id (shop id) is required", code="not_configured")
        return self._campaign_id
