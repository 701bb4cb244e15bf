"""Chromium for the browser tests: one way to start it. Debian's Chromium (Playwright's own browser download does
not work here); `.ci/run` installs it, and a machine without it fails the browser tests with this hint rather than
skipping them, so no behaviour goes unchecked unnoticed."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from playwright.async_api import async_playwright

CHROMIUM = "/usr/bin/chromium"
# The flags this machine needs: no sandbox as root, and no background traffic to a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@asynccontextmanager
async def launched() -> AsyncIterator[Any]:
    """A started Chromium, closed on leaving."""
    if shutil.which(CHROMIUM) is None:
        raise RuntimeError(f"Chromium is not at {CHROMIUM}: `apt-get install chromium` to run the browser tests")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()
