"""The Uzum sandbox over real HTTP: auth, the envelope, stock push/read rules, prices, orders, limits, faults."""

from __future__ import annotations

import asyncio
import base64
import io
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from pypdf import PdfReader

from demo.sandboxes.common import SandboxError, utc_now
from demo.sandboxes.uzum import UzumSandbox

TOKEN = "uzum-test-token-0123456789"
AUTH = {"Authorization": TOKEN}
CATALOG: list[dict[str, Any]] = [
    {
        "skuId": 101,
        "barcode": "4780000000012",
        "productId": 10,
        "price": 150000,
        "sellerSkuCode": "OUR-RED",
        "skuTitle": "Red",
        "productTitle": "Mug",
        "amount": 5,
    },
    {"skuId": 102, "barcode": "4780000000029", "productId": 10, "price": 160000, "skuTitle": "Blue", "amount": 2},
    {"skuId": 103, "barcode": "4780000000036", "productId": 11, "price": 90000, "skuTitle": "One", "amount": 0},
]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers=AUTH) as session:
        yield session


def sandbox(**rules: Any) -> UzumSandbox:
    # The API's shapes are tested here; its rate limit only where a test asks for it.
    created = UzumSandbox(token=TOKEN, **{"rate_limit": False, **rules})
    created.load_catalog(CATALOG)
    return created


@pytest.fixture
async def uzum() -> AsyncIterator[UzumSandbox]:
    async with sandbox() as started:
        yield started


async def push(http: aiohttp.ClientSession, uzum: UzumSandbox, rows: list[dict[str, Any]]) -> aiohttp.ClientResponse:
    return await http.post(uzum.base_url + "/v2/fbs/sku/stocks", json={"skuAmountList": rows})


async def test_missing_token_is_refused_with_401_envelope(uzum: UzumSandbox) -> None:
    async with aiohttp.ClientSession() as anonymous:
        response = await anonymous.get(uzum.base_url + "/v1/shops")
        body = await response.json()
    assert response.status == 401
    assert set(body) == {"payload", "errors", "timestamp", "trace", "error"}
    assert body["payload"] is None and body["errors"][0]["code"] == "unauthorized"


async def test_bearer_prefixed_token_is_refused(uzum: UzumSandbox) -> None:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as bearer:
        response = await bearer.get(uzum.base_url + "/v1/shops")
    assert response.status == 401


async def test_bearer_is_accepted_when_configured(http: aiohttp.ClientSession) -> None:
    async with sandbox(accept_bearer=True) as lenient, aiohttp.ClientSession() as client:
        response = await client.get(lenient.base_url + "/v1/shops", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status == 200


async def test_shops_are_a_bare_list(http: aiohttp.ClientSession, uzum: UzumSandbox) -> None:
    response = await http.get(uzum.base_url + "/v1/shops")
    assert await response.json() == [{"id": 1, "name": "Shop"}]


async def test_pushed_stock_reads_back_through_the_v3_cursor(http: aiohttp.ClientSession, uzum: UzumSandbox) -> None:
    response = await push(http, uzum, [{"skuId": 101, "barcode": "4780000000012", "amount": 9}])
    body = await response.json()
    assert response.status == 200
    assert body["payload"] == {} and body["errors"] == [] and body["error"] is None
    read = await http.get(uzum.base_url + "/v3/fbs/sku/stocks", params={"skuIdFrom": 100, "size": 1})
    rows = (await read.json())["payload"]["skuAmountList"]
    assert rows == [
        {
            "skuId": 101,
            "skuTitle": "Red",
            "productTitle": "Mug",
            "barcode": "4780000000012",
            "amount": 9,
            "fbsAllowed": True,
            "dbsAllowed": False,
            "fbsLinked": True,
            "dbsLinked": False,
            "sellerSkuCode": "OUR-RED",
        }
    ]
    assert uzum.stock_of("OUR-RED") == 9 and uzum.stock_of("4780000000029") == 2  # only listed SKUs change


async def test_row_without_barcode_is_a_storage_service_05(http: aiohttp.ClientSession, uzum: UzumSandbox) -> None:
    response = await push(http, uzum, [{"skuId": 101, "amount": 3}])
    assert response.status == 400
    assert (await response.json())["errors"][0]["code"] == "storage-service-05"
    assert uzum.stock_of(101) == 5


async def test_sku_id_only_rows_match_when_configured(http: aiohttp.ClientSession) -> None:
    async with sandbox(accept_sku_id_only=True) as lenient:
        response = await push(http, lenient, [{"skuId": 101, "amount": 3}])
        assert response.status == 200 and lenient.stock_of(101) == 3


async def test_unknown_barcode_rejects_the_whole_batch(http: aiohttp.ClientSession, uzum: UzumSandbox) -> None:
    rows = [{"barcode": "4780000000012", "amount": 1}, {"barcode": "0", "amount": 1}]
    response = await push(http, uzum, rows)
    body = await response.json()
    assert response.status == 400
    assert [e["code"] for e in body["errors"]] == ["storage-service-09"]
    assert uzum.stock_of("4780000000012") == 5


async def test_valid_rows_apply_when_a_400_does_not_reject_the_batch(http: aiohttp.ClientSession) -> None:
    async with sandbox(batch_400_rejects_all=False) as partial:
        response = await push(http, partial, [{"barcode": "4780000000012", "amount": 1}, {"barcode": "0", "amount": 1}])
        assert response.status == 400 and partial.stock_of("4780000000012") == 1


async def test_batch_over_the_limit_is_refused(http: aiohttp.ClientSession) -> None:
    async with sandbox(stock_batch_limit=2) as small:
        rows = [{"barcode": b, "amount": 1} for b in ("4780000000012", "4780000000029", "4780000000036")]
        response = await push(http, small, rows)
        assert response.status == 400
        assert (await response.json())["errors"][0]["code"] == "storage-service-05"


async def test_amount_over_ten_thousand_is_refused(http: aiohttp.ClientSession, uzum: UzumSandbox) -> None:
    response = await push(http, uzum, [{"barcode": "4780000000012", "amount": 10_001}])
    assert response.status == 400 and uzum.stock_of(101) == 5


async def test_page_mode_is_descending_and_cursor_mode_ascending(
    http: aiohttp.ClientSession, uzum: UzumSandbox
) -> None:
    url = uzum.base_url + "/v3/fbs/sku/stocks"

    async def ids(params: dict[str, Any]) -> list[int]:
        response = await http.get(url, params=params)
        return [row["skuId"] for row in (await response.json())["payload"]["skuAmountList"]]

    assert await ids({"page": 0, "size": 2}) == [103, 102]
    assert await ids({"page": 1, "size": 2}) == [101]
    assert await ids({"skuIdFrom": 0, "size": 2}) == [101, 102]
    assert await ids({"skuIdFrom": 102, "size": 2}) == [103]  # shorter than size: done


async def test_page_and_cursor_together_is_fbs_12(http: aiohttp.ClientSession, uzum: UzumSandbox) -> None:
    response = await http.get(uzum.base_url + "/v3/fbs/sku/stocks", params={"page": 0, "skuIdFrom": 0, "size": 5})
    assert response.status == 400
    assert (await response.json())["errors"][0]["code"] == "fbs-12-illegal-argument"


async def test_size_over_100_is_an_illegal_argument(http: aiohttp.ClientSession, uzum: UzumSandbox) -> None:
    response = await http.get(uzum.base_url + "/v3/fbs/sku/stocks", params={"page": 0, "size": 101})
    assert response.status == 400
    assert (await response.json())["errors"][0]["code"] == "illegal-argument-001"


async def test_product_listing_has_prices_and_int_barcodes_without_envelope(
    http: aiohttp.ClientSession, uzum: UzumSandbox
) -> None:
    response = await http.get(uzum.base_url + "/v1/product/shop/1", params={"page": 0, "size": 10, "sortBy": "ID"})
    body = await response.json()
    assert "payload" not in body and body["totalProductsAmount"] == 2
    mug = next(p for p in body["productList"] if p["productId"] == 10)
    red = next(s for s in mug["skuList"] if s["skuId"] == 101)
    assert red["price"] == 150000 and red["barcode"] == 4780000000012 and red["quantityFbs"] == 5


async def test_buyer_order_is_listed_as_created_and_lowers_stock(
    http: aiohttp.ClientSession, uzum: UzumSandbox
) -> None:
    created = uzum.buyer_orders({"OUR-RED": 2, "4780000000029": 1})
    response = await http.get(uzum.base_url + "/v2/fbs/orders", params={"shopIds": 1})
    payload = (await response.json())["payload"]
    assert payload["totalAmount"] == 1
    order = payload["orders"][0]
    assert order["id"] == created["id"] and order["status"] == "CREATED" and order["scheme"] == "FBS"
    assert isinstance(order["dateCreated"], int) and order["acceptUntil"] - order["dateCreated"] == 16 * 3600 * 1000
    assert order["price"] == 2 * 150000 + 160000
    red, blue = order["orderItems"]
    assert red["amount"] == 2 and red["sellerPrice"] == 150000 and red["sellerSkuCode"] == "OUR-RED"
    assert "skuId" not in red and "barcode" not in red and "sellerSkuCode" not in blue
    assert uzum.stock_of(101) == 3 and uzum.stock_of(102) == 1


async def test_orders_need_shop_ids_and_at_most_50_per_page(http: aiohttp.ClientSession, uzum: UzumSandbox) -> None:
    url = uzum.base_url + "/v2/fbs/orders"
    assert (await http.get(url)).status == 400
    assert (await http.get(url, params={"shopIds": 1, "size": 51})).status == 400


async def test_date_to_before_date_from_is_seller_order_12(http: aiohttp.ClientSession, uzum: UzumSandbox) -> None:
    response = await http.get(
        uzum.base_url + "/v2/fbs/orders", params={"shopIds": 1, "dateFrom": 2_000, "dateTo": 1_000}
    )
    assert (await response.json())["errors"][0]["code"] == "seller-order-12"


async def test_orders_filter_on_date_created_in_epoch_milliseconds(
    http: aiohttp.ClientSession, uzum: UzumSandbox
) -> None:
    now = utc_now()
    old = uzum.buyer_orders({"OUR-RED": 1}, created_at=now - timedelta(days=60))
    recent = uzum.buyer_orders({"OUR-RED": 1}, created_at=now - timedelta(hours=1))
    url = uzum.base_url + "/v2/fbs/orders"
    day_ago = int((now - timedelta(days=1)).timestamp() * 1000)
    payload = (await (await http.get(url, params={"shopIds": 1, "dateFrom": day_ago})).json())["payload"]
    assert [o["id"] for o in payload["orders"]] == [recent["id"]]
    in_seconds = int((now - timedelta(days=1)).timestamp())  # read as milliseconds: January 1970, no filter
    payload = (await (await http.get(url, params={"shopIds": 1, "dateFrom": in_seconds})).json())["payload"]
    assert {o["id"] for o in payload["orders"]} == {old["id"], recent["id"]}


async def test_buyer_cancel_restores_stock_and_lists_as_canceled(
    http: aiohttp.ClientSession, uzum: UzumSandbox
) -> None:
    order = uzum.buyer_orders({"OUR-RED": 2})
    uzum.buyer_cancels(order["id"])
    response = await http.get(uzum.base_url + "/v2/fbs/orders", params={"shopIds": 1, "status": "CANCELED"})
    listed = (await response.json())["payload"]["orders"][0]
    assert listed["cancelReason"] == "CANCELED_BY_CUSTOMER" and listed["dateCancelled"] is not None
    assert listed["orderItems"][0]["status"] == "CANCELED" and listed["orderItems"][0]["cancelled"] == 2
    assert uzum.stock_of(101) == 5


async def test_partial_buyer_cancel_marks_item_partially_cancelled(uzum: UzumSandbox) -> None:
    order = uzum.buyer_orders({"OUR-RED": 3})
    after = uzum.buyer_cancels(order["id"], items={"OUR-RED": 1})
    assert after["status"] == "CREATED" and after["orderItems"][0]["status"] == "PARTIALLY_CANCELLED"
    assert uzum.stock_of(101) == 3


async def test_seller_cancel_keeps_stock_and_refuses_twice(http: aiohttp.ClientSession, uzum: UzumSandbox) -> None:
    order = uzum.buyer_orders({"OUR-RED": 1})
    url = f"{uzum.base_url}/v1/fbs/order/{order['id']}/cancel"
    bad = await http.post(url, json={"reason": "NO_REASON"})
    assert (await bad.json())["errors"][0]["code"] == "seller-order-12"
    ok = await http.post(url, json={"reason": "OUT_OF_STOCK"})
    assert (await ok.json())["payload"]["status"] == "CANCELED"
    again = await http.post(url, json={"reason": "OUT_OF_STOCK"})
    assert (await again.json())["errors"][0]["code"] == "seller-order-13"
    assert uzum.stock_of(101) == 4


async def test_confirm_after_the_deadline_is_seller_order_03(http: aiohttp.ClientSession, uzum: UzumSandbox) -> None:
    fresh = uzum.buyer_orders({"OUR-RED": 1})
    late = uzum.buyer_orders({"OUR-RED": 1}, created_at=utc_now() - timedelta(hours=17))
    ok = await http.post(f"{uzum.base_url}/v1/fbs/order/{fresh['id']}/confirm")
    assert (await ok.json())["payload"]["status"] == "PACKING"
    refused = await http.post(f"{uzum.base_url}/v1/fbs/order/{late['id']}/confirm")
    assert (await refused.json())["errors"][0]["code"] == "seller-order-03"


async def test_single_order_and_count(http: aiohttp.ClientSession, uzum: UzumSandbox) -> None:
    order = uzum.buyer_orders({"OUR-RED": 1})
    single = await http.get(f"{uzum.base_url}/v1/fbs/order/{order['id']}")
    assert (await single.json())["payload"]["id"] == order["id"]
    counted = await http.get(uzum.base_url + "/v2/fbs/orders/count", params={"shopIds": 1})
    assert (await counted.json())["payload"] == 1


async def test_over_the_per_second_limit_is_429_with_rate_headers(http: aiohttp.ClientSession) -> None:
    async with sandbox(rate_limit=True, max_per_second=2) as limited:
        statuses = [(await http.get(limited.base_url + "/v1/shops")) for _ in range(3)]
    assert [r.status for r in statuses] == [200, 200, 429]
    assert statuses[0].headers["X-RateLimit-Burst-Capacity"] == "2"
    assert statuses[0].headers["X-RateLimit-Replenish-Rate"] == "2"
    assert statuses[1].headers["X-RateLimit-Remaining"] == "0"
    assert statuses[2].headers["X-RateLimit-Remaining-Per-Day"] == str(100_000 - 2)
    assert (await statuses[2].json())["errors"][0]["code"] == "too-many-requests"


async def test_throttle_keeps_refusing_after_a_429_without_retry_after(http: aiohttp.ClientSession) -> None:
    async with sandbox(rate_limit=True, max_per_second=5, burst_capacity=1) as limited:  # the default throttle
        await http.get(limited.base_url + "/v1/shops")
        assert (await http.get(limited.base_url + "/v1/shops")).status == 429
        await asyncio.sleep(0.3)  # the bucket has refilled, the throttle has not lifted
        refused = await http.get(limited.base_url + "/v1/shops")
        assert refused.status == 429
        assert "Retry-After" not in refused.headers


async def test_throttle_lifts_after_its_time(http: aiohttp.ClientSession) -> None:
    async with sandbox(rate_limit=True, max_per_second=5, burst_capacity=1, throttle_seconds=0.5) as limited:
        await http.get(limited.base_url + "/v1/shops")
        assert (await http.get(limited.base_url + "/v1/shops")).status == 429
        await asyncio.sleep(0.6)
        assert (await http.get(limited.base_url + "/v1/shops")).status == 200


async def test_fail_next_answers_the_injected_error_once(http: aiohttp.ClientSession, uzum: UzumSandbox) -> None:
    uzum.fail_next("POST /v2/fbs/sku/stocks", 500)
    first = await push(http, uzum, [{"barcode": "4780000000012", "amount": 1}])
    second = await push(http, uzum, [{"barcode": "4780000000012", "amount": 1}])
    assert (first.status, second.status) == (500, 200)
    assert (await first.json())["error"] == "Internal Server Error"


async def test_outage_answers_503_until_lifted(http: aiohttp.ClientSession, uzum: UzumSandbox) -> None:
    uzum.outage(True)
    assert (await http.get(uzum.base_url + "/v1/shops")).status == 503
    uzum.outage(False)
    assert (await http.get(uzum.base_url + "/v1/shops")).status == 200


async def test_slow_next_delays_the_answer(http: aiohttp.ClientSession, uzum: UzumSandbox) -> None:
    uzum.slow_next("/v1/shops", 0.3)
    started = time.monotonic()
    await http.get(uzum.base_url + "/v1/shops")
    assert time.monotonic() - started >= 0.3


async def test_request_log_keeps_the_token_masked(http: aiohttp.ClientSession, uzum: UzumSandbox) -> None:
    await push(http, uzum, [{"barcode": "4780000000012", "amount": 4}])
    entry = uzum.requests[-1]
    assert entry.path == "/api/seller-openapi/v2/fbs/sku/stocks" and entry.body["skuAmountList"][0]["amount"] == 4
    assert TOKEN not in repr(entry) and TOKEN not in str(entry.to_json())
    assert entry.auth_value("Authorization") == TOKEN
    over_http = await (await http.get(uzum.root_url + "/_sandbox/requests")).json()
    assert TOKEN not in str(over_http) and over_http["requests"][-1]["auth"]["Authorization"].startswith("uzum")


async def test_control_routes_drive_catalog_orders_and_stock(http: aiohttp.ClientSession) -> None:
    async with UzumSandbox(token=TOKEN, rate_limit=False) as empty:
        root = empty.root_url + "/_sandbox/"
        await http.post(root + "catalog", json={"items": CATALOG[:1]})
        order = (await (await http.post(root + "order", json={"items": {"OUR-RED": 2}})).json())["result"]
        stock = await (await http.get(root + "stock", params={"key": "OUR-RED"})).json()
        assert stock["amount"] == 3
        await http.post(root + "cancel", json={"order_id": order["id"]})
        assert (await (await http.get(root + "stock")).json())["stock"][0]["amount"] == 5
        refused = await http.post(root + "order", json={"items": {"OUR-RED": 99}})
        assert refused.status == 409
        await http.post(root + "fault", json={"kind": "outage", "on": True})
        assert (await http.get(empty.base_url + "/v1/shops")).status == 503


async def test_a_label_is_a_base64_pdf_of_the_asked_size_once_confirmed(
    http: aiohttp.ClientSession, uzum: UzumSandbox
) -> None:
    order = uzum.buyer_orders({"OUR-RED": 1})
    url = f"{uzum.base_url}/v1/fbs/order/{order['id']}/labels/print"
    assert (await (await http.get(url, params={"size": "LARGE"})).json())["errors"][0]["code"] == "seller-order-02"
    await http.post(f"{uzum.base_url}/v1/fbs/order/{order['id']}/confirm")
    assert (await http.get(url)).status == 400, "size is required"
    document = (await (await http.get(url, params={"size": "BIG"})).json())["payload"]["document"]
    [page] = PdfReader(io.BytesIO(base64.b64decode(document[0]))).pages
    assert (round(float(page.mediabox.width) * 25.4 / 72), round(float(page.mediabox.height) * 25.4 / 72)) == (43, 25)
    assert str(order["id"]) in page.extract_text()


async def test_a_seller_may_not_cancel_with_the_platforms_own_reasons(
    http: aiohttp.ClientSession, uzum: UzumSandbox
) -> None:
    order = uzum.buyer_orders({"OUR-RED": 1})
    url = f"{uzum.base_url}/v1/fbs/order/{order['id']}/cancel"
    refused = await http.post(url, json={"reason": "CANCELED_BY_CUSTOMER"})
    assert (await refused.json())["errors"][0]["code"] == "seller-order-12"
    await http.post(f"{uzum.base_url}/v1/fbs/order/{order['id']}/confirm")
    ok = await http.post(url, json={"reason": "OUT_OF_TIME", "comment": "late"})
    assert (await ok.json())["payload"]["cancelReason"] == "OUT_OF_TIME"


async def test_returns_are_a_bare_array_in_pages_of_at_most_50(http: aiohttp.ClientSession, uzum: UzumSandbox) -> None:
    made = [uzum.add_return({"OUR-RED": 1}, type="DEFECTED") for _ in range(3)]
    url = uzum.base_url + "/v1/return"
    assert (await http.get(url, params={"size": 51})).status == 400
    page = await (await http.get(url, params={"page": 1, "size": 2})).json()
    assert [r["id"] for r in page] == [made[2]["id"]]
    assert page[0]["returnItems"][0]["skuId"] == 101 and page[0]["type"] == "DEFECTED"
    single = await (await http.get(url, params={"returnId": made[0]["id"]})).json()
    assert [r["id"] for r in single] == [made[0]["id"]]


async def test_an_fbs_invoice_lists_its_orders_and_prints_its_act(
    http: aiohttp.ClientSession, uzum: UzumSandbox
) -> None:
    order = uzum.buyer_orders({"OUR-RED": 1})
    with pytest.raises(SandboxError):
        uzum.make_invoice([order["id"]])
    await http.post(f"{uzum.base_url}/v1/fbs/order/{order['id']}/confirm")
    invoice = uzum.make_invoice([order["id"]])
    url = uzum.base_url + "/v1/fbs/invoice"
    assert (await http.get(url)).status == 400, "statuses is required"
    listed = (await (await http.get(url, params={"statuses": "CREATED"})).json())["payload"]
    assert [(i["id"], i["number"]) for i in listed] == [(invoice["id"], 120_000_000_000 + invoice["id"])]
    held = (await (await http.get(f"{url}/{invoice['id']}/orders")).json())["payload"]
    assert [row["orderId"] for row in held] == [order["id"]]
    single = (await (await http.get(f"{uzum.base_url}/v1/fbs/order/{order['id']}")).json())["payload"]
    assert single["invoiceNumber"] == invoice["number"]
    act = (await (await http.get(f"{url}/{invoice['id']}/print")).json())["payload"]["document"]
    assert len(PdfReader(io.BytesIO(base64.b64decode(act))).pages) == 1
    missing = await http.get(f"{url}/1/print")
    assert missing.status == 404 and (await missing.json())["errors"][0]["code"] == "fbs-invoice-01"
