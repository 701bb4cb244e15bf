-- Sales learnt from the marketplaces: order lines that could not become our sales are kept aside for an
-- admin (a listing mapped to nothing, or units we no longer had), never dropped.
CREATE TABLE marketplace_order_problems (
    id SERIAL PRIMARY KEY,
    marketplace_id INTEGER NOT NULL REFERENCES marketplaces(id) ON DELETE CASCADE,
    marketplace_order_id VARCHAR(200) NOT NULL,
    problem VARCHAR(20) NOT NULL CHECK (problem IN ('unmapped', 'out_of_stock')),
    line_key VARCHAR(200) NOT NULL,
    line JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    resolved_at TIMESTAMPTZ,
    UNIQUE (marketplace_id, marketplace_order_id, line_key)
);
CREATE INDEX idx_order_problems_open ON marketplace_order_problems(marketplace_id) WHERE resolved_at IS NULL;

-- When each kind of pull last ran, so a replica that starts later does not pull again at once.
ALTER TABLE marketplaces
    ADD COLUMN orders_pulled_at TIMESTAMPTZ,
    ADD COLUMN prices_pulled_at TIMESTAMPTZ;
