"""What the alerts say: admin alerts (one, or a burst as one digest) with one-tap buttons, and a customer's
order news. Rendered in the current gettext locale."""

from __future__ import annotations

from decimal import Decimal
from typing import assert_never

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot import fbs_texts
from bot.callbacks import AdjustStock, OpenOrder, OpenProduct, RunSyncNow
from bot.texts import fit, money, shorten, status_label
from core import outbox
from core.customer_orders import CustomerOrder
from core.notifications import Due
from core.order_status import Status

MAX_PRODUCT_BUTTONS = 5
MAX_ORDER_BUTTONS = 3
# A digest of DIGEST_SIZE lines stays under Telegram's 4096 characters.
MAX_LINE = 190
# A customer's news lists this many of an order's items, then says how many more.
MAX_NEWS_ITEMS = 10
# A customer's name and note in a one-line alert.
MAX_NAME = 40
MAX_NOTE = 80


def admin_line(due: Due) -> str:
    """One alert in one line. A row of a kind or a shape this code does not know reads as the generic line: one
    odd row must not stop the whole outbox."""
    line = None if due.alert is None else _known_line(due.alert)
    return (_generic_line(due) if line is None else line)[:MAX_LINE]


def _generic_line(due: Due) -> str:
    details = ", ".join(f"{key}: {value}" for key, value in due.payload.items() if not isinstance(value, (dict, list)))
    return _("🔔 {kind}: {details}").format(kind=due.kind, details=details[:300])


def _known_line(alert: outbox.Alert) -> str | None:
    match alert:
        case outbox.StockLow():
            return _("⚠️ Low stock: {name} ({sku}), {available} left (alert at {threshold}).").format(
                name=alert.name, sku=alert.sku, available=alert.available, threshold=alert.threshold
            )
        case outbox.StockOut():
            return _("⛔ Out of stock: {name} ({sku}). Hidden in the store until it is back.").format(
                name=alert.name, sku=alert.sku
            )
        case outbox.StockBack():
            return _("✅ Back in stock: {name} ({sku}), {available} available.").format(
                name=alert.name, sku=alert.sku, available=alert.available
            )
        case outbox.OrderPlaced():
            items = ", ".join(f"{item.name} × {item.quantity}" for item in alert.items)
            if alert.note:  # before the items: a long list is what the line's limit cuts
                text = _("🛒 New order {number} on {channel}: {total}, {customer}. 💬 «{note}» {items}").format(
                    number=alert.order_number,
                    channel=alert.channel,
                    total=money(alert.total),
                    customer=alert.customer_name[:MAX_NAME],
                    note=shorten(alert.note, MAX_NOTE),
                    items=items,
                )
            else:
                text = _("🛒 New order {number} on {channel}: {total}, {customer}. {items}").format(
                    number=alert.order_number,
                    channel=alert.channel,
                    total=money(alert.total),
                    customer=alert.customer_name[:MAX_NAME],
                    items=items,
                )
            if alert.delivery_zone is not None:
                fee = money(alert.delivery_fee) if alert.delivery_fee else _("free")
                text += "\n" + _("🚚 Delivery to {zone}: {amount}").format(zone=alert.delivery_zone, amount=fee)
            return text
        case outbox.OrderStatus() | outbox.BackInStock():
            return None  # the customer's news, told in the customer's chat (customer_message, back_in_stock_message)
        case outbox.PaymentNeedsRefund():
            return _("💸 Money arrived for the cancelled order {number}: refund {total} (payment {charge}).").format(
                number=alert.order_number, total=money(alert.total), charge=alert.charge_id
            )
        case outbox.SyncFailure():
            return _("🔄 Sync with {marketplace} is failing: {error}").format(
                marketplace=alert.marketplace, error=alert.error[:300]
            )
        case outbox.SyncThrottled():
            return _(
                "⏸ {marketplace} is limiting our requests (too many requests): its sync pauses for {seconds} s "
                "and resumes by itself."
            ).format(marketplace=alert.marketplace, seconds=alert.pause_seconds)
        case outbox.SyncRecovered():
            return _("▶️ {marketplace} accepts our requests again: its sync has resumed.").format(
                marketplace=alert.marketplace
            )
        case outbox.StockDrift():
            return _drift_line(alert)
        case outbox.MarketplaceOrderProblem():
            return _problem_line(alert)
        case outbox.WebhookFailure():
            return _("❗ A marketplace notification ({event}) could not be processed: {error}").format(
                event=alert.event_type, error=alert.error[:200]
            )
        case outbox.MarketplaceKeysUnreadable():
            return _(
                "🔐 {marketplace}: its saved keys do not open with this SECRET_KEY; its sync waits and its "
                "notifications are refused. Enter the keys again or restore the previous SECRET_KEY."
            ).format(marketplace=alert.marketplace)
        case outbox.FbsOrderArrived():
            return _("📦 New {marketplace} order {number}: {total}, {deadline}").format(
                marketplace=alert.marketplace_name,
                number=alert.order_number,
                total=money(alert.total),
                deadline=fbs_texts.deadline_line(alert.deadline),
            )
        case outbox.FbsDeadlineNear():
            return _("⏰ {marketplace} order {number} is still not confirmed: its deadline is {when}.").format(
                marketplace=alert.marketplace_name, number=alert.order_number, when=fbs_texts.deadline(alert.deadline)
            )
        case outbox.FbsDeadlineMissed():
            return _(
                "⌛ {marketplace} cancelled order {number}, not confirmed by {when}: its items are back in stock."
            ).format(
                marketplace=alert.marketplace_name, number=alert.order_number, when=fbs_texts.deadline(alert.deadline)
            )
        case outbox.FbsActionFailed():
            return _("⚠️ {action} of {orders} failed: {error}").format(
                action=fbs_texts.action_name(alert.kind),
                orders=", ".join(alert.order_numbers),
                error=fbs_texts.refusal_text(alert.error)[:160],
            )
        case outbox.FbsPaperReady():
            return fbs_texts.paper_text(alert)
        case outbox.FbsCancellationRequested():
            return _("🙋 The buyer asks to cancel {marketplace} order {number}.").format(
                marketplace=alert.marketplace_name, number=alert.order_number
            )
        case outbox.ReturnArrived():
            return _("↩️ A return from {marketplace}: {product} × {quantity}.").format(
                marketplace=alert.marketplace_name, product=alert.product_name, quantity=alert.quantity
            )
        case outbox.PhotoFetchFailed():
            return _("🖼 A photo of {sku} «{name}» could not be fetched ({error}): {url}").format(
                sku=alert.sku, name=alert.name[:40], error=alert.error[:60], url=alert.url[:80]
            )
        case outbox.RateMissing():
            return _(
                "💱 No fresh exchange rate for {currencies}: their sales stay out of the reports' totals. "
                "Set one with /rate, like: /rate {example} 142.50"
            ).format(currencies=", ".join(alert.currencies), example=alert.currencies[0] if alert.currencies else "RUB")
        case outbox.SupportMessage():  # copied into the chat as it is (bot.support_relay); this line names it
            return _("💬 A customer wrote to the shop (support thread {thread}).").format(thread=alert.thread_id)
    assert_never(alert)


def _problem_line(problem: outbox.MarketplaceOrderProblem) -> str:
    """A marketplace order we could not take as it came, in the reader's words (the problem is our code)."""
    line = problem.line
    item = "-" if line is None else f"«{shorten(line.title or line.seller_sku or '-', 60)}» × {line.quantity}"
    match problem.problem:
        case "unmapped":
            return _(
                "❗ Marketplace order {order}: {item} is linked to none of our products. Map it (🛒 Sales channels) "
                "and the next pull takes the order."
            ).format(order=problem.order, item=item)
        case "out_of_stock" if problem.order is not None:
            return _(
                "❗ Marketplace order {order}: {item} was sold there while we had none left. Cancel the order in "
                "the marketplace's cabinet."
            ).format(order=problem.order, item=item)
        case "out_of_stock":
            return ngettext(
                "❗ {count} unit was sold on a marketplace while we had none left. Cancel that order in its cabinet.",
                "❗ {count} units were sold on a marketplace while we had none left. Cancel those orders in its "
                "cabinet.",
                problem.sold_there or 0,
            ).format(count=problem.sold_there or 0)
        case "cancelled_after_shipping":
            return _(
                "❗ Marketplace order {order} was cancelled there after it left the warehouse: its goods come back "
                "as a return, which you decide on when it arrives."
            ).format(order=problem.order)
    return _(
        "❗ Marketplace order {order} could not be taken as it came. Check it in the marketplace's cabinet."
    ).format(order=problem.order or "-")


def _drift_line(drift: outbox.StockDrift) -> str:
    def listed(items: tuple[outbox.DriftedListing, ...]) -> str:
        return ", ".join(f"{item.sku} {item.theirs}→{item.ours}" for item in items)[:120]

    parts = []
    if drift.count:
        parts.append(
            _(
                "🔍 {marketplace} showed other stock than ours for {count} listings ({items}); "
                "the truth is being pushed."
            ).format(marketplace=drift.marketplace, count=drift.count, items=listed(drift.items))
        )
    if drift.held_count:
        parts.append(
            _(
                "⏸ {marketplace} shows less than ours for {count} listings ({items}) while {lines} of its "
                "order lines match none of our listings: not raised there, so units sold there are not "
                "sold again. Map those listings."
            ).format(
                marketplace=drift.marketplace,
                count=drift.held_count,
                items=listed(drift.held),
                lines=drift.unplaced_lines,
            )
        )
    return " ".join(parts)


def _buttons(dues: list[Due]) -> InlineKeyboardMarkup | None:
    products: dict[int, str] = {}
    orders: dict[int, str] = {}
    drifted: dict[int, str] = {}
    for due in dues:
        match due.alert:
            case outbox.StockLow() | outbox.StockOut() | outbox.StockBack() as crossing:
                products.setdefault(crossing.product_id, crossing.sku or str(crossing.product_id))
            case outbox.PhotoFetchFailed() as photo:
                products.setdefault(photo.product_id, photo.sku)
            case outbox.MarketplaceOrderProblem(product_id=int() as product_id):
                products.setdefault(product_id, str(product_id))
            case outbox.OrderPlaced() | outbox.FbsDeadlineMissed() as placed:
                orders.setdefault(placed.order_id, placed.order_number or str(placed.order_id))
            case outbox.StockDrift() as drift:
                drifted[drift.marketplace_id] = drift.marketplace
    rows = [
        [
            InlineKeyboardButton(text=f"📦 {sku}", callback_data=OpenProduct(product_id=product_id).pack()),
            InlineKeyboardButton(
                text=_("➕➖ Adjust {sku}").format(sku=sku), callback_data=AdjustStock(product_id=product_id).pack()
            ),
        ]
        for product_id, sku in list(products.items())[:MAX_PRODUCT_BUTTONS]
    ]
    rows += [
        [InlineKeyboardButton(text=f"🧾 {number}", callback_data=OpenOrder(order_id=order_id).pack())]
        for order_id, number in list(orders.items())[:MAX_ORDER_BUTTONS]
    ]
    rows += [
        [
            InlineKeyboardButton(
                text=_("🔄 Push {name} now").format(name=name),
                callback_data=RunSyncNow(marketplace_id=marketplace_id).pack(),
            )
        ]
        for marketplace_id, name in drifted.items()
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def is_solo(due: Due) -> bool:
    """An alert whose buttons act on it and whose message then shows the outcome: it is sent as its own
    message, never in a digest (a burst of new marketplace orders costs one message each, paced by the sender)."""
    return isinstance(
        due.alert,
        outbox.FbsOrderArrived
        | outbox.FbsDeadlineNear
        | outbox.ReturnArrived
        | outbox.FbsPaperReady
        | outbox.FbsCancellationRequested,
    )


def _solo_message(alert: outbox.Alert) -> tuple[str, InlineKeyboardMarkup] | None:
    match alert:
        case outbox.FbsOrderArrived():
            text = fbs_texts.order_text(
                marketplace=alert.marketplace_name,
                number=alert.order_number,
                marketplace_order_id=alert.marketplace_order_id,
                items=[(item.name, item.quantity) for item in alert.items],
                total=alert.total,
                currency=alert.currency,
                when=alert.deadline,
            )
            return text, InlineKeyboardMarkup(inline_keyboard=fbs_texts.work_buttons(alert.order_id, "new"))
        case outbox.FbsDeadlineNear():
            text = _known_line(alert) or ""
            return text, InlineKeyboardMarkup(inline_keyboard=fbs_texts.work_buttons(alert.order_id, "new"))
        case outbox.ReturnArrived():
            return fbs_texts.return_text(alert), fbs_texts.return_buttons(alert.return_id)
        case outbox.FbsCancellationRequested():
            return fbs_texts.cancellation_request_text(alert), fbs_texts.cancellation_buttons(alert.request_id)
        case outbox.FbsPaperReady():
            return fbs_texts.paper_text(alert), fbs_texts.paper_buttons(alert.action_id)
    return None


def admin_message(dues: list[Due]) -> tuple[str, InlineKeyboardMarkup | None]:
    """One alert as it is; a burst as one digest, so the admin group stays within 20 messages a minute."""
    if len(dues) == 1 and dues[0].alert is not None and (solo := _solo_message(dues[0].alert)) is not None:
        return fit(solo[0]), solo[1]
    lines = [admin_line(due) for due in dues]
    if len(dues) > 1:
        header = ngettext("🔔 {count} alert:", "🔔 {count} alerts:", len(dues)).format(count=len(dues))
        lines = [header, *lines]
    return fit("\n".join(lines)), _buttons(dues)


def customer_message(news: outbox.OrderStatus, order: CustomerOrder | None) -> str:
    number, status = news.order_number, news.status
    headings: dict[str, str] = {
        Status.PENDING: _("🧾 Your order {number} is received: we will confirm it soon."),
        Status.CONFIRMED: _("✅ Your order {number} is confirmed: we are preparing it."),
        Status.PROCESSING: _("📦 Your order {number} is being packed."),
        Status.SHIPPED: _("🚚 Your order {number} is on its way."),
        Status.DELIVERED: _("🎉 Your order {number} is delivered. Thank you for shopping with us!"),
        Status.CANCELLED: _("❌ Your order {number} is cancelled."),
    }
    heading = headings.get(
        status, _("Your order {number}: {status}").format(number="{number}", status=status_label(status))
    )
    lines = [heading.format(number=number)]
    if order:
        lines += item_lines(order, "• ")
        lines.append(_("Total: {amount}").format(amount=money(order.total)))
    return "\n".join(lines)


def back_in_stock_message(name: str, price: Decimal, link: str | None) -> tuple[str, InlineKeyboardMarkup | None]:
    """A sold-out product the customer asked about is back; the button opens it in the Mini App."""
    text = _("🔔 «{name}» is back in stock: {price}. Order it before it sells out again!").format(
        name=name, price=money(price)
    )
    if link is None:
        return text, None
    button = InlineKeyboardButton(text=_("🛍 Open the product"), web_app=WebAppInfo(url=link))
    return text, InlineKeyboardMarkup(inline_keyboard=[[button]])


def item_lines(order: CustomerOrder, bullet: str) -> list[str]:
    """An order's items for its customer's chat: a long order's first ones and how many more."""
    lines = [f"{bullet}{shorten(item.name, 80)} × {item.quantity}" for item in order.items[:MAX_NEWS_ITEMS]]
    hidden = len(order.items) - MAX_NEWS_ITEMS
    if hidden > 0:
        lines.append(
            bullet + ngettext("…and {count} more item", "…and {count} more items", hidden).format(count=hidden)
        )
    return lines
