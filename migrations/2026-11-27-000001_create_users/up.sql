-- Who may read the customers: WordPress-style users with one role each, and their
-- application passwords (stored only as argon2 PHC strings).

CREATE TABLE users (
    id INTEGER PRIMARY KEY NOT NULL,
    -- WordPress logins match case-insensitively; they are ASCII (sanitize_user), so NOCASE fits
    login TEXT NOT NULL UNIQUE COLLATE NOCASE,
    email TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL CHECK (role IN ('administrator', 'support_manager', 'support_agent',
                                       'support_customer', 'subscriber')),
    -- seconds since the Unix epoch, UTC
    created_at BIGINT NOT NULL
);

CREATE TABLE app_passwords (
    id INTEGER PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    UNIQUE (user_id, name)
);
