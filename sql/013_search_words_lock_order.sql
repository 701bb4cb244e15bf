-- Two imports that bring the same new words (Samsung's new "galaxy" and "ultra" in one, "ultra" and "galaxy"
-- in the other) could each hold one word and wait for the other's: a deadlock that failed one of them. Words
-- are now always taken in alphabetical order, so the second waits for the first and then goes on.
CREATE OR REPLACE FUNCTION learn_search_words() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_words (word)
    SELECT DISTINCT unnest(search_terms(search_text)) FROM added ORDER BY 1
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION relearn_search_words() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO search_words (word)
        SELECT unnest(search_terms(NEW.search_text)) ORDER BY 1
        ON CONFLICT DO NOTHING;
    END IF;
    DELETE FROM search_words w
     WHERE w.word = ANY (search_terms(OLD.search_text))
       AND NOT EXISTS (SELECT 1 FROM products p WHERE p.search_vector @@ w.word::tsquery);
    RETURN NULL;
END
$$;
