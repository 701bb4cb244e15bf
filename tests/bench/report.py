"""`make bench`: runs every benchmark script and prints one table of the headline figures next to the goals.

Run: .venv/bin/python -m tests.bench.report   (each script's own output goes to tests' temp log, shown on failure)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCRIPTS = (
    "bench_start",
    "bench_orders",
    "bench_push",
    "bench_webhooks",
    "bench_catalog",
    "bench_import",
    "bench_media",
    "bench_report",
    "bench_phone",
    "bench_slow_headers",
    "bench_webhook_replay",
)


def run_all(figures_file: Path) -> dict[str, float]:
    for script in SCRIPTS:
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", f"tests.bench.{script}"],
            capture_output=True,
            text=True,
            env={**os.environ, "BENCH_FIGURES": str(figures_file)},
            check=False,
        )
        print(
            f"  {script}: {'done' if result.returncode == 0 else 'FAILED'} in {time.monotonic() - started:.0f} s",
            file=sys.stderr,
        )
        if result.returncode != 0:
            print(result.stdout[-2000:], result.stderr[-4000:], file=sys.stderr)
    figures: dict[str, float] = {}
    for line in figures_file.read_text().splitlines():
        entry = json.loads(line)
        figures[entry["name"]] = entry["value"]
    return figures


def _row(name: str, value: str, goal: str, met: bool | None) -> str:
    verdict = "" if met is None else ("ok" if met else "SHORT")
    return f"  {name:44} {value:>22}   {goal:>16}   {verdict}"


def table(f: dict[str, float]) -> list[str]:
    def get(key: str) -> float | None:
        return f.get(key)

    rows = [f"  {'figure':44} {'measured':>22}   {'goal':>16}   "]
    if get("catalog_rps") and get("hello_rps"):
        ratio = f["catalog_rps"] / f["hello_rps"]
        rows.append(
            _row(
                "catalog GET /api/products vs hello-world",
                f"{f['catalog_rps']:.0f}/{f['hello_rps']:.0f} = {ratio:.2f}x",
                ">= 0.5x",
                ratio >= 0.5,
            )
        )
    if get("search_p95_ms") is not None:
        rows.append(
            _row(
                "search p95 at 100k products (HTTP)",
                f"{f['search_p95_ms']:.0f} ms",
                "<= 30 ms",
                f["search_p95_ms"] <= 30,
            )
        )
    if get("orders_per_s") and get("pgbench_tps"):
        ratio = f["orders_per_s"] / f["pgbench_tps"]
        rows.append(
            _row(
                "order placements/s vs pgbench (same SQL)",
                f"{f['orders_per_s']:.0f}/{f['pgbench_tps']:.0f} = {ratio:.2f}x",
                ">= 0.6x",
                ratio >= 0.6,
            )
        )
    if get("propagation_p99_ms") is not None:
        rows.append(
            _row(
                "sale -> every marketplace, p50 / p99",
                f"{f['propagation_p50_ms']:.0f} / {f['propagation_p99_ms']:.0f} ms",
                "p99 <= 1000 ms",
                f["propagation_p99_ms"] <= 1000,
            )
        )
    for slug in ("wildberries", "ozon", "uzum"):
        if get(f"calls_{slug}") is not None:
            used, minimum = f[f"calls_{slug}"], f[f"calls_min_{slug}"]
            rows.append(
                _row(f"API calls, 2,500 SKUs, {slug}", f"{used:.0f} (min {minimum:.0f})", "= minimum", used == minimum)
            )
    if get("webhook_ingest_per_s") is not None:
        rows.append(
            _row("webhook ingest", f"{f['webhook_ingest_per_s']:.0f}/s", ">= 1000/s", f["webhook_ingest_per_s"] >= 1000)
        )
        rows.append(
            _row("webhook ack p99", f"{f['webhook_ack_p99_ms']:.0f} ms", "<= 50 ms", f["webhook_ack_p99_ms"] <= 50)
        )
    if get("thumb_p95_ms") is not None:
        rows.append(
            _row(
                f"warm thumbnail p95, alone / {f['thumb_busy_connections']:.0f} at once",
                f"{f['thumb_p95_ms']:.1f} / {f['thumb_p95_busy_ms']:.1f} ms",
                "<= 10 ms alone",
                f["thumb_p95_ms"] <= 10,
            )
        )
    if get("rss_mib") is not None:
        rows.append(
            _row("process RSS at 100k products", f"{f['rss_mib']:.0f} MiB", "<= 200 MB", f["rss_mib"] * 1.048576 <= 200)
        )
    if get("import_new_s") is not None:
        rows_in_file = f["import_rows"]
        for label, key in (("new", "import_new_s"), ("updates", "import_update_s")):
            rows.append(
                _row(
                    f"{rows_in_file:,.0f}-row xlsx import, {label}",
                    f"{f[key]:.1f} s = {rows_in_file / f[key]:.0f} rows/s",
                    "-",
                    None,
                )
            )
        rows.append(_row("import peak memory (process)", f"{f['import_peak_mib']:.0f} MiB", "-", None))
    if get("report_month_p95_ms") is not None:
        lines = f"{f['report_lines']:,.0f}"
        rows.append(
            _row(
                f"/report month p95, {lines} lines",
                f"{f['report_month_p95_ms']:.0f} ms",
                "<= 300 ms",
                f["report_month_p95_ms"] <= 300,
            )
        )
        rows.append(_row(f"/report year p95, {lines} lines", f"{f['report_year_p95_ms']:.0f} ms", "-", None))
        for view in ("channel_days", "products", "sold_at_loss", "cash"):
            value = f[f"view_{view}_p95_ms"]
            rows.append(_row(f"  {view} (month) p95", f"{value:.0f} ms", "<= 300 ms", value <= 300))
    if get("phone_first_card_s") is not None:
        rows.append(
            _row(
                "phone: first product card (slow CPU, net, tg)",
                f"{f['phone_first_card_s']:.2f} s",
                "<= 1.5 s",
                f["phone_first_card_s"] <= 1.5,
            )
        )
        rows.append(
            _row("phone: bytes of the first screen", f"{f['phone_transferred_bytes'] / 1000:.0f} kB", "-", None)
        )
        own = f["phone_own_code_gzip_bytes"]
        rows.append(_row("store's own JS + CSS, gzipped", f"{own / 1000:.1f} kB", "<= 60 kB", own <= 60_000))
    if get("slow_headers_max_s") is not None:
        rows.append(
            _row(
                "300 slow-header connections held, median/max",
                f"{f['slow_headers_median_s']:.1f} / {f['slow_headers_max_s']:.1f} s",
                "<= 15 s (setting)",
                f["slow_headers_max_s"] <= 16,  # HTTP_KEEPALIVE_TIMEOUT's default, and the timer's own second
            )
        )
    if get("webhook_replays_stored") is not None:
        bodies = f["webhook_replay_bodies"]
        rows.append(
            _row(
                f"{bodies:.0f} captured webhook bodies replayed: posts / rows",
                f"{f['webhook_replays_sent']:.0f} / {f['webhook_replays_stored']:.0f}",
                "1 row per body",
                f["webhook_replays_stored"] == bodies,
            )
        )
    if get("cold_start_s") is not None:
        rows.append(
            _row("start to /readyz, cold / warm", f"{f['cold_start_s']:.1f} / {f['warm_start_s']:.1f} s", "-", None)
        )
    return rows


def main() -> None:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
        figures = run_all(Path(folder) / "figures.jsonl")
    print(f"benchmark report ({os.cpu_count()} CPUs, {time.monotonic() - started:.0f} s)")
    print("\n".join(table(figures)))


if __name__ == "__main__":
    main()
