-- Each distinct name's customers, their ids in ascending order as 4-byte little-endian
-- integers: a page of the customers holding a needle found in a few names is then picked
-- from those lists at any offset, where reading it from the customers' trigrams (or their
-- index on names) passes every match before the page (28,000 at offset 10,000 for
-- "o'brien" in the benchmark's million customers). Derived data, filled when the substring
-- index's build finishes.
ALTER TABLE customer_names ADD COLUMN members BLOB NOT NULL DEFAULT x'';

-- Built by the next rebuild of the substring index.
UPDATE search_index SET version = -1, building = -1, last_id = 0;
