"""Wildberries FBS work against the sandbox: tasks into today's supply, stickers only from a supply, hand-over with
the supply's QR code, cancels WB allows and refuses, deadlines of oversized tasks, returns given back."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from sync.adapter import Fulfilment, WorkOrder
from sync.http import MarketplaceError
from sync.wildberries import WildberriesAdapter
from tests.builders import Shop
from tests.sync.world import World


def _adapter(world: World) -> WildberriesAdapter:
    adapter = world.adapter("wildberries")
    assert isinstance(adapter, WildberriesAdapter) and isinstance(adapter, Fulfilment)
    return adapter


def _tasks(world: World, shop: Shop, count: int) -> list[WorkOrder]:
    chrt = 40_000 + shop.shirt
    world.wb.stocks[world.wb.default_warehouse][chrt] = 10
    return [WorkOrder(str(task["id"])) for task in world.wb.buyer_orders({chrt: count})]


def _png(content: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "PNG"
        return image.size


async def test_todays_tasks_share_one_supply_and_the_next_day_gets_a_new_one(world: World, shop: Shop) -> None:
    adapter = _adapter(world)
    first, second, third = _tasks(world, shop, 3)
    one, two = await adapter.confirm(first), await adapter.confirm(second)
    assert one.shipment is not None and one.shipment == two.shipment
    assert world.wb.supplies[one.shipment].order_ids == [int(first.key), int(second.key)]
    assert {world.wb.tasks[int(t.key)].supplier_status for t in (first, second)} == {"confirm"}
    world.wb.supplies[one.shipment].created_at -= timedelta(days=1)  # it was yesterday's (Tashkent) supply
    three = await adapter.confirm(third)
    assert three.shipment not in (None, one.shipment)
    assert len(world.wb.supplies) == 2


async def test_a_large_item_gets_a_supply_of_its_own(world: World, shop: Shop) -> None:
    """A supply holds one cargo type: a large (КГТ+) task does not go into today's supply of small ones."""
    adapter = _adapter(world)
    small = _tasks(world, shop, 1)[0]
    world.wb.load_catalog([{"nmID": 39_999, "chrtId": 49_999, "barcode": "2000999999999", "cargoType": 3, "stock": 1}])
    large = WorkOrder(str(world.wb.buyer_orders({49_999: 1})[0]["id"]))
    one, two = await adapter.confirm(small), await adapter.confirm(large)
    assert one.shipment is not None and two.shipment is not None and one.shipment != two.shipment
    assert [world.wb.supplies[s].cargo_type for s in (one.shipment, two.shipment)] == [1, 3]


async def test_stickers_come_only_for_tasks_in_a_supply_one_png_each(world: World, shop: Shop) -> None:
    adapter = _adapter(world)
    orders = _tasks(world, shop, 2)
    with pytest.raises(MarketplaceError) as refused:
        await adapter.labels(orders)
    assert refused.value.status == 409
    confirmed = [WorkOrder(o.key, (await adapter.confirm(o)).shipment) for o in orders]
    labels = await adapter.labels(confirmed)
    assert [label.order_key for label in labels] == [o.key for o in orders]
    assert all(label.document.media_type == "image/png" for label in labels)
    assert {_png(label.document.content) for label in labels} == {(580, 400)}  # 58x40 mm
    assert world.wb.requests_to("POST /api/v3/orders/stickers")[-1].query["width"] == ["58"]


async def test_hand_over_closes_the_supply_gives_its_qr_and_then_cancel_is_refused(world: World, shop: Shop) -> None:
    adapter = _adapter(world)
    orders = _tasks(world, shop, 2)
    confirmed = [WorkOrder(o.key, (await adapter.confirm(o)).shipment) for o in orders]
    supply = confirmed[0].shipment
    assert supply is not None
    [handed] = await adapter.hand_over(confirmed)
    assert handed.shipment == supply and handed.order_keys == tuple(o.key for o in orders)
    assert handed.document is not None and _png(handed.document.content) == (580, 400)
    assert world.wb.supplies[supply].done and world.wb.tasks[int(orders[0].key)].supplier_status == "complete"
    with pytest.raises(MarketplaceError, match="StatusMismatch: Несоответствие статусов") as refused:
        await adapter.cancel(confirmed[0], "out_of_stock")
    assert refused.value.status == 409
    # Handing over again finds it closed: the sandbox refuses a second deliver, and the QR code still comes.
    [again] = await adapter.hand_over(confirmed[:1])
    assert again.document is not None and again.document.content == handed.document.content
    later = _tasks(world, shop, 1)[0]
    assert (await adapter.confirm(later)).shipment != supply  # a handed-over supply takes no more tasks


async def test_a_new_task_is_cancelled_and_its_emptied_supply_cannot_be_handed_over(world: World, shop: Shop) -> None:
    adapter = _adapter(world)
    fresh, confirmed = _tasks(world, shop, 2)
    assert adapter.cancel_reasons == ("out_of_stock", "other")
    await adapter.cancel(fresh, "out_of_stock")
    assert world.wb.tasks[int(fresh.key)].supplier_status == "cancel"
    with pytest.raises(MarketplaceError, match="FailedToAddSupplyOrder") as refused:
        await adapter.confirm(fresh)
    assert refused.value.status == 409
    supply = (await adapter.confirm(confirmed)).shipment
    await adapter.cancel(confirmed, "other")  # a cancelled task leaves its supply
    with pytest.raises(MarketplaceError, match="SupplyHasZeroOrders"):
        await adapter.hand_over([WorkOrder(confirmed.key, supply)])


async def test_only_oversized_tasks_carry_a_ship_by_deadline(world: World, shop: Shop) -> None:
    world.wb.load_catalog([{"nmID": 39_999, "chrtId": 49_999, "barcode": "2000999999999", "cargoType": 2, "stock": 1}])
    world.wb.stocks[world.wb.default_warehouse][40_000 + shop.shirt] = 1
    created = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    big = world.wb.buyer_orders({49_999: 1}, created_at=created)[0]
    small = world.wb.buyer_orders({40_000 + shop.shirt: 1}, created_at=created)[0]
    deadlines = {o.key: o.deadline for o in await _adapter(world).incoming_orders(None)}
    # sellerDate 12.03.2026 (two days on in the sandbox): the start of that day in Tashkent (UTC+5)
    assert deadlines == {str(big["id"]): datetime(2026, 3, 11, 19, 0, tzinfo=UTC), str(small["id"]): None}


async def test_returns_are_the_units_wb_gave_back_keyed_once(world: World, shop: Shop) -> None:
    adapter = _adapter(world)
    back, on_the_way = _tasks(world, shop, 2)
    srid = world.wb.buyer_returns(int(back.key), reason="Брак")["srid"]
    world.wb.buyer_returns(int(on_the_way.key), handed_over=False)
    [returned] = await adapter.returns(datetime.now(UTC) - timedelta(days=2))
    assert (returned.key, returned.order_key, returned.reason) == (srid, back.key, "Брак")
    assert [(line.quantity, dict(line.keys)) for line in returned.lines] == [(1, {"barcode": f"2000{shop.shirt:09d}"})]
    assert returned.returned_at is not None
    assert [r.key for r in await adapter.returns(None)] == [srid]
