-- Real profit in the shop's base currency (issue 16). Every amount keeps its currency up to the last step:
-- the views add amounts of one (local day, channel, currency) first, then convert that sum at the rate of its
-- day, and only then add days, channels and currencies, all in the base currency. A slice whose currency has no
-- rate for its day gives NULL and rate_missing, never a sum that treats one currency as another.
-- Days are the seller's local days (Asia/Tashkent, core.analytics.DEFAULT_TIMEZONE), as the rates are.
-- Our own amounts (a product's cost price, packaging) are in the base currency. The orders' sums per day are
-- kept in profit_*_days and recomputed for the days that changed, so a report reads days, not order lines.

DROP VIEW sales_lines;

-- Reports read a period's local days: these find its orders and stock-learnt sales without reading the rest.
CREATE INDEX idx_orders_local_day ON orders (((order_date AT TIME ZONE 'Asia/Tashkent')::date));
CREATE INDEX idx_inv_movements_marketplace_sale_day
    ON inventory_movements (((created_at AT TIME ZONE 'Asia/Tashkent')::date))
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
-- stock-learnt sales' estimate (an order's fees are its own rows in order_fees).
-- The lines are read through their order (OFFSET 0 keeps the planner from flattening that): a period's filter
-- on the day finds its orders by idx_orders_local_day, and only their lines are read, by their order's index.
CREATE VIEW sales_lines AS
SELECT o.order_date AS sold_at,
       (o.order_date AT TIME ZONE 'Asia/Tashkent')::date AS day,
       o.marketplace_id,
       oi.product_id,
       oi.product_name,
       oi.product_sku,
       o.id AS order_id,
       o.currency,
       oi.units,
       oi.revenue,
       oi.cost,
       0::numeric AS commission
  FROM orders o
 CROSS JOIN LATERAL (
       SELECT product_id, product_name, product_sku, quantity - cancelled_quantity AS units,
              ROUND(subtotal * (quantity - cancelled_quantity) / quantity, 2) AS revenue,
              COALESCE(cost_price * (quantity - cancelled_quantity), 0) AS cost
         FROM order_items
        WHERE order_id = o.id AND quantity > cancelled_quantity
       OFFSET 0
       ) AS oi
 WHERE o.status <> 'cancelled'
UNION ALL
SELECT sold_at, day, marketplace_id, product_id, product_name, product_sku, NULL, currency, units, revenue, cost,
       commission
  FROM stock_sales;

-- Each order not cancelled with what it kept (units, revenue in its currency, our cost in the base currency) and
-- how sure its fees are: 'actual' once the platform reported them, 'estimated' while only our configured rates
-- speak, NULL when it has no platform fee at all (our own store).
CREATE VIEW order_money AS
SELECT o.id AS order_id,
       (o.order_date AT TIME ZONE 'Asia/Tashkent')::date AS day,
       o.marketplace_id,
       o.currency,
       kept.units,
       kept.revenue,
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

-- The orders' sums of each local day, channel or product, and currency: what profit_*_days keep.

-- Orders, units, revenue and cost, how many orders' fees are actual or estimated, and cash on delivery: the
-- cash orders' totals (expected), those an admin marked collected, and the delivered ones nobody marked yet.
CREATE VIEW order_sales_slices AS
SELECT day, marketplace_id, currency, COUNT(*)::int AS orders, SUM(units)::int AS units, SUM(revenue) AS revenue,
       SUM(cost) AS cost, (COUNT(*) FILTER (WHERE basis = 'actual'))::int AS actual_orders,
       (COUNT(*) FILTER (WHERE basis = 'estimated'))::int AS estimated_orders,
       (COUNT(*) FILTER (WHERE cash))::int AS cash_orders,
       COALESCE(SUM(total) FILTER (WHERE cash), 0) AS cash_expected,
       (COUNT(*) FILTER (WHERE cash AND cash_collected))::int AS cash_collected_orders,
       COALESCE(SUM(total) FILTER (WHERE cash AND cash_collected), 0) AS cash_collected,
       (COUNT(*) FILTER (WHERE cash AND delivered AND NOT cash_collected))::int AS cash_delivered_uncollected
  FROM order_money
 GROUP BY day, marketplace_id, currency;

-- The fees of orders not cancelled per kind and basis, each in its own currency (the platform's, or ours for
-- packaging).
CREATE VIEW order_fee_slices AS
SELECT (o.order_date AT TIME ZONE 'Asia/Tashkent')::date AS day, o.marketplace_id, f.currency, f.kind, f.basis,
       SUM(f.amount) AS amount
  FROM orders o
 CROSS JOIN LATERAL (SELECT currency, kind, basis, amount FROM order_fees WHERE order_id = o.id OFFSET 0) AS f
 WHERE o.status <> 'cancelled'
 GROUP BY 1, o.marketplace_id, f.currency, f.kind, f.basis;

-- Each product's order lines with their share of their orders' fees (a line's share of its order's revenue).
-- Each line gives one row of its own money in its order's currency and one per currency its order's fees are
-- in, so no sum mixes two currencies; each sum is then converted at its day's rate (NULL: rate missing). A
-- month holds many such rows, so they are kept converted (a rate that changes marks its days, below).
CREATE VIEW order_product_slices AS
SELECT slice.*,
       ROUND(slice.revenue * rate, 2) AS revenue_base,
       ROUND(slice.fees * rate, 2) AS fees_base,
       rate IS NULL AS rate_missing
  FROM (SELECT line.day, line.product_sku, money.currency, MIN(line.product_name) AS product_name,
               (COUNT(DISTINCT line.order_id) FILTER (WHERE money.own))::int AS orders,
               (COALESCE(SUM(line.units) FILTER (WHERE money.own), 0))::int AS units,
               SUM(money.revenue) AS revenue, SUM(money.cost) AS cost, SUM(money.fees) AS fees
          FROM (SELECT *, SUM(revenue) OVER (PARTITION BY day, order_id) AS order_revenue
                  FROM sales_lines
                 WHERE order_id IS NOT NULL) AS line
         CROSS JOIN LATERAL (
               SELECT line.currency, TRUE AS own, line.revenue, line.cost, 0 AS fees
               UNION ALL
               SELECT f.currency, FALSE, 0, 0,
                      ROUND(SUM(f.amount) * line.revenue / NULLIF(line.order_revenue, 0), 2)
                 FROM order_fees f
                WHERE f.order_id = line.order_id
                GROUP BY f.currency
               ) AS money
         GROUP BY line.day, line.product_sku, money.currency) AS slice
 CROSS JOIN LATERAL rate_on(slice.currency, slice.day) AS rate;

-- Those sums kept per day, so a month's report reads a few hundred rows instead of every order line of the
-- month. A change to an order, its lines or its fees marks its day in profit_dirty_days (the triggers below);
-- core.analytics recomputes the marked days from the views above before it reads. The channels' sums are
-- converted when a report reads, at the rates of that moment; the products' (many rows) are kept converted, and
-- a rate or base currency that changes marks the days it converts.
CREATE TABLE profit_sales_days (
    day DATE NOT NULL,
    marketplace_id INTEGER NOT NULL,
    currency CHAR(3) NOT NULL,
    orders INTEGER NOT NULL,
    units INTEGER NOT NULL,
    revenue NUMERIC NOT NULL,
    cost NUMERIC NOT NULL,
    actual_orders INTEGER NOT NULL,
    estimated_orders INTEGER NOT NULL,
    cash_orders INTEGER NOT NULL,
    cash_expected NUMERIC NOT NULL,
    cash_collected_orders INTEGER NOT NULL,
    cash_collected NUMERIC NOT NULL,
    cash_delivered_uncollected INTEGER NOT NULL,
    PRIMARY KEY (day, marketplace_id, currency)
);

CREATE TABLE profit_fee_days (
    day DATE NOT NULL,
    marketplace_id INTEGER NOT NULL,
    currency CHAR(3) NOT NULL,
    kind VARCHAR(20) NOT NULL,
    basis VARCHAR(10) NOT NULL,
    amount NUMERIC NOT NULL,
    PRIMARY KEY (day, marketplace_id, currency, kind, basis)
);

CREATE TABLE profit_product_days (
    day DATE NOT NULL,
    product_sku VARCHAR(100) NOT NULL,
    currency CHAR(3) NOT NULL,
    product_name VARCHAR(255),
    orders INTEGER NOT NULL,
    units INTEGER NOT NULL,
    revenue NUMERIC NOT NULL,
    cost NUMERIC NOT NULL,
    fees NUMERIC NOT NULL,
    revenue_base NUMERIC,
    fees_base NUMERIC,
    rate_missing BOOLEAN NOT NULL,
    PRIMARY KEY (day, product_sku, currency)
);

-- One row per change, never updated: a recompute deletes exactly the rows it saw, so a change committed while
-- it ran keeps its mark for the next one (and no two writers ever wait for one row).
CREATE TABLE profit_dirty_days (
    id BIGSERIAL PRIMARY KEY,
    day DATE NOT NULL
);

-- Statement triggers: a bulk write marks each of its days once.
CREATE FUNCTION profit_mark_order_days() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO profit_dirty_days (day)
    SELECT DISTINCT (order_date AT TIME ZONE 'Asia/Tashkent')::date FROM changed;
    RETURN NULL;
END
$$;

CREATE FUNCTION profit_mark_line_days() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO profit_dirty_days (day)
    SELECT DISTINCT (o.order_date AT TIME ZONE 'Asia/Tashkent')::date
      FROM (SELECT DISTINCT order_id FROM changed) AS c
      JOIN orders o ON o.id = c.order_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER profit_orders_insert AFTER INSERT ON orders REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION profit_mark_order_days();
CREATE TRIGGER profit_orders_update_new AFTER UPDATE ON orders REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION profit_mark_order_days();
CREATE TRIGGER profit_orders_update_old AFTER UPDATE ON orders REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION profit_mark_order_days();
CREATE TRIGGER profit_orders_delete AFTER DELETE ON orders REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION profit_mark_order_days();
CREATE TRIGGER profit_items_insert AFTER INSERT ON order_items REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION profit_mark_line_days();
CREATE TRIGGER profit_items_update AFTER UPDATE ON order_items REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION profit_mark_line_days();
CREATE TRIGGER profit_items_delete AFTER DELETE ON order_items REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION profit_mark_line_days();
CREATE TRIGGER profit_fees_insert AFTER INSERT ON order_fees REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION profit_mark_line_days();
CREATE TRIGGER profit_fees_update AFTER UPDATE ON order_fees REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION profit_mark_line_days();
CREATE TRIGGER profit_fees_delete AFTER DELETE ON order_fees REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION profit_mark_line_days();

-- A TRUNCATE fires no row of the above: every kept day is recomputed instead (to nothing, if its orders went).
CREATE FUNCTION profit_mark_kept_days() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO profit_dirty_days (day)
    SELECT day FROM profit_sales_days UNION SELECT day FROM profit_fee_days UNION SELECT day FROM profit_product_days;
    RETURN NULL;
END
$$;

CREATE TRIGGER profit_orders_truncate AFTER TRUNCATE ON orders
    FOR EACH STATEMENT EXECUTE FUNCTION profit_mark_kept_days();
CREATE TRIGGER profit_items_truncate AFTER TRUNCATE ON order_items
    FOR EACH STATEMENT EXECUTE FUNCTION profit_mark_kept_days();
CREATE TRIGGER profit_fees_truncate AFTER TRUNCATE ON order_fees
    FOR EACH STATEMENT EXECUTE FUNCTION profit_mark_kept_days();

-- A rate changed: the days it converts (from its day on) of the kept products' sums in its currency. The base
-- currency changed: every kept day.
CREATE FUNCTION profit_mark_rate_days() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO profit_dirty_days (day)
    SELECT DISTINCT kept.day
      FROM (SELECT currency, MIN(day) AS first_day FROM changed GROUP BY currency) AS rate
      JOIN profit_product_days kept ON kept.currency = rate.currency AND kept.day >= rate.first_day;
    RETURN NULL;
END
$$;

CREATE FUNCTION profit_mark_base_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP = 'DELETE' AND OLD.key = 'base_currency') OR (TG_OP <> 'DELETE' AND NEW.key = 'base_currency') THEN
        INSERT INTO profit_dirty_days (day) SELECT DISTINCT day FROM profit_product_days;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER profit_rates_insert AFTER INSERT ON exchange_rates REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION profit_mark_rate_days();
CREATE TRIGGER profit_rates_update_new AFTER UPDATE ON exchange_rates REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION profit_mark_rate_days();
CREATE TRIGGER profit_rates_update_old AFTER UPDATE ON exchange_rates REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION profit_mark_rate_days();
CREATE TRIGGER profit_rates_delete AFTER DELETE ON exchange_rates REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION profit_mark_rate_days();
CREATE TRIGGER profit_rates_truncate AFTER TRUNCATE ON exchange_rates
    FOR EACH STATEMENT EXECUTE FUNCTION profit_mark_kept_days();
CREATE TRIGGER profit_base_currency AFTER INSERT OR UPDATE OR DELETE ON shop_settings
    FOR EACH ROW EXECUTE FUNCTION profit_mark_base_change();

-- The orders already there are counted by the first report.
INSERT INTO profit_dirty_days (day) SELECT DISTINCT (order_date AT TIME ZONE 'Asia/Tashkent')::date FROM orders;

-- Sales of each local day and channel in the base currency: each currency's sum converted at its day's rate
-- (rate_on, sql/025_rate_on.sql), and how many orders' fees are actual or estimated. Stock-learnt sales are
-- read as they are (a few rows a day; their value follows the listing's price).
CREATE VIEW channel_day_sales AS
SELECT slice.day,
       slice.marketplace_id,
       SUM(slice.orders)::int AS orders,
       SUM(slice.units)::int AS units,
       CASE WHEN BOOL_OR(rate IS NULL) THEN NULL ELSE SUM(ROUND(slice.revenue * rate, 2)) END AS revenue,
       SUM(slice.cost) AS cost,
       SUM(slice.actual_orders)::int AS actual_orders,
       SUM(slice.estimated_orders)::int AS estimated_orders,
       BOOL_OR(rate IS NULL) AS rate_missing
  FROM (SELECT day, marketplace_id, currency, orders, units, revenue, cost, actual_orders, estimated_orders
          FROM profit_sales_days
        UNION ALL
        SELECT day, marketplace_id, currency, 0, SUM(units), SUM(revenue), SUM(cost), 0, 0
          FROM stock_sales
         GROUP BY day, marketplace_id, currency) AS slice
 CROSS JOIN LATERAL rate_on(slice.currency, slice.day) AS rate
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
  FROM (SELECT day, marketplace_id, currency, kind, basis, amount
          FROM profit_fee_days
        UNION ALL
        SELECT day, marketplace_id, currency, 'commission', 'estimated', SUM(commission)
          FROM stock_sales
         GROUP BY day, marketplace_id, currency
        UNION ALL
        SELECT day, marketplace_id, currency, kind, 'day', SUM(amount)
          FROM day_costs
         GROUP BY day, marketplace_id, currency, kind) AS slice
 CROSS JOIN LATERAL rate_on(slice.currency, slice.day) AS rate
 GROUP BY slice.day, slice.marketplace_id, slice.kind, slice.basis;

-- Each product's sales of each local day and currency in the base currency, with its share of the fees (a
-- stock-learnt sale carries its own estimated commission). One row per currency: a report adds a product's rows
-- up, and a row whose rate is missing makes its sum NULL.
CREATE VIEW product_day_sales AS
SELECT day, product_sku, product_name, orders, units, revenue_base AS revenue, cost, fees_base AS fees, rate_missing
  FROM profit_product_days
UNION ALL
SELECT slice.day, slice.product_sku, slice.product_name, 0, slice.units, ROUND(slice.revenue * rate, 2),
       slice.cost, ROUND(slice.commission * rate, 2), rate IS NULL
  FROM (SELECT day, product_sku, currency, MIN(product_name) AS product_name, SUM(units)::int AS units,
               SUM(revenue) AS revenue, SUM(cost) AS cost, SUM(commission) AS commission
          FROM stock_sales
         GROUP BY day, product_sku, currency) AS slice
 CROSS JOIN LATERAL rate_on(slice.currency, slice.day) AS rate;

-- Each product's share of its orders' fees per kind, each local day, in the base currency: which fee ate a
-- product's profit. Meant to be read for a few products (product_sku = ANY(...)): it starts from their lines.
CREATE VIEW product_day_fees AS
SELECT slice.day,
       slice.product_sku,
       slice.kind,
       CASE WHEN BOOL_OR(rate IS NULL) THEN NULL ELSE SUM(ROUND(slice.amount * rate, 2)) END AS amount
  FROM (SELECT (o.order_date AT TIME ZONE 'Asia/Tashkent')::date AS day, oi.product_sku, f.currency, f.kind,
               SUM(ROUND(f.amount * ROUND(oi.subtotal * (oi.quantity - oi.cancelled_quantity) / oi.quantity, 2)
                         / NULLIF(kept.revenue, 0), 2)) AS amount
          FROM order_items oi
          JOIN orders o ON o.id = oi.order_id
          JOIN order_fees f ON f.order_id = o.id
         CROSS JOIN LATERAL (
               SELECT SUM(ROUND(subtotal * (quantity - cancelled_quantity) / quantity, 2)) AS revenue
                 FROM order_items
                WHERE order_id = o.id
               ) AS kept
         WHERE o.status <> 'cancelled' AND oi.quantity > oi.cancelled_quantity
         GROUP BY 1, oi.product_sku, f.currency, f.kind
        UNION ALL
        SELECT day, product_sku, currency, 'commission', SUM(commission)
          FROM stock_sales
         GROUP BY day, product_sku, currency) AS slice
 CROSS JOIN LATERAL rate_on(slice.currency, slice.day) AS rate
 GROUP BY slice.day, slice.product_sku, slice.kind;

-- Each order's profit in the base currency: what it kept at its day's rate, less our cost and all its fees,
-- each converted at the same day's rate (the costs of a day belong to no order and are left to the day's
-- reports). Meant to be read for one order (order_id = ...).
CREATE VIEW order_profit AS
SELECT m.order_id,
       m.day,
       m.marketplace_id,
       m.currency,
       m.revenue,
       ROUND(m.revenue * rate_on(m.currency, m.day), 2) AS revenue_base,
       m.cost,
       f.fees AS fees_base,
       ROUND(m.revenue * rate_on(m.currency, m.day), 2) - m.cost - f.fees AS profit,
       m.basis,
       rate_on(m.currency, m.day) IS NULL OR f.fees IS NULL AS rate_missing
  FROM order_money m
 CROSS JOIN LATERAL (
       SELECT CASE WHEN BOOL_OR(rate_on(currency, m.day) IS NULL) THEN NULL
                   ELSE COALESCE(SUM(ROUND(amount * rate_on(currency, m.day), 2)), 0) END AS fees
         FROM order_fees
        WHERE order_id = m.order_id
       ) AS f;

-- Cash on delivery of each local day in the base currency: cash orders not cancelled (expected), those an
-- admin marked collected, and the delivered ones nobody marked yet.
CREATE VIEW cash_day AS
SELECT slice.day,
       SUM(slice.cash_orders)::int AS expected_orders,
       CASE WHEN BOOL_OR(rate IS NULL) THEN NULL ELSE SUM(ROUND(slice.cash_expected * rate, 2)) END AS expected,
       SUM(slice.cash_collected_orders)::int AS collected_orders,
       CASE WHEN BOOL_OR(rate IS NULL) THEN NULL ELSE SUM(ROUND(slice.cash_collected * rate, 2)) END AS collected,
       SUM(slice.cash_delivered_uncollected)::int AS delivered_uncollected,
       BOOL_OR(rate IS NULL) AS rate_missing
  FROM profit_sales_days AS slice
 CROSS JOIN LATERAL rate_on(slice.currency, slice.day) AS rate
 WHERE slice.cash_orders > 0
 GROUP BY slice.day;
