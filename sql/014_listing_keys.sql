-- One listing identity for every marketplace: a mapping's platform keys (Wildberries chrtId, Uzum skuId and
-- barcode, Ozon offer_id and product_id, ...) are rows of one table instead of a column per platform, so a new
-- marketplace needs no migration and every lookup is one join. Values are text: a barcode keeps its leading zeros.
-- On one marketplace a value of a key names one listing. The old columns are read here and dropped by 018.

ALTER TABLE marketplace_products ADD CONSTRAINT marketplace_products_id_marketplace_key UNIQUE (id, marketplace_id);

CREATE TABLE listing_keys (
    mapping_id INTEGER NOT NULL,
    marketplace_id INTEGER NOT NULL,
    name VARCHAR(50) NOT NULL,
    value VARCHAR(200) NOT NULL CHECK (value <> ''),
    PRIMARY KEY (mapping_id, name),
    UNIQUE (marketplace_id, name, value),
    -- The key belongs to the mapping's own marketplace, and goes with it.
    FOREIGN KEY (mapping_id, marketplace_id) REFERENCES marketplace_products(id, marketplace_id) ON DELETE CASCADE
);

INSERT INTO listing_keys (mapping_id, marketplace_id, name, value)
SELECT mp.id, mp.marketplace_id, k.name, k.value
  FROM marketplace_products mp
 CROSS JOIN LATERAL (VALUES ('chrt_id', mp.wb_chrt_id::text), ('sku_id', mp.uzum_sku_id::text),
                            ('barcode', mp.uzum_barcode), ('offer_id', mp.ozon_offer_id),
                            ('product_id', mp.ozon_product_id::text)) AS k(name, value)
 WHERE k.value IS NOT NULL AND k.value <> '';

-- The warehouse a listing's stock goes to is not an identity (many listings share one): it stays on the mapping,
-- for any platform that keeps stock per warehouse; NULL means the connection's default warehouse.
ALTER TABLE marketplace_products RENAME COLUMN ozon_warehouse_id TO warehouse_id;
