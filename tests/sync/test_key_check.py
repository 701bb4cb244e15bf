"""Checking a marketplace key: the adapters' check against the sandboxes, and the check asked over Redis by a
face that cannot call the marketplaces (the bot), answered once by whichever process runs the sync."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import asyncpg
import pytest
from redis.asyncio import Redis

from core import key_checks
from core.key_checks import Place
from demo.sandboxes.wildberries import DEFAULT_RATES, WildberriesSandbox
from sync.http import RetryPolicy
from sync.key_check import KeyChecker, check_key
from tests.sync.world import VAULT, YANDEX_KEY, World

# A Basic token may read the seller info once a day (WB-SPEC 01-general.yaml getV1SellerInfo).
BASIC_TOKEN_RATES = {**DEFAULT_RATES, "seller_info": (1 / 1440, 1)}


@pytest.fixture
async def checker(pool: asyncpg.Pool, redis: Redis, world: World) -> AsyncIterator[None]:
    """One process running the key checks, its own stop switch."""
    stop = asyncio.Event()
    running = asyncio.create_task(KeyChecker(pool, redis, VAULT).run(stop))
    yield
    stop.set()
    await running


async def test_the_bot_asks_over_redis_and_hears_whose_key_it_is_and_what_it_sees(
    redis: Redis, world: World, checker: None
) -> None:
    answer = await key_checks.ask(redis, world.connections["wildberries"].marketplace_id, wait=10)
    assert answer is not None and answer.refused is None and answer.check is not None
    assert answer.check.account == "Sandbox Store (ИП Sandbox Seller)"
    assert answer.check.places == (Place(str(world.wb.default_warehouse), "Sandbox FBS warehouse", "FBS"),)
    assert answer.check.expires_at is None  # the sandbox's token is no JWT: nothing to read an expiry from


async def test_a_refused_key_comes_back_in_the_platforms_words(redis: Redis, world: World, checker: None) -> None:
    world.ozon.api_key = "rotated-in-the-cabinet"
    answer = await key_checks.ask(redis, world.connections["ozon"].marketplace_id, wait=10)
    assert answer == key_checks.Answer(refused="ozon answered 401: Invalid Api-Key, please check the key and try again")


async def test_replicas_check_a_key_once_and_an_abandoned_question_is_never_asked(
    pool: asyncpg.Pool, redis: Redis, world: World
) -> None:
    uzum = world.connections["uzum"].marketplace_id
    assert await key_checks.ask(redis, uzum, wait=1) is None  # no process runs the sync yet
    stop = asyncio.Event()
    replicas = [asyncio.create_task(KeyChecker(pool, redis, VAULT).run(stop)) for _ in range(2)]
    answer = await key_checks.ask(redis, uzum, wait=10)
    stop.set()
    await asyncio.gather(*replicas)
    assert answer is not None and answer.check is not None and answer.check.places == (Place("1", "Shop"),)
    assert len(world.uzum.requests_to("GET /v1/shops")) == 1


async def test_a_basic_wildberries_token_past_its_daily_seller_info_still_shows_its_warehouses(
    pool: asyncpg.Pool, world: World
) -> None:
    async with WildberriesSandbox(token="basic-token", rates=BASIC_TOKEN_RATES) as wb:
        connection = replace(world.connections["wildberries"], base_url=wb.base_url, token="basic-token")
        first = await check_key(connection, world.session, world.limits)
        second = await check_key(connection, world.session, world.limits, policy=RetryPolicy(attempts=1))
    assert first.account == "Sandbox Store (ИП Sandbox Seller)" and second.account is None
    assert second.places == first.places and len(second.places) == 1


async def test_a_yandex_key_shows_its_business_and_the_campaigns_it_sees_as_shops(
    redis: Redis, world: World, checker: None
) -> None:
    answer = await key_checks.ask(redis, world.connections["yandex"].marketplace_id, wait=10)
    assert answer is not None and answer.check is not None
    assert answer.check.account == "Sandbox business"
    assert answer.check.places == (Place(str(world.yandex.default_campaign), "sandbox-fbs.example", "FBS"),)
    assert answer.check.expires_at is None  # the spec says nothing of an Api-Key's expiry
    [asked] = world.yandex.requests_to("GET /v2/campaigns")
    assert asked.auth_value("Api-Key") == YANDEX_KEY


async def test_a_refused_yandex_key_comes_back_in_its_words(redis: Redis, world: World, checker: None) -> None:
    world.yandex.api_key = "rotated-in-the-cabinet"
    answer = await key_checks.ask(redis, world.connections["yandex"].marketplace_id, wait=10)
    assert answer == key_checks.Answer(refused="yandex answered 403: FORBIDDEN: Api-Key is invalid")
