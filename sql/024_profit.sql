-- Real profit in the shop's base currency (issue 16). Every amount keeps its currency up to the last step:
-- the views add amounts of one (local day, channel, currency) first, then convert that sum at the rate of its
-- day, and only then add days, channels and currencies, all in the base currency. A slice whose currency has no
-- rate for its day gives NULL and rate_missing, never a sum that treats one currency as another.
-- Days are the seller's local days (Asia/Tashkent, core.analytics.DEFAULT_TIMEZONE), as the rates are.
-- Our own amounts (a product's cost price, packaging) are in the base currency.

DROP VIEW sales_lines;

-- One unit of `currency` in the base currency on `day`: 1 for the base currency itself, else the newest rate on
-- or before that day; NULL when there is none (never 1: a missing rate must show, not pass for so'm).
CREATE FUNCTION profit_rate(currency CHAR(3), day DATE) RETURNS NUMERIC
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN currency = COALESCE((SELECT value FROM shop_settings WHERE key = 'base_currency'), 'UZS')
                THEN 1
                ELSE (SELECT r.rate FROM exchange_rates r
                       WHERE r.currency = profit_rate.currency AND r.day <= profit_rate.day
                       ORDER BY r.day DESC LIMIT 1)
           END
$$;

-- The shop's base currency (shop_settings 'base_currency', so'm when never set).
CREATE VIEW profit_base AS
SELECT COALESCE((SELECT value FROM shop_settings WHERE key = 'base_currency'), 'UZS')::char(3) AS base_currency;

-- Reports read a period's local days: these find its orders and stock-learnt sales without reading the rest.
CREATE INDEX idx_orders_local_day ON orders (((order_date AT TIME ZONE 'Asia/Tashkent')::date));
CREATE INDEX idx_inv_movements_marketplace_sale_day ON inventory_movements (((created_at AT TIME ZONE 'Asia/Tashkent')::date))
    WHERE movement_type IN ('marketplace_sale', 'marketplace_return');

-- Sales learnt from a marketplace's stock (stock_diff method): no order, valued at the listing's price (in the
-- listing's currency; our price, in the base currency, when the listing has none) with the commission estimated
-- from the configured rate, since no order carries fees for them.
CREATE VIEW stock_sales AS
SELECT m.created_at AS sold_at,
       (m.created_at AT TIME ZONE 'Asia/Tashkent')::date AS day,
       m.marketplace_id,
       m.product_id,
       p.name_uz AS product_name,
       p.sku AS product_sku,
       CASE WHEN mp.marketplace_price IS NULL OR mp.price_currency IS NULL
            THEN COALESCE((SELECT value FROM shop_settings WHERE key = 'base_currency'), 'UZS')
            ELSE mp.price_currency END::char(3) AS currency,
       -m.quantity_change AS units,
       -m.quantity_change * COALESCE(mp.marketplace_price, p.price) AS revenue,
       -m.quantity_change * COALESCE(p.cost_price, 0) AS cost,
       ROUND(-m.quantity_change * COALESCE(mp.marketplace_price, p.price)
             * COALESCE(mp.commission_rate, mk.default_commission_rate, 0) / 100, 2) AS commission
  FROM inventory_movements m
  JOIN products p ON p.id = m.product_id
  JOIN marketplaces mk ON mk.id = m.marketplace_id
  LEFT JOIN marketplace_products mp ON mp.product_id = m.product_id AND mp.marketplace_id = m.marketplace_id
 WHERE m.movement_type IN ('marketplace_sale', 'marketplace_return');

-- Every unit sold, on every channel: order lines of orders not cancelled (less the units a buyer dropped), in
-- the order's currency, plus the stock-learnt sales. `cost` is in the base currency; `commission` is only the
-- stock-learnt sales' estimate (an order's fees are its own rows, in order_fee_lines).
CREATE VIEW sales_lines AS
SELECT o.order_date AS sold_at,
       (o.order_date AT TIME ZONE 'Asia/Tashkent')::date AS day,
       o.marketplace_id,
       oi.product_id,
       oi.product_name,
       oi.product_sku,
       o.id AS order_id,
       o.currency,
       oi.quantity - oi.cancelled_quantity AS units,
       ROUND(oi.subtotal * (oi.quantity - oi.cancelled_quantity) / oi.quantity, 2) AS revenue,
       COALESCE(oi.cost_price * (oi.quantity - oi.cancelled_quantity), 0) AS cost,
       0::numeric AS commission
  FROM order_items oi
  JOIN orders o ON o.id = oi.order_id
 WHERE o.status <> 'cancelled' AND oi.quantity > oi.cancelled_quantity
UNION ALL
SELECT sold_at, day, marketplace_id, product_id, product_name, product_sku, NULL, currency, units, revenue, cost,
       commission
  FROM stock_sales;

-- The fees of orders not cancelled, one row per kind, each in its own currency (the platform's, or ours for
-- the seller's costs such as packaging), on its order's local day.
CREATE VIEW order_fee_lines AS
SELECT f.order_id,
       (o.order_date AT TIME ZONE 'Asia/Tashkent')::date AS day,
       o.marketplace_id,
       f.currency,
       f.kind,
       f.basis,
       f.amount
  FROM order_fees f
  JOIN orders o ON o.id = f.order_id
 WHERE o.status <> 'cancelled';

-- How sure an order's fees are: 'actual' once the platform reported them, 'estimated' while only our
-- configured rates speak; an order with neither (no platform fee at all) is in neither count.
CREATE VIEW order_fee_basis AS
SELECT order_id, day, marketplace_id,
       CASE WHEN BOOL_OR(basis = 'actual') THEN 'actual' ELSE 'estimated' END AS basis
  FROM order_fee_lines
 WHERE basis IN ('actual', 'estimated')
 GROUP BY order_id, day, marketplace_id;

-- Sales of each local day and channel in the base currency: each currency's sum converted at its day's rate
-- (the newest rate on or before the day, by the primary key; the same lookup as profit_rate, written out so the
-- planner can reuse a lookup for the many slices of one day and currency).
CREATE VIEW channel_day_sales AS
SELECT slice.day,
       slice.marketplace_id,
       SUM(slice.orders)::int AS orders,
       SUM(slice.units)::int AS units,
       CASE WHEN BOOL_OR(rate IS NULL) THEN NULL ELSE SUM(ROUND(slice.revenue * rate, 2)) END AS revenue,
       SUM(slice.cost) AS cost,
       BOOL_OR(rate IS NULL) AS rate_missing
  FROM (SELECT day, marketplace_id, currency, COUNT(DISTINCT order_id) AS orders, SUM(units) AS units,
               SUM(revenue) AS revenue, SUM(cost) AS cost
          FROM sales_lines
         GROUP BY day, marketplace_id, currency) AS slice
  LEFT JOIN LATERAL (SELECT r.rate AS found_rate FROM exchange_rates r
                      WHERE r.currency = slice.currency AND r.day <= slice.day
                      ORDER BY r.day DESC LIMIT 1) AS found ON TRUE
 CROSS JOIN LATERAL (SELECT CASE WHEN slice.currency = (SELECT base_currency FROM profit_base) THEN 1
                                 ELSE found.found_rate END AS rate) AS day_rate
 GROUP BY slice.day, slice.marketplace_id;

-- Every fee of each local day and channel, per kind and basis, in the base currency: the orders' fees, the
-- commission estimated on stock-learnt sales, and the costs of the day that belong to no order (basis 'day').
CREATE VIEW channel_day_fees AS
SELECT slice.day,
       slice.marketplace_id,
       slice.kind,
       slice.basis,
       CASE WHEN BOOL_OR(rate IS NULL) THEN NULL ELSE SUM(ROUND(slice.amount * rate, 2)) END AS amount,
       BOOL_OR(rate IS NULL) AS rate_missing
  FROM (SELECT day, marketplace_id, currency, kind, basis,
               SUM(amount) AS amount
          FROM order_fee_lines
         GROUP BY day, marketplace_id, currency, kind, basis
        UNION ALL
        SELECT day, marketplace_id, currency, 'commission', 'estimated', SUM(commission)
          FROM stock_sales
         GROUP BY day, marketplace_id, currency
        UNION ALL
        SELECT day, marketplace_id, currency, kind, 'day', SUM(amount)
          FROM day_costs
         GROUP BY day, marketplace_id, currency, kind) AS slice
  LEFT JOIN LATERAL (SELECT r.rate AS found_rate FROM exchange_rates r
                      WHERE r.currency = slice.currency AND r.day <= slice.day
                      ORDER BY r.day DESC LIMIT 1) AS found ON TRUE
 CROSS JOIN LATERAL (SELECT CASE WHEN slice.currency = (SELECT base_currency FROM profit_base) THEN 1
                                 ELSE found.found_rate END AS rate) AS day_rate
 GROUP BY slice.day, slice.marketplace_id, slice.kind, slice.basis;

-- Each order line's share of its order's fees (by the line's share of the order's revenue), per kind, in the
-- fee's currency; a stock-learnt sale carries its own estimated commission. (Joined on the day as well as the
-- order, so a period's filter on the day reaches both sides.)
CREATE VIEW line_fees AS
SELECT l.day, l.marketplace_id, l.product_sku, f.currency, f.kind,
       ROUND(f.amount * l.revenue / NULLIF(l.order_revenue, 0), 2) AS amount
  FROM (SELECT day, marketplace_id, product_sku, order_id, revenue,
               SUM(revenue) OVER (PARTITION BY day, order_id) AS order_revenue
          FROM sales_lines
         WHERE order_id IS NOT NULL) AS l
  JOIN order_fee_lines f ON f.order_id = l.order_id AND f.day = l.day
UNION ALL
SELECT day, marketplace_id, product_sku, currency, 'commission', commission
  FROM stock_sales;

-- Each product's sales of each local day in the base currency, with its share of the fees.
CREATE VIEW product_day_sales AS
SELECT slice.day,
       slice.product_sku,
       MIN(slice.product_name) AS product_name,
       SUM(slice.orders)::int AS orders,
       SUM(slice.units)::int AS units,
       CASE WHEN BOOL_OR(rate IS NULL) THEN NULL ELSE SUM(ROUND(slice.revenue * rate, 2)) END AS revenue,
       SUM(slice.cost) AS cost,
       CASE WHEN BOOL_OR(rate IS NULL) THEN NULL ELSE SUM(ROUND(slice.fees * rate, 2)) END AS fees,
       BOOL_OR(rate IS NULL) AS rate_missing
  FROM (SELECT day, product_sku, currency, MIN(product_name) AS product_name, SUM(orders) AS orders,
               SUM(units) AS units, SUM(revenue) AS revenue, SUM(cost) AS cost, SUM(fees) AS fees
          FROM (SELECT day, product_sku, currency, MIN(product_name) AS product_name,
                       COUNT(DISTINCT order_id) AS orders, SUM(units) AS units, SUM(revenue) AS revenue,
                       SUM(cost) AS cost, 0 AS fees
                  FROM sales_lines
                 GROUP BY day, product_sku, currency
                UNION ALL
                SELECT day, product_sku, currency, NULL, 0, 0, 0, 0, SUM(amount)
                  FROM line_fees
                 GROUP BY day, product_sku, currency) AS part
         GROUP BY day, product_sku, currency) AS slice
  LEFT JOIN LATERAL (SELECT r.rate AS found_rate FROM exchange_rates r
                      WHERE r.currency = slice.currency AND r.day <= slice.day
                      ORDER BY r.day DESC LIMIT 1) AS found ON TRUE
 CROSS JOIN LATERAL (SELECT CASE WHEN slice.currency = (SELECT base_currency FROM profit_base) THEN 1
                                 ELSE found.found_rate END AS rate) AS day_rate
 GROUP BY slice.day, slice.product_sku;

-- Each product's fees of each local day per kind in the base currency: which fee ate a product's profit.
CREATE VIEW product_day_fees AS
SELECT slice.day,
       slice.product_sku,
       slice.kind,
       CASE WHEN BOOL_OR(rate IS NULL) THEN NULL ELSE SUM(ROUND(slice.amount * rate, 2)) END AS amount
  FROM (SELECT day, product_sku, currency, kind, SUM(amount) AS amount
          FROM line_fees
         GROUP BY day, product_sku, currency, kind) AS slice
  LEFT JOIN LATERAL (SELECT r.rate AS found_rate FROM exchange_rates r
                      WHERE r.currency = slice.currency AND r.day <= slice.day
                      ORDER BY r.day DESC LIMIT 1) AS found ON TRUE
 CROSS JOIN LATERAL (SELECT CASE WHEN slice.currency = (SELECT base_currency FROM profit_base) THEN 1
                                 ELSE found.found_rate END AS rate) AS day_rate
 GROUP BY slice.day, slice.product_sku, slice.kind;

-- Each order's profit in the base currency: its kept lines' revenue at its day's rate, less our cost and all
-- its fees (the costs of a day belong to no order and are left to the day's reports).
CREATE VIEW order_profit AS
SELECT s.order_id,
       s.day,
       s.marketplace_id,
       s.currency,
       s.revenue,
       ROUND(s.revenue * rate, 2) AS revenue_base,
       s.cost,
       f.fees AS fees_base,
       ROUND(s.revenue * rate, 2) - s.cost - f.fees AS profit,
       f.basis,
       rate IS NULL OR f.fees IS NULL AS rate_missing
  FROM (SELECT order_id, day, marketplace_id, currency, SUM(revenue) AS revenue, SUM(cost) AS cost
          FROM sales_lines
         WHERE order_id IS NOT NULL
         GROUP BY order_id, day, marketplace_id, currency) AS s
  CROSS JOIN LATERAL (
        SELECT CASE WHEN BOOL_OR(profit_rate(currency, day) IS NULL) THEN NULL
                    ELSE COALESCE(SUM(ROUND(amount * profit_rate(currency, day), 2)), 0) END AS fees,
               CASE WHEN BOOL_OR(basis = 'actual') THEN 'actual'
                    WHEN BOOL_OR(basis = 'estimated') THEN 'estimated' END AS basis
          FROM order_fee_lines
         WHERE order_id = s.order_id) AS f
  CROSS JOIN LATERAL profit_rate(s.currency, s.day) AS rate;

-- Cash on delivery of each local day in the base currency: cash orders not cancelled (expected) and those an
-- admin marked collected.
CREATE VIEW cash_day AS
SELECT slice.day,
       SUM(slice.expected_orders)::int AS expected_orders,
       CASE WHEN BOOL_OR(rate IS NULL) THEN NULL ELSE SUM(ROUND(slice.expected * rate, 2)) END AS expected,
       SUM(slice.collected_orders)::int AS collected_orders,
       CASE WHEN BOOL_OR(rate IS NULL) THEN NULL ELSE SUM(ROUND(slice.collected * rate, 2)) END AS collected,
       SUM(slice.delivered_uncollected)::int AS delivered_uncollected,
       BOOL_OR(rate IS NULL) AS rate_missing
  FROM (SELECT (order_date AT TIME ZONE 'Asia/Tashkent')::date AS day, currency,
               COUNT(*) AS expected_orders, SUM(total) AS expected,
               COUNT(*) FILTER (WHERE cash_collected_at IS NOT NULL) AS collected_orders,
               COALESCE(SUM(total) FILTER (WHERE cash_collected_at IS NOT NULL), 0) AS collected,
               COUNT(*) FILTER (WHERE status = 'delivered' AND cash_collected_at IS NULL) AS delivered_uncollected
          FROM orders
         WHERE payment_method = 'cash' AND status <> 'cancelled'
         GROUP BY 1, currency) AS slice
  LEFT JOIN LATERAL (SELECT r.rate AS found_rate FROM exchange_rates r
                      WHERE r.currency = slice.currency AND r.day <= slice.day
                      ORDER BY r.day DESC LIMIT 1) AS found ON TRUE
 CROSS JOIN LATERAL (SELECT CASE WHEN slice.currency = (SELECT base_currency FROM profit_base) THEN 1
                                 ELSE found.found_rate END AS rate) AS day_rate
 GROUP BY slice.day;
