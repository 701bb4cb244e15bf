"""Wires the faces into one aiohttp application: web routes, the bot (polling or webhook) and the jobs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import aiojobs.aiohttp
from aiogram import Dispatcher
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot import alerts, commands
from bot.dispatcher import create_bot, create_dispatcher
from bot.telegram_link import ReachabilityRecorder, connect_with_backoff, probe
from core import counters, fbs, holds, media, photos
from core.bot_state import BotState
from core.db import Conn, create_pool
from core.embedded import ServiceUrls
from core.migrations import migrate
from core.periodic import run_periodically
from core.redis_client import create_redis
from core.settings import Settings
from core.subscriber import Subscriber
from core.unit_of_work import Effects
from core.vault import vault_for
from demo.marketplaces import DemoMarketplaces, start_demo_marketplaces
from demo.sandboxes.cbu import CbuSandbox
from sync import finance
from sync.automap import CatalogImporter
from sync.cbu_rates import CbuRates
from sync.fbs_worker import FbsWorker
from sync.key_check import KeyChecker
from sync.limiter import RateLimits
from sync.puller import MarketplacePuller
from sync.pusher import StockPusher
from sync.webhook_worker import WebhookWorker
from webapp import app as webapp
from webapp.errors import ApiError
from webapp.keys import BOT, BOT_STATE, EFFECTS, INIT_DATA_TOKEN, MEDIA, POOL, REDIS, SETTINGS, SUBSCRIBER, VAULT
from webapp.pages import STORE_ADDRESS

log = logging.getLogger(__name__)

TELEGRAM_WEBHOOK_PATH = "/telegram/webhook"
# A SIGTERM must end the process in seconds, not after aiohttp's and aiojobs' 60 s defaults.
SHUTDOWN_TIMEOUT = 5.0
VIEW_FLUSH_SECONDS = 30.0
# How often unconfirmed marketplace orders are looked at for a deadline reminder.
FBS_REMINDER_SECONDS = 60.0

DISPATCHER = web.AppKey("dispatcher", Dispatcher)
PUSHER = web.AppKey("pusher", StockPusher)
DEMO_MARKETPLACES = web.AppKey("demo_marketplaces", DemoMarketplaces)


class TelegramWebhook(SimpleRequestHandler):
    """aiogram's receiver, but an update that cannot be read is refused at the door with a 4xx: aiogram would
    answer malformed JSON with a 500, and drop a wrong-shaped update unseen in a background task."""

    async def handle(self, request: web.Request) -> web.Response:
        bot = await self.resolve_bot(request)
        if self.verify_secret(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), bot):
            try:
                update = json.loads(await request.read())
            except (ValueError, RecursionError):
                raise ApiError(400, "invalid_json", "the update is not valid JSON") from None
            Update.model_validate(update, context={"bot": bot})  # a pydantic error: the errors middleware's 422
        return await super().handle(request)


def create_app(settings: Settings, services: ServiceUrls) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app[SETTINGS] = settings
    app[REDIS] = create_redis(services.redis_url)
    app[SUBSCRIBER] = Subscriber(app[REDIS])
    app[EFFECTS] = Effects(app[REDIS])
    app[VAULT] = vault_for(settings)
    app[MEDIA] = media.store_for(settings)
    # Without a bot there is no Telegram to sign Mini App logins: the demo store signs its own with this.
    app[INIT_DATA_TOKEN] = (
        settings.bot_token.get_secret_value() if settings.bot_token else f"0:demo-{secrets.token_urlsafe(24)}"
    )
    app.cleanup_ctx.append(_database(services.database_url))
    app.cleanup_ctx.append(_redis)
    app.cleanup_ctx.append(_media)
    app.cleanup_ctx.append(_subscriber)  # after Redis, before every listener: it outlives them all
    aiojobs.aiohttp.setup(app, close_timeout=SHUTDOWN_TIMEOUT, wait_timeout=SHUTDOWN_TIMEOUT)
    app.cleanup_ctx.append(_jobs)  # after the scheduler: its teardown (stop the loops) runs first
    webapp.setup(app)
    if settings.bot_token is None:
        log.warning("BOT_TOKEN is not set: the bot is off; the web server and jobs run")
        host = "localhost" if settings.http_host in ("0.0.0.0", "::", "") else settings.http_host
        log.info("store: http://%s:%s/app/dev opens it as a demo customer", host, settings.http_port)
    else:
        _attach_bot(app, settings)
    return app


def _database(dsn: str) -> Callable[[web.Application], AsyncIterator[None]]:
    async def database(app: web.Application) -> AsyncIterator[None]:
        pool = await create_pool(dsn)
        async with pool.acquire() as conn:
            await migrate(conn)
        app[POOL] = pool
        yield
        await asyncio.wait_for(pool.close(), SHUTDOWN_TIMEOUT)

    return database


async def _jobs(app: web.Application) -> AsyncIterator[None]:
    pool, redis, subscriber, effects, settings = app[POOL], app[REDIS], app[SUBSCRIBER], app[EFFECTS], app[SETTINGS]
    stop = asyncio.Event()
    scheduler = aiojobs.aiohttp.get_scheduler_from_app(app)
    assert scheduler is not None

    async def sweep(conn: Conn) -> None:
        await holds.sweep_expired_holds(conn, effects)

    async def flush_views(conn: Conn) -> None:
        await counters.flush_views(conn, redis)

    async def remind(conn: Conn) -> None:
        await fbs.remind(conn, timedelta(minutes=settings.fbs_reminder_minutes))

    vault = app[VAULT]
    demo = await start_demo_marketplaces(pool, vault) if settings.demo_marketplaces else DemoMarketplaces()
    app[DEMO_MARKETPLACES] = demo
    # One set of marketplace rate limits for the three jobs (and, through Redis, for every replica).
    limits = RateLimits(redis)
    pusher = StockPusher(
        pool, redis, subscriber, vault, sweep_seconds=settings.push_sweep_interval, route=demo.route, limits=limits
    )
    app[PUSHER] = pusher
    pushing = await scheduler.spawn(pusher.run(stop))
    puller = MarketplacePuller(pool, redis, effects, vault, route=demo.route, limits=limits)
    pulling = await scheduler.spawn(puller.run(stop))
    webhook_worker = WebhookWorker(pool, redis, subscriber, effects, vault, route=demo.route, limits=limits)
    working = await scheduler.spawn(webhook_worker.run(stop))
    # The FBS actions admins ask from chat (confirm, cancel, labels, hand over), run on the platforms.
    fbs_worker = FbsWorker(pool, redis, subscriber, effects, vault, route=demo.route, limits=limits)
    fulfilling = await scheduler.spawn(fbs_worker.run(stop))
    checking = await scheduler.spawn(KeyChecker(pool, redis, vault, limits=limits, route=demo.route).run(stop))
    importer = CatalogImporter(
        pool, redis, effects, vault, low_stock_threshold=settings.low_stock_threshold, limits=limits, route=demo.route
    )
    importing = await scheduler.spawn(importer.run(stop))
    await scheduler.spawn(run_periodically(pool, "reservation-sweeper", settings.sweep_interval, sweep, stop))
    await scheduler.spawn(run_periodically(pool, "view-counter", VIEW_FLUSH_SECONDS, flush_views, stop))
    await scheduler.spawn(run_periodically(pool, "fbs-reminders", FBS_REMINDER_SECONDS, remind, stop))
    # The marketplaces' own finance figures, once a day each (sync/finance.py).
    finance_job = finance.daily_job(effects, vault, limits, route=demo.route)
    # A read can wait a minute on Wildberries' report limit; each read is one transaction, so stopping drops it.
    await scheduler.spawn(
        run_periodically(pool, "marketplace-finance", finance.CHECK_SECONDS, finance_job, stop, abandon_on_stop=True)
    )
    # Photos named by URL (imports) are fetched here, never in the request or the import that named them.
    fetching_session = photos.fetching_session(allow_private=settings.photo_fetch_private)
    fetcher = photos.Fetcher(
        effects, app[MEDIA], fetching_session, settings.photo_max_bytes, settings.photo_fetch_timeout
    )
    await scheduler.spawn(run_periodically(pool, "photo-fetcher", settings.photo_fetch_interval, fetcher.run, stop))
    # The Central Bank's daily rates; the trial reads them from a local sandbox of the bank.
    bank = await CbuSandbox().start() if settings.demo_rates else None
    exchange = CbuRates(bank.url if bank else settings.cbu_rates_url, effects)
    await scheduler.spawn(run_periodically(pool, "cbu-rates", settings.cbu_rates_interval, exchange.run, stop))
    if BOT in app:  # bot on: drain the notifications outbox into Telegram
        await scheduler.spawn(
            run_periodically(pool, "alert-sender", alerts.INTERVAL_SECONDS, alerts.create_job(app[BOT], settings), stop)
        )
    yield
    stop.set()
    # The loops finish what they are doing; whatever is still running after the timeout is cancelled, and only
    # then do the demo's sandboxes go (a request to a stopping server would hold its shutdown).
    jobs = (pushing, pulling, working, fulfilling, checking, importing)
    waiting = [asyncio.ensure_future(job.wait()) for job in jobs]
    await asyncio.wait(waiting, timeout=SHUTDOWN_TIMEOUT)
    await asyncio.gather(*(job.close() for job in jobs), return_exceptions=True)
    await asyncio.gather(*waiting, return_exceptions=True)
    await demo.stop()
    if bank is not None:
        await bank.stop()
    await fetching_session.close()


async def _redis(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[REDIS].aclose()


async def _media(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[MEDIA].close()


async def _subscriber(app: web.Application) -> AsyncIterator[None]:
    app[SUBSCRIBER].start()
    yield
    await app[SUBSCRIBER].close()


def _attach_bot(app: web.Application, settings: Settings) -> None:
    assert settings.bot_token is not None
    bot = create_bot(settings.bot_token.get_secret_value(), settings.telegram_api_url)
    app[BOT_STATE] = BotState()
    bot.session.middleware(ReachabilityRecorder(app[BOT_STATE]))
    dispatcher = create_dispatcher(app[REDIS])
    dispatcher["settings"] = settings
    dispatcher["redis"] = app[REDIS]
    dispatcher["effects"] = app[EFFECTS]
    dispatcher["media_store"] = app[MEDIA]
    dispatcher["vault"] = app[VAULT]
    app[BOT] = bot
    app[DISPATCHER] = dispatcher
    if settings.bot_mode == "webhook":
        assert settings.webhook_secret is not None
        TelegramWebhook(dispatcher, bot, secret_token=settings.webhook_secret.get_secret_value()).register(
            app, path=TELEGRAM_WEBHOOK_PATH
        )
        app.cleanup_ctx.append(_webhook_bot)
    else:
        app.cleanup_ctx.append(_polling_bot)


async def _webhook_bot(app: web.Application) -> AsyncIterator[None]:
    """Updates are taken at once; registering the webhook with Telegram is retried in the background until
    Telegram answers, then a light call now and then tells /readyz whether it still does."""
    settings, bot, dispatcher = app[SETTINGS], app[BOT], app[DISPATCHER]
    dispatcher["pool"] = app[POOL]
    assert settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value()
    stop = asyncio.Event()

    async def connect() -> None:
        await bot.set_webhook(
            f"{settings.public_url}{TELEGRAM_WEBHOOK_PATH}",
            secret_token=secret,
            allowed_updates=dispatcher.resolve_used_update_types(),
        )
        log.info("bot: webhook mode at %s%s", settings.public_url, TELEGRAM_WEBHOOK_PATH)
        await _announce_store(app)

    async def keep() -> None:
        if await connect_with_backoff(connect, stop):
            app[BOT_STATE].started()
            await probe(bot, stop)

    keeping = asyncio.create_task(keep())
    yield
    stop.set()
    await _finish(keeping)
    await bot.session.close()


async def _announce_store(app: web.Application) -> None:
    """Say where customers find the store: the bot's link, which `/` then leads to as well; and give the chat
    its command menus and Mini App button."""
    me = await app[BOT].me()
    link = f"https://t.me/{me.username}"
    app[STORE_ADDRESS].bot_link = link
    log.info("store: %s (customers open it from the bot's menu button)", link)
    try:
        await commands.publish(app[BOT], app[POOL], app[SETTINGS])
    except TelegramAPIError as error:  # the bot works without its menus; the next start sets them again
        log.warning("the bot's command menus were not set: %s", error.message)


async def _polling_bot(app: web.Application) -> AsyncIterator[None]:
    """Polling starts in the background once Telegram answers (retried with backoff until then); once it runs,
    aiogram's polling loop itself retries when Telegram goes away, and the calls' outcomes tell /readyz."""
    bot, dispatcher = app[BOT], app[DISPATCHER]
    dispatcher["pool"] = app[POOL]
    stop = asyncio.Event()

    async def connect() -> None:
        await bot.delete_webhook()
        await _announce_store(app)

    async def keep() -> None:
        if not await connect_with_backoff(connect, stop) or stop.is_set():
            return
        app[BOT_STATE].started()
        log.info("bot: polling")
        await dispatcher.start_polling(
            bot,
            handle_signals=False,
            close_bot_session=False,
            allowed_updates=dispatcher.resolve_used_update_types(),
        )

    keeping = asyncio.create_task(keep())
    yield
    stop.set()
    with contextlib.suppress(RuntimeError):  # raised when polling had not got going yet
        await dispatcher.stop_polling()
    await _finish(keeping)
    await bot.session.close()


async def _finish(task: asyncio.Task[None]) -> None:
    """Let the bot's task end by itself within the shutdown timeout, else cancel it."""
    try:
        await asyncio.wait_for(task, SHUTDOWN_TIMEOUT)
    except (TimeoutError, asyncio.CancelledError):
        task.cancel()
    except Exception:  # it has ended: a failure there must not spoil the shutdown
        log.exception("bot: the bot's task failed")
