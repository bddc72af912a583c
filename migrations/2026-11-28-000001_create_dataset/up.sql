-- Which dataset the customers tables hold: every import bumps `version` in its own transaction,
-- so a server answering from a response cache sees the dataset change, whichever process
-- imported it.
CREATE TABLE dataset (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL
);

INSERT INTO dataset (id, version) VALUES (1, 1);
