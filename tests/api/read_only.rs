//! A database the server may only read (data baked into an image, a replica's volume) is
//! served as it is, says so once, and leaves nothing behind.

use std::collections::BTreeMap;
use std::path::Path;

use crate::helpers::{basic, skip};
use crate::process::{unable_to_write, Server, SmallFileSystem};

/// Every file in `directory`, with its size and modification time.
fn listing(directory: &Path) -> BTreeMap<String, (u64, std::time::SystemTime)> {
    std::fs::read_dir(directory)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            (name, (meta.len(), meta.modified().unwrap()))
        })
        .collect()
}

/// A database made and stopped by the server itself (demo data, the bootstrap admin), and
/// the admin's credentials.
fn made_database(directory: &Path) -> (std::path::PathBuf, String) {
    let database = directory.join("kbs.db");
    let mut server = Server::start(&database);
    let admin = basic("admin", server.admin_password.as_deref().unwrap());
    server.stop();
    (database, admin)
}

/// What a signed-in client gets from both transports.
fn serves(server: &Server, admin: &str) {
    let (status, body) = server.request_as(
        Some(admin),
        "POST",
        "/graphql",
        r#"{"query":"{ customers(search: \"an\") { totalCount } all: customers { totalCount } }"}"#,
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""all":{"totalCount":250}"#), "{body}");
    let (status, body) = server.request_as(Some(admin), "GET", "/wp-json/kbs/v1/customers/250", "");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""id":250"#), "{body}");
    assert_eq!(server.request("GET", "/readyz", ""), (200, "ok".to_owned()));
}

#[test]
fn a_database_this_user_may_not_write_is_served_read_only_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let (database, admin) = made_database(dir.path());
    let before = listing(dir.path());
    assert_eq!(
        before.get("kbs.db-wal").map(|(size, _)| *size),
        Some(0),
        "a stopped server folds its write-ahead log into the file: {before:?}"
    );

    let mut server = Server::start_unable_to_write(&database);
    serves(&server, &admin);
    let log = server.stop();
    assert_eq!(
        listing(dir.path()),
        before,
        "nothing written, nothing left beside it"
    );
    let said = format!("{}{log}", server.startup_log());
    assert_eq!(
        said.matches("the database is read-only").count(),
        1,
        "{said}"
    );
    assert!(said.contains("may not write"), "{said}");
    let checked = unable_to_write(&database)
        .arg("check")
        .env("DATABASE_URL", &database)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&checked.stdout);
    assert!(checked.status.success(), "{report}{:?}", checked.stderr);
    assert_eq!(
        listing(dir.path()),
        before,
        "the check wrote nothing either"
    );
    let import = unable_to_write(&database)
        .args(["import", "--customers", "/dev/null"])
        .env("DATABASE_URL", &database)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&import.stderr);
    assert!(!import.status.success());
    assert!(
        said.contains("is read-only") && said.contains("this command writes"),
        "{said}"
    );

    // Writable again, it starts as ever.
    restore_write_access(dir.path(), &database);
    let mut server = Server::start(&database);
    serves(&server, &admin);
    let log = server.stop();
    assert!(!log.contains("read-only"), "{log}");
}

fn restore_write_access(directory: &Path, database: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for path in [directory, database] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn a_database_on_a_read_only_file_system_is_served_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let (made, admin) = made_database(dir.path());
    let Some(volume) = SmallFileSystem::mount(dir.path().join("read-only"), 16) else {
        return skip(
            "a_database_on_a_read_only_file_system_is_served_read_only",
            "mounting a file system needs root (CAP_SYS_ADMIN)",
        );
    };
    let database = volume.path.join("kbs.db");
    std::fs::copy(&made, &database).unwrap();
    volume.make_read_only();

    let mut server = Server::start(&database);
    serves(&server, &admin);
    let startup = server.startup_log().to_owned();
    let log = startup + &server.stop();
    assert!(log.contains("its file system is read-only"), "{log}");
}

#[test]
fn a_read_only_database_of_an_older_version_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let (database, _) = made_database(dir.path());
    // The file as an older release left it: its last migration not yet applied.
    let mut conn = {
        use diesel::Connection;
        diesel::sqlite::SqliteConnection::establish(database.to_str().unwrap()).unwrap()
    };
    {
        use diesel::connection::SimpleConnection;
        conn.batch_execute(
            "DELETE FROM __diesel_schema_migrations WHERE version = \
             (SELECT max(version) FROM __diesel_schema_migrations)",
        )
        .unwrap();
    }
    drop(conn);
    let output = unable_to_write(&database)
        .env("DATABASE_URL", &database)
        .env("KBS_LISTEN", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("read-only") && said.contains("open it once with write access"),
        "{said}"
    );
}
