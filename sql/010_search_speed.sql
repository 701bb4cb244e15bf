-- Search at 100k products in milliseconds. Scoring every product's name by trigram similarity costs
-- 0.1-0.7 s once a common word matches thousands of them. Instead each typed word is first put right
-- against a small dictionary of the catalog's own words (typos and scripts are forgiven there, among a few
-- hundred words), and products are then found by those exact words through a full-text index.

-- The words of a name, as search knows them: split on anything that is not a letter or digit, without
-- codes (anything with a digit: SKUs, barcodes, model numbers are matched as text instead) and without
-- one-letter scraps.
CREATE FUNCTION search_terms(value TEXT) RETURNS TEXT[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT term), '{}')
      FROM unnest(regexp_split_to_array(value, '[^[:alnum:]]+')) AS term
     WHERE length(term) >= 2 AND term !~ '[0-9]'
$$;

-- A generated column cannot read another one, so this repeats search_text's expression (sql/004).
ALTER TABLE products ADD COLUMN search_vector TSVECTOR GENERATED ALWAYS AS (
    array_to_tsvector(search_terms(search_latin(
        name_uz || ' ' || coalesce(name_ru, '') || ' ' || sku || ' ' || coalesce(barcode, '')
    )))
) STORED;
CREATE INDEX idx_products_search_vector ON products USING gin (search_vector);

-- Every word that some product's name has. The trigram index answers both "words starting with" and
-- "words like" (typos) in a dictionary that stays small however many products share its words.
CREATE TABLE search_words (
    word TEXT PRIMARY KEY
);
CREATE INDEX idx_search_words_trigram ON search_words USING gist (word gist_trgm_ops);
INSERT INTO search_words (word) SELECT DISTINCT unnest(search_terms(search_text)) FROM products;

-- New products teach their words once per statement, so a bulk import costs one insert, not one per row.
-- DO NOTHING takes no lock on a word that is already known: concurrent imports do not queue on "samsung".
CREATE FUNCTION learn_search_words() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_words (word)
    SELECT DISTINCT unnest(search_terms(search_text)) FROM added
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER products_learn_search_words
    AFTER INSERT ON products REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION learn_search_words();

-- A renamed or deleted product teaches its new words and takes away the old ones nobody else has, so that a
-- fixed misspelling stops being taken for a real word. Row by row, and only when a name column is written:
-- the order path updates products (order_count) often and must not pay for this.
CREATE FUNCTION relearn_search_words() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO search_words (word) SELECT unnest(search_terms(NEW.search_text)) ON CONFLICT DO NOTHING;
    END IF;
    DELETE FROM search_words w
     WHERE w.word = ANY (search_terms(OLD.search_text))
       AND NOT EXISTS (SELECT 1 FROM products p WHERE p.search_vector @@ w.word::tsquery);
    RETURN NULL;
END
$$;
CREATE TRIGGER products_relearn_search_words
    AFTER UPDATE OF name_uz, name_ru, sku, barcode OR DELETE ON products
    FOR EACH ROW EXECUTE FUNCTION relearn_search_words();
