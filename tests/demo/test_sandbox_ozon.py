"""The Ozon sandbox over real HTTP: Client-Id/Api-Key auth, stock push per-item results and its limits, reads,
FBS postings with reservation, cancellations, rate limits, faults, the request log and push notifications."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpServer

from demo.sandboxes.common import rfc3339, utc_now
from demo.sandboxes.ozon import OzonSandbox
from demo.sandboxes.ozon_push import OzonPushEmitter

CLIENT_ID = "777"
API_KEY = "ozon-test-key-5f2b9c0e-1111"
HEADERS = {"Client-Id": CLIENT_ID, "Api-Key": API_KEY}
WH = 1_020_000_000_000_001
CATALOG: list[dict[str, Any]] = [
    {"offer_id": "OUR-MUG", "product_id": 300001, "sku": 900001, "price": 1490.0, "old_price": 1990.0, "stocks": 5},
    {"offer_id": "OUR-CAP", "product_id": 300002, "sku": 900002, "price": 990.0, "stocks": {WH: 2}},
    {"offer_id": "OUR-OLD", "product_id": 300003, "sku": 900003, "price": 10.0, "archived": True},
]


def sandbox(**rules: Any) -> OzonSandbox:
    created = OzonSandbox(client_id=CLIENT_ID, api_key=API_KEY, **{"rate_limit": False, **rules})
    created.load_catalog(CATALOG)
    return created


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers=HEADERS) as session:
        yield session


@pytest.fixture
async def ozon() -> AsyncIterator[OzonSandbox]:
    async with sandbox() as started:
        yield started


async def call(http: aiohttp.ClientSession, ozon: OzonSandbox, path: str, body: dict[str, Any]) -> Any:
    response = await http.post(ozon.base_url + path, json=body)
    return await response.json()


def pair(offer_id: str, stock: int, warehouse_id: int = WH, product_id: int | None = None) -> dict[str, Any]:
    ids = {"OUR-MUG": 300001, "OUR-CAP": 300002, "OUR-OLD": 300003}
    return {
        "offer_id": offer_id,
        "product_id": product_id or ids.get(offer_id, 1),
        "stock": stock,
        "warehouse_id": warehouse_id,
    }


async def test_missing_auth_headers_are_refused(ozon: OzonSandbox) -> None:
    async with aiohttp.ClientSession() as anonymous:
        response = await anonymous.post(ozon.base_url + "/v2/warehouse/list", json={"limit": 10})
        assert response.status == 401 and (await response.json())["code"] == 16


async def test_wrong_api_key_gets_the_invalid_key_body(ozon: OzonSandbox) -> None:
    async with aiohttp.ClientSession(headers={"Client-Id": CLIENT_ID, "Api-Key": "nope"}) as wrong:
        response = await wrong.post(ozon.base_url + "/v2/warehouse/list", json={"limit": 10})
        body = await response.json()
    assert response.status == 401
    assert body == {"code": 16, "message": "Invalid Api-Key, please check the key and try again", "details": []}


async def test_auth_error_status_is_configurable() -> None:
    async with sandbox(auth_error_status=403) as strict, aiohttp.ClientSession() as anonymous:
        response = await anonymous.post(strict.base_url + "/v2/warehouse/list", json={})
        assert response.status == 403


async def test_stock_push_reports_each_pair_and_reads_back(http: aiohttp.ClientSession, ozon: OzonSandbox) -> None:
    pushed = await call(http, ozon, "/v2/products/stocks", {"stocks": [pair("OUR-MUG", 7)]})
    assert pushed == {
        "result": [{"offer_id": "OUR-MUG", "product_id": 300001, "warehouse_id": WH, "updated": True, "errors": []}]
    }
    read = await call(http, ozon, "/v2/product/info/stocks-by-warehouse/fbs", {"limit": 10, "offer_id": ["OUR-MUG"]})
    assert read["products"] == [
        {
            "offer_id": "OUR-MUG",
            "product_id": 300001,
            "sku": 900001,
            "warehouse_id": WH,
            "warehouse_name": "Sandbox FBS warehouse",
            "present": 7,
            "reserved": 0,
            "free_stock": 7,
        }
    ]
    assert read["cursor"] == "" and read["has_next"] is False


async def test_more_than_100_pairs_is_a_400(http: aiohttp.ClientSession, ozon: OzonSandbox) -> None:
    response = await http.post(ozon.base_url + "/v2/products/stocks", json={"stocks": [pair("OUR-MUG", 1)] * 101})
    body = await response.json()
    assert response.status == 400 and body["code"] == 3 and body["details"] == []


async def test_missing_warehouse_id_is_a_request_validation_error(
    http: aiohttp.ClientSession, ozon: OzonSandbox
) -> None:
    row = {"offer_id": "OUR-MUG", "product_id": 300001, "stock": 1}
    response = await http.post(ozon.base_url + "/v2/products/stocks", json={"stocks": [row]})
    assert response.status == 400
    assert (await response.json())["message"].startswith(
        "Request validation error: invalid ProductsStocksRequest.Stocks[0]"
    )


async def test_per_item_errors_leave_the_good_pairs_updated(http: aiohttp.ClientSession, ozon: OzonSandbox) -> None:
    rows = [
        pair("OUR-MUG", 3),
        pair("NO-SUCH", 1),
        pair("OUR-CAP", 1, warehouse_id=42),
        pair("OUR-CAP", 1_000_000),
        pair("OUR-OLD", 1),
    ]
    result = (await call(http, ozon, "/v2/products/stocks", {"stocks": rows}))["result"]
    assert [r["updated"] for r in result] == [True, False, False, False, False]
    assert [r["errors"][0]["code"] for r in result[1:]] == [
        "NOT_FOUND_ERROR",
        "WAREHOUSE_NOT_FOUND",
        "STOCK_TOO_BIG",
        "PRODUCT_IS_ARCHIVED",
    ]
    assert ozon.stock_of("OUR-MUG") == 3 and ozon.stock_of("OUR-CAP") == 2


async def test_same_pair_within_the_window_is_too_many_requests(http: aiohttp.ClientSession) -> None:
    async with sandbox(pair_window_seconds=0.3) as quick:
        first = (await call(http, quick, "/v2/products/stocks", {"stocks": [pair("OUR-MUG", 1)]}))["result"][0]
        again = (await call(http, quick, "/v2/products/stocks", {"stocks": [pair("OUR-MUG", 2)]}))["result"][0]
        await asyncio.sleep(0.35)
        later = (await call(http, quick, "/v2/products/stocks", {"stocks": [pair("OUR-MUG", 3)]}))["result"][0]
        assert first["updated"] and not again["updated"] and later["updated"]
        assert again["errors"] == [{"code": "TOO_MANY_REQUESTS", "message": "Stock is updated too frequently"}]
        assert quick.stock_of("OUR-MUG") == 3


async def test_81st_stock_request_in_a_minute_is_429_with_retry_after(http: aiohttp.ClientSession) -> None:
    async with sandbox(rate_limit=True, requests_per_second=10_000) as limited:
        url = limited.base_url + "/v2/products/stocks"
        answers = [await http.post(url, json={"stocks": [pair("OUR-MUG", 1)]}) for _ in range(81)]
        assert {a.status for a in answers[:80]} == {200}
        assert answers[79].headers["Ratelimit-Remaining"] == "0"
        refused = answers[80]
        assert refused.status == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
        assert (await refused.json())["code"] == 8
        # other methods are not counted against the stock-push limit
        assert (await http.post(limited.base_url + "/v2/warehouse/list", json={})).status == 200


async def test_offer_id_wins_over_a_mismatched_product_id(http: aiohttp.ClientSession, ozon: OzonSandbox) -> None:
    result = await call(http, ozon, "/v2/products/stocks", {"stocks": [pair("OUR-CAP", 1, product_id=300001)]})
    assert result["result"][0]["product_id"] == 300002
    assert ozon.stock_of("OUR-CAP") == 1 and ozon.stock_of("OUR-MUG") == 5


async def test_product_id_is_required_unless_configured_otherwise(http: aiohttp.ClientSession) -> None:
    row = {"offer_id": "OUR-MUG", "stock": 4, "warehouse_id": WH}
    async with sandbox() as strict:
        assert (await http.post(strict.base_url + "/v2/products/stocks", json={"stocks": [row]})).status == 400
    async with sandbox(require_product_id=False) as lenient:
        assert (await call(http, lenient, "/v2/products/stocks", {"stocks": [row]}))["result"][0]["updated"]


async def test_stock_summary_groups_by_scheme(http: aiohttp.ClientSession, ozon: OzonSandbox) -> None:
    body = {"filter": {"offer_id": ["OUR-MUG"], "visibility": "ALL"}, "limit": 10}
    items = (await call(http, ozon, "/v4/product/info/stocks", body))["items"]
    assert items == [
        {
            "offer_id": "OUR-MUG",
            "product_id": 300001,
            "stocks": [
                {
                    "type": "fbs",
                    "sku": 900001,
                    "present": 5,
                    "reserved": 0,
                    "shipment_type": "SHIPMENT_TYPE_GENERAL",
                    "warehouse_ids": [WH],
                }
            ],
        }
    ]


async def test_prices_page_by_cursor(http: aiohttp.ClientSession, ozon: OzonSandbox) -> None:
    first = await call(http, ozon, "/v5/product/info/prices", {"filter": {"visibility": "ALL"}, "limit": 2})
    second = await call(
        http, ozon, "/v5/product/info/prices", {"filter": {"visibility": "ALL"}, "limit": 2, "cursor": first["cursor"]}
    )
    assert first["cursor"] and second["cursor"] == "" and first["total_items"] == 3
    mug = first["items"][0]
    assert mug["offer_id"] == "OUR-MUG" and mug["price"]["price"] == 1490.0 and mug["price"]["old_price"] == 1990.0
    assert [i["offer_id"] for i in second["items"]] == ["OUR-OLD"]
    assert (await http.post(ozon.base_url + "/v5/product/info/prices", json={"limit": 1001})).status == 400


async def test_product_info_and_listing_map_the_keys(http: aiohttp.ClientSession, ozon: OzonSandbox) -> None:
    info = (await call(http, ozon, "/v3/product/info/list", {"sku": [900002]}))["items"][0]
    assert (info["id"], info["offer_id"], info["price"], info["old_price"]) == (300002, "OUR-CAP", "990.00", "0.00")
    listing = await call(http, ozon, "/v3/product/list", {"filter": {"visibility": "ALL"}, "limit": 2})
    rest = await call(
        http,
        ozon,
        "/v3/product/list",
        {"filter": {"visibility": "ALL"}, "limit": 2, "last_id": listing["result"]["last_id"]},
    )
    assert listing["result"]["total"] == 3
    assert [i["offer_id"] for i in listing["result"]["items"] + rest["result"]["items"]] == [
        "OUR-MUG",
        "OUR-CAP",
        "OUR-OLD",
    ]


async def test_warehouse_list_v2(http: aiohttp.ClientSession, ozon: OzonSandbox) -> None:
    body = await call(http, ozon, "/v2/warehouse/list", {"limit": 200})
    assert body["has_next"] is False and body["warehouses"][0]["warehouse_id"] == WH
    assert {"name", "status", "is_rfbs", "is_kgt", "is_express"} <= set(body["warehouses"][0])


async def test_buyer_order_is_an_unfulfilled_posting_and_reserves_stock(
    http: aiohttp.ClientSession, ozon: OzonSandbox
) -> None:
    created = ozon.buyer_orders({"OUR-MUG": 2})
    since, to = rfc3339(utc_now().replace(year=2020)), rfc3339(utc_now().replace(year=2100))
    body = {"filter": {"cutoff_from": since, "cutoff_to": to}, "limit": 100, "with": {"financial_data": True}}
    listed = await call(http, ozon, "/v4/posting/fbs/unfulfilled/list", body)
    assert listed["count"] == 1 and listed["has_next"] is False
    posting = listed["postings"][0]
    assert posting["posting_number"] == created["posting_number"] and posting["status"] == "awaiting_packaging"
    assert posting["delivery_method"]["warehouse_id"] == WH
    assert posting["products"] == [
        {
            "sku": 900001,
            "offer_id": "OUR-MUG",
            "name": "",
            "quantity": 2,
            "is_marketplace_buyout": False,
            "imei": [],
            "price": {"amount": "1490.00", "currency": "RUB"},
        }
    ]
    assert posting["financial_data"]["products"][0]["product_id"] == 900001
    assert (ozon.stock_of("OUR-MUG"), ozon.reserved_of("OUR-MUG")) == (3, 2)


async def test_unfulfilled_list_needs_exactly_one_date_pair(http: aiohttp.ClientSession, ozon: OzonSandbox) -> None:
    moment = rfc3339(utc_now())
    both = {"filter": {"cutoff_from": moment, "delivering_date_from": moment}, "limit": 10}
    assert (await http.post(ozon.base_url + "/v4/posting/fbs/unfulfilled/list", json=both)).status == 400
    neither = {"filter": {}, "limit": 10}
    assert (await http.post(ozon.base_url + "/v4/posting/fbs/unfulfilled/list", json=neither)).status == 400


async def test_buyer_cancel_frees_the_reserve_and_lists_as_cancelled(
    http: aiohttp.ClientSession, ozon: OzonSandbox
) -> None:
    posting = ozon.buyer_orders({"OUR-MUG": 2})
    ozon.buyer_cancels(posting["posting_number"])
    window = {"since": rfc3339(utc_now() - timedelta(hours=1)), "to": rfc3339(utc_now() + timedelta(hours=1))}
    body = {"filter": {**window, "statuses": ["cancelled"]}, "limit": 10}
    listed = (await call(http, ozon, "/v4/posting/fbs/list", body))["postings"]
    assert [p["posting_number"] for p in listed] == [posting["posting_number"]]
    assert listed[0]["cancellation"]["cancellation_type"] == "customer"
    assert (ozon.stock_of("OUR-MUG"), ozon.reserved_of("OUR-MUG")) == (5, 0)


async def test_unfulfilled_list_also_answers_shipped_and_cancelled_postings(
    http: aiohttp.ClientSession, ozon: OzonSandbox
) -> None:
    shipped, cancelled, delivered = (ozon.buyer_orders({"OUR-MUG": 1})["posting_number"] for _ in range(3))
    ozon.set_order_status(shipped, "delivering")
    ozon.buyer_cancels(cancelled)
    ozon.set_order_status(delivered, "delivered")
    now = utc_now()
    window = {"cutoff_from": rfc3339(now - timedelta(days=1)), "cutoff_to": rfc3339(now + timedelta(days=2))}
    listed = (await call(http, ozon, "/v4/posting/fbs/unfulfilled/list", {"filter": window, "limit": 10}))["postings"]
    assert {p["posting_number"]: p["status"] for p in listed} == {shipped: "delivering", cancelled: "cancelled"}


async def test_posting_list_period_over_a_year_is_a_400(http: aiohttp.ClientSession, ozon: OzonSandbox) -> None:
    body = {"filter": {"since": "2024-01-01T00:00:00Z", "to": "2025-06-01T00:00:00Z"}, "limit": 10}
    assert (await http.post(ozon.base_url + "/v4/posting/fbs/list", json=body)).status == 400


async def test_posting_get_is_wrapped_in_result_with_string_prices(
    http: aiohttp.ClientSession, ozon: OzonSandbox
) -> None:
    number = ozon.buyer_orders({"OUR-CAP": 1})["posting_number"]
    result = (await call(http, ozon, "/v3/posting/fbs/get", {"posting_number": number}))["result"]
    assert result["products"][0]["price"] == "990.00" and result["products"][0]["currency_code"] == "RUB"
    missing = await http.post(ozon.base_url + "/v3/posting/fbs/get", json={"posting_number": "0-0-1"})
    assert missing.status == 404


async def test_seller_cancel_checks_the_reason_and_frees_the_reserve(
    http: aiohttp.ClientSession, ozon: OzonSandbox
) -> None:
    number = ozon.buyer_orders({"OUR-CAP": 1})["posting_number"]
    url = ozon.base_url + "/v2/posting/fbs/cancel"
    assert (await http.post(url, json={"posting_number": number, "cancel_reason_id": 1})).status == 400
    assert (await http.post(url, json={"posting_number": number, "cancel_reason_id": 402})).status == 400
    ok = await call(http, ozon, "/v2/posting/fbs/cancel", {"posting_number": number, "cancel_reason_id": 352})
    assert ok == {"result": True}
    assert ozon.postings[number].status == "cancelled" and ozon.stock_of("OUR-CAP") == 2
    assert (await http.post(url, json={"posting_number": number, "cancel_reason_id": 352})).status == 400


async def test_shipping_takes_the_reserved_units_off_the_warehouse(ozon: OzonSandbox) -> None:
    number = ozon.buyer_orders({"OUR-MUG": 2})["posting_number"]
    ozon.set_order_status(number, "delivering")
    assert (ozon.stock_of("OUR-MUG"), ozon.reserved_of("OUR-MUG")) == (3, 0)
    ozon.buyer_cancels(number)  # after shipment nothing comes back to the shelf
    assert ozon.stock_of("OUR-MUG") == 3


async def test_over_the_per_second_limit_is_429_with_retry_after(http: aiohttp.ClientSession) -> None:
    async with sandbox(rate_limit=True, requests_per_second=2) as limited:
        answers = [await http.post(limited.base_url + "/v2/warehouse/list", json={}) for _ in range(3)]
    assert [a.status for a in answers] == [200, 200, 429]
    assert answers[2].headers["Retry-After"] == "1"
    assert (await answers[2].json())["message"] == "You have reached request rate limit per second"


async def test_fail_next_and_outage(http: aiohttp.ClientSession, ozon: OzonSandbox) -> None:
    ozon.fail_next("/v2/products/stocks", 500, times=2)
    first = await http.post(ozon.base_url + "/v2/products/stocks", json={"stocks": [pair("OUR-MUG", 1)]})
    assert first.status == 500 and (await first.json())["code"] == 13
    assert (await http.post(ozon.base_url + "/v2/products/stocks", json={"stocks": []})).status == 500
    assert (await http.post(ozon.base_url + "/v2/products/stocks", json={"stocks": [pair("OUR-MUG", 1)]})).status == 200
    ozon.outage(True)
    assert (await http.post(ozon.base_url + "/v2/warehouse/list", json={})).status == 503


async def test_request_log_masks_the_api_key_but_shows_client_id(
    http: aiohttp.ClientSession, ozon: OzonSandbox
) -> None:
    await call(http, ozon, "/v2/products/stocks", {"stocks": [pair("OUR-MUG", 6)]})
    entry = ozon.requests[-1]
    assert entry.body == {"stocks": [pair("OUR-MUG", 6)]} and entry.headers["Client-Id"] == CLIENT_ID
    assert API_KEY not in repr(entry) and API_KEY not in str(entry.to_json())
    assert entry.auth_value("Api-Key") == API_KEY


# -- push notifications ----------------------------------------------------------------------------------------
Answer = Callable[[dict[str, Any]], web.StreamResponse]


class Receiver:
    """Our side of Ozon push: records what arrives, answers per a script or correctly."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.requests: list[web.Request] = []
        self.script: list[Answer | float] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.received.append(body)
        self.requests.append(request)
        step = self.script.pop(0) if self.script else None
        if isinstance(step, float):
            await asyncio.sleep(step)
        elif step is not None:
            return step(body)
        if body["message_type"] == "TYPE_PING":
            return web.json_response({"version": "1.0", "name": "amazing-store", "time": rfc3339(utc_now())})
        return web.json_response({"result": True})


@pytest.fixture
async def receiver(aiohttp_server: Callable[..., Awaitable[AiohttpServer]]) -> Receiver:
    target = Receiver()
    app = web.Application()
    app.router.add_post("/ozon/push", target.handle)
    server = await aiohttp_server(app)
    target.url = str(server.make_url("/ozon/push"))
    return target


async def test_push_pings_then_sends_the_new_posting(receiver: Receiver, ozon: OzonSandbox) -> None:
    ozon.connect_push(receiver.url, backoff=(0.05,))
    posting = ozon.buyer_orders({"OUR-MUG": 1})
    await ozon.wait_push()
    ping, event = receiver.received
    assert ping["message_type"] == "TYPE_PING" and ping["time"].endswith("Z")
    assert event == {
        "message_type": "TYPE_NEW_POSTING",
        "seller_id": 777,
        "warehouse_id": WH,
        "posting_number": posting["posting_number"],
        "in_process_at": posting["in_process_at"],
        "products": [{"sku": 900001, "offer_id": "OUR-MUG", "quantity": 1}],
        "shipment_date": posting["shipment_date"],
        "tpl_integration_type": "ozon",
        "is_express": False,
        "tracking_number": "",
        "delivery_date_begin": posting["shipment_date"],
        "delivery_date_end": posting["shipment_date"],
    }
    assert receiver.requests[0].headers["X-Forwarded-For"] == "195.34.21.10"


async def test_push_retries_a_non_200_answer(receiver: Receiver, ozon: OzonSandbox) -> None:
    emitter = ozon.connect_push(receiver.url, backoff=(0.05, 0.05))
    receiver.script = [
        lambda body: web.json_response({"version": "1", "name": "x", "time": rfc3339(utc_now())}),
        lambda body: web.json_response(
            {"error": {"code": "ERROR_UNKNOWN", "message": "", "details": None}}, status=500
        ),
    ]
    ozon.buyer_orders({"OUR-MUG": 1})
    await ozon.wait_push()
    assert [a.outcome for a in emitter.attempts] == ["OK", "SERVER_FAULT", "OK"]
    assert [m["message_type"] for m in receiver.received] == ["TYPE_PING", "TYPE_NEW_POSTING", "TYPE_NEW_POSTING"]
    assert emitter.undelivered == []


async def test_push_gives_up_after_the_schedule(receiver: Receiver, ozon: OzonSandbox) -> None:
    emitter = ozon.connect_push(receiver.url, backoff=(0.01, 0.01))

    def refuse(body: dict[str, Any]) -> web.StreamResponse:
        return web.json_response({"result": False}, status=400)

    receiver.script = [refuse, refuse, refuse]
    ozon.buyer_orders({"OUR-MUG": 1})
    await ozon.wait_push()
    assert [a.outcome for a in emitter.attempts] == ["STATUS_CODE_NOT_OK"] * 3
    assert [m["message_type"] for m in emitter.undelivered] == ["TYPE_PING", "TYPE_NEW_POSTING"]


async def test_cancel_and_state_change_events_have_the_documented_shape(receiver: Receiver, ozon: OzonSandbox) -> None:
    ozon.connect_push(receiver.url, backoff=(0.05,))
    shipped = ozon.buyer_orders({"OUR-MUG": 1})["posting_number"]
    cancelled = ozon.buyer_orders({"OUR-CAP": 1})["posting_number"]
    ozon.set_order_status(shipped, "delivering")
    ozon.buyer_cancels(cancelled)
    await ozon.wait_push()
    state, cancel = receiver.received[-2:]
    assert state == {
        "message_type": "TYPE_STATE_CHANGED",
        "seller_id": 777,
        "warehouse_id": WH,
        "posting_number": shipped,
        "new_state": "posting_in_carriage",
        "changed_state_date": state["changed_state_date"],
    }
    assert cancel["message_type"] == "TYPE_POSTING_CANCELLED" and cancel["posting_number"] == cancelled
    assert cancel["products"] == [{"sku": 900002, "quantity": 1}]
    assert (cancel["old_state"], cancel["new_state"]) == ("posting_created", "posting_canceled")
    assert set(cancel["reason"]) == {"id", "message"} and cancel["changed_state_date"].endswith("Z")


async def test_ping_check_judges_the_answer_like_ozon(receiver: Receiver) -> None:
    emitter = OzonPushEmitter(receiver.url, backoff=())
    receiver.script = [
        lambda body: web.Response(text="pong"),
        lambda body: web.json_response({"version": "1", "name": "x"}),
        lambda body: web.Response(status=200),
    ]
    try:
        outcomes = [(await emitter.check()).outcome for _ in range(4)]
    finally:
        await emitter.close()
    assert outcomes == ["INVALID_BODY", "WRONG_RESULT_TIME_FIELD", "EMPTY_BODY", "OK"]
    assert emitter.pinged


async def test_slow_receiver_times_out_and_is_retried(receiver: Receiver) -> None:
    emitter = OzonPushEmitter(receiver.url, backoff=(0.01,), timeout=0.2)
    receiver.script = [0.5]
    try:
        delivered = await emitter.emit([{"message_type": "TYPE_STATE_CHANGED", "posting_number": "1-1-1"}])
    finally:
        await emitter.close()
    assert delivered and [a.outcome for a in emitter.attempts] == ["REQUEST_TIMEOUT", "OK", "OK"]


def loopback_alias_usable() -> bool:
    try:
        with socket.socket() as probe:
            probe.bind(("127.0.0.2", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not loopback_alias_usable(), reason="127.0.0.2 is not bindable here (Linux has it by default)")
async def test_push_can_come_from_a_chosen_local_address(receiver: Receiver) -> None:
    emitter = OzonPushEmitter(receiver.url, bind_address="127.0.0.2", source_ip=None)
    try:
        assert (await emitter.check()).outcome == "OK"
    finally:
        await emitter.close()
    assert receiver.requests[0].remote == "127.0.0.2"
    assert "X-Forwarded-For" not in receiver.requests[0].headers
