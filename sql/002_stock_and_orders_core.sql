-- The stock ledger and orders core: movement types, who did it, push versions on mappings,
-- reservations with expiry, the notifications outbox, own-store status bookkeeping and order snapshots.

-- Every movement says what kind it is; reserve/release move reserved_quantity, not quantity.
ALTER TABLE inventory_movements
    ADD CONSTRAINT inventory_movements_type_check CHECK (movement_type IN (
        'receive', 'adjustment', 'stock_take', 'sale', 'return', 'cancel',
        'marketplace_sale', 'marketplace_return', 'reserve', 'release'
    )),
    ADD COLUMN reserved_change INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN reserved_after INTEGER NOT NULL DEFAULT 0 CHECK (reserved_after >= 0),
    ADD COLUMN created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    ADD CONSTRAINT inventory_movements_chain_check CHECK (quantity_after = quantity_before + quantity_change);
CREATE INDEX idx_inv_movements_reference ON inventory_movements(reference_type, reference_id);

-- Own-store visibility: why a product is off. 'out_of_stock' is undone by the stock coming back,
-- 'admin' only by an admin.
ALTER TABLE products
    ADD COLUMN inactive_reason VARCHAR(20) CHECK (inactive_reason IN ('out_of_stock', 'admin')),
    -- New products take the LOW_STOCK_THRESHOLD setting (core.catalog); 5 for rows made by hand.
    ADD COLUMN low_stock_threshold INTEGER NOT NULL DEFAULT 5 CHECK (low_stock_threshold >= 0),
    ALTER COLUMN profitability_percentage TYPE NUMERIC(12,2),
    ADD CONSTRAINT products_active_means_no_reason CHECK (is_active = (inactive_reason IS NULL));
UPDATE products SET inactive_reason = 'admin' WHERE NOT is_active;

-- Rentabellik: (effective price - cost) / cost x 100, kept right by the database on every price change.
CREATE OR REPLACE FUNCTION products_profitability()
RETURNS TRIGGER AS $$
BEGIN
    NEW.profitability_percentage = CASE
        WHEN NEW.cost_price IS NULL OR NEW.cost_price = 0 THEN NULL
        ELSE ROUND((COALESCE(NEW.sale_price, NEW.price) - NEW.cost_price) / NEW.cost_price * 100, 2)
    END;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER products_profitability
    BEFORE INSERT OR UPDATE OF price, sale_price, cost_price ON products
    FOR EACH ROW EXECUTE FUNCTION products_profitability();
UPDATE products SET price = price;

-- Level-triggered push: a stock change bumps stock_version; the push job records the version it sent
-- in pushed_version. Many changes between two pushes cost one push.
ALTER TABLE marketplace_products
    ADD COLUMN stock_version BIGINT NOT NULL DEFAULT 1,
    ADD COLUMN pushed_version BIGINT NOT NULL DEFAULT 0;
CREATE INDEX idx_mp_products_push_due ON marketplace_products(marketplace_id) WHERE stock_version > pushed_version;

-- Order numbers read like AS-20261121-000123; the prefix says the channel.
ALTER TABLE marketplaces ADD COLUMN order_prefix VARCHAR(8) CHECK (order_prefix ~ '^[A-Z0-9]+$');
CREATE SEQUENCE order_number_seq;

ALTER TABLE orders
    ADD COLUMN note TEXT,
    ADD COLUMN total_commission NUMERIC(14,2) NOT NULL DEFAULT 0,
    ADD COLUMN created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    ADD CONSTRAINT orders_payment_status_check
        CHECK (payment_status IN ('unpaid', 'awaiting_payment', 'paid', 'refunded'));

-- A marketplace buyer may drop some items of an order and keep the rest: the line remembers how many of it
-- were cancelled (its price snapshot stays as sold).
ALTER TABLE order_items
    ADD COLUMN commission_rate NUMERIC(5,2),
    ADD COLUMN commission NUMERIC(14,2) NOT NULL DEFAULT 0,
    ADD COLUMN cancelled_quantity INTEGER NOT NULL DEFAULT 0
        CHECK (cancelled_quantity >= 0 AND cancelled_quantity <= quantity);

-- Checkout holds: stock kept aside for a customer until payment, or until it expires.
CREATE TABLE stock_reservations (
    id SERIAL PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    order_id INTEGER REFERENCES orders(id) ON DELETE CASCADE,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    status VARCHAR(20) NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'committed', 'released')),
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    closed_at TIMESTAMPTZ
);
CREATE INDEX idx_reservations_expiry ON stock_reservations(expires_at) WHERE status = 'held';
CREATE INDEX idx_reservations_order ON stock_reservations(order_id);
CREATE INDEX idx_reservations_product ON stock_reservations(product_id);

-- Outbox: alerts written in the same transaction as the change that caused them; the bot drains it.
CREATE TABLE notifications (
    id BIGSERIAL PRIMARY KEY,
    kind VARCHAR(40) NOT NULL,
    payload JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    sent_at TIMESTAMPTZ,
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    last_error TEXT
);
CREATE INDEX idx_notifications_due ON notifications(next_attempt_at) WHERE sent_at IS NULL;
