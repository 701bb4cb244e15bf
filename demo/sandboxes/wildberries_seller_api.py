"""Wildberries' seller information of the sandbox: `GET /api/v1/seller-info` on the common API, which answers
to a token of any category with the seller's name, profile id (the token's `sid`), INN and trade mark
(WB-SPEC 01-general.yaml, getV1SellerInfo)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

DEFAULT_SELLER: dict[str, Any] = {
    "name": "ИП Sandbox Seller",
    "sid": "e8923014-e233-47a8-898e-3cc86d67ea61",
    "tin": "1234567890",
    "tradeMark": "Sandbox Store",
}


class WbSellerApi:
    seller: dict[str, Any]

    async def _seller_info(self, request: web.Request) -> web.Response:
        return web.json_response(self.seller)
