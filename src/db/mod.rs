//! Storage: the connection type every query is written against, the pool, and the schema.

mod pool;
pub mod schema;

pub(crate) use pool::SQLITE_CONNECTION_PRAGMAS;
pub use pool::{open, Database, DbConnection, OpenError, Pool, PooledConnection};

/// The backend of [`DbConnection`]: what boxed queries are built for.
pub type Backend = <DbConnection as diesel::Connection>::Backend;

/// The version of the stored dataset: bumped by every import, in the import's transaction.
pub fn dataset_version(conn: &mut DbConnection) -> diesel::QueryResult<i64> {
    use diesel::prelude::*;
    schema::dataset::table
        .select(schema::dataset::version)
        .first(conn)
}
