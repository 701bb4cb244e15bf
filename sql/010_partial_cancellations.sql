-- A marketplace buyer may drop some items of an order and keep the rest: those units come back, and the
-- order line remembers how many of it were cancelled (its price snapshot stays as sold).
ALTER TABLE order_items ADD COLUMN cancelled_quantity INTEGER NOT NULL DEFAULT 0
    CHECK (cancelled_quantity >= 0 AND cancelled_quantity <= quantity);

-- Sales count only what was not cancelled.
CREATE OR REPLACE VIEW sales_lines AS
SELECT o.order_date AS sold_at,
       o.marketplace_id,
       oi.product_id,
       oi.product_name,
       oi.product_sku,
       o.id AS order_id,
       oi.quantity - oi.cancelled_quantity AS units,
       ROUND(oi.subtotal * (oi.quantity - oi.cancelled_quantity) / oi.quantity, 2) AS revenue,
       COALESCE(oi.cost_price * (oi.quantity - oi.cancelled_quantity), 0) AS cost,
       ROUND(oi.commission * (oi.quantity - oi.cancelled_quantity) / oi.quantity, 2) AS commission,
       ROUND((oi.subtotal - oi.commission) * (oi.quantity - oi.cancelled_quantity) / oi.quantity, 2)
         - COALESCE(oi.cost_price * (oi.quantity - oi.cancelled_quantity), 0) AS profit
  FROM order_items oi
  JOIN orders o ON o.id = oi.order_id
 WHERE o.status <> 'cancelled' AND oi.quantity > oi.cancelled_quantity
UNION ALL
SELECT m.created_at,
       m.marketplace_id,
       m.product_id,
       p.name_uz,
       p.sku,
       NULL,
       -m.quantity_change,
       -m.quantity_change * COALESCE(mp.marketplace_price, p.price),
       -m.quantity_change * COALESCE(p.cost_price, 0),
       ROUND(-m.quantity_change * COALESCE(mp.marketplace_price, p.price)
             * COALESCE(mp.commission_rate, mk.default_commission_rate, 0) / 100, 2),
       -m.quantity_change * (COALESCE(mp.marketplace_price, p.price) - COALESCE(p.cost_price, 0))
         - ROUND(-m.quantity_change * COALESCE(mp.marketplace_price, p.price)
                 * COALESCE(mp.commission_rate, mk.default_commission_rate, 0) / 100, 2)
  FROM inventory_movements m
  JOIN products p ON p.id = m.product_id
  JOIN marketplaces mk ON mk.id = m.marketplace_id
  LEFT JOIN marketplace_products mp ON mp.product_id = m.product_id AND mp.marketplace_id = m.marketplace_id
 WHERE m.movement_type IN ('marketplace_sale', 'marketplace_return');
