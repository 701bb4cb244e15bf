"""Yandex Market's FBS work from our side against the sandbox: ready to ship, labels of 58x40 mm, cancel as
SHOP_FAILED, the day's shipment confirmed with its act, the shipment date as the order's deadline, cancellations
asked by id within the spec's 30-day windows, and returns read once their goods are back for the seller."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pypdf import PdfReader

from core.marketplace_orders import OpenOrder
from sync.adapter import Fulfilment, OrderLookup, WorkOrder
from sync.http import MarketplaceError
from sync.yandex import MOSCOW, RETURNS_PAGE, YandexAdapter
from tests.sync.world import World

MM = 72 / 25.4


def _yandex(world: World) -> YandexAdapter:
    adapter = world.adapter("yandex")
    assert isinstance(adapter, YandexAdapter) and isinstance(adapter, Fulfilment)
    assert isinstance(adapter, OrderLookup)
    return adapter


def _order(world: World, quantity: int = 1, created_at: datetime | None = None) -> str:
    offer_id = next(iter(world.yandex.offers))
    return str(world.yandex.place_order({offer_id: quantity}, created_at=created_at, allow_oversell=True))


def _pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


async def test_the_deadline_is_the_orders_shipment_day_in_moscow(world: World) -> None:
    yandex = _yandex(world)
    key = _order(world)
    day = world.yandex.orders[int(key)].shipment_date
    expected = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=3)
    [listed] = await yandex.incoming_orders(None)
    single = await yandex.order(key)
    assert listed.deadline == expected and single is not None and single.deadline == expected
    assert await yandex.order("5999999999") is None, "an order Yandex does not know is none"


async def test_confirm_makes_the_order_ready_to_ship_once(world: World) -> None:
    yandex = _yandex(world)
    key = _order(world, 2)
    confirmed = await yandex.confirm(WorkOrder(key))
    order = world.yandex.orders[int(key)]
    assert (order.status, order.substatus) == ("PROCESSING", "READY_TO_SHIP")
    assert confirmed.deadline is not None and confirmed.deadline.date() <= order.shipment_date
    [asked] = world.yandex.requests_to(f"PUT /v2/campaigns/{world.yandex.default_campaign}/orders/{key}/status")
    assert asked.body == {"order": {"status": "PROCESSING", "substatus": "READY_TO_SHIP"}}
    with pytest.raises(MarketplaceError, match="cannot go from PROCESSING/READY_TO_SHIP"):
        await yandex.confirm(WorkOrder(key))
    [listed] = await yandex.incoming_orders(None)
    assert listed.key == key, "a ready-to-ship order is still in the work queue"


async def test_labels_are_the_platforms_pdf_sized_58_by_40(world: World) -> None:
    yandex = _yandex(world)
    first, second = _order(world), _order(world)
    await yandex.confirm(WorkOrder(first))
    labels = await yandex.labels([WorkOrder(first), WorkOrder(second)])
    assert [label.order_key for label in labels] == [first, second]
    for label in labels:
        assert label.document.media_type == "application/pdf"
        [page] = PdfReader(io.BytesIO(label.document.content)).pages
        assert label.order_key in page.extract_text()
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width / MM), round(height / MM)) == (58, 40)
    [asked] = world.yandex.requests_to(
        f"GET /v2/campaigns/{world.yandex.default_campaign}/orders/{first}/delivery/labels"
    )
    assert asked.query == {"format": ["A9_HORIZONTALLY"]}


@pytest.mark.parametrize("reason", ["out_of_stock", "defective", "other"])
async def test_each_cancel_reason_is_sent_as_shop_failed_and_the_units_go_back(world: World, reason: Any) -> None:
    yandex = _yandex(world)
    assert yandex.cancel_reasons == ("out_of_stock", "defective", "other")
    offer_id = next(iter(world.yandex.offers))
    world.yandex.available[(world.yandex.default_campaign, offer_id)] = 5
    key = _order(world, 2)
    await yandex.cancel(WorkOrder(key), reason)
    order = world.yandex.orders[int(key)]
    assert (order.status, order.substatus) == ("CANCELLED", "SHOP_FAILED")
    assert world.yandex.stock_of(offer_id) == 5


async def test_a_reason_yandex_does_not_know_is_refused_before_asking(world: World) -> None:
    yandex = _yandex(world)
    with pytest.raises(MarketplaceError, match="no cancel reason"):
        await yandex.cancel(WorkOrder(_order(world)), "no_time")
    assert not [r for r in world.yandex.requests if r.path.endswith("/status")]


async def test_cancel_and_labels_are_refused_once_the_order_left_the_warehouse(world: World) -> None:
    yandex = _yandex(world)
    key = _order(world)
    await yandex.confirm(WorkOrder(key))
    world.yandex.set_order_status(int(key), "DELIVERY", "DELIVERY_SERVICE_RECEIVED")  # the courier took it
    with pytest.raises(MarketplaceError, match="cannot go from DELIVERY"):
        await yandex.cancel(WorkOrder(key), "out_of_stock")
    with pytest.raises(MarketplaceError, match="labels exist only while it is PROCESSING"):
        await yandex.labels([WorkOrder(key)])


async def test_hand_over_confirms_the_shipment_yandex_formed_and_gives_its_act(world: World) -> None:
    yandex = _yandex(world)
    first, second, later = _order(world), _order(world), _order(world)
    for key in (first, second):
        await yandex.confirm(WorkOrder(key))
    with pytest.raises(MarketplaceError) as refused:
        await yandex.hand_over([WorkOrder(first), WorkOrder(second)])
    assert refused.value.code == "no_shipment", "before the cutoff Yandex is still forming it"
    [formed] = world.yandex.cut_off()
    await yandex.confirm(WorkOrder(later))  # too late for today's: it waits for the next one
    [handed] = await yandex.hand_over([WorkOrder(first), WorkOrder(second), WorkOrder(later)])
    assert (handed.shipment, sorted(handed.order_keys)) == (str(formed), sorted([first, second]))
    assert handed.document is not None and handed.document.media_type == "application/pdf"
    [act] = _pages(handed.document.content)
    assert first in act and second in act and later not in act
    assert world.yandex.shipments[formed].status == "OUTBOUND_CONFIRMED"
    [again] = await yandex.hand_over([WorkOrder(first)])
    assert again.shipment == str(formed) and again.order_keys == (first,), "a retry gives the act again"
    path = f"/v2/campaigns/{world.yandex.default_campaign}/first-mile/shipments"
    assert len(world.yandex.requests_to(f"POST {path}/{formed}/confirm")) == 1, "confirmed once"
    asked = world.yandex.requests_to(f"PUT {path}")[-1].body
    assert asked["dateFrom"][2] == "-" and asked["cancelledOrders"] is False, "DD-MM-YYYY, as the spec says"


async def test_a_cancelled_order_leaves_the_act(world: World) -> None:
    yandex = _yandex(world)
    kept, dropped = _order(world), _order(world)
    for key in (kept, dropped):
        await yandex.confirm(WorkOrder(key))
    world.yandex.cut_off()
    world.yandex.cancel_order(int(dropped))
    [handed] = await yandex.hand_over([WorkOrder(kept), WorkOrder(dropped)])
    assert handed.order_keys == (kept,)
    assert handed.document is not None and dropped not in _pages(handed.document.content)[0]


def _delivered(world: World, quantity: int = 1) -> str:
    key = _order(world, quantity)
    world.yandex.set_order_status(int(key), "DELIVERY", "DELIVERY_SERVICE_RECEIVED")
    world.yandex.set_order_status(int(key), "DELIVERED", "DELIVERY_SERVICE_DELIVERED")
    return key


async def test_a_return_is_read_once_its_goods_are_back_for_the_seller(world: World) -> None:
    yandex = _yandex(world)
    key = _delivered(world, 3)
    offer_id = world.yandex.orders[int(key)].lines[0].offer_id
    return_id = world.yandex.add_return(int(key), {offer_id: 2}, reason="BAD_QUALITY", stock_type="DEFECT")
    since = datetime.now(UTC) - timedelta(hours=1)
    for on_its_way in ("CREATED", "RECEIVED", "IN_TRANSIT"):
        if on_its_way != "CREATED":
            world.yandex.move_return(return_id, on_its_way)
        assert await yandex.returns(since) == [], f"{on_its_way}: nothing is back yet"
    world.yandex.move_return(return_id, "READY_FOR_PICKUP")
    [waiting] = await yandex.returns(since)
    assert (waiting.key, waiting.order_key) == (str(return_id), key)
    assert waiting.reason == "бракованный товар (есть недостатки)" and waiting.defective
    [line] = waiting.lines
    assert (line.quantity, line.keys["offer_id"], line.seller_sku) == (2, offer_id, offer_id)
    world.yandex.move_return(return_id, "PICKED")
    assert [returned.key for returned in await yandex.returns(since)] == [str(return_id)], "the same key"
    assert await yandex.returns(datetime.now(UTC) + timedelta(days=2)) == [], "updated before that day"
    asked = world.yandex.requests_to(f"GET /v2/campaigns/{world.yandex.default_campaign}/returns")[-1]
    assert asked.query["shipmentStatuses"] == ["READY_FOR_PICKUP,PICKED"]
    assert asked.query["fromDate"] == [(datetime.now(UTC) + timedelta(days=2)).astimezone(MOSCOW).date().isoformat()]


async def test_an_order_the_buyer_never_collected_comes_back_whole_and_fit(world: World) -> None:
    yandex = _yandex(world)
    key = _order(world, 2)
    world.yandex.set_order_status(int(key), "DELIVERY", "DELIVERY_SERVICE_RECEIVED")
    return_id = world.yandex.add_return(int(key), return_type="UNREDEEMED")
    assert world.yandex.orders[int(key)].status == "CANCELLED", "Yandex cancels an unredeemed order"
    world.yandex.move_return(return_id, "READY_FOR_PICKUP")
    [unredeemed] = await yandex.returns(None)
    assert unredeemed.reason == "невыкуп: покупатель не забрал заказ" and not unredeemed.defective
    assert [line.quantity for line in unredeemed.lines] == [2]


async def test_returns_are_read_page_by_page(world: World) -> None:
    yandex = _yandex(world)
    ids = []
    for _ in range(RETURNS_PAGE + 1):
        key = _delivered(world)
        ids.append(world.yandex.add_return(int(key)))
        world.yandex.move_return(ids[-1], "PICKED")
    assert [int(returned.key) for returned in await yandex.returns(None)] == ids
    assert len(world.yandex.requests_to(f"GET /v2/campaigns/{world.yandex.default_campaign}/returns")) == 2


async def test_cancellations_are_found_for_old_and_recent_orders_within_30_day_windows(world: World) -> None:
    """getBusinessOrders looks at the last 30 days of creation unless told other dates, which may be at most 30
    days apart: an order placed 45 days ago is asked about in a window of its own."""
    yandex = _yandex(world)
    now = datetime.now(UTC).replace(microsecond=0)
    old, recent, kept = (
        _order(world, created_at=now - timedelta(days=45)),
        _order(world, created_at=now - timedelta(days=1)),
        _order(world),
    )
    for key in (old, recent):
        world.yandex.cancel_order(int(key))
    opened = [
        OpenOrder(old, now - timedelta(days=45)),
        OpenOrder(recent, now - timedelta(days=1)),
        OpenOrder(kept, now),
    ]
    assert await yandex.order_progress(opened) == {old: "cancelled", recent: "cancelled"}
    asked = [r.body for r in world.yandex.requests_to(f"POST /v1/businesses/{world.yandex.business_id}/orders")]
    assert sorted(len(body["orderIds"]) for body in asked) == [1, 2], "one window for the old order, one for the rest"
