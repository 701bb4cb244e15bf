"""Request ids and Prometheus metrics. HTTP traffic is counted in this process's own registry; business
figures (orders by channel, pushes and pulls, backlogs, sync lag) are read from the database at scrape time,
so every replica reports the same truth and nothing is lost to a restart."""

from __future__ import annotations

import asyncio
import bisect
import hmac
import itertools
import logging
import os
import re
import time
from collections.abc import AsyncIterator, Iterable

import asyncpg
from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from core.logs import REQUEST_ID
from webapp.keys import POOL, SETTINGS

log = logging.getLogger(__name__)

# The scrape-only listener is for this machine alone; from elsewhere, the public port with METRICS_TOKEN.
METRICS_HOST = "127.0.0.1"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Request ids: a random prefix per process (unique across replicas and restarts) and a counter, which costs
# nothing per request; a random id per request was a system call each time.
_ID_PREFIX = os.urandom(4).hex() + "-"
_ids = itertools.count(1)


LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class HttpMetrics(Collector):
    """This process's HTTP traffic, counted in plain dicts and turned into Prometheus families when scraped:
    prometheus_client's locked counters and histograms were several percent of a warm catalog read."""

    def __init__(self) -> None:
        self._requests: dict[tuple[str, str, int], int] = {}
        # (route, method) -> a count per latency bucket, then the +Inf count, then the sum of seconds.
        self._latency: dict[tuple[str, str], list[float]] = {}
        self.registry = CollectorRegistry()
        self.registry.register(self)

    def record(self, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method, status)
        self._requests[key] = self._requests.get(key, 0) + 1
        histogram = self._latency.get((route, method))
        if histogram is None:
            histogram = self._latency[(route, method)] = [0] * (len(LATENCY_BUCKETS) + 1) + [0.0]
        histogram[bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1
        histogram[-1] += seconds

    def collect(self) -> Iterable[Metric]:
        requests = CounterMetricFamily(
            "http_requests", "HTTP requests by route and status", labels=["route", "method", "status"]
        )
        for (route, method, status), count in self._requests.items():
            requests.add_metric([route, method, str(status)], count)
        latency = HistogramMetricFamily(
            "http_request_duration_seconds", "HTTP request latency by route", labels=["route", "method"]
        )
        for (route, method), histogram in self._latency.items():
            cumulative = list(itertools.accumulate(histogram[:-1]))
            bounds = [*(str(bound) for bound in LATENCY_BUCKETS), "+Inf"]
            latency.add_metric(
                [route, method], buckets=list(zip(bounds, cumulative, strict=True)), sum_value=histogram[-1]
            )
        return [requests, latency]


HTTP_METRICS = web.AppKey("http_metrics", HttpMetrics)
# The loopback listener of /metrics; absent when METRICS_PORT is 0 or its port could not be opened.
METRICS_RUNNER = web.AppKey("metrics_runner", web.AppRunner)


def _route(request: web.Request) -> str:
    route = request.match_info.route
    resource = route.resource if route is not None else None
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def observe_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Tag the request (and its log lines) with an id, and count and time it."""
    incoming = request.headers.get("X-Request-Id", "")
    token = REQUEST_ID.set(incoming if incoming and _SAFE_ID.match(incoming) else f"{_ID_PREFIX}{next(_ids):x}")
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        if not response.prepared:
            response.headers["X-Request-Id"] = REQUEST_ID.get()
        return response
    except web.HTTPException as error:
        status = error.status
        raise
    finally:
        route = _route(request)
        if route != "/metrics":
            request.app[HTTP_METRICS].record(route, request.method, status, time.perf_counter() - started)
        REQUEST_ID.reset(token)


class _Snapshot(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return self._families


async def _business(pool: asyncpg.Pool) -> list[Metric]:
    async with pool.acquire() as conn:
        orders = await conn.fetch(
            "SELECT m.slug, count(o.id) AS n FROM marketplaces m LEFT JOIN orders o ON o.marketplace_id = m.id"
            " GROUP BY m.slug"
        )
        syncs = await conn.fetch(
            "SELECT m.slug, s.direction, s.sync_type, s.status, count(*) AS n FROM sync_logs s"
            " JOIN marketplaces m ON m.id = s.marketplace_id GROUP BY 1, 2, 3, 4"
        )
        lag = await conn.fetch(
            """
            SELECT m.slug, count(mp.id) FILTER (WHERE mp.stock_version > mp.pushed_version) AS due,
                   COALESCE(EXTRACT(EPOCH FROM NOW() - MIN(mp.updated_at)
                            FILTER (WHERE mp.stock_version > mp.pushed_version)), 0) AS lag
              FROM marketplaces m LEFT JOIN marketplace_products mp ON mp.marketplace_id = m.id
             WHERE m.integration_type = 'api' GROUP BY m.slug
            """
        )
        outbox = await conn.fetchrow(
            "SELECT count(*) AS n, COALESCE(EXTRACT(EPOCH FROM NOW() - MIN(created_at)), 0) AS age"
            " FROM notifications WHERE sent_at IS NULL"
        )
        assert outbox is not None  # an aggregate without GROUP BY returns one row
        webhooks = await conn.fetch(
            "SELECT status, count(*) AS n FROM marketplace_webhooks WHERE status <> 'processed' GROUP BY status"
        )
    placed = CounterMetricFamily("amazing_orders", "Orders placed, by channel", labels=["channel"])
    for row in orders:
        placed.add_metric([row["slug"]], row["n"])
    runs = CounterMetricFamily(
        "amazing_sync_runs",
        "Marketplace push and pull runs, by result",
        labels=["marketplace", "direction", "kind", "result"],
    )
    for row in syncs:
        runs.add_metric([row["slug"], row["direction"], row["sync_type"], row["status"]], row["n"])
    due = GaugeMetricFamily("amazing_pushes_due", "Listings waiting for a stock push", labels=["marketplace"])
    behind = GaugeMetricFamily(
        "amazing_sync_lag_seconds", "Age of the oldest stock change not yet pushed", labels=["marketplace"]
    )
    for row in lag:
        due.add_metric([row["slug"]], row["due"])
        behind.add_metric([row["slug"]], float(row["lag"]))
    backlog = GaugeMetricFamily("amazing_outbox_backlog", "Alerts not yet delivered to Telegram")
    backlog.add_metric([], outbox["n"])
    oldest = GaugeMetricFamily("amazing_outbox_oldest_seconds", "Age of the oldest undelivered alert")
    oldest.add_metric([], float(outbox["age"]))
    pending = GaugeMetricFamily("amazing_webhook_backlog", "Webhook events not processed, by status", labels=["status"])
    for status in ("pending", "retry", "failed"):
        pending.add_metric([status], next((row["n"] for row in webhooks if row["status"] == status), 0))
    return [placed, runs, due, behind, backlog, oldest, pending]


async def _scrape(app: web.Application) -> web.Response:
    body = generate_latest(app[HTTP_METRICS].registry)
    database_up = GaugeMetricFamily("amazing_database_up", "Whether PostgreSQL answered this scrape")
    families: list[Metric] = []
    try:
        async with asyncio.timeout(5):
            families = await _business(app[POOL])
        database_up.add_metric([], 1)
    except Exception:
        database_up.add_metric([], 0)
    snapshot = CollectorRegistry()
    snapshot.register(_Snapshot([database_up, *families]))
    return web.Response(body=body + generate_latest(snapshot), headers={"Content-Type": CONTENT_TYPE})


async def public_metrics(request: web.Request) -> web.Response:
    """/metrics on the public port: not found, as if it were not there, unless METRICS_TOKEN is set and the
    scrape carries it; the token is compared in constant time."""
    token = request.app[SETTINGS].metrics_token
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if (
        token is None
        or scheme.lower() != "bearer"
        or not hmac.compare_digest(given.strip().encode(), token.get_secret_value().encode())
    ):
        raise web.HTTPNotFound()
    return await _scrape(request.app)


async def _loopback_metrics(app: web.Application) -> AsyncIterator[None]:
    """/metrics on 127.0.0.1:METRICS_PORT, where only this machine reaches it. A port already taken (another
    replica on this machine) leaves it off with a warning: metrics are never a reason for the store not to start."""
    port = app[SETTINGS].metrics_port
    runner: web.AppRunner | None = None
    if port:
        scraper = web.Application()

        async def metrics(request: web.Request) -> web.Response:
            return await _scrape(app)

        scraper.router.add_get("/metrics", metrics)
        runner = web.AppRunner(scraper, handle_signals=False, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, METRICS_HOST, port).start()
            log.info("metrics: http://%s:%s/metrics", METRICS_HOST, port)
        except OSError as error:
            log.warning(
                "metrics: port %s on %s cannot be opened (%s); /metrics is not served there",
                port,
                METRICS_HOST,
                error.strerror,
            )
            await runner.cleanup()
            runner = None
    if runner is not None:
        app[METRICS_RUNNER] = runner
    yield
    if runner is not None:
        await runner.cleanup()


def setup(app: web.Application) -> None:
    app[HTTP_METRICS] = HttpMetrics()
    app.router.add_get("/metrics", public_metrics)
    app.cleanup_ctx.append(_loopback_metrics)
