//! Telling a full disk apart. When SQLite runs out of space it rolls the whole transaction
//! back itself, and diesel then reports its own failed rollback ("Cannot perform this
//! operation outside of a transaction") in place of the cause: the cause is watched for.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use diesel::connection::{Connection, InstrumentationEvent};
use diesel::result::Error;

use crate::db::DbConnection;

/// Runs `work` on `conn`, and says whether any statement of it found the disk full.
pub fn watched<T>(conn: &mut DbConnection, work: impl FnOnce(&mut DbConnection) -> T) -> (T, bool) {
    let seen = Arc::new(AtomicBool::new(false));
    let flag = seen.clone();
    conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::FinishQuery {
            error: Some(error), ..
        } = event
        {
            if is_full(error) {
                flag.store(true, Ordering::Relaxed);
            }
        }
    });
    let result = work(conn);
    conn.set_instrumentation(|_: InstrumentationEvent<'_>| {});
    (result, seen.load(Ordering::Relaxed))
}

/// SQLite's `SQLITE_FULL`: the file system (or a page limit) left no room.
pub fn is_full(error: &Error) -> bool {
    matches!(error, Error::DatabaseError(_, info) if info.message() == "database or disk is full")
}
