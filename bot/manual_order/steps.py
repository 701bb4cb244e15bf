"""Each step of the manual order form: its question and buttons. Entering a step sets the FSM state, so
Back, Edit and the input handlers all move through the same functions."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.utils.i18n import gettext as _

from bot.errors import describe
from bot.forms import Event, button, keyboard, nav_row, show
from bot.manual_order import draft as drafts
from bot.manual_order.draft import Draft
from bot.manual_order.states import ManualOrder
from bot.texts import money
from core import admin_orders
from core.errors import DomainError
from core.orders import Quote


async def _go(state: FSMContext, step: State, **changes: Any) -> Draft:
    await state.set_state(step)
    return await state.update_data(**changes) if changes else await state.get_data()


async def channel(event: Event, state: FSMContext, pool: asyncpg.Pool) -> None:
    draft = await _go(state, ManualOrder.channel)
    async with pool.acquire() as conn:
        choices = await admin_orders.manual_channels(conn)
    form = draft["form"]
    if not choices:
        text = _("There is no manual channel (like OLX or Bir-Bir) to type orders for. Ask the developer to add one.")
        await show(event, text, keyboard(nav_row(form, back=False)))
        return
    rows = [[button(row["name"], form, "channel", row["id"])] for row in choices]
    await show(event, _("📝 New order. Where did the buyer find us?"), keyboard(*rows, nav_row(form, back=False)))


async def search(event: Event, state: FSMContext, note: str = "") -> None:
    draft = await _go(state, ManualOrder.search)
    text = _("Send the product's name, SKU or barcode.")
    await show(event, f"{note}\n\n{text}".strip(), keyboard(nav_row(draft["form"])))


async def pick(event: Event, state: FSMContext) -> None:
    draft = await _go(state, ManualOrder.pick)
    form = draft["form"]
    rows = [
        [button(
            _("{name} · {sku} · {available} left · {price}").format(
                name=item["name"], sku=item["sku"], available=item["available"], price=money(item["price"])
            ),
            form, "pick", item["id"],
        )]
        for item in draft.get("results") or []
    ]
    await show(event, _("Which one?"), keyboard(*rows, nav_row(form)))


async def quantity(event: Event, state: FSMContext, note: str = "") -> None:
    draft = await _go(state, ManualOrder.quantity)
    pending = draft["pending"]
    form = draft["form"]
    text = _("«{name}»: how many? {available} available.").format(name=pending["name"], available=pending["available"])
    quick = [button(str(n), form, "qty", n) for n in (1, 2, 3, 5) if n <= pending["available"]]
    await show(event, f"{note}\n\n{text}".strip(), keyboard(quick, nav_row(form)))


async def price(event: Event, state: FSMContext, note: str = "") -> None:
    draft = await _go(state, ManualOrder.price)
    pending = draft["pending"]
    form = draft["form"]
    text = _("Price of one «{name}»? Tap to keep {price} or send another price.").format(
        name=pending["name"], price=money(pending["price"])
    )
    keep = [button(_("Keep {price}").format(price=money(pending["price"])), form, "keep_price")]
    await show(event, f"{note}\n\n{text}".strip(), keyboard(keep, nav_row(form)))


def _lines_text(draft: Draft) -> str:
    rows = [
        f"{index}. {item['name']} × {item['quantity']} × {money(item['price'])}"
        for index, item in enumerate(drafts.lines(draft), start=1)
    ]
    return "\n".join(rows)


async def items(event: Event, state: FSMContext, note: str = "") -> None:
    draft = await _go(state, ManualOrder.items)
    form = draft["form"]
    if not drafts.lines(draft):
        await search(event, state, note)
        return
    remove = [
        [button(_("✖️ Remove {name}").format(name=item["name"]), form, "remove", item["product_id"])]
        for item in drafts.lines(draft)
    ]
    rows = [
        [button(_("➕ Add another item"), form, "add")],
        *remove,
        [button(_("➡️ Next: the customer"), form, "next")],
        nav_row(form),
    ]
    text = _("Items of the order ({channel}):").format(channel=draft.get("channel", ""))
    await show(event, f"{note}\n\n{text}\n{_lines_text(draft)}".strip(), keyboard(*rows))


async def name(event: Event, state: FSMContext, note: str = "") -> None:
    draft = await _go(state, ManualOrder.name)
    question = _("Customer name?")
    await show(event, f"{note}\n\n{question}".strip(), keyboard(nav_row(draft["form"])))


async def phone(event: Event, state: FSMContext, note: str = "") -> None:
    draft = await _go(state, ManualOrder.phone)
    text = _("Customer phone? For example +998 90 123 45 67 or 90 123 45 67.")
    await show(event, f"{note}\n\n{text}".strip(), keyboard(nav_row(draft["form"])))


async def address(event: Event, state: FSMContext) -> None:
    draft = await _go(state, ManualOrder.address)
    form = draft["form"]
    skip = [button(_("No address (pickup)"), form, "skip")]
    await show(event, _("Delivery address? Send it, or tap if there is none."), keyboard(skip, nav_row(form)))


async def fee(event: Event, state: FSMContext, note: str = "") -> None:
    draft = await _go(state, ManualOrder.fee)
    form = draft["form"]
    skip = [button(_("No delivery fee"), form, "skip")]
    text = _("Delivery fee the customer pays? Send the amount, or tap if there is none.")
    await show(event, f"{note}\n\n{text}".strip(), keyboard(skip, nav_row(form)))


def _totals(quote: Quote) -> str:
    return "\n".join([
        _("Subtotal: {amount}").format(amount=money(quote.subtotal)),
        _("Delivery: {amount}").format(amount=money(quote.delivery_fee)),
        _("Total: {amount}").format(amount=money(quote.total)),
        _("Cost: {cost} · commission: {commission} · profit: {profit}").format(
            cost=money(quote.cost), commission=money(quote.commission), profit=money(quote.profit)
        ),
    ])


async def summary(event: Event, state: FSMContext, pool: asyncpg.Pool, note: str = "") -> None:
    draft = await _go(state, ManualOrder.summary, editing=False)
    form = draft["form"]
    try:
        async with pool.acquire() as conn, conn.transaction():
            totals = _totals(await admin_orders.quote_manual(
                conn, draft["channel_id"], drafts.core_lines(draft), drafts.fee(draft)
            ))
    except DomainError as error:
        totals = "⚠️ " + describe(error)
    customer = drafts.customer(draft)
    text = "\n".join([
        _("📝 Order on {channel}").format(channel=draft.get("channel", "")),
        _lines_text(draft),
        "",
        totals,
        "",
        _("Customer: {name}, {phone}").format(name=customer.name, phone=customer.phone),
        _("Address: {address}").format(address=customer.address or _("none (pickup)")),
        "",
        _("Is everything right?"),
    ])
    rows = [
        [button(_("✅ Confirm"), form, "confirm")],
        [button(_("✏️ Edit"), form, "edit"), button(_("✖️ Cancel"), form, "cancel")],
        [button(_("⬅️ Back"), form, "back")],
    ]
    await show(event, f"{note}\n\n{text}".strip(), keyboard(*rows))


async def edit(event: Event, state: FSMContext) -> None:
    draft = await _go(state, ManualOrder.edit, editing=True)
    form = draft["form"]
    rows = [
        [button(_("Items"), form, "goto", 1), button(_("Channel"), form, "goto", 2)],
        [button(_("Name"), form, "goto", 3), button(_("Phone"), form, "goto", 4)],
        [button(_("Address"), form, "goto", 5), button(_("Delivery fee"), form, "goto", 6)],
        [button(_("⬅️ Back to the summary"), form, "back")],
    ]
    await show(event, _("What do you want to change?"), keyboard(*rows))
