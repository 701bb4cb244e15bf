-- A shop that never loaded the demo can sell: the own store is a channel from the first migration on.
-- The demo's rows carry a marker, so `amazing-store demo remove` takes them away and nothing the seller added.

-- One own store: the checkout finds it by its type, and the demo's seeding (ON CONFLICT DO NOTHING) then
-- never adds a second one, whatever the seller renamed this one to.
CREATE UNIQUE INDEX idx_marketplaces_one_own_store ON marketplaces (integration_type) WHERE integration_type = 'own';

INSERT INTO marketplaces (name, slug, integration_type, supports_stock_sync, supports_order_sync,
                          supports_price_sync, sync_interval_minutes, default_commission_rate, order_prefix)
VALUES ('Amazing Store', 'amazing-store', 'own', TRUE, TRUE, TRUE, 60, 0.00, 'AS')
ON CONFLICT DO NOTHING;

ALTER TABLE marketplaces ADD COLUMN is_demo BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE categories ADD COLUMN is_demo BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE products ADD COLUMN is_demo BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE banners ADD COLUMN is_demo BOOLEAN NOT NULL DEFAULT FALSE;

-- The shop's own settings, edited from the bot: its profile (name, phone, hours, about texts) and the chat
-- that receives alerts. One row per setting; a missing row is a setting never made.
CREATE TABLE shop_settings (
    key VARCHAR(40) PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
