"""Marketplace webhooks: Ozon and Yandex Market pushes (source addresses and a path token, no signature), stored
inside the request, processed once by a worker, surviving a crash between the two. What the two platforms share
is tested once for both (the `platform` fixture); their wire quirks on their own."""

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from core import marketplaces
from core.settings import Settings
from core.subscriber import Subscriber
from core.unit_of_work import Effects
from core.vault import Vault
from core.webhook_inbox import Inbox
from core.webhooks import Event, Receiver, Receivers, store_many
from core.webhooks import receiver as receiver_of
from demo.sandboxes.yandex import YandexSandbox
from demo.sandboxes.yandex_models import ping_notification
from demo.sandboxes.yandex_notify import NOTIFY_SOURCE_IP
from sync.puller import MarketplacePuller
from sync.push import push_due
from sync.webhook_worker import WebhookWorker
from tests.builders import Shop, stock_of
from tests.support import changed
from tests.sync.emitters import EMITTERS, OZON_ADDRESS, STRANGER, Emitter
from tests.sync.markets import buyer_receives, courier_takes, their_stock
from tests.sync.world import OZON_KEY, VAULT, World
from webapp.errors import errors_middleware
from webapp.keys import EFFECTS, POOL, REDIS, SETTINGS, SUBSCRIBER
from webapp.keys import VAULT as VAULT_KEY
from webapp.routes import webhooks

# Two shops (campaigns) of one Yandex business; ours is the first.
YANDEX_CAMPAIGN, OTHER_CAMPAIGN = 21_000_101, 21_000_202


@pytest.fixture(autouse=True)
async def webhook_paths(pool: asyncpg.Pool, effects: Effects, world: World) -> dict[str, str]:
    """Ozon and Yandex Market push on a secret path each (shown once, when made) and start with our stock."""
    paths: dict[str, str] = {}
    for slug in EMITTERS:
        paths[slug] = await _new_path(pool, effects, slug)
        await push_due(pool, world.connections[slug], world.adapter(slug), trigger="scheduled")
    return paths


async def _new_path(pool: asyncpg.Pool, effects: Effects, slug: str, change: marketplaces.Changes | None = None) -> str:
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        change = change or marketplaces.Changes(new_webhook_token=True)
        path = (await marketplaces.configure(uow, slug, change, VAULT)).webhook_path
    assert path is not None
    return path


@pytest.fixture(params=list(EMITTERS))
async def platform(request: pytest.FixtureRequest, webhook_paths: dict[str, str], world: World) -> Emitter:
    """A marketplace that pushes, on the path token the seller entered in its cabinet."""
    slug: str = request.param
    return EMITTERS[slug](world, webhook_paths[slug])


async def _stored(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    return await pool.fetch("SELECT event_type, status, retry_count FROM marketplace_webhooks ORDER BY id")


def _worker(pool: asyncpg.Pool, redis: Redis, subscriber: Subscriber) -> WebhookWorker:
    """The worker of a process, with that process's publisher."""
    return WebhookWorker(pool, redis, subscriber, Effects(redis), VAULT)


async def _order_lines(conn: asyncpg.Connection, key: str) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT p.sku, oi.quantity FROM orders o JOIN order_items oi ON oi.order_id = o.id"
        " JOIN products p ON p.id = oi.product_id WHERE o.marketplace_order_id = $1",
        key,
    )
    return {row["sku"]: row["quantity"] for row in rows}


async def test_pushes_are_answered_at_once_and_a_new_order_is_imported_and_moves_every_channel(
    pool: asyncpg.Pool,
    redis: Redis,
    subscriber: Subscriber,
    world: World,
    shop: Shop,
    receiver: TestClient,
    platform: Emitter,
) -> None:
    ping = await platform.connect(receiver)
    assert ping.ok and ping.seconds < 1.0, ping  # both platforms give a connection check 1 s
    key = platform.order({"PH-1": 2})
    await platform.delivered()
    assert [(e["event_type"], e["status"]) for e in await _stored(pool)] == [(platform.created, "pending")]
    assert await _worker(pool, redis, subscriber).process_due(world.session) == 1
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT marketplace_order_id FROM orders") == key
        assert await _order_lines(conn, key) == platform.lines(key) == {"PH-1": 2}
        assert await stock_of(conn, shop.phone) == (3, 0)
    # The sale on one marketplace is the other's too: Uzum shows what is left.
    await push_due(pool, world.connections["uzum"], world.adapter("uzum"), trigger="event")
    assert their_stock(world, "uzum", shop.phone, "PH-1") == 3
    platform.cancel(key)
    await platform.delivered()
    await _worker(pool, redis, subscriber).process_due(world.session)
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT status FROM orders") == "cancelled"
        assert await stock_of(conn, shop.phone) == (5, 0)
    for slug in ("uzum", platform.slug):
        await push_due(pool, world.connections[slug], world.adapter(slug), trigger="event")
    assert their_stock(world, "uzum", shop.phone, "PH-1") == platform.stock("PH-1") == 5


async def test_a_push_that_the_courier_took_or_the_buyer_received_an_order_moves_it_on_at_once(
    pool: asyncpg.Pool,
    redis: Redis,
    subscriber: Subscriber,
    world: World,
    shop: Shop,
    receiver: TestClient,
    platform: Emitter,
) -> None:
    """No pull needed: the platform's notice of the order's new state ships it here (its FBS work ended), then
    delivers it; the stock it took when it was placed stays taken."""
    await platform.connect(receiver)
    key = platform.order({"PH-1": 1})
    await platform.delivered()
    worker = _worker(pool, redis, subscriber)
    await worker.process_due(world.session)
    states = "SELECT o.status, w.state FROM orders o JOIN marketplace_order_work w ON w.order_id = o.id"

    courier_takes(world, platform.slug, key)
    await platform.delivered()
    assert await worker.process_due(world.session) >= 1
    assert tuple(await pool.fetchrow(states)) == ("shipped", "handed_over")

    buyer_receives(world, platform.slug, key)
    await platform.delivered()
    await worker.process_due(world.session)
    assert tuple(await pool.fetchrow(states)) == ("delivered", "handed_over")
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (4, 0)


async def test_an_order_first_heard_of_on_its_way_is_imported_and_shipped_at_once(
    pool: asyncpg.Pool,
    redis: Redis,
    subscriber: Subscriber,
    world: World,
    shop: Shop,
    receiver: TestClient,
    webhook_paths: dict[str, str],
) -> None:
    """Yandex's notice of the new order was lost; the next says the courier has it: the order is ours at once (its
    unit taken once) and shipped, not left for the next pull to find."""
    yandex = EMITTERS["yandex"](world, webhook_paths["yandex"])
    await yandex.connect(receiver)
    key = yandex.order({"PH-1": 1})
    world.yandex.notifications.clear()  # ORDER_CREATED never arrived
    courier_takes(world, "yandex", key)
    await yandex.delivered()

    await _worker(pool, redis, subscriber).process_due(world.session)

    assert tuple(await pool.fetchrow("SELECT marketplace_order_id, status FROM orders")) == (key, "shipped")
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (4, 0)


async def test_a_yandex_return_notice_brings_the_returns_pull_forward(
    pool: asyncpg.Pool,
    redis: Redis,
    subscriber: Subscriber,
    world: World,
    receiver: TestClient,
    webhook_paths: dict[str, str],
) -> None:
    """The returns pull runs every 15 minutes; a notice that a return began or moved on makes it due at once, so the
    admins hear of goods waiting for them at the next tick of the puller (seconds)."""
    yandex = EMITTERS["yandex"](world, webhook_paths["yandex"])
    await yandex.connect(receiver)
    key = yandex.order({"PH-1": 1})
    await yandex.delivered()
    worker = _worker(pool, redis, subscriber)
    await worker.process_due(world.session)
    await pool.execute("UPDATE marketplaces SET returns_pulled_at = NOW()")  # the puller read the returns just now
    world.yandex.set_order_status(int(key), "DELIVERY", "DELIVERY_SERVICE_RECEIVED")
    world.yandex.set_order_status(int(key), "DELIVERED", "DELIVERY_SERVICE_DELIVERED")
    world.yandex.move_return(world.yandex.add_return(int(key)), "READY_FOR_PICKUP")
    await yandex.delivered()
    await worker.process_due(world.session)
    kinds = {row["event_type"] for row in await _stored(pool)}
    assert {"ORDER_RETURN_CREATED", "ORDER_RETURN_STATUS_UPDATED"} <= kinds

    puller = MarketplacePuller(pool, redis, Effects(redis), VAULT, adapter_options=lambda c: {"pace": 1000.0})
    await puller.pull_due(world.connections["yandex"], world.session)

    returned = await pool.fetch("SELECT quantity, state FROM marketplace_returns")
    assert [tuple(row) for row in returned] == [(1, "pending")], "the returned phone waits for an admin's decision"


async def test_replayed_events_are_stored_and_applied_once(
    pool: asyncpg.Pool, redis: Redis, subscriber: Subscriber, world: World, receiver: TestClient, platform: Emitter
) -> None:
    event = platform.created_body(platform.order({"CL-1": 1}))
    for _ in range(3):
        assert (await platform.send(receiver, event)).ok
    assert len(await _stored(pool)) == 1
    await _worker(pool, redis, subscriber).process_due(world.session)
    await _worker(pool, redis, subscriber).process_due(world.session)
    assert await pool.fetchval("SELECT count(*) FROM orders") == 1


async def test_an_event_with_no_identity_of_its_own_is_told_from_the_next_by_its_body(
    pool: asyncpg.Pool, receiver: TestClient, platform: Emitter
) -> None:
    """A captured body replayed three times (once re-serialized, keys in another order) is kept once; the next
    event of its kind, which differs only in what it says, is kept too."""
    first, second = platform.unnamed_body(1), platform.unnamed_body(2)
    for body in (first, first, dict(reversed(first.items())), second):
        assert (await platform.send(receiver, body)).ok
    assert [row["payload"] for row in await pool.fetch("SELECT payload FROM marketplace_webhooks ORDER BY id")] == [
        first,
        second,
    ]


async def test_a_marketplace_whose_keys_do_not_open_is_answered_503_told_once_and_the_others_go_on(
    pool: asyncpg.Pool,
    redis: Redis,
    subscriber: Subscriber,
    world: World,
    receiver: TestClient,
    webhook_paths: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """SECRET_KEY changed under Ozon's sealed key (the process restarted with another one): Ozon's pushes are
    refused 503 in Ozon's error envelope, so Ozon sends them again later; the admins hear it once however many
    come, from however many replicas; Yandex Market's pushes are stored and applied as ever, and an Ozon event
    stored before the change waits, its attempts not spent."""
    ozon, yandex = (EMITTERS[slug](world, webhook_paths[slug]) for slug in ("ozon", "yandex"))
    sealed_elsewhere = Vault(Fernet.generate_key().decode()).seal(OZON_KEY)
    await pool.execute("UPDATE marketplaces SET api_secret_encrypted = $1 WHERE slug = 'ozon'", sealed_elsewhere)
    ozon_id = await pool.fetchval("SELECT id FROM marketplaces WHERE slug = 'ozon'")
    before = ozon.created_body(ozon.order({"PH-1": 1}))
    async with pool.acquire() as conn:
        await store_many(conn, [Event(ozon_id, "TYPE_NEW_POSTING", before, "stored-before-the-change")])

    with caplog.at_level(logging.INFO):
        refused = []
        for _ in range(3):
            body = ozon.created_body(ozon.order({"PH-2": 1}))
            async with receiver.post(ozon.path, json=body, headers={"X-Forwarded-For": OZON_ADDRESS}) as answer:
                refused.append((answer.status, (await answer.json())["error"]["code"]))
        assert (await yandex.send(receiver, yandex.created_body(yandex.order({"PH-1": 1})))).ok
        await Receivers(pool, VAULT).unreadable(await _receiver(pool, "ozon"))  # another replica meets it too
        assert await _worker(pool, redis, subscriber).process_due(world.session) == 2

    assert refused == [(503, "ERROR_UNKNOWN")] * 3
    assert await pool.fetchval("SELECT count(*) FROM notifications WHERE kind = 'marketplace_keys_unreadable'") == 1
    told = [r for r in caplog.records if r.levelno >= logging.ERROR and "ozon" in r.getMessage().lower()]
    assert len(told) == 2 and not any(r.exc_info for r in told), "once by the receiver, once by the worker"
    assert await pool.fetch(
        "SELECT m.slug, w.status, w.retry_count FROM marketplace_webhooks w"
        " JOIN marketplaces m ON m.id = w.marketplace_id ORDER BY w.id"
    ) == [("ozon", "pending", 0), ("yandex", "processed", 0)]
    assert await pool.fetchval("SELECT m.slug FROM orders o JOIN marketplaces m ON m.id = o.marketplace_id") == (
        "yandex"
    )


async def _receiver(pool: asyncpg.Pool, slug: str) -> Receiver:
    async with pool.acquire() as conn:
        found = await receiver_of(conn, slug, VAULT)
    assert found is not None
    return found


async def test_a_cancellation_arriving_before_its_new_order_takes_nothing(
    pool: asyncpg.Pool,
    redis: Redis,
    subscriber: Subscriber,
    world: World,
    shop: Shop,
    receiver: TestClient,
    platform: Emitter,
) -> None:
    key = platform.order({"PH-2": 1})
    platform.cancel(key)
    for event in (platform.cancelled_body(key), platform.created_body(key)):
        assert (await platform.send(receiver, event)).ok
    await _worker(pool, redis, subscriber).process_due(world.session)
    assert [e["status"] for e in await _stored(pool)] == ["processed", "processed"]
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM orders") == 0
        assert await stock_of(conn, shop.telefon) == (3, 0)


async def test_a_stranger_or_a_guessed_token_is_401_and_stores_nothing(
    pool: asyncpg.Pool, world: World, receiver: TestClient, platform: Emitter
) -> None:
    event = platform.created_body(platform.order({"PH-1": 1}))
    answers = [
        await platform.send(receiver, event, source=STRANGER),
        await platform.send(receiver, event, path=platform.guessed_path()),
        await platform.send(receiver, event, source=f"{platform.address}, {STRANGER}"),  # a forged proxy hop
    ]
    assert [(a.status, a.ok) for a in answers] == [(401, False)] * 3
    assert await _stored(pool) == []


async def test_the_networks_set_for_a_marketplace_replace_the_ones_its_protocol_declares(
    pool: asyncpg.Pool,
    redis: Redis,
    subscriber: Subscriber,
    effects: Effects,
    world: World,
    aiohttp_client: Callable[..., Any],
    settings: Settings,
    platform: Emitter,
) -> None:
    """WEBHOOK_NETWORKS moved the platform's pushes to a new network: it is let in, the published ones no longer."""
    app = web.Application(middlewares=[errors_middleware])
    networks = {platform.slug: ["203.0.113.0/24"]}
    app[SETTINGS] = changed(settings, trusted_proxies=["127.0.0.1/32"], webhook_networks=networks)
    app[POOL], app[REDIS], app[SUBSCRIBER], app[EFFECTS], app[VAULT_KEY] = pool, redis, subscriber, effects, VAULT
    webhooks.setup_routes(app)
    receiver = await aiohttp_client(app)

    moved = await platform.send(receiver, platform.ping(), source=STRANGER)
    published = await platform.send(receiver, platform.ping())

    assert (moved.status, moved.ok, published.status) == (200, True, 401)


async def test_a_marketplace_without_a_push_protocol_has_no_receiver(
    pool: asyncpg.Pool, effects: Effects, world: World, receiver: TestClient
) -> None:
    path = await _new_path(
        pool, effects, "uzum"
    )  # Uzum pushes nothing (contract §1.6): even a path token opens nothing
    answer = await receiver.post(
        path,
        json={"message_type": "TYPE_NEW_POSTING", "posting_number": "1-1-1"},
        headers={"X-Forwarded-For": OZON_ADDRESS},
    )
    assert answer.status == 404 and (await answer.json())["error"]["code"] == "not_found"
    assert await _stored(pool) == []


async def test_an_event_acknowledged_before_a_crash_is_processed_after_restart(
    pool: asyncpg.Pool, redis: Redis, subscriber: Subscriber, world: World, receiver: TestClient, platform: Emitter
) -> None:
    assert (await platform.send(receiver, platform.created_body(platform.order({"PH-1": 1})))).ok
    # The process dies here: acknowledged, stored, not processed. A new process starts its worker:
    restarted = _worker(pool, redis, subscriber)
    assert await restarted.process_due(world.session) == 1
    assert await pool.fetchval("SELECT count(*) FROM orders") == 1


async def test_an_event_that_keeps_failing_is_retried_then_failed_with_one_alert(
    pool: asyncpg.Pool, redis: Redis, subscriber: Subscriber, world: World, receiver: TestClient, platform: Emitter
) -> None:
    assert (await platform.send(receiver, platform.unknown_order())).ok
    worker = _worker(pool, redis, subscriber)
    for attempt in range(1, 7):
        await worker.process_due(world.session)
        [stored] = await _stored(pool)
        assert stored["retry_count"] == attempt
        await pool.execute("UPDATE marketplace_webhooks SET next_attempt_at = NOW()")
    assert stored["status"] == "failed"
    assert await pool.fetchval("SELECT count(*) FROM notifications WHERE kind = 'webhook_failure'") == 1


async def test_an_announced_token_change_retires_the_old_path_before_the_new_one_is_used(
    pool: asyncpg.Pool, effects: Effects, receiver: TestClient, platform: Emitter
) -> None:
    assert (await platform.send(receiver, platform.ping())).ok  # remembered
    async with pool.acquire() as conn, effects.transaction(conn) as uow:  # announced once it committed
        await marketplaces.configure(uow, platform.slug, marketplaces.Changes(new_webhook_token=True), VAULT)
    for _ in range(250):  # pub/sub delivery takes a moment
        if (await platform.send(receiver, platform.ping())).status == 401:
            break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError("the old path still works 5 s after the change was announced")


async def test_concurrent_webhooks_are_all_stored_each_once(
    pool: asyncpg.Pool, receiver: TestClient, platform: Emitter
) -> None:
    moves = [platform.delivered_body(n) for n in range(40)]

    async def deliver(event: dict[str, Any]) -> None:
        assert (await platform.send(receiver, event)).ok

    await asyncio.gather(*(deliver(event) for event in moves + moves))  # each one twice, at once
    stored = await pool.fetch("SELECT payload FROM marketplace_webhooks")
    assert sorted(platform.key_of(row["payload"]) for row in stored) == sorted(platform.key_of(e) for e in moves)


async def test_an_event_the_database_refuses_fails_alone_in_its_batch(pool: asyncpg.Pool, redis: Redis) -> None:
    inbox = Inbox(pool, Effects(redis))
    ozon = await pool.fetchval("SELECT id FROM marketplaces WHERE slug = 'ozon'")
    good = [Event(ozon, "TYPE_STATE_CHANGED", {"n": n}, f"key-{n}") for n in range(5)]
    refused = Event(ozon, "TYPE_\x00", {"n": 5}, "key-5")  # PostgreSQL text cannot hold a NUL character
    # Handed in together, they are written as one batch.
    outcomes = await asyncio.gather(
        *(inbox.store(event) for event in [*good[:2], refused, *good[2:]]), return_exceptions=True
    )
    assert [type(outcome) for outcome in outcomes] == [
        bool,
        bool,
        asyncpg.CharacterNotInRepertoireError,
        bool,
        bool,
        bool,
    ]
    assert sorted(await pool.fetchval("SELECT array_agg(event_key) FROM marketplace_webhooks")) == [
        event.event_key for event in good
    ]


async def test_a_failing_event_holds_back_none_of_the_events_claimed_with_it(
    pool: asyncpg.Pool, redis: Redis, subscriber: Subscriber, world: World, receiver: TestClient, platform: Emitter
) -> None:
    key = platform.order({"PH-1": 1})
    moves = [platform.delivered_body(n) for n in range(3)]
    for event in [moves[0], platform.unknown_order(), moves[1], platform.created_body(key), moves[2]]:
        assert (await platform.send(receiver, event)).ok
    assert await _worker(pool, redis, subscriber).process_due(world.session) == 5
    assert [e["status"] for e in await _stored(pool)] == ["processed", "retry", "processed", "processed", "processed"]
    assert await pool.fetchval("SELECT marketplace_order_id FROM orders") == key


# -- Yandex Market: notifications at /notification under the URL entered, for our campaign only ---------------
@pytest.fixture
def ym() -> YandexSandbox:
    """The business of our Yandex shop, with a second shop of its own; only notifications are asked of it."""
    sandbox = YandexSandbox(
        campaigns=[
            {"id": YANDEX_CAMPAIGN, "placementType": "FBS"},
            {"id": OTHER_CAMPAIGN, "placementType": "FBS"},
        ],
        rate_limit=False,
    )
    sandbox.load_catalog(
        [{"offer_id": "PH-1", "market_sku": 1001, "name": "Phone", "stocks": {YANDEX_CAMPAIGN: 5, OTHER_CAMPAIGN: 5}}]
    )
    return sandbox


async def _yandex_url(pool: asyncpg.Pool, effects: Effects, receiver: TestClient) -> str:
    """The URL the seller enters in Yandex's cabinet: our campaign as the shop, a path token made."""
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO marketplaces (name, slug, integration_type, api_type)"
            " VALUES ('Yandex Market', 'yandex', 'api', 'yandex') ON CONFLICT (slug) DO NOTHING"
        )
    change = marketplaces.Changes(shop_id=YANDEX_CAMPAIGN, new_webhook_token=True)
    return str(receiver.make_url(await _new_path(pool, effects, "yandex", change)))


async def test_yandex_pings_the_notification_resource_under_the_url_entered_and_is_answered_at_once(
    pool: asyncpg.Pool, effects: Effects, ym: YandexSandbox, receiver: TestClient
) -> None:
    url = await _yandex_url(pool, effects, receiver)
    ym.notifications.append(ping_notification())
    [ping] = await ym.deliver_all(url)
    # Judged by YM-NOTIFY's 200 schema within its 1 s for a PING; a connection check is never stored.
    assert (ping.status, ping.ok, ping.reason) == (200, True, "OK")
    assert await _stored(pool) == []


async def test_an_address_the_platform_never_posts_to_is_no_receiver_and_stores_nothing(
    pool: asyncpg.Pool, effects: Effects, ym: YandexSandbox, receiver: TestClient, webhook_paths: dict[str, str]
) -> None:
    yandex = (await _yandex_url(pool, effects, receiver)).removeprefix(str(receiver.make_url("")))
    ozon, from_ozon = webhook_paths["ozon"], {"X-Forwarded-For": OZON_ADDRESS}
    posting = {"message_type": "TYPE_NEW_POSTING", "posting_number": "1-1-1", "products": []}
    ym.place_order({"PH-1": 1}, campaign_id=YANDEX_CAMPAIGN)
    [created] = ym.notifications
    from_yandex = {"X-Forwarded-For": NOTIFY_SOURCE_IP}
    refused = [
        await receiver.post(f"{ozon}/x", json=posting, headers=from_ozon),  # Ozon posts to the URL itself
        await receiver.post(f"{ozon}/notification", json=posting, headers=from_ozon),
        await receiver.post(f"{yandex}/other", json=created, headers=from_yandex),
        await receiver.post(yandex, json=created, headers=from_yandex),  # Yandex appends /notification
    ]
    assert [answer.status for answer in refused] == [404] * 4
    assert {(await answer.json())["error"]["code"] for answer in refused} == {"not_found"}
    assert await _stored(pool) == []


async def test_a_refused_yandex_notification_is_answered_with_its_error_body(
    pool: asyncpg.Pool, effects: Effects, ym: YandexSandbox, receiver: TestClient
) -> None:
    """YM-NOTIFY's 401 body is {"error": {type, message}}; that strangers are refused is tested above."""
    url = await _yandex_url(pool, effects, receiver)
    ym.place_order({"PH-1": 1}, campaign_id=YANDEX_CAMPAIGN)
    [created] = ym.notifications
    guessed = url.rsplit("/", 1)[0] + "/guessed-token"
    stranger = await ym.notify(url, created, source_ip="203.0.113.9")
    forged = await ym.notify(guessed, created)
    assert [(d.status, d.body["error"]["type"]) for d in (stranger, forged)] == [(401, "UNKNOWN")] * 2
    assert await _stored(pool) == []


async def test_a_yandex_order_of_another_shop_of_the_business_is_kept_but_not_imported(
    pool: asyncpg.Pool,
    redis: Redis,
    subscriber: Subscriber,
    effects: Effects,
    ym: YandexSandbox,
    world: World,
    receiver: TestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A notification set up for the whole business tells every shop's orders: another shop's took none of our
    stock, and asking our shop's API for it would only fail and retry."""
    url = await _yandex_url(pool, effects, receiver)
    theirs = ym.place_order({"PH-1": 1}, campaign_id=OTHER_CAMPAIGN)
    ym.cancel_order(theirs)
    assert all(delivery.ok for delivery in await ym.deliver_all(url))  # each answered as YM-NOTIFY requires
    with caplog.at_level(logging.INFO, logger="sync.webhook_worker"):
        assert await _worker(pool, redis, subscriber).process_due(world.session) == 2
    assert [(e["event_type"], e["status"]) for e in await _stored(pool)] == [
        ("ORDER_CREATED", "processed"),
        ("ORDER_CANCELLED", "processed"),
    ]
    assert await pool.fetchval("SELECT count(*) FROM orders") == 0
    told = [r.getMessage() for r in caplog.records if str(OTHER_CAMPAIGN) in r.getMessage()]
    assert len(told) == 2 and all(r.levelno == logging.INFO for r in caplog.records if r.name == "sync.webhook_worker")
