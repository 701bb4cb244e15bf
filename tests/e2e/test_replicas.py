"""Two replicas of the real process on one PostgreSQL and one Redis, the bot in webhook mode: jobs and webhooks
run once between them, a bot form goes on from either, and what one changes the other shows at once."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
import pytest_asyncio
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from bot.alerts import INTERVAL_SECONDS as ALERT_INTERVAL
from bot.callbacks import FormAction
from core import marketplaces, outbox
from core.db import create_pool
from core.embedded import ServiceUrls
from core.unit_of_work import Effects
from core.vault import Vault
from demo.sandboxes.ozon import OzonSandbox
from demo.sandboxes.yandex import YandexSandbox
from demo.sandboxes.yandex_notify import NOTIFY_SOURCE_IP, judge_answer
from sync.puller import MarketplacePuller
from tests.bot.harness import Chat
from tests.builders import Shop, make_channel, make_shop
from tests.e2e.test_faults import (
    ADMIN,
    HOOK_SECRET,
    OZON_ADDRESS,
    SECRET_HEADER,
    AppProcess,
    WebhookBot,
    eventually,
    process_env,
)
from tests.fake_telegram import FakeTelegram
from tests.support import CUSTOMER, TEST_BOT_TOKEN
from tests.sync.world import connect, list_everywhere, sandboxes
from webapp.initdata import sign_init_data

pytestmark = pytest.mark.asyncio(loop_scope="module")

ADMIN_CHAT_ID = -100777
# How often each replica's puller looks for due pulls (its default).
PULL_TICK_SECONDS: float = inspect.signature(MarketplacePuller).parameters["tick_seconds"].default


@dataclass
class Cluster:
    a: AppProcess
    b: AppProcess
    pool: asyncpg.Pool
    shop: Shop
    olx: int
    ozon_path: str
    fake: FakeTelegram
    ozon: OzonSandbox
    yandex_path: str  # the URL entered in Yandex's cabinet: it posts to its /notification
    yandex: YandexSandbox


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cluster(
    service_urls: ServiceUrls, _application_tables: list[str], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Cluster]:
    """Both replicas up on a shop listed on the three marketplace sandboxes (pulls on, a manual channel)."""
    key = Fernet.generate_key().decode()
    pool = await create_pool(service_urls.database_url, min_size=1, max_size=5)
    await pool.execute(f"TRUNCATE {', '.join(_application_tables)} RESTART IDENTITY CASCADE")
    redis = Redis.from_url(service_urls.redis_url)
    await redis.flushdb()
    effects = Effects(redis)
    shop = await make_shop(pool, effects)
    uzum, wb, ozon, yandex = sandboxes()
    fake = FakeTelegram()
    for server in (uzum, wb, ozon, yandex, fake):
        await server.start()
    async with pool.acquire() as conn:
        olx = await make_channel(conn, "olx", "manual", prefix="OLX")
        async with effects.transaction(conn) as uow:
            connections = await connect(uow, uzum, wb, ozon, yandex, Vault(key), ozon_pushes=True)
            change = marketplaces.Changes(new_webhook_token=True)
            yandex_path = (await marketplaces.configure(uow, "yandex", change, Vault(key))).webhook_path
        await redis.aclose()
        await list_everywhere(conn, connections, uzum, wb, ozon, yandex, [shop.phone, shop.telefon, shop.shirt])
    ozon_path = connections["ozon"].webhook_path
    assert ozon_path is not None and yandex_path is not None
    root = tmp_path_factory.mktemp("replicas")
    replicas = [
        AppProcess(
            process_env(
                service_urls,
                root / name / "data",
                key,
                BOT_TOKEN=TEST_BOT_TOKEN,
                BOT_MODE="webhook",
                PUBLIC_URL="https://shop.example.test",
                WEBHOOK_SECRET=HOOK_SECRET,
                TELEGRAM_API_URL=fake.base_url,
                ADMIN_IDS=str(ADMIN["id"]),
                ADMIN_CHAT_ID=str(ADMIN_CHAT_ID),
            ),
            _log(root, name),
        )
        for name in ("a", "b")
    ]
    try:
        await asyncio.gather(*(replica.start() for replica in replicas))
        yield Cluster(*replicas, pool, shop, olx, ozon_path, fake, ozon, yandex_path, yandex)
    finally:
        for replica in replicas:
            await replica.end()
        for server in (uzum, wb, ozon, yandex, fake):
            await server.stop()
        await pool.close()


def _log(root: Path, name: str) -> Path:
    (root / name).mkdir(parents=True, exist_ok=True)
    return root / name / "process.log"


class ReplicaBot(WebhookBot):
    """The bot as Telegram reaches it, each update POSTed to the replica that `target` names."""

    def __init__(self, fake: FakeTelegram, http: aiohttp.ClientSession, target: AppProcess) -> None:
        super().__init__(fake, self._post_to_target)
        self.http, self.target = http, target

    async def _post_to_target(self, update: dict[str, Any]) -> int:
        async with self.http.post(
            f"{self.target.url}/telegram/webhook", json=update, headers={SECRET_HEADER: HOOK_SECRET}
        ) as response:
            return response.status


async def test_a_bot_form_goes_on_whichever_replica_gets_the_next_update(cluster: Cluster) -> None:
    async with aiohttp.ClientSession() as http:
        bot = ReplicaBot(cluster.fake, http, cluster.a)
        admin = Chat(bot, ADMIN["id"], first_name="Boss", language_code="ru")
        steps: list[tuple[AppProcess, Callable[[], Awaitable[None]]]] = [
            (cluster.a, lambda: admin.send("/order")),
            (cluster.b, lambda: admin.tap_form(FormAction.CHOOSE_CHANNEL, cluster.olx)),
            (cluster.a, lambda: admin.send("samsung")),
            (cluster.b, lambda: admin.tap("Samsung")),
        ]
        for replica, step in steps:
            bot.target = replica
            await step()
    admin.form_button(FormAction.QUANTITY)  # the quantity step: the form kept its place across both replicas
    assert bot.statuses == [200] * len(steps)


@pytest.mark.parametrize("slug", ["ozon", "yandex"])
async def test_the_same_webhook_sent_to_both_replicas_is_applied_once(cluster: Cluster, slug: str) -> None:
    if slug == "ozon":
        cluster.ozon.buyer_orders({"PH-2": 1}, allow_oversell=True)
        event, path, source = cluster.ozon.push_events[-1], cluster.ozon_path, OZON_ADDRESS
        key = event["posting_number"]
    else:
        key = str(cluster.yandex.place_order({"PH-2": 1}, allow_oversell=True))
        event, path, source = cluster.yandex.notifications[-1], f"{cluster.yandex_path}/notification", NOTIFY_SOURCE_IP
    free = "SELECT quantity - reserved_quantity FROM inventory WHERE product_id = $1"
    before = await cluster.pool.fetchval(free, cluster.shop.telefon)
    async with aiohttp.ClientSession() as http:

        async def deliver(replica: AppProcess) -> bool:
            async with http.post(f"{replica.url}{path}", json=event, headers={"X-Forwarded-For": source}) as answer:
                # Yandex judges the body too (YM-NOTIFY: name, version, time); Ozon's non-ping answer is read
                # by its status here.
                return answer.status == 200 and (slug == "ozon" or judge_answer(200, await answer.json())[0])

        assert await asyncio.gather(deliver(cluster.a), deliver(cluster.b), deliver(cluster.a)) == [True] * 3

    stored = (
        "SELECT count(*) FILTER (WHERE w.status = 'processed') AS processed, count(*) AS stored"
        " FROM marketplace_webhooks w JOIN marketplaces m ON m.id = w.marketplace_id WHERE m.slug = $1"
    )

    async def imported() -> bool:
        return (await cluster.pool.fetchrow(stored, slug))["processed"] > 0

    await eventually(imported, 10, "a replica processes the event")
    await asyncio.sleep(1)  # time enough for a second application, were there going to be one
    assert (await cluster.pool.fetchrow(stored, slug))["stored"] == 1
    assert await cluster.pool.fetchval("SELECT count(*) FROM orders WHERE marketplace_order_id = $1", key) == 1
    assert await cluster.pool.fetchval(free, cluster.shop.telefon) == before - 1, "one unit taken, not two"


async def test_an_admin_edit_on_one_replica_is_fresh_on_the_other_at_once(cluster: Cluster) -> None:
    customer = {"Authorization": "tma " + sign_init_data(TEST_BOT_TOKEN, CUSTOMER)}
    admin = {"Authorization": "tma " + sign_init_data(TEST_BOT_TOKEN, ADMIN)}
    product = f"/api/products/{cluster.shop.shirt}?lang=uz"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{cluster.b.url}{product}", headers=customer) as before:  # now in the catalog cache
            assert (await before.json())["name"] == "Ko'ylak ruchka bilan"
        async with http.put(
            f"{cluster.a.url}/api/products/{cluster.shop.shirt}",
            headers=admin,
            json={"name_uz": "Yangi ko'ylak", "price": "99000"},
        ) as edit:
            assert edit.status == 200, await edit.text()
        async with http.get(f"{cluster.b.url}{product}", headers=customer) as after:
            card = await after.json()
        async with http.get(f"{cluster.b.url}/api/products?q=yangi", headers=customer) as found:
            listing = await found.json()
    assert (card["name"], Decimal(card["price"])) == ("Yangi ko'ylak", Decimal("99000"))
    assert [item["id"] for item in listing["items"]] == [cluster.shop.shirt]


async def test_an_alert_is_sent_once_though_both_replicas_run_the_sender(cluster: Cluster) -> None:
    marker = "replica-alert-marker"
    async with cluster.pool.acquire() as conn:
        await outbox.add(conn, outbox.SyncFailure(1, "Ozon", marker))

    def sent() -> int:
        return sum(marker in text for text in cluster.fake.sent_texts(ADMIN_CHAT_ID))

    async def delivered() -> bool:
        return sent() > 0

    await eventually(delivered, 3 * ALERT_INTERVAL, "the alert reaches the admin chat")
    await asyncio.sleep(ALERT_INTERVAL + 0.5)  # both replicas run the sender again meanwhile
    assert sent() == 1


async def test_each_pull_runs_once_per_interval_across_both_replicas(cluster: Cluster) -> None:
    # The daily read of the platforms' finance reports (sync/finance.py) is a pull too, once a day.
    expected = {
        (slug, kind): 1
        for slug in ("uzum", "wildberries", "ozon", "yandex")
        for kind in ("orders", "returns", "price", "reconcile", "finance")
    }

    async def pulls() -> dict[tuple[str, str], int]:
        rows = await cluster.pool.fetch(
            "SELECT m.slug, l.sync_type, count(*) AS runs FROM sync_logs l"
            " JOIN marketplaces m ON m.id = l.marketplace_id WHERE l.direction = 'pull' GROUP BY 1, 2"
        )
        return {(row["slug"], row["sync_type"]): row["runs"] for row in rows}

    async def first_round_done() -> bool:
        return set(await pulls()) == set(expected)

    await eventually(first_round_done, 30, "every pull has run once")
    # Both replicas' first rounds ended with the last of these pulls; sit through their second rounds, which
    # must find nothing due.
    since_last = await cluster.pool.fetchval(
        "SELECT EXTRACT(EPOCH FROM NOW() - max(completed_at))::float8 FROM sync_logs WHERE direction = 'pull'"
    )
    await asyncio.sleep(max(0.0, PULL_TICK_SECONDS + 1.5 - since_last))
    assert await pulls() == expected
