"""An order's fees as we know them before the platform says: the commission estimated from the configured rate
('estimated') and the seller's own costs from the shop's settings ('seller'): packaging per order, the payout fee
of the seller's Uzum payout schedule, and VAT. The platform's own figures replace the estimated rows as 'actual'
(core.finance_import); those are never written over here.

Settings (shop_settings rows; a missing or unreadable row counts as 0, so a bad value can never stop an order):
  packaging_cost      per order, in the base currency
  payout_fee_percent  of the revenue of Uzum's orders (the fee of the payout schedule the seller chose there)
  vat_percent         VAT mode: 0 or absent is none; else prices are taken as including VAT at this rate
"""

from __future__ import annotations

from core.db import Conn

PACKAGING_COST = "packaging_cost"
PAYOUT_FEE_PERCENT = "payout_fee_percent"
VAT_PERCENT = "vat_percent"
# The marketplace whose payout schedule carries the payout fee.
PAYOUT_FEE_MARKETPLACE = "uzum"

# Recomputed from the order's kept lines, so it also serves when a buyer drops some units: the commission from
# each line's configured rate snapshot, VAT as the part of a VAT-inclusive price (rate / (100 + rate)). Rows the
# platform reported ('actual') stay as they are, and once it reported any, no estimate comes back.
_ESTIMATE = """
WITH placed AS (
    SELECT o.id, o.currency, mk.slug,
           COALESCE((SELECT value FROM shop_settings WHERE key = 'base_currency'), 'UZS') AS base_currency,
           SUM(ROUND(oi.subtotal * (oi.quantity - oi.cancelled_quantity) / oi.quantity, 2)) AS revenue,
           SUM(ROUND(oi.commission * (oi.quantity - oi.cancelled_quantity) / oi.quantity, 2)) AS commission,
           EXISTS (SELECT 1 FROM order_fees f WHERE f.order_id = o.id AND f.basis = 'actual') AS reported
      FROM orders o
      JOIN marketplaces mk ON mk.id = o.marketplace_id
      JOIN order_items oi ON oi.order_id = o.id
     WHERE o.id = $1
     GROUP BY o.id, o.currency, mk.slug
), setting AS (
    SELECT COALESCE(MAX(value::numeric) FILTER (WHERE key = 'packaging_cost'), 0) AS packaging,
           COALESCE(MAX(value::numeric) FILTER (WHERE key = 'payout_fee_percent'), 0) AS payout_percent,
           COALESCE(MAX(value::numeric) FILTER (WHERE key = 'vat_percent'), 0) AS vat_percent
      FROM shop_settings
     WHERE key IN ('packaging_cost', 'payout_fee_percent', 'vat_percent') AND value ~ '^[0-9]{1,9}(\\.[0-9]{1,4})?$'
), fee (kind, amount, currency, basis) AS (
    SELECT 'commission', commission, currency, 'estimated' FROM placed WHERE NOT reported
    UNION ALL
    SELECT 'packaging', packaging, base_currency, 'seller' FROM placed, setting
    UNION ALL
    SELECT 'payout_fee', ROUND(revenue * payout_percent / 100, 2), currency, 'seller'
      FROM placed, setting WHERE slug = $2
    UNION ALL
    SELECT 'vat', ROUND(revenue * vat_percent / (100 + vat_percent), 2), currency, 'seller' FROM placed, setting
)
INSERT INTO order_fees (order_id, kind, amount, currency, basis, source)
SELECT $1, kind, amount, currency, basis, 'shop settings' FROM fee WHERE amount <> 0
    ON CONFLICT (order_id, kind) DO UPDATE
   SET amount = EXCLUDED.amount, currency = EXCLUDED.currency, basis = EXCLUDED.basis, source = EXCLUDED.source,
       updated_at = NOW()
 WHERE order_fees.basis <> 'actual'
"""


async def estimate(conn: Conn, order_id: int) -> None:
    """Write (or rewrite, after units were dropped) the order's estimated and seller fee rows. Runs in the
    caller's transaction, with the order's own writes."""
    await conn.execute(_ESTIMATE, order_id, PAYOUT_FEE_MARKETPLACE)
