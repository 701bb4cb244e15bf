"""Every kind of alert the outbox holds reads as its own sentence in Uzbek and Russian, from the payload as the
database gives it back."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot import alert_texts
from bot.i18n import create_i18n
from core import outbox
from core.notifications import Due

DRIFTED = outbox.DriftedListing(7, "PH-1", 9, 5)
DEADLINE = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
SAMPLES: list[outbox.Alert] = [
    outbox.StockLow(7, "PH-1", "Telefon", 1, 2),
    outbox.StockOut(7, "PH-1", "Telefon", 0, 2),
    outbox.StockBack(7, "PH-1", "Telefon", 4, 2),
    outbox.OrderPlaced(
        3, "AS-0003", "Uzum Market", Decimal("150000.00"), "Aziza", (outbox.OrderedItem("Telefon", 1),), user_id=11
    ),
    outbox.OrderStatus(3, "AS-0003", "shipped", 11),
    outbox.BackInStock(7, 11),
    outbox.PaymentNeedsRefund(3, "AS-0003", Decimal("150000.00"), "cancelled", "charge-1"),
    outbox.SyncFailure(2, "Uzum Market", "connection refused"),
    outbox.SyncThrottled(2, "Uzum Market", 60),
    outbox.SyncRecovered(2, "Uzum Market"),
    outbox.MarketplaceOrderProblem(
        2, "7001", "unmapped", line=outbox.ProblemLine(1, "150000", "Telefon", None, {"sku_id": "77"})
    ),
    outbox.StockDrift(2, "Uzum Market", (DRIFTED,), 1, held=(DRIFTED,), held_count=1, unplaced_lines=2),
    outbox.WebhookFailure(2, 40, "ORDER_CREATED", "no such posting"),
    outbox.MarketplaceKeysUnreadable(3, "Ozon"),
    outbox.PhotoFetchFailed(7, "PH-1", "Samsung Galaxy", "https://cdn.example/p/1.jpg", "HTTP 404"),
    outbox.FbsOrderArrived(
        3,
        "UZU-0003",
        2,
        "Uzum Market",
        "7001",
        DEADLINE,
        Decimal("150000.00"),
        (outbox.OrderedItem("Telefon", 1),),
    ),
    outbox.FbsDeadlineNear(3, "UZU-0003", "Uzum Market", DEADLINE),
    outbox.FbsDeadlineMissed(3, "UZU-0003", "Uzum Market", DEADLINE),
    outbox.FbsActionFailed(5, "confirm", ("UZU-0003",), "UZU-0003: [fbs:order_moved_on:cancelled]"),
    outbox.FbsPaperReady(6, "labels", ("UZU-0003", "UZU-0004")),
    outbox.FbsCancellationRequested(
        8, 3, "YAN-0003", "Yandex Market", "51234", Decimal("2490.00"), "RUB", (outbox.OrderedItem("Telefon", 1),), None
    ),
    outbox.ReturnArrived(4, "Wildberries", "WIL-0004", "Telefon", 1, "брак", True),
    outbox.RateMissing(("RUB", "KZT")),
    outbox.SupportMessage(message_id=12, thread_id=4),
]


def _stored(alert: outbox.Alert) -> Due:
    """The row as the sender claims it: the payload went through JSON as core.db encodes and decodes it."""
    payload = json.loads(json.dumps(dataclasses.asdict(alert), default=str), parse_float=Decimal)
    return Due(1, alert.KIND, payload, 0, datetime.now(UTC), outbox.parse(alert.KIND, payload))


def _render(due: Due, locale: str) -> str:
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale(locale):
        if isinstance(due.alert, outbox.OrderStatus):
            return alert_texts.customer_message(due.alert, None)
        if isinstance(due.alert, outbox.BackInStock):  # the customer's chat names the product in their language
            return alert_texts.back_in_stock_message("Telefon", Decimal("250000"), None)[0]
        return alert_texts.admin_line(due)


def test_the_samples_cover_every_kind() -> None:
    assert sorted(alert.KIND for alert in SAMPLES) == sorted(outbox.KINDS)


@pytest.mark.parametrize("alert", SAMPLES, ids=lambda alert: alert.KIND)
def test_every_kind_reads_as_its_own_sentence_in_uzbek_and_russian(alert: outbox.Alert) -> None:
    due = _stored(alert)
    assert due.alert == alert, "the stored payload reads back as the alert written"
    english, uzbek, russian = (_render(due, locale) for locale in ("en", "uz", "ru"))
    assert alert.KIND not in uzbek and alert.KIND not in russian, "not the generic line of an unknown kind"
    assert len({english, uzbek, russian}) == 3, "translated into both languages"


def test_a_row_not_shaped_as_its_kind_reads_as_the_generic_line() -> None:
    payload = {"product_id": 7, "sku": "PH-1"}  # a stock_low row without its name and counts
    due = Due(1, outbox.StockLow.KIND, payload, 0, datetime.now(UTC), outbox.parse(outbox.StockLow.KIND, payload))
    assert due.alert is None
    assert _render(due, "uz").endswith("stock_low: product_id: 7, sku: PH-1")


PROBLEMS = [
    outbox.MarketplaceOrderProblem(2, "7001", "unmapped", line=outbox.ProblemLine(1, None, "Telefon", None, {})),
    outbox.MarketplaceOrderProblem(2, "7001", "out_of_stock", line=outbox.ProblemLine(2, None, "Telefon", None, {})),
    outbox.MarketplaceOrderProblem(2, None, "out_of_stock", product_id=7, sold_there=3),
    outbox.MarketplaceOrderProblem(2, "7001", "cancelled_after_shipping", status="pending"),
]


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda problem: f"{problem.problem}-{problem.order}")
def test_each_marketplace_order_problem_says_what_happened_and_what_to_do_in_the_readers_words(
    problem: outbox.MarketplaceOrderProblem,
) -> None:
    due = _stored(problem)
    uzbek, russian = (_render(due, locale) for locale in ("uz", "ru"))
    for text in (uzbek, russian):
        assert problem.problem not in text and "pending" not in text, "our code never reaches the admin"
        assert problem.order is None or problem.order in text
    if problem.line is not None:
        assert "«Telefon»" in uzbek and "«Telefon»" in russian
    if problem.sold_there is not None:
        assert "3" in uzbek and "3" in russian
    assert len({_render(_stored(other), "ru") for other in PROBLEMS}) == len(PROBLEMS), "each its own sentence"
