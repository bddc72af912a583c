//! The derived data, one subsystem: what the server keeps beside the imported customers so
//! that some reads need not visit every match — its [`PARTS`] (the substring index and the
//! distinct names, `search_index/`, with the names' lists of customers, `name_members.rs`,
//! filled when the last batch is in; each customer's position among its company's customers,
//! `company_positions.rs`; each customer's own REST and GraphQL renderings, `stored_json.rs`) —, their
//! build, which adds a batch of customers to each per write transaction, and the one check of
//! whether they hold the dataset a read sees ([`is_current`], `sql::Current`).
//!
//! An import only bumps the dataset version; the derived data is then rebuilt (by the
//! server's background builder, or [`build`]), so imports keep their speed and readers never
//! wait. A query uses it only when it holds the very dataset the query reads
//! ([`is_current`], read in the query's own transaction); otherwise it reads the customers,
//! with the same answers.

use std::sync::Arc;
use std::time::{Duration, Instant};

mod builds;
pub(crate) mod company_positions;
mod name_members;
pub(crate) mod search_index;
pub(crate) mod stored_json;

use diesel::prelude::*;

use crate::customers::derived::stored_json::Renderers;
use crate::customers::register_fold_case;
use crate::customers::sql::Current;
use crate::db::schema::{customers, search_index as progress};
use crate::db::{dataset_version, write_transaction, Database, DbConnection};

pub use builds::{BuildCounts, Builds};

/// One part of the derived data: how its build starts over, adds the customers with ids in
/// `(after, through]`, and ends once the last batch is in.
struct Part {
    clear: fn(&mut DbConnection) -> QueryResult<()>,
    add_batch: fn(&mut DbConnection, i32, i32, Renderers) -> QueryResult<()>,
    finish: fn(&mut DbConnection) -> QueryResult<()>,
}

/// Every part, once: a build step runs each in this order.
const PARTS: [Part; 3] = [
    Part {
        clear: search_index::clear,
        add_batch: |conn, after, through, _| search_index::add_batch(conn, after, through),
        finish: search_index::finish,
    },
    Part {
        clear: company_positions::clear,
        add_batch: |conn, after, through, _| company_positions::add_batch(conn, after, through),
        finish: |_| Ok(()),
    },
    Part {
        clear: stored_json::clear,
        add_batch: stored_json::add_batch,
        finish: |_| Ok(()),
    },
];

/// Customers added per transaction: each holds the write lock for a fraction of a second, so
/// an import or an account change waits little.
pub const BATCH: i64 = 20_000;

/// Whether the derived data holds the stored dataset (`search_index.version =
/// dataset.version`). Call it inside the transaction of the read it decides, so both see the
/// same snapshot.
pub fn is_current(conn: &mut DbConnection) -> QueryResult<bool> {
    progress::table.select(Current).first(conn)
}

/// How far one call of [`build_step`] got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The derived data already holds the stored dataset.
    Current,
    /// A batch was added; more remain.
    Indexed { through_id: i32 },
    /// The last batch was added: the derived data now holds dataset `version`.
    Finished { version: i64 },
}

/// Adds the next `batch` customers to the derived data, in one write transaction. A build of
/// an older dataset version (an import landed meanwhile) is thrown away and started over.
pub fn build_step(conn: &mut DbConnection, batch: i64, render: Renderers) -> QueryResult<Step> {
    register_fold_case(conn)?;
    // The step reads its progress before it writes: holding the write lock from the start
    // keeps another writer from committing in between.
    write_transaction(conn, |conn| step_in_transaction(conn, batch.max(1), render))
}

fn step_in_transaction(
    conn: &mut DbConnection,
    batch: i64,
    render: Renderers,
) -> QueryResult<Step> {
    let current = dataset_version(conn)?;
    let (version, building, mut last_id): (i64, i64, i32) = progress::table
        .select((progress::version, progress::building, progress::last_id))
        .first(conn)?;
    if version == current {
        return Ok(Step::Current);
    }
    if building != current {
        for part in &PARTS {
            (part.clear)(conn)?;
        }
        last_id = 0;
    }
    // The batch ends at the `batch`-th id after the last one indexed, or at the end.
    let upper: Option<i32> = customers::table
        .select(customers::id)
        .filter(customers::id.gt(last_id))
        .order(customers::id)
        .offset(batch - 1)
        .first(conn)
        .optional()?;
    let through = upper.unwrap_or(i32::MAX);
    for part in &PARTS {
        (part.add_batch)(conn, last_id, through, render)?;
    }
    let step = match upper {
        Some(through_id) => {
            diesel::update(progress::table)
                .set((
                    progress::building.eq(current),
                    progress::last_id.eq(through_id),
                ))
                .execute(conn)?;
            Step::Indexed { through_id }
        }
        None => {
            for part in &PARTS {
                (part.finish)(conn)?;
            }
            diesel::update(progress::table)
                .set((
                    progress::version.eq(current),
                    progress::building.eq(current),
                    progress::last_id.eq(0),
                ))
                .execute(conn)?;
            Step::Finished { version: current }
        }
    };
    Ok(step)
}

/// Builds the derived data to the stored dataset now (unless it is already current).
pub fn build(conn: &mut DbConnection, render: Renderers) -> QueryResult<()> {
    loop {
        match build_step(conn, BATCH, render)? {
            Step::Current | Step::Finished { .. } => return Ok(()),
            Step::Indexed { .. } => {}
        }
    }
}

/// Keeps the derived data current for as long as the process runs: on a thread of its own,
/// with a connection of its own, checking the dataset version once a second when idle.
/// What it does is told in `builds`.
pub fn spawn_builder(
    db: Database,
    render: Renderers,
    builds: Arc<Builds>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("search-index".into())
        .spawn(move || keep_current(&db, render, &builds))
}

/// How long the builder waits after `failures` failed steps in a row: 5 s, doubling up to
/// 5 minutes (a database the server may not write, for one, fails every time).
fn retry_after(failures: u32) -> Duration {
    const FIRST: Duration = Duration::from_secs(5);
    const MAX: Duration = Duration::from_secs(300);
    FIRST
        .saturating_mul(1 << failures.saturating_sub(1).min(10))
        .min(MAX)
}

fn keep_current(db: &Database, render: Renderers, builds: &Builds) {
    const IDLE: Duration = Duration::from_secs(1);
    const AFTER_ERROR: Duration = Duration::from_secs(5);
    let mut conn = loop {
        match db.dedicated_connection() {
            Ok(conn) => break conn,
            Err(error) => {
                tracing::warn!(%error, "search index: no connection; retrying");
                std::thread::sleep(AFTER_ERROR);
            }
        }
    };
    let mut started: Option<Instant> = None;
    let mut failures = 0;
    loop {
        // Checked in a read first: current derived data needs no write transaction, which a
        // read-only database would refuse.
        if matches!(conn.transaction(is_current), Ok(true)) {
            std::thread::sleep(IDLE);
            continue;
        }
        let step_began = Instant::now();
        let step = build_step(&mut conn, BATCH, render);
        if step.is_ok() {
            failures = 0;
        }
        match step {
            Ok(Step::Current) => std::thread::sleep(IDLE),
            Ok(Step::Indexed { through_id }) => {
                let since = *started.get_or_insert_with(|| {
                    builds.started();
                    tracing::info!("search index: building for the stored customers");
                    step_began
                });
                tracing::debug!(through_id, elapsed = ?since.elapsed(), "search index: batch indexed");
            }
            Ok(Step::Finished { version }) => {
                let elapsed = started.take().unwrap_or(step_began).elapsed();
                builds.finished(elapsed);
                tracing::info!(version, ?elapsed, "search index: current");
            }
            Err(error) => {
                // Typically "database is locked" while an import holds the write lock longer
                // than busy_timeout: the step was rolled back and is simply tried again. Said
                // once, then again only at the longest wait, so that a lasting failure does
                // not fill the log.
                failures += 1;
                builds.step_failed();
                let retry_in = retry_after(failures);
                if failures == 1 || retry_in == retry_after(u32::MAX) {
                    tracing::warn!(%error, ?retry_in, "search index: build step failed (substring filters scan meanwhile); retrying");
                } else {
                    tracing::debug!(%error, ?retry_in, failures, "search index: build step failed again");
                }
                std::thread::sleep(retry_in);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::retry_after;

    #[test]
    fn failed_builds_are_retried_less_and_less_often() {
        let waits: Vec<u64> = (1..=9).map(|n| retry_after(n).as_secs()).collect();
        assert_eq!(waits, [5, 10, 20, 40, 80, 160, 300, 300, 300]);
        assert_eq!(retry_after(u32::MAX), Duration::from_secs(300));
    }
}
