//! An import's customers file (and, after a 0xFF byte, its companies file), read, checked
//! and written in one transaction on a real database: any outcome but a panic is fine, and a
//! refused import leaves the stored dataset as it was.
#![no_main]

use std::sync::{Mutex, OnceLock};

use kbs_graphql::db::{Database, PooledConnection};
use kbs_graphql::import::{self, Input};
use libfuzzer_sys::fuzz_target;

struct Stored {
    conn: Mutex<PooledConnection>,
    _db: Database,
    _dir: tempfile::TempDir,
}

fn stored() -> &'static Stored {
    static STORED: OnceLock<Stored> = OnceLock::new();
    STORED.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(dir.path().join("import.db").to_str().unwrap(), 1).unwrap();
        let conn = db.pool.get().unwrap();
        Stored {
            conn: Mutex::new(conn),
            _db: db,
            _dir: dir,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let (customers, companies) = match data.iter().position(|b| *b == 0xFF) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    };
    let mut conn = stored().conn.lock().unwrap();
    let before = kbs_graphql::db::dataset_version(&mut conn).unwrap();
    let result = import::import(
        &mut conn,
        Input::from_bytes("customers.jsonl", customers),
        companies.map(|bytes| Input::from_bytes("companies.jsonl", bytes)),
        true,
    );
    let after = kbs_graphql::db::dataset_version(&mut conn).unwrap();
    match result {
        Ok(_) => assert_eq!(after, before + 1, "an import is one new dataset version"),
        Err(_) => assert_eq!(after, before, "a refused import changes nothing"),
    }
});
