-- Each customer's position among its company's customers in id order (0 = the lowest id): a
-- page of one company's customers at any offset is a range of this key, where the index on
-- company_id walks every customer before the page (10,000 of them at offset 10,000). Derived
-- data, built with the substring index (same batches, same dataset version) and read only
-- while that is current. Company 0 ("none") never matches the filter and is left out.
CREATE TABLE company_positions (
    company_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    PRIMARY KEY (company_id, position)
) WITHOUT ROWID;

-- Built by the next rebuild of the substring index.
UPDATE search_index SET version = -1, building = -1, last_id = 0;
