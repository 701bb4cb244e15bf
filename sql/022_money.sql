-- Money truth: every amount keeps its currency, reports convert each order at its own day's rate, and an
-- order's fees are the platform's own figures once it reports them (estimated from our rates until then).

-- The currency of an order's amounts and of its lines: Uzum and our own channels sell in so'm, Wildberries and
-- Ozon in what the seller's cabinet says (RUB, KZT, ...). Every row before this one was entered as so'm.
ALTER TABLE orders
    ADD COLUMN currency CHAR(3) NOT NULL DEFAULT 'UZS' CHECK (currency ~ '^[A-Z]{3}$'),
    -- Cash on delivery: who marked the money as collected, and when.
    ADD COLUMN cash_collected_at TIMESTAMPTZ,
    ADD COLUMN cash_collected_by INTEGER REFERENCES users(id) ON DELETE SET NULL;

-- The currency of the price a marketplace shows for a listing (read-only for us).
ALTER TABLE marketplace_products ADD COLUMN price_currency CHAR(3) CHECK (price_currency ~ '^[A-Z]{3}$');

-- One unit of `currency` is worth `rate` units of the shop's base currency on `day`, and on the days after it
-- until the next row of that currency: a report takes the newest row on or before the order's day. The
-- Central Bank's daily rates come in as 'cbu'; an admin's as 'admin', which the daily job never overwrites.
CREATE TABLE exchange_rates (
    currency CHAR(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    day DATE NOT NULL,
    rate NUMERIC(20, 8) NOT NULL CHECK (rate > 0),
    source VARCHAR(10) NOT NULL CHECK (source IN ('cbu', 'admin')),
    set_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (currency, day)
);

-- What an order cost the seller beyond the goods, one row per kind: a positive amount is a cost, a negative one
-- a compensation. 'estimated' rows come from our configured rates when the order arrives; the platform's own
-- figures replace them as 'actual' when its finance report names the order; 'seller' rows are the seller's own
-- costs (packaging, the payout fee of the payout schedule, VAT) computed from the shop's settings.
CREATE TABLE order_fees (
    order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    kind VARCHAR(20) NOT NULL CHECK (kind IN (
        'commission', 'logistics', 'last_mile', 'storage', 'penalty', 'acquiring', 'return_logistics',
        'payout_fee', 'packaging', 'vat', 'other'
    )),
    amount NUMERIC(14, 2) NOT NULL,
    currency CHAR(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    basis VARCHAR(10) NOT NULL CHECK (basis IN ('estimated', 'actual', 'seller')),
    source VARCHAR(100),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (order_id, kind)
);

-- Costs a platform reports that belong to no order (storage, penalties, ...): costs of their day. Keyed by the
-- platform's own id of the line, so reading a report twice counts it once.
CREATE TABLE day_costs (
    id BIGSERIAL PRIMARY KEY,
    marketplace_id INTEGER NOT NULL REFERENCES marketplaces(id) ON DELETE CASCADE,
    day DATE NOT NULL,
    kind VARCHAR(20) NOT NULL CHECK (kind IN (
        'commission', 'logistics', 'last_mile', 'storage', 'penalty', 'acquiring', 'return_logistics',
        'payout_fee', 'packaging', 'vat', 'other'
    )),
    amount NUMERIC(14, 2) NOT NULL,
    currency CHAR(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    source_key VARCHAR(200) NOT NULL,
    note TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    UNIQUE (marketplace_id, source_key)
);
CREATE INDEX idx_day_costs_day ON day_costs (day);
