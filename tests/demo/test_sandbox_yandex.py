"""The Yandex Market sandbox over real HTTP: Api-Key auth, campaigns, stock push and read, catalogue and prices,
business orders with their filters and pages, the FBS/DBS order work (status, boxes, labels, cancellation answers),
the orders' statistics with what each order is billed, the 420 limit, the request log, and the notifications Yandex
sends to a shop."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from pypdf import PdfReader
from pytest_aiohttp import AiohttpServer

from demo.sandboxes.common import SandboxError, utc_now
from demo.sandboxes.yandex import YandexSandbox
from demo.sandboxes.yandex_models import ping_notification

API_KEY = "ym-test-key-0a1b2c3d4e5f"
BUSINESS = {"id": 7_700_042, "name": "Test business"}
FBS = 21_000_101
DBS = 21_000_202
CATALOG: list[dict[str, Any]] = [
    {"offer_id": "MUG-1", "market_sku": 1001, "name": "Mug", "barcodes": ["4600000000011"], "price": 1490, "stock": 5},
    {"offer_id": "CAP-2", "market_sku": 1002, "name": "Cap", "price": 990.5, "stocks": {FBS: 2, DBS: 3}},
    {"offer_id": "TEA-3", "market_sku": 1003, "name": "Tea", "barcodes": ["4600000000035"], "price": 300, "stock": 0},
]


def sandbox(**options: Any) -> YandexSandbox:
    created = YandexSandbox(
        api_key=API_KEY,
        business=BUSINESS,
        campaigns=[
            {"id": FBS, "domain": "fbs.example", "placementType": "FBS"},
            {"id": DBS, "domain": "dbs.example", "placementType": "DBS"},
        ],
        **{"rate_limit": False, **options},
    )
    created.load_catalog(CATALOG)
    return created


@pytest.fixture
async def ym() -> AsyncIterator[YandexSandbox]:
    async with sandbox() as started:
        yield started


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers={"Api-Key": API_KEY}) as session:
        yield session


async def call(
    http: aiohttp.ClientSession, ym: YandexSandbox, method: str, path: str, body: Any = None, **query: Any
) -> tuple[int, Any]:
    async with http.request(method, ym.base_url + path, json=body, params=query or None) as response:
        return response.status, await response.json()


def stock_push(*pairs: tuple[str, int]) -> dict[str, Any]:
    return {"skus": [{"sku": sku, "items": [{"count": amount}]} for sku, amount in pairs]}


def available(result: dict[str, Any]) -> dict[str, int]:
    offers = [offer for warehouse in result["warehouses"] for offer in warehouse["offers"]]
    return {o["offerId"]: next(s["count"] for s in o["stocks"] if s["type"] == "AVAILABLE") for o in offers}


def error_code(body: Any) -> str:
    assert body["status"] == "ERROR"
    return str(body["errors"][0]["code"])


# -- auth and campaigns ---------------------------------------------------------------------------------------
async def test_a_request_without_api_key_is_401_and_a_wrong_key_is_403(ym: YandexSandbox) -> None:
    async with aiohttp.ClientSession() as anonymous:
        missing = await anonymous.get(ym.base_url + "/v2/campaigns")
        assert missing.status == 401 and error_code(await missing.json()) == "UNAUTHORIZED"
    async with aiohttp.ClientSession(headers={"Api-Key": "not-the-key"}) as wrong:
        refused = await wrong.get(ym.base_url + "/v2/campaigns")
        assert refused.status == 403 and error_code(await refused.json()) == "FORBIDDEN"


async def test_the_key_sees_each_campaign_with_its_business(ym: YandexSandbox, http: aiohttp.ClientSession) -> None:
    status, body = await call(http, ym, "GET", "/v2/campaigns")
    assert status == 200
    assert [(c["id"], c["placementType"], c["business"]) for c in body["campaigns"]] == [
        (FBS, "FBS", BUSINESS),
        (DBS, "DBS", BUSINESS),
    ]
    status, one = await call(http, ym, "GET", f"/v2/campaigns/{DBS}")
    assert status == 200 and one["campaign"]["business"]["id"] == BUSINESS["id"]


async def test_campaigns_page_by_token(ym: YandexSandbox, http: aiohttp.ClientSession) -> None:
    _, first = await call(http, ym, "GET", "/v2/campaigns", limit=1)
    _, second = await call(http, ym, "GET", "/v2/campaigns", limit=1, pageToken=first["paging"]["nextPageToken"])
    assert [first["campaigns"][0]["id"], second["campaigns"][0]["id"]] == [FBS, DBS]
    assert "nextPageToken" not in second["paging"]
    status, body = await call(http, ym, "GET", "/v2/campaigns", pageSize=101)
    assert status == 400 and error_code(body) == "BAD_REQUEST"


async def test_another_campaign_or_business_is_not_found(ym: YandexSandbox, http: aiohttp.ClientSession) -> None:
    status, body = await call(http, ym, "GET", "/v2/campaigns/999")
    assert status == 404 and error_code(body) == "NOT_FOUND"
    status, _ = await call(http, ym, "PUT", "/v2/campaigns/999/offers/stocks", stock_push(("MUG-1", 1)))
    assert status == 404
    status, _ = await call(http, ym, "POST", "/v2/businesses/1/offer-mappings", {})
    assert status == 404


async def test_a_read_only_key_reads_stock_but_cannot_push_it(http: aiohttp.ClientSession) -> None:
    async with sandbox(scopes=["offers-and-cards-management:read-only"]) as read_only:
        path = f"/v2/campaigns/{FBS}/offers/stocks"
        status, _ = await call(http, read_only, "POST", path, {})
        assert status == 200
        status, body = await call(http, read_only, "PUT", path, stock_push(("MUG-1", 1)))
        assert status == 403 and error_code(body) == "FORBIDDEN"
        assert read_only.stock_of("MUG-1", FBS) == 5


# -- stocks ---------------------------------------------------------------------------------------------------
async def test_a_stock_push_changes_what_the_stock_read_returns(ym: YandexSandbox, http: aiohttp.ClientSession) -> None:
    status, body = await call(http, ym, "PUT", f"/v2/campaigns/{FBS}/offers/stocks", stock_push(("MUG-1", 7)))
    assert (status, body) == (200, {"status": "OK"})
    _, read = await call(http, ym, "POST", f"/v2/campaigns/{FBS}/offers/stocks", {"offerIds": ["MUG-1", "CAP-2"]})
    assert available(read["result"]) == {"MUG-1": 7, "CAP-2": 2}
    assert ym.stock_of("MUG-1", FBS) == 7 and ym.stock_of("MUG-1", DBS) == 0


async def test_a_stock_push_of_more_than_2000_skus_is_refused(ym: YandexSandbox, http: aiohttp.ClientSession) -> None:
    ym.load_catalog({"offer_id": f"SKU-{n}", "market_sku": 5000 + n, "name": "x", "price": 1} for n in range(2001))
    status, body = await call(
        http, ym, "PUT", f"/v2/campaigns/{FBS}/offers/stocks", stock_push(*((f"SKU-{n}", 1) for n in range(2001)))
    )
    assert status == 400 and "2000" in body["errors"][0]["message"]
    assert ym.stock_of("SKU-0", FBS) == 0


@pytest.mark.parametrize(
    "push",
    [
        stock_push(("MUG-1", 3), ("CAP-2", -1)),
        stock_push(("MUG-1", 3), ("MUG-1", 4)),
        stock_push(("MUG-1", 3), ("NO-SUCH", 4)),
        {"skus": [{"sku": "MUG-1", "items": [{"count": 3}, {"count": 4}]}]},
        {"skus": [{"sku": "MUG-1", "items": [{"count": "3"}]}]},
    ],
    ids=["negative count", "repeated sku", "unknown sku", "two items", "count as text"],
)
async def test_a_bad_stock_push_is_refused_and_changes_nothing(
    ym: YandexSandbox, http: aiohttp.ClientSession, push: dict[str, Any]
) -> None:
    status, body = await call(http, ym, "PUT", f"/v2/campaigns/{FBS}/offers/stocks", push)
    assert status == 400 and error_code(body) == "BAD_REQUEST"
    assert ym.stock_of("MUG-1", FBS) == 5 and ym.stock_of("CAP-2", FBS) == 2


async def test_the_stock_read_pages_by_token(ym: YandexSandbox, http: aiohttp.ClientSession) -> None:
    path = f"/v2/campaigns/{FBS}/offers/stocks"
    _, first = await call(http, ym, "POST", path, {}, limit=2)
    token = first["result"]["paging"]["nextPageToken"]
    _, second = await call(http, ym, "POST", path, {}, limit=2, page_token=token)
    assert available(first["result"]) == {"MUG-1": 5, "CAP-2": 2}
    assert available(second["result"]) == {"TEA-3": 0} and second["result"]["paging"] == {}
    status, _ = await call(http, ym, "POST", path, {"offerIds": ["MUG-1"]}, limit=2)
    assert status == 400  # a list by offerIds comes whole: no limit or token beside it


async def test_the_stock_read_shows_units_held_for_orders(ym: YandexSandbox, http: aiohttp.ClientSession) -> None:
    ym.place_order({"MUG-1": 2})
    _, read = await call(http, ym, "POST", f"/v2/campaigns/{FBS}/offers/stocks", {"offerIds": ["MUG-1"]})
    [offer] = read["result"]["warehouses"][0]["offers"]
    assert {s["type"]: s["count"] for s in offer["stocks"]} == {"AVAILABLE": 3, "FREEZE": 2, "FIT": 5}


async def test_stock_pushes_past_a_hundred_thousand_skus_a_minute_get_420(http: aiohttp.ClientSession) -> None:
    async with sandbox(rate_limit=True) as limited:
        limited.load_catalog(
            {"offer_id": f"SKU-{n}", "market_sku": 5000 + n, "name": "x", "price": 1} for n in range(2000)
        )
        push = stock_push(*((f"SKU-{n}", 1) for n in range(2000)))
        path = f"/v2/campaigns/{FBS}/offers/stocks"
        statuses = {(await call(http, limited, "PUT", path, push))[0] for _ in range(50)}
        assert statuses == {200}
        status, body = await call(http, limited, "PUT", path, stock_push(("MUG-1", 0)))
        assert status == 420 and error_code(body) == "HIT_RATE_LIMIT"
        assert limited.stock_of("MUG-1", FBS) == 5


# -- catalogue and prices ---------------------------------------------------------------------------------------
async def test_offer_mappings_page_and_filter_by_offer_ids(ym: YandexSandbox, http: aiohttp.ClientSession) -> None:
    path = f"/v2/businesses/{BUSINESS['id']}/offer-mappings"
    _, first = await call(http, ym, "POST", path, {}, limit=2)
    _, rest = await call(http, ym, "POST", path, {}, limit=2, page_token=first["result"]["paging"]["nextPageToken"])
    seen = [m["offer"]["offerId"] for m in first["result"]["offerMappings"] + rest["result"]["offerMappings"]]
    assert seen == ["MUG-1", "CAP-2", "TEA-3"]
    _, picked = await call(http, ym, "POST", path, {"offerIds": ["CAP-2", "GONE"]})
    [mapping] = picked["result"]["offerMappings"]
    assert mapping["mapping"]["marketSku"] == 1002
    assert mapping["offer"]["basicPrice"] | {"updatedAt": None} == {
        "value": 990.5,
        "currencyId": "RUR",
        "updatedAt": None,
    }
    status, _ = await call(http, ym, "POST", path, {}, limit=101)
    assert status == 400


async def test_prices_are_read_for_the_business_and_for_the_campaign(
    ym: YandexSandbox, http: aiohttp.ClientSession
) -> None:
    _, business = await call(http, ym, "POST", f"/v2/businesses/{BUSINESS['id']}/offer-prices", {"offerIds": ["MUG-1"]})
    assert [(o["offerId"], o["price"]["value"], o["price"]["currencyId"]) for o in business["result"]["offers"]] == [
        ("MUG-1", 1490.0, "RUR")
    ]
    _, campaign = await call(http, ym, "POST", f"/v2/campaigns/{FBS}/offer-prices", {"offerIds": ["CAP-2"]})
    assert campaign["result"]["offers"][0]["price"] == {"value": 990.5, "currencyId": "RUR"}
    status, body = await call(http, ym, "POST", f"/v2/campaigns/{FBS}/offer-prices", {"offerId": ["CAP-2"]})
    assert status == 400 and "offerId" in body["errors"][0]["message"]  # a misspelt filter is not ignored


# -- business orders ------------------------------------------------------------------------------------------
async def test_a_placed_order_is_listed_with_its_items_and_lowers_the_stock(
    ym: YandexSandbox, http: aiohttp.ClientSession
) -> None:
    order_id = ym.place_order({"MUG-1": 2, "CAP-2": 1})
    assert ym.stock_of("MUG-1", FBS) == 3 and ym.reserved_of("MUG-1", FBS) == 2
    status, body = await call(http, ym, "POST", f"/v1/businesses/{BUSINESS['id']}/orders", {"orderIds": [order_id]})
    assert status == 200 and "status" not in body
    [order] = body["orders"]
    assert (order["campaignId"], order["status"], order["substatus"]) == (FBS, "PROCESSING", "STARTED")
    assert [(i["offerId"], i["count"], i["prices"]["payment"]) for i in order["items"]] == [
        ("MUG-1", 2, {"value": 2980.0, "currencyId": "RUR"}),
        ("CAP-2", 1, {"value": 990.5, "currencyId": "RUR"}),
    ]
    assert order["delivery"]["shipment"]["shipmentDate"] > order["creationDate"][:10]
    assert "cancelRequested" not in order  # DBS only


async def test_business_orders_filter_by_campaign_and_status_and_page(
    ym: YandexSandbox, http: aiohttp.ClientSession
) -> None:
    fbs = [ym.place_order({"MUG-1": 1}) for _ in range(3)]
    dbs = ym.place_order({"CAP-2": 1}, campaign_id=DBS)
    ym.cancel_order(fbs[1])
    path = f"/v1/businesses/{BUSINESS['id']}/orders"
    _, only_dbs = await call(http, ym, "POST", path, {"campaignIds": [DBS]})
    assert [o["orderId"] for o in only_dbs["orders"]] == [dbs]
    _, processing = await call(http, ym, "POST", path, {"campaignIds": [FBS], "statuses": ["PROCESSING"]}, limit=1)
    token = processing["paging"]["nextPageToken"]
    _, rest = await call(http, ym, "POST", path, {"campaignIds": [FBS], "statuses": ["PROCESSING"]}, pageToken=token)
    assert [o["orderId"] for o in processing["orders"] + rest["orders"]] == [fbs[0], fbs[2]]
    assert rest["paging"] == {}
    status, _ = await call(http, ym, "POST", path, {"statuses": ["SHIPPING"]})
    assert status == 400


async def test_business_orders_keep_to_thirty_days(ym: YandexSandbox, http: aiohttp.ClientSession) -> None:
    old = ym.place_order({"MUG-1": 1}, created_at=utc_now() - timedelta(days=40))
    new = ym.place_order({"MUG-1": 1})
    path = f"/v1/businesses/{BUSINESS['id']}/orders"
    _, recent = await call(http, ym, "POST", path, {})
    assert [o["orderId"] for o in recent["orders"]] == [new]
    day = (utc_now() - timedelta(days=41)).date()
    window = {"creationDateFrom": day.isoformat(), "creationDateTo": (day + timedelta(days=2)).isoformat()}
    _, back_then = await call(http, ym, "POST", path, {"dates": window})
    assert [o["orderId"] for o in back_then["orders"]] == [old]
    too_wide = {"creationDateFrom": day.isoformat(), "creationDateTo": (day + timedelta(days=31)).isoformat()}
    status, _ = await call(http, ym, "POST", path, {"dates": too_wide})
    assert status == 400
    status, _ = await call(http, ym, "POST", path, None)
    assert status == 400  # the body is required


# -- FBS order work -------------------------------------------------------------------------------------------
async def test_an_order_goes_ready_to_ship_and_then_may_be_cancelled_by_the_shop(
    ym: YandexSandbox, http: aiohttp.ClientSession
) -> None:
    order_id = ym.place_order({"MUG-1": 2})
    path = f"/v2/campaigns/{FBS}/orders/{order_id}/status"
    status, body = await call(http, ym, "PUT", path, {"order": {"status": "PROCESSING", "substatus": "READY_TO_SHIP"}})
    assert status == 200 and body["order"]["substatus"] == "READY_TO_SHIP"
    status, body = await call(http, ym, "PUT", path, {"order": {"status": "CANCELLED", "substatus": "SHOP_FAILED"}})
    assert status == 200 and (body["order"]["status"], body["order"]["substatus"]) == ("CANCELLED", "SHOP_FAILED")
    assert ym.stock_of("MUG-1", FBS) == 5 and ym.reserved_of("MUG-1", FBS) == 0


@pytest.mark.parametrize(
    "change",
    [
        {"status": "DELIVERY", "substatus": "SHIPPED"},
        {"status": "CANCELLED", "substatus": "USER_CHANGED_MIND"},
        {"status": "PROCESSING", "substatus": "STARTED"},
        {"status": "SENT"},
    ],
    ids=["to delivery", "cancel with a buyer reason", "back to started", "unknown status"],
)
async def test_a_status_change_yandex_does_not_allow_is_refused(
    ym: YandexSandbox, http: aiohttp.ClientSession, change: dict[str, str]
) -> None:
    order_id = ym.place_order({"MUG-1": 1})
    status, body = await call(http, ym, "PUT", f"/v2/campaigns/{FBS}/orders/{order_id}/status", {"order": change})
    assert status == 400 and error_code(body) == "BAD_REQUEST"
    assert (ym.orders[order_id].status, ym.orders[order_id].substatus) == ("PROCESSING", "STARTED")


async def test_the_deprecated_order_read_still_answers(ym: YandexSandbox, http: aiohttp.ClientSession) -> None:
    order_id = ym.place_order({"MUG-1": 1})
    status, body = await call(http, ym, "GET", f"/v2/campaigns/{FBS}/orders/{order_id}")
    assert status == 200 and (body["order"]["id"], body["order"]["items"][0]["offerId"]) == (order_id, "MUG-1")
    assert body["order"]["currency"] == "RUR"


async def test_an_order_of_another_campaign_is_not_found(ym: YandexSandbox, http: aiohttp.ClientSession) -> None:
    order_id = ym.place_order({"CAP-2": 1}, campaign_id=DBS)
    change = {"order": {"status": "PROCESSING", "substatus": "READY_TO_SHIP"}}
    status, _ = await call(http, ym, "PUT", f"/v2/campaigns/{FBS}/orders/{order_id}/status", change)
    assert status == 404


async def test_the_batch_status_update_answers_each_order(ym: YandexSandbox, http: aiohttp.ClientSession) -> None:
    first, second = ym.place_order({"MUG-1": 1}), ym.place_order({"MUG-1": 1})
    ym.cancel_order(second)
    orders = [{"id": o, "status": "PROCESSING", "substatus": "READY_TO_SHIP"} for o in (first, second)]
    status, body = await call(http, ym, "POST", f"/v2/campaigns/{FBS}/orders/status-update", {"orders": orders})
    assert status == 200
    assert [(o["id"], o["updateStatus"]) for o in body["result"]["orders"]] == [(first, "OK"), (second, "ERROR")]


async def test_labels_are_a_pdf_with_a_page_per_box(ym: YandexSandbox, http: aiohttp.ClientSession) -> None:
    order_id = ym.place_order({"MUG-1": 2})
    [line] = ym.orders[order_id].lines
    boxes = {"boxes": [{"items": [{"id": line.item_id, "fullCount": 1}]} for _ in range(2)]}
    status, body = await call(http, ym, "PUT", f"/v2/campaigns/{FBS}/orders/{order_id}/boxes", boxes)
    assert status == 200 and len({box["boxId"] for box in body["result"]["boxes"]}) == 2
    async with http.get(ym.base_url + f"/v2/campaigns/{FBS}/orders/{order_id}/delivery/labels") as response:
        assert response.status == 200 and response.content_type == "application/pdf"
        pdf = PdfReader(io.BytesIO(await response.read()))
    assert len(pdf.pages) == 2 and str(order_id) in pdf.pages[0].extract_text()


async def test_boxes_must_hold_the_whole_order_unless_removal_is_allowed(
    ym: YandexSandbox, http: aiohttp.ClientSession
) -> None:
    order_id = ym.place_order({"MUG-1": 2})
    [line] = ym.orders[order_id].lines
    one = {"boxes": [{"items": [{"id": line.item_id, "fullCount": 1}]}]}
    path = f"/v2/campaigns/{FBS}/orders/{order_id}/boxes"
    status, _ = await call(http, ym, "PUT", path, one)
    assert status == 400 and ym.orders[order_id].lines[0].count == 2
    status, _ = await call(http, ym, "PUT", path, one | {"allowRemove": True})
    assert status == 200 and ym.orders[order_id].lines[0].count == 1
    assert ym.stock_of("MUG-1", FBS) == 4


async def test_units_packed_in_parts_count_once_each(ym: YandexSandbox, http: aiohttp.ClientSession) -> None:
    order_id = ym.place_order({"MUG-1": 2})
    [line] = ym.orders[order_id].lines
    path = f"/v2/campaigns/{FBS}/orders/{order_id}/boxes"

    def part(current: int) -> dict[str, Any]:
        return {"items": [{"id": line.item_id, "partialCount": {"current": current, "total": 2}}]}

    status, _ = await call(http, ym, "PUT", path, {"boxes": [part(1), part(2), part(1), part(2)]})
    assert status == 200 and len(ym.orders[order_id].boxes or []) == 4
    status, body = await call(http, ym, "PUT", path, {"boxes": [part(1), part(2), part(1)]})
    assert status == 400 and "part" in body["errors"][0]["message"]


# -- the buyer's cancellation ---------------------------------------------------------------------------------
async def test_answering_a_cancellation_nobody_asked_for_is_refused(
    ym: YandexSandbox, http: aiohttp.ClientSession
) -> None:
    order_id = ym.place_order({"CAP-2": 1}, campaign_id=DBS)
    ym.set_order_status(order_id, "DELIVERY", "DELIVERY_SERVICE_RECEIVED")
    path = f"/v2/campaigns/{DBS}/orders/{order_id}/cancellation/accept"
    status, body = await call(http, ym, "PUT", path, {"accepted": True})
    assert status == 400 and "not asked" in body["errors"][0]["message"]
    assert ym.orders[order_id].status == "DELIVERY"


async def test_a_dbs_shop_accepts_a_buyers_cancellation_in_delivery(
    ym: YandexSandbox, http: aiohttp.ClientSession
) -> None:
    order_id = ym.place_order({"CAP-2": 1}, campaign_id=DBS)
    ym.set_order_status(order_id, "DELIVERY", "DELIVERY_SERVICE_RECEIVED")
    ym.request_cancellation(order_id)
    path = f"/v1/businesses/{BUSINESS['id']}/orders"
    _, waiting = await call(http, ym, "POST", path, {"waitingForCancellationApprove": True})
    assert [(o["orderId"], o["cancelRequested"]) for o in waiting["orders"]] == [(order_id, True)]
    accept = f"/v2/campaigns/{DBS}/orders/{order_id}/cancellation/accept"
    status, _ = await call(http, ym, "PUT", accept, {"accepted": False})
    assert status == 400  # a refusal names its reason
    status, body = await call(http, ym, "PUT", accept, {"accepted": True})
    assert (status, body) == (200, {"status": "OK"})
    assert ym.orders[order_id].status == "CANCELLED"


async def test_a_buyer_cancelling_while_processing_cancels_at_once(ym: YandexSandbox) -> None:
    order_id = ym.place_order({"MUG-1": 2})
    ym.request_cancellation(order_id)
    assert ym.orders[order_id].status == "CANCELLED" and ym.stock_of("MUG-1", FBS) == 5
    assert [n["notificationType"] for n in ym.notifications] == ["ORDER_CREATED", "ORDER_CANCELLED"]
    with pytest.raises(SandboxError):
        ym.cancel_order(order_id)


async def test_a_dbs_shop_delivers_and_refuses_a_late_cancellation(
    ym: YandexSandbox, http: aiohttp.ClientSession
) -> None:
    order_id = ym.place_order({"CAP-2": 1}, campaign_id=DBS)
    status_path = f"/v2/campaigns/{DBS}/orders/{order_id}/status"
    delivery = {"order": {"status": "DELIVERY", "substatus": "DELIVERY_SERVICE_RECEIVED"}}
    status, _ = await call(http, ym, "PUT", status_path, delivery)
    assert status == 200 and ym.reserved_of("CAP-2", DBS) == 0
    ym.request_cancellation(order_id)
    accept = f"/v2/campaigns/{DBS}/orders/{order_id}/cancellation/accept"
    status, _ = await call(http, ym, "PUT", accept, {"accepted": False, "reason": "ORDER_DELIVERED"})
    assert status == 200 and not ym.orders[order_id].cancel_requested
    delivered = {"order": {"status": "DELIVERED", "substatus": "DELIVERY_SERVICE_DELIVERED"}}
    status, _ = await call(http, ym, "PUT", status_path, delivered)
    assert status == 200 and ym.orders[order_id].status == "DELIVERED"
    status, _ = await call(http, ym, "PUT", status_path, delivery)
    assert status == 400  # no step back


async def test_an_fbs_campaign_cannot_answer_cancellations(ym: YandexSandbox, http: aiohttp.ClientSession) -> None:
    order_id = ym.place_order({"MUG-1": 1})
    path = f"/v2/campaigns/{FBS}/orders/{order_id}/cancellation/accept"
    status, body = await call(http, ym, "PUT", path, {"accepted": True})
    assert status == 400 and "DBS" in body["errors"][0]["message"]


# -- orders' statistics (getOrdersStats) ----------------------------------------------------------------------
def stats_path(campaign: int = FBS) -> str:
    return f"/v2/campaigns/{campaign}/stats/orders"


async def test_order_stats_list_what_each_order_is_billed(ym: YandexSandbox, http: aiohttp.ClientSession) -> None:
    """The sandbox's own tariff (demo/sandboxes/yandex_stats.py): FBS 12 % placement, 1 % payment acceptance, 60 a
    unit to the buyer, 15 an order sorting; a DBS shop delivers itself; a cancelled order is billed nothing."""
    fbs = ym.place_order({"MUG-1": 2})  # 2980.00
    dbs = ym.place_order({"CAP-2": 1}, campaign_id=DBS)  # 990.50
    status, body = await call(http, ym, "POST", stats_path(), {})
    assert status == 200 and body["status"] == "OK"
    [order] = body["result"]["orders"]
    assert (order["id"], order["status"], order["currency"], order["payments"]) == (fbs, "PROCESSING", "RUR", [])
    assert [(c["type"], c["actual"]) for c in order["commissions"]] == [
        ("FEE", 357.6),
        ("AGENCY", 29.8),
        ("DELIVERY_TO_CUSTOMER", 120.0),
        ("SORTING", 15.0),
    ]
    _, body = await call(http, ym, "POST", stats_path(DBS), {"orders": [dbs]})
    assert [(c["type"], c["actual"]) for c in body["result"]["orders"][0]["commissions"]] == [
        ("FEE", 118.86),
        ("AGENCY", 9.91),
    ]
    ym.cancel_order(fbs)
    _, body = await call(http, ym, "POST", stats_path(), {"statuses": ["CANCELLED_IN_PROCESSING"]})
    [cancelled] = body["result"]["orders"]
    assert cancelled["id"] == fbs and {c["actual"] for c in cancelled["commissions"]} == {0.0}


async def test_order_stats_keep_to_their_period_and_page(ym: YandexSandbox, http: aiohttp.ClientSession) -> None:
    """A period of changes (updateFrom/updateTo) or of creation (dateFrom/dateTo), in Moscow dates, the To date
    excluded [strict]; pages of ``limit`` orders follow nextPageToken."""
    old = ym.place_order({"MUG-1": 1}, created_at=utc_now() - timedelta(days=10))
    new = [ym.place_order({"MUG-1": 1}) for _ in range(2)]
    today = (utc_now() + timedelta(hours=3)).date()
    period = {"updateFrom": today.isoformat(), "updateTo": (today + timedelta(days=1)).isoformat()}
    _, first = await call(http, ym, "POST", stats_path(), period, limit=1)
    token = first["result"]["paging"]["nextPageToken"]
    _, rest = await call(http, ym, "POST", stats_path(), period, limit=1, page_token=token)
    assert [o["id"] for o in first["result"]["orders"] + rest["result"]["orders"]] == new
    assert rest["result"]["paging"] == {}
    before_today = {"updateFrom": "2020-01-01", "updateTo": today.isoformat()}
    _, until_today = await call(http, ym, "POST", stats_path(), before_today)
    assert [o["id"] for o in until_today["result"]["orders"]] == [old]
    created = {"dateFrom": (today - timedelta(days=11)).isoformat(), "dateTo": (today - timedelta(days=9)).isoformat()}
    _, back_then = await call(http, ym, "POST", stats_path(), created)
    assert [o["id"] for o in back_then["result"]["orders"]] == [old]


@pytest.mark.parametrize(
    ("body", "query"),
    [
        ({"dateFrom": "2026-01-01", "dateTo": "2026-01-02", "updateFrom": "2026-01-01"}, {}),  # never together
        ({"updateFrom": "2026-01-01"}, {}),  # [strict] both ends
        ({"updateFrom": "2026-01-02", "updateTo": "2026-01-02"}, {}),  # [strict] the To date is excluded
        ({"dateFrom": "01-01-2026", "dateTo": "2026-01-02"}, {}),
        ({"orders": []}, {}),
        ({"orders": [1, 1]}, {}),
        ({"statuses": ["CANCELLED"]}, {}),  # an order status, not one of the report's
        ({"period": "month"}, {}),
        ({}, {"limit": 201}),
    ],
)
async def test_order_stats_refuse_what_the_spec_does_not_allow(
    ym: YandexSandbox, http: aiohttp.ClientSession, body: dict[str, Any], query: dict[str, Any]
) -> None:
    status, answer = await call(http, ym, "POST", stats_path(), body, **query)
    assert status == 400 and error_code(answer) == "BAD_REQUEST"


async def test_order_stats_need_an_order_access_and_a_campaign_of_the_key(http: aiohttp.ClientSession) -> None:
    async with sandbox(scopes=["finance-and-accounting"]) as finance_only:
        status, body = await call(http, finance_only, "POST", stats_path(), {})
        assert status == 403 and "getOrdersStats" in body["errors"][0]["message"]
    async with sandbox() as ym:
        status, _ = await call(http, ym, "POST", stats_path(999), {})
        assert status == 404


async def test_order_stats_past_ten_thousand_an_hour_get_420(http: aiohttp.ClientSession) -> None:
    async with sandbox(rate_limit=True) as limited:
        limited.budget("getOrdersStats").charge(9_999)  # the hour's earlier reads
        status, _ = await call(http, limited, "POST", stats_path(), {})
        assert status == 200
        status, body = await call(http, limited, "POST", stats_path(), {})
        assert status == 420 and error_code(body) == "HIT_RATE_LIMIT"


# -- limits and the request log -------------------------------------------------------------------------------
# -- first-mile shipments ---------------------------------------------------------------------------------------
async def test_a_shipment_is_formed_confirmed_after_the_cutoff_and_gives_its_act(
    ym: YandexSandbox, http: aiohttp.ClientSession
) -> None:
    order_id = ym.place_order({"MUG-1": 1})
    status, _ = await call(
        http,
        ym,
        "PUT",
        f"/v2/campaigns/{FBS}/orders/{order_id}/status",
        {"order": {"status": "PROCESSING", "substatus": "READY_TO_SHIP"}},
    )
    assert status == 200
    day = ym.orders[order_id].shipment_date.strftime("%d-%m-%Y")
    search = f"/v2/campaigns/{FBS}/first-mile/shipments"
    status, body = await call(http, ym, "PUT", search, {"dateFrom": day, "dateTo": day})
    [shipment] = body["result"]["shipments"]
    assert (shipment["status"], shipment["orderIds"], shipment["plannedCount"]) == ("OUTBOUND_CREATED", [order_id], 1)
    confirm = f"{search}/{shipment['id']}/confirm"
    status, body = await call(http, ym, "POST", confirm)
    assert status == 400 and body["errors"][0]["message"] == "Cutoff time for shipments has not been reached yet"
    status, _ = await call(http, ym, "GET", f"{search}/{shipment['id']}/act")
    assert status == 400, "no act before the shipment is confirmed"
    ym.cut_off()
    assert (await call(http, ym, "POST", confirm))[0] == 200
    assert (await call(http, ym, "POST", confirm))[0] == 400, "confirmed once"
    async with http.get(ym.base_url + f"{search}/{shipment['id']}/act") as reply:
        assert reply.status == 200 and reply.content_type == "application/pdf"
        act = PdfReader(io.BytesIO(await reply.read())).pages[0].extract_text()
    assert str(order_id) in act
    assert (await call(http, ym, "GET", f"/v2/campaigns/{DBS}/first-mile/shipments/{shipment['id']}/act"))[0] == 404


@pytest.mark.parametrize(
    "body",
    [
        {"dateFrom": "2026-12-01", "dateTo": "2026-12-02"},
        {"dateFrom": "02-12-2026", "dateTo": "01-12-2026"},
        {"dateFrom": "01-12-2026"},
        {"dateFrom": "01-12-2026", "dateTo": "02-12-2026", "statuses": ["SHIPPED"]},
        {"dateFrom": "01-12-2026", "dateTo": "02-12-2026", "warehouse": 1},
    ],
)
async def test_a_shipment_search_the_spec_does_not_allow_is_refused(
    ym: YandexSandbox, http: aiohttp.ClientSession, body: dict[str, Any]
) -> None:
    status, answer = await call(http, ym, "PUT", f"/v2/campaigns/{FBS}/first-mile/shipments", body)
    assert (status, error_code(answer)) == (400, "BAD_REQUEST")


# -- returns ------------------------------------------------------------------------------------------------------
def _delivered(ym: YandexSandbox, items: dict[str, int]) -> int:
    order_id = ym.place_order(items)
    ym.set_order_status(order_id, "DELIVERY", "DELIVERY_SERVICE_RECEIVED")
    ym.set_order_status(order_id, "DELIVERED", "DELIVERY_SERVICE_DELIVERED")
    return order_id


async def test_returns_are_listed_by_shipment_status_type_order_and_update_day(
    ym: YandexSandbox, http: aiohttp.ClientSession
) -> None:
    first = _delivered(ym, {"MUG-1": 2})
    kept = ym.add_return(first, {"MUG-1": 1}, reason="WRONG_ITEM")
    ym.move_return(kept, "READY_FOR_PICKUP")
    assert ym.orders[first].status == "PARTIALLY_RETURNED"
    second = ym.place_order({"MUG-1": 1})
    ym.set_order_status(second, "DELIVERY", "DELIVERY_SERVICE_RECEIVED")
    unredeemed = ym.add_return(second, return_type="UNREDEEMED")
    path = f"/v2/campaigns/{FBS}/returns"
    status, body = await call(http, ym, "GET", path)
    assert status == 200 and [r["id"] for r in body["result"]["returns"]] == [kept, unredeemed]
    [row] = (await call(http, ym, "GET", path, shipmentStatuses="READY_FOR_PICKUP,PICKED"))[1]["result"]["returns"]
    assert (row["id"], row["orderId"], row["returnType"]) == (kept, first, "RETURN")
    assert row["items"] == [
        {"marketSku": 1001, "shopSku": "MUG-1", "count": 1, "decisions": [{"count": 1, "reasonType": "WRONG_ITEM"}]}
    ]
    assert row["amount"] == {"value": 1490.0, "currencyId": "RUR"}
    _, only = await call(http, ym, "GET", path, type="UNREDEEMED", orderIds=str(second))
    assert [r["id"] for r in only["result"]["returns"]] == [unredeemed]
    tomorrow = (utc_now() + timedelta(days=2)).date().isoformat()
    _, later = await call(http, ym, "GET", path, fromDate=tomorrow)
    assert later["result"]["returns"] == []
    _, other = await call(http, ym, "GET", f"/v2/campaigns/{DBS}/returns")
    assert other["result"]["returns"] == [], "another campaign's returns"


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "101"},
        {"shipmentStatuses": "READY_FOR_PICKUP,HOME"},
        {"statuses": "REFUNDED,REFUNDED"},
        {"type": "EXCHANGE"},
        {"orderIds": ",".join(str(n) for n in range(1, 52))},
        {"fromDate": "2026-12-01", "from_date": "2026-12-01"},
        {"fromDate": "2026-12-02", "toDate": "2026-12-01"},
        {"toDate": "01-12-2026"},
    ],
)
async def test_a_returns_query_the_spec_does_not_allow_is_refused(
    ym: YandexSandbox, http: aiohttp.ClientSession, query: dict[str, str]
) -> None:
    status, body = await call(http, ym, "GET", f"/v2/campaigns/{FBS}/returns", **query)
    assert (status, error_code(body)) == (400, "BAD_REQUEST")


async def test_returns_are_read_only_with_order_processing_access() -> None:
    async with sandbox(scopes=("finance-and-accounting",)) as ym, aiohttp.ClientSession() as session:
        async with session.get(f"{ym.base_url}/v2/campaigns/{FBS}/returns", headers={"Api-Key": API_KEY}) as reply:
            assert reply.status == 403


async def test_a_return_keeps_to_what_was_delivered_and_moves_only_on(ym: YandexSandbox) -> None:
    with pytest.raises(SandboxError, match="only a delivered order"):
        ym.add_return(ym.place_order({"MUG-1": 1}))
    order_id = _delivered(ym, {"MUG-1": 2})
    ym.add_return(order_id, {"MUG-1": 1})
    with pytest.raises(SandboxError, match="no 2 of MUG-1 left"):
        ym.add_return(order_id, {"MUG-1": 2})
    last = ym.add_return(order_id, {"MUG-1": 1})
    assert ym.orders[order_id].status == "RETURNED"
    ym.move_return(last, "IN_TRANSIT")
    with pytest.raises(SandboxError, match="back to RECEIVED"):
        ym.move_return(last, "RECEIVED")
    ym.move_return(last, "LOST")
    with pytest.raises(SandboxError, match="already LOST"):
        ym.move_return(last, "PICKED")


async def test_offer_mappings_past_a_hundred_a_minute_get_420(http: aiohttp.ClientSession) -> None:
    async with sandbox(rate_limit=True) as limited:
        path = f"/v2/businesses/{BUSINESS['id']}/offer-mappings"
        statuses = [(await call(http, limited, "POST", path, {}))[0] for _ in range(101)]
        assert statuses[:100] == [200] * 100
        status, body = await call(http, limited, "POST", path, {})
        assert status == 420 and error_code(body) == "HIT_RATE_LIMIT"
        assert statuses[100] == 420


async def test_the_request_log_counts_calls_and_masks_the_key(ym: YandexSandbox, http: aiohttp.ClientSession) -> None:
    for _ in range(2):
        await call(http, ym, "PUT", f"/v2/campaigns/{FBS}/offers/stocks", stock_push(("MUG-1", 1)))
    [first, _] = ym.requests_to("PUT /v2/campaigns/*/offers/stocks")
    assert first.auth_value("Api-Key") == API_KEY and API_KEY not in repr(first) + str(first.to_json())


async def test_the_control_routes_place_and_cancel_orders(ym: YandexSandbox) -> None:
    async with aiohttp.ClientSession() as control:
        placed = await control.post(ym.root_url + "/_sandbox/order", json={"items": {"MUG-1": 2}})
        order = (await placed.json())["result"]
        cancelled = await control.post(ym.root_url + "/_sandbox/cancel", json={"order_id": order["orderId"]})
        assert (await cancelled.json())["result"]["status"] == "CANCELLED"
        refused = await control.post(ym.root_url + "/_sandbox/order", json={"items": {"MUG-1": 99}})
        assert refused.status == 409
    assert order["items"][0]["count"] == 2 and ym.stock_of("MUG-1") == 5


# -- notifications --------------------------------------------------------------------------------------------
Receiver = tuple[str, list[dict[str, Any]]]


@pytest.fixture
async def receiver(aiohttp_server: Callable[..., Awaitable[AiohttpServer]]) -> Receiver:
    """A shop whose URL in the cabinet is /market, answering at /market/notification and nowhere else."""
    got: list[dict[str, Any]] = []

    async def notification(request: web.Request) -> web.Response:
        seen = {"_from": request.headers.get("X-Forwarded-For"), "_peer": request.remote, "_path": request.path}
        got.append(await request.json() | seen)
        return web.json_response({"version": "1.0", "name": "test shop", "time": utc_now().isoformat()})

    app = web.Application()
    app.router.add_post("/market/notification", notification)
    server = await aiohttp_server(app)
    return str(server.make_url("/market")), got


async def test_orders_queue_the_notifications_yandex_sends(ym: YandexSandbox, receiver: Receiver) -> None:
    url, got = receiver
    order_id = ym.place_order({"MUG-1": 1})
    ym.cancel_order(order_id)
    deliveries = await ym.deliver_all(url)
    assert all(d.ok for d in deliveries)
    created, cancelled = got
    assert created["notificationType"] == "ORDER_CREATED" and created["campaignId"] == FBS
    assert created["items"] == [{"offerId": "MUG-1", "count": 1}] and created["orderId"] == order_id
    assert cancelled["notificationType"] == "ORDER_CANCELLED" and "cancelledAt" in cancelled
    assert created["_from"].startswith("5.45.207.")


@pytest.mark.parametrize("entered", ["/market", "/market/"], ids=["bare", "trailing-slash"])
async def test_notifications_go_to_the_notification_resource_under_the_url_the_seller_entered(
    ym: YandexSandbox, receiver: Receiver, entered: str
) -> None:
    url, got = receiver
    delivery = await ym.notify(url.removesuffix("/market") + entered, ping_notification())
    assert delivery.ok and [n["_path"] for n in got] == ["/market/notification"]


async def test_a_shop_listening_only_at_the_url_it_entered_misses_the_notification(
    ym: YandexSandbox, aiohttp_server: Callable[..., Awaitable[AiohttpServer]]
) -> None:
    async def bare(request: web.Request) -> web.Response:
        return web.json_response({"version": "1.0", "name": "test shop", "time": utc_now().isoformat()})

    app = web.Application()
    app.router.add_post("/market", bare)
    server = await aiohttp_server(app)
    delivery = await ym.notify(str(server.make_url("/market")), ping_notification())
    assert (delivery.status, delivery.ok) == (404, False)


async def test_a_notification_can_come_from_another_local_address(ym: YandexSandbox, receiver: Receiver) -> None:
    url, got = receiver
    delivery = await ym.notify(url, ping_notification(), source_ip=None, bind_address="127.0.0.2")
    assert delivery.ok
    assert (got[0]["notificationType"], got[0]["_from"], got[0]["_peer"]) == ("PING", None, "127.0.0.2")


async def test_a_ping_answered_after_a_second_counts_as_unanswered(
    ym: YandexSandbox, aiohttp_server: Callable[..., Awaitable[AiohttpServer]]
) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1.5)
        return web.json_response({"version": "1", "name": "slow shop", "time": utc_now().isoformat()})

    app = web.Application()
    app.router.add_post("/notification", slow)
    server = await aiohttp_server(app)
    delivery = await ym.notify(str(server.make_url("/")), ping_notification())
    assert (delivery.ok, delivery.reason) == (False, "timeout")


async def test_a_ping_answer_without_name_and_version_is_judged_wrong(
    ym: YandexSandbox, aiohttp_server: Callable[..., Awaitable[AiohttpServer]]
) -> None:
    async def bare(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/notification", bare)
    server = await aiohttp_server(app)
    delivery = await ym.notify(str(server.make_url("/")), ping_notification())
    assert delivery.status == 200 and not delivery.ok and "name" in delivery.reason


async def test_a_notification_the_shop_did_not_accept_stays_queued(ym: YandexSandbox, receiver: Receiver) -> None:
    url, got = receiver
    order_id = ym.place_order({"MUG-1": 1})
    [refused] = await ym.deliver_all(url.replace("/market", "/missing"))
    assert (refused.status, refused.ok) == (404, False)
    [accepted] = await ym.deliver_all(url)
    assert accepted.ok and [n["orderId"] for n in got] == [order_id] and ym.notifications == []
