"""The store on a slow phone: the demo catalogue opened in Chromium at 390 px with the CPU slowed 4x, the network
at 1.6 Mbps down / 150 ms round trip and Telegram's script server answering only after a delay.

Run: .venv/bin/python -m tests.bench.bench_phone [--runs 3] [--telegram-delay 5]
Prints the time from navigation to the first product card on screen (its photo box laid out), the bytes the page
transferred until its first screen settled, and the gzipped size of the store's own JS and CSS. The page is opened
as Telegram opens it: /app/ with the signed init data in the URL fragment (the demo's /app/dev redirect adds a
round trip Telegram does not make).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from core.embedded import free_port
from tests.bench.figures import emit
from webapp.assets import load_assets

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]
CPU_SLOWDOWN = 4
DOWNLOAD_BYTES_PER_S = 1_600_000 / 8  # 1.6 Mbps
UPLOAD_BYTES_PER_S = 750_000 / 8
ROUND_TRIP_MS = 150
GOAL_FIRST_CARD_S = 1.5

# Records when the first product card is in the DOM and has been laid out on screen: the first frame after it.
FIRST_CARD_PROBE = """
new MutationObserver((changes, observer) => {
  const card = document.querySelector('[data-testid="product-card"]');
  if (!card || card.getBoundingClientRect().top >= innerHeight) return;
  observer.disconnect();
  requestAnimationFrame(() => requestAnimationFrame(() => { window.__firstCardMs = performance.now(); }));
}).observe(document, { childList: true, subtree: true });
"""


def own_code_gzipped_bytes() -> int:
    """The store's own JS and CSS as a browser downloads them compressed (the budget of tests/webapp)."""
    return sum(len(asset.gzipped) for asset in load_assets().values())


def start_store(data_dir: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "BOT_TOKEN")}
    env.update(DATA_DIR=str(data_dir), HTTP_PORT=str(port), LOG_LEVEL="WARNING")
    subprocess.run([sys.executable, "-m", "amazing_store", "seed-demo", "--if-empty"], env=env, check=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "amazing_store", "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as answer:
                if answer.status == 200:
                    return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the store did not become ready within 120 s")


def telegram_url(port: int) -> str:
    """The address Telegram opens: /app/ with the init data in the fragment (the /app/dev redirect's target)."""
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(f"http://127.0.0.1:{port}/app/dev", timeout=5)
    except urllib.error.HTTPError as redirect:
        return f"http://127.0.0.1:{port}{redirect.headers['Location']}"
    raise RuntimeError("/app/dev did not redirect")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None


async def one_visit(browser: Any, address: str, telegram_delay_s: float) -> tuple[float, int]:
    context = await browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True)
    page = await context.new_page()

    async def slow_telegram(route: Any) -> None:
        await asyncio.sleep(telegram_delay_s)
        # An empty script: what arrives does not matter here, only that it arrives late.
        await route.fulfill(status=200, content_type="application/javascript", body="")

    await page.route("https://telegram.org/**", slow_telegram)
    await page.add_init_script(FIRST_CARD_PROBE)
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    await cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    await cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": ROUND_TRIP_MS,
            "downloadThroughput": DOWNLOAD_BYTES_PER_S,
            "uploadThroughput": UPLOAD_BYTES_PER_S,
        },
    )
    transferred = 0

    def finished(event: dict[str, Any]) -> None:
        nonlocal transferred
        transferred += int(event.get("encodedDataLength", 0))

    cdp.on("Network.loadingFinished", finished)
    await page.goto(address, wait_until="commit")
    await page.wait_for_function("window.__firstCardMs !== undefined", timeout=60_000, polling=50)
    first_card_ms: float = await page.evaluate("window.__firstCardMs")
    # The first screen's photos: settled when the network has been quiet for a second (the slow Telegram script
    # and the live stock stream aside, which route and CDP count apart).
    await page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="product-card"] img')]
                   .filter((img) => img.getBoundingClientRect().top < innerHeight)
                   .every((img) => img.complete)""",
        timeout=60_000,
        polling=100,
    )
    await page.wait_for_timeout(1000)
    await context.close()
    return first_card_ms / 1000, transferred


async def measure(address: str, runs: int, telegram_delay_s: float) -> list[tuple[float, int]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            return [await one_visit(browser, address, telegram_delay_s) for _ in range(runs)]
        finally:
            await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--telegram-delay", type=float, default=5.0, help="seconds telegram.org takes to answer")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-phone-") as folder:
        process, port = start_store(Path(folder) / "data")
        try:
            visits = asyncio.run(measure(telegram_url(port), args.runs, args.telegram_delay))
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
    first_card = statistics.median(seconds for seconds, _ in visits)
    transferred = statistics.median(size for _, size in visits)
    own_code = own_code_gzipped_bytes()
    # The throttling multiplies whatever else the machine runs: the load says how far from an idle one it was.
    load = os.getloadavg()[0]
    print(
        f"demo store at 390 px (3x), CPU {CPU_SLOWDOWN}x slower, {DOWNLOAD_BYTES_PER_S * 8 / 1e6:.1f} Mbps / "
        f"{ROUND_TRIP_MS} ms, telegram.org answering after {args.telegram_delay:.0f} s; median of {args.runs}; "
        f"load average {load:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"  first product card on screen   {first_card:6.2f} s   (goal <= {GOAL_FIRST_CARD_S} s)")
    print(f"  bytes transferred, first screen {transferred / 1000:6.0f} kB")
    print(f"  own JS + CSS, gzipped          {own_code / 1000:6.1f} kB   (budget 60 kB)")
    emit(phone_first_card_s=first_card, phone_transferred_bytes=transferred, phone_own_code_gzip_bytes=own_code)


if __name__ == "__main__":
    main()
