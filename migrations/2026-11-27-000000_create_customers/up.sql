-- The customers dataset. Lowercased copies (`*_lower`) are written by the importer with Rust's
-- Unicode `to_lowercase`, because SQLite's `lower()` folds ASCII only; every case-insensitive
-- filter and sort reads them.

CREATE TABLE companies (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    -- the company's primary contact (a customer id); 0 = none
    customer_id INTEGER NOT NULL DEFAULT 0,
    -- seconds since the Unix epoch, UTC; NULL = unknown
    date_created BIGINT
);

CREATE TABLE customers (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    name_lower TEXT NOT NULL DEFAULT '',
    -- WordPress user id; 0 = none (also the sort value of "none")
    user_id INTEGER NOT NULL DEFAULT 0,
    email TEXT NOT NULL,
    email_lower TEXT NOT NULL,
    -- JSON array in stored order. Matching goes through customer_emails; this copy is what a
    -- page renders, so a page is one query.
    additional_emails TEXT NOT NULL DEFAULT '[]',
    phone_primary TEXT NOT NULL DEFAULT '',
    phone_additional TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT '',
    -- JSON array [line1, line2, city, state, country, zip], or '' when every part is empty;
    -- never filtered on, so one column serves
    address TEXT NOT NULL DEFAULT '',
    -- company id as given, even when no such company exists; 0 = none
    company_id INTEGER NOT NULL DEFAULT 0,
    -- seconds since the Unix epoch, UTC
    date_created BIGINT NOT NULL,
    -- JSON array of strings, newest first; always read whole with its customer
    notes TEXT NOT NULL DEFAULT '[]',
    ticket_count INTEGER NOT NULL DEFAULT 0
);

-- One index per sort key, ending in id so that the tie-break is served by the same index.
CREATE INDEX customers_by_user_id ON customers (user_id, id);
CREATE INDEX customers_by_name ON customers (name_lower, id);
CREATE INDEX customers_by_email ON customers (email_lower, id);
CREATE INDEX customers_by_company_id ON customers (company_id, id);
CREATE INDEX customers_by_date_created ON customers (date_created, id);

-- Every address of every customer, primary (position 0) and additional (1, 2, …): the email
-- filter, the lookup by email and the uniqueness rule across primary and additional addresses.
CREATE TABLE customer_emails (
    email_lower TEXT PRIMARY KEY NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    position INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX customer_emails_by_customer ON customer_emails (customer_id, position);
