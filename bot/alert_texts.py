"""What the alerts say: admin alerts (one, or a burst as one digest) with one-tap buttons, and a customer's
order news. Rendered in the current gettext locale."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.callbacks import AdjustStock, OpenOrder, OpenProduct, RunSyncNow
from bot.texts import money, status_label
from core import outbox
from core.notifications import Due
from core.orders import Status

SYNC_FAILURE = "sync_failure"  # written by the sync engine (core.outbox.SYNC_FAILURE)
MAX_PRODUCT_BUTTONS = 5
MAX_ORDER_BUTTONS = 3
# A digest of DIGEST_SIZE lines stays under Telegram's 4096 characters.
MAX_LINE = 190
MAX_MESSAGE = 4000


def _amount(value: object) -> str:
    try:
        return money(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, ArithmeticError):
        return str(value)


def admin_line(due: Due) -> str:
    """One alert in one line. A payload not shaped as expected still reads as the generic line: one odd row
    must not stop the whole outbox."""
    try:
        return _known_line(due)[:MAX_LINE]
    except (KeyError, IndexError, ValueError, TypeError):
        return _generic_line(due)[:MAX_LINE]


def _generic_line(due: Due) -> str:
    details = ", ".join(f"{key}: {value}" for key, value in due.payload.items() if not isinstance(value, (dict, list)))
    return _("🔔 {kind}: {details}").format(kind=due.kind, details=details[:300])


def _known_line(due: Due) -> str:
    p = due.payload
    if due.kind == outbox.STOCK_LOW:
        return _("⚠️ Low stock: {name} ({sku}), {available} left (alert at {threshold}).").format(**p)
    if due.kind == outbox.STOCK_OUT:
        return _("⛔ Out of stock: {name} ({sku}). Hidden in the store until it is back.").format(**p)
    if due.kind == outbox.STOCK_BACK:
        return _("✅ Back in stock: {name} ({sku}), {available} available.").format(**p)
    if due.kind == outbox.ORDER_PLACED:
        items = ", ".join(f"{item['name']} × {item['quantity']}" for item in p.get("items") or [])
        return _("🛒 New order {number} on {channel}: {total}, {customer}. {items}").format(
            number=p.get("order_number"), channel=p.get("channel"), total=_amount(p.get("total")),
            customer=p.get("customer_name"), items=items,
        )
    if due.kind == outbox.PAYMENT_NEEDS_REFUND:
        return _("💸 Money arrived for the cancelled order {number}: refund {total} (payment {charge}).").format(
            number=p.get("order_number"), total=_amount(p.get("total")), charge=p.get("charge_id"))
    if due.kind == SYNC_FAILURE:
        return _("🔄 Sync with {marketplace} is failing: {error}").format(
            marketplace=p.get("marketplace"), error=str(p.get("error"))[:300])
    if due.kind == outbox.SYNC_THROTTLED:
        return _("⏸ {marketplace} is limiting our requests (too many requests): its sync pauses for {seconds} s and "
                 "resumes by itself.").format(marketplace=p.get("marketplace"), seconds=p["pause_seconds"])
    if due.kind == outbox.SYNC_RECOVERED:
        return _("▶️ {marketplace} accepts our requests again: its sync has resumed.").format(
            marketplace=p.get("marketplace"))
    if due.kind == outbox.STOCK_DRIFT:
        return _drift_line(p)
    if due.kind == outbox.MARKETPLACE_ORDER_PROBLEM:
        return _("❗ Marketplace order {order}: {problem}. Check it in the marketplace's cabinet.").format(
            order=p.get("order") or "-", problem=p.get("problem"))
    if due.kind == outbox.WEBHOOK_FAILURE:
        return _("❗ A marketplace notification ({event}) could not be processed: {error}").format(
            event=p.get("event_type"), error=str(p.get("error"))[:200])
    return _generic_line(due)


def _drift_line(p: dict[str, Any]) -> str:
    def listed(items: list[dict[str, Any]]) -> str:
        return ", ".join(f"{item['sku']} {item['theirs']}→{item['ours']}" for item in items)[:120]

    parts = []
    if p.get("count"):
        parts.append(_("🔍 {marketplace} showed other stock than ours for {count} listings ({items}); "
                       "the truth is being pushed.").format(marketplace=p.get("marketplace"), count=p.get("count"),
                                                            items=listed(p.get("items") or [])))
    if p.get("held_count"):
        parts.append(_("⏸ {marketplace} shows less than ours for {count} listings ({items}) while {lines} of its "
                       "order lines match none of our listings: not raised there, so units sold there are not "
                       "sold again. Map those listings.").format(
            marketplace=p.get("marketplace"), count=p.get("held_count"), items=listed(p.get("held") or []),
            lines=p.get("unplaced_lines")))
    return " ".join(parts)


def _buttons(dues: list[Due]) -> InlineKeyboardMarkup | None:
    products: dict[int, str] = {}
    orders: dict[int, str] = {}
    for due in dues:
        product_id, order_id = due.payload.get("product_id"), due.payload.get("order_id")
        if isinstance(product_id, int):
            products.setdefault(product_id, str(due.payload.get("sku") or product_id))
        if isinstance(order_id, int) and due.kind == outbox.ORDER_PLACED:
            orders.setdefault(order_id, str(due.payload.get("order_number") or order_id))
    rows = [
        [InlineKeyboardButton(text=f"📦 {sku}", callback_data=OpenProduct(product_id=product_id).pack()),
         InlineKeyboardButton(text=_("➕➖ Adjust {sku}").format(sku=sku),
                              callback_data=AdjustStock(product_id=product_id).pack())]
        for product_id, sku in list(products.items())[:MAX_PRODUCT_BUTTONS]
    ]
    rows += [
        [InlineKeyboardButton(text=f"🧾 {number}", callback_data=OpenOrder(order_id=order_id).pack())]
        for order_id, number in list(orders.items())[:MAX_ORDER_BUTTONS]
    ]
    drifted = {due.payload["marketplace_id"]: due.payload.get("marketplace") for due in dues
               if due.kind == outbox.STOCK_DRIFT and isinstance(due.payload.get("marketplace_id"), int)}
    rows += [
        [InlineKeyboardButton(text=_("🔄 Push {name} now").format(name=name),
                              callback_data=RunSyncNow(marketplace_id=marketplace_id).pack())]
        for marketplace_id, name in drifted.items()
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def admin_message(dues: list[Due]) -> tuple[str, InlineKeyboardMarkup | None]:
    """One alert as it is; a burst as one digest, so the admin group stays within 20 messages a minute."""
    lines = [admin_line(due) for due in dues]
    if len(dues) > 1:
        header = ngettext("🔔 {count} alert:", "🔔 {count} alerts:", len(dues)).format(count=len(dues))
        lines = [header, *lines]
    return "\n".join(lines)[:MAX_MESSAGE], _buttons(dues)


def customer_message(due: Due, order: dict[str, Any] | None) -> str:
    number = due.payload.get("order_number")
    status = due.payload.get("status")
    heading = {
        Status.PENDING: _("🧾 Your order {number} is received: we will confirm it soon."),
        Status.CONFIRMED: _("✅ Your order {number} is confirmed: we are preparing it."),
        Status.PROCESSING: _("📦 Your order {number} is being packed."),
        Status.SHIPPED: _("🚚 Your order {number} is on its way."),
        Status.DELIVERED: _("🎉 Your order {number} is delivered. Thank you for shopping with us!"),
        Status.CANCELLED: _("❌ Your order {number} is cancelled."),
    }.get(status, _("Your order {number}: {status}").format(number="{number}", status=status_label(str(status))))
    lines = [heading.format(number=number)]
    if order:
        lines += [f"• {item['name']} × {item['quantity']}" for item in order["items"]]
        lines.append(_("Total: {amount}").format(amount=money(order["total"])))
    return "\n".join(lines)
