-- What of each customer's REST JSON depends on the dataset alone (every member but
-- `date_created` and `_links`, which depend on the server's settings), as KB Support's route
-- writes it: a REST page pastes these instead of decoding every column and writing it out
-- again (most of a page's time). Derived data, built with the substring index and read only
-- while that is current. With the columns the rest is made from, so that a page of them in id
-- order (every list's default) reads this table alone.
CREATE TABLE customer_json (
    id INTEGER PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    date_created BIGINT NOT NULL,
    parts BLOB NOT NULL
);

-- Built by the next rebuild of the substring index.
UPDATE search_index SET version = -1, building = -1, last_id = 0;
