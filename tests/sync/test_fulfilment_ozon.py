"""Ozon's FBS work from our side against the sandbox: ship, labels, cancel with Ozon's reasons, the carriage and its
act, returns, and the shipment date as the order's deadline (Ozon cancels a posting that misses it)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pypdf import PdfReader

from core.marketplace_orders import OpenOrder
from sync.adapter import Fulfilment, WorkOrder
from sync.http import MarketplaceError
from sync.ozon import OzonAdapter
from tests.sync.world import OZON_CLIENT, OZON_KEY, World


def _ozon(world: World) -> OzonAdapter:
    adapter = world.adapter("ozon")
    assert isinstance(adapter, OzonAdapter) and isinstance(adapter, Fulfilment)
    return adapter


def _posting(world: World, quantity: int = 1) -> str:
    offer_id = next(iter(world.ozon.items))
    posting = world.ozon.buyer_orders({offer_id: quantity}, allow_oversell=True)
    return str(posting["posting_number"])


def _pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


async def test_the_deadline_is_the_postings_shipment_date(world: World) -> None:
    ozon = _ozon(world)
    key = _posting(world)
    expected = world.ozon.postings[key].shipment_date
    [listed] = await ozon.incoming_orders(None)
    single = await ozon.order(key)
    assert listed.deadline == expected and single is not None and single.deadline == expected


async def test_confirm_ships_one_package_and_labels_come_only_after_it(world: World) -> None:
    ozon = _ozon(world)
    first, second = _posting(world, 2), _posting(world)
    with pytest.raises(MarketplaceError, match="NO_POSTINGS_FOR_BATCH_DOWNLOAD"):
        await ozon.labels([WorkOrder(first)])
    confirmed = await ozon.confirm(WorkOrder(first))
    assert world.ozon.postings[first].status == "awaiting_deliver"
    assert confirmed.deadline == world.ozon.postings[first].shipment_date
    [ship] = world.ozon.requests_to("POST /v4/posting/fbs/ship")
    line = world.ozon.postings[first].lines[0]
    assert ship.body["packages"] == [{"products": [{"product_id": line.item.sku, "quantity": 2}]}]
    with pytest.raises(MarketplaceError, match="POSTING_ALREADY_SHIPPED"):
        await ozon.confirm(WorkOrder(first))
    with pytest.raises(MarketplaceError, match="INVALID_ARGUMENT"):  # one not shipped refuses the whole batch
        await _labels_of(world, [first, second])
    await ozon.confirm(WorkOrder(second))
    labels = await ozon.labels([WorkOrder(first), WorkOrder(second)])
    assert [label.order_key for label in labels] == [first, second]
    for label in labels:
        assert label.document.media_type == "application/pdf"
        [text] = _pages(label.document.content)
        assert label.order_key in text
    # Ozon's own batch answer: one page per posting, in the order asked.
    both = await _labels_of(world, [first, second])
    assert [first in page and second not in page for page in _pages(both)] == [True, False]


async def test_a_ship_that_fails_behind_its_200_is_a_refusal_and_can_be_repeated(world: World) -> None:
    ozon = _ozon(world)
    key = _posting(world)
    world.ozon.fail_next_ship(key)
    with pytest.raises(MarketplaceError, match="ship_failed"):
        await ozon.confirm(WorkOrder(key))
    assert world.ozon.postings[key].status == "awaiting_packaging"
    await ozon.confirm(WorkOrder(key))
    assert world.ozon.postings[key].status == "awaiting_deliver"


async def _labels_of(world: World, numbers: list[str]) -> bytes:
    response = await world.session.post(
        world.ozon.base_url + "/v2/posting/fbs/package-label",
        json={"posting_number": numbers},
        headers={"Client-Id": OZON_CLIENT, "Api-Key": OZON_KEY},
    )
    if response.status != 200:
        raise MarketplaceError((await response.json())["message"])
    return await response.read()


@pytest.mark.parametrize(("reason", "reason_id"), [("out_of_stock", 352), ("defective", 400), ("other", 402)])
async def test_each_cancel_reason_is_sent_as_ozons_own(world: World, reason: Any, reason_id: int) -> None:
    ozon = _ozon(world)
    assert ozon.cancel_reasons == ("out_of_stock", "defective", "other")
    key = _posting(world)
    await ozon.cancel(WorkOrder(key), reason)
    cancellation = world.ozon.postings[key].cancellation or {}
    assert (cancellation["cancel_reason_id"], cancellation["cancellation_type"]) == (reason_id, "seller")


async def test_a_reason_ozon_does_not_know_is_refused_before_asking(world: World) -> None:
    ozon = _ozon(world)
    with pytest.raises(MarketplaceError, match="no cancel reason"):
        await ozon.cancel(WorkOrder(_posting(world)), "no_time")
    assert not world.ozon.requests_to("POST /v2/posting/fbs/cancel")


async def test_cancel_is_refused_once_handed_over_or_cancelled(world: World) -> None:
    ozon = _ozon(world)
    taken, cancelled = _posting(world), _posting(world)
    await ozon.confirm(WorkOrder(taken))
    world.ozon.set_order_status(taken, "delivering")  # the courier took it
    with pytest.raises(MarketplaceError, match="HAS_INCORRECT_STATUS"):
        await ozon.cancel(WorkOrder(taken), "out_of_stock")
    with pytest.raises(MarketplaceError, match="label not allowed for delivered postings"):
        await ozon.labels([WorkOrder(taken)])
    await ozon.cancel(WorkOrder(cancelled), "out_of_stock")
    with pytest.raises(MarketplaceError, match="POSTING_ALREADY_CANCELLED"):
        await ozon.cancel(WorkOrder(cancelled), "out_of_stock")


async def test_hand_over_approves_a_carriage_of_every_shipped_posting_with_its_act(world: World) -> None:
    ozon = _ozon(world)
    first, second, waiting = _posting(world), _posting(world), _posting(world)
    for key in (first, second):
        await ozon.confirm(WorkOrder(key))
    [handed] = await ozon.hand_over([WorkOrder(first)])
    assert handed.shipment is not None and set(handed.order_keys) == {first, second}
    assert world.ozon.carriages[int(handed.shipment)].status == "formed"
    assert handed.document is not None
    [act] = _pages(handed.document.content)
    assert first in act and second in act and waiting not in act
    with pytest.raises(MarketplaceError, match="no postings awaiting_deliver"):
        await ozon.hand_over([WorkOrder(first)])


async def test_returns_are_read_with_the_posting_and_offer(world: World) -> None:
    ozon = _ozon(world)
    key = _posting(world, 2)
    offer_id = world.ozon.postings[key].lines[0].item.offer_id
    return_id = world.ozon.add_return(key, quantity=2, reason="Брак")
    first = await ozon.returns(None)
    assert first == await ozon.returns(datetime.now(UTC) - timedelta(hours=1)), "the same return, the same key"
    [returned] = first
    assert (returned.key, returned.order_key, returned.reason) == (str(return_id), key, "Брак")
    [line] = returned.lines
    assert (line.quantity, line.keys["offer_id"], line.seller_sku) == (2, offer_id, offer_id)
    assert await ozon.returns(datetime.now(UTC) + timedelta(hours=1)) == []


async def test_a_posting_past_its_shipment_date_is_cancelled_by_ozon(world: World) -> None:
    ozon = _ozon(world)
    key = _posting(world)
    placed = world.ozon.postings[key].in_process_at
    world.ozon.advance_clock(timedelta(hours=25))
    assert await ozon.order_progress([OpenOrder(key, placed)]) == {key: "cancelled"}
    assert (world.ozon.postings[key].cancellation or {})["cancellation_type"] == "system"
    with pytest.raises(MarketplaceError, match="POSTING_ALREADY_CANCELLED"):
        await ozon.confirm(WorkOrder(key))
