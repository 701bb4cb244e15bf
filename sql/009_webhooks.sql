-- Webhooks: each event once (deduplicated on its identity), retried with backoff, and an unguessable path
-- token for platforms that sign nothing (Ozon).
ALTER TABLE marketplace_webhooks
    ADD COLUMN event_key VARCHAR(300),
    ADD COLUMN next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT NOW();
CREATE UNIQUE INDEX idx_webhooks_event_key ON marketplace_webhooks(marketplace_id, event_key)
    WHERE event_key IS NOT NULL;
CREATE INDEX idx_webhooks_due ON marketplace_webhooks(next_attempt_at) WHERE status IN ('pending', 'retry');

ALTER TABLE marketplaces ADD COLUMN webhook_path_token VARCHAR(100);
