"""Catalog reads at 100,000 products: GET /api/products throughput next to an aiohttp hello-world, search
latency through the API and through core.storefront.list_products, and the app's memory.

Run: .venv/bin/python -m tests.bench.bench_catalog [--products 100000] [--connections 32] [--seconds 10]
     [--search-only]   (times the searches alone, without the throughput test)

The load tool is wrk (install it with `apt-get install -y wrk`); without it, or with --tool python, a small
aiohttp-client load generator runs in its own process instead. Either way both servers get the same tool.
The app runs as `python -m amazing_store run` in its own process (demo mode: no BOT_TOKEN, so no bot and no
Telegram); its login comes from its own /app/dev page, which signs the demo user's init data with the
process's demo token (webapp.initdata.sign_init_data). The hello-world runs in another process, served by
web.run_app like the app.
PostgreSQL: DATABASE_URL's server when set (a scratch database `amazing_store_catalog_bench` beside it),
else an embedded one in a temporary folder. Redis: always an embedded one, so that the bench never touches
the caches of a real store. Everything is stopped and removed at the end, also on failure.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TextIO
from urllib.parse import unquote, urlsplit

import aiohttp
import asyncpg
from redis.asyncio import Redis

from core import storefront
from core.db import create_pool
from core.embedded import embedded_postgres, embedded_redis, free_port
from core.migrations import migrate
from core.unit_of_work import Effects
from tests.bench.figures import emit
from tests.databases import drop_database, recreate_database

BENCH_DATABASE = "amazing_store_catalog_bench"
ROOT = Path(__file__).resolve().parents[2]
SEARCHES_PER_PATH = 200
# Each way of searching (HTTP, SQL) stops early at this many seconds, so a slow search cannot stretch the run.
SEARCH_BUDGET_SECONDS = 40
WARMUP_SECONDS = 2
START_TIMEOUT = 60

# (parent uz, parent ru, category uz, category ru, [(noun uz, noun ru), ...])
CATALOG = [
    ("Elektronika", "Электроника", "Smartfonlar", "Смартфоны", [("smartfon", "смартфон"), ("telefon", "телефон")]),
    ("Elektronika", "Электроника", "Noutbuklar", "Ноутбуки", [("noutbuk", "ноутбук"), ("planshet", "планшет")]),
    ("Elektronika", "Электроника", "Televizorlar", "Телевизоры", [("televizor", "телевизор")]),
    ("Elektronika", "Электроника", "Audio", "Аудио", [("quloqchin", "наушники"), ("kolonka", "колонка")]),
    (
        "Maishiy texnika",
        "Бытовая техника",
        "Katta texnika",
        "Крупная техника",
        [("muzlatgich", "холодильник"), ("kir yuvish mashinasi", "стиральная машина"), ("konditsioner", "кондиционер")],
    ),
    (
        "Maishiy texnika",
        "Бытовая техника",
        "Oshxona",
        "Кухня",
        [
            ("choynak", "чайник"),
            ("blender", "блендер"),
            ("mikroto'lqinli pech", "микроволновая печь"),
            ("qozon", "казан"),
        ],
    ),
    (
        "Maishiy texnika",
        "Бытовая техника",
        "Uy uchun",
        "Для дома",
        [("changyutgich", "пылесос"), ("dazmol", "утюг"), ("fen", "фен")],
    ),
    ("Kiyim", "Одежда", "Erkaklar", "Мужская", [("ko'ylak", "рубашка"), ("shim", "брюки"), ("kurtka", "куртка")]),
    ("Kiyim", "Одежда", "Ayollar", "Женская", [("ko'ylak", "платье"), ("yubka", "юбка"), ("sumka", "сумка")]),
    ("Kiyim", "Одежда", "Poyabzal", "Обувь", [("krossovka", "кроссовки"), ("etik", "сапоги")]),
    (
        "Uy va bog'",
        "Дом и сад",
        "Uy tekstili",
        "Домашний текстиль",
        [("gilam", "ковёр"), ("parda", "штора"), ("yostiq", "подушка")],
    ),
    ("Bolalar", "Детям", "O'yinchoqlar", "Игрушки", [("o'yinchoq", "игрушка"), ("konstruktor", "конструктор")]),
    ("Go'zallik", "Красота", "Parfyumeriya", "Парфюмерия", [("atir", "духи"), ("shampun", "шампунь")]),
    ("Sport", "Спорт", "Velosipedlar", "Велосипеды", [("velosiped", "велосипед"), ("samokat", "самокат")]),
]
BRANDS = [
    "Samsung",
    "Artel",
    "Xiaomi",
    "Apple",
    "LG",
    "Philips",
    "Bosch",
    "Tefal",
    "Adidas",
    "Nike",
    "Huawei",
    "Lenovo",
    "Redmi",
    "Sony",
    "Shivaki",
    "Avalon",
    "Hofmann",
    "Roison",
    "Premier",
    "Ideal",
]
COLORS = [
    ("qora", "чёрный"),
    ("oq", "белый"),
    ("qizil", "красный"),
    ("ko'k", "синий"),
    ("yashil", "зелёный"),
    ("kulrang", "серый"),
    ("sariq", "жёлтый"),
    ("jigarrang", "коричневый"),
]

# What customers type, by kind; each is searched in both languages.
SEARCHES = {
    "latin": ["samsung telefon", "changyutgich", "kir yuvish mashinasi", "krossovka nike"],
    "cyrillic": ["холодильник", "наушники sony", "чайник tefal", "телефон"],
    "typo": ["samsnug", "muzlatgch", "holodilnik", "changyutkich"],
    "sku": ["AS-012345", "AS-0777", "4780033592398", "F57"],
}

# Set-based load. Products are created hidden ('out_of_stock') with an empty inventory row and receive their
# stock through core.inventory; for a bench data load the end state is written directly instead: on sale
# (is_active, no inactive_reason), an inventory row with stock, and one opening 'receive' movement per
# product so that the ledger still adds up to the stock.
_PRODUCTS = """
WITH picks AS (
    SELECT n,
           1 + floor(random() * cardinality($1::text[]))::int AS noun,
           1 + floor(random() * cardinality($4::text[]))::int AS brand,
           1 + floor(random() * cardinality($5::text[]))::int AS color,
           (10 + floor(random() * 990))::int AS model,
           (20 + floor(random() * 4980))::numeric * 1000 AS price,
           random() < 0.15 AS on_sale,
           floor(random() ^ 3 * 500)::int AS orders
      FROM generate_series(1, $7::int) AS n
)
INSERT INTO products (sku, barcode, name_uz, name_ru, description_uz, description_ru, category_id, price,
                      sale_price, cost_price, is_active, inactive_reason, order_count, created_at)
SELECT 'AS-' || lpad(n::text, 6, '0'),
       '478' || lpad((n::bigint * 7919 % 10000000000)::text, 10, '0'),
       ($4::text[])[brand] || ' ' || ($1::text[])[noun] || ' ' || chr(65 + model % 26) || model || ' '
           || ($5::text[])[color],
       ($2::text[])[noun] || ' ' || ($4::text[])[brand] || ' ' || chr(65 + model % 26) || model || ', '
           || ($6::text[])[color],
       ($4::text[])[brand] || ' ' || ($1::text[])[noun] || ', rasmiy kafolat 12 oy.',
       ($2::text[])[noun] || ' ' || ($4::text[])[brand] || ', официальная гарантия 12 месяцев.',
       ($3::int[])[noun],
       price,
       CASE WHEN on_sale THEN round(price * 0.85, -3) END,
       round(price * 0.6, -3),
       TRUE, NULL, orders,
       now() - n * interval '1 minute'
  FROM picks
"""
_INVENTORY = """
INSERT INTO inventory (product_id, quantity) SELECT id, 1 + (id * 37) % 150 FROM products;
INSERT INTO inventory_movements (product_id, movement_type, quantity_change, quantity_before, quantity_after,
                                 reference_type, reference_id, notes)
SELECT product_id, 'receive', quantity, 0, quantity, 'product', product_id, 'bench opening stock' FROM inventory;
ANALYZE products;
ANALYZE inventory;
"""

HELLO_WORLD = """
import sys
from aiohttp import web

async def hello(request):
    return web.Response(text="ok")

app = web.Application()
app.router.add_get("/", hello)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""


async def prepare(url: str, products: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
        parents: dict[str, int] = {}
        nouns_uz, nouns_ru, noun_categories = [], [], []
        for parent_uz, parent_ru, name_uz, name_ru, nouns in CATALOG:
            if parent_uz not in parents:
                parents[parent_uz] = await conn.fetchval(
                    "INSERT INTO categories (name_uz, name_ru, sort_order) VALUES ($1, $2, $3) RETURNING id",
                    parent_uz,
                    parent_ru,
                    len(parents),
                )
            category = await conn.fetchval(
                "INSERT INTO categories (name_uz, name_ru, parent_id) VALUES ($1, $2, $3) RETURNING id",
                name_uz,
                name_ru,
                parents[parent_uz],
            )
            for noun_uz, noun_ru in nouns:
                nouns_uz.append(noun_uz)
                nouns_ru.append(noun_ru)
                noun_categories.append(category)
        await conn.execute("SELECT setseed(0.42)")  # the same catalog on every run
        await conn.execute(
            _PRODUCTS,
            nouns_uz,
            nouns_ru,
            noun_categories,
            BRANDS,
            [uz for uz, _ in COLORS],
            [ru for _, ru in COLORS],
            products,
        )
        await conn.execute(_INVENTORY)
    finally:
        await conn.close()


@contextmanager
def process(
    command: list[str],
    log: TextIO,
    cwd: Path,
    env: dict[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """A child process, stopped with SIGTERM (then SIGKILL) however the block ends."""
    child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    try:
        yield child
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def wait_until_serving(url: str, child: subprocess.Popen[bytes], log_path: Path) -> None:
    problem = asyncio.run(_serving(url, child))
    if problem is not None:
        raise RuntimeError(f"{url} {problem}; its log ends:\n{log_path.read_text()[-3000:]}")


async def _serving(url: str, child: subprocess.Popen[bytes]) -> str | None:
    deadline = time.monotonic() + START_TIMEOUT
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if child.poll() is not None:
                return f"exited with {child.returncode}"
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return None
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    return f"did not answer in {START_TIMEOUT} s"


async def demo_login(base: str) -> str:
    """The app's own demo login: /app/dev redirects to the Mini App with signed init data in the fragment."""
    async with aiohttp.ClientSession() as session, session.get(f"{base}/app/dev", allow_redirects=False) as response:
        fragment = urlsplit(response.headers["Location"]).fragment
    init_data = unquote(fragment.removeprefix("tgWebAppData="))
    return f"tma {init_data}"


def wrk_rate(url: str, authorization: str, connections: int, seconds: int) -> tuple[float, str]:
    """Requests per second, and wrk's socket-error line if it had one (a slow answer past --timeout counts)."""
    result = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-H",
            f"Authorization: {authorization}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    rate = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    if rate is None or failed is not None:
        raise RuntimeError(f"wrk on {url} did not get 2xx answers:\n{result.stdout}\n{result.stderr}")
    errors = re.search(r"Socket errors: .*", result.stdout)
    return float(rate.group(1)), errors.group(0) if errors else ""


def _python_load(url: str, authorization: str, connections: int, seconds: int, results: Connection) -> None:
    async def load() -> tuple[int, int, float]:
        done = failed = 0
        headers = {"Authorization": authorization}
        connector = aiohttp.TCPConnector(limit=connections)
        async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
            deadline = time.monotonic() + seconds

            async def worker() -> None:
                nonlocal done, failed
                while time.monotonic() < deadline:
                    async with session.get(url) as response:
                        await response.read()
                        if response.status == 200:
                            done += 1
                        else:
                            failed += 1

            started = time.monotonic()
            await asyncio.gather(*(worker() for _ in range(connections)))
            return done, failed, time.monotonic() - started

    results.send(asyncio.run(load()))


def python_rate(url: str, authorization: str, connections: int, seconds: int) -> tuple[float, str]:
    """The same load from an aiohttp client in its own process (so it shares no event loop with anything)."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    loader = context.Process(target=_python_load, args=(url, authorization, connections, seconds, sender))
    loader.start()
    try:
        if not receiver.poll(seconds + 60):
            raise RuntimeError("the load generator did not report")
        done, failed, elapsed = receiver.recv()
    finally:
        loader.join(5)
        if loader.is_alive():
            loader.kill()
    if failed:
        raise RuntimeError(f"{failed} answers from {url} were not 200")
    return done / elapsed, ""


def rate(tool: str, url: str, authorization: str, connections: int, seconds: int) -> tuple[float, str]:
    measure = wrk_rate if tool == "wrk" else python_rate
    measure(url, authorization, connections, WARMUP_SECONDS)
    return measure(url, authorization, connections, seconds)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    if len(samples) < 2:
        return samples[0] * 1000, samples[0] * 1000
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000


def search_plan(count: int) -> list[tuple[str, str, str]]:
    """(kind, query, language) for `count` searches, cycling through every query in both languages with the
    kinds interleaved, so that a run cut short by the time budget still has every kind."""
    every = [
        (kind, SEARCHES[kind][index], lang)
        for index in range(max(len(queries) for queries in SEARCHES.values()))
        for lang in ("uz", "ru")
        for kind in SEARCHES
        if index < len(SEARCHES[kind])
    ]
    return [every[index % len(every)] for index in range(count)]


async def http_search_times(
    base: str, authorization: str, url: str, redis_url: str, count: int, budget: float
) -> list[tuple[str, float]]:
    """Sequential searches; before each one the catalog is marked changed by a unit of work (as any catalog
    change is), so that the answer comes from the database, not from any cache in front of it."""
    conn = await asyncpg.connect(url)
    redis = Redis.from_url(redis_url)
    effects = Effects(redis)
    times: list[tuple[str, float]] = []
    deadline = time.monotonic() + budget
    try:
        async with aiohttp.ClientSession(headers={"Authorization": authorization}) as session:
            for kind, query, lang in search_plan(count):
                if time.monotonic() > deadline:
                    break
                async with effects.transaction(conn) as uow:
                    uow.catalog_changed()
                started = time.perf_counter()
                async with session.get(f"{base}/api/products", params={"q": query, "lang": lang}) as response:
                    await response.read()
                    elapsed = time.perf_counter() - started
                if response.status != 200:
                    raise RuntimeError(f"search {query!r} answered {response.status}: {await response.text()}")
                times.append((kind, elapsed))
    finally:
        await redis.aclose()
        await conn.close()
    return times


async def sql_search_times(url: str, count: int, budget: float) -> tuple[list[tuple[str, float]], dict[str, str]]:
    """The same searches straight through core.storefront.list_products on one connection."""
    pool = await create_pool(url, min_size=1, max_size=1)
    times: list[tuple[str, float]] = []
    found: dict[str, str] = {}
    deadline = time.monotonic() + budget
    try:
        async with pool.acquire() as conn:
            for kind, query, lang in search_plan(count):
                if time.monotonic() > deadline:
                    break
                wanted = storefront.ProductFilter(lang=lang, query=query)  # type: ignore[arg-type]  # 'uz' or 'ru'
                started = time.perf_counter()
                page = await storefront.list_products(conn, wanted)
                times.append((kind, time.perf_counter() - started))
                found[query] = f"{page.total}+" if page.total_is_estimate else str(page.total)
    finally:
        await pool.close()
    return times, found


def rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    if match is None:
        raise RuntimeError(f"no VmRSS in /proc/{pid}/status")
    return int(match.group(1)) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--searches", type=int, default=SEARCHES_PER_PATH, help="searches per way (HTTP, SQL)")
    parser.add_argument(
        "--search-budget",
        type=float,
        default=SEARCH_BUDGET_SECONDS,
        help="seconds after which each way stops searching",
    )
    parser.add_argument("--search-only", action="store_true", help="time the searches, skip the throughput test")
    args = parser.parse_args()
    tool = args.tool
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "python"
        if tool == "python":
            print("wrk not found (install it with: apt-get install -y wrk); using the Python load generator")
    elif tool == "wrk" and not shutil.which("wrk"):
        sys.exit("wrk not found: install it with `apt-get install -y wrk`, or run with --tool python")

    # A SIGTERM unwinds like Ctrl-C does, so that the servers and the scratch database are still removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-catalog-")))
        server = os.environ.get("DATABASE_URL") or stack.enter_context(embedded_postgres(workdir / "pg"))
        redis_url = stack.enter_context(embedded_redis(workdir / "redis"))
        url = asyncio.run(recreate_database(server, BENCH_DATABASE))
        stack.callback(lambda: asyncio.run(drop_database(server, BENCH_DATABASE)))

        started = time.monotonic()
        asyncio.run(prepare(url, args.products))
        load_seconds = time.monotonic() - started

        app_port, hello_port = free_port(), free_port()
        app_log = stack.enter_context(open(workdir / "app.log", "w"))
        hello_log = stack.enter_context(open(workdir / "hello.log", "w"))
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(app_port),
            "BOT_TOKEN": "",
            "DATA_DIR": str(workdir / "data"),
            "LOG_LEVEL": "WARNING",
            # One customer makes all the load: the per-customer budget (240/min) would answer 429 at once.
            "API_RATE_LIMIT": str(10**9),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        # Started in the temporary folder, so that no .env of a working copy is read by the app.
        app = stack.enter_context(process([sys.executable, "-m", "amazing_store", "run"], app_log, workdir, env))
        hello = stack.enter_context(process([sys.executable, "-c", HELLO_WORLD, str(hello_port)], hello_log, workdir))
        app_base, hello_base = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{hello_port}"
        wait_until_serving(f"{app_base}/healthz", app, workdir / "app.log")
        wait_until_serving(f"{hello_base}/", hello, workdir / "hello.log")

        authorization = asyncio.run(demo_login(app_base))
        products_url = f"{app_base}/api/products"
        throughput = None
        if not args.search_only:
            throughput = (
                rate(tool, products_url, authorization, args.connections, args.seconds),
                rate(tool, f"{hello_base}/", authorization, args.connections, args.seconds),
            )
        http_times = asyncio.run(
            http_search_times(app_base, authorization, url, redis_url, args.searches, args.search_budget)
        )
        # The same searches, as many as the HTTP run got through, straight through core.storefront.
        sql_times, found = asyncio.run(sql_search_times(url, len(http_times), args.search_budget))
        rss = rss_mib(app.pid)

    load = f"load tool {tool}, {args.connections} connections x {args.seconds} s"
    if args.search_only:
        load = "searches only"
    print(f"catalog bench: {args.products:,} products (loaded in {load_seconds:.1f} s), {os.cpu_count()} CPUs, {load}")
    print(f"  {'':50} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8}")
    if throughput is not None:
        (ours, our_errors), (theirs, their_errors) = throughput
        print(f"  {'GET /api/products (page 1, default sort, warm cache)':50} {ours:9.1f}")
        print(f"  {'aiohttp hello world':50} {theirs:9.1f}")
        print(f"  {'ratio products / hello':50} {ours / theirs:9.3f}")
        for name, errors in (("products", our_errors), ("hello world", their_errors)):
            if errors:
                print(f"  ({name}: wrk {errors})")
        emit(catalog_rps=ours, hello_rps=theirs)
    for label, times in (
        (f"search via HTTP, cache missed ({len(http_times)} sequential)", http_times),
        (f"search via storefront.list_products ({len(sql_times)})", sql_times),
    ):
        p50, p95 = _percentiles([elapsed for _, elapsed in times])
        print(f"  {label:50} {'':9} {p50:8.1f} {p95:8.1f}")
        for kind in SEARCHES:
            samples = [elapsed for what, elapsed in times if what == kind]
            if samples:
                p50, p95 = _percentiles(samples)
                print(f"  {f'    {kind} ({len(samples)})':50} {'':9} {p50:8.1f} {p95:8.1f}")
    if len(http_times) < args.searches or len(sql_times) < args.searches:
        print(f"  (searching stopped at the {args.search_budget:.0f} s budget before {args.searches} searches)")
    print(f"  {'app process RSS after the load (VmRSS)':50} {rss:6.1f} MiB")
    print("  matches per query (n+: at least n): " + ", ".join(f"{query!r} {total}" for query, total in found.items()))
    emit(
        search_p95_ms=_percentiles([e for _, e in http_times])[1],
        search_sql_p95_ms=_percentiles([e for _, e in sql_times])[1],
        rss_mib=rss,
    )


if __name__ == "__main__":
    main()
