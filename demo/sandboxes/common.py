"""What every marketplace sandbox shares: the local server runner with its request pipeline (log, outage, faults,
auth, rate limit) and the ``/_sandbox/`` control routes, plus small helpers for time, cursors and order lines."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import fields
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, ClassVar, Self, TypeVar

from aiohttp import web

from demo.sandboxes.faults import FaultInjector, FaultRule, matches
from demo.sandboxes.ratelimit import SlidingWindow, TokenBucket, whole_seconds
from demo.sandboxes.reqlog import LoggedRequest, Secret, decode_body, query_lists, split_headers

__all__ = [
    "CONTROL_PREFIX",
    "FaultInjector",
    "LoggedRequest",
    "SandboxError",
    "SandboxServer",
    "Secret",
    "SlidingWindow",
    "TokenBucket",
    "decode_cursor",
    "encode_cursor",
    "epoch_ms",
    "from_fields",
    "parse_lines",
    "read_json",
    "reason_phrase",
    "rfc3339",
    "snake_case",
    "utc_now",
    "whole_seconds",
]

CONTROL_PREFIX = "/_sandbox/"
T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class SandboxError(ValueError):
    """A control call the simulated platform would not allow (e.g. ordering more than is in stock)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def rfc3339(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def epoch_ms(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    """Offset behind an opaque cursor ("" or None = start); ValueError when it is not one of ours."""
    if not cursor:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(cursor.encode()))["offset"]
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise ValueError("invalid cursor") from exc
    if not isinstance(offset, int) or offset < 0:
        raise ValueError("invalid cursor")
    return offset


def from_fields(cls: type[T], data: Mapping[str, Any], aliases: Mapping[str, str] | None = None) -> T:
    """Build a dataclass from wire-style (camelCase) or snake_case keys; unknown keys are an error."""
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = snake_case(key)
        name = (aliases or {}).get(name, name)
        if name not in names:
            raise ValueError(f"{cls.__name__}: unknown field {key!r}")
        values[name] = value
    return cls(**values)


def snake_case(name: str) -> str:
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


async def read_json(request: web.Request) -> Any:
    """The request's JSON body, or None when it is missing or not JSON (callers then refuse non-objects)."""
    raw = await request.read()
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def parse_lines(items: Any) -> list[tuple[Any, int]]:
    """Order lines given as ``{key: qty}``, ``[(key, qty)]`` or ``[{"key": ..., "quantity": ...}]``."""
    if isinstance(items, Mapping):
        pairs: Iterable[Any] = items.items()
    elif isinstance(items, list | tuple):
        pairs = items
    else:
        raise ValueError("items must be a mapping or a list")
    lines: list[tuple[Any, int]] = []
    for pair in pairs:
        if isinstance(pair, Mapping):
            key, quantity = pair.get("key"), pair.get("quantity", 1)
        else:
            key, quantity = pair
        if key is None or isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise ValueError(f"bad order line {pair!r}")
        lines.append((key, quantity))
    if not lines:
        raise ValueError("an order needs at least one line")
    return lines


class SandboxServer(ABC):
    """An aiohttp app on 127.0.0.1 (free port) with the shared request pipeline and control routes.

    Subclasses add the platform's routes and override the hooks (auth, rate limit, error body) and the
    control methods. ``base_url`` is what an adapter is configured with (includes the API prefix).
    """

    api_prefix: ClassVar[str] = ""
    secret_headers: ClassVar[tuple[str, ...]] = ("Authorization", "Api-Key", "Cookie")

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self._wanted_port = port
        self._port: int | None = None
        self.requests: list[LoggedRequest] = []
        self.faults = FaultInjector()
        self.app = web.Application(middlewares=[self._pipeline])
        self._add_control_routes()
        self.add_routes(self.app.router)
        self._runner: web.AppRunner | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("sandbox not started")
        return self._port

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return self.root_url + self.api_prefix

    async def start(self) -> Self:
        # Stopping must not wait a minute for a client that keeps its connection open.
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._wanted_port)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        await self.on_stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- fault injection -------------------------------------------------------------------------------------
    def fail_next(
        self,
        path_or_method: str,
        status: int,
        times: int = 1,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` (the platform's error body unless given)."""
        self.faults.fail_next(path_or_method, status, times, headers, body)

    def slow_next(self, path: str, seconds: float, times: int = 1) -> None:
        self.faults.slow_next(path, seconds, times)

    def outage(self, on: bool = True) -> None:
        """While on, every API request gets 503 (control routes keep working)."""
        self.faults.outage = on

    def requests_to(self, pattern: str) -> list[LoggedRequest]:
        """Logged requests matching a fault-style pattern (``"PUT /api/v3/stocks/*"``)."""
        return [r for r in self.requests if matches(pattern, r.method, self._match_paths(r.path))]

    # -- hooks for the platforms -----------------------------------------------------------------------------
    @abstractmethod
    def add_routes(self, router: web.UrlDispatcher) -> None:
        """The platform's API routes."""

    def add_control_routes(self, router: web.UrlDispatcher) -> None:  # noqa: B027 - an optional hook
        """Platform-specific ``/_sandbox/`` routes."""

    def check_auth(self, request: web.Request) -> web.StreamResponse | None:
        return None

    def admit(self, request: web.Request) -> web.StreamResponse | None:
        """Rate limiting before the handler runs; a response here refuses the request."""
        return None

    def finish(self, request: web.Request, response: web.StreamResponse) -> None:  # noqa: B027 - optional hook
        """After the handler: rate headers, charging errors."""

    def error_response(self, status: int, message: str) -> web.StreamResponse:
        return web.json_response({"message": message}, status=status)

    async def on_stop(self) -> None:  # noqa: B027 - an optional hook
        """Before the server stops (the Ozon push emitter closes its client)."""

    # -- control methods, one set per platform ----------------------------------------------------------------
    @abstractmethod
    def load_catalog(self, items: Iterable[Mapping[str, Any]], *, replace: bool = False) -> int:
        """The seller's items with the platform's keys."""

    @abstractmethod
    def stock_of(self, key: Any, warehouse_id: int | None = None) -> int:
        """The platform's stock of one item."""

    @abstractmethod
    def stock_snapshot(self) -> list[dict[str, Any]]:
        """Every item's stock."""

    # The control routes call these with a JSON body's fields; each platform has its own arguments (an Uzum
    # scheme, an Ozon warehouse), so no common signature narrower than this one holds.
    @abstractmethod
    def buyer_orders(self, *args: Any, **options: Any) -> Any:
        """A buyer orders; the platform's stock drops the way the real one's does."""

    @abstractmethod
    def buyer_cancels(self, *args: Any, **options: Any) -> Any:
        """A buyer cancels an order."""

    @abstractmethod
    def set_order_status(self, *args: Any, **options: Any) -> Any:
        """Move an order along the platform's statuses."""

    def reset(self) -> None:
        self.requests.clear()
        self.faults.clear()

    # -- pipeline --------------------------------------------------------------------------------------------
    def _match_paths(self, path: str) -> list[str]:
        paths = [path]
        if self.api_prefix and path.startswith(self.api_prefix):
            paths.append(path[len(self.api_prefix) :] or "/")
        return paths

    @web.middleware
    async def _pipeline(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        raw = await request.read()
        plain, secret = split_headers(request.headers, self.secret_headers)
        entry = LoggedRequest(
            method=request.method,
            path=request.path,
            query=query_lists(request.query.items()),
            body=decode_body(raw),
            headers=plain,
            auth=secret,
            at=time.time(),
        )
        self.requests.append(entry)
        response = await self._serve(request, handler)
        entry.status = response.status
        return response

    async def _serve(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        paths = self._match_paths(request.path)
        if self.faults.outage:
            return self.error_response(503, reason_phrase(503))
        slow = self.faults.take_slow(request.method, paths)
        if slow is not None:
            await asyncio.sleep(slow.seconds)
        fail = self.faults.take_fail(request.method, paths)
        if fail is not None:
            return self._fault_response(fail)
        refused = self.check_auth(request) or self.admit(request)
        if refused is not None:
            return refused
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = self.error_response(exc.status, exc.reason)
        self.finish(request, response)
        return response

    def _fault_response(self, rule: FaultRule) -> web.StreamResponse:
        if rule.body is None:
            response = self.error_response(rule.status, reason_phrase(rule.status))
        elif isinstance(rule.body, str | bytes):
            response = web.Response(status=rule.status, body=rule.body)
        else:
            response = web.json_response(rule.body, status=rule.status)
        for name, value in (rule.headers or {}).items():
            response.headers[name] = value
        return response

    # -- control HTTP routes ---------------------------------------------------------------------------------
    def _add_control_routes(self) -> None:
        router = self.app.router
        router.add_post(CONTROL_PREFIX + "catalog", self._ctl_catalog)
        router.add_get(CONTROL_PREFIX + "stock", self._ctl_stock)
        router.add_post(CONTROL_PREFIX + "order", self._ctl_order)
        router.add_post(CONTROL_PREFIX + "cancel", self._ctl_cancel)
        router.add_post(CONTROL_PREFIX + "status", self._ctl_status)
        router.add_get(CONTROL_PREFIX + "requests", self._ctl_requests)
        router.add_delete(CONTROL_PREFIX + "requests", self._ctl_clear_requests)
        router.add_post(CONTROL_PREFIX + "fault", self._ctl_fault)
        router.add_post(CONTROL_PREFIX + "reset", self._ctl_reset)
        self.add_control_routes(router)

    @staticmethod
    async def control(request: web.Request, action: Callable[[dict[str, Any]], Any]) -> web.Response:
        """Run a control action on the JSON body; refusals become 4xx with ``{"error": ...}``."""
        try:
            raw = await request.read()
            body = json.loads(raw) if raw else {}
            if not isinstance(body, dict):
                raise ValueError("body must be a JSON object")
            result = action(body)
        except SandboxError as exc:
            return web.json_response({"error": str(exc)}, status=409)
        except KeyError as exc:
            return web.json_response({"error": f"unknown {exc.args[0]!r}"}, status=404)
        except (ValueError, TypeError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"result": result})

    async def _ctl_catalog(self, request: web.Request) -> web.Response:
        return await self.control(
            request, lambda body: self.load_catalog(body.get("items", []), replace=bool(body.get("replace")))
        )

    async def _ctl_stock(self, request: web.Request) -> web.Response:
        key = request.query.get("key")
        if key is None:
            return web.json_response({"stock": self.stock_snapshot()})
        warehouse = request.query.get("warehouse_id")
        try:
            amount = self.stock_of(key, int(warehouse) if warehouse else None)
        except KeyError:
            return web.json_response({"error": f"unknown {key!r}"}, status=404)
        except ValueError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"key": key, "warehouse_id": warehouse and int(warehouse), "amount": amount})

    async def _ctl_order(self, request: web.Request) -> web.Response:
        return await self.control(request, lambda body: self.buyer_orders(**body))

    async def _ctl_cancel(self, request: web.Request) -> web.Response:
        return await self.control(request, lambda body: self.buyer_cancels(**body))

    async def _ctl_status(self, request: web.Request) -> web.Response:
        return await self.control(request, lambda body: self.set_order_status(**body))

    async def _ctl_requests(self, request: web.Request) -> web.Response:
        return web.json_response({"requests": [entry.to_json() for entry in self.requests]})

    async def _ctl_clear_requests(self, request: web.Request) -> web.Response:
        self.requests.clear()
        return web.json_response({"result": True})

    async def _ctl_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"result": True})

    async def _ctl_fault(self, request: web.Request) -> web.Response:
        def apply(body: dict[str, Any]) -> bool:
            kind, match = body.get("kind"), body.get("match")
            if kind in ("fail", "slow") and not isinstance(match, str):
                raise ValueError("match (a path, a method or both) is required")
            if kind == "fail":
                status = body.get("status")
                if not isinstance(status, int) or not 100 <= status <= 599:
                    raise ValueError("status must be an HTTP status code")
                self.fail_next(str(match), status, int(body.get("times", 1)), body.get("headers"), body.get("body"))
            elif kind == "slow":
                self.slow_next(str(match), float(body.get("seconds", 1.0)), int(body.get("times", 1)))
            elif kind == "outage":
                self.outage(bool(body.get("on", True)))
            elif kind == "clear":
                self.faults.clear()
            else:
                raise ValueError("kind must be fail, slow, outage or clear")
            return True

        return await self.control(request, apply)
