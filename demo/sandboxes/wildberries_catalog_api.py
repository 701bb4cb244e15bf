"""Wildberries content and prices endpoints of the sandbox: the cards list with cursor paging (nmID → chrtID →
barcodes) and the goods price listing by offset or by nmID list."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web

from demo.sandboxes.common import read_json, rfc3339
from demo.sandboxes.wildberries_models import WbCard, card_json, goods_json
from demo.sandboxes.wildberries_wire import prices_error, wb_error

if TYPE_CHECKING:
    from demo.sandboxes.wildberries import WbRules


class WbCatalogApi:
    rules: WbRules
    cards: dict[int, WbCard]

    async def _cards(self, request: web.Request) -> web.Response:
        body = await read_json(request)
        settings = body.get("settings") if isinstance(body, dict) else None
        cursor = settings.get("cursor") if isinstance(settings, dict) else None
        limit = cursor.get("limit") if isinstance(cursor, dict) else None
        if not isinstance(settings, dict) or not isinstance(cursor, dict) or not isinstance(limit, int):
            return wb_error(400, "IncorrectRequestBody", "settings.cursor.limit is required")
        if not 1 <= limit <= self.rules.content_limit_max:
            return wb_error(400, "IncorrectRequestBody", f"limit must be 1..{self.rules.content_limit_max}")
        text = str((settings.get("filter") or {}).get("textSearch") or "").lower()
        ascending = bool((settings.get("sort") or {}).get("ascending", False))
        cards = sorted(
            (c for c in self.cards.values() if not text or self._card_matches(c, text)),
            key=lambda c: (c.updated_at, c.nm_id),
            reverse=not ascending,
        )
        if cursor.get("updatedAt") and cursor.get("nmID"):
            mark = (datetime.fromisoformat(str(cursor["updatedAt"]).replace("Z", "+00:00")), int(cursor["nmID"]))
            # the next page starts right after the card the cursor names, in the listing's order
            cards = [
                c for c in cards if ((c.updated_at, c.nm_id) > mark if ascending else (c.updated_at, c.nm_id) < mark)
            ]
        page = cards[:limit]
        last = page[-1] if page else None
        return web.json_response(
            {
                "cards": [card_json(c) for c in page],
                "cursor": {
                    "updatedAt": rfc3339(last.updated_at) if last else None,
                    "nmID": last.nm_id if last else None,
                    "total": len(page),
                },
            }
        )

    @staticmethod
    def _card_matches(card: WbCard, text: str) -> bool:
        haystack = [card.vendor_code.lower(), str(card.nm_id)] + [b for s in card.sizes for b in s.barcodes]
        return any(text in value for value in haystack)

    def _goods(self, cards: Iterable[WbCard]) -> web.Response:
        listing = [goods_json(c, self.rules.prices_currency) for c in cards]
        return web.json_response({"data": {"listGoods": listing}, "error": False, "errorText": ""})

    async def _goods_get(self, request: web.Request) -> web.Response:
        try:
            limit = int(request.query["limit"])
            offset = int(request.query.get("offset", "0"))
            only = int(request.query["filterNmID"]) if "filterNmID" in request.query else None
        except (KeyError, ValueError):
            return prices_error("limit is required; limit, offset, filterNmID are integers")
        if not 1 <= limit <= self.rules.prices_limit_max or offset < 0:
            return prices_error(f"limit must be 1..{self.rules.prices_limit_max}")
        cards = sorted((c for c in self.cards.values() if only is None or c.nm_id == only), key=lambda c: c.nm_id)
        return self._goods(cards[offset : offset + limit])

    async def _goods_post(self, request: web.Request) -> web.Response:
        body = await read_json(request)
        wanted = body.get("nmList") if isinstance(body, dict) else None
        if not isinstance(wanted, list) or not wanted or len(wanted) > self.rules.prices_limit_max:
            return prices_error(f"nmList must hold 1..{self.rules.prices_limit_max} nmIDs")
        return self._goods(self.cards[nm] for nm in wanted if nm in self.cards)
