"""A 10,000-row .xlsx catalogue imported as a seller's file: read and checked (the dry run), then written in one
transaction (new products with opening stock, 20 categories made along their paths); then a second file of the
same SKUs with new prices and counts: every row an update, every count a stock take.
Seconds, rows/s, and the process's peak memory.

Run: .venv/bin/python -m tests.bench.bench_import [--rows 10000]
Uses DATABASE_URL/REDIS_URL when set (a scratch database beside it), else embedded servers in a temporary folder.
The file is made in a child process, so the peak memory measured here is the import's own (plus the interpreter).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import openpyxl

from core import catalog_import
from core.db import create_pool
from core.embedded import embedded_postgres, embedded_redis
from core.migrations import migrate
from core.redis_client import create_redis
from core.unit_of_work import Effects
from tests.bench.figures import emit
from tests.databases import drop_database, recreate_database

BENCH_DATABASE = "amazing_store_bench_import"
CATEGORIES = [f"Bo'lim {top}/Turkum {sub}" for top in range(1, 5) for sub in range(1, 6)]


def make_file(path: Path, rows: int, revision: int) -> None:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(list(catalog_import.COLUMNS))
    for n in range(1, rows + 1):
        price = 10_000 + n * 100 + revision * 500
        sheet.append(
            [
                f"SKU-{n:06d}",
                f"478{n:010d}",
                f"Mahsulot {n} ko'k rangli",
                f"Товар {n} синий",
                CATEGORIES[n % len(CATEGORIES)],
                price,
                price - 1_000 if n % 3 == 0 else None,
                price * 0.7,
                (n + revision * 7) % 50,
                3,
                f"Mahsulot {n} tavsifi",
                f"Описание товара {n}",
                None,
            ]
        )
    book.save(path)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


async def run(url: str, redis_url: str, paths: list[Path]) -> dict[str, float]:
    pool = await create_pool(url, min_size=1, max_size=2)
    redis = create_redis(redis_url)
    effects = Effects(redis)
    figures: dict[str, float] = {}
    try:
        async with pool.acquire() as conn:
            await migrate(conn)
            for label, path in zip(("new", "update"), paths, strict=True):
                content = await asyncio.to_thread(path.read_bytes)
                started = time.perf_counter()
                file = catalog_import.parse(content, path.name)
                plan = await catalog_import.check(conn, file)
                checked = time.perf_counter()
                assert plan.ok, plan.problems[:3]
                async with effects.transaction(conn) as uow:
                    await catalog_import.run(uow, file, actor_id=None, low_stock_threshold=5)
                done = time.perf_counter()
                figures[f"import_{label}_dry_run_s"] = checked - started
                figures[f"import_{label}_s"] = done - started
                print(
                    f"{label:>6}: {len(file.rows)} rows (dry run {checked - started:.1f} s), imported in"
                    f" {done - started:.1f} s = {len(file.rows) / (done - started):.0f} rows/s"
                )
            count = await conn.fetchval("SELECT count(*) FROM products")
            assert count == len(file.rows), count
    finally:
        await redis.aclose()
        await pool.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder, ExitStack() as stack:
        workdir = Path(folder)
        paths = [workdir / "katalog.xlsx", workdir / "katalog-2.xlsx"]
        for revision, path in enumerate(paths):
            maker = multiprocessing.get_context("spawn").Process(target=make_file, args=(path, args.rows, revision))
            maker.start()
            maker.join()
        print(f"files: {args.rows} rows, {paths[0].stat().st_size / 2**20:.1f} MiB each", file=sys.stderr)
        server = os.environ.get("DATABASE_URL") or stack.enter_context(embedded_postgres(workdir / "pg"))
        redis_url = os.environ.get("REDIS_URL") or stack.enter_context(embedded_redis(workdir / "redis"))
        url = asyncio.run(recreate_database(server, BENCH_DATABASE))
        try:
            before = peak_mib()
            figures = asyncio.run(run(url, redis_url, paths))
            peak = peak_mib()
        finally:
            asyncio.run(drop_database(server, BENCH_DATABASE))
    print(f"peak memory: {peak:.0f} MiB (before the import {before:.0f} MiB)")
    emit(
        import_rows=args.rows,
        import_new_s=figures["import_new_s"],
        import_update_s=figures["import_update_s"],
        import_peak_mib=peak,
    )


if __name__ == "__main__":
    main()
