"""Domain errors: each carries what a person needs to understand it; the faces translate them."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error core raises on purpose. `code` is stable, for APIs and translations."""

    code = "error"


class NotFound(DomainError):
    code = "not_found"

    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} {key} not found")
        self.what = what
        self.key = key


class ValidationError(DomainError):
    code = "validation_error"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Forbidden(DomainError):
    code = "forbidden"


class OutOfStock(DomainError):
    code = "out_of_stock"

    def __init__(self, product_id: int, product_name: str, requested: int, available: int) -> None:
        super().__init__(f"{product_name}: {requested} requested, {available} available")
        self.product_id = product_id
        self.product_name = product_name
        self.requested = requested
        self.available = available


class ProductInactive(DomainError):
    code = "product_inactive"

    def __init__(self, product_id: int, product_name: str) -> None:
        super().__init__(f"{product_name} is not on sale")
        self.product_id = product_id
        self.product_name = product_name


class InvalidTransition(DomainError):
    code = "invalid_transition"

    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"an order cannot go from {current} to {target}")
        self.current = current
        self.target = target
