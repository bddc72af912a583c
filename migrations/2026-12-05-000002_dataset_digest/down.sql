ALTER TABLE dataset DROP COLUMN digest;
