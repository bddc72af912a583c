//! Writing checked records in one transaction: every bad record is reported, and one is
//! enough for nothing to be written.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::Arc;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::Text;

use crate::db::schema::{companies, customer_emails, customers, dataset};
use crate::db::{full, write_transaction, DbConnection};
use crate::import::digest::Digest;
use crate::import::input::{Input, Progress};
use crate::import::reader::{for_each_record, Location};
use crate::import::records::FieldProblem;
use crate::import::report::{ImportError, ImportSummary, Problem, MAX_LISTED_PROBLEMS};
use crate::import::write::{Companies, Customers, RecordKind};
use crate::import::ImportOptions;

/// Collects the problems found while records stream past.
#[derive(Default)]
struct Outcome {
    listed: Vec<Problem>,
    total: usize,
}

impl Outcome {
    fn report(&mut self, file: &str, location: Location, field: &str, message: String) {
        self.total += 1;
        if self.listed.len() < MAX_LISTED_PROBLEMS {
            self.listed.push(Problem {
                file: file.to_owned(),
                location,
                field: field.to_owned(),
                message,
            });
        }
    }

    /// Puts the problems listed for `file` (the last ones) in file order; stable, so a
    /// record's fields keep theirs.
    fn sort_file(&mut self, file: &str) {
        let from = self.listed.iter().position(|p| p.file == file);
        if let Some(from) = from {
            self.listed[from..].sort_by_key(|p| p.location);
        }
    }

    fn report_all(&mut self, file: &str, location: Location, problems: Vec<FieldProblem>) {
        for p in problems {
            self.report(file, location, &p.field, p.message);
        }
    }
}

/// Records handed from the parsing thread to the writing one at a time.
const BATCH: usize = 2000;
/// Imports at least this large refresh the planner's statistics.
const ANALYZE_FROM: u64 = 10_000;

/// Loads `customers` (and `companies`) in one transaction. With `replace`, the stored dataset
/// is deleted first, in the same transaction, so readers see the old data or the new, never
/// a mix.
pub fn import(
    conn: &mut DbConnection,
    customers: Input<'_>,
    companies: Option<Input<'_>>,
    replace: bool,
) -> Result<ImportSummary, ImportError> {
    let options = ImportOptions {
        replace,
        ..ImportOptions::default()
    };
    import_with_progress(conn, customers, companies, options, &crate::import::Silent)
}

/// [`import`], telling `progress` how it advances.
pub fn import_with_progress(
    conn: &mut DbConnection,
    customers: Input<'_>,
    companies: Option<Input<'_>>,
    options: ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportSummary, ImportError> {
    // The whole import is one transaction: readers keep their snapshot of the old dataset
    // until it commits.
    // Sorts (the address table, the index rebuild) run fastest on a small page cache with a
    // helper thread, spilled to temporary files rather than kept in memory; no memory map
    // (its pages would count as resident for the whole file), and a sampled ANALYZE: all
    // bounded, whatever the file's size.
    conn.batch_execute(
        "PRAGMA cache_size = -4000; PRAGMA threads = 2; PRAGMA mmap_size = 0; PRAGMA temp_store = FILE; \
         PRAGMA analysis_limit = 2000;",
    )?;
    let (result, full) = full::watched(conn, |conn| {
        write_transaction(conn, |conn| {
            if options.replace {
                diesel::delete(customer_emails::table).execute(conn)?;
                diesel::delete(customers::table).execute(conn)?;
                diesel::delete(companies::table).execute(conn)?;
            }
            // Into an empty table, building the indexes once at the end is much faster than
            // keeping them up to date row by row.
            let before: i64 = customers::table.count().get_result(conn)?;
            let companies_before: i64 = companies::table.count().get_result(conn)?;
            let deferred = if before == 0 {
                drop_indexes(conn)?
            } else {
                Vec::new()
            };

            let mut outcome = Outcome::default();
            let (companies_written, companies_digest) = match companies {
                Some(input) => {
                    load_file::<Companies>(conn, input, options, &mut outcome, progress)?
                }
                None => (0, Digest::default()),
            };
            let file = customers.name.clone();
            let (customers_written, customers_digest) =
                load_file::<Customers>(conn, customers, options, &mut outcome, progress)?;
            // Known when the files are the whole dataset (replaced, or into empty tables); an
            // import added to stored data leaves it unknown (the next sync then swaps).
            let digest = (before == 0 && companies_before == 0)
                .then(|| companies_digest.combine(customers_digest).to_hex());
            if outcome.total > 0 {
                return Err(ImportError::Invalid {
                    problems: outcome.listed,
                    total: outcome.total,
                });
            }
            // An empty file is more likely a failed export than a wish: refused (the
            // transaction rolled back) when nothing at all was read, and whenever it would
            // replace the stored customers with none.
            if customers_written == 0 && (companies_written == 0 || options.replace) {
                return Err(ImportError::NoCustomers {
                    file,
                    replace: options.replace,
                });
            }
            let started = std::time::Instant::now();
            for create in &deferred {
                conn.batch_execute(create)?;
            }
            tracing::debug!(elapsed = ?started.elapsed(), "indexes built");
            // Caches keyed by the dataset (the server's response cache) see it change; the
            // unfiltered total is kept with it, and the totals per company (one pass over the
            // company index).
            // Every record was written (one problem and nothing is): no need to count them again.
            let stored = before + customers_written as i64;
            conn.batch_execute(
                "DELETE FROM company_counts; \
             INSERT INTO company_counts (company_id, customers) \
             SELECT company_id, count(*) FROM customers WHERE company_id <> 0 GROUP BY company_id;",
            )?;
            diesel::update(dataset::table)
                .set((
                    dataset::version.eq(dataset::version + 1),
                    dataset::customers.eq(stored),
                    dataset::changed_at.eq(chrono::Utc::now().timestamp()),
                    dataset::digest.eq(digest),
                ))
                .execute(conn)?;
            if customers_written >= ANALYZE_FROM {
                let started = std::time::Instant::now();
                // The large tables only. Statistics of the substring index's tables, taken while
                // they are empty, told the planner to scan them (FTS5's own range deletes became
                // full scans); those of the small ones (companies, company_counts) make it scan
                // them for every `IN` list instead of looking the listed ids up. Without
                // statistics a table is assumed large, and keys are looked up.
                conn.batch_execute(
                    "ANALYZE customers; ANALYZE customer_emails; \
                 DELETE FROM sqlite_stat1 WHERE tbl NOT IN ('customers', 'customer_emails');",
                )?;
                tracing::debug!(elapsed = ?started.elapsed(), "statistics refreshed");
            }
            Ok(ImportSummary {
                customers: customers_written,
                companies: companies_written,
            })
        })
    });
    if result.is_err() {
        // The rolled-back pages stay in the write-ahead log (tens of MB for a large import,
        // on a disk perhaps full): give the space back now, not at some later checkpoint.
        let _ = conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    // Back to the pool's settings whatever happened.
    conn.batch_execute(crate::db::SQLITE_CONNECTION_PRAGMAS)?;
    conn.batch_execute(
        "PRAGMA temp_store = DEFAULT; PRAGMA threads = 0; PRAGMA analysis_limit = 0;",
    )?;
    match result {
        Err(_) if full => Err(ImportError::StorageFull),
        other => other,
    }
}

#[derive(QueryableByName)]
struct Index {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    sql: String,
}

/// Drops the customer tables' secondary indexes, returning the statements that rebuild them
/// exactly as the migrations defined them.
fn drop_indexes(conn: &mut DbConnection) -> Result<Vec<String>, DieselError> {
    let indexes: Vec<Index> = diesel::sql_query(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
         AND tbl_name IN ('customers', 'customer_emails')",
    )
    .load(conn)?;
    for index in &indexes {
        conn.batch_execute(&format!("DROP INDEX \"{}\"", index.name))?;
    }
    Ok(indexes.into_iter().map(|i| i.sql).collect())
}

type Checked<R> = (Location, Result<R, Vec<FieldProblem>>);

/// Streams one file: a second thread reads and checks records while this one writes them,
/// a batch at a time.
fn load_file<K: RecordKind>(
    conn: &mut DbConnection,
    input: Input<'_>,
    options: ImportOptions,
    outcome: &mut Outcome,
    progress: &dyn Progress,
) -> Result<(u64, Digest), ImportError> {
    let file = input.name.clone();
    let size = input.size;
    let read = Arc::new(AtomicU64::new(0));
    let mut reader = input.counted(read.clone());
    let mut kind = K::start(conn, options)?;
    let (sender, batches) = sync_channel::<Vec<Checked<K::Record>>>(4);
    // Written batches go back to the parsing thread, which frees their records (it allocated
    // them, and has time to spare) and reuses their buffers.
    let (give_back, spent) = std::sync::mpsc::channel::<Vec<Checked<K::Record>>>();
    std::thread::scope(|scope| {
        let parser = scope.spawn(move || {
            let started = std::time::Instant::now();
            let mut waiting = std::time::Duration::ZERO;
            let mut batch = Vec::with_capacity(BATCH);
            let mut stopped = false;
            let mut digest = Digest::default();
            let result = for_each_record(&mut reader, |location, raw: Result<K::Raw, String>| {
                if stopped {
                    return;
                }
                let checked = match raw {
                    Ok(raw) => K::check(raw).inspect(|record| digest.add(K::KIND, record)),
                    Err(message) => Err(vec![FieldProblem {
                        field: String::new(),
                        message,
                    }]),
                };
                batch.push((location, checked));
                if batch.len() == BATCH {
                    let next = match spent.try_recv() {
                        Ok(mut old) => {
                            old.clear();
                            old
                        }
                        Err(_) => Vec::with_capacity(BATCH),
                    };
                    // The writer hung up: it failed, and nothing more is needed.
                    let waited = std::time::Instant::now();
                    stopped = sender.send(std::mem::replace(&mut batch, next)).is_err();
                    waiting += waited.elapsed();
                }
            });
            if !batch.is_empty() && !stopped {
                let _ = sender.send(batch);
            }
            tracing::debug!(elapsed = ?started.elapsed(), ?waiting, "read and checked");
            result.map(|()| digest)
        });

        let mut written = 0;
        let mut failure = None;
        let mut writing = std::time::Duration::ZERO;
        for batch in batches.iter() {
            let started = std::time::Instant::now();
            let wrote = write_batch(&mut kind, conn, &batch, &file, outcome);
            writing += started.elapsed();
            // The parser may have finished already; then the batch is freed here.
            let _ = give_back.send(batch);
            match wrote {
                Ok(count) => written += count,
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            }
            progress.update(&file, read.load(Ordering::Relaxed), size, written);
        }
        drop(batches);
        tracing::debug!(elapsed = ?writing, file, "written");
        let parsed = parser.join().expect("the parsing thread does not panic");
        if let Some(error) = failure {
            return Err(ImportError::Database(error));
        }
        let digest = parsed.map_err(|source| ImportError::Read {
            file: file.clone(),
            source,
        })?;
        progress.update(&file, read.load(Ordering::Relaxed), size, written);
        let started = std::time::Instant::now();
        let mut late = kind.finish(conn)?;
        tracing::debug!(elapsed = ?started.elapsed(), file, "finished");
        if !late.is_empty() {
            // Problems found at the end take their place in file order among the others.
            late.sort_by_key(|(location, _)| *location);
            for (location, problem) in late {
                outcome.report(&file, location, &problem.field, problem.message);
            }
            outcome.sort_file(&file);
        }
        Ok((written, digest))
    })
}

/// Writes a batch in one savepoint when all of it is good; otherwise (or if that fails on a
/// uniqueness rule) record by record in file order, so that every problem is named in order.
fn write_batch<K: RecordKind>(
    kind: &mut K,
    conn: &mut DbConnection,
    batch: &[Checked<K::Record>],
    file: &str,
    outcome: &mut Outcome,
) -> Result<u64, DieselError> {
    // Once anything is wrong nothing will be committed: keep going only to find problems.
    if outcome.total == 0 && batch.iter().all(|(_, checked)| checked.is_ok()) {
        let good: Vec<(Location, &K::Record)> = batch
            .iter()
            .filter_map(|(location, c)| Some((*location, c.as_ref().ok()?)))
            .collect();
        match conn.transaction(|conn| kind.insert_batch(conn, &good)) {
            Ok(()) => return Ok(good.len() as u64),
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {}
            Err(other) => return Err(other),
        }
    }
    let mut written = 0;
    for (location, checked) in batch {
        let problems = match checked {
            Ok(record) => kind.insert_one(conn, *location, record)?,
            Err(problems) => problems.clone(),
        };
        if problems.is_empty() {
            written += 1;
        } else {
            outcome.report_all(file, *location, problems);
        }
    }
    Ok(written)
}
