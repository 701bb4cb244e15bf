"""Fault injection for the sandboxes: fail or delay the next matching requests, or answer 503 to everything."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any


@dataclass
class FaultRule:
    pattern: str
    times: int
    status: int = 0
    headers: Mapping[str, str] | None = None
    body: Any = None
    seconds: float = 0.0


def matches(pattern: str, method: str, paths: Iterable[str]) -> bool:
    """``"*"``, a bare method (``"PUT"``), a path glob (``"/api/v3/stocks/*"``) or both (``"PUT /api/v3/stocks/*"``);
    ``paths`` holds the request path with and without the sandbox's API prefix."""
    pattern = pattern.strip()
    if pattern == "*":
        return True
    verb, _, rest = pattern.partition(" ")
    if rest:
        if verb.upper() != method.upper():
            return False
        pattern = rest.strip()
    elif "/" not in pattern and pattern.isalpha():
        return pattern.upper() == method.upper()
    return any(fnmatchcase(path, pattern) for path in paths)


class FaultInjector:
    def __init__(self) -> None:
        self._fails: list[FaultRule] = []
        self._slows: list[FaultRule] = []
        self.outage = False

    def fail_next(
        self,
        pattern: str,
        status: int,
        times: int = 1,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> None:
        self._fails.append(FaultRule(pattern, times, status=status, headers=headers, body=body))

    def slow_next(self, pattern: str, seconds: float, times: int = 1) -> None:
        self._slows.append(FaultRule(pattern, times, seconds=seconds))

    def clear(self) -> None:
        self._fails.clear()
        self._slows.clear()
        self.outage = False

    def take_fail(self, method: str, paths: Iterable[str]) -> FaultRule | None:
        return self._take(self._fails, method, list(paths))

    def take_slow(self, method: str, paths: Iterable[str]) -> FaultRule | None:
        return self._take(self._slows, method, list(paths))

    @staticmethod
    def _take(rules: list[FaultRule], method: str, paths: list[str]) -> FaultRule | None:
        for rule in rules:
            if matches(rule.pattern, method, paths):
                rule.times -= 1
                if rule.times <= 0:
                    rules.remove(rule)
                return rule
        return None
