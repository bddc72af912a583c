-- customer_emails is derived data: only the importer writes it, always together with the
-- customers it belongs to, and every import that replaces customers clears it first. Its
-- foreign key cost a lookup into customers per address written, and the index behind the key
-- served nothing else, so both go: the table keeps only what the email filter and the lookup
-- by email read.
CREATE TABLE customer_emails_lean (
    email_lower TEXT PRIMARY KEY NOT NULL,
    customer_id INTEGER NOT NULL,
    position INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO customer_emails_lean (email_lower, customer_id, position)
    SELECT email_lower, customer_id, position FROM customer_emails ORDER BY email_lower;
DROP TABLE customer_emails;
ALTER TABLE customer_emails_lean RENAME TO customer_emails;
