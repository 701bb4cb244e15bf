"""The own store's delivery terms as customers read them: on the product page and at checkout."""

from __future__ import annotations

from aiohttp import web

from core import delivery, rates
from webapp.api import Api
from webapp.keys import POOL
from webapp.models import DeliveryTerms, DeliveryZone, LangQuery

api = Api("delivery")


@api.route(
    "GET",
    "/api/delivery",
    summary="The delivery zones switched on, with fee, free-delivery threshold and delivery time",
    query=LangQuery,
    response=DeliveryTerms,
)
async def read_terms(request: web.Request, query: LangQuery) -> DeliveryTerms:
    async with request.app[POOL].acquire() as conn:
        zones = await delivery.zones(conn)
        currency = await rates.base_currency(conn)
    return DeliveryTerms(
        currency=currency,
        zones=[
            DeliveryZone(
                id=zone.id,
                name=zone.name(query.lang),
                fee=zone.fee,
                free_from=zone.free_from,
                delivery_time=zone.delivery_time(query.lang),
            )
            for zone in zones
        ],
    )
