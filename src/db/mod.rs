//! Storage: the connection type every query is written against, the pool, and the schema.

pub mod access;
mod admission;
mod commits;
pub mod deadline;
pub mod full;
mod in_list;
mod pool;
pub mod schema;

pub use admission::{ReadScope, INLINE_BUDGET};
pub use commits::{CommitMark, CommitWatch};
pub use in_list::{in_json, name_matches, search_matches, FtsTable, InList, SearchMatch};
pub(crate) use pool::SQLITE_CONNECTION_PRAGMAS;
pub use pool::{open, sqlite_path, Database, DbConnection, OpenError, Pool, PooledConnection};

/// The backend of [`DbConnection`]: what boxed queries are built for.
pub type Backend = <DbConnection as diesel::Connection>::Backend;

/// Runs `work` in a transaction that holds SQLite's write lock from its first statement. A
/// plain (deferred) transaction that reads before it writes fails at once with "database is
/// locked" when another connection committed in between (the search index builder commits
/// every fraction of a second); taking the lock first makes it wait (`busy_timeout`) like any
/// other writer instead.
pub fn write_transaction<T, E>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    use diesel::connection::{Connection, SimpleConnection};
    conn.transaction(|conn| {
        // A write that changes nothing: enough for SQLite to take the lock.
        conn.batch_execute("UPDATE dataset SET id = id WHERE 0")?;
        work(conn)
    })
}

/// How many customers are stored: kept by every import, in the import's transaction.
pub fn stored_customers(conn: &mut DbConnection) -> diesel::QueryResult<i64> {
    use diesel::prelude::*;
    schema::dataset::table
        .select(schema::dataset::customers)
        .first(conn)
}

/// The version of the stored dataset: bumped by every import, in the import's transaction.
pub fn dataset_version(conn: &mut DbConnection) -> diesel::QueryResult<i64> {
    use diesel::prelude::*;
    schema::dataset::table
        .select(schema::dataset::version)
        .first(conn)
}
