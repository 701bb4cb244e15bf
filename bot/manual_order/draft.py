"""The order being typed in: a typed model kept in the FSM data (JSON in Redis, money as strings), so a field
renamed in one handler and not another is a type error, not a blank in chat. Its keys are those of the dict it
replaced: a form left open across the deploy goes on."""

from __future__ import annotations

from decimal import Decimal

from aiogram.fsm.context import FSMContext
from pydantic import BaseModel, Field

from core.orders import Customer, Line


class Product(BaseModel):
    """A product as a search found it."""

    product_id: int
    name: str
    sku: str
    available: int
    price: Decimal


class DraftLine(BaseModel):
    product_id: int
    name: str
    sku: str
    quantity: int
    price: Decimal  # the admin's price of one


class Picked(Product):
    """The product picked, waiting for its quantity and then its price."""

    quantity: int | None = None

    def line(self, price: Decimal) -> DraftLine:
        assert self.quantity is not None, "the price is asked after the quantity"
        return DraftLine(product_id=self.product_id, name=self.name, sku=self.sku, quantity=self.quantity, price=price)


class OrderDraft(BaseModel):
    form: str
    channel_id: int = 0  # 0 until the admin picks the channel (core takes 0 for no manual channel)
    channel: str = ""
    lines: list[DraftLine] = Field(default_factory=list)
    found: list[Product] = Field(default_factory=list)
    pending: Picked | None = None
    customer_name: str = ""
    phone: str = ""
    address: str | None = None
    fee: Decimal = Decimal(0)
    # Sent back from the summary to change one part: the next answer returns to the summary.
    editing: bool = False

    def picked(self) -> Picked:
        """The product whose quantity and price the form asks: every way into those steps passes the pick."""
        assert self.pending is not None, "the quantity and the price are asked after the pick"
        return self.pending

    def add(self, added: DraftLine) -> None:
        """The same product twice is one line: quantities add up, the price typed last counts."""
        for line in self.lines:
            if line.product_id == added.product_id:
                line.quantity += added.quantity
                line.price = added.price
                return
        self.lines.append(added)

    def remove(self, product_id: int) -> None:
        self.lines = [line for line in self.lines if line.product_id != product_id]

    def core_lines(self) -> tuple[Line, ...]:
        return tuple(Line(line.product_id, line.quantity, line.price) for line in self.lines)

    def customer(self) -> Customer:
        return Customer(self.customer_name, self.phone, self.address)


async def load(state: FSMContext) -> OrderDraft:
    return OrderDraft.model_validate(await state.get_data())


async def save(state: FSMContext, draft: OrderDraft) -> None:
    await state.set_data(draft.model_dump(mode="json"))
