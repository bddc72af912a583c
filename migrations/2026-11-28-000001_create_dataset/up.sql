-- Which dataset the customers tables hold: every import bumps `version` in its own transaction,
-- so a server answering from a response cache sees the dataset change, whichever process
-- imported it. `customers` is the number of customers, written by the same import: the total
-- of an unfiltered list is then one row read, not a count over a million index entries.
CREATE TABLE dataset (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL,
    customers BIGINT NOT NULL
);

INSERT INTO dataset (id, version, customers) VALUES (1, 1, (SELECT count(*) FROM customers));
