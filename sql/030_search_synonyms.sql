-- Search finds what people mean (core.search): words that mean the same ("telefon", "smartfon", "смартфон")
-- and the names of categories ("smartfon" finds the products of "Smartfonlar", whatever their names say).

-- Groups of words that mean the same, kept by the admins (/synonyms). A word is kept as the admin wrote it
-- and compared in search's one Latin form (sql/004), so "телефон" and "telefon" are one word to search.
CREATE TABLE search_synonym_groups (
    id SERIAL PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE TABLE search_synonyms (
    group_id INTEGER NOT NULL REFERENCES search_synonym_groups(id) ON DELETE CASCADE,
    word TEXT NOT NULL CHECK (word <> ''),
    latin TEXT GENERATED ALWAYS AS (search_latin(word)) STORED,
    PRIMARY KEY (group_id, latin)
);
-- Search looks a typed word (and its stems: "telefonlar" is "telefon" + "lar") up by equality.
CREATE INDEX idx_search_synonyms_latin ON search_synonyms (latin);

-- A starting list for shoppers in Uzbekistan: words that differ between Uzbek, Russian and the brands' own
-- spelling. Pairs that only differ by script ("телефон", "telefon"; Uzbek Cyrillic "қулоқчин") need no group:
-- transliteration joins them. A function, so that a shop (or a test, whose tables start empty) can have the
-- list again; a group whose every word is already in some group is not added twice.
CREATE FUNCTION add_starting_search_synonyms() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    words TEXT[];
    made INTEGER;
BEGIN
    FOREACH words SLICE 1 IN ARRAY ARRAY[
        ['telefon', 'smartfon', 'телефон', 'смартфон'],
        ['iphone', 'айфон', '', ''],
        ['noutbuk', 'ноутбук', 'laptop', 'лэптоп'],
        ['macbook', 'макбук', '', ''],
        ['quloqchin', 'наушник', 'naushnik', ''],
        ['airpods', 'эйрподс', '', ''],
        ['soat', 'часы', '', ''],
        ['powerbank', 'пауэрбанк', 'павербанк', 'akkumulyator'],
        ['xiaomi', 'сяоми', 'ксиоми', 'шаоми'],
        ['televizor', 'телевизор', 'tv', ''],
        ['muzlatgich', 'холодильник', '', ''],
        ['changyutgich', 'пылесос', '', ''],
        ['choynak', 'чайник', '', ''],
        ['dazmol', 'утюг', '', ''],
        ['mikroto''lqinli', 'микроволновка', 'микроволновая', ''],
        ['qozon', 'казан', '', ''],
        ['kiyim', 'одежда', '', ''],
        ['poyabzal', 'обувь', '', ''],
        ['krossovka', 'кроссовки', '', ''],
        ['shim', 'брюки', '', ''],
        ['o''yinchoq', 'игрушка', '', ''],
        ['kitob', 'книга', '', ''],
        ['atir', 'духи', 'парфюм', ''],
        ['gilam', 'ковёр', 'ковер', ''],
        ['yostiq', 'подушка', '', ''],
        ['parda', 'штора', '', ''],
        ['sovun', 'мыло', '', '']
    ] LOOP
        words := array_remove(words, '');
        CONTINUE WHEN NOT EXISTS (
            SELECT 1 FROM unnest(words) AS word
             WHERE search_latin(word) NOT IN (SELECT latin FROM search_synonyms)
        );
        INSERT INTO search_synonym_groups DEFAULT VALUES RETURNING id INTO made;
        INSERT INTO search_synonyms (group_id, word) SELECT made, word FROM unnest(words) AS word
            ON CONFLICT DO NOTHING;
    END LOOP;
END
$$;
SELECT add_starting_search_synonyms();

-- The words of a category's names, as search knows them, for "the category the word names".
ALTER TABLE categories ADD COLUMN name_terms TEXT[] GENERATED ALWAYS AS (
    search_terms(search_latin(name_uz || ' ' || coalesce(name_ru, '')))
) STORED;

-- A product's category is a lexeme of its search vector ("#12", no word has a "#"), so that "a word, or a
-- category it names" stays one tsquery on one GIN index: as an OR of the index and the category column, the
-- planner scanned the table. A generated column cannot read another one, so this repeats sql/010's expression.
ALTER TABLE products DROP COLUMN search_vector;
ALTER TABLE products ADD COLUMN search_vector TSVECTOR GENERATED ALWAYS AS (
    array_to_tsvector(
        search_terms(search_latin(
            name_uz || ' ' || coalesce(name_ru, '') || ' ' || sku || ' ' || coalesce(barcode, '')
        ))
        || CASE WHEN category_id IS NULL THEN '{}'::TEXT[] ELSE ARRAY['#' || category_id] END
    )
) STORED;
-- As sql/011: written straight into the index, never into a pending list every search would read.
CREATE INDEX idx_products_search_vector ON products USING gin (search_vector) WITH (fastupdate = off);
