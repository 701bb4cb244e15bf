"""An order's card for admins, and its status buttons (the core status machine decides which)."""

from __future__ import annotations

import contextlib
from zoneinfo import ZoneInfo

import asyncpg
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot import fbs_texts
from bot.access import admin_router
from bot.callbacks import AskToCancelOrder, ChangeOrderStatus, CollectCash, OpenOrder, OrderCardPage, OrderList
from bot.errors import describe
from bot.forms import show, tell
from bot.menu_buttons import menu_button
from bot.order_desk import money as order_money_texts
from bot.texts import fit, language, money_in, shorten, status_action, status_label
from core import admin_orders, analytics, cash, fbs, order_money
from core.admin_orders import OrderCard, OrderView
from core.errors import DomainError
from core.fbs import OrderWork
from core.order_money import OrderMoney
from core.order_status import Status
from core.unit_of_work import Effects
from core.users import User

LOCAL = ZoneInfo(analytics.DEFAULT_TIMEZONE)

# Telegram shows at most 4096 characters: a long order's items go page by page, and what customers and
# marketplaces typed is cut. 15 item lines of at most ~130 characters leave room for everything else.
ITEMS_PER_PAGE = 15
MAX_NAME = 80
MAX_ADDRESS = 300
MAX_NOTE = 500
MAX_PRODUCT_NAME = 70
MAX_SKU = 40

router = admin_router(__name__)


def _delivery_line(order: OrderView, currency: str) -> str:
    """The fee, and the own store's zone it goes to when it has one (free over the zone's threshold)."""
    zone = order.delivery_zone_ru if language() == "ru" else order.delivery_zone_uz
    if zone is None:
        return _("Delivery: {amount}").format(amount=money_in(order.delivery_fee, currency))
    amount = money_in(order.delivery_fee, currency) if order.delivery_fee > 0 else _("free")
    return _("Delivery to {zone}: {amount}").format(zone=zone, amount=amount)


def _items(card: OrderCard, currency: str, page: int) -> tuple[list[str], list[InlineKeyboardButton]]:
    """The item lines of one page, and the ◀ ▶ buttons when there is more than one page."""
    pages = max(1, -(-len(card.items) // ITEMS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = card.items[page * ITEMS_PER_PAGE : (page + 1) * ITEMS_PER_PAGE]
    lines = [
        _("Items:")
        if pages == 1
        else _("Items ({first}–{last} of {count}):").format(
            first=page * ITEMS_PER_PAGE + 1, last=page * ITEMS_PER_PAGE + len(shown), count=len(card.items)
        ),
        *[
            f"  • {shorten(item.product_name, MAX_PRODUCT_NAME)} ({shorten(item.product_sku, MAX_SKU)})"
            f" × {item.quantity} × {money_in(item.price, currency)}"
            for item in shown
        ],
    ]
    order_id = card.order.id
    buttons = []
    if page > 0:
        buttons.append(
            InlineKeyboardButton(text="◀️", callback_data=OrderCardPage(order_id=order_id, page=page - 1).pack())
        )
    if page < pages - 1:
        buttons.append(
            InlineKeyboardButton(text="▶️", callback_data=OrderCardPage(order_id=order_id, page=page + 1).pack())
        )
    return lines, buttons


def render(
    card: OrderCard, view: OrderMoney, work: OrderWork | None = None, page: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    """The card with its money (`view`); a marketplace order's (`work`) also shows its FBS state and deadline
    and offers its steps; a cash order whose cash is expected offers "cash collected". A long order shows its
    items `page` by page."""
    order = card.order
    currency = view.currency
    when = order.order_date.astimezone(LOCAL).strftime("%d.%m.%Y %H:%M")
    items, pages = _items(card, currency, page)
    address = shorten(order.customer_address, MAX_ADDRESS) if order.customer_address else _("none (pickup)")
    lines = [
        f"🧾 {order.order_number} — {status_label(order.status)}",
        _("Channel: {channel} · {when}").format(channel=order.channel, when=when),
        _("Customer: {name}, {phone}").format(name=shorten(order.customer_name, MAX_NAME), phone=order.customer_phone),
        _("Address: {address}").format(address=address),
        *([_("💬 Customer's note: {note}").format(note=shorten(order.note, MAX_NOTE))] if order.note else []),
        *items,
        _("Subtotal: {amount}").format(amount=money_in(order.subtotal, currency)),
        _delivery_line(order, currency),
        _("Total: {amount}").format(amount=money_in(order.total, currency)),
        _("Cost: {amount}").format(
            amount="—" if order.total_cost is None else money_in(order.total_cost, view.base_currency)
        ),
        *order_money_texts.money_lines(view),
        order_money_texts.payment_line(order.payment_status, view),
    ]
    if order.created_by_name:
        lines.append(_("Typed in by {name}").format(name=order.created_by_name))
    if work is not None:
        lines += [
            _("{marketplace}: {state}").format(
                marketplace=work.marketplace_name,
                state=fbs_texts.work_state("delivered" if work.order_status == Status.DELIVERED else work.state),
            ),
            fbs_texts.deadline_line(work.deadline),
        ]
    seen = card.status
    # A marketplace order's status follows its platform (its FBS steps, and what the pull reads), never only here.
    targets = card.next_statuses if work is None else []
    moves = [
        InlineKeyboardButton(
            text=status_action(target),
            callback_data=(
                AskToCancelOrder(order_id=order.id, seen=seen)
                if target == Status.CANCELLED
                else ChangeOrderStatus(order_id=order.id, seen=seen, to=target)
            ).pack(),
        )
        for target in targets
    ]
    steps = [] if work is None else fbs_texts.work_buttons(order.id, work.state, card=True, to_deliver=work.to_deliver)
    collect = (
        [InlineKeyboardButton(text=_("💵 Cash collected"), callback_data=CollectCash(order_id=order.id).pack())]
        if view.cash is not None and view.cash.expected
        else []
    )
    back = [InlineKeyboardButton(text=_("⬅️ Orders"), callback_data=OrderList().pack()), menu_button()]
    rows = (pages, *steps, collect, moves, back)
    # The limits above keep a card far below Telegram's; the cut is the last guard, never the design.
    return fit("\n".join(lines)), InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])


async def load(pool: asyncpg.Pool, order_id: int, page: int = 0) -> tuple[str, InlineKeyboardMarkup]:
    async with pool.acquire() as conn:
        return render(
            await admin_orders.order_card(conn, order_id),
            await order_money.of_order(conn, order_id),
            await fbs.work_of(conn, order_id),
            page,
        )


@router.callback_query(OpenOrder.filter())
@router.callback_query(OrderCardPage.filter())
async def open_card(callback: CallbackQuery, callback_data: OpenOrder | OrderCardPage, pool: asyncpg.Pool) -> None:
    try:
        text, markup = await load(
            pool, callback_data.order_id, callback_data.page if isinstance(callback_data, OrderCardPage) else 0
        )
    except DomainError as error:
        await tell(callback, describe(error))
        return
    await show(callback, text, markup)


@router.callback_query(AskToCancelOrder.filter())
async def ask_cancel(callback: CallbackQuery, callback_data: AskToCancelOrder) -> None:
    """Cancelling returns stock and tells the customer: worth one more tap."""
    yes = ChangeOrderStatus(order_id=callback_data.order_id, seen=callback_data.seen, to=Status.CANCELLED)
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=_("Yes, cancel it"), callback_data=yes.pack()),
                InlineKeyboardButton(
                    text=_("No, keep it"), callback_data=OpenOrder(order_id=callback_data.order_id).pack()
                ),
            ]
        ]
    )
    await show(callback, _("Cancel this order? Its items go back to stock."), markup)


@router.callback_query(ChangeOrderStatus.filter())
async def move(
    callback: CallbackQuery, callback_data: ChangeOrderStatus, pool: asyncpg.Pool, effects: Effects, admin: User
) -> None:
    try:
        async with pool.acquire() as conn, effects.transaction(conn) as uow:
            change = await admin_orders.change_status(
                uow, callback_data.order_id, callback_data.seen, callback_data.to, admin.id
            )
        note = _("Order is now {status}.").format(status=status_label(change.status))
    except DomainError as error:  # a second tap, or another admin was quicker: show what it is now
        note = describe(error)
    with contextlib.suppress(TelegramBadRequest):
        await callback.answer(note)
    try:
        text, markup = await load(pool, callback_data.order_id)
    except DomainError:
        return
    await show(callback, text, markup, answer=False)


def _cash_refusal(error: cash.CashRefused) -> str:
    return {
        cash.Refusal.NOT_CASH: _("This order is not paid in cash on delivery; nothing was changed."),
        cash.Refusal.CANCELLED: _("This order was cancelled: no cash is expected; nothing was changed."),
    }.get(error.reason, _("The cash of this order is already marked collected; nothing was changed."))


@router.callback_query(CollectCash.filter())
async def collect_cash(
    callback: CallbackQuery, callback_data: CollectCash, pool: asyncpg.Pool, effects: Effects, admin: User
) -> None:
    try:
        async with pool.acquire() as conn, effects.transaction(conn) as uow:
            await cash.collect(uow, callback_data.order_id, admin.id)
        note = _("💵 Cash collected: the order is paid.")
    except cash.CashRefused as error:  # a second tap, or another admin was quicker
        note = _cash_refusal(error)
    except DomainError as error:
        note = describe(error)
    with contextlib.suppress(TelegramBadRequest):
        await callback.answer(note, show_alert=True)
    try:
        text, markup = await load(pool, callback_data.order_id)
    except DomainError:
        return
    await show(callback, text, markup, answer=False)
