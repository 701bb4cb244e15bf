-- Reporting views behind the bot's and the API's reports (revenue, cost, profit per channel and product).

-- Every unit sold, on every channel: order lines of orders not cancelled (less the units a buyer dropped),
-- plus sales learnt from a marketplace's stock (stock_diff method: no order, valued at the marketplace's
-- price and our cost).
CREATE VIEW sales_lines AS
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

-- Stock health of every product: ok, low (at or under its threshold) or out.
CREATE VIEW inventory_status AS
SELECT p.id AS product_id,
       p.sku,
       p.name_uz,
       p.name_ru,
       p.is_active,
       i.quantity,
       i.reserved_quantity AS reserved,
       i.quantity - i.reserved_quantity AS available,
       p.low_stock_threshold,
       CASE WHEN i.quantity - i.reserved_quantity = 0 THEN 'out'
            WHEN i.quantity - i.reserved_quantity <= p.low_stock_threshold THEN 'low'
            ELSE 'ok' END AS stock_status
  FROM products p
  JOIN inventory i ON i.product_id = p.id;

-- Orders someone still has to act on, oldest first.
CREATE VIEW pending_orders AS
SELECT o.id AS order_id,
       o.order_number,
       o.status,
       o.payment_status,
       mk.name AS channel,
       o.customer_name,
       o.total,
       o.order_date,
       NOW() - o.order_date AS age
  FROM orders o
  JOIN marketplaces mk ON mk.id = o.marketplace_id
 WHERE o.status IN ('pending', 'confirmed', 'processing');

-- What each own-store customer is worth.
CREATE VIEW customer_lifetime_value AS
SELECT u.id AS user_id,
       u.telegram_id,
       u.first_name,
       COUNT(o.id) AS orders,
       COALESCE(SUM(o.total), 0) AS spent,
       COALESCE(SUM(o.total_profit), 0) AS profit,
       MAX(o.order_date) AS last_order_at
  FROM users u
  JOIN orders o ON o.user_id = u.id AND o.status <> 'cancelled'
 GROUP BY u.id, u.telegram_id, u.first_name;
