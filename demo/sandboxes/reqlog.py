"""The sandboxes' request log: what each call sent (method, path, query, JSON body, headers), with auth secrets
wrapped so that printing or serialising an entry never shows them; a test asks for one with ``reveal()``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


class Secret:
    """A credential seen on the wire; its repr/str are masked, ``reveal()`` gives the raw value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self._value.encode()).hexdigest()[:8]

    def masked(self) -> str:
        # The first characters show the scheme (e.g. a stray "Bearer ") without giving a usable token away.
        head = self._value[:4] if len(self._value) >= 12 else ""
        return f"{head}…({len(self._value)} chars, sha256:{self.fingerprint})"

    def __repr__(self) -> str:
        return f"Secret({self.masked()!r})"

    __str__ = masked


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]
    auth: dict[str, Secret] = field(repr=False)
    at: float
    status: int | None = None

    def auth_value(self, name: str) -> str | None:
        """The raw value of an auth header (explicitly revealed)."""
        for key, secret in self.auth.items():
            if key.lower() == name.lower():
                return secret.reveal()
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "body": self.body,
            "headers": self.headers,
            "auth": {name: secret.masked() for name, secret in self.auth.items()},
            "status": self.status,
            "at": self.at,
        }


def decode_body(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def split_headers(headers: Mapping[str, str], secret_names: Iterable[str]) -> tuple[dict[str, str], dict[str, Secret]]:
    secret_lower = {name.lower() for name in secret_names}
    plain: dict[str, str] = {}
    secret: dict[str, Secret] = {}
    for name, value in headers.items():
        if name.lower() in secret_lower:
            secret[name] = Secret(value)
        else:
            plain[name] = value
    return plain, secret


def query_lists(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for key, value in pairs:
        result.setdefault(key, []).append(value)
    return result
