-- Needles of two characters through the substring index. Each indexed text now ends with two
-- U+0001 characters (a needle holding one scans), so every position of the text starts a
-- trigram: a text contains `ab` exactly when one of its trigrams starts with `ab`.
-- fts5vocab's `instance` view lists the occurrences of a range of terms, by term, with their
-- customer (`doc`) and column.
CREATE VIRTUAL TABLE customer_search_instances USING fts5vocab(customer_search, instance);

-- The stored index holds texts without that ending: rebuild it (until then, filters scan).
UPDATE search_index SET version = -1, building = -1, last_id = 0;
