-- "Notify me" on a sold-out product (core/back_in_stock.py): one row per customer waiting for a product. The
-- transaction that brings the product back deletes its rows and writes each customer's outbox row, so a wish is
-- told once, however often the product sells out and comes back afterwards.
CREATE TABLE back_in_stock_requests (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    product_id INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (user_id, product_id)
);
-- The restock reads the product's waiting customers.
CREATE INDEX idx_back_in_stock_requests_product ON back_in_stock_requests(product_id);

