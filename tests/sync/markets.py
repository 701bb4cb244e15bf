"""What a buyer (or the platform) does on each marketplace sandbox of the world, in one vocabulary, so that a sync
test is written once and parametrized over the platforms. A listing is named by our product id and SKU, as
tests/sync/world.py lists it on every platform."""

from __future__ import annotations

from datetime import datetime

from tests.sync.world import World, uzum_barcode


def buyer_orders(
    world: World, slug: str, product: int, sku: str, quantity: int = 1, placed_at: datetime | None = None
) -> str:
    """The platform's key of the new order (a Wildberries task per unit: the first one's)."""
    if slug == "uzum":
        return str(world.uzum.buyer_orders({uzum_barcode(product): quantity}, created_at=placed_at)["id"])
    if slug == "wildberries":
        return str(world.wb.buyer_orders({40_000 + product: quantity}, created_at=placed_at)[0]["id"])
    if slug == "ozon":
        return str(world.ozon.buyer_orders({sku: quantity}, created_at=placed_at)["posting_number"])
    return str(world.yandex.place_order({sku: quantity}, created_at=placed_at))


def buyer_cancels(world: World, slug: str, key: str) -> None:
    if slug == "uzum":
        world.uzum.buyer_cancels(int(key))
    elif slug == "wildberries":
        world.wb.buyer_cancels(int(key))
    elif slug == "ozon":
        world.ozon.buyer_cancels(key)
    else:
        world.yandex.request_cancellation(int(key))


def moves_past_new(world: World, slug: str, key: str) -> None:
    """The seller (or the platform) takes the order further, out of the platform's list of new orders."""
    if slug == "uzum":
        world.uzum.set_order_status(int(key), "DELIVERING")
    elif slug == "wildberries":
        world.wb.set_order_status(int(key), "confirm")  # put on a supply
    elif slug == "ozon":
        world.ozon.set_order_status(key, "delivered")
    else:
        world.yandex.set_order_status(int(key), "DELIVERY", "DELIVERY_SERVICE_RECEIVED")


def courier_takes(world: World, slug: str, key: str) -> None:
    """The platform's courier takes the order from the seller, who never handed it over from chat (or did so in
    the platform's cabinet): it is on its way to the buyer."""
    if slug == "uzum":
        world.uzum.set_order_status(int(key), "DELIVERING")
    elif slug == "wildberries":
        world.wb.set_order_status(int(key), "complete", wb_status="sorted")
    elif slug == "ozon":
        world.ozon.set_order_status(key, "delivering")
    else:
        world.yandex.set_order_status(int(key), "DELIVERY", "DELIVERY_SERVICE_RECEIVED")


def buyer_receives(world: World, slug: str, key: str) -> None:
    """The buyer has the order (picked up, or delivered to the door)."""
    if slug == "uzum":
        world.uzum.set_order_status(int(key), "COMPLETED")
    elif slug == "wildberries":
        world.wb.set_order_status(int(key), wb_status="sold")
    elif slug == "ozon":
        world.ozon.set_order_status(key, "delivered")
    else:
        world.yandex.set_order_status(int(key), "DELIVERED", "DELIVERY_SERVICE_DELIVERED")


def their_stock(world: World, slug: str, product: int, sku: str) -> int:
    """What the platform shows as orderable now."""
    if slug == "uzum":
        return world.uzum.stock_of(uzum_barcode(product))
    if slug == "wildberries":
        return world.wb.stock_of(40_000 + product)
    if slug == "ozon":
        return world.ozon.stock_of(sku)
    return world.yandex.stock_of(sku)


def edit_in_cabinet(world: World, slug: str, product: int, sku: str, quantity: int) -> None:
    """Someone sets the stock by hand in the seller's cabinet (Wildberries and Yandex here)."""
    if slug == "wildberries":
        world.wb.stocks[world.wb.default_warehouse][40_000 + product] = quantity
    elif slug == "yandex":
        world.yandex.available[(world.yandex.default_campaign, sku)] = quantity
    else:
        raise ValueError(f"no cabinet edit for {slug} here")
