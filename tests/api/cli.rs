//! The binary's commands, run as an operator would.

use std::process::Command;

use crate::process::succeeded;

fn kbs() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kbs-graphql"));
    command
        .env_remove("DATABASE_URL")
        .env_remove("KBS_LISTEN")
        .env("RUST_LOG", "warn");
    command
}

#[test]
fn schema_prints_the_sdl_alone_on_stdout() {
    let output = kbs().arg("schema").output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        kbs_graphql::graphql::sdl()
    );
}

#[test]
fn a_database_that_cannot_be_opened_is_one_clear_line_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing-dir").join("kbs.db");
    for args in [
        &["serve", "--listen", "127.0.0.1:0"][..],
        &["export", "--customers", "c", "--companies", "k"],
    ] {
        let output = kbs()
            .arg("--database")
            .arg(&path)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains("cannot open database") && stderr.contains("missing-dir"),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_trusted_documents_file_that_cannot_be_used_stops_serve_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let documents = dir.path().join("documents.json");
    std::fs::write(&documents, r#"{"not-a-hash": "{ __typename }"}"#).unwrap();
    let output = kbs()
        .arg("--database")
        .arg(dir.path().join("kbs.db"))
        .args(["serve", "--listen", "127.0.0.1:0", "--persisted-only"])
        .arg(&documents)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("documents.json") && stderr.contains("not the SHA-256"),
        "{stderr}"
    );
    // Nothing was created for a server that never started.
    assert!(!dir.path().join("kbs.db").exists());
}

#[test]
fn import_and_export_through_the_cli_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kbs.db");
    let status = kbs()
        .args([
            "import",
            "--customers",
            "data/customers.jsonl",
            "--companies",
            "data/companies.jsonl",
        ])
        .arg("--database")
        .arg(&db)
        .output()
        .unwrap()
        .status;
    assert!(status.success());
    // Into folders that do not exist yet: they are made.
    let (c, k) = (
        dir.path().join("out").join("c.jsonl"),
        dir.path().join("out/more").join("k.jsonl"),
    );
    let output = succeeded(
        kbs()
            .env("DATABASE_URL", format!("sqlite://{}", db.display()))
            .args(["export", "--customers"])
            .arg(&c)
            .arg("--companies")
            .arg(&k)
            .output()
            .unwrap(),
    );
    assert!(output.stdout.is_empty());
    assert_eq!(
        std::fs::read(&c).unwrap(),
        std::fs::read("data/customers.jsonl").unwrap()
    );
    assert_eq!(
        std::fs::read(&k).unwrap(),
        std::fs::read("data/companies.jsonl").unwrap()
    );
}

#[test]
fn a_bad_import_names_the_lines_exits_1_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kbs.db");
    let file = dir.path().join("bad.jsonl");
    std::fs::write(
        &file,
        "{\"id\":1,\"email\":\"a@example.com\",\"date_created\":\"2020-01-01 00:00:00\"}\n{\"id\":2,\"email\":\"b\",\"date_created\":\"2020-01-01 00:00:00\"}\n",
    )
    .unwrap();
    let output = kbs()
        .arg("--database")
        .arg(&db)
        .arg("import")
        .arg("--customers")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("bad.jsonl: line 2: email:"), "{stderr}");
    // Line 1 was not kept: nothing was written, not even the database it would have created.
    assert!(!db.exists());
}

#[test]
fn a_missing_input_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = kbs()
        .arg("--database")
        .arg(dir.path().join("kbs.db"))
        .args(["import", "--customers", "/no/such/file.jsonl"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("cannot read /no/such/file.jsonl"),
        "{stderr}"
    );
}

fn run(db: &std::path::Path, args: &[&str]) -> std::process::Output {
    kbs().arg("--database").arg(db).args(args).output().unwrap()
}

/// Exactly one application password in its grouped form, and a newline.
fn assert_only_a_password(stdout: &[u8]) -> String {
    let text = String::from_utf8(stdout.to_vec()).unwrap();
    let password = text.strip_suffix('\n').expect("ends with a newline");
    let groups: Vec<&str> = password.split(' ').collect();
    assert_eq!(groups.len(), 6, "{text:?}");
    assert!(
        groups
            .iter()
            .all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_alphanumeric())),
        "{text:?}"
    );
    password.to_owned()
}

#[test]
fn users_add_prints_exactly_the_password_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kbs.db");
    let output = succeeded(run(
        &db,
        &[
            "users",
            "add",
            "jane",
            "--role",
            "support_manager",
            "--email",
            "jane@example.com",
        ],
    ));
    let first = assert_only_a_password(&output.stdout);
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains(&first),
        "the password goes to stdout only"
    );

    let output = succeeded(run(
        &db,
        &["app-passwords", "create", "jane", "--name", "laptop"],
    ));
    let second = assert_only_a_password(&output.stdout);
    assert_ne!(first, second);

    let mut conn = kbs_graphql::db::Database::open(db.to_str().unwrap(), 1)
        .unwrap()
        .pool
        .get()
        .unwrap();
    let names = kbs_graphql::auth::app_password_names(&mut conn, "jane").unwrap();
    assert_eq!(names, ["default", "laptop"]);
}

#[test]
fn users_and_passwords_are_managed_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kbs.db");
    assert!(run(&db, &["users", "add", "jane", "--role", "subscriber"])
        .status
        .success());
    assert!(run(&db, &["users", "set-role", "jane", "support_manager"])
        .status
        .success());
    let list = run(&db, &["users", "list"]);
    let listing = String::from_utf8(list.stdout).unwrap();
    assert!(
        listing
            .lines()
            .any(|l| l.starts_with("jane ") && l.contains("support_manager")),
        "{listing}"
    );

    assert!(
        run(&db, &["app-passwords", "create", "jane", "--name", "ci"])
            .status
            .success()
    );
    let listing = String::from_utf8(run(&db, &["app-passwords", "list", "jane"]).stdout).unwrap();
    assert!(
        listing.contains("default") && listing.contains("ci") && listing.contains("never"),
        "{listing}"
    );
    assert!(!listing.contains("argon2"), "hashes are never shown");

    assert!(run(&db, &["app-passwords", "revoke", "jane", "ci"])
        .status
        .success());
    let again = run(&db, &["app-passwords", "revoke", "jane", "ci"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("no application password named \"ci\""));

    let duplicate = run(&db, &["users", "add", "JANE", "--role", "subscriber"]);
    assert_eq!(duplicate.status.code(), Some(1));
    assert!(duplicate.stdout.is_empty());

    assert!(run(&db, &["users", "remove", "jane"]).status.success());
    let gone = run(&db, &["users", "remove", "jane"]);
    assert_eq!(gone.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&gone.stderr).contains("no user with login \"jane\""));
}

#[test]
fn bad_roles_and_logins_are_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kbs.db");
    let output = run(&db, &["users", "add", "jane", "--role", "editor"]);
    assert_eq!(output.status.code(), Some(2), "clap's usage error");
    assert!(String::from_utf8_lossy(&output.stderr).contains("support_manager"));
    let output = run(&db, &["users", "add", "zoë:x", "--role", "subscriber"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("invalid login"));
    assert!(output.stdout.is_empty());
}

#[test]
fn without_a_subcommand_the_binary_takes_serve_s_flags() {
    let dir = tempfile::tempdir().unwrap();
    let output = kbs()
        .args([
            "--listen",
            "127.0.0.1:0",
            "--public-url",
            "https://help.example.com",
            "--timezone",
            "+02:00",
        ])
        .arg("--database")
        .arg(dir.path().join("missing").join("kbs.db"))
        .output()
        .unwrap();
    // Past flag parsing (a usage error would exit 2), as far as opening the database.
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot open database"));

    let output = kbs().args(["--timezone", "Mars/Olympus"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("UTC offset"));
}

#[test]
fn serve_s_flags_before_another_subcommand_are_refused_not_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kbs.db");
    for (args, expected) in [
        (
            &["--listen", "127.0.0.1:0", "schema"][..],
            "`schema` does not take --listen",
        ),
        (
            &["--no-demo-data", "users", "list"],
            "`users` does not take --no-demo-data",
        ),
        (
            &["--pool-size", "2", "serve", "--listen", "127.0.0.1:0"],
            "--pool-size goes after the subcommand",
        ),
    ] {
        let output = kbs()
            .arg("--database")
            .arg(&db)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    assert!(!db.exists(), "nothing ran");

    // The global --database may come first, and serve's environment variables do not count
    // as flags: one environment can serve and run the other commands.
    let output = kbs()
        .env("KBS_LISTEN", "127.0.0.1:0")
        .env("KBS_NO_DEMO_DATA", "true")
        .arg("--database")
        .arg(&db)
        .arg("schema")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
}

/// `check` on a database with its derived data built: healthy, then with two stored
/// renderings damaged (named, exit 1, the file unchanged), and a missing file refused.
#[test]
fn check_names_what_is_damaged_and_changes_nothing() {
    use diesel::prelude::*;
    let app = crate::helpers::TestApp::semantic();
    app.build_derived_data();
    let path = app.db.path.to_string();
    let check = || {
        let output = kbs().args(["--database", &path, "check"]).output().unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        (output.status.code(), stdout)
    };
    let (code, report) = check();
    assert_eq!(code, Some(0), "{report}");
    assert!(
        report.contains("integrity check found nothing wrong"),
        "{report}"
    );
    assert!(
        report.contains("derived data: holds the stored dataset"),
        "{report}"
    );
    assert!(report.contains("8 checked, 0 damaged"), "{report}");

    let mut conn = app.db.pool.get().unwrap();
    diesel::sql_query(
        "UPDATE customer_json SET parts = \
         CAST(replace(CAST(parts AS TEXT), 'example', 'exAmple') AS BLOB) WHERE id IN (3, 7)",
    )
    .execute(&mut conn)
    .unwrap();
    let stored = app.stored_rows();
    let (code, report) = check();
    assert_eq!(code, Some(1), "{report}");
    assert!(
        report.contains("8 checked, 2 damaged (customers 3, 7)"),
        "{report}"
    );
    assert_eq!(app.stored_rows(), stored);

    let missing = app.dir.path().join("missing.db");
    let output = kbs()
        .arg("--database")
        .arg(&missing)
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(!missing.exists(), "check creates no file");
}

#[test]
fn boolean_variables_take_the_usual_spellings_and_a_bad_value_names_its_variable() {
    for value in ["1", "0", "true", "FALSE", "yes", "no", "on", "off"] {
        let output = kbs()
            .env("KBS_NO_DEMO_DATA", value)
            .env("KBS_PUBLIC_SCHEMA", value)
            .arg("schema")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{value}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    for (variable, value) in [("KBS_NO_DEMO_DATA", "maybe"), ("KBS_LISTEN", "nowhere")] {
        let output = kbs().env(variable, value).arg("schema").output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!("set by the environment variable {variable}"))
                && stderr.contains(value),
            "{stderr}"
        );
    }
    // Written on the command line, the flag is the one named.
    let output = kbs()
        .args(["serve", "--listen", "nowhere"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--listen") && !stderr.contains("environment"),
        "{stderr}"
    );
}

#[test]
fn a_public_url_without_its_scheme_is_refused_before_anything_starts() {
    let dir = tempfile::tempdir().unwrap();
    let output = kbs()
        .arg("--database")
        .arg(dir.path().join("kbs.db"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--public-url",
            "help.example.com",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("https://help.example.com"), "{stderr}");
    assert!(!dir.path().join("kbs.db").exists(), "nothing is created");
}

#[test]
fn commands_that_read_a_database_refuse_a_missing_one_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo.db");
    for args in [
        &["export", "--customers", "c.jsonl", "--companies", "k.jsonl"][..],
        &["users", "list"],
        &["app-passwords", "list", "admin"],
        &["check"],
    ] {
        let output = run(&missing, args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("no such file"), "{args:?}: {stderr}");
        assert!(!missing.exists(), "{args:?} created the database");
    }
    // A folder where the file should be: said so, not "unable to open database file".
    let output = run(dir.path(), &["users", "list"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("it is a folder"), "{stderr}");
}

#[test]
fn an_import_that_fails_or_holds_nothing_leaves_no_database_and_changes_none() {
    let dir = tempfile::tempdir().unwrap();
    let (bad, empty) = (dir.path().join("bad.jsonl"), dir.path().join("empty.jsonl"));
    std::fs::write(&bad, "{\"id\": 1}\n").unwrap();
    std::fs::write(&empty, "\n").unwrap();
    let new = dir.path().join("new.db");
    for file in [&bad, &empty] {
        let output = run(&new, &["import", "--customers", file.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(1));
        assert!(!new.exists(), "a failed import left {}", new.display());
    }
    let stderr = String::from_utf8_lossy(
        &run(&new, &["import", "--customers", empty.to_str().unwrap()]).stderr,
    )
    .into_owned();
    assert!(
        stderr.contains("holds no customers: nothing was imported"),
        "{stderr}"
    );
    // An empty file never replaces a dataset.
    let db = dir.path().join("kbs.db");
    assert!(run(&db, &["import", "--customers", "data/customers.jsonl"])
        .status
        .success());
    let output = run(
        &db,
        &[
            "import",
            "--replace",
            "--customers",
            empty.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let exported = dir.path().join("out.jsonl");
    let output = run(
        &db,
        &[
            "export",
            "--customers",
            exported.to_str().unwrap(),
            "--companies",
            dir.path().join("k.jsonl").to_str().unwrap(),
        ],
    );
    assert!(output.status.success());
    assert_eq!(
        std::fs::read(&exported).unwrap(),
        std::fs::read("data/customers.jsonl").unwrap()
    );
}
