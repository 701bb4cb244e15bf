"""`/report month` over 1,000,000 order lines in three currencies: the report's p95 and each view's.

Run: .venv/bin/python -m tests.bench.bench_report [--lines 1000000] [--days 365] [--runs 30]
Uses DATABASE_URL's server when set (a scratch database `amazing_store_bench_report` beside it), else an
embedded PostgreSQL in a temporary folder. The lines are spread over `--days` local days ending today (a shop's
year), so a month's report reads about a twelfth of them; `/report` over the longest period (a year) is timed
too. Before each timed report today's orders are marked changed, as a shop that keeps selling has them: the
report recomputes that day's kept sums (sql/024_profit.sql) and reads the others. The data is written by
generate_series in a few statements; cleans up after itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import asyncpg

from core import analytics, reports
from core.embedded import embedded_postgres
from core.migrations import migrate
from tests.bench.figures import emit
from tests.databases import drop_database, recreate_database

BENCH_DATABASE = "amazing_store_bench_report"
PRODUCTS = 2000

# Channels after the own store (id 1, from the migrations): ids 2..5, each in its currency.
_CHANNELS = """
INSERT INTO marketplaces (name, slug, integration_type, default_commission_rate, order_prefix) VALUES
    ('Uzum', 'uzum', 'api', 10, 'UZ'), ('Wildberries', 'wildberries', 'api', 20, 'WB'),
    ('Ozon', 'ozon', 'api', 15, 'OZ'), ('OLX', 'olx', 'manual', 0, 'OLX')
"""

_PRODUCTS = """
WITH created AS (
    INSERT INTO products (sku, name_uz, price, cost_price)
    SELECT 'BENCH-' || n, 'Mahsulot ' || n, 100000 + n % 900 * 1000, 60000 + n % 900 * 600
      FROM generate_series(1, $1) AS n
    RETURNING id
)
INSERT INTO inventory (product_id) SELECT id FROM created
"""

# Daily rates of the two foreign currencies for every day of the data (RUB about 140 so'm, KZT about 25).
_RATES = """
INSERT INTO exchange_rates (currency, day, rate, source)
SELECT currency, CURRENT_DATE - n, base + (n % 7) * step, 'cbu'
  FROM generate_series(0, $1 + 1) AS n,
       (VALUES ('RUB', 140, 0.5), ('KZT', 25, 0.1)) AS c (currency, base, step)
"""

# Order n is on channel 1 + n % 5 (Ozon sells in KZT, Wildberries in RUB, the rest in so'm), n days ago modulo
# the period, at some second of the day. One in 33 is cancelled; the own store's orders are paid in cash, half
# of them collected.
_ORDERS = """
INSERT INTO orders (order_number, marketplace_id, customer_name, customer_phone, subtotal, total, status,
                    payment_method, cash_collected_at, currency, order_date)
SELECT 'B-' || n, 1 + n % 5, 'Bench', '+998900000000', 0, 0,
       CASE WHEN n % 33 = 0 THEN 'cancelled' ELSE 'delivered' END,
       CASE WHEN n % 5 = 0 THEN 'cash' END,
       CASE WHEN n % 5 = 0 AND n % 2 = 0 THEN NOW() END,
       CASE n % 5 WHEN 2 THEN 'RUB' WHEN 3 THEN 'KZT' ELSE 'UZS' END,
       NOW() - (n % $2) * INTERVAL '1 day' - (n::bigint * 7919 % 86400) * INTERVAL '1 second'
  FROM generate_series(1, $1) AS n
"""

# The first $1 orders have two lines, the others one; a foreign order's price is our price at about its rate.
_LINES = """
INSERT INTO order_items (order_id, product_id, product_name, product_sku, price, cost_price, quantity, subtotal,
                         commission_rate, commission, profit)
SELECT o.id, p.id, p.name_uz, p.sku, priced.amount, p.cost_price, 1, priced.amount, 0, 0, 0
  FROM orders o
 CROSS JOIN generate_series(1, CASE WHEN o.id <= $1 THEN 2 ELSE 1 END) AS line
  JOIN products p ON p.id = 1 + (o.id * 7 + line * 13) % $2
 CROSS JOIN LATERAL (
       SELECT ROUND(p.price / CASE o.currency WHEN 'RUB' THEN 140 WHEN 'KZT' THEN 25 ELSE 1 END, 2) AS amount
 ) AS priced
"""

_TOTALS = """
UPDATE orders o SET subtotal = t.total, total = t.total
  FROM (SELECT order_id, SUM(subtotal) AS total FROM order_items GROUP BY order_id) AS t
 WHERE t.order_id = o.id
"""

# The marketplaces' orders: commission (actual for one in ten, with its logistics), every order packaging.
_FEES = """
INSERT INTO order_fees (order_id, kind, amount, currency, basis)
SELECT id, 'commission', ROUND(total * 0.15, 2), currency, CASE WHEN id % 10 = 0 THEN 'actual' ELSE 'estimated' END
  FROM orders WHERE marketplace_id IN (2, 3, 4)
UNION ALL
SELECT id, 'logistics', ROUND(total * 0.05, 2), currency, 'actual' FROM orders
 WHERE marketplace_id IN (2, 3, 4) AND id % 10 = 0
UNION ALL
SELECT id, 'packaging', 3000, 'UZS', 'seller' FROM orders
"""

_DAY_COSTS = """
INSERT INTO day_costs (marketplace_id, day, kind, amount, currency, source_key)
SELECT channel, CURRENT_DATE - n, 'storage', 50000 + n * 10,
       CASE channel WHEN 3 THEN 'RUB' WHEN 4 THEN 'KZT' ELSE 'UZS' END, channel || '-' || n
  FROM generate_series(0, $1) AS n, generate_series(2, 4) AS channel
"""


async def prepare(url: str, lines: int, days: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
        orders = lines * 13 // 20  # 35 % of orders have two lines: 0.65 N orders make N lines
        await conn.execute(_CHANNELS)
        await conn.execute(_PRODUCTS, PRODUCTS)
        await conn.execute(_RATES, days)
        await conn.execute(_ORDERS, orders, days)
        await conn.execute(_LINES, lines - orders, PRODUCTS)
        await conn.execute(_TOTALS)
        await conn.execute(_FEES)
        await conn.execute(_DAY_COSTS, days)
        await analytics.refresh(conn)  # the kept daily sums, as the first report after the migration fills them
        await conn.execute("VACUUM ANALYZE")  # statistics and visibility, as a live database has them
    finally:
        await conn.close()


async def p95(
    call: Callable[[], Awaitable[object]], runs: int, before: Callable[[], Awaitable[object]] | None = None
) -> float:
    """The 95th percentile of `runs` timed calls after one warm-up, in ms; `before` runs untimed before each."""
    await call()
    timings = []
    for _ in range(runs):
        if before is not None:
            await before()
        started = time.perf_counter()
        await call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.quantiles(timings, n=20)[-1]


async def measure(url: str, runs: int) -> dict[str, float]:
    conn = await asyncpg.connect(url)
    try:
        count = await conn.fetchval("SELECT count(*) FROM sales_lines")
        print(f"  {count} lines sold (not cancelled), {await conn.fetchval('SELECT count(*) FROM order_fees')} fees")
        month = reports.named("month", reports.local_today())
        year = reports.between(month.last - timedelta(days=reports.MAX_DAYS - 1), month.last)
        first, last = month.first, month.last
        sold = await analytics.products(conn, first, last)

        async def sale_today() -> None:  # as any write to today's orders does: the report recomputes today
            await conn.execute("INSERT INTO profit_dirty_days (day) VALUES ($1)", month.last)

        figures = {
            "report_month_p95_ms": await p95(lambda: reports.build(conn, month), runs, sale_today),
            "report_year_p95_ms": await p95(lambda: reports.build(conn, year), max(5, runs // 6)),
            "view_channel_days_p95_ms": await p95(lambda: analytics.daily_by_channel(conn, first, last), runs),
            "view_products_p95_ms": await p95(lambda: analytics.products(conn, first, last), runs),
            "view_sold_at_loss_p95_ms": await p95(lambda: analytics.sold_at_loss(conn, first, last, sold), runs),
            "view_cash_p95_ms": await p95(lambda: analytics.cash(conn, first, last), runs),
        }
        report = await reports.build(conn, month)
        print(f"  month: {report.total.orders} orders, revenue {report.total.revenue}, profit {report.total.profit}")
        return figures
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-report-")))
        server = os.environ.get("DATABASE_URL") or stack.enter_context(embedded_postgres(workdir / "pg"))
        url = asyncio.run(recreate_database(server, BENCH_DATABASE))
        try:
            started = time.monotonic()
            asyncio.run(prepare(url, args.lines, args.days))
            print(f"{args.lines} order lines over {args.days} days built in {time.monotonic() - started:.0f} s")
            figures = asyncio.run(measure(url, args.runs))
        finally:
            asyncio.run(drop_database(server, BENCH_DATABASE))
    for name, value in figures.items():
        print(f"  {name:28} {value:8.1f}")
    emit(**figures, report_lines=float(args.lines))


if __name__ == "__main__":
    main()
