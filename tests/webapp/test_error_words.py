"""Every error the Mini App API can answer a customer has words in uz and ru: the page words an error by its code
(i18n.js `err_<code>`) and a validation error by its field (`err_field_<field>`), never by the English message.

The codes and fields are found in the code, not listed by hand: the literal codes of webapp's errors, and every
domain error a customer route can reach, following calls from its handler through core."""

import ast
import importlib
import inspect
import pkgutil
import re
import textwrap
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import webapp
import webapp.routes
from core.errors import DomainError, ValidationError
from webapp.api import Api, Endpoint

STATIC = Path(webapp.__file__).parent / "static"
WEBAPP = Path(webapp.__file__).parent

# Query parameters the page fills itself, never from what a customer types: a bad one is the page's bug, and the
# generic err_validation_error words it.
SET_BY_THE_PAGE = {"lang", "page", "per_page", "category", "min_price", "max_price", "in_stock", "sort", "limit"}
SET_BY_THE_PAGE |= {"products"}  # the live stock stream's product ids


def page_texts() -> dict[str, list[str]]:
    """i18n.js STRINGS: key -> its texts ([uz, ru])."""
    source = (STATIC / "i18n.js").read_text()
    entries = re.findall(r"^  (\w+): \[(.+?)\],$", source, re.MULTILINE | re.DOTALL)
    literal = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""
    return {key: [text[1:-1] for text in re.findall(literal, body)] for key, body in entries}


def customer_endpoints() -> list[Endpoint]:
    modules = [importlib.import_module(f"webapp.routes.{m.name}") for m in pkgutil.iter_modules(webapp.routes.__path__)]
    apis = [value for module in modules for value in vars(module).values() if isinstance(value, Api)]
    return [endpoint for api in apis for endpoint in api.endpoints if endpoint.access != "admin"]


def webapp_codes() -> set[str]:
    """Codes webapp answers by itself: ApiError(status, "code", ...), error_response(status, "code", ...) and the
    HTTP errors mapped in errors_middleware."""
    codes = set()
    for path in WEBAPP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in {"ApiError", "error_response"}:
                if len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                    codes.add(node.args[1].value)
            if isinstance(node, ast.Dict) and all(
                isinstance(k, ast.Constant) and k.value in (404, 405, 413) for k in node.keys
            ):
                codes |= {value.value for value in node.values if isinstance(value, ast.Constant)}
    codes.add("http_error")  # errors_middleware's default for any other HTTP error
    return codes


def _callee(node: ast.expr, namespace: dict[str, Any]) -> Any:
    """What a call's function names, where it is a module-level name or an attribute of an imported module."""
    if isinstance(node, ast.Name):
        return namespace.get(node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        owner = namespace.get(node.value.id)
        if isinstance(owner, types.ModuleType):
            return getattr(owner, node.attr, None)
    return None


def reachable_errors(handlers: list[Callable[..., Any]]) -> Iterator[tuple[type[DomainError], ast.Call]]:
    """Each domain error constructed in a handler or a function of the project it calls, transitively."""
    queue, seen = list(handlers), set()
    while queue:
        function = queue.pop()
        if function in seen:
            continue
        seen.add(function)
        namespace = vars(inspect.getmodule(function))
        for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(function)))):
            if not isinstance(node, ast.Call):
                continue
            target = _callee(node.func, namespace)
            if isinstance(target, type) and issubclass(target, DomainError):
                yield target, node
            elif inspect.isfunction(target) and target.__module__.split(".")[0] in {"core", "webapp"}:
                queue.append(target)


def reachable_codes_and_fields() -> tuple[set[str], set[str]]:
    codes, fields = webapp_codes(), set()
    endpoints = customer_endpoints()
    for error, call in reachable_errors([endpoint.handler for endpoint in endpoints]):
        codes.add(error.code)
        if issubclass(error, ValidationError):
            field = (
                call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "field"), None)
            )
            if isinstance(field, ast.Constant):
                fields.add(field.value)
    for endpoint in endpoints:
        for model in (endpoint.query, endpoint.body):
            fields |= set(model.model_fields) - SET_BY_THE_PAGE if model is not None else set()
    return codes, fields


def test_every_error_code_and_field_a_customer_can_meet_has_uz_and_ru_words() -> None:
    texts = page_texts()
    codes, fields = reachable_codes_and_fields()
    wanted = {f"err_{code}" for code in codes} | {f"err_field_{field}" for field in fields}
    missing = sorted(key for key in wanted if len([text for text in texts.get(key, []) if text.strip()]) != 2)
    assert missing == []


def test_the_search_finds_errors_deep_in_core() -> None:
    """The phone is checked three calls below the checkout handler; an empty cart two."""
    codes, fields = reachable_codes_and_fields()
    assert {"phone", "cart", "customer_phone", "q"} <= fields
    assert {"cart_conflict", "out_of_stock", "unauthorized", "rate_limited", "not_found"} <= codes
