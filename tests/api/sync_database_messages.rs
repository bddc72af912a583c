//! What `sync --from mysql://…` tells an operator when it cannot go on: each message names what
//! to fix, and no message or log line shows the database password.

use std::process::Command;

use kbs_graphql::sync::{self, SyncOptions};

use crate::helpers::{customer, TestApp};
use crate::mariadb::SiteDatabase;

async fn sync_error(app: &TestApp, options: &SyncOptions) -> String {
    sync::sync(&app.db, options, &|_, _| {})
        .await
        .unwrap_err()
        .to_string()
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn an_address_missing_its_user_database_or_host_says_how_to_write_it() {
    let app = TestApp::empty();
    for (from, says) in [
        (
            "mysql://127.0.0.1:3306/wordpress",
            "name the database user, as in mysql://USER@HOST:PORT/DB",
        ),
        (
            "mysql://wp@127.0.0.1:3306",
            "name the WordPress database, as in mysql://USER@HOST:PORT/DB",
        ),
        (
            "mysql://wp@127.0.0.1/wordpress?ssl=1",
            "unknown parameter \"ssl\"",
        ),
    ] {
        let message = sync_error(&app, &SyncOptions::new(from)).await;
        assert!(message.contains(says), "{from}: {message}");
    }
    let options = SyncOptions {
        table_prefix: "wp_; DROP TABLE x".into(),
        ..SyncOptions::new("mysql://wp@127.0.0.1/wordpress")
    };
    let message = sync_error(&app, &options).await;
    assert!(
        message.contains("a WordPress table prefix is letters, digits and underscores"),
        "{message}"
    );
}

#[tokio::test]
async fn a_database_nobody_listens_for_is_named_with_its_address() {
    let app = TestApp::empty();
    let port = closed_port();
    let message = sync_error(
        &app,
        &SyncOptions::new(&format!("mysql://wp:secret@127.0.0.1:{port}/wordpress")),
    )
    .await;
    assert!(
        message.starts_with(&format!("cannot reach the database at 127.0.0.1:{port}: ")),
        "{message}"
    );
    assert!(
        message.contains("is MariaDB or MySQL running there"),
        "{message}"
    );
    assert!(!message.contains("secret"), "{message}");
}

#[tokio::test]
async fn a_database_that_already_holds_customers_is_refused_before_anything_is_read() {
    let app = TestApp::with(&[customer(1, "a@example.test").build()], &[]);
    // Nothing listens there: the refusal comes first.
    let from = format!("mysql://wp@127.0.0.1:{}/wordpress", closed_port());
    let message = sync_error(&app, &SyncOptions::new(&from)).await;
    assert!(
        message.contains("already holds 1 customers; add --replace"),
        "{message}"
    );
}

#[tokio::test]
async fn a_wrong_password_a_missing_database_and_missing_tables_each_say_what_to_fix() {
    let test = "sync_database_messages::a_wrong_password_a_missing_database_and_missing_tables_each_say_what_to_fix";
    let Some(site) = SiteDatabase::captured(test) else {
        return;
    };
    let app = TestApp::empty();
    let mut wrong = url::Url::parse(&site.url()).unwrap();
    wrong.set_password(Some("not-the-password")).unwrap();
    let message = sync_error(&app, &SyncOptions::new(wrong.as_str())).await;
    assert!(
        message.starts_with(&format!("{} refused the user kbs_test", site.shown_url())),
        "{message}"
    );
    assert!(
        message.contains("check the user and its password (in the URL, or KBS_SOURCE_PASSWORD)"),
        "{message}"
    );
    assert!(!message.contains("not-the-password"), "{message}");

    let mut missing = url::Url::parse(&site.url()).unwrap();
    missing.set_path("no_such_wordpress");
    let message = sync_error(&app, &SyncOptions::new(missing.as_str())).await;
    assert!(
        message.contains("Unknown database 'no_such_wordpress'"),
        "{message}"
    );
    assert!(
        message.contains("it is DB_NAME in wp-config.php"),
        "{message}"
    );

    let options = SyncOptions {
        table_prefix: "wp2_".into(),
        ..SyncOptions::new(&site.url())
    };
    let message = sync_error(&app, &options).await;
    assert_eq!(
        message,
        format!(
            "{} holds no wp2_kbs_customers, wp2_kbs_customermeta, wp2_posts, wp2_postmeta: is KB \
             Support installed in this database, with the table prefix \"wp2_\"? (give the site's \
             with --table-prefix; it is $table_prefix in wp-config.php)",
            site.shown_url()
        )
    );
}

#[tokio::test]
async fn a_user_who_may_not_read_the_tables_is_told_which_grant_it_needs() {
    let test =
        "sync_database_messages::a_user_who_may_not_read_the_tables_is_told_which_grant_it_needs";
    let Some(site) = SiteDatabase::captured(test) else {
        return;
    };
    let user = format!("{}_r", site.name);
    site.execute(&format!(
        "CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY 'pw'; \
         GRANT SELECT ON `{}`.`wp_posts` TO '{user}'@'127.0.0.1';",
        site.name
    ));
    let mut limited = url::Url::parse(&site.url()).unwrap();
    limited.set_username(&user).unwrap();
    limited.set_password(Some("pw")).unwrap();
    let app = TestApp::empty();
    let message = sync_error(&app, &SyncOptions::new(limited.as_str())).await;
    site.execute(&format!("DROP USER '{user}'@'127.0.0.1'"));
    assert!(
        message.contains(&format!("the user {user} may not read the site's tables")),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "GRANT SELECT ON `{}`.* TO '{user}'@'…'",
            site.name
        )),
        "{message}"
    );
}

#[test]
fn the_password_from_the_environment_is_used_and_never_shown() {
    let test = "sync_database_messages::the_password_from_the_environment_is_used_and_never_shown";
    let Some(site) = SiteDatabase::captured(test) else {
        return;
    };
    let password = site.password();
    let dir = tempfile::tempdir().unwrap();
    let run = |from: &str, database: &str| {
        Command::new(env!("CARGO_BIN_EXE_kbs-graphql"))
            .env("RUST_LOG", "debug")
            .env("KBS_SOURCE_PASSWORD", &password)
            .env_remove("DATABASE_URL")
            .arg("--database")
            .arg(dir.path().join(database))
            .args(["sync", "--from", from])
            .output()
            .unwrap()
    };
    // Without a password in the URL: KBS_SOURCE_PASSWORD's.
    let output = run(&site.shown_url(), "env.db");
    let said = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{said}");
    assert!(
        said.contains(&format!(
            "synced 60 customers and 7 companies from {} into",
            site.shown_url()
        )),
        "{said}"
    );
    assert!(!said.contains(&password), "{said}");
    // In the URL: shown nowhere either.
    let output = run(&site.url(), "url.db");
    let said = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{said}");
    assert!(!said.contains(&password), "{said}");
}
