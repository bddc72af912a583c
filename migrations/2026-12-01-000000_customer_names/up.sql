-- The distinct folded names and how many customers hold each: the `name` filter counts its
-- matches from these (the sum over the names holding the needle) instead of visiting every
-- matching customer. Names repeat (first and family names, families, empty names…): in the
-- benchmark's million customers, 28,000 hold "o'brien" but only 46 distinct names do. Built
-- with the substring index, in the same batches, and only read while that index is current.
-- The empty name is left out: it holds no needle.
CREATE TABLE customer_names (
    id INTEGER PRIMARY KEY NOT NULL,
    name_lower TEXT NOT NULL UNIQUE,
    customers BIGINT NOT NULL
);

-- The trigrams of each distinct name, padded as in `customer_search` (two U+0001 at the end),
-- with positions for phrases; the rowid is `customer_names.id`.
CREATE VIRTUAL TABLE customer_name_search USING fts5(
    name,
    tokenize = 'trigram case_sensitive 1',
    content = '', columnsize = 0, detail = full
);

-- Its trigram occurrences, for needles of two characters (as `customer_search_instances`).
CREATE VIRTUAL TABLE customer_name_instances USING fts5vocab(customer_name_search, instance);

-- Built by the next rebuild of the substring index (until then, filters scan).
UPDATE search_index SET version = -1, building = -1, last_id = 0;
