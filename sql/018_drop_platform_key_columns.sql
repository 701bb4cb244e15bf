-- The per-platform key columns of 006, copied into listing_keys by 014 and read by nothing since.
DROP INDEX IF EXISTS idx_mp_products_wb_chrt;
DROP INDEX IF EXISTS idx_mp_products_uzum_sku;
DROP INDEX IF EXISTS idx_mp_products_ozon_offer;
ALTER TABLE marketplace_products
    DROP COLUMN wb_chrt_id,
    DROP COLUMN uzum_sku_id,
    DROP COLUMN uzum_barcode,
    DROP COLUMN ozon_offer_id,
    DROP COLUMN ozon_product_id;
