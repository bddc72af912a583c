//! The binary's commands, run as an operator would.

use std::process::Command;

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
    let (c, k) = (dir.path().join("c.jsonl"), dir.path().join("k.jsonl"));
    let output = kbs()
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .args(["export", "--customers"])
        .arg(&c)
        .arg("--companies")
        .arg(&k)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
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

    let exported = dir.path().join("out.jsonl");
    let status = kbs()
        .arg("--database")
        .arg(&db)
        .arg("export")
        .arg("--customers")
        .arg(&exported)
        .arg("--companies")
        .arg(dir.path().join("k.jsonl"))
        .output()
        .unwrap()
        .status;
    assert!(status.success());
    assert_eq!(
        std::fs::read_to_string(&exported).unwrap(),
        "",
        "line 1 was not kept"
    );
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
