-- Each customer's GraphQL fields as stored JSON beside its REST parts (`fields`): the fast
-- path pastes a selected field's value where it would decode every column, parse the JSON
-- ones and write them out again. Derived data: the renderings stored before are dropped and
-- built again, both kinds, by the next rebuild.
DROP TABLE customer_json;
CREATE TABLE customer_json (
    id INTEGER PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    date_created BIGINT NOT NULL,
    parts BLOB NOT NULL,
    fields BLOB NOT NULL
);
UPDATE search_index SET version = -1, building = -1, last_id = 0;
