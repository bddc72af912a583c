//! Statements that stop when their time is up. SQLite calls a connection's progress handler
//! every few thousand steps of a running statement; ours compares the clock with the deadline
//! of the thread running it ([`until`]: diesel runs statements on the calling thread), and a
//! statement past it ends with `SQLITE_INTERRUPT`, the connection staying usable. The handler
//! is installed on every connection as it opens, by an auto-extension: diesel does not hand
//! out SQLite's own handle.
#![allow(unsafe_code)]

use std::cell::Cell;
use std::ffi::{c_char, c_int, c_void};
use std::sync::{Once, OnceLock};
use std::time::Instant;

use libsqlite3_sys as ffi;

/// Steps between two looks at the clock: a look costs ~20 ns, a step a few, so a statement
/// overruns its deadline by well under a millisecond.
const STEPS_BETWEEN_LOOKS: c_int = 4_000;

thread_local! {
    /// When this thread's statements must stop, in nanoseconds after [`epoch`] (0: never).
    static DEADLINE: Cell<u64> = const { Cell::new(0) };
}

/// The instant deadlines are counted from.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn nanos(at: Instant) -> u64 {
    (at.saturating_duration_since(epoch()).as_nanos() as u64).max(1)
}

unsafe extern "C" fn past_deadline(_: *mut c_void) -> c_int {
    let at = DEADLINE.with(Cell::get);
    c_int::from(at != 0 && nanos(Instant::now()) >= at)
}

unsafe extern "C" fn watch_connection(
    db: *mut ffi::sqlite3,
    _error: *mut *mut c_char,
    _api: *const ffi::sqlite3_api_routines,
) -> c_int {
    // SAFETY: SQLite hands us the connection it is opening, valid for this call and after.
    unsafe {
        ffi::sqlite3_progress_handler(
            db,
            STEPS_BETWEEN_LOOKS,
            Some(past_deadline),
            std::ptr::null_mut(),
        )
    };
    ffi::SQLITE_OK
}

/// Makes every connection opened from now on obey [`until`]. Once per process, before the
/// first connection opens (`Database::open` calls it).
pub fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // SAFETY: registers a function with the signature SQLite calls it with.
        unsafe { ffi::sqlite3_auto_extension(Some(watch_connection)) };
    });
}

/// Runs `work` with this thread's statements stopping at `at` (`None`: no limit); the limit
/// in force before is back afterwards, even if `work` panics.
pub fn until<T>(at: Option<Instant>, work: impl FnOnce() -> T) -> T {
    struct Restore(u64);
    impl Drop for Restore {
        fn drop(&mut self) {
            DEADLINE.with(|deadline| deadline.set(self.0));
        }
    }
    let _restore = Restore(DEADLINE.with(|deadline| deadline.replace(at.map_or(0, nanos))));
    work()
}

/// Whether `error` is a statement stopped by its deadline.
pub fn interrupted(error: &diesel::result::Error) -> bool {
    matches!(
        error,
        diesel::result::Error::DatabaseError(_, info) if info.message() == "interrupted"
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use diesel::prelude::*;
    use diesel::sql_types::BigInt;

    use super::*;

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    /// A statement of a few seconds' work: counting a long recursive sequence.
    const SLOW: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
                        WHERE i < 100000000) SELECT count(*) AS n FROM n";

    #[test]
    fn a_statement_past_its_deadline_stops_and_the_connection_goes_on() {
        install();
        let mut conn = diesel::sqlite::SqliteConnection::establish(":memory:").unwrap();
        let started = Instant::now();
        let at = started + Duration::from_millis(50);
        let error = until(Some(at), || {
            diesel::sql_query(SLOW).get_result::<Count>(&mut conn)
        })
        .err()
        .expect("stopped");
        assert!(interrupted(&error), "{error}");
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
        // Without a deadline, the same connection answers.
        let quick = "SELECT count(*) AS n FROM (SELECT 1 UNION ALL SELECT 2)";
        let count = diesel::sql_query(quick).get_result::<Count>(&mut conn);
        assert_eq!(count.unwrap().n, 2);
    }

    #[test]
    fn the_deadline_in_force_before_comes_back() {
        let later = Instant::now() + Duration::from_secs(60);
        until(Some(later), || {
            until(None, || assert_eq!(DEADLINE.with(Cell::get), 0));
            assert_eq!(DEADLINE.with(Cell::get), nanos(later));
        });
        assert_eq!(DEADLINE.with(Cell::get), 0);
    }
}
