"""Schemathesis over /api/openapi.json: every documented operation, fed generated valid and invalid input
by a logged-in caller, never answers 5xx, and every 4xx is the API's error shape {"error": {"code", "message"}}.

Bounded on purpose (a few examples per operation, fixed seed) so that it runs in the normal suite. The
schemathesis calls are synchronous (requests), so they run in a thread while the test server keeps serving
on this test's event loop.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from core.settings import Settings
from tests.builders import Shop
from tests.support import ADMIN, changed, login

EXAMPLES_PER_OPERATION = 20
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
# /api/events is a Server-Sent Events stream that stays open until the client goes away: a call would hang
# until its timeout, and a status line alone says nothing the other operations do not.
EXCLUDED_PATHS = ("/api/events",)
TIMEOUT_SECONDS = 10


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The per-customer rate limit (240/min) would turn most of the run into 429s that reach no handler."""
    return changed(settings, api_rate_limit=1_000_000)


@dataclass
class Findings:
    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def problem(self, label: str, why: str, curl: str, status: int, body: str) -> None:
        self.problems.append(f"{label}: {why}\n  {curl}\n  -> {status} {body[:300]}")


def _error_shape_problem(body: bytes) -> str | None:
    try:
        payload: Any = json.loads(body)
    except ValueError:
        return "a 4xx whose body is not JSON"
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        return 'a 4xx without an "error" object'
    if not isinstance(error.get("code"), str) or not isinstance(error.get("message"), str):
        return 'a 4xx whose "error" lacks string "code" and "message"'
    return None


def _without_security(document: dict[str, Any]) -> dict[str, Any]:
    """The document without its security scheme: the test sends a valid login on every call itself, and
    schemathesis' negative mode would otherwise drop or garble that header and stop the call at 401."""
    stripped = copy.deepcopy(document)
    stripped["components"].pop("securitySchemes", None)
    for operations in stripped["paths"].values():
        for operation in operations.values():
            operation.pop("security", None)
    return stripped


def _admin_routes(client: TestClient) -> set[tuple[str, str]]:
    """(METHOD, /path/{name}) of the admin-only routes: those are called as the shop's admin."""
    return {
        (route.method, route.resource.canonical)
        for route in client.app.router.routes()
        if route.resource is not None and getattr(route.handler, "access", None) == "admin"
    }


def _fuzz(
    schema: Any, base_url: str, customer: dict[str, str], admin: dict[str, str], admin_routes: set[tuple[str, str]]
) -> Findings:
    findings = Findings()
    with requests.Session() as session:
        for result in schema.get_all_operations():
            operation = result.ok()
            headers = admin if (operation.method.upper(), operation.path) in admin_routes else customer
            for mode in MODES:
                _exercise(operation, mode, session, base_url, headers, findings)
    return findings


def _exercise(
    operation: Any,
    mode: GenerationMode,
    session: requests.Session,
    base_url: str,
    headers: dict[str, str],
    findings: Findings,
) -> None:
    label = f"{operation.method.upper()} {operation.path}"
    statuses = findings.statuses.setdefault(label, Counter())

    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def exercise(case: schemathesis.Case) -> None:
        # Failures are collected rather than raised: hypothesis would stop at the first and shrink it,
        # and the report should list every failing request.
        response = case.call(base_url=base_url, session=session, headers=dict(headers), timeout=TIMEOUT_SECONDS)
        statuses[response.status_code] += 1
        status, body = response.status_code, response.text
        if status >= 500:
            findings.problem(label, "a server error", case.as_curl_command(base_url=base_url), status, body)
        elif status == 401:
            findings.problem(
                label, "refused the login it was given", case.as_curl_command(base_url=base_url), status, body
            )
        elif status >= 400 and (why := _error_shape_problem(response.content)) is not None:
            findings.problem(label, why, case.as_curl_command(base_url=base_url), status, body)

    try:
        exercise()
    except Unsatisfiable:
        # Negative mode has nothing to break in an operation without parameters or body.
        if mode is not GenerationMode.NEGATIVE:
            raise


async def test_no_operation_answers_5xx_and_errors_keep_their_shape(client: TestClient, shop: Shop) -> None:
    """`shop` gives the run real rows (categories 1-3, products 1-3) for the small ids hypothesis favours."""
    response = await client.get("/api/openapi.json")
    assert response.status == 200
    raw = await response.json()
    schema = schemathesis.openapi.from_dict(_without_security(raw)).exclude(path=list(EXCLUDED_PATHS))
    base_url = str(client.make_url("")).rstrip("/")
    documented = {path for path in raw["paths"] if path not in EXCLUDED_PATHS}

    started = time.monotonic()
    findings = await asyncio.to_thread(
        _fuzz, schema, base_url, login(client), login(client, ADMIN), _admin_routes(client)
    )
    elapsed = time.monotonic() - started

    summary = "\n".join(f"  {label}: {dict(sorted(counts.items()))}" for label, counts in findings.statuses.items())
    assert not findings.problems, (
        f"{len(findings.problems)} bad answers in {elapsed:.1f} s:\n"
        + "\n".join(findings.problems)
        + f"\nstatuses per operation:\n{summary}"
    )
    assert {label.split(" ", 1)[1] for label in findings.statuses} == documented, "some operations were not run"
    # The login reached the handlers: the catalog, with the shop's products in it, was served.
    assert findings.statuses["GET /api/products"][200] > 0, summary
