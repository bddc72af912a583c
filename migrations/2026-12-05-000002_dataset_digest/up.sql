-- What the stored dataset's content is (32 hexadecimal digits: the sum of its records' hashes),
-- written by every import that replaces the dataset whole; NULL when unknown (an import added
-- to stored data, or one before this was kept). A sync swaps in its data only when it differs.
ALTER TABLE dataset ADD COLUMN digest TEXT;
