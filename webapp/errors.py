"""Every error leaves the API as {"error": {"code", "message", "details"?}} with a fitting HTTP status."""

from __future__ import annotations

import errno
import logging
from typing import Any

import asyncpg
from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import ValidationError as PydanticValidationError

from core.back_in_stock import ProductInStock
from core.checkout import CartConflict
from core.delivery import DeliveryZoneUnavailable
from core.errors import (
    DomainError,
    Forbidden,
    InvalidTransition,
    NotFound,
    OutOfStock,
    ProductInactive,
    ValidationError,
)

log = logging.getLogger(__name__)

_STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    ValidationError: 422,
    Forbidden: 403,
    OutOfStock: 409,
    ProductInactive: 409,
    InvalidTransition: 409,
    CartConflict: 409,
    DeliveryZoneUnavailable: 409,
    ProductInStock: 409,
}


class ApiError(Exception):
    """An error a handler raises on purpose with its HTTP status."""

    def __init__(
        self, status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details, self.headers = status, code, message, details, headers


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> web.Response:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return web.json_response({"error": error}, status=status, headers=headers)


def _details(error: DomainError) -> Any:
    if isinstance(error, OutOfStock):
        return {"product_id": error.product_id, "requested": error.requested, "available": error.available}
    if isinstance(error, ProductInactive | ProductInStock):
        return {"product_id": error.product_id}
    if isinstance(error, InvalidTransition):
        return {"from": error.current, "to": error.target}
    if isinstance(error, CartConflict):
        return {
            "items": [
                {**item, "old_price": _money(item["old_price"]), "new_price": _money(item["new_price"])}
                for item in error.items
            ]
        }
    if isinstance(error, ValidationError) and error.field:
        return {"field": error.field}
    return None


def _money(value: Any) -> str | None:
    return None if value is None else str(value)


def validation_details(error: PydanticValidationError) -> list[dict[str, Any]]:
    return [
        {"field": ".".join(str(part) for part in problem["loc"]), "message": problem["msg"]}
        for problem in error.errors(include_url=False, include_input=False)
    ]


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as error:
        return error_response(error.status, error.code, error.message, error.details, error.headers)
    except DomainError as error:
        status = next((code for kind, code in _STATUS.items() if isinstance(error, kind)), 400)
        return error_response(status, error.code, str(error), _details(error))
    except PydanticValidationError as error:
        return error_response(422, "validation_error", "some fields are not valid", validation_details(error))
    except web.HTTPException as error:
        if error.status < 400:
            raise
        code = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(error.status, "http_error")
        return error_response(
            error.status,
            code,
            error.reason,
            headers={k: v for k, v in error.headers.items() if k in ("Allow", "Retry-After")},
        )
    except asyncpg.DataError:
        return error_response(422, "validation_error", "a value is out of range")
    # Connection lost, or the server shutting down / starting up (57P0x: "cannot connect now"). A server
    # shutting down right after a statement completed can also leave asyncpg's protocol mid-state, so the next
    # statement on that connection fails as an InternalClientError.
    except (
        asyncpg.PostgresConnectionError,
        asyncpg.OperatorInterventionError,
        asyncpg.InterfaceError,
        asyncpg.InternalClientError,
        OSError,
    ) as error:
        if isinstance(error, OSError) and error.errno == errno.ENAMETOOLONG:  # a static file path, not the database
            return error_response(404, "not_found", "Not Found")
        log.warning("database unavailable for %s %s: %s", request.method, request.path, error)
        return error_response(503, "unavailable", "the service is briefly unavailable; please try again")
    except Exception:
        log.exception("unhandled error in %s %s", request.method, request.path)
        return error_response(500, "internal_error", "something went wrong on our side")
