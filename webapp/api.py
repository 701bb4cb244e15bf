"""Declares the JSON API: each route names its query, body and response pydantic models, which both
validate the traffic and generate /api/openapi.json, so the document cannot drift from the code."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from core.memory import Memory
from webapp.errors import ApiError, validation_details

Access = Literal["public", "user", "admin"]
Handler = Callable[..., Awaitable[Any]]
# Runs before a non-public endpoint: establishes the caller or raises (auth, request budget).
Guard = Callable[[web.Request, Access], Awaitable[None]]
MAX_ID = 2**31 - 1
QUERIES_KEPT = 1_000
QUERY_MEMORY_SECONDS = 3600.0


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    access: Access
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    tag: str


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class Api:
    """A registry of endpoints; `setup` turns them into aiohttp routes."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.endpoints: list[Endpoint] = []

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        access: Access = "user",
        query: type[BaseModel] | None = None,
        body: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.endpoints.append(
                Endpoint(method, path, handler, summary, access, query, body, response, status, self.tag)
            )
            return handler

        return register


def setup(app: web.Application, apis: list[Api], guard: Guard) -> list[Endpoint]:
    endpoints = [endpoint for api in apis for endpoint in api.endpoints]
    for endpoint in endpoints:
        handler = _adapt(endpoint, guard)
        handler.access = endpoint.access  # type: ignore[attr-defined]  # for whoever walks the router
        app.router.add_route(endpoint.method, endpoint.path, handler)
    return endpoints


def _adapt(endpoint: Endpoint, guard: Guard) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    # Customers browsing send the same few query strings over and over: each is validated once.
    validated_queries: Memory[str, BaseModel] = Memory(QUERIES_KEPT, QUERY_MEMORY_SECONDS)

    async def handle(request: web.Request) -> web.StreamResponse:
        if endpoint.access != "public":
            await guard(request, endpoint.access)
        arguments: dict[str, Any] = {}
        for name, value in request.match_info.items():
            if not value.isascii() or not value.isdigit() or int(value) > MAX_ID:  # "١٢" is digits too
                raise web.HTTPNotFound()
            arguments[name] = int(value)
        if endpoint.query is not None:
            query = validated_queries.get(request.query_string)
            if query is None:
                query = _validated(endpoint.query, dict(request.query))
                validated_queries.put(request.query_string, query)
            arguments["query"] = query
        if endpoint.body is not None:
            arguments["body"] = _validated(endpoint.body, await _json_body(request))
        result = await endpoint.handler(request, **arguments)
        if isinstance(result, web.StreamResponse):
            return result
        if result is None:
            return web.Response(status=204)
        payload = result.model_dump(mode="json") if isinstance(result, BaseModel) else result
        return web.json_response(payload, status=endpoint.status)

    return handle


def _validated(model: type[BaseModel], data: Any) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ApiError(422, "validation_error", "some fields are not valid", validation_details(error)) from None


async def _json_body(request: web.Request) -> Any:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: JSON nested thousands deep
        raise ApiError(400, "invalid_json", "the request body is not valid JSON") from None


def openapi_document(endpoints: list[Endpoint], title: str, version: str) -> dict[str, Any]:
    """OpenAPI 3.1 from the endpoints' pydantic models."""
    models: list[tuple[type[BaseModel], Literal["validation", "serialization"]]] = [(ErrorResponse, "serialization")]
    for endpoint in endpoints:
        if endpoint.body is not None:
            models.append((endpoint.body, "validation"))
        if endpoint.response is not None:
            models.append((endpoint.response, "serialization"))
    refs, definitions = models_json_schema(list(dict.fromkeys(models)), ref_template="#/components/schemas/{model}")
    error_ref = refs[(ErrorResponse, "serialization")]
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        operation: dict[str, Any] = {
            "summary": endpoint.summary,
            "tags": [endpoint.tag],
            "operationId": f"{endpoint.method.lower()}_{endpoint.handler.__name__}",
            "parameters": _parameters(endpoint),
            "responses": {
                str(endpoint.status): _response(endpoint, refs),
                "default": {"description": "an error", "content": {"application/json": {"schema": error_ref}}},
            },
        }
        if endpoint.access != "public":
            operation["security"] = [{"telegramInitData": []}]
        if endpoint.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(endpoint.body, "validation")]}},
            }
        paths.setdefault(_openapi_path(endpoint.path), {})[endpoint.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "telegramInitData": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "tma <Telegram.WebApp.initData>",
                }
            },
        },
    }


def _response(endpoint: Endpoint, refs: dict[Any, Any]) -> dict[str, Any]:
    if endpoint.response is None:
        return {"description": "done"}
    return {
        "description": "ok",
        "content": {"application/json": {"schema": refs[(endpoint.response, "serialization")]}},
    }


def _parameters(endpoint: Endpoint) -> list[dict[str, Any]]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
        for name in _path_names(endpoint.path)
    ]
    if endpoint.query is not None:
        schema = endpoint.query.model_json_schema()
        for name, field_schema in schema.get("properties", {}).items():
            parameters.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in schema.get("required", []),
                    "schema": {key: value for key, value in field_schema.items() if key != "title"},
                }
            )
    return parameters


def _path_names(path: str) -> list[str]:
    return [part[1:-1].split(":")[0] for part in path.split("/") if part.startswith("{")]


def _openapi_path(path: str) -> str:
    return "/".join(f"{{{part[1:-1].split(':')[0]}}}" if part.startswith("{") else part for part in path.split("/"))
