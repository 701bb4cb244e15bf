-- Search's GIN indexes write each new product straight into the index instead of a pending list. A pending
-- list (up to 4 MB) is read in full by every search until vacuum merges it: after a bulk import that made
-- searches 10x slower. Products are written rarely and searched all the time, so the write pays.
ALTER INDEX idx_products_search SET (fastupdate = off);
ALTER INDEX idx_products_search_vector SET (fastupdate = off);
-- Merge what an existing catalog's lists already hold, so that it is fast from the first search on.
SELECT gin_clean_pending_list('idx_products_search');
SELECT gin_clean_pending_list('idx_products_search_vector');
