"""Each step of the manual order form: its question and buttons, and at the end the table of the steps (how to
draw each, where Back goes from it). Entering a step sets the FSM state, so Back, Edit and the input handlers all
move through the same functions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _

from bot.callbacks import ChangeOrderPart, FormAction, OrderPart
from bot.errors import describe
from bot.forms import Event, button, keyboard, nav_row, show
from bot.manual_order import draft as drafts
from bot.manual_order.draft import OrderDraft
from bot.manual_order.states import ManualOrder
from bot.texts import money
from core import admin_orders
from core.errors import DomainError
from core.orders import Quote


async def _go(state: FSMContext, step: State) -> OrderDraft:
    await state.set_state(step)
    return await drafts.load(state)


async def channel(event: Event, state: FSMContext, pool: asyncpg.Pool) -> None:
    draft = await _go(state, ManualOrder.channel)
    async with pool.acquire() as conn:
        choices = await admin_orders.manual_channels(conn)
    form = draft.form
    if not choices:
        text = _("There is no manual channel (like OLX or Bir-Bir) to type orders for. Ask the developer to add one.")
        await show(event, text, keyboard(nav_row(form, back=False)))
        return
    rows = [[button(row.name, form, FormAction.CHOOSE_CHANNEL, row.id)] for row in choices]
    await show(event, _("📝 New order. Where did the buyer find us?"), keyboard(*rows, nav_row(form, back=False)))


async def search(event: Event, state: FSMContext, pool: asyncpg.Pool, note: str = "") -> None:
    draft = await _go(state, ManualOrder.search)
    text = _("Send the product's name, SKU or barcode.")
    await show(event, f"{note}\n\n{text}".strip(), keyboard(nav_row(draft.form)))


async def pick(event: Event, state: FSMContext, pool: asyncpg.Pool) -> None:
    draft = await _go(state, ManualOrder.pick)
    form = draft.form
    rows = [
        [
            button(
                _("{name} · {sku} · {available} left · {price}").format(
                    name=item.name, sku=item.sku, available=item.available, price=money(item.price)
                ),
                form,
                FormAction.PICK_PRODUCT,
                item.product_id,
            )
        ]
        for item in draft.found
    ]
    await show(event, _("Which one?"), keyboard(*rows, nav_row(form)))


async def quantity(event: Event, state: FSMContext, pool: asyncpg.Pool, note: str = "") -> None:
    draft = await _go(state, ManualOrder.quantity)
    pending = draft.picked()
    form = draft.form
    text = _("«{name}»: how many? {available} available.").format(name=pending.name, available=pending.available)
    quick = [button(str(n), form, FormAction.QUANTITY, n) for n in (1, 2, 3, 5) if n <= pending.available]
    await show(event, f"{note}\n\n{text}".strip(), keyboard(quick, nav_row(form)))


async def price(event: Event, state: FSMContext, pool: asyncpg.Pool, note: str = "") -> None:
    draft = await _go(state, ManualOrder.price)
    pending = draft.picked()
    form = draft.form
    text = _("Price of one «{name}»? Tap to keep {price} or send another price.").format(
        name=pending.name, price=money(pending.price)
    )
    keep = [button(_("Keep {price}").format(price=money(pending.price)), form, FormAction.KEEP_PRICE)]
    await show(event, f"{note}\n\n{text}".strip(), keyboard(keep, nav_row(form)))


def _lines_text(draft: OrderDraft) -> str:
    rows = [
        f"{index}. {line.name} × {line.quantity} × {money(line.price)}"
        for index, line in enumerate(draft.lines, start=1)
    ]
    return "\n".join(rows)


async def items(event: Event, state: FSMContext, pool: asyncpg.Pool, note: str = "") -> None:
    draft = await _go(state, ManualOrder.items)
    form = draft.form
    if not draft.lines:
        await search(event, state, pool, note)
        return
    remove = [
        [button(_("✖️ Remove {name}").format(name=line.name), form, FormAction.REMOVE_ITEM, line.product_id)]
        for line in draft.lines
    ]
    rows = [
        [button(_("➕ Add another item"), form, FormAction.ADD_ITEM)],
        *remove,
        [button(_("➡️ Next: the customer"), form, FormAction.TO_CUSTOMER)],
        nav_row(form),
    ]
    text = _("Items of the order ({channel}):").format(channel=draft.channel)
    await show(event, f"{note}\n\n{text}\n{_lines_text(draft)}".strip(), keyboard(*rows))


async def name(event: Event, state: FSMContext, pool: asyncpg.Pool, note: str = "") -> None:
    draft = await _go(state, ManualOrder.name)
    question = _("Customer name?")
    await show(event, f"{note}\n\n{question}".strip(), keyboard(nav_row(draft.form)))


async def phone(event: Event, state: FSMContext, pool: asyncpg.Pool, note: str = "") -> None:
    draft = await _go(state, ManualOrder.phone)
    text = _("Customer phone? For example +998 90 123 45 67 or 90 123 45 67.")
    await show(event, f"{note}\n\n{text}".strip(), keyboard(nav_row(draft.form)))


async def address(event: Event, state: FSMContext, pool: asyncpg.Pool) -> None:
    draft = await _go(state, ManualOrder.address)
    form = draft.form
    skip = [button(_("No address (pickup)"), form, FormAction.SKIP)]
    await show(event, _("Delivery address? Send it, or tap if there is none."), keyboard(skip, nav_row(form)))


async def fee(event: Event, state: FSMContext, pool: asyncpg.Pool, note: str = "") -> None:
    draft = await _go(state, ManualOrder.fee)
    form = draft.form
    skip = [button(_("No delivery fee"), form, FormAction.SKIP)]
    text = _("Delivery fee the customer pays? Send the amount, or tap if there is none.")
    await show(event, f"{note}\n\n{text}".strip(), keyboard(skip, nav_row(form)))


def _totals(quote: Quote) -> str:
    return "\n".join(
        [
            _("Subtotal: {amount}").format(amount=money(quote.subtotal)),
            _("Delivery: {amount}").format(amount=money(quote.delivery_fee)),
            _("Total: {amount}").format(amount=money(quote.total)),
            _("Cost: {cost} · commission: {commission} · profit: {profit}").format(
                cost=money(quote.cost), commission=money(quote.commission), profit=money(quote.profit)
            ),
        ]
    )


async def summary(event: Event, state: FSMContext, pool: asyncpg.Pool, note: str = "") -> None:
    draft = await _go(state, ManualOrder.summary)
    draft.editing = False
    await drafts.save(state, draft)
    form = draft.form
    try:
        async with pool.acquire() as conn, conn.transaction():
            totals = _totals(await admin_orders.quote_manual(conn, draft.channel_id, draft.core_lines(), draft.fee))
    except DomainError as error:
        totals = "⚠️ " + describe(error)
    customer = draft.customer()
    text = "\n".join(
        [
            _("📝 Order on {channel}").format(channel=draft.channel),
            _lines_text(draft),
            "",
            totals,
            "",
            _("Customer: {name}, {phone}").format(name=customer.name, phone=customer.phone),
            _("Address: {address}").format(address=customer.address or _("none (pickup)")),
            "",
            _("Is everything right?"),
        ]
    )
    rows = [
        [button(_("✅ Confirm"), form, FormAction.CONFIRM)],
        [button(_("✏️ Edit"), form, FormAction.EDIT), button(_("✖️ Cancel"), form, FormAction.CANCEL)],
        [button(_("⬅️ Back"), form, FormAction.BACK)],
    ]
    await show(event, f"{note}\n\n{text}".strip(), keyboard(*rows))


async def edit(event: Event, state: FSMContext, pool: asyncpg.Pool) -> None:
    draft = await _go(state, ManualOrder.edit)
    draft.editing = True
    await drafts.save(state, draft)
    form = draft.form

    def change(text: str, part: OrderPart) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=text, callback_data=ChangeOrderPart(form=form, part=part).pack())

    rows = [
        [change(_("Items"), OrderPart.ITEMS), change(_("Channel"), OrderPart.CHANNEL)],
        [change(_("Name"), OrderPart.NAME), change(_("Phone"), OrderPart.PHONE)],
        [change(_("Address"), OrderPart.ADDRESS), change(_("Delivery fee"), OrderPart.FEE)],
        [button(_("⬅️ Back to the summary"), form, FormAction.BACK)],
    ]
    await show(event, _("What do you want to change?"), keyboard(*rows))


Draw = Callable[[Event, FSMContext, asyncpg.Pool], Awaitable[None]]


@dataclass(frozen=True)
class Step:
    draw: Draw
    # Where Back goes; None closes the form (the first step draws no Back, but an older message of the form may).
    back: State | None = None
    # A step with nothing to show is passed over going back: the item list before the first item.
    empty: Callable[[OrderDraft], bool] = lambda draft: False


STEPS: dict[State, Step] = {
    ManualOrder.channel: Step(channel),
    ManualOrder.search: Step(search, back=ManualOrder.items),
    ManualOrder.pick: Step(pick, back=ManualOrder.search),
    ManualOrder.quantity: Step(quantity, back=ManualOrder.pick),
    ManualOrder.price: Step(price, back=ManualOrder.quantity),
    ManualOrder.items: Step(items, back=ManualOrder.channel, empty=lambda draft: not draft.lines),
    ManualOrder.name: Step(name, back=ManualOrder.items),
    ManualOrder.phone: Step(phone, back=ManualOrder.name),
    ManualOrder.address: Step(address, back=ManualOrder.phone),
    ManualOrder.fee: Step(fee, back=ManualOrder.address),
    ManualOrder.summary: Step(summary, back=ManualOrder.fee),
    ManualOrder.edit: Step(edit, back=ManualOrder.summary),
}

# The Edit screen's buttons: the step each part of the order is asked at.
PARTS: dict[OrderPart, State] = {
    OrderPart.ITEMS: ManualOrder.items,
    OrderPart.CHANNEL: ManualOrder.channel,
    OrderPart.NAME: ManualOrder.name,
    OrderPart.PHONE: ManualOrder.phone,
    OrderPart.ADDRESS: ManualOrder.address,
    OrderPart.FEE: ManualOrder.fee,
}


def previous(current: str | None, draft: OrderDraft) -> State | None:
    """The step Back goes to from the `current` FSM state; None when Back closes the form."""
    step = next((step for state, step in STEPS.items() if state.state == current), None)
    target = step.back if step else None
    while target is not None and STEPS[target].empty(draft):
        target = STEPS[target].back
    return target
