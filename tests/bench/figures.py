"""Hands a benchmark's headline figures to `tests/bench/report.py` (which runs every script and prints one
table): when BENCH_FIGURES is set, each figure is appended to that file as one JSON line."""

from __future__ import annotations

import json
import os


def emit(**figures: float) -> None:
    path = os.environ.get("BENCH_FIGURES")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            for name, value in figures.items():
                out.write(json.dumps({"name": name, "value": value}) + "\n")
