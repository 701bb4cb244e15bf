-- The webhook queue at a thousand events a second. The worker claims due events oldest first: an index in id
-- order lets a claim read the first rows instead of sorting the whole backlog. Indexes no query uses go: each
-- cost every insert, and every status change too (status is in their predicates, so no update is HOT).
CREATE INDEX idx_webhooks_queue ON marketplace_webhooks(id) WHERE status IN ('pending', 'retry');
DROP INDEX idx_webhooks_due;
DROP INDEX idx_webhooks_status;
DROP INDEX idx_webhooks_event;
