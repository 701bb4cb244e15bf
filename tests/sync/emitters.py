"""The sending side of a webhook test for each marketplace that pushes (Ozon, Yandex Market), in one vocabulary,
so that a webhook test is written once and parametrized over them: where the platform posts, from which address,
the bodies its sandbox builds, and our answer judged as that platform judges it (each sandbox's own judge)."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient

from demo.sandboxes.ozon_models import cancelled_event, new_posting_event
from demo.sandboxes.ozon_push import OK, judge, ping_message
from demo.sandboxes.yandex_models import order_cancelled_notification, order_created_notification, ping_notification
from demo.sandboxes.yandex_notify import NOTIFY_SOURCE_IP
from tests.sync.world import World

OZON_ADDRESS = "195.34.21.10"
STRANGER = "203.0.113.9"  # TEST-NET-3: in no platform's published networks


@dataclass(frozen=True)
class Answer:
    status: int | None
    ok: bool  # accepted as the platform's spec requires: it will not send the body again
    seconds: float


class Emitter(ABC):
    """One platform's pushes to our receiver at `path`, the path token the seller enters in its cabinet."""

    slug: str
    created: str  # the event type of a new order
    address: str  # an address in the platform's published networks

    def __init__(self, world: World, path: str) -> None:
        self.world, self.path = world, path

    def guessed_path(self) -> str:
        return f"/webhooks/{self.slug}/guessed-token"

    @abstractmethod
    async def send(
        self, receiver: TestClient, body: dict[str, Any], *, source: str | None = None, path: str | None = None
    ) -> Answer:
        """One POST of `body` as the platform makes it (from `source`, by X-Forwarded-For; to `path`)."""

    @abstractmethod
    async def connect(self, receiver: TestClient) -> Answer:
        """The seller enters our URL; the platform checks it with its PING and sends its events there from now on."""

    @abstractmethod
    async def delivered(self) -> None:
        """Every event the platform emitted since `connect` reached us and was accepted."""

    @abstractmethod
    def order(self, items: dict[str, int]) -> str:
        """A buyer orders {offer (our SKU): count}; the platform's key of the order."""

    @abstractmethod
    def cancel(self, key: str) -> None:
        """The buyer cancels the order while it is new."""

    @abstractmethod
    def lines(self, key: str) -> dict[str, int]:
        """What the platform's order holds: {offer: count}."""

    @abstractmethod
    def ping(self) -> dict[str, Any]: ...

    @abstractmethod
    def created_body(self, key: str) -> dict[str, Any]: ...

    @abstractmethod
    def cancelled_body(self, key: str) -> dict[str, Any]: ...

    @abstractmethod
    def unknown_order(self) -> dict[str, Any]:
        """A new-order event naming an order the platform's API does not know (yet)."""

    @abstractmethod
    def delivered_body(self, n: int) -> dict[str, Any]:
        """The n-th of many orders (none of them ours) reached its buyer: an event that asks nothing of us."""

    @abstractmethod
    def unnamed_body(self, n: int) -> dict[str, Any]:
        """The n-th event of a kind that carries no id, order or moment of its own: only its body tells it apart."""

    @abstractmethod
    def key_of(self, payload: dict[str, Any]) -> str:
        """The order an event names."""

    @abstractmethod
    def stock(self, sku: str) -> int:
        """What the platform shows as orderable."""


class OzonEmitter(Emitter):
    """Ozon posts to the URL itself and delivers events by itself, once its push is connected."""

    slug, created, address = "ozon", "TYPE_NEW_POSTING", OZON_ADDRESS

    async def send(
        self, receiver: TestClient, body: dict[str, Any], *, source: str | None = None, path: str | None = None
    ) -> Answer:
        started = time.monotonic()
        headers = {"X-Forwarded-For": source or self.address}
        async with receiver.post(path or self.path, json=body, headers=headers) as answer:
            raw = await answer.read()
            ok = judge(body["message_type"], answer.status, answer.content_type, raw) == OK
            return Answer(answer.status, ok, time.monotonic() - started)

    async def connect(self, receiver: TestClient) -> Answer:
        emitter = self.world.ozon.connect_push(str(receiver.make_url(self.path)), source_ip=self.address)
        check = await emitter.check()
        return Answer(check.status, check.outcome == OK, check.elapsed)

    async def delivered(self) -> None:
        await self.world.ozon.wait_push()
        assert self.world.ozon.push is not None and not self.world.ozon.push.undelivered

    def order(self, items: dict[str, int]) -> str:
        return str(self.world.ozon.buyer_orders(items)["posting_number"])

    def cancel(self, key: str) -> None:
        self.world.ozon.buyer_cancels(key)

    def lines(self, key: str) -> dict[str, int]:
        return {line.item.offer_id: line.quantity for line in self.world.ozon.postings[key].lines}

    def ping(self) -> dict[str, Any]:
        return ping_message()

    def created_body(self, key: str) -> dict[str, Any]:
        return new_posting_event(self.world.ozon.postings[key], self.world.ozon.seller_id)

    def cancelled_body(self, key: str) -> dict[str, Any]:
        return cancelled_event(self.world.ozon.postings[key], "awaiting_packaging", self.world.ozon.seller_id)

    def unknown_order(self) -> dict[str, Any]:
        return {
            "message_type": "TYPE_NEW_POSTING",
            "posting_number": "999-0001-1",
            "products": [],
            "in_process_at": "2026-11-21T12:00:00Z",
        }

    def delivered_body(self, n: int) -> dict[str, Any]:
        return {
            "message_type": "TYPE_STATE_CHANGED",
            "posting_number": f"555-{n}-1",
            "new_state": "posting_delivered",
            "changed_state_date": "2026-11-21T12:00:00Z",
        }

    def unnamed_body(self, n: int) -> dict[str, Any]:
        """TYPE_STOCKS_CHANGED (contract §3.5): a seller's stock moved; no posting, no uuid, no moment at its top."""
        return {
            "message_type": "TYPE_STOCKS_CHANGED",
            "seller_id": self.world.ozon.seller_id,
            "items": [
                {
                    "product_id": 700_001,
                    "sku": 800_001,
                    "updated_at": f"2026-11-21T12:00:{n:02d}Z",
                    "stocks": [{"warehouse_id": 1, "present": 10 - n, "reserved": 0}],
                }
            ],
        }

    def key_of(self, payload: dict[str, Any]) -> str:
        return str(payload["posting_number"])

    def stock(self, sku: str) -> int:
        return self.world.ozon.stock_of(sku)


class YandexEmitter(Emitter):
    """Yandex posts to `/notification` under the URL entered (YM-NOTIFY reference/sendNotification); its sandbox
    queues notifications as orders change, and sends them when asked (its retry schedule is not documented)."""

    slug, created, address = "yandex", "ORDER_CREATED", NOTIFY_SOURCE_IP

    def __init__(self, world: World, path: str) -> None:
        super().__init__(world, path)
        self._url: str | None = None

    async def send(
        self, receiver: TestClient, body: dict[str, Any], *, source: str | None = None, path: str | None = None
    ) -> Answer:
        started = time.monotonic()
        url = str(receiver.make_url(path or self.path))
        delivery = await self.world.yandex.notify(url, body, source_ip=source or self.address)
        return Answer(delivery.status, delivery.ok, time.monotonic() - started)

    async def connect(self, receiver: TestClient) -> Answer:
        self._url = str(receiver.make_url(self.path))
        self.world.yandex.notifications.clear()  # what happened before the URL was entered is not sent to it
        return await self.send(receiver, self.ping())

    async def delivered(self) -> None:
        assert self._url is not None, "connect first"
        deliveries = await self.world.yandex.deliver_all(self._url)
        assert deliveries and all(delivery.ok for delivery in deliveries), deliveries

    def order(self, items: dict[str, int]) -> str:
        return str(self.world.yandex.place_order(items))

    def cancel(self, key: str) -> None:
        self.world.yandex.request_cancellation(int(key))  # a new (PROCESSING) order is cancelled at once

    def lines(self, key: str) -> dict[str, int]:
        return {line.offer_id: line.count for line in self.world.yandex.orders[int(key)].lines}

    def ping(self) -> dict[str, Any]:
        return ping_notification()

    def created_body(self, key: str) -> dict[str, Any]:
        return order_created_notification(self.world.yandex.orders[int(key)])

    def cancelled_body(self, key: str) -> dict[str, Any]:
        return order_cancelled_notification(self.world.yandex.orders[int(key)])

    def unknown_order(self) -> dict[str, Any]:
        return {
            "notificationType": "ORDER_CREATED",
            "orderId": 9_990_001,
            "campaignId": self.world.yandex.default_campaign,
            "items": [],
            "createdAt": "2026-11-21T12:00:00Z",
        }

    def delivered_body(self, n: int) -> dict[str, Any]:
        return {
            "notificationType": "ORDER_STATUS_UPDATED",
            "orderId": 5_550_000 + n,
            "campaignId": self.world.yandex.default_campaign,
            "status": "DELIVERED",
            "substatus": "DELIVERY_SERVICE_DELIVERED",
            "updatedAt": "2026-11-21T12:00:00Z",
        }

    def unnamed_body(self, n: int) -> dict[str, Any]:
        """A type YM-NOTIFY does not list (yet): kept, and its identity fields are not known."""
        return {"notificationType": "SOMETHING_NEW", "offerId": "PH-1", "count": n}

    def key_of(self, payload: dict[str, Any]) -> str:
        return str(payload["orderId"])

    def stock(self, sku: str) -> int:
        return self.world.yandex.stock_of(sku)


EMITTERS: dict[str, type[Emitter]] = {"ozon": OzonEmitter, "yandex": YandexEmitter}
