-- Marketplace sync: per-marketplace connection settings (credentials encrypted by the application with
-- SECRET_KEY), the platform keys a stock push needs on each mapping, channel rules, and failure bookkeeping.

ALTER TABLE marketplaces
    -- Overrides the platform's public address (tests and the demo point at local sandboxes).
    ADD COLUMN base_url TEXT CHECK (base_url IS NULL OR base_url ~ '^https?://'),
    ADD COLUMN client_id VARCHAR(100),
    ADD COLUMN warehouse_id BIGINT,
    ADD COLUMN shop_id BIGINT,
    -- How sales on the platform are learnt: from its orders, or from the drop of its stock (design workflow 1).
    ADD COLUMN sales_source VARCHAR(20) NOT NULL DEFAULT 'orders' CHECK (sales_source IN ('orders', 'stock_diff')),
    -- A failing marketplace raises one alert, not one per attempt; cleared by the next success.
    ADD COLUMN failing_since TIMESTAMPTZ,
    ADD COLUMN failure_alerted BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE marketplace_products
    ADD COLUMN wb_chrt_id BIGINT,
    ADD COLUMN uzum_sku_id BIGINT,
    ADD COLUMN uzum_barcode VARCHAR(100),
    ADD COLUMN ozon_offer_id VARCHAR(200),
    ADD COLUMN ozon_product_id BIGINT,
    ADD COLUMN ozon_warehouse_id BIGINT,
    -- Channel rules: value pushed = min(max_quantity, floor((available - stock_buffer) * stock_percent / 100)).
    ADD COLUMN stock_buffer INTEGER NOT NULL DEFAULT 0 CHECK (stock_buffer >= 0),
    ADD COLUMN stock_percent INTEGER NOT NULL DEFAULT 100 CHECK (stock_percent BETWEEN 0 AND 100),
    ADD COLUMN max_quantity INTEGER CHECK (max_quantity >= 0),
    -- The platform refuses an item until this time (Ozon: one update per item and warehouse per 30 s).
    ADD COLUMN push_not_before TIMESTAMPTZ;
CREATE UNIQUE INDEX idx_mp_products_wb_chrt ON marketplace_products(marketplace_id, wb_chrt_id)
    WHERE wb_chrt_id IS NOT NULL;
CREATE UNIQUE INDEX idx_mp_products_uzum_sku ON marketplace_products(marketplace_id, uzum_sku_id)
    WHERE uzum_sku_id IS NOT NULL;
CREATE UNIQUE INDEX idx_mp_products_ozon_offer ON marketplace_products(marketplace_id, ozon_offer_id, ozon_warehouse_id)
    WHERE ozon_offer_id IS NOT NULL;

-- A push woken by a stock change is neither scheduled nor a webhook.
ALTER TABLE sync_logs DROP CONSTRAINT sync_logs_trigger_type_check,
    ADD CONSTRAINT sync_logs_trigger_type_check CHECK (trigger_type IN ('webhook', 'manual', 'scheduled', 'event'));
