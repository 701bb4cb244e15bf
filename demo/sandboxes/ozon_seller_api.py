"""Ozon's account endpoints of the sandbox: whose cabinet the key opens (`/v1/seller/info`, company block) and
the key's own roles and expiry (`/v1/roles`, `expires_at`; keys live six months, contract §3.1) (OZ-SPEC
SellerAPI_SellerInfo, AccessAPI_RolesByToken)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from demo.sandboxes.common import rfc3339

DEFAULT_COMPANY: dict[str, Any] = {
    "country": "Узбекистан",
    "currency": "RUB",
    "inn": "7707083893",
    "legal_name": "ООО «Sandbox Seller»",
    "name": "Sandbox Seller",
    "ogrn": "1027700132195",
    "ownership_form": "ООО",
    "tax_system": "OSNO",
}


class OzonSellerApi:
    company: dict[str, Any]
    key_expires_at: datetime
    roles: list[dict[str, Any]]

    async def _seller_info(self, body: dict[str, Any]) -> web.Response:
        return web.json_response(
            {"company": self.company, "ratings": [], "subscription": {"is_premium": False, "type": "UNSPECIFIED"}}
        )

    async def _roles(self, body: dict[str, Any]) -> web.Response:
        return web.json_response({"expires_at": rfc3339(self.key_expires_at), "roles": self.roles})
