//! diesel's view of the tables in `migrations/`.

diesel::table! {
    companies (id) {
        id -> Integer,
        name -> Text,
        email -> Text,
        phone -> Text,
        website -> Text,
        contact -> Text,
        customer_id -> Integer,
        date_created -> Nullable<BigInt>,
    }
}

diesel::table! {
    customers (id) {
        id -> Integer,
        name -> Text,
        name_lower -> Text,
        user_id -> Integer,
        email -> Text,
        email_lower -> Text,
        additional_emails -> Text,
        phone_primary -> Text,
        phone_additional -> Text,
        website -> Text,
        address -> Text,
        company_id -> Integer,
        date_created -> BigInt,
        notes -> Text,
        ticket_count -> Integer,
    }
}

diesel::table! {
    customer_emails (email_lower) {
        email_lower -> Text,
        customer_id -> Integer,
        position -> Integer,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    companies,
    customers,
    customer_emails,
    customer_search,
    customer_search_instances,
    customer_names,
    customer_name_search,
    customer_name_instances,
    company_positions,
    customer_json
);

diesel::table! {
    /// What of each customer's REST JSON depends on the dataset alone (`parts`: the REST
    /// adapter's `own_parts`), and its GraphQL fields' JSON (`fields`: the GraphQL layer's
    /// `stored_fields`); derived, built with the substring index.
    customer_json (id) {
        id -> Integer,
        user_id -> Integer,
        company_id -> Integer,
        date_created -> BigInt,
        parts -> Binary,
        fields -> Binary,
    }
}

// A page of stored renderings carries the unfiltered total as a subquery column.
diesel::allow_tables_to_appear_in_same_query!(dataset, customer_json);

diesel::table! {
    users (id) {
        id -> Integer,
        login -> Text,
        email -> Text,
        display_name -> Text,
        role -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    app_passwords (id) {
        id -> Integer,
        user_id -> Integer,
        name -> Text,
        password_hash -> Text,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
    }
}

diesel::joinable!(app_passwords -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(users, app_passwords);

diesel::table! {
    dataset (id) {
        id -> Integer,
        version -> BigInt,
        customers -> BigInt,
        changed_at -> Nullable<BigInt>,
        digest -> Nullable<Text>,
    }
}

// A page's rows carry the unfiltered total as a subquery column (joined to their companies,
// too).
diesel::allow_tables_to_appear_in_same_query!(dataset, customers);
diesel::allow_tables_to_appear_in_same_query!(dataset, companies);

diesel::table! {
    search_index (id) {
        id -> Integer,
        version -> BigInt,
        building -> BigInt,
        last_id -> Integer,
    }
}

diesel::table! {
    company_counts (company_id) {
        company_id -> Integer,
        customers -> BigInt,
    }
}

diesel::table! {
    /// The substring index, an FTS5 virtual table: only its rowid (the customer id) is read,
    /// filtered with [`crate::db::search_matches`].
    customer_search (rowid) {
        rowid -> Integer,
    }
}

diesel::table! {
    /// Every trigram occurrence in the substring index (fts5vocab, `instance`): read by a
    /// range of `term`s, for their customers (`doc`). Read-only, so `doc` stands in for a key.
    customer_search_instances (doc) {
        doc -> Integer,
        term -> Text,
        col -> Text,
    }
}

diesel::table! {
    /// Each customer's position among its company's customers, in id order (derived, built
    /// with the substring index): deep pages of one company.
    company_positions (company_id, position) {
        company_id -> Integer,
        position -> BigInt,
        customer_id -> Integer,
    }
}

diesel::table! {
    /// Each distinct folded name, its number of customers and their ids (derived, built with
    /// the substring index): what the `name` filter counts and picks its pages from.
    customer_names (id) {
        id -> Integer,
        name_lower -> Text,
        customers -> BigInt,
        /// The customers' ids, ascending, as 4-byte little-endian integers.
        members -> Binary,
    }
}

diesel::table! {
    /// The trigrams of [`customer_names`] (FTS5; rowid = `customer_names.id`), filtered with
    /// [`crate::db::search_matches`] as `customer_search` is.
    customer_name_search (rowid) {
        rowid -> Integer,
    }
}

diesel::table! {
    /// Every trigram occurrence in [`customer_name_search`] (fts5vocab, `instance`).
    customer_name_instances (doc) {
        doc -> Integer,
        term -> Text,
    }
}
