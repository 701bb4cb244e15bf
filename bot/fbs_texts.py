"""What the FBS work of marketplace orders says and which buttons it offers: shared by the alerts, the order card
and the handlers of the taps, so an order reads the same wherever it is shown. Deadlines are Tashkent time,
written in the reader's language."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.dates import format_datetime

from bot.callbacks import (
    AnswerCancellation,
    CancellationStep,
    CancelMarketplaceOrder,
    DecideReturn,
    FbsStep,
    RefuseCancellation,
    ReturnStep,
    SendActionPaper,
    WorkOnOrder,
    WriteOffReason,
    WriteOffReturn,
)
from bot.texts import language, money_in
from core import analytics, fbs, outbox
from core.fbs import ActionOutcome

TASHKENT = ZoneInfo(analytics.DEFAULT_TIMEZONE)


def deadline(when: datetime) -> str:
    """'7 dekabr, 14:30' / '7 декабря, 14:30': the seller's clock, in the reader's language."""
    return format_datetime(when, "d MMMM, HH:mm", tzinfo=TASHKENT, locale=language())


def deadline_line(when: datetime | None) -> str:
    if when is None:
        return _("⏰ The marketplace gives no deadline.")
    return _("⏰ Deadline: {when} (Tashkent time)").format(when=deadline(when))


def work_state(state: str) -> str:
    labels = {
        "new": _("🟡 waiting for confirmation"),
        "confirmed": _("🔵 confirmed: to pick, pack and hand over"),
        "handed_over": _("🚚 handed over to the marketplace"),
        "delivered": _("✅ delivered to the buyer"),  # not a work state: a handed-over order the buyer has
        "cancelled": _("❌ cancelled"),
    }
    return labels.get(state, state)


def cancel_reason(reason: str) -> str:
    """Our names of sync.adapter.CancelReason."""
    names = {
        "out_of_stock": _("Out of stock"),
        "defective": _("The item is defective"),
        "no_package": _("No packaging"),
        "no_time": _("No time to ship it"),
        "other": _("Another reason"),
    }
    return names.get(reason, reason)


def write_off_reason(reason: WriteOffReason) -> str:
    return {
        WriteOffReason.DEFECTIVE: _("Defective"),
        WriteOffReason.DAMAGED: _("Damaged in transit"),
        WriteOffReason.INCOMPLETE: _("Incomplete"),
        WriteOffReason.OTHER: _("Cannot be sold again"),
    }[reason]


def order_text(
    *,
    marketplace: str,
    number: str,
    marketplace_order_id: str | None,
    items: Sequence[tuple[str, int]],
    total: Decimal,
    currency: str,
    when: datetime | None,
    state: str | None = None,
) -> str:
    """A marketplace order as its alert shows it (`state` once it has moved on)."""
    heading = _("📦 New {marketplace} order {number}: {total}").format(
        marketplace=marketplace, number=number, total=money_in(total, currency)
    )
    if marketplace_order_id:
        heading += f" (№ {marketplace_order_id})"
    lines = [
        heading,
        *[f"  • {name} × {quantity}" for name, quantity in items],
        deadline_line(when),
    ]
    if state is not None:
        lines.append(_("State: {state}").format(state=work_state(state)))
    return "\n".join(lines)


def work_buttons(
    order_id: int, state: str, *, card: bool = False, to_deliver: bool = False
) -> list[list[InlineKeyboardButton]]:
    """The steps an order in `state` can take: confirm a new one, labels for a confirmed one, cancel either; one
    the seller delivers itself is marked delivered once handed over to its courier."""

    def step(text: str, chosen: FbsStep) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=text, callback_data=WorkOnOrder(order_id=order_id, step=chosen, card=card).pack()
        )

    cancel = step(_("❌ Cancel"), FbsStep.CANCEL)
    if state == "new":
        return [[step(_("✅ Confirm"), FbsStep.CONFIRM), cancel]]
    if state == "confirmed":
        return [[step(_("🏷 Labels"), FbsStep.LABELS), cancel]]
    if state == "handed_over" and to_deliver:
        return [[step(_("📦 Delivered to the buyer"), FbsStep.DELIVERED)]]
    return []


def reason_buttons(order_id: int, reasons: Sequence[str], *, card: bool = False) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=cancel_reason(reason),
                callback_data=CancelMarketplaceOrder(order_id=order_id, reason=reason, card=card).pack(),
            )
        ]
        for reason in reasons
    ]
    back = WorkOnOrder(order_id=order_id, step=FbsStep.BACK, card=card)
    rows.append([InlineKeyboardButton(text=_("⬅️ Do not cancel"), callback_data=back.pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def return_buttons(return_id: int) -> InlineKeyboardMarkup:
    def step(text: str, chosen: ReturnStep) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=text, callback_data=DecideReturn(return_id=return_id, step=chosen).pack())

    return InlineKeyboardMarkup(
        inline_keyboard=[[step(_("↩️ Back to stock"), ReturnStep.RESTOCK), step(_("🗑 Write off"), ReturnStep.WRITE_OFF)]]
    )


def write_off_buttons(return_id: int) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=write_off_reason(reason),
                callback_data=WriteOffReturn(return_id=return_id, reason=reason).pack(),
            )
        ]
        for reason in WriteOffReason
    ]
    back = DecideReturn(return_id=return_id, step=ReturnStep.BACK)
    rows.append([InlineKeyboardButton(text=_("⬅️ Back"), callback_data=back.pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def action_name(kind: str) -> str:
    names = {
        "confirm": _("Confirming"),
        "cancel": _("Cancelling"),
        "labels": _("Getting the labels"),
        "hand_over": _("Handing over"),
        "answer_cancellation": _("Answering the buyer's cancellation request"),
    }
    return names.get(kind, kind)


def cancellation_refusal(reason: str) -> str:
    """Our names of core.listings.CancellationRefusal."""
    names = {
        "in_delivery": _("The order is already on its way to the buyer"),
        "delivered": _("The order is already delivered"),
    }
    return names.get(reason, reason)


def cancellation_request_text(alert: outbox.FbsCancellationRequested) -> str:
    heading = _("🙋 The buyer asks to cancel {marketplace} order {number}: {total}").format(
        marketplace=alert.marketplace_name, number=alert.order_number, total=money_in(alert.total, alert.currency)
    )
    if alert.marketplace_order_id:
        heading += f" (№ {alert.marketplace_order_id})"
    return "\n".join(
        [
            heading,
            *[f"  • {item.name} × {item.quantity}" for item in alert.items],
            _("Buyer's reason: {reason}").format(reason=alert.reason or "—"),
            _("Accept (the order is cancelled and its items go back to stock) or reject?"),
        ]
    )


def cancellation_buttons(request_id: int) -> InlineKeyboardMarkup:
    def step(text: str, chosen: CancellationStep) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=text, callback_data=AnswerCancellation(request_id=request_id, step=chosen).pack()
        )

    return InlineKeyboardMarkup(
        inline_keyboard=[[step(_("✅ Accept"), CancellationStep.ACCEPT), step(_("✋ Reject"), CancellationStep.REJECT)]]
    )


def cancellation_refusal_buttons(request_id: int, reasons: Sequence[str]) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=cancellation_refusal(reason),
                callback_data=RefuseCancellation(request_id=request_id, reason=reason).pack(),
            )
        ]
        for reason in reasons
    ]
    back = AnswerCancellation(request_id=request_id, step=CancellationStep.BACK)
    rows.append([InlineKeyboardButton(text=_("⬅️ Back"), callback_data=back.pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def return_text(alert: outbox.ReturnArrived) -> str:
    lines = [
        _("↩️ A return from {marketplace}: {product} × {quantity}.").format(
            marketplace=alert.marketplace_name, product=alert.product_name, quantity=alert.quantity
        ),
        _("Order: {number}").format(number=alert.order_number or _("not known")),
        _("Buyer's reason: {reason}").format(reason=alert.reason or "—"),
    ]
    if alert.defective:
        lines.append(_("The marketplace marks it defective."))
    lines.append(_("Back to stock, or write it off?"))
    return "\n".join(lines)


def _refusal_words(code: str, detail: str | None) -> str:
    """One refusal of ours (core.fbs.RefusalCode) in the reader's language."""
    match code:
        case "refused":
            if detail is None:
                return _("the marketplace's answer:")
            return _("the marketplace's answer ({status}):").format(status=detail)
        case "order_moved_on":
            return _("the order is already {state}").format(state=work_state(detail or ""))
        case "no_cancel_reason":
            return _("the marketplace has no cancel reason «{reason}»").format(reason=cancel_reason(detail or ""))
        case "throttled":
            return _("the marketplace limits our requests: try again in {seconds} s").format(seconds=detail or "60")
        case "platform_down":
            return _("the marketplace keeps failing ({status}): try again later").format(status=detail or "—")
    texts = {
        "no_label": _("the marketplace gave no label"),
        "not_handed_over": _("it was not in the hand-over"),
        "no_fbs": _("this marketplace has no FBS work from chat"),
        "disconnected": _("the marketplace is no longer connected"),
        "not_configured": _(
            "the marketplace's connection lacks a setting (token, shop or warehouse): connect it again"
        ),
        "keys_unreadable": _(
            "the marketplace's saved keys do not open with this SECRET_KEY: enter its keys again or restore the "
            "previous SECRET_KEY"
        ),
        "no_invoice": _(
            "the orders are in no open FBS invoice: make one in the Uzum seller cabinet (drop-off point and time "
            "slot), then hand over again"
        ),
        "no_supply": _("the task is in no supply: confirm it first"),
        "ship_failed": _("Ozon could not ship it: confirm it again"),
        "none_awaiting_delivery": _("none of these orders is waiting for the courier: confirm them first"),
        "marketplace_delivers": _("the marketplace delivers this order itself"),
        "not_delivered": _("the marketplace did not take it as delivered"),
        "no_shipment": _(
            "Yandex Market has not formed the shipment of these orders yet: it does so at the warehouse's cutoff "
            "time; hand over again after it"
        ),
        "bad_file": _("the marketplace's file could not be read"),
        "bad_answer": _("the marketplace's answer lacks what it must carry"),
        "bad_key": _("the marketplace does not take this order number"),
        "unreachable": _("the marketplace could not be reached: try again later"),
    }
    text = texts.get(code, _("it failed on our side: the details are in the server's log"))
    return f"{text} ({detail})" if detail and code in texts else text


def refusal_text(error: str) -> str:
    """An action's stored error as the reader reads it: each token of ours (core.fbs.refusal) in words of the
    reader's language; the platform's own words and the order numbers as they are."""

    def words(found: re.Match[str]) -> str:
        return _refusal_words(found.group(1), found.group(2))

    return fbs.REFUSAL.sub(words, error)


def paper_text(alert: outbox.FbsPaperReady) -> str:
    orders = ", ".join(alert.order_numbers)
    if alert.kind == "labels":
        return _("🏷 The labels of {orders} are ready.").format(orders=orders)
    if alert.kind == "hand_over":
        return _("🚚 {orders} handed over: the paper for the courier is ready.").format(orders=orders)
    return _("📄 The file of {orders} is ready.").format(orders=orders)


def paper_buttons(action_id: int) -> InlineKeyboardMarkup:
    send = InlineKeyboardButton(text=_("📄 Send the file"), callback_data=SendActionPaper(action_id=action_id).pack())
    return InlineKeyboardMarkup(inline_keyboard=[[send]])


def sending(marketplace: str) -> str:
    return _("⏳ Sending to {marketplace}…").format(marketplace=marketplace)


def outcome_note(outcome: ActionOutcome | None, marketplace: str) -> str:
    """What came of an action: done, refused with the platform's own words, or not finished while we waited."""
    if outcome is None or outcome.state == "pending":
        return _("⏳ {marketplace} has not answered yet. The work goes on: you will be told here if it fails.").format(
            marketplace=marketplace
        )
    if outcome.state == "failed":
        return _("⚠️ {marketplace} refused: {error}").format(
            marketplace=marketplace, error=refusal_text(outcome.error or "—")
        )
    count = len(outcome.order_ids)
    match outcome.kind:
        case "confirm":
            return _("✅ Confirmed on {marketplace}. Labels are one tap away.").format(marketplace=marketplace)
        case "cancel":
            return _("❌ Cancelled on {marketplace}; its items are back in stock.").format(marketplace=marketplace)
        case "labels":
            return ngettext(
                "🏷 The label of {count} order is in the file below.",
                "🏷 The labels of {count} orders are in the file below.",
                count,
            ).format(count=count)
        case "answer_cancellation":
            return _("✅ {marketplace} took the answer.").format(marketplace=marketplace)
        case "deliver":
            return _("📦 Delivered: {marketplace} was told.").format(marketplace=marketplace)
        case "hand_over":
            if outcome.document is None:
                return ngettext(
                    "🚚 {count} order handed over to {marketplace}; it gives no paper for the courier.",
                    "🚚 {count} orders handed over to {marketplace}; it gives no paper for the courier.",
                    count,
                ).format(count=count, marketplace=marketplace)
            return ngettext(
                "🚚 {count} order handed over to {marketplace}; the paper for the courier is below.",
                "🚚 {count} orders handed over to {marketplace}; the paper for the courier is below.",
                count,
            ).format(count=count, marketplace=marketplace)
    return outcome.kind
