"""The Wildberries sandbox over real HTTP: auth, stock by chrtId and its quirks, cards, prices, assembly tasks,
per-category token buckets with the X-Ratelimit-* headers, faults and the request log, supplies and stickers, the
returns report."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from demo.sandboxes.common import utc_now
from demo.sandboxes.wildberries import DEFAULT_RATES, WildberriesSandbox

TOKEN = "wb-test-token-eyJhbGciOiJFUzI1NiJ9"
AUTH = {"Authorization": TOKEN}
WAREHOUSE = 1_000_001
CATALOG: list[dict[str, Any]] = [
    {
        "nmID": 5001,
        "chrtId": 7001,
        "barcode": "2000000000011",
        "vendorCode": "OUR-TEE",
        "techSize": "S",
        "price": 500,
        "discount": 30,
        "stock": 5,
    },
    {"nmID": 5001, "chrtId": 7002, "barcode": "2000000000028", "techSize": "M", "price": 500, "stock": 1},
    {"nmID": 5002, "chrtId": 7003, "barcodes": ["2000000000035"], "vendorCode": "OUR-CAP", "price": 900, "stock": 0},
]


def sandbox(**rules: Any) -> WildberriesSandbox:
    created = WildberriesSandbox(token=TOKEN, **{"rate_limit": False, **rules})
    created.load_catalog(CATALOG)
    return created


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers=AUTH) as session:
        yield session


@pytest.fixture
async def wb() -> AsyncIterator[WildberriesSandbox]:
    async with sandbox() as started:
        yield started


def stocks_url(wb: WildberriesSandbox, warehouse: int = WAREHOUSE) -> str:
    return f"{wb.base_url}/api/v3/stocks/{warehouse}"


async def test_missing_token_is_401_with_the_gateway_body(wb: WildberriesSandbox) -> None:
    async with aiohttp.ClientSession() as anonymous:
        response = await anonymous.get(wb.base_url + "/api/v3/warehouses")
        body = await response.json()
    assert response.status == 401
    assert {"title", "detail", "code", "requestId", "origin", "status", "statusText", "timestamp"} <= set(body)


async def test_warehouses_list_the_seller_warehouses(http: aiohttp.ClientSession, wb: WildberriesSandbox) -> None:
    warehouses = await (await http.get(wb.base_url + "/api/v3/warehouses")).json()
    assert warehouses[0]["id"] == WAREHOUSE and warehouses[0]["isProcessing"] is False
    assert {"name", "officeId", "cargoType", "deliveryType", "isDeleting"} <= set(warehouses[0])


async def test_stock_push_by_chrt_id_reads_back(http: aiohttp.ClientSession, wb: WildberriesSandbox) -> None:
    pushed = await http.put(stocks_url(wb), json={"stocks": [{"chrtId": 7001, "amount": 8}]})
    assert pushed.status == 204
    read = await http.post(stocks_url(wb), json={"chrtIds": [7001, 7002]})
    assert await read.json() == {"stocks": [{"chrtId": 7001, "amount": 8}, {"chrtId": 7002, "amount": 1}]}


async def test_wrong_field_names_are_ignored_with_204(http: aiohttp.ClientSession, wb: WildberriesSandbox) -> None:
    legacy = await http.put(stocks_url(wb), json={"stocks": [{"sku": "2000000000011", "amount": 3}]})
    misspelt = await http.put(stocks_url(wb), json={"stock": [{"chrtId": 7001, "amount": 3}]})
    assert (legacy.status, misspelt.status) == (204, 204)
    assert wb.stock_of(7001) == 5


async def test_amount_over_100000_is_409_upload_data_limit(http: aiohttp.ClientSession, wb: WildberriesSandbox) -> None:
    rows = [{"chrtId": 7001, "amount": 100_001}, {"chrtId": 7002, "amount": 4}]
    response = await http.put(stocks_url(wb), json={"stocks": rows})
    body = await response.json()
    assert response.status == 409
    assert body == [
        {"code": "UploadDataLimit", "message": body[0]["message"], "data": [{"chrtId": 7001, "amount": 100_001}]}
    ]
    assert wb.stock_of(7002) == 1  # [I] default: the good rows of a 409 batch are not applied


async def test_valid_rows_of_a_409_apply_when_configured(http: aiohttp.ClientSession) -> None:
    async with sandbox(apply_valid_rows_on_409=True) as partial:
        rows = [{"chrtId": 9999, "amount": 1}, {"chrtId": 7002, "amount": 4}]
        response = await http.put(stocks_url(partial), json={"stocks": rows})
        assert response.status == 409 and (await response.json())[0]["code"] == "NotFound"
        assert partial.stock_of(7002) == 4


async def test_unknown_warehouse_is_404(http: aiohttp.ClientSession, wb: WildberriesSandbox) -> None:
    response = await http.put(stocks_url(wb, 42), json={"stocks": [{"chrtId": 7001, "amount": 1}]})
    assert response.status == 404
    assert await response.json() == {"code": "NotFound", "message": "", "data": None}


async def test_processing_warehouse_is_409_store_is_processing(
    http: aiohttp.ClientSession, wb: WildberriesSandbox
) -> None:
    wb.set_warehouse(WAREHOUSE, isProcessing=True)
    response = await http.put(stocks_url(wb), json={"stocks": [{"chrtId": 7001, "amount": 1}]})
    assert response.status == 409 and (await response.json())[0]["code"] == "StoreIsProcessing"
    assert wb.stock_of(7001) == 5


async def test_blocked_stock_updates_are_406(http: aiohttp.ClientSession, wb: WildberriesSandbox) -> None:
    wb.block_stock_updates()
    response = await http.put(stocks_url(wb), json={"stocks": [{"chrtId": 7001, "amount": 1}]})
    assert response.status == 406 and (await response.json())["code"] == "StatusNotAcceptable"


async def test_batch_over_the_limit_is_400(http: aiohttp.ClientSession) -> None:
    async with sandbox(stock_batch_limit=2) as small:
        rows = [{"chrtId": c, "amount": 1} for c in (7001, 7002, 7003)]
        response = await http.put(stocks_url(small), json={"stocks": rows})
        assert response.status == 400 and (await response.json())["code"] == "IncorrectRequestBody"


async def test_cards_list_pages_by_copying_the_cursor(http: aiohttp.ClientSession, wb: WildberriesSandbox) -> None:
    url = wb.base_url + "/content/v2/get/cards/list"
    settings: dict[str, Any] = {"cursor": {"limit": 1}, "filter": {"withPhoto": -1}}
    seen: list[int] = []
    while True:
        body = await (await http.post(url, json={"settings": settings})).json()
        seen += [card["nmID"] for card in body["cards"]]
        if body["cursor"]["total"] < 1:
            break
        settings["cursor"] = {"limit": 1, "updatedAt": body["cursor"]["updatedAt"], "nmID": body["cursor"]["nmID"]}
    assert sorted(seen) == [5001, 5002]


async def test_card_sizes_map_chrt_id_to_barcodes(http: aiohttp.ClientSession, wb: WildberriesSandbox) -> None:
    body = {"settings": {"cursor": {"limit": 100}, "filter": {"withPhoto": -1, "textSearch": "OUR-TEE"}}}
    cards = (await (await http.post(wb.base_url + "/content/v2/get/cards/list", json=body)).json())["cards"]
    assert len(cards) == 1 and cards[0]["vendorCode"] == "OUR-TEE"
    assert cards[0]["sizes"] == [
        {"chrtID": 7001, "techSize": "S", "wbSize": "", "skus": ["2000000000011"]},
        {"chrtID": 7002, "techSize": "M", "wbSize": "", "skus": ["2000000000028"]},
    ]


async def test_prices_list_discounted_price_per_size(http: aiohttp.ClientSession, wb: WildberriesSandbox) -> None:
    listed = await (await http.get(wb.base_url + "/api/v2/list/goods/filter", params={"limit": 10})).json()
    assert listed["error"] is False and listed["errorText"] == ""
    tee = listed["data"]["listGoods"][0]
    assert tee["nmID"] == 5001 and tee["discount"] == 30 and tee["currencyIsoCode4217"] == "RUB"
    assert tee["sizes"][0] == {
        "sizeID": 7001,
        "techSizeName": "S",
        "price": 500,
        "discountedPrice": 350,
        "clubDiscountedPrice": 350,
    }
    by_nm = await (await http.post(wb.base_url + "/api/v2/list/goods/filter", json={"nmList": [5002]})).json()
    assert [g["nmID"] for g in by_nm["data"]["listGoods"]] == [5002]


async def test_buyer_order_is_one_task_per_unit_and_lowers_stock(
    http: aiohttp.ClientSession, wb: WildberriesSandbox
) -> None:
    tasks = wb.buyer_orders({"2000000000011": 2})
    fresh = (await (await http.get(wb.base_url + "/api/v3/orders/new")).json())["orders"]
    assert [t["id"] for t in fresh] == [t["id"] for t in tasks] and len(fresh) == 2
    task = fresh[0]
    assert task["chrtId"] == 7001 and task["nmId"] == 5001 and task["skus"] == ["2000000000011"]
    assert task["article"] == "OUR-TEE" and task["warehouseId"] == WAREHOUSE and task["deliveryType"] == "fbs"
    assert task["price"] == 50_000 and task["finalPrice"] == 35_000 and task["isZeroOrder"] is False
    assert task["createdAt"].endswith("Z") and "quantity" not in task and "supplyId" not in task
    assert fresh[0]["orderUid"] == fresh[1]["orderUid"] and fresh[0]["rid"] != fresh[1]["rid"]
    assert wb.stock_of(7001) == 3


async def test_order_history_pages_with_next(http: aiohttp.ClientSession, wb: WildberriesSandbox) -> None:
    wb.buyer_orders({7001: 3})
    url = wb.base_url + "/api/v3/orders"
    first = await (await http.get(url, params={"limit": 2, "next": 0})).json()
    second = await (await http.get(url, params={"limit": 2, "next": first["next"]})).json()
    last = await (await http.get(url, params={"limit": 2, "next": second["next"]})).json()
    assert (len(first["orders"]), len(second["orders"]), last["orders"]) == (2, 1, [])
    assert "supplyId" in first["orders"][0]
    assert (await http.get(url, params={"limit": 2})).status == 400


async def test_order_history_lists_tasks_created_in_a_window_of_at_most_30_days(
    http: aiohttp.ClientSession, wb: WildberriesSandbox
) -> None:
    now = utc_now()
    old = wb.buyer_orders({7001: 1}, created_at=now - timedelta(days=3))[0]
    fresh = wb.buyer_orders({7001: 1})[0]
    wb.set_order_status(old["id"], "confirm")
    url = wb.base_url + "/api/v3/orders"
    since = int((now - timedelta(days=1)).timestamp())
    recent = await (await http.get(url, params={"limit": 10, "next": 0, "dateFrom": since})).json()
    assert [t["id"] for t in recent["orders"]] == [fresh["id"]]
    everything = await (await http.get(url, params={"limit": 10, "next": 0})).json()  # default: the last 30 days
    assert [t["id"] for t in everything["orders"]] == [old["id"], fresh["id"]]
    assert everything["orders"][0]["supplyId"] is not None and everything["orders"][1]["supplyId"] is None
    assert "supplierStatus" not in everything["orders"][0] and "wbStatus" not in everything["orders"][0]
    fresh_only = (await (await http.get(url.replace("/orders", "/orders/new"))).json())["orders"]
    assert [t["id"] for t in fresh_only] == [fresh["id"]], "a task on a supply has left /orders/new"
    too_long = {"limit": 10, "next": 0, "dateFrom": int((now - timedelta(days=31)).timestamp())}
    assert (await http.get(url, params=too_long)).status == 400
    assert (await http.get(url, params={"limit": 1001, "next": 0})).status == 400


async def test_buyer_cancel_shows_declined_by_client_and_restores_stock(
    http: aiohttp.ClientSession, wb: WildberriesSandbox
) -> None:
    task = wb.buyer_orders({7001: 1})[0]
    wb.buyer_cancels(task["id"])
    response = await http.post(wb.base_url + "/api/v3/orders/status", json={"orders": [task["id"]]})
    assert (await response.json())["orders"] == [
        {"id": task["id"], "supplierStatus": "new", "wbStatus": "declined_by_client", "isCancellable": False}
    ]
    assert wb.stock_of(7001) == 5
    assert (await (await http.get(wb.base_url + "/api/v3/orders/new")).json())["orders"] == []


async def test_seller_cancel_is_204_then_409(http: aiohttp.ClientSession, wb: WildberriesSandbox) -> None:
    task = wb.buyer_orders({7001: 1})[0]
    url = f"{wb.base_url}/api/v3/orders/{task['id']}/cancel"
    assert (await http.patch(url)).status == 204
    assert (await http.patch(url)).status == 409
    assert wb.stock_of(7001) == 4  # [I] default: a seller's cancel does not return the unit


async def test_order_beyond_stock_is_a_zero_order(wb: WildberriesSandbox) -> None:
    task = wb.buyer_orders({"OUR-CAP": 1}, allow_oversell=True)[0]
    assert task["isZeroOrder"] is True and wb.stock_of("OUR-CAP") == 0


async def test_exhausted_bucket_is_429_with_retry_limit_reset(http: aiohttp.ClientSession) -> None:
    async with sandbox(rate_limit=True, rates={**DEFAULT_RATES, "marketplace": (60, 2)}) as limited:
        answers = [await http.get(limited.base_url + "/api/v3/warehouses") for _ in range(3)]
    assert [a.status for a in answers] == [200, 200, 429]
    assert [a.headers.get("X-Ratelimit-Remaining") for a in answers[:2]] == ["1", "0"]
    refused = answers[2]
    assert refused.headers["X-Ratelimit-Retry"] == "1" and refused.headers["X-Ratelimit-Limit"] == "2"
    assert refused.headers["X-Ratelimit-Reset"] == "2"
    body = await refused.json()
    assert body["status"] == 429 and body["title"] == "too many requests" and body["statusText"] == "Too Many Requests"


async def test_a_4xx_costs_ten_requests(http: aiohttp.ClientSession) -> None:
    async with sandbox(rate_limit=True, rates={**DEFAULT_RATES, "marketplace": (6, 20)}) as limited:
        bad = await http.put(stocks_url(limited, 42), json={"stocks": []})
        good = await http.get(limited.base_url + "/api/v3/warehouses")
    assert bad.status == 404 and bad.headers["X-Ratelimit-Remaining"] == "10"
    assert good.headers["X-Ratelimit-Remaining"] == "9"


async def test_categories_have_separate_buckets(http: aiohttp.ClientSession) -> None:
    async with sandbox(rate_limit=True, rates={**DEFAULT_RATES, "prices": (6, 1)}) as limited:
        prices = limited.base_url + "/api/v2/list/goods/filter"
        assert (await http.get(prices, params={"limit": 1})).status == 200
        assert (await http.get(prices, params={"limit": 1})).status == 429
        assert (await http.get(limited.base_url + "/api/v3/warehouses")).status == 200


async def test_seller_info_has_its_own_bucket_of_ten_then_one_a_minute(http: aiohttp.ClientSession) -> None:
    async with sandbox(rate_limit=True) as limited:  # WB-SPEC 01-general.yaml getV1SellerInfo
        answers = [await http.get(limited.base_url + "/api/v1/seller-info") for _ in range(11)]
        other = await http.get(limited.base_url + "/api/v3/warehouses")
    assert [a.status for a in answers] == [200] * 10 + [429] and other.status == 200
    assert answers[10].headers["X-Ratelimit-Retry"] == "60"
    assert await answers[0].json() == {
        "name": "ИП Sandbox Seller",
        "sid": "e8923014-e233-47a8-898e-3cc86d67ea61",
        "tin": "1234567890",
        "tradeMark": "Sandbox Store",
    }


async def test_analytics_stock_report_lags_behind_pushes(http: aiohttp.ClientSession, wb: WildberriesSandbox) -> None:
    url = wb.base_url + "/api/analytics/v1/stocks-report/seller-warehouses"
    before = (await (await http.post(url, json={"chrtIds": [7001]})).json())["data"]["items"]
    await http.put(stocks_url(wb), json={"stocks": [{"chrtId": 7001, "amount": 9}]})
    after = (await (await http.post(url, json={"chrtIds": [7001]})).json())["data"]["items"]
    assert before[0]["quantity"] == after[0]["quantity"] == 5
    assert after[0] | {"quantity": 0} == {
        "nmId": 5001,
        "chrtId": 7001,
        "warehouseId": WAREHOUSE,
        "warehouseName": "Sandbox FBS warehouse",
        "regionName": after[0]["regionName"],
        "quantity": 0,
    }
    assert (await http.post(url, json={"chrtIds": [123]})).status == 204


async def test_fail_next_uses_the_given_status_headers_and_body(
    http: aiohttp.ClientSession, wb: WildberriesSandbox
) -> None:
    wb.fail_next("PUT /api/v3/stocks/*", 429, headers={"X-Ratelimit-Retry": "3"}, body={"title": "too many requests"})
    refused = await http.put(stocks_url(wb), json={"stocks": [{"chrtId": 7001, "amount": 1}]})
    assert refused.status == 429 and refused.headers["X-Ratelimit-Retry"] == "3"
    assert await refused.json() == {"title": "too many requests"}
    assert (await http.put(stocks_url(wb), json={"stocks": [{"chrtId": 7001, "amount": 1}]})).status == 204


async def test_outage_answers_503_on_every_host_path(http: aiohttp.ClientSession, wb: WildberriesSandbox) -> None:
    wb.outage(True)
    assert (await http.get(wb.base_url + "/api/v3/orders/new")).status == 503
    assert (await http.get(wb.base_url + "/api/v2/list/goods/filter", params={"limit": 1})).status == 503


async def test_request_log_records_the_body_and_masks_the_token(
    http: aiohttp.ClientSession, wb: WildberriesSandbox
) -> None:
    await http.put(stocks_url(wb), json={"stocks": [{"chrtId": 7001, "amount": 2}]})
    [entry] = wb.requests_to("PUT /api/v3/stocks/*")
    assert entry.body == {"stocks": [{"chrtId": 7001, "amount": 2}]} and entry.status == 204
    assert TOKEN not in repr(entry) and entry.auth_value("authorization") == TOKEN


async def test_supply_refusals_follow_the_spec(http: aiohttp.ClientSession, wb: WildberriesSandbox) -> None:
    """A closed supply takes no task and is not closed twice; its QR code only once closed; stickers only for
    tasks in a supply, at most 100, in the two sizes WB prints."""
    task = wb.buyer_orders({7001: 1})[0]["id"]
    async with http.post(wb.base_url + "/api/v3/supplies", json={"name": ""}) as response:
        assert response.status == 400
    async with http.post(wb.base_url + "/api/v3/supplies", json={"name": "today"}) as response:
        assert response.status == 201
        supply = (await response.json())["id"]
    supply_url = f"{wb.base_url}/api/v3/supplies/{supply}"
    async with http.patch(supply_url + "/deliver") as response:
        assert response.status == 409 and (await response.json())["code"] == "SupplyHasZeroOrders"
    async with http.get(supply_url + "/barcode", params={"type": "png"}) as response:
        assert response.status == 409 and (await response.json())["code"] == "SupplyNotClosed"
    stickers = wb.base_url + "/api/v3/orders/stickers"
    sized = {"type": "png", "width": "58", "height": "40"}
    async with http.post(stickers, params=sized, json={"orders": [task]}) as response:
        assert response.status == 409  # still `new`: not in a supply
    add = f"{wb.base_url}/api/marketplace/v3/supplies/{supply}/orders"
    async with http.patch(add, json={"orders": [task]}) as response:
        assert response.status == 204
    async with http.post(stickers, params={**sized, "width": "100"}, json={"orders": [task]}) as response:
        assert response.status == 400
    async with http.post(stickers, params=sized, json={"orders": [task] * 101}) as response:
        assert response.status == 400
    async with http.patch(supply_url + "/deliver") as response:
        assert response.status == 204
    async with http.patch(supply_url + "/deliver") as response:
        assert response.status == 409
    async with http.get(supply_url) as response:
        assert (await response.json())["done"] is True
    other = wb.buyer_orders({7001: 1})[0]["id"]
    async with http.patch(add, json={"orders": [other]}) as response:
        assert response.status == 409 and (await response.json())["code"] == "FailedToAddSupplyOrder"
    async with http.patch(f"{wb.base_url}/api/v3/supplies/{supply}/orders/{other}") as response:
        assert response.status == 404  # the old per-task call is gone


async def test_the_returns_report_spans_at_most_31_days(http: aiohttp.ClientSession, wb: WildberriesSandbox) -> None:
    url = wb.base_url + "/api/v1/analytics/goods-return"
    async with http.get(url, params={"dateFrom": "2026-01-01", "dateTo": "2026-02-15"}) as response:
        assert response.status == 400
    task = wb.buyer_orders({7001: 1})[0]["id"]
    async with http.post(wb.root_url + "/_sandbox/return", json={"orderId": task, "reason": "Брак"}) as response:
        assert response.status == 200
    today = utc_now().date()
    window = {"dateFrom": (today - timedelta(days=1)).isoformat(), "dateTo": (today + timedelta(days=1)).isoformat()}
    async with http.get(url, params=window) as response:
        [row] = (await response.json())["report"]
    assert (row["orderId"], row["barcode"], row["reason"]) == (task, "2000000000011", "Брак") and row["completedDt"]
