//! `backup` copies a database that a server is serving while imports replace its dataset: each
//! copy is whole (SQLite's integrity check passes, every stored rendering checks) and holds
//! one dataset entirely, never a mix of two.

use std::path::Path;
use std::process::Command;

use crate::process::{succeeded, Server};

fn kbs(database: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kbs-graphql"));
    command
        .arg("--database")
        .arg(database)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn");
    command
}

fn import(database: &Path, customers: &Path) {
    succeeded(
        kbs(database)
            .args([
                "import",
                "--replace",
                "--companies",
                "data/companies.jsonl",
                "--customers",
            ])
            .arg(customers)
            .output()
            .unwrap(),
    );
}

/// The customers file `export` writes from `database`.
fn exported(database: &Path, dir: &Path) -> Vec<u8> {
    let (customers, companies) = (dir.join("x-customers.jsonl"), dir.join("x-companies.jsonl"));
    let _ = std::fs::remove_file(&customers);
    let output = kbs(database)
        .arg("export")
        .arg("--customers")
        .arg(&customers)
        .arg("--companies")
        .arg(&companies)
        .output()
        .unwrap();
    assert!(output.status.success());
    std::fs::read(customers).unwrap()
}

#[test]
fn a_backup_taken_while_imports_replace_the_data_holds_one_dataset_whole() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kbs.db");
    let all = std::fs::read_to_string("data/customers.jsonl").unwrap();
    let some: String = all
        .lines()
        .take(100)
        .map(|line| format!("{line}\n"))
        .collect();
    let small = dir.path().join("small.jsonl");
    std::fs::write(&small, &some).unwrap();
    import(&db, Path::new("data/customers.jsonl"));
    let server = Server::start(&db);

    let importing = {
        let (db, small) = (db.clone(), small.clone());
        std::thread::spawn(move || {
            for round in 0..6 {
                let file = if round % 2 == 0 {
                    small.as_path()
                } else {
                    Path::new("data/customers.jsonl")
                };
                import(&db, file);
            }
        })
    };
    let mut copies = Vec::new();
    for n in 0..6 {
        let copy = dir.path().join(format!("backups/{n}.db"));
        let output = kbs(&db)
            .arg("backup")
            .arg("--to")
            .arg(&copy)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        assert!(stderr.contains("backed up"), "{stderr}");
        assert_eq!(server.request("GET", "/healthz", "").0, 200);
        copies.push(copy);
    }
    importing.join().unwrap();

    for copy in &copies {
        let check = kbs(copy).arg("check").output().unwrap();
        assert!(
            check.status.success(),
            "{}: {}",
            copy.display(),
            String::from_utf8_lossy(&check.stdout)
        );
        let held = exported(copy, dir.path());
        assert!(
            held == all.as_bytes() || held == some.as_bytes(),
            "{} holds neither dataset whole ({} bytes)",
            copy.display(),
            held.len()
        );
    }
    // A backup never overwrites a file.
    let output = kbs(&db)
        .arg("backup")
        .arg("--to")
        .arg(&copies[0])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("never overwrites"));
}
