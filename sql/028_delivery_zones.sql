-- Delivery zones of the own store (issue 17): a city or region with its fee, the order subtotal from which
-- delivery is free (none: never free) and the delivery time as customers read it, in the shop's base currency.
-- A zone is switched off, never deleted: the orders that went there keep pointing at it.
CREATE TABLE delivery_zones (
    id SERIAL PRIMARY KEY,
    name_uz VARCHAR(100) NOT NULL CHECK (btrim(name_uz) <> ''),
    name_ru VARCHAR(100) NOT NULL CHECK (btrim(name_ru) <> ''),
    fee NUMERIC(14,2) NOT NULL CHECK (fee >= 0),
    free_from NUMERIC(14,2) CHECK (free_from > 0),
    delivery_time_uz VARCHAR(200),
    delivery_time_ru VARCHAR(200),
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    -- Seeded by the demo (demo/seeding.py), taken away with it unless an order of the seller's went there.
    is_demo BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- The zone an own-store order goes to; its fee is the order's delivery_fee (001), in the order's currency.
ALTER TABLE orders ADD COLUMN delivery_zone_id INTEGER REFERENCES delivery_zones(id) ON DELETE RESTRICT;

-- The delivery fee the customer pays is revenue of the order, in the order's currency (it is in its total):
-- the channels' sums count it beside the lines' revenue. Products' sums stay the lines' own.
CREATE OR REPLACE VIEW order_money AS
SELECT o.id AS order_id,
       (o.order_date AT TIME ZONE 'Asia/Tashkent')::date AS day,
       o.marketplace_id,
       o.currency,
       kept.units,
       kept.revenue + o.delivery_fee AS revenue,
       kept.cost,
       fees.basis,
       o.total,
       o.payment_method = 'cash' AS cash,
       o.cash_collected_at IS NOT NULL AS cash_collected,
       o.status = 'delivered' AS delivered
  FROM orders o
 CROSS JOIN LATERAL (
       SELECT SUM(quantity - cancelled_quantity) AS units,
              SUM(ROUND(subtotal * (quantity - cancelled_quantity) / quantity, 2)) AS revenue,
              COALESCE(SUM(cost_price * (quantity - cancelled_quantity)), 0) AS cost
         FROM order_items
        WHERE order_id = o.id
       ) AS kept
 CROSS JOIN LATERAL (
       SELECT CASE WHEN BOOL_OR(basis = 'actual') THEN 'actual'
                   WHEN BOOL_OR(basis = 'estimated') THEN 'estimated' END AS basis
         FROM order_fees
        WHERE order_id = o.id
       ) AS fees
 WHERE o.status <> 'cancelled' AND kept.units > 0;

-- The kept days of orders that had a delivery fee (typed by an admin on a manual order) count it from now on.
INSERT INTO profit_dirty_days (day)
SELECT DISTINCT (order_date AT TIME ZONE 'Asia/Tashkent')::date FROM orders WHERE delivery_fee > 0;
