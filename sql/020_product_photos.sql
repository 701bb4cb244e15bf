-- Product photos kept by us (core/photos.py): several per product, ordered, the lowest position is the main one.
-- A row named by a URL waits as 'pending' until the photo job fetches it; `media_key` names its stored renditions.
CREATE TABLE product_photos (
    id BIGSERIAL PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    position INTEGER NOT NULL CHECK (position >= 0),
    source_url TEXT,
    media_key VARCHAR(64),
    status VARCHAR(10) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    error TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CHECK (status <> 'ready' OR media_key IS NOT NULL),
    CHECK (source_url IS NOT NULL OR media_key IS NOT NULL)
);
CREATE INDEX idx_product_photos_product ON product_photos(product_id, position);
CREATE INDEX idx_product_photos_pending ON product_photos(next_attempt_at) WHERE status = 'pending';

-- The main photo's key, beside the product: the store's lists read it without a join.
ALTER TABLE products ADD COLUMN photo_key VARCHAR(64);
