"""The Ozon sandbox's accruals over real HTTP, as the current spec has them: the transaction list is switched off,
the types name each type_id, a posting's accruals carry their currency, a day's accruals page by last_id."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from demo.sandboxes.ozon import OzonSandbox
from demo.sandboxes.ozon_finance_api import TYPE_IDS
from tests.demo.test_sandbox_ozon import HEADERS, sandbox


@pytest.fixture
async def ozon() -> AsyncIterator[OzonSandbox]:
    async with sandbox() as started:
        yield started


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers=HEADERS) as session:
        yield session


async def post(http: aiohttp.ClientSession, ozon: OzonSandbox, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    response = await http.post(ozon.base_url + path, json=body)
    return response.status, await response.json()


async def test_the_switched_off_transaction_list_is_not_found(http: aiohttp.ClientSession, ozon: OzonSandbox) -> None:
    body = {"filter": {"posting_number": "1-1-1"}, "page": 1, "page_size": 10}
    status, _ = await post(http, ozon, "/v3/finance/transaction/list", body)
    assert status == 404


async def test_a_delivered_postings_accruals_name_their_type_and_currency(
    http: aiohttp.ClientSession, ozon: OzonSandbox
) -> None:
    number = ozon.buyer_orders({"OUR-MUG": 2})["posting_number"]
    status, waiting = await post(http, ozon, "/v1/finance/accrual/postings", {"posting_numbers": [number, "0-0-0"]})
    assert status == 200 and waiting == {"posting_accruals": [{"posting_number": number, "accruals": []}]}
    ozon.set_order_status(number, "delivered")

    _, types = await post(http, ozon, "/v1/finance/accrual/types", {})
    _, listed = await post(http, ozon, "/v1/finance/accrual/postings", {"posting_numbers": [number]})

    names = {row["id"]: row["name"] for row in types["accrual_types"]}
    [posting] = listed["posting_accruals"]
    accrued = {names[row["type_id"]]: row["accrued"] for row in posting["accruals"]}
    assert accrued == {
        "Sale": {"amount": "2980.00", "currency": "RUB"},
        "SaleCommission": {"amount": "-447.00", "currency": "RUB"},
        "MarketplaceServiceItemDirectFlowLogistic": {"amount": "-120.00", "currency": "RUB"},
        "MarketplaceServiceItemDelivToCustomer": {"amount": "-50.00", "currency": "RUB"},
        "MarketplaceRedistributionOfAcquiringOperation": {"amount": "-44.70", "currency": "RUB"},
    }
    assert {(row["sku"], row["quantity"]) for row in posting["accruals"]} == {(900001, 2)}


@pytest.mark.parametrize("numbers", [[], [f"1-{n}-1" for n in range(201)], [1]])
async def test_postings_are_asked_1_to_200_by_number(
    http: aiohttp.ClientSession, ozon: OzonSandbox, numbers: list[Any]
) -> None:
    status, body = await post(http, ozon, "/v1/finance/accrual/postings", {"posting_numbers": numbers})
    assert status == 400 and "posting_numbers" in body["message"]


async def test_a_day_pages_by_last_id_until_a_page_is_empty(http: aiohttp.ClientSession, ozon: OzonSandbox) -> None:
    number = ozon.buyer_orders({"OUR-CAP": 1})["posting_number"]
    ozon.set_order_status(number, "delivered")
    storage = ozon.book("OperationMarketplaceServiceStorage", -310.0, sku=900002)
    penalty = ozon.book("OperationMarketplaceWithHoldingForUndeliverableGoods", -50.0)
    day = storage.day.isoformat()

    seen: list[dict[str, Any]] = []
    last_id = ""
    while True:
        status, page = await post(http, ozon, "/v1/finance/accrual/by-day", {"date": day, "last_id": last_id})
        assert status == 200
        if not page["accruals"]:
            break
        seen += page["accruals"]
        last_id = page["last_id"]

    assert [(row["accrued_category"], row["unit_number"]) for row in seen] == [
        ("POSTING", number),
        ("ITEM", ""),
        ("NON_ITEM", ""),
    ]
    assert seen[1]["item_fees"] == {
        "fees": [
            {
                "sku": 900002,
                "fees": [{"accrued": {"amount": "-310.00", "currency": "RUB"}, "type_id": TYPE_IDS[storage.type_name]}],
            }
        ]
    }
    assert seen[2]["non_item_fee"]["type_id"] == TYPE_IDS[penalty.type_name]
    assert seen[0]["total_amount"] == {"amount": "741.65", "currency": "RUB"}


@pytest.mark.parametrize(
    "body",
    [{"date": "2021-12-31", "last_id": ""}, {"date": "07.12.2026", "last_id": ""}, {"date": "2026-12-07"}],
)
async def test_a_day_must_be_a_date_from_2022_with_a_last_id(
    http: aiohttp.ClientSession, ozon: OzonSandbox, body: dict[str, Any]
) -> None:
    status, _ = await post(http, ozon, "/v1/finance/accrual/by-day", body)
    assert status == 400


async def test_a_last_id_goes_on_only_from_its_own_date(http: aiohttp.ClientSession, ozon: OzonSandbox) -> None:
    charge = ozon.book("OperationMarketplaceServiceStorage", -1.0)
    day = charge.day.isoformat()
    _, page = await post(http, ozon, "/v1/finance/accrual/by-day", {"date": day, "last_id": ""})
    status, _ = await post(http, ozon, "/v1/finance/accrual/by-day", {"date": "2026-01-01", "last_id": page["last_id"]})
    assert status == 400
