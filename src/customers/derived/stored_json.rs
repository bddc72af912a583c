//! Each customer's own JSON, stored (`customer_json`, derived data kept by `derived.rs`): the
//! members of the plugin's rendering that depend on the dataset alone (`parts`: the customer,
//! and whether its company exists; every import bumps the dataset's version), and each of its
//! GraphQL fields' values (`fields`). A REST page or a planned GraphQL answer pastes them where
//! it would decode every column (parsing the JSON ones) and write it out again, which was most
//! of a page's time; its rows then need only the columns the rest is made from. Both are made
//! by the transports' own writers, handed to the build as [`Renderers`], so an answer pasting
//! them and one written from the full row are the same bytes.

use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Binary, Nullable};

use crate::customers::model::CustomerRow;
use crate::customers::sql::company_known;
use crate::customers::sql::Current;
use crate::customers::{Customer, Window};
use crate::db::schema::{customer_json, customers, dataset};
use crate::db::DbConnection;

/// Write a customer's stored renderings. The transports supply them (`kbs_graphql::RENDERERS`),
/// so the core stores the bytes without knowing their shape.
#[derive(Debug, Clone, Copy)]
pub struct Renderers {
    /// The parts of its REST answer that depend on it alone (`company_known`: whether its
    /// company exists): `rest::own_parts`.
    pub rest: fn(&Customer, bool) -> Vec<u8>,
    /// Its GraphQL fields' values: `graphql::stored_fields`.
    pub fields: fn(&Customer) -> Vec<u8>,
}

/// Customers rendered and written per statement within a build batch: bounds what a batch
/// holds in memory (a customer decoded is ~1.5 KB) whatever the batch's size.
const WRITE_CHUNK: i64 = 500;

/// Forgets every stored rendering, for a build started over.
pub(super) fn clear(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::delete(customer_json::table).execute(conn)?;
    Ok(())
}

/// Renders and stores the customers with ids in `(after, through]`.
pub(super) fn add_batch(
    conn: &mut DbConnection,
    after: i32,
    through: i32,
    render: Renderers,
) -> QueryResult<()> {
    let mut after = after;
    loop {
        let rows: Vec<(CustomerRow, bool)> = customers::table
            .filter(customers::id.gt(after).and(customers::id.le(through)))
            .order(customers::id)
            .limit(WRITE_CHUNK)
            .select((CustomerRow::as_select(), company_known()))
            .load(conn)?;
        let Some(last) = rows.last().map(|(row, _)| row.id) else {
            return Ok(());
        };
        let rendered = rows
            .into_iter()
            .map(|(row, company_known)| {
                let customer = row.into_customer()?;
                Ok((
                    customer_json::id.eq(customer.id),
                    customer_json::user_id.eq(customer.user_id),
                    customer_json::company_id.eq(customer.company_id),
                    customer_json::date_created.eq(customer.date_created),
                    customer_json::parts
                        .eq(sealed(customer.id, (render.rest)(&customer, company_known))),
                    customer_json::fields.eq(sealed(customer.id, (render.fields)(&customer))),
                ))
            })
            .collect::<QueryResult<Vec<_>>>()?;
        diesel::insert_into(customer_json::table)
            .values(rendered)
            .execute(conn)?;
        after = last;
    }
}

/// What a REST rendering needs beside a customer's stored parts (ids, creation date), and the
/// parts.
pub(crate) type OwnJsonRow = (i32, i32, i32, i64, Option<Vec<u8>>);

/// Stored parts end with a checksum of theirs and of their customer's id (XXH3, 8 bytes): a
/// page pastes them into its answer unparsed, so damage to the file (or parts on the wrong
/// row) must be caught before it reaches a client.
const CHECKSUM: usize = 8;

fn checksum(id: i32, parts: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(parts, id as u64)
}

fn sealed(id: i32, mut parts: Vec<u8>) -> Vec<u8> {
    let checksum = checksum(id, &parts);
    parts.extend_from_slice(&checksum.to_le_bytes());
    parts
}

/// A stored rendering whose checksum does not match: the file was damaged.
#[derive(Debug, thiserror::Error)]
#[error(
    "the stored rendering of customer {0} is damaged (its checksum does not match): the \
     database file is damaged; `kbs-graphql check` lists what is, and importing the data again \
     (or restoring the file from a backup) rebuilds it"
)]
pub struct DamagedRendering(pub i32);

/// The parts of a stored rendering, once their checksum matches.
pub(crate) fn unsealed(id: i32, mut stored: Vec<u8>) -> Result<Vec<u8>, DamagedRendering> {
    let Some(at) = stored.len().checked_sub(CHECKSUM) else {
        return Err(DamagedRendering(id));
    };
    let expected = u64::from_le_bytes(stored[at..].try_into().expect("eight bytes"));
    stored.truncate(at);
    if checksum(id, &stored) != expected {
        return Err(DamagedRendering(id));
    }
    Ok(stored)
}

/// How many stored renderings there are, and the customers whose rendering is damaged, read
/// in batches of ids.
pub fn damaged_renderings(conn: &mut DbConnection) -> QueryResult<(u64, Vec<i32>)> {
    use customer_json::{fields, id, parts};
    let (mut checked, mut damaged, mut after) = (0, Vec::new(), i32::MIN);
    loop {
        let rows: Vec<(i32, Vec<u8>, Vec<u8>)> = customer_json::table
            .filter(id.gt(after))
            .order(id)
            .limit(WRITE_CHUNK)
            .select((id, parts, fields))
            .load(conn)?;
        let Some(&(last, _, _)) = rows.last() else {
            return Ok((checked, damaged));
        };
        for (customer, rest, graphql) in rows {
            checked += 1;
            if unsealed(customer, rest).is_err() || unsealed(customer, graphql).is_err() {
                damaged.push(customer);
            }
        }
        after = last;
    }
}

/// A stored column as read (`NULL`: not current), unsealed; damage is a read error.
fn checked(id: i32, stored: Option<Vec<u8>>) -> QueryResult<Option<Vec<u8>>> {
    stored
        .map(|stored| unsealed(id, stored))
        .transpose()
        .map_err(|damage| diesel::result::Error::DeserializationError(Box::new(damage)))
}

/// A [`Customer`] with only its ids, creation date and stored parts set (checked).
pub(crate) fn with_own_json(
    (id, user_id, company_id, date_created, own_json): OwnJsonRow,
) -> QueryResult<Customer> {
    Ok(Customer {
        id,
        user_id,
        company_id,
        date_created,
        own_json: checked(id, own_json)?,
        ..Customer::default()
    })
}

/// One window of the stored renderings of the dataset the statement reads, in id order either
/// way, in `columns`, loaded: each direction its own statement type, which diesel finds
/// prepared by type.
macro_rules! current_by_id {
    ($ascending:expr, $window:expr, $columns:expr, $conn:expr) => {{
        let current = customer_json::table.filter(Current);
        if $ascending {
            current_by_id!(@load current.order(customer_json::id.asc()), $window, $columns, $conn)
        } else {
            current_by_id!(@load current.order(customer_json::id.desc()), $window, $columns, $conn)
        }
    }};
    (@load $ordered:expr, $window:expr, $columns:expr, $conn:expr) => {
        $ordered
            .offset($window.offset)
            .limit($window.per_page)
            .select($columns)
            .load($conn)?
    };
}

/// An unfiltered page in id order, with the total, read from the stored renderings alone (no
/// row of the customers, no lookup per customer): `None` when they do not hold the dataset
/// the statement reads, or the page is past the end (no row to carry the total).
pub(crate) fn id_order_page(
    conn: &mut DbConnection,
    ascending: bool,
    window: Window,
) -> QueryResult<Option<(Vec<Customer>, i64)>> {
    use customer_json::{company_id, date_created, id, parts, user_id};
    let total = dataset::table.select(dataset::customers).single_value();
    let columns = (
        (id, user_id, company_id, date_created, parts.nullable()),
        total,
    );
    let rows: Vec<(OwnJsonRow, Option<i64>)> = current_by_id!(ascending, window, columns, conn);
    let Some(total) = rows.first().and_then(|(_, total)| *total) else {
        return Ok(None);
    };
    let customers = rows
        .into_iter()
        .map(|(row, _)| with_own_json(row))
        .collect::<QueryResult<_>>()?;
    Ok(Some((customers, total)))
}

/// An unfiltered page in id order with its stored GraphQL fields, the total and the dataset
/// version, read from the stored renderings alone: `None` when they do not hold the dataset
/// the statement reads, or the page is past the end. Its customers have no name or email
/// set (their fields hold them): their cursors in id order need only their ids.
pub(crate) fn id_order_fields_page(
    conn: &mut DbConnection,
    ascending: bool,
    window: Window,
) -> QueryResult<Option<(Vec<Customer>, i64, i64)>> {
    use customer_json::{company_id, date_created, fields, id, user_id};
    let total = dataset::table.select(dataset::customers).single_value();
    let version = dataset::table.select(dataset::version).single_value();
    let columns = (
        (id, user_id, company_id, date_created, fields.nullable()),
        total,
        version,
    );
    type Row = (
        (i32, i32, i32, i64, Option<Vec<u8>>),
        Option<i64>,
        Option<i64>,
    );
    let rows: Vec<Row> = current_by_id!(ascending, window, columns, conn);
    let Some(&(_, Some(total), Some(version))) = rows.first() else {
        return Ok(None);
    };
    let customers = rows
        .into_iter()
        .map(|((customer, user, company, created, stored), _, _)| {
            let (name, email) = (String::new(), String::new());
            with_own_fields((customer, user, name, email, company, created, stored))
        })
        .collect::<QueryResult<_>>()?;
    Ok(Some((customers, total, version)))
}

/// A stored column of the row's, as a column of a query on the customers: `NULL` when the
/// renderings do not hold the dataset the statement reads ([`Current`]). Fixed SQL text with
/// a type of its own per column, so that statements holding it keep their prepared form.
macro_rules! stored_column {
    ($(#[$doc:meta])* $name:ident, $function:ident, $column:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, QueryId, ValidGrouping)]
        pub(crate) struct $name;

        pub(crate) fn $function() -> $name {
            $name
        }

        impl Expression for $name {
            type SqlType = Nullable<Binary>;
        }

        impl<DB: Backend> QueryFragment<DB> for $name {
            fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
                out.push_sql(concat!(
                    "(SELECT customer_json.",
                    $column,
                    " FROM customer_json WHERE customer_json.id = customers.id AND "
                ));
                Current.walk_ast(out.reborrow())?;
                out.push_sql(")");
                Ok(())
            }
        }

        // Wherever the customers' columns can be selected (their table, joined to others).
        impl<QS> AppearsOnTable<QS> for $name where customers::id: AppearsOnTable<QS> {}

        impl<QS> SelectableExpression<QS> for $name where customers::id: SelectableExpression<QS> {}
    };
}

stored_column!(
    /// The row's stored REST parts.
    OwnJson,
    own_json,
    "parts"
);

stored_column!(
    /// The row's stored GraphQL fields.
    OwnFields,
    own_fields,
    "fields"
);

/// What a planned GraphQL answer needs beside a customer's stored fields (its id, every
/// order's key for its cursor, its company's id), and the fields: id, user id, name, email,
/// company id, creation date.
pub(crate) type OwnFieldsRow = (i32, i32, String, String, i32, i64, Option<Vec<u8>>);

/// A [`Customer`] with only its ids, order keys and stored fields set (checked).
pub(crate) fn with_own_fields(
    (id, user_id, name, email, company_id, date_created, fields): OwnFieldsRow,
) -> QueryResult<Customer> {
    Ok(Customer {
        id,
        user_id,
        name,
        email,
        company_id,
        date_created,
        stored_fields: checked(id, fields)?,
        ..Customer::default()
    })
}
