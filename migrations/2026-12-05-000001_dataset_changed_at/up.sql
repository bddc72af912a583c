-- When the stored dataset last changed (Unix seconds), written by every import with the version
-- it bumps: what the metrics show as the data's age. NULL for a dataset stored before.
ALTER TABLE dataset ADD COLUMN changed_at BIGINT;
