-- A buyer's request to cancel a marketplace order the seller must answer (core/cancellation_requests.py): Yandex
-- Market DBS (cancelRequested, ORDER_CANCELLATION_REQUEST), Ozon rFBS conditional cancellation.

-- One request per order: hearing it again (the pull, the platform's notification, a redelivery) changes nothing.
-- `refusal` is our reason for a refusal (core.listings.CancellationRefusal); `settled_at` is when the platform
-- took the answer (until then a failed answer puts the request back to pending, to be answered again).
CREATE TABLE marketplace_cancellation_requests (
    id SERIAL PRIMARY KEY,
    marketplace_id INTEGER NOT NULL REFERENCES marketplaces(id) ON DELETE CASCADE,
    order_key TEXT NOT NULL,
    order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    requested_at TIMESTAMPTZ NOT NULL,
    reason TEXT,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'accepted', 'rejected')),
    refusal TEXT,
    answered_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    answered_at TIMESTAMPTZ,
    settled_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    UNIQUE (marketplace_id, order_key),
    CHECK ((state = 'pending') = (answered_at IS NULL)),
    CHECK ((state = 'rejected') = (refusal IS NOT NULL)),
    CHECK (settled_at IS NULL OR state <> 'pending')
);
CREATE INDEX idx_cancellation_requests_order ON marketplace_cancellation_requests(order_id);

-- The answer goes to the platform through the FBS action queue, run by the sync like a confirm or a cancel.
ALTER TABLE marketplace_actions
    DROP CONSTRAINT marketplace_actions_kind_check,
    ADD CONSTRAINT marketplace_actions_kind_check
        CHECK (kind IN ('confirm', 'cancel', 'labels', 'hand_over', 'answer_cancellation'));

-- Each action run logs as fbs_<kind>: fbs_answer_cancellation is longer than the 20 letters sync_type had
-- (widening a VARCHAR rewrites nothing).
ALTER TABLE sync_logs ALTER COLUMN sync_type TYPE VARCHAR(40);
