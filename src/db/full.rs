//! Telling a full disk apart. When SQLite runs out of space it rolls the whole transaction
//! back itself, and diesel then reports its own failed rollback ("Cannot perform this
//! operation outside of a transaction") in place of the cause: the cause is watched for.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::result::Error;

use crate::db::DbConnection;

thread_local! {
    /// Whether a statement run on this thread since [`watched`] began found the disk full
    /// (a connection's statements run on the thread that calls it).
    static FULL_SEEN: Cell<bool> = const { Cell::new(false) };
}

/// What every connection of a [`crate::db::Database`] reports to: its statements counted
/// (what a test of "statements per request" reads), and a full disk noted for [`watched`].
pub(crate) fn instrumentation(statements: Arc<AtomicU64>) -> impl Instrumentation {
    move |event: InstrumentationEvent<'_>| match event {
        InstrumentationEvent::StartQuery { .. } => {
            statements.fetch_add(1, Ordering::Relaxed);
        }
        InstrumentationEvent::FinishQuery {
            error: Some(error), ..
        } if is_full(error) => FULL_SEEN.with(|seen| seen.set(true)),
        _ => {}
    }
}

/// Runs `work` on `conn` (a connection of a `Database`, which reports to [`instrumentation`]),
/// and says whether any statement of it found the disk full.
pub fn watched<T>(conn: &mut DbConnection, work: impl FnOnce(&mut DbConnection) -> T) -> (T, bool) {
    FULL_SEEN.with(|seen| seen.set(false));
    let result = work(conn);
    (result, FULL_SEEN.with(|seen| seen.replace(false)))
}

/// SQLite's `SQLITE_FULL`: the file system (or a page limit) left no room.
pub fn is_full(error: &Error) -> bool {
    matches!(error, Error::DatabaseError(_, info) if info.message() == "database or disk is full")
}
