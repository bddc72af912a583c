-- SQLite drops a column in place since 3.35.
ALTER TABLE customer_names DROP COLUMN members;
