"""Card payments of Mini App orders (Telegram Payments): the last check before the charge, and fulfilment
only when Telegram reports the payment successful."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
from aiogram import F, Router
from aiogram.types import Message, PreCheckoutQuery
from aiogram.utils.i18n import gettext as _

from core import holds, order_status
from core.unit_of_work import Effects

# Telegram wants the pre-checkout answer within 10 s; the holds get this much more time to let the
# payment finish.
PAYMENT_GRACE = timedelta(minutes=10)

router = Router(name=__name__)


@router.pre_checkout_query()
async def pre_checkout(query: PreCheckoutQuery, pool: asyncpg.Pool) -> None:
    problem: str | None = "order not found"
    if query.invoice_payload.isdigit():
        async with pool.acquire() as conn, conn.transaction():
            problem = await holds.payable(conn, int(query.invoice_payload), query.total_amount, grace=PAYMENT_GRACE)
    if problem is None:
        await query.answer(ok=True)
    else:
        await query.answer(ok=False, error_message=problem)


@router.message(F.successful_payment)
async def successful_payment(message: Message, pool: asyncpg.Pool, effects: Effects) -> None:
    payment = message.successful_payment
    assert payment is not None
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as uow:
            change = await order_status.mark_paid(
                uow,
                int(payment.invoice_payload),
                charge_id=payment.telegram_payment_charge_id,
                note=f"paid by card ({payment.telegram_payment_charge_id})",
            )
        number = await conn.fetchval("SELECT order_number FROM orders WHERE id = $1", change.order_id)
    await message.answer(_("Payment received. We will confirm order {number} soon.").format(number=number))
