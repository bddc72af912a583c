//! Imports at scale: generated datasets streamed in, a bad record deep in a file, and readers
//! that keep querying while an import replaces the dataset.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use kbs_graphql::customers::{CustomerQuery, Fields, Want, Window};
use kbs_graphql::import::{self, ImportError, Input, Location};

use crate::helpers::TestApp;

/// Writes `count` customers with the project's generator (`../shared/bench`).
fn generate(dir: &Path, count: u32, seed: u32) -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen_customers.py");
    let out = dir.join(format!("data-{count}-{seed}"));
    let status = Command::new("python3")
        .arg(&script)
        .args([
            "--count",
            &count.to_string(),
            "--seed",
            &seed.to_string(),
            "--out-dir",
        ])
        .arg(&out)
        .output()
        .expect("python3 runs the generator")
        .status;
    assert!(status.success(), "generator failed: {}", script.display());
    out
}

fn import_dir(
    app: &TestApp,
    dir: &Path,
    replace: bool,
) -> Result<import::ImportSummary, ImportError> {
    let mut conn = app.db.pool.get().unwrap();
    import::import(
        &mut conn,
        Input::open(&dir.join("customers.jsonl")).unwrap(),
        Some(Input::open(&dir.join("companies.jsonl")).unwrap()),
        replace,
    )
}

fn total(app: &TestApp) -> i64 {
    let mut conn = app.db.pool.get().unwrap();
    CustomerQuery::default()
        .page(&mut conn, &app.reads, Want::rows(Fields::All, true))
        .unwrap()
        .total
        .unwrap()
}

#[test]
fn a_bad_record_deep_in_a_generated_file_is_named_and_nothing_is_written() {
    let app = TestApp::empty();
    let data = generate(app.dir.path(), 20_000, 7);
    let path = data.join("customers.jsonl");
    let mut lines: Vec<String> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    lines[17_499] = lines[17_499].replace("\"email\":\"", "\"email\":\"not an address ");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();

    match import_dir(&app, &data, false).unwrap_err() {
        ImportError::Invalid { problems, total } => {
            assert_eq!(total, 1, "{problems:?}");
            assert_eq!(
                (problems[0].location, problems[0].field.as_str()),
                (Location::Line(17_500), "email")
            );
        }
        other => panic!("{other}"),
    }
    assert_eq!(
        app.stored_rows(),
        TestApp::empty().stored_rows(),
        "nothing written, companies included"
    );
}

#[test]
fn a_generated_dataset_imports_whole_with_its_indexes() {
    let app = TestApp::empty();
    let data = generate(app.dir.path(), 12_000, 11);
    let summary = import_dir(&app, &data, false).unwrap();
    assert_eq!((summary.customers, summary.companies), (12_000, 50));
    assert_eq!(total(&app), 12_000);
    // The indexes dropped for the bulk load are back, exactly as migrated.
    let fresh = TestApp::empty();
    assert_eq!(index_sql(&app), index_sql(&fresh));
    assert!(index_sql(&app).len() >= 5, "one per sort key");
    // Planner statistics for the large tables only: those of the substring index's tables,
    // taken while empty, made FTS5's own range deletes scan (a 4x slower build); those of the
    // small ones made every `IN` list on them a scan.
    let mut analyzed = analyzed_tables(&app);
    analyzed.sort();
    assert_eq!(analyzed, ["customer_emails", "customers"]);
}

fn analyzed_tables(app: &TestApp) -> Vec<String> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Table {
        #[diesel(sql_type = diesel::sql_types::Text)]
        tbl: String,
    }
    diesel::sql_query("SELECT DISTINCT tbl FROM sqlite_stat1")
        .load::<Table>(&mut *app.db.pool.get().unwrap())
        .unwrap()
        .into_iter()
        .map(|t| t.tbl)
        .collect()
}

fn index_sql(app: &TestApp) -> Vec<String> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Sql {
        #[diesel(sql_type = diesel::sql_types::Text)]
        sql: String,
    }
    let mut conn = app.db.pool.get().unwrap();
    let mut all: Vec<String> =
        diesel::sql_query("SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
            .load::<Sql>(&mut *conn)
            .unwrap()
            .into_iter()
            .map(|s| s.sql)
            .collect();
    all.sort();
    all
}

#[test]
fn readers_during_an_import_see_the_old_dataset_or_the_new_never_a_mix() {
    let app = TestApp::empty();
    let old = generate(app.dir.path(), 3_000, 1);
    let new = generate(app.dir.path(), 9_000, 2);
    import_dir(&app, &old, false).unwrap();

    let done = Arc::new(AtomicBool::new(false));
    let seen = std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let mut seen = Vec::new();
            let mut conn = app.db.pool.get().unwrap();
            let unfiltered = CustomerQuery {
                window: Window::new(1, 100, None).unwrap(),
                ..CustomerQuery::default()
            };
            // Filtered, the page and its total are two statements: one transaction.
            let filtered = CustomerQuery {
                exclude: vec![0],
                ..unfiltered.clone()
            };
            for query in [&unfiltered, &filtered].into_iter().cycle() {
                // The last read starts after the import returned, so it must see the new data.
                let after_import = done.load(Ordering::Relaxed);
                let page = query
                    .page(&mut conn, &app.reads, Want::rows(Fields::All, true))
                    .unwrap();
                // A whole dataset: its total, and its highest ids on the first page.
                let total = page.total.unwrap();
                assert!(total == 3_000 || total == 9_000, "a mixed total: {total}");
                assert_eq!(
                    i64::from(page.customers[0].id),
                    total,
                    "page and total from different datasets"
                );
                seen.push(total);
                if after_import && seen.len() >= 6 {
                    break;
                }
            }
            seen
        });
        import_dir(&app, &new, true).unwrap();
        done.store(true, Ordering::Relaxed);
        reader.join().unwrap()
    });
    assert_eq!(seen.last(), Some(&9_000));
    assert_eq!(total(&app), 9_000);
}
