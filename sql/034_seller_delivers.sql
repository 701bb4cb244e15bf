-- An order the seller's own courier takes to its buyer (Yandex Market DBS): after the hand-over it is the seller
-- who tells the platform it was delivered, from chat (the `deliver` action). Known from the order itself, as
-- the platform gives it at import.
ALTER TABLE marketplace_order_work ADD COLUMN seller_delivers BOOLEAN NOT NULL DEFAULT false;

ALTER TABLE marketplace_actions
    DROP CONSTRAINT marketplace_actions_kind_check,
    ADD CONSTRAINT marketplace_actions_kind_check
        CHECK (kind IN ('confirm', 'cancel', 'labels', 'hand_over', 'answer_cancellation', 'deliver'));
