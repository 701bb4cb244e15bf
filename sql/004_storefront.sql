-- The Mini App storefront: script- and typo-tolerant search, banner schedule and counters, Telegram payments.

-- Names are searched in one Latin form: Cyrillic (Russian and Uzbek) is transliterated the Uzbek way and
-- apostrophes dropped, so "telefon" finds "Телефон", "ручка" finds "ruchka" and "o'yinchoq" finds "ўйинчоқ".
CREATE FUNCTION search_latin(value TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT translate(
        replace(replace(replace(replace(replace(replace(replace(replace(
            lower(coalesce(value, '')),
            'щ', 'sh'), 'ш', 'sh'), 'ч', 'ch'), 'ё', 'yo'), 'ю', 'yu'), 'я', 'ya'), 'ц', 'ts'), 'ж', 'j'),
        'абвгдезийклмнопрстуфхыэўғқҳъьʻʼ''’‘`',
        'abvgdeziyklmnoprstufxieogqh'
    )
$$;

ALTER TABLE products ADD COLUMN search_text TEXT GENERATED ALWAYS AS (
    search_latin(name_uz || ' ' || coalesce(name_ru, '') || ' ' || sku || ' ' || coalesce(barcode, ''))
) STORED;
CREATE INDEX idx_products_search ON products USING gin (search_text gin_trgm_ops);
CREATE INDEX idx_products_popular ON products(order_count DESC, id) WHERE is_active;
CREATE INDEX idx_products_price ON products((COALESCE(sale_price, price))) WHERE is_active;

-- Banners can be scheduled, and admins see how often they are seen and tapped.
ALTER TABLE banners
    ADD COLUMN starts_at TIMESTAMPTZ,
    ADD COLUMN ends_at TIMESTAMPTZ,
    ADD COLUMN view_count INTEGER NOT NULL DEFAULT 0 CHECK (view_count >= 0),
    ADD COLUMN click_count INTEGER NOT NULL DEFAULT 0 CHECK (click_count >= 0),
    ADD CONSTRAINT banners_window_check CHECK (ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at);

-- A Telegram payment is fulfilled once, whatever Telegram retries.
ALTER TABLE orders ADD COLUMN telegram_payment_charge_id VARCHAR(200) UNIQUE;
