//! A disk that fills during an import: the operator is told so, with the path; nothing changes
//! and the write-ahead log does not stay grown.

use std::process::Command;

use diesel::connection::SimpleConnection;
use kbs_graphql::import::{self, ImportError, Input};
use serde_json::{json, Value};

use crate::helpers::{jsonl, skip, TestApp};
use crate::process::SmallFileSystem;

fn many_customers(count: i32) -> String {
    let records: Vec<Value> = (1..=count)
        .map(|id| {
            json!({
                "id": id,
                "name": format!("Customer number {id}"),
                "email": format!("customer{id}@example.com"),
                "notes": [format!("A note long enough to take some room, for customer {id}.")],
                "date_created": "2021-03-04 05:06:07",
            })
        })
        .collect();
    jsonl(&records)
}

fn wal_size(app: &TestApp) -> u64 {
    std::fs::metadata(format!("{}-wal", app.db.path)).map_or(0, |m| m.len())
}

#[test]
fn an_import_that_fills_the_database_says_so_and_changes_nothing() {
    let app = TestApp::semantic();
    let before = app.stored_rows();
    let mut conn = app.db.pool.get().unwrap();
    // A page limit makes SQLite answer as a full disk does (SQLITE_FULL), on any machine.
    conn.batch_execute("PRAGMA max_page_count = 120").unwrap();
    let text = many_customers(20_000);
    let error = import::import(
        &mut conn,
        Input::from_bytes("customers.jsonl", text.as_bytes()),
        None,
        false,
    )
    .unwrap_err();
    assert!(matches!(error, ImportError::StorageFull), "{error}");
    let message = error.to_string();
    assert!(
        message.contains("database or disk is full") && message.contains("nothing was imported"),
        "{message}"
    );
    conn.batch_execute("PRAGMA max_page_count = 1073741823")
        .unwrap();
    drop(conn);
    assert_eq!(app.stored_rows(), before, "nothing changed");
    assert_eq!(wal_size(&app), 0, "the log gave its space back");
    // And the database takes the import once there is room.
    app.import(&many_customers(200), None, true).unwrap();
    assert_eq!(app.stored_rows()[0].1, 200);
}

#[test]
fn an_import_into_a_full_file_system_names_the_path_and_the_cause() {
    let test = "an_import_into_a_full_file_system_names_the_path_and_the_cause";
    let dir = tempfile::tempdir().unwrap();
    let Some(volume) = SmallFileSystem::mount(dir.path().join("small"), 3) else {
        return skip(
            test,
            "mounting a small file system needs root (CAP_SYS_ADMIN)",
        );
    };
    let customers = dir.path().join("customers.jsonl");
    std::fs::write(&customers, many_customers(30_000)).unwrap();
    let database = volume.path.join("kbs.db");
    let output = Command::new(env!("CARGO_BIN_EXE_kbs-graphql"))
        .args(["import", "--customers"])
        .arg(&customers)
        .env("DATABASE_URL", &database)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains(&format!("cannot write {}", database.display()))
            && said.contains("database or disk is full")
            && said.contains("nothing was imported"),
        "{said}"
    );
    let log = std::fs::metadata(format!("{}-wal", database.display())).map_or(0, |m| m.len());
    assert_eq!(log, 0, "no write-ahead log left holding the space");
}
