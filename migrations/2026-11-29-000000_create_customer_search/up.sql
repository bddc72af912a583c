-- The substring index behind the `name` and `search` filters: every trigram of each customer's
-- folded name and folded addresses (one column each; addresses joined by a space, which no
-- address contains, so no match spans two of them), with positions (`detail=full`), so that a
-- quoted phrase matches exactly the substrings a LIKE '%…%' scan would. Folding is ours
-- (`case_sensitive 1` on already-folded text), so both paths agree on every script. The
-- rowid is the customer id; nothing else is stored (`content=''`).
CREATE VIRTUAL TABLE customer_search USING fts5(
    name, emails,
    tokenize = 'trigram case_sensitive 1',
    content = '', columnsize = 0, detail = full
);

-- Which dataset the index holds. It is derived data, built after each import in small
-- transactions by the server (readers never wait for it); until `version` equals
-- `dataset.version`, substring filters scan instead. `building` and `last_id` (the last
-- customer id indexed) record a build in progress, so that a restarted server, or a second
-- one, carries on where it stopped.
CREATE TABLE search_index (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL,
    building BIGINT NOT NULL,
    last_id INTEGER NOT NULL
);

INSERT INTO search_index (id, version, building, last_id) VALUES (1, 0, 0, 0);
