DROP TABLE customer_json;
CREATE TABLE customer_json (
    id INTEGER PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    date_created BIGINT NOT NULL,
    parts BLOB NOT NULL
);
UPDATE search_index SET version = -1, building = -1, last_id = 0;
