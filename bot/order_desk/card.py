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
from bot.callbacks import AskToCancelOrder, ChangeOrderStatus, OpenOrder, OrderList
from bot.errors import describe
from bot.forms import show, tell
from bot.menu_buttons import menu_button
from bot.texts import money, status_action, status_label
from core import admin_orders, analytics, fbs
from core.admin_orders import OrderCard
from core.errors import DomainError
from core.fbs import OrderWork
from core.order_status import Status
from core.unit_of_work import Effects
from core.users import User

LOCAL = ZoneInfo(analytics.DEFAULT_TIMEZONE)

router = admin_router(__name__)


def render(card: OrderCard, work: OrderWork | None = None) -> tuple[str, InlineKeyboardMarkup]:
    """The card; a marketplace order's (`work`) also shows its FBS state and deadline and offers its steps."""
    order = card.order
    when = order.order_date.astimezone(LOCAL).strftime("%d.%m.%Y %H:%M")
    lines = [
        f"🧾 {order.order_number} — {status_label(order.status)}",
        _("Channel: {channel} · {when}").format(channel=order.channel, when=when),
        _("Customer: {name}, {phone}").format(name=order.customer_name, phone=order.customer_phone),
        _("Address: {address}").format(address=order.customer_address or _("none (pickup)")),
        _("Items:"),
        *[
            f"  • {item.product_name} ({item.product_sku}) × {item.quantity} × {money(item.price)}"
            for item in card.items
        ],
        _("Subtotal: {amount}").format(amount=money(order.subtotal)),
        _("Delivery: {amount}").format(amount=money(order.delivery_fee)),
        _("Total: {amount}").format(amount=money(order.total)),
        _("Cost: {cost} · commission: {commission} · profit: {profit}").format(
            cost=money(order.total_cost),
            commission=money(order.total_commission),
            profit=money(order.total_profit),
        ),
        _("Payment: {status}").format(status=order.payment_status),
    ]
    if order.created_by_name:
        lines.append(_("Typed in by {name}").format(name=order.created_by_name))
    if work is not None:
        lines += [
            _("{marketplace}: {state}").format(
                marketplace=work.marketplace_name, state=fbs_texts.work_state(work.state)
            ),
            fbs_texts.deadline_line(work.deadline),
        ]
    seen = card.status
    # A marketplace order is confirmed and cancelled on its platform (its FBS steps), never only here.
    targets = [
        target for target in card.next_statuses if work is None or target not in (Status.CONFIRMED, Status.CANCELLED)
    ]
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
    steps = [] if work is None else fbs_texts.work_buttons(order.id, work.state, card=True)
    back = [InlineKeyboardButton(text=_("⬅️ Orders"), callback_data=OrderList().pack()), menu_button()]
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=[row for row in (*steps, moves, back) if row])


async def load(pool: asyncpg.Pool, order_id: int) -> tuple[str, InlineKeyboardMarkup]:
    async with pool.acquire() as conn:
        return render(await admin_orders.order_card(conn, order_id), await fbs.work_of(conn, order_id))


@router.callback_query(OpenOrder.filter())
async def open_card(callback: CallbackQuery, callback_data: OpenOrder, pool: asyncpg.Pool) -> None:
    try:
        text, markup = await load(pool, callback_data.order_id)
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
