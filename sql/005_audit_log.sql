-- The audit log: every admin write (stock, prices, order status, product edits, admin rights) says who did
-- it, what it was, the old and new values, and when. Rows are written in the same transaction as the change.
CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    -- NULL when the system itself acted (e.g. the alert sender learnt that a customer blocked the bot).
    actor_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    action VARCHAR(50) NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
    entity_type VARCHAR(30) NOT NULL,
    entity_id BIGINT,
    old_values JSONB,
    new_values JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_audit_entity ON audit_log(entity_type, entity_id, created_at DESC);
CREATE INDEX idx_audit_actor ON audit_log(actor_id, created_at DESC);
CREATE INDEX idx_audit_created ON audit_log(created_at DESC);
