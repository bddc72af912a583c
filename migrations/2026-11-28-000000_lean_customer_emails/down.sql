CREATE TABLE customer_emails_keyed (
    email_lower TEXT PRIMARY KEY NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    position INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO customer_emails_keyed (email_lower, customer_id, position)
    SELECT email_lower, customer_id, position FROM customer_emails ORDER BY email_lower;
DROP TABLE customer_emails;
ALTER TABLE customer_emails_keyed RENAME TO customer_emails;
CREATE INDEX customer_emails_by_customer ON customer_emails (customer_id, position);
