//! Storage: the connection type every query is written against, the pool, and the schema.

mod pool;
pub mod schema;

pub use pool::{open, Database, DbConnection, OpenError, Pool, PooledConnection};

/// The backend of [`DbConnection`]: what boxed queries are built for.
pub type Backend = <DbConnection as diesel::Connection>::Backend;
