ALTER TABLE dataset DROP COLUMN changed_at;
