-- FBS work from chat (core/fbs.py, sync/fbs_worker.py): where each imported marketplace order stands on its
-- platform, the actions the admins ask of the platforms, and the returns that wait for an admin's decision.

-- One row per imported order of a platform with FBS actions, written by the import. `deadline` is the
-- platform's next one (Uzum acceptUntil, Wildberries' and Ozon's ship-by date); `shipment` is where confirming
-- put it (a Wildberries supply id).
CREATE TABLE marketplace_order_work (
    order_id INTEGER PRIMARY KEY REFERENCES orders(id) ON DELETE CASCADE,
    marketplace_id INTEGER NOT NULL REFERENCES marketplaces(id) ON DELETE CASCADE,
    deadline TIMESTAMPTZ,
    state TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'confirmed', 'handed_over', 'cancelled')),
    shipment TEXT,
    confirmed_at TIMESTAMPTZ,
    handed_over_at TIMESTAMPTZ,
    -- When the deadline reminder went out: once per order.
    reminded_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
-- The reminder job's scan: unconfirmed orders with a deadline not yet reminded.
CREATE INDEX idx_order_work_due ON marketplace_order_work(deadline) WHERE state = 'new' AND reminded_at IS NULL;
CREATE INDEX idx_order_work_confirmed ON marketplace_order_work(marketplace_id) WHERE state = 'confirmed';

-- The queue the bot writes (core.fbs.request) and the sync runs (claimed FOR UPDATE SKIP LOCKED). A finished
-- action keeps what the platform answered: its refusal, or the document (labels, a QR code) as one PDF.
CREATE TABLE marketplace_actions (
    id BIGSERIAL PRIMARY KEY,
    marketplace_id INTEGER NOT NULL REFERENCES marketplaces(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('confirm', 'cancel', 'labels', 'hand_over')),
    order_ids INTEGER[] NOT NULL CHECK (cardinality(order_ids) > 0),
    reason TEXT,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    error TEXT,
    document BYTEA,
    filename TEXT,
    requested_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    finished_at TIMESTAMPTZ,
    CHECK ((state = 'pending') = (finished_at IS NULL))
);
CREATE INDEX idx_actions_pending ON marketplace_actions(id) WHERE state = 'pending';

-- Goods buyers sent back, one row per returned line: the key is the platform's return key and the line's
-- index, so hearing of a return again stores nothing. The stock moves only when an admin decides.
CREATE TABLE marketplace_returns (
    id SERIAL PRIMARY KEY,
    marketplace_id INTEGER NOT NULL REFERENCES marketplaces(id) ON DELETE CASCADE,
    return_key TEXT NOT NULL,
    order_id INTEGER REFERENCES orders(id) ON DELETE SET NULL,
    product_id INTEGER REFERENCES products(id) ON DELETE SET NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    title TEXT NOT NULL,
    reason TEXT,
    defective BOOLEAN NOT NULL DEFAULT FALSE,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'restocked', 'written_off')),
    decided_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    decided_at TIMESTAMPTZ,
    note TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    UNIQUE (marketplace_id, return_key),
    CHECK ((state = 'pending') = (decided_at IS NULL))
);
CREATE INDEX idx_returns_pending ON marketplace_returns(created_at) WHERE state = 'pending';

-- When the returns were last asked for: the next pull asks for those since then (less a margin).
ALTER TABLE marketplaces ADD COLUMN returns_pulled_at TIMESTAMPTZ;

-- Goods that leave the stock for good (a returned item too damaged to sell), with the reason in the notes.
ALTER TABLE inventory_movements
    DROP CONSTRAINT inventory_movements_type_check,
    ADD CONSTRAINT inventory_movements_type_check CHECK (movement_type IN (
        'receive', 'adjustment', 'stock_take', 'sale', 'return', 'cancel',
        'marketplace_sale', 'marketplace_return', 'reserve', 'release', 'write_off'
    ));
