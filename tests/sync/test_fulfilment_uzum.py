"""Uzum FBS work from our chat against the sandbox: confirm, labels, cancel with a reason, what Uzum refuses, its
own cancel of an order not accepted in time, hand over by the seller's invoices, and the returns it lists."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import asyncpg
import pytest
from pypdf import PdfReader

from core.marketplace_orders import OpenOrder, resolve
from sync.adapter import Fulfilment, WorkOrder
from sync.http import MarketplaceError
from sync.uzum import UzumAdapter
from tests.builders import Shop
from tests.sync.world import World, uzum_barcode

MM = 72 / 25.4


def uzum(world: World) -> UzumAdapter:
    adapter = world.adapter("uzum")
    assert isinstance(adapter, UzumAdapter) and isinstance(adapter, Fulfilment)
    return adapter


def to_ms(moment: datetime) -> datetime:
    """A moment as Uzum's wire carries it: epoch milliseconds."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def place(world: World, product_id: int, quantity: int = 1) -> WorkOrder:
    placed = world.uzum.buyer_orders({uzum_barcode(product_id): quantity}, allow_oversell=True)
    return WorkOrder(str(placed["id"]))


async def test_new_orders_carry_their_accept_deadline_then_confirm_gives_the_ship_by_and_labels_print(
    world: World, shop: Shop
) -> None:
    adapter = uzum(world)
    first, second = place(world, shop.phone), place(world, shop.shirt, 2)
    incoming = {order.key: order for order in await adapter.incoming_orders(None)}
    for key in (first.key, second.key):
        assert incoming[key].deadline == to_ms(world.uzum.orders[int(key)].accept_until)

    confirmed = [await adapter.confirm(order) for order in (first, second)]

    assert [c.deadline for c in confirmed] == [
        to_ms(world.uzum.orders[int(o.key)].deliver_until) for o in (first, second)
    ]
    assert {world.uzum.orders[int(o.key)].status for o in (first, second)} == {"PACKING"}
    again = {order.key: order for order in await adapter.incoming_orders(None)}
    assert again[first.key].deadline == confirmed[0].deadline, "a confirmed order counts down to its ship-by"
    labels = await adapter.labels([first, second])
    assert [label.order_key for label in labels] == [first.key, second.key]
    pages = [page for label in labels for page in PdfReader(io.BytesIO(label.document.content)).pages]
    assert len(pages) == 2
    assert (round(float(pages[0].mediabox.width) / MM), round(float(pages[0].mediabox.height) / MM)) == (58, 40)
    assert all(label.document.media_type == "application/pdf" for label in labels)
    assert {s for r in world.uzum.requests_to("GET /v1/fbs/order/*/labels/print") for s in r.query["size"]} == {"LARGE"}


async def test_a_label_is_refused_before_confirming(world: World, shop: Shop) -> None:
    with pytest.raises(MarketplaceError, match="seller-order-02"):
        await uzum(world).labels([place(world, shop.phone)])


async def test_confirming_twice_is_the_same_confirmation(world: World, shop: Shop) -> None:
    """An answer lost on the way (or a confirm in Uzum's cabinet) leaves the order PACKING: confirming it again
    is done, not refused."""
    adapter, order = uzum(world), place(world, shop.phone)
    first = await adapter.confirm(order)
    assert await adapter.confirm(order) == first


async def test_past_the_accept_deadline_uzum_refuses_the_confirm_and_cancels_the_order_itself(
    world: World, shop: Shop
) -> None:
    adapter, late, kept = uzum(world), place(world, shop.phone), place(world, shop.shirt)
    await adapter.confirm(kept)
    world.uzum.advance_clock(timedelta(hours=16, minutes=1))

    with pytest.raises(MarketplaceError, match="seller-order-03") as refused:
        await adapter.confirm(late)

    assert refused.value.status == 400
    assert world.uzum.orders[int(late.key)].cancel_reason == "ACCEPTANCE_TIME_EXPIRED"
    placed = world.uzum.orders[int(late.key)].created
    open_orders = [OpenOrder(late.key, placed), OpenOrder(kept.key, placed)]
    assert await adapter.order_progress(open_orders) == {late.key: "cancelled"}, "a confirmed order is not expired"


async def test_cancel_sends_uzums_reason_and_uzum_refuses_what_it_cannot_cancel(world: World, shop: Shop) -> None:
    adapter = uzum(world)
    assert adapter.cancel_reasons == ("out_of_stock", "no_package", "no_time", "other")
    order, handed_over = place(world, shop.phone), place(world, shop.shirt)

    await adapter.cancel(order, "no_package")

    assert world.uzum.orders[int(order.key)].status == "CANCELED"
    assert world.uzum.orders[int(order.key)].cancel_reason == "OUT_OF_PACKAGE"
    with pytest.raises(MarketplaceError, match="seller-order-13"):
        await adapter.cancel(order, "other")
    await adapter.confirm(handed_over)
    world.uzum.set_order_status(int(handed_over.key), "DELIVERING")
    with pytest.raises(MarketplaceError, match="seller-order-02"):
        await adapter.cancel(handed_over, "out_of_stock")
    with pytest.raises(MarketplaceError, match="no cancel reason"):
        await adapter.cancel(place(world, shop.phone), "defective")


async def test_hand_over_gives_the_act_of_each_invoice_the_orders_are_in(world: World, shop: Shop) -> None:
    adapter = uzum(world)
    orders = [place(world, product) for product in (shop.phone, shop.telefon, shop.shirt)]
    for order in orders:
        await adapter.confirm(order)
    world.uzum.make_invoice([int(orders[0].key), int(orders[1].key)])
    second = world.uzum.make_invoice([int(orders[2].key)])

    handed = await adapter.hand_over(orders)

    assert sorted(h.order_keys for h in handed) == [(orders[0].key, orders[1].key), (orders[2].key,)]
    assert str(second["number"]) in {h.shipment for h in handed}
    for hand_over in handed:
        assert hand_over.document is not None and hand_over.document.media_type == "application/pdf"
        assert len(PdfReader(io.BytesIO(hand_over.document.content)).pages) == 1
    loose = place(world, shop.phone)
    await adapter.confirm(loose)
    with pytest.raises(MarketplaceError, match=f"orders {loose.key} are in no open FBS invoice"):
        await adapter.hand_over([orders[0], loose])


async def test_returns_are_read_page_by_page_with_keys_that_resolve_to_our_products(
    pool: asyncpg.Pool, world: World, shop: Shop
) -> None:
    sandbox = world.uzum
    defective = sandbox.add_return({uzum_barcode(shop.phone): 1}, type="DEFECTED")
    sandbox.cancel_return(sandbox.add_return({uzum_barcode(shop.phone): 1})["id"])
    for _ in range(49):
        sandbox.add_return({uzum_barcode(shop.shirt): 1})
    newest = sandbox.add_return({uzum_barcode(shop.shirt): 2, uzum_barcode(shop.phone): 1}, type="FBS")
    adapter = uzum(world)

    returns = {r.key: r for r in await adapter.returns(None)}

    assert len(returns) == 51, "the cancelled return brings nothing back"
    assert len(sandbox.requests_to("GET /v1/return")) == 2
    assert returns[str(defective["id"])].defective and not returns[str(newest["id"])].defective
    assert returns[str(newest["id"])].order_key is None
    marketplace_id = world.connections["uzum"].marketplace_id
    async with pool.acquire() as conn:
        resolved = [
            (await resolve(conn, marketplace_id, line), line.quantity) for line in returns[str(newest["id"])].lines
        ]
    assert sorted(resolved) == sorted([(shop.shirt, 2), (shop.phone, 1)])
    sandbox.advance_clock(timedelta(days=2))
    later = sandbox.add_return({uzum_barcode(shop.phone): 1})
    assert [r.key for r in await adapter.returns(sandbox.now() - timedelta(days=1))] == [str(later["id"])]
