"""Yandex Market's push protocol, fed the notifications the Yandex sandbox builds for what happens to its orders:
what each body is, which redelivery is a replay, what it asks of us, and whether our answers pass Yandex's own
judgement of a shop's answer (the sandbox's judge_answer, from YM-NOTIFY's 200 schema)."""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import aiohttp
import pytest

from core.pushes import Malformed, Notice, Ping, Refusal, Work
from core.pushes.yandex import YANDEX
from demo.sandboxes.yandex import YandexSandbox
from demo.sandboxes.yandex_models import order_status_updated_notification, ping_notification
from demo.sandboxes.yandex_notify import NOTIFY_SOURCE_IP, judge_answer

FBS = 21_000_101
DBS = 21_000_202
START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.moment = START

    def __call__(self) -> datetime:
        return self.moment

    def tick(self, seconds: int = 60) -> None:
        self.moment += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ym(clock: Clock) -> YandexSandbox:
    sandbox = YandexSandbox(
        campaigns=[{"id": FBS, "placementType": "FBS"}, {"id": DBS, "placementType": "DBS"}], rate_limit=False
    )
    sandbox.now = clock
    sandbox.load_catalog(
        [{"offer_id": "MUG-1", "market_sku": 1001, "name": "Mug", "price": 1490, "stocks": {FBS: 5, DBS: 5}}]
    )
    return sandbox


def wire(body: dict[str, Any]) -> bytes:
    """The bytes Yandex POSTs: the body as JSON."""
    return json.dumps(body).encode()


def notice(body: dict[str, Any]) -> Notice:
    parsed = YANDEX.parse(wire(body))
    assert isinstance(parsed, Notice)
    return parsed


def sent(ym: YandexSandbox) -> list[Notice]:
    """Every notification the sandbox has queued, parsed, and the queue emptied."""
    notices = [notice(body) for body in ym.notifications]
    ym.notifications.clear()
    return notices


# -- what a body is and what it asks ------------------------------------------------------------------------
def test_a_ping_is_a_ping_and_is_answered_as_yandex_requires() -> None:
    assert YANDEX.parse(wire(ping_notification())) == Ping()
    started = datetime(2026, 12, 7, 12, 30, 5, 700_000, tzinfo=timezone(timedelta(hours=3)))
    answer = YANDEX.ping_answer(started)
    assert judge_answer(200, answer) == (True, "OK")
    assert answer["time"] == "2026-12-07T09:30:05Z"  # UTC, whatever zone the moment came in


def test_a_new_order_is_imported_by_its_order_id_for_its_campaign(ym: YandexSandbox) -> None:
    order_id = ym.place_order({"MUG-1": 2}, campaign_id=DBS)
    [created] = sent(ym)
    assert created.kind == "ORDER_CREATED"
    assert created.payload["orderId"] == order_id and created.payload["campaignId"] == DBS
    assert YANDEX.work_of(created.kind, created.payload) == Work(str(order_id), cancel=False, place=DBS)


def test_a_cancelled_order_is_given_back(ym: YandexSandbox) -> None:
    order_id = ym.place_order({"MUG-1": 1})
    ym.cancel_order(order_id)
    _, cancelled = sent(ym)
    assert cancelled.kind == "ORDER_CANCELLED"
    assert YANDEX.work_of(cancelled.kind, cancelled.payload) == Work(str(order_id), cancel=True, place=FBS)


def test_a_status_update_imports_in_processing_follows_the_order_on_and_cancels_when_cancelled(
    ym: YandexSandbox,
) -> None:
    order_id = ym.place_order({"MUG-1": 1})
    ym.set_order_status(order_id, "PROCESSING", "READY_TO_SHIP")
    ym.set_order_status(order_id, "DELIVERY")
    ym.set_order_status(order_id, "DELIVERED")
    ym.set_order_status(order_id, "RETURNED")
    _, ready, shipped, delivered, returned = sent(ym)
    assert (ready.kind, ready.payload["status"]) == ("ORDER_STATUS_UPDATED", "PROCESSING")
    # The order's ORDER_CREATED may have been lost: in PROCESSING it is still ours to import.
    assert YANDEX.work_of(ready.kind, ready.payload) == Work(str(order_id), cancel=False, place=FBS)
    assert YANDEX.work_of(shipped.kind, shipped.payload) == Work(str(order_id), False, place=FBS, progress="left")
    for done in (delivered, returned):  # a return after delivery is the returns pull's
        assert YANDEX.work_of(done.kind, done.payload) == Work(str(order_id), False, place=FBS, progress="delivered")

    other = ym.place_order({"MUG-1": 1})
    ym.cancel_order(other)
    ym.notifications.clear()
    # Yandex may tell a cancellation as a status change rather than ORDER_CANCELLED.
    cancelled = notice(order_status_updated_notification(ym.orders[other]))
    assert cancelled.payload["status"] == "CANCELLED"
    assert YANDEX.work_of(cancelled.kind, cancelled.payload) == Work(str(other), cancel=True, place=FBS)


def test_a_buyers_cancellation_request_waits_for_the_sellers_answer_asked_when_the_buyer_asked(
    ym: YandexSandbox, clock: Clock
) -> None:
    order_id = ym.place_order({"MUG-1": 1}, campaign_id=DBS)
    ym.set_order_status(order_id, "PROCESSING", "READY_TO_SHIP")
    ym.set_order_status(order_id, "DELIVERY")
    clock.tick(3600)
    ym.request_cancellation(order_id)
    request = sent(ym)[-1]
    assert request.kind == "ORDER_CANCELLATION_REQUEST" and request.payload["orderId"] == order_id
    assert YANDEX.work_of(request.kind, request.payload) == Work(
        str(order_id), cancel=False, cancellation_requested=True, requested_at=clock.moment, place=DBS
    )


@pytest.mark.parametrize(
    ("requested_at", "heard_as"),
    [
        ("2026-12-07T12:30:00+03:00", datetime(2026, 12, 7, 9, 30, tzinfo=UTC)),
        ("2026-12-07T09:30:00Z", datetime(2026, 12, 7, 9, 30, tzinfo=UTC)),
        ("2026-12-07T09:30:00", None),  # no offset: not guessed, counted from when we hear it
        ("yesterday", None),
    ],
)
def test_a_cancellation_requests_time_is_read_as_utc_and_never_guessed(
    requested_at: str, heard_as: datetime | None
) -> None:
    body = {
        "notificationType": "ORDER_CANCELLATION_REQUEST",
        "orderId": 5_000_000_001,
        "campaignId": DBS,
        "requestedAt": requested_at,
    }
    work = YANDEX.work_of("ORDER_CANCELLATION_REQUEST", notice(body).payload)
    assert work is not None and work.cancellation_requested and not work.cancel
    assert work.requested_at == heard_as
    assert work.requested_at is None or work.requested_at.utcoffset() == timedelta(0)


def test_types_we_do_not_act_on_are_kept_and_ask_nothing() -> None:
    chat = {
        "notificationType": "CHAT_MESSAGE_SENT",
        "businessId": 7,
        "chatId": 5,
        "messageId": "m-1",
        "sentAt": "2026-12-07T09:00:00Z",
    }
    kept = notice(chat)
    assert kept.kind == "CHAT_MESSAGE_SENT" and kept.payload == chat
    assert YANDEX.work_of(kept.kind, kept.payload) is None
    # A type Yandex adds after this was written is kept too: refusing it would only make Yandex send it again.
    novel = notice({"notificationType": "ORDER_TELEPORTED", "orderId": 1, "campaignId": FBS})
    assert YANDEX.work_of(novel.kind, novel.payload) is None


# -- replays ----------------------------------------------------------------------------------------------------
def test_a_redelivered_notification_is_a_replay_and_each_new_event_is_not(ym: YandexSandbox, clock: Clock) -> None:
    first = ym.place_order({"MUG-1": 1})
    ym.place_order({"MUG-1": 1})  # a second order, created in the same second
    clock.tick()
    ym.set_order_status(first, "PROCESSING", "READY_TO_SHIP")
    clock.tick()
    ym.cancel_order(first)
    bodies = list(ym.notifications)
    keys = [notice(body).key for body in bodies]
    assert [notice(body).key for body in bodies] == keys  # Yandex's retry of each: the same event
    assert len(set(keys)) == len(keys) == 4  # two creations, a status change, a cancellation


def test_status_steps_of_one_order_are_events_of_their_own_even_within_one_second(ym: YandexSandbox) -> None:
    order_id = ym.place_order({"MUG-1": 1}, campaign_id=DBS)
    ym.set_order_status(order_id, "PROCESSING", "READY_TO_SHIP")
    ym.set_order_status(order_id, "DELIVERY", "COURIER_SEARCH")
    ym.set_order_status(order_id, "DELIVERY", "COURIER_FOUND")
    steps = [n for n in sent(ym) if n.kind == "ORDER_STATUS_UPDATED"]
    assert len({step.key for step in steps}) == 3


def test_an_orders_creation_and_its_cancellation_are_one_event_each_however_their_time_is_spelt(
    ym: YandexSandbox,
) -> None:
    ym.cancel_order(ym.place_order({"MUG-1": 1}))
    created, cancelled = ym.notifications
    for body, moment in ((created, "createdAt"), (cancelled, "cancelledAt")):
        respelt = body | {moment: body[moment].replace("Z", ".000+00:00")}
        assert notice(respelt).key == notice(body).key


async def test_a_second_cancellation_request_after_a_refusal_is_a_new_event(ym: YandexSandbox, clock: Clock) -> None:
    order_id = ym.place_order({"MUG-1": 1}, campaign_id=DBS)
    ym.set_order_status(order_id, "PROCESSING", "READY_TO_SHIP")
    ym.set_order_status(order_id, "DELIVERY")
    ym.request_cancellation(order_id)
    async with ym, aiohttp.ClientSession(headers={"Api-Key": ym.api_key}) as http:
        refusal = {"accepted": False, "reason": "ORDER_DELIVERED"}
        accept = f"{ym.base_url}/v2/campaigns/{DBS}/orders/{order_id}/cancellation/accept"
        async with http.put(accept, json=refusal) as refused:  # the shop refuses (acceptOrderCancellation)
            assert refused.status == 200
    clock.tick()
    ym.request_cancellation(order_id)
    requests = [n for n in sent(ym) if n.kind == "ORDER_CANCELLATION_REQUEST"]
    assert len(requests) == 2 and requests[0].key != requests[1].key


def test_an_unlisted_type_is_identified_by_its_whole_body() -> None:
    body = {"notificationType": "ORDER_TELEPORTED", "orderId": 1, "campaignId": FBS, "at": "2026-12-07T09:00:00Z"}
    same = dict(reversed(body.items()))
    later = body | {"at": "2026-12-07T09:01:00Z"}
    assert notice(body).key == notice(same).key != notice(later).key


# -- malformed bodies -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"",
        b"[1, 2]",
        b'"PING"',
        b'{"time": "2026-12-07T09:00:00Z"}',
        b'{"notificationType": 7}',
        b'{"notificationType": ""}',
        b'{"notificationType": null}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"notificationType": "PING", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ],
    ids=[
        "not-json",
        "empty",
        "array",
        "string",
        "no-type",
        "number-type",
        "empty-type",
        "null-type",
        "deep",
        "deep-in",
    ],
)
def test_a_body_that_is_not_a_yandex_notification_is_malformed(body: bytes) -> None:
    with pytest.raises(Malformed):
        YANDEX.parse(body)


@pytest.mark.parametrize(
    "change",
    [
        {"orderId": None},
        {"orderId": "12345"},
        {"orderId": True},
        {"orderId": 0},
        {"orderId": 2**63},
        {"campaignId": None},
        {"campaignId": "21000101"},
    ],
    ids=[
        "no-order",
        "order-as-text",
        "order-as-bool",
        "order-zero",
        "order-past-int64",
        "no-campaign",
        "campaign-text",
    ],
)
def test_an_order_event_without_its_required_ids_is_malformed(ym: YandexSandbox, change: dict[str, Any]) -> None:
    ym.place_order({"MUG-1": 1})
    [body] = ym.notifications
    broken = {k: v for k, v in (body | change).items() if v is not None}
    with pytest.raises(Malformed):
        YANDEX.parse(wire(broken))


def test_a_status_update_without_its_status_is_malformed(ym: YandexSandbox) -> None:
    order_id = ym.place_order({"MUG-1": 1})
    ym.set_order_status(order_id, "PROCESSING", "READY_TO_SHIP")
    update = ym.notifications[-1]
    for missing in ("status", "substatus", "updatedAt"):
        with pytest.raises(Malformed, match=missing):
            YANDEX.parse(wire({k: v for k, v in update.items() if k != missing}))


def test_a_stored_payload_without_an_order_id_asks_nothing() -> None:
    # Payloads stored by an older receiver are read again by the worker; one without an order id is skipped.
    assert YANDEX.work_of("ORDER_CREATED", {"notificationType": "ORDER_CREATED"}) is None
    assert YANDEX.work_of("ORDER_CANCELLED", {"orderId": "12"}) is None


# -- answers ----------------------------------------------------------------------------------------------------
def test_a_stored_notice_is_acknowledged_with_the_answer_yandex_requires_stamped_when_processing_began() -> None:
    started = datetime(2026, 12, 7, 12, 30, 5, 700_000, tzinfo=timezone(timedelta(hours=3)))
    answer = YANDEX.ack(started)
    assert judge_answer(200, answer) == (True, "OK")
    assert answer["time"] == "2026-12-07T09:30:05Z"


def test_refusals_use_yandex_error_envelope_with_its_error_types() -> None:
    assert YANDEX.refusal(Refusal.MALFORMED, "notificationType is missing") == {
        "error": {"type": "WRONG_EVENT_FORMAT", "message": "notificationType is missing"}
    }
    for reason in (Refusal.UNAUTHORIZED, Refusal.TOO_LARGE):
        assert YANDEX.refusal(reason, "no") == {"error": {"type": "UNKNOWN", "message": "no"}}


def test_the_sandboxs_sender_is_inside_the_published_networks_and_other_addresses_are_not() -> None:
    networks = [ipaddress.ip_network(n) for n in YANDEX.default_networks]
    inside = ["5.45.207.0", NOTIFY_SOURCE_IP, "5.45.207.127", "141.8.142.64", "5.255.253.1"]
    outside = ["5.45.207.128", "141.8.142.200", "5.255.252.255", "195.34.21.5"]
    assert all(any(ipaddress.ip_address(a) in n for n in networks) for a in inside)
    assert not any(ipaddress.ip_address(a) in n for n in networks for a in outside)
