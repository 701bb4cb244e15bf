"""Delivery zones of the own store: the admins set them in the bot (/delivery), customers read them on the product
page and pick one at checkout. A zone's fee and free-delivery threshold are in the shop's base currency (own-store
orders are priced in it). The fee of an order is always computed here, from the zone and the order's subtotal;
with no zone switched on, orders carry no fee. Every change is audited."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import asyncpg

from core import audit
from core.db import Conn
from core.errors import DomainError, NotFound, ValidationError
from core.unit_of_work import UnitOfWork

CENT = Decimal("0.01")
# Nine digits of so'm: more is a typo, not a delivery fee.
MAX_AMOUNT = Decimal("1000000000")
MAX_NAME = 100
MAX_TIME = 200


class ZoneField(StrEnum):
    NAME_UZ = "name_uz"
    NAME_RU = "name_ru"
    FEE = "fee"
    FREE_FROM = "free_from"
    TIME_UZ = "delivery_time_uz"
    TIME_RU = "delivery_time_ru"


AMOUNTS = (ZoneField.FEE, ZoneField.FREE_FROM)
# What may be cleared: a zone always has its names and a fee (0 is free delivery).
OPTIONAL = (ZoneField.FREE_FROM, ZoneField.TIME_UZ, ZoneField.TIME_RU)


class DeliveryZoneUnavailable(DomainError):
    """The zone the customer chose is switched off or gone (the page was older than the admin's change)."""

    code = "delivery_zone_unavailable"


@dataclass(frozen=True)
class Zone:
    id: int
    name_uz: str
    name_ru: str
    fee: Decimal
    free_from: Decimal | None
    delivery_time_uz: str | None
    delivery_time_ru: str | None
    is_active: bool

    def name(self, language: str) -> str:
        return self.name_ru if language == "ru" else self.name_uz

    def delivery_time(self, language: str) -> str | None:
        first, second = (
            (self.delivery_time_ru, self.delivery_time_uz)
            if language == "ru"
            else (self.delivery_time_uz, self.delivery_time_ru)
        )
        return first or second

    def fee_for(self, subtotal: Decimal) -> Decimal:
        """The fee of an order of this subtotal: none from the threshold on."""
        if self.free_from is not None and subtotal >= self.free_from:
            return Decimal(0)
        return self.fee


_COLUMNS = "id, name_uz, name_ru, fee, free_from, delivery_time_uz, delivery_time_ru, is_active"


def _zone(row: asyncpg.Record) -> Zone:
    return Zone(**dict(row))


async def zones(conn: Conn, *, active_only: bool = True) -> list[Zone]:
    """The zones, cheapest first (switched-off ones last when asked for)."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM delivery_zones WHERE is_active OR NOT $1 ORDER BY is_active DESC, fee, name_uz, id",
        active_only,
    )
    return [_zone(row) for row in rows]


async def zone(conn: Conn, zone_id: int) -> Zone:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM delivery_zones WHERE id = $1", zone_id)
    if row is None:
        raise NotFound("delivery zone", zone_id)
    return _zone(row)


async def fee_for_order(conn: Conn, zone_id: int | None, subtotal: Decimal) -> tuple[Zone | None, Decimal]:
    """The zone an own-store order goes to and its fee. With zones switched on the customer must choose one; with
    none, an order has no zone and no fee (a zone sent anyway is refused: the page was older)."""
    if zone_id is None:
        if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM delivery_zones WHERE is_active)"):
            raise ValidationError("choose a delivery zone", "delivery_zone_id")
        return None, Decimal(0)
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM delivery_zones WHERE id = $1 AND is_active FOR SHARE", zone_id)
    if row is None:
        raise DeliveryZoneUnavailable(f"delivery zone {zone_id} is not available")
    chosen = _zone(row)
    return chosen, chosen.fee_for(subtotal)


def _amount(field: ZoneField, value: Decimal) -> Decimal:
    exponent = value.as_tuple().exponent
    if not value.is_finite() or not isinstance(exponent, int) or -exponent > 2:
        raise ValidationError(f"{field.value} takes at most two decimals", field.value)
    if value < 0 or value >= MAX_AMOUNT or (field is ZoneField.FREE_FROM and value == 0):
        raise ValidationError(f"{field.value} must be from 0 to below {MAX_AMOUNT}", field.value)
    return value.quantize(CENT)


def _text(field: ZoneField, value: str) -> str:
    cleaned = " ".join(value.split())
    limit = MAX_NAME if field in (ZoneField.NAME_UZ, ZoneField.NAME_RU) else MAX_TIME
    if not cleaned or len(cleaned) > limit:
        raise ValidationError(f"{field.value} takes 1 to {limit} characters", field.value)
    return cleaned


def check(field: ZoneField, value: str | Decimal | None) -> str | Decimal | None:
    """The value as it would be stored, or ValidationError naming the field (a form checks each step with it)."""
    if value is None:
        if field not in OPTIONAL:
            raise ValidationError(f"{field.value} is required", field.value)
        return None
    if field in AMOUNTS:
        if not isinstance(value, Decimal):
            raise ValidationError(f"{field.value} is an amount", field.value)
        return _amount(field, value)
    return _text(field, str(value))


def _plain(value: str | Decimal | None) -> str | None:
    """For the audit log (JSON): amounts as their digits."""
    return None if value is None else str(value)


async def add(uow: UnitOfWork, name_uz: str, name_ru: str, fee: Decimal, actor_id: int | None) -> Zone:
    """A new zone, switched on, with no threshold and no time text yet (edited afterwards)."""
    values = {
        ZoneField.NAME_UZ: check(ZoneField.NAME_UZ, name_uz),
        ZoneField.NAME_RU: check(ZoneField.NAME_RU, name_ru),
        ZoneField.FEE: check(ZoneField.FEE, fee),
    }
    row = await uow.conn.fetchrow(
        f"INSERT INTO delivery_zones (name_uz, name_ru, fee) VALUES ($1, $2, $3) RETURNING {_COLUMNS}",
        *values.values(),
    )
    assert row is not None  # INSERT ... RETURNING always gives its row
    created = _zone(row)
    await audit.record(
        uow.conn,
        actor_id,
        audit.DELIVERY_ZONE_ADD,
        "delivery_zone",
        created.id,
        None,
        {field.value: _plain(value) for field, value in values.items()},
    )
    return created


async def set_field(
    uow: UnitOfWork, zone_id: int, field: ZoneField, value: str | Decimal | None, actor_id: int | None
) -> Zone:
    """Change one field (an amount as a Decimal, a text as a str; None clears an optional one). A value out of
    its range raises ValidationError, writing nothing."""
    conn = uow.conn
    checked = check(field, value)
    # The column is one of ZoneField's, never the caller's text.
    row = await conn.fetchrow(f"SELECT {field.value} AS value FROM delivery_zones WHERE id = $1 FOR UPDATE", zone_id)
    if row is None:
        raise NotFound("delivery zone", zone_id)
    before = row["value"]
    await conn.execute(
        f"UPDATE delivery_zones SET {field.value} = $2, updated_at = NOW() WHERE id = $1", zone_id, checked
    )
    if before != checked:
        await audit.record(
            conn,
            actor_id,
            audit.DELIVERY_ZONE_UPDATE,
            "delivery_zone",
            zone_id,
            {field.value: _plain(before)},
            {field.value: _plain(checked)},
        )
    return await zone(conn, zone_id)


async def switch(uow: UnitOfWork, zone_id: int, on: bool, actor_id: int | None) -> Zone:
    """Switch a zone on or off: off, customers no longer see or choose it; its orders keep it."""
    before = await uow.conn.fetchval("SELECT is_active FROM delivery_zones WHERE id = $1 FOR UPDATE", zone_id)
    if before is None:
        raise NotFound("delivery zone", zone_id)
    if before != on:
        await uow.conn.execute(
            "UPDATE delivery_zones SET is_active = $2, updated_at = NOW() WHERE id = $1", zone_id, on
        )
        await audit.record(
            uow.conn,
            actor_id,
            audit.DELIVERY_ZONE_SWITCH,
            "delivery_zone",
            zone_id,
            {"is_active": before},
            {"is_active": on},
        )
    return await zone(uow.conn, zone_id)
