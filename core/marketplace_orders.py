"""Orders that happened on a marketplace, brought into our one stock exactly once.

Each order is keyed by the marketplace's own id (Uzum order id, Wildberries assembly task, Ozon posting);
its lines are resolved to our products through the listing keys. A line that maps to nothing, or that asks
for units we no longer have, is kept aside in marketplace_order_problems and alerted, never dropped."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

from core import fbs, fees, inventory, order_status, orders, outbox
from core.db import Conn
from core.errors import InvalidTransition, OutOfStock
from core.inventory import Movement, Source
from core.listings import ListingKeys
from core.mappings import key_arrays
from core.order_progress import Progress
from core.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class IncomingLine:
    quantity: int
    price: Decimal | None = None
    title: str = ""
    # The seller's own code for the item, when the platform carries one: matched to the mapping's
    # marketplace_sku or our SKU when no listing key is known.
    seller_sku: str | None = None
    # The platform keys the line carries (core.listings names): resolved through listing_keys.
    keys: ListingKeys = field(default_factory=ListingKeys)

    def key(self) -> str:
        for value in (*self.keys.values(), self.seller_sku):
            if value:
                return str(value)
        return self.title or "?"


@dataclass(frozen=True)
class IncomingOrder:
    key: str
    lines: tuple[IncomingLine, ...]
    customer_name: str | None = None
    customer_phone: str | None = None
    address: str | None = None
    # Already cancelled when we first hear of it (an out-of-order webhook, or a catch-up after downtime that
    # finds it cancelled meanwhile): there is nothing to take.
    cancelled: bool = False
    # When the buyer ordered (the platform's creation time): the order's date here, and where cancellation
    # polling has to start looking.
    placed_at: datetime | None = None
    # By when the platform wants the seller's next step (Uzum's acceptUntil, Wildberries' and Ozon's ship-by
    # date), or None where it gives none: the FBS reminders count down to it.
    deadline: datetime | None = None
    # The currency of the lines' prices (ISO 4217 letters): Uzum's so'm, the cabinet's currency on Wildberries
    # (convertedCurrencyCode) and Ozon (currency_code).
    currency: str = "UZS"
    # The seller's own courier takes it to the buyer (Yandex DBS): the seller tells the platform it was delivered.
    seller_delivers: bool = False


@dataclass(frozen=True)
class OpenOrder:
    """An imported order its platform has not finished: neither delivered nor cancelled."""

    key: str
    placed_at: datetime
    shipped: bool = False  # its goods left already: only its delivery or cancellation is still to hear of


Outcome = Literal["created", "known", "partial", "unplaced"]
# Orders whose units are still ours to give back; with "shipped", the ones the platform has not finished.
LIVE = ("pending", "confirmed", "processing")
UNFINISHED = (*LIVE, "shipped")


@dataclass(frozen=True)
class Imported:
    outcome: Outcome
    order_id: int | None = None


# A line is the listing holding one of its keys; failing that, the mapping whose seller code is the line's.
_RESOLVE = """
SELECT product_id FROM (
    SELECT 1 AS rank, mp.id, mp.product_id
      FROM listing_keys k
      JOIN marketplace_products mp ON mp.id = k.mapping_id
     WHERE k.marketplace_id = $1 AND (k.name, k.value) IN (SELECT * FROM unnest($2::text[], $3::text[]))
    UNION ALL
    SELECT 2, mp.id, mp.product_id
      FROM marketplace_products mp
      JOIN products p ON p.id = mp.product_id
     WHERE mp.marketplace_id = $1 AND $4::text IS NOT NULL AND (mp.marketplace_sku = $4 OR p.sku = $4)
) found
 ORDER BY rank, id
 LIMIT 1
"""


async def resolve(conn: Conn, marketplace_id: int, line: IncomingLine) -> int | None:
    """Our product for a marketplace order line, or None when no listing of ours is it."""
    return await conn.fetchval(_RESOLVE, marketplace_id, *key_arrays(line.keys), line.seller_sku)


async def unknown_lines(conn: Conn, marketplace_id: int, incoming: list[IncomingOrder]) -> list[IncomingLine]:
    """Lines of orders we have not imported that resolve to no product and were not set aside before: worth
    asking the marketplace for the keys we lack before they are set aside."""
    found = []
    for order in incoming:
        if order.cancelled or await conn.fetchval(
            "SELECT 1 FROM orders WHERE marketplace_id = $1 AND marketplace_order_id = $2", marketplace_id, order.key
        ):
            continue
        for line in order.lines:
            if await resolve(conn, marketplace_id, line) is None and not await conn.fetchval(
                "SELECT 1 FROM marketplace_order_problems WHERE marketplace_id = $1"
                " AND marketplace_order_id = $2 AND line_key = $3",
                marketplace_id,
                order.key,
                line.key(),
            ):
                found.append(line)
    return found


async def import_order(uow: UnitOfWork, marketplace_id: int, incoming: IncomingOrder) -> Imported:
    """Place a marketplace order once; a replay finds the first import."""
    conn = uow.conn
    existing = await conn.fetchval(
        "SELECT id FROM orders WHERE marketplace_id = $1 AND marketplace_order_id = $2", marketplace_id, incoming.key
    )
    if existing is not None:
        await _drop_cancelled_items(uow, marketplace_id, existing, incoming)
        await fbs.start_work(uow, existing, marketplace_id, incoming.deadline, new=False)
        return Imported("known", existing)
    if incoming.cancelled:
        return Imported("unplaced")
    refused = await conn.fetchval(
        "SELECT 1 FROM marketplace_order_problems WHERE marketplace_id = $1 AND marketplace_order_id = $2"
        " AND problem = 'out_of_stock' AND resolved_at IS NULL",
        marketplace_id,
        incoming.key,
    )
    if refused:  # the admins were told to cancel it there: stock that came back since is not its to take
        return Imported("unplaced")
    resolved: list[tuple[int, IncomingLine]] = []
    for line in incoming.lines:
        product_id = await resolve(conn, marketplace_id, line)
        if product_id is None:
            await _set_aside(conn, marketplace_id, incoming.key, "unmapped", line)
        else:
            resolved.append((product_id, line))
    if not resolved:
        return Imported("unplaced")
    fulfilled = fbs.fulfils(
        await conn.fetchval("SELECT COALESCE(api_type, slug) FROM marketplaces WHERE id = $1", marketplace_id)
    )
    order = orders.NewOrder(
        channel_id=marketplace_id,
        lines=tuple(orders.Line(product_id, line.quantity, line.price) for product_id, line in resolved),
        customer=orders.Customer(
            incoming.customer_name or "Marketplace buyer", incoming.customer_phone or "-", incoming.address
        ),
        marketplace_order_id=incoming.key,
        placed_at=incoming.placed_at,
        announce=not fulfilled,  # told with its deadline and buttons instead (core.fbs)
        currency=incoming.currency,  # its lines' prices are in the platform's currency, not the shop's
    )
    try:
        async with uow.savepoint():
            placed = await orders.place(uow, order)
    except OutOfStock as error:
        # Sold there while we had no units left (the push had not reached it yet): an admin must cancel it on
        # the marketplace. Nothing of ours moves.
        line = next(line for product_id, line in resolved if product_id == error.product_id)
        await _set_aside(conn, marketplace_id, incoming.key, "out_of_stock", line)
        return Imported("unplaced")
    await conn.execute(  # lines set aside earlier that now found their listing (its keys were learnt since)
        "UPDATE marketplace_order_problems SET resolved_at = NOW() WHERE marketplace_id = $1"
        " AND marketplace_order_id = $2 AND problem = 'unmapped' AND resolved_at IS NULL"
        " AND line_key = ANY($3::text[])",
        marketplace_id,
        incoming.key,
        [line.key() for _, line in resolved],
    )
    if fulfilled:
        await fbs.start_work(
            uow,
            placed.id,
            marketplace_id,
            incoming.deadline,
            new=placed.created,
            seller_delivers=incoming.seller_delivers,
        )
    partial = len(resolved) < len(incoming.lines)
    return Imported("partial" if partial else ("created" if placed.created else "known"), placed.id)


async def _drop_cancelled_items(uow: UnitOfWork, marketplace_id: int, order_id: int, incoming: IncomingOrder) -> None:
    """The buyer dropped some items of an order we hold: fewer units of a product on their side than live on
    ours means those units come back (a cancel movement), and the line records them as cancelled."""
    conn = uow.conn
    if await conn.fetchval("SELECT status FROM orders WHERE id = $1 FOR UPDATE", order_id) not in LIVE:
        return
    theirs: dict[int, int] = {}
    for line in incoming.lines:
        product_id = await resolve(conn, marketplace_id, line)
        if product_id is not None:
            theirs[product_id] = theirs.get(product_id, 0) + line.quantity
    items = await conn.fetch(
        "SELECT id, product_id, quantity - cancelled_quantity AS live FROM order_items"
        " WHERE order_id = $1 AND product_id IS NOT NULL ORDER BY product_id, id",
        order_id,
    )
    dropped = [(item, item["live"] - theirs.get(item["product_id"], 0)) for item in items]
    dropped = [(item, units) for item, units in dropped if units > 0]
    if not dropped:
        return
    await inventory.lock(conn, (item["product_id"] for item, _ in dropped))
    for item, units in dropped:
        await conn.execute(
            "UPDATE order_items SET cancelled_quantity = cancelled_quantity + $2 WHERE id = $1", item["id"], units
        )
        source = Source("order", order_id, marketplace_id, notes=f"{units} dropped by the buyer")
        await inventory.give_back(uow, item["product_id"], units, Movement.CANCEL, source)
    await fees.estimate(conn, order_id)  # the estimate follows the units still sold
    await conn.execute(
        "INSERT INTO order_status_history (order_id, status, notes) SELECT id, status, $2 FROM orders WHERE id = $1",
        order_id,
        "the buyer dropped some items on the marketplace",
    )


async def _set_aside(conn: Conn, marketplace_id: int, order_key: str, problem: str, line: IncomingLine) -> None:
    kept = outbox.ProblemLine(
        line.quantity, None if line.price is None else str(line.price), line.title, line.seller_sku, dict(line.keys)
    )
    inserted = await conn.fetchval(
        """
        INSERT INTO marketplace_order_problems (marketplace_id, marketplace_order_id, problem, line_key, line)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (marketplace_id, marketplace_order_id, line_key) DO NOTHING
        RETURNING id
        """,
        marketplace_id,
        order_key,
        problem,
        line.key(),
        dataclasses.asdict(kept),
    )
    if inserted is not None:  # one alert per problem, however often the order is pulled again
        await outbox.add(conn, outbox.MarketplaceOrderProblem(marketplace_id, order_key, problem, line=kept))


async def open_order_keys(conn: Conn, marketplace_id: int) -> list[OpenOrder]:
    """Imported orders their platform has not finished, with when they were placed: once delivered or cancelled,
    an order is asked about no more."""
    rows = await conn.fetch(
        "SELECT marketplace_order_id, order_date, status FROM orders WHERE marketplace_id = $1"
        " AND marketplace_order_id IS NOT NULL AND status = ANY($2::text[]) ORDER BY id",
        marketplace_id,
        list(UNFINISHED),
    )
    return [
        OpenOrder(row["marketplace_order_id"], row["order_date"], row["status"] == order_status.Status.SHIPPED)
        for row in rows
    ]


async def cancel_imported(uow: UnitOfWork, marketplace_id: int, order_key: str, marketplace_name: str) -> None:
    """The marketplace cancelled this order: our stock comes back (once; a repeat changes nothing). An order handed
    over to the platform's courier is cancelled without it: its goods are on their way and come back as a return,
    decided then; the admins are told. Unless the seller accepted its buyer's request to cancel: a shop asked that
    delivers itself (Yandex DBS), and its own courier brings the goods straight back, so they count at once (the
    platform's notice of the cancel may even come before our record of the answer is settled)."""
    conn = uow.conn
    order = await conn.fetchrow(
        "SELECT o.id, o.status, w.state AS work, EXISTS (SELECT 1 FROM marketplace_cancellation_requests r"
        " WHERE r.order_id = o.id AND r.state = 'accepted') AS accepted"
        " FROM orders o LEFT JOIN marketplace_order_work w ON w.order_id = o.id"
        " WHERE o.marketplace_id = $1 AND o.marketplace_order_id = $2 FOR UPDATE OF o",
        marketplace_id,
        order_key,
    )
    if order is None or order["status"] == order_status.Status.CANCELLED:
        return
    left = order["work"] == "handed_over" or order["status"] == order_status.Status.SHIPPED
    handed_over = left and not order["accepted"]
    try:
        await order_status.change_status(
            uow,
            order["id"],
            order_status.Status.CANCELLED,
            note=f"cancelled on {marketplace_name}" + (" after the hand-over" if handed_over else ""),
            goods_left=handed_over,
            by_platform=True,
        )
        await fbs.cancelled_by_platform(uow, order["id"], marketplace_name)
    except InvalidTransition:
        handed_over = True  # delivered: its goods left too, and the order stays as it is
    if handed_over:
        await outbox.add(
            conn,
            outbox.MarketplaceOrderProblem(
                marketplace_id, order_key, "cancelled_after_shipping", status=order["status"]
            ),
        )


async def follow_progress(
    uow: UnitOfWork, marketplace_id: int, order_key: str, progress: Progress, marketplace_name: str
) -> bool | None:
    """The platform took the order past the seller's steps ("left" or "delivered"): its FBS work ends as handed
    over (off the pick list and the hand-over), and its status follows (shipped, delivered). Returns whether
    anything changed (hearing it again changes nothing), None for an order we do not hold."""
    order_id = await uow.conn.fetchval(
        "SELECT id FROM orders WHERE marketplace_id = $1 AND marketplace_order_id = $2 FOR UPDATE",
        marketplace_id,
        order_key,
    )
    if order_id is None:
        return None
    if progress == "cancelled":
        return False
    ended = await fbs.goods_left(uow, order_id)
    target = order_status.Status.DELIVERED if progress == "delivered" else order_status.Status.SHIPPED
    note = f"{'delivered' if progress == 'delivered' else 'left the warehouse'} on {marketplace_name}"
    return await order_status.follow_platform(uow, order_id, target, note=note) or ended
