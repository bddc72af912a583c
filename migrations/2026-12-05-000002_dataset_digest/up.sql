-- What the stored dataset's content is (32 hexadecimal digits: the sum of its records' hashes),
-- written by every import of a whole dataset (replacing it, or into empty tables); NULL when
-- unknown (an import added to stored data, or one before this was kept). A sync swaps its data
-- in only when it differs.
ALTER TABLE dataset ADD COLUMN digest TEXT;
