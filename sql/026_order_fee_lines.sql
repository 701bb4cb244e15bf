-- The platform's own finance lines behind an order's 'actual' fees (order_fees, 022_money.sql). A platform books
-- an order's money over several periods (Wildberries' weekly realization reports, Ozon's transactions: the sale,
-- then its return weeks later), so an order's actual fee of a kind is the sum of every line heard of, each line
-- kept once by the platform's own id of it (`line_key`): reading a period twice, or two overlapping periods,
-- counts it once, and a line read again replaces what it said before.
-- (022 keyed order_fees by order and kind only, which cannot tell a line read again from a new one.)
CREATE TABLE order_fee_lines (
    marketplace_id INTEGER NOT NULL REFERENCES marketplaces(id) ON DELETE CASCADE,
    line_key VARCHAR(200) NOT NULL,
    order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    kind VARCHAR(20) NOT NULL CHECK (kind IN (
        'commission', 'logistics', 'last_mile', 'storage', 'penalty', 'acquiring', 'return_logistics', 'other'
    )),
    amount NUMERIC(14, 2) NOT NULL,
    currency CHAR(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    PRIMARY KEY (marketplace_id, line_key, kind, currency)
);
CREATE INDEX idx_order_fee_lines_order ON order_fee_lines (order_id);
