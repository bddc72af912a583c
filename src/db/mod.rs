//! Storage: the connection type every query is written against, the pool, and the schema.

pub mod access;
mod admission;
mod commits;
pub mod deadline;
pub mod full;
mod in_list;
mod pool;
mod read_stats;
pub mod schema;

pub use admission::{ReadScope, INLINE_BUDGET};
pub use commits::{CommitMark, CommitWatch};
pub use in_list::{in_json, name_matches, search_matches, FtsTable, InList, SearchMatch};
pub(crate) use pool::SQLITE_CONNECTION_PRAGMAS;
pub use pool::{open, sqlite_path, Database, DbConnection, OpenError, Pool, PooledConnection};
pub use read_stats::{ReadCounts, ReadStats};

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

/// What answers are kept by (the response cache): the dataset's content digest when known, so
/// that the same content keeps its answers across an import that changed nothing, and on every
/// replica alike; else its version, which every import bumps.
pub fn content_key(conn: &mut DbConnection) -> diesel::QueryResult<i64> {
    use diesel::prelude::*;
    use schema::dataset;
    let (version, digest): (i64, Option<String>) = dataset::table
        .select((dataset::version, dataset::digest))
        .first(conn)?;
    let from_digest = digest
        .as_deref()
        .and_then(|hex| u64::from_str_radix(hex.get(..16)?, 16).ok());
    Ok(from_digest.map_or(version, |bits| bits as i64))
}

/// What the `dataset` row says of the stored dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetState {
    pub version: i64,
    pub customers: i64,
    /// When an import last changed it (Unix seconds); `None` for a dataset stored before
    /// this was kept.
    pub changed_at: Option<i64>,
    /// What its content is (see `import::Digest`); `None` when unknown.
    pub digest: Option<String>,
}

pub fn dataset_state(conn: &mut DbConnection) -> diesel::QueryResult<DatasetState> {
    use diesel::prelude::*;
    use schema::dataset;
    let (version, customers, changed_at, digest) = dataset::table
        .select((
            dataset::version,
            dataset::customers,
            dataset::changed_at,
            dataset::digest,
        ))
        .first(conn)?;
    Ok(DatasetState {
        version,
        customers,
        changed_at,
        digest,
    })
}
