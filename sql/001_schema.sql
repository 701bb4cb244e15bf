-- The 14 tables of the design (shared/seeds/000, 001) plus order_status_history.
-- Differences from the design, on purpose: every timestamp is timestamptz (stored in UTC);
-- enumerated columns get CHECKs; money is NUMERIC(14,2) (NUMERIC(10,2) caps at ~100 M so'm, a few
-- laptops); a marketplace listing maps to one product only; marketplaces is created before the tables
-- that reference it.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE OR REPLACE FUNCTION update_updated_at_column()
RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- 1. users: Telegram customers and admins
CREATE TABLE users (
    id SERIAL PRIMARY KEY,
    telegram_id BIGINT UNIQUE NOT NULL,
    first_name VARCHAR(100) NOT NULL,
    last_name VARCHAR(100),
    username VARCHAR(100),
    phone VARCHAR(20),
    language VARCHAR(2) NOT NULL DEFAULT 'uz' CHECK (language IN ('uz', 'ru')),
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    last_login_at TIMESTAMPTZ
);
CREATE INDEX idx_users_admin ON users(is_admin) WHERE is_admin = TRUE;

-- 2. categories: hierarchical, uz/ru
CREATE TABLE categories (
    id SERIAL PRIMARY KEY,
    name_uz VARCHAR(255) NOT NULL,
    name_ru VARCHAR(255),
    parent_id INTEGER REFERENCES categories(id) ON DELETE CASCADE,
    icon VARCHAR(50),
    color VARCHAR(20),
    sort_order INTEGER NOT NULL DEFAULT 0,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX idx_categories_parent ON categories(parent_id);
CREATE INDEX idx_categories_active ON categories(is_active) WHERE is_active = TRUE;

-- 3. products: the master catalog; price/sale_price are ours (own store and manual channels)
CREATE TABLE products (
    id SERIAL PRIMARY KEY,
    sku VARCHAR(100) UNIQUE NOT NULL CHECK (sku <> ''),
    barcode VARCHAR(100),
    name_uz VARCHAR(255) NOT NULL CHECK (name_uz <> ''),
    name_ru VARCHAR(255),
    description_uz TEXT,
    description_ru TEXT,
    category_id INTEGER REFERENCES categories(id) ON DELETE SET NULL,
    price NUMERIC(14,2) NOT NULL CHECK (price >= 0),
    sale_price NUMERIC(14,2) CHECK (sale_price IS NULL OR sale_price >= 0),
    cost_price NUMERIC(14,2) CHECK (cost_price IS NULL OR cost_price >= 0),
    profitability_percentage NUMERIC(7,2),
    image_url TEXT,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    view_count INTEGER NOT NULL DEFAULT 0 CHECK (view_count >= 0),
    order_count INTEGER NOT NULL DEFAULT 0 CHECK (order_count >= 0),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_products_category ON products(category_id);
CREATE INDEX idx_products_active ON products(is_active) WHERE is_active = TRUE;
CREATE INDEX idx_products_barcode ON products(barcode) WHERE barcode IS NOT NULL;
CREATE INDEX idx_products_created ON products(created_at DESC);

-- 4. inventory: the one stock; available = quantity - reserved_quantity
CREATE TABLE inventory (
    id SERIAL PRIMARY KEY,
    product_id INTEGER UNIQUE NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    quantity INTEGER NOT NULL DEFAULT 0 CHECK (quantity >= 0),
    reserved_quantity INTEGER NOT NULL DEFAULT 0 CHECK (reserved_quantity >= 0),
    last_updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CHECK (reserved_quantity <= quantity)
);
CREATE INDEX idx_inventory_quantity ON inventory(quantity) WHERE quantity > 0;

-- 6. marketplaces: every sales channel (api, manual, own)
CREATE TABLE marketplaces (
    id SERIAL PRIMARY KEY,
    name VARCHAR(100) NOT NULL UNIQUE,
    slug VARCHAR(50) UNIQUE NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9_-]*$'),
    integration_type VARCHAR(20) NOT NULL CHECK (integration_type IN ('api', 'manual', 'own')),
    api_type VARCHAR(50),
    api_key_encrypted TEXT,
    api_secret_encrypted TEXT,
    access_token TEXT,
    refresh_token TEXT,
    token_expires_at TIMESTAMPTZ,
    marketplace_code VARCHAR(50),
    webhook_url TEXT,
    webhook_secret TEXT,
    supports_webhooks BOOLEAN NOT NULL DEFAULT FALSE,
    webhook_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    supports_stock_sync BOOLEAN NOT NULL DEFAULT FALSE,
    supports_order_sync BOOLEAN NOT NULL DEFAULT FALSE,
    supports_price_sync BOOLEAN NOT NULL DEFAULT FALSE,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    auto_sync_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    sync_interval_minutes INTEGER NOT NULL DEFAULT 60 CHECK (sync_interval_minutes > 0),
    default_commission_rate NUMERIC(5,2) CHECK (default_commission_rate BETWEEN 0 AND 100),
    last_sync_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_marketplaces_integration ON marketplaces(integration_type);
CREATE INDEX idx_marketplaces_active ON marketplaces(is_active) WHERE is_active = TRUE;
CREATE INDEX idx_marketplaces_webhooks ON marketplaces(webhook_enabled) WHERE webhook_enabled = TRUE;

-- 5. inventory_movements: the ledger; one row for every change of inventory
CREATE TABLE inventory_movements (
    id SERIAL PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    movement_type VARCHAR(20) NOT NULL,
    quantity_change INTEGER NOT NULL,
    quantity_before INTEGER NOT NULL CHECK (quantity_before >= 0),
    quantity_after INTEGER NOT NULL CHECK (quantity_after >= 0),
    reference_type VARCHAR(20),
    reference_id INTEGER,
    marketplace_id INTEGER REFERENCES marketplaces(id) ON DELETE SET NULL,
    notes TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_inv_movements_product ON inventory_movements(product_id);
CREATE INDEX idx_inv_movements_type ON inventory_movements(movement_type);
CREATE INDEX idx_inv_movements_marketplace ON inventory_movements(marketplace_id);
CREATE INDEX idx_inv_movements_created ON inventory_movements(created_at DESC);

-- 7. marketplace_products: our product <-> a channel's product, with the channel's stock and price
CREATE TABLE marketplace_products (
    id SERIAL PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    marketplace_id INTEGER NOT NULL REFERENCES marketplaces(id) ON DELETE CASCADE,
    marketplace_product_id VARCHAR(200) NOT NULL,
    marketplace_sku VARCHAR(100),
    marketplace_name VARCHAR(500),
    marketplace_price NUMERIC(14,2) CHECK (marketplace_price IS NULL OR marketplace_price >= 0),
    marketplace_strikethrough_price NUMERIC(14,2)
        CHECK (marketplace_strikethrough_price IS NULL OR marketplace_strikethrough_price >= 0),
    marketplace_stock INTEGER NOT NULL DEFAULT 0 CHECK (marketplace_stock >= 0),
    previous_stock INTEGER NOT NULL DEFAULT 0 CHECK (previous_stock >= 0),
    stock_last_synced_at TIMESTAMPTZ,
    price_editable BOOLEAN NOT NULL DEFAULT FALSE,
    commission_rate NUMERIC(5,2) CHECK (commission_rate BETWEEN 0 AND 100),
    status VARCHAR(20) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'deleted')),
    last_synced_at TIMESTAMPTZ,
    sync_status VARCHAR(20) NOT NULL DEFAULT 'pending' CHECK (sync_status IN ('pending', 'success', 'error')),
    sync_error TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    UNIQUE (product_id, marketplace_id),
    UNIQUE (marketplace_id, marketplace_product_id)
);
CREATE INDEX idx_mp_products_status ON marketplace_products(status);
CREATE INDEX idx_mp_products_stock ON marketplace_products(marketplace_stock);

-- 8. cart_items: own store only
CREATE TABLE cart_items (
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    product_id INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    quantity INTEGER NOT NULL DEFAULT 1 CHECK (quantity > 0),
    price_snapshot NUMERIC(14,2) NOT NULL CHECK (price_snapshot >= 0),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    UNIQUE (user_id, product_id)
);
CREATE INDEX idx_cart_product ON cart_items(product_id);

-- 9. favorites: own store only
CREATE TABLE favorites (
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    product_id INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    UNIQUE (user_id, product_id)
);
CREATE INDEX idx_favorites_product ON favorites(product_id);

-- 10. orders: every channel's orders in one table
CREATE TABLE orders (
    id SERIAL PRIMARY KEY,
    order_number VARCHAR(50) UNIQUE NOT NULL,
    marketplace_id INTEGER NOT NULL REFERENCES marketplaces(id) ON DELETE RESTRICT,
    marketplace_order_id VARCHAR(200),
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    customer_name VARCHAR(200) NOT NULL,
    customer_phone VARCHAR(50) NOT NULL,
    customer_address TEXT,
    subtotal NUMERIC(14,2) NOT NULL CHECK (subtotal >= 0),
    delivery_fee NUMERIC(14,2) NOT NULL DEFAULT 0 CHECK (delivery_fee >= 0),
    total NUMERIC(14,2) NOT NULL CHECK (total >= 0),
    status VARCHAR(20) NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'confirmed', 'processing', 'shipped', 'delivered', 'cancelled')),
    payment_status VARCHAR(20) NOT NULL DEFAULT 'unpaid',
    payment_method VARCHAR(50),
    total_cost NUMERIC(14,2),
    total_profit NUMERIC(14,2),
    order_date TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    delivery_date TIMESTAMPTZ,
    confirmed_at TIMESTAMPTZ,
    delivered_at TIMESTAMPTZ,
    cancelled_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_orders_user ON orders(user_id);
CREATE INDEX idx_orders_marketplace ON orders(marketplace_id);
CREATE INDEX idx_orders_status ON orders(status);
-- An order imported from a marketplace exists once: the import is idempotent on this key.
CREATE UNIQUE INDEX idx_orders_mp_order ON orders(marketplace_id, marketplace_order_id)
    WHERE marketplace_order_id IS NOT NULL;
CREATE INDEX idx_orders_date ON orders(order_date DESC);

-- 11. order_items: snapshots of what was sold, at what price and cost
CREATE TABLE order_items (
    id SERIAL PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    product_id INTEGER REFERENCES products(id) ON DELETE SET NULL,
    product_name VARCHAR(255) NOT NULL,
    product_sku VARCHAR(100) NOT NULL,
    marketplace_product_id VARCHAR(200),
    price NUMERIC(14,2) NOT NULL CHECK (price >= 0),
    cost_price NUMERIC(14,2),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    subtotal NUMERIC(14,2) NOT NULL,
    profit NUMERIC(14,2),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_order_items_order ON order_items(order_id);
CREATE INDEX idx_order_items_product ON order_items(product_id);
CREATE INDEX idx_order_items_sku ON order_items(product_sku);

-- order_status_history: who moved an order to which status, and when (borrowed from GOGOMARKET)
CREATE TABLE order_status_history (
    id SERIAL PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    status VARCHAR(20) NOT NULL
        CHECK (status IN ('pending', 'confirmed', 'processing', 'shipped', 'delivered', 'cancelled')),
    notes TEXT,
    changed_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_status_history_order ON order_status_history(order_id);
CREATE INDEX idx_status_history_created ON order_status_history(created_at DESC);

-- 12. banners: own store marketing
CREATE TABLE banners (
    id SERIAL PRIMARY KEY,
    title_uz VARCHAR(255),
    title_ru VARCHAR(255),
    image_url TEXT NOT NULL,
    link_type VARCHAR(20) CHECK (link_type IN ('product', 'category', 'url')),
    link_id INTEGER,
    link_url TEXT,
    sort_order INTEGER NOT NULL DEFAULT 0,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_banners_active ON banners(is_active) WHERE is_active = TRUE;

-- 13. marketplace_webhooks: every received webhook, kept raw, processed by a worker
CREATE TABLE marketplace_webhooks (
    id SERIAL PRIMARY KEY,
    marketplace_id INTEGER NOT NULL REFERENCES marketplaces(id) ON DELETE CASCADE,
    event_type VARCHAR(50) NOT NULL,
    payload JSONB NOT NULL,
    signature VARCHAR(500),
    status VARCHAR(20) NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'processed', 'failed', 'retry')),
    processed_at TIMESTAMPTZ,
    error_message TEXT,
    retry_count INTEGER NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_webhooks_marketplace ON marketplace_webhooks(marketplace_id);
CREATE INDEX idx_webhooks_status ON marketplace_webhooks(status) WHERE status = 'pending';
CREATE INDEX idx_webhooks_event ON marketplace_webhooks(event_type);
CREATE INDEX idx_webhooks_created ON marketplace_webhooks(created_at DESC);

-- 14. sync_logs: one row per push or pull run
CREATE TABLE sync_logs (
    id SERIAL PRIMARY KEY,
    marketplace_id INTEGER NOT NULL REFERENCES marketplaces(id) ON DELETE CASCADE,
    sync_type VARCHAR(20) NOT NULL,
    direction VARCHAR(10) NOT NULL CHECK (direction IN ('push', 'pull')),
    trigger_type VARCHAR(20) NOT NULL DEFAULT 'webhook'
        CHECK (trigger_type IN ('webhook', 'manual', 'scheduled')),
    status VARCHAR(20) NOT NULL CHECK (status IN ('success', 'error', 'partial')),
    items_processed INTEGER NOT NULL DEFAULT 0,
    items_failed INTEGER NOT NULL DEFAULT 0,
    error_message TEXT,
    started_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    completed_at TIMESTAMPTZ,
    duration_ms INTEGER
);
CREATE INDEX idx_sync_logs_marketplace ON sync_logs(marketplace_id);
CREATE INDEX idx_sync_logs_type ON sync_logs(sync_type);
CREATE INDEX idx_sync_logs_trigger ON sync_logs(trigger_type);
CREATE INDEX idx_sync_logs_status ON sync_logs(status);
CREATE INDEX idx_sync_logs_started ON sync_logs(started_at DESC);

CREATE TRIGGER update_users_updated_at
    BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
CREATE TRIGGER update_products_updated_at
    BEFORE UPDATE ON products FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
CREATE TRIGGER update_categories_updated_at
    BEFORE UPDATE ON categories FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
CREATE TRIGGER update_marketplaces_updated_at
    BEFORE UPDATE ON marketplaces FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
CREATE TRIGGER update_marketplace_products_updated_at
    BEFORE UPDATE ON marketplace_products FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
CREATE TRIGGER update_cart_items_updated_at
    BEFORE UPDATE ON cart_items FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
CREATE TRIGGER update_orders_updated_at
    BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
CREATE TRIGGER update_banners_updated_at
    BEFORE UPDATE ON banners FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
