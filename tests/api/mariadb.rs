//! A KB Support site's database on the MariaDB server the tests are given: `KBS_TEST_MARIADB`,
//! an account that may create databases (`eval "$(.ci/mariadb start)"` starts one and sets it).
//! Each test gets a database of its own, loaded from the captured site's tables
//! (`tests/fixtures/kbs-db/*.sql`) and dropped when it ends. Without a server the tests say
//! they were skipped, except under CI, which starts one.

use std::sync::atomic::{AtomicUsize, Ordering};

use mysql::prelude::Queryable;
use mysql::{Conn, Opts};

use crate::helpers::skip;

/// The captured site's tables, in the order they load.
const FIXTURES: [&str; 5] = [
    "schema.sql",
    "customers-rich.sql",
    "customermeta-rich.sql",
    "posts-companies-tickets.sql",
    "postmeta-companies-tickets.sql",
];

pub struct SiteDatabase {
    /// `mysql://USER:PASSWORD@HOST:PORT`, the server's address.
    server: String,
    pub name: String,
}

impl SiteDatabase {
    /// A new database holding the captured site's tables, or `None` (the test skipped) when no
    /// server is given.
    pub fn captured(test: &str) -> Option<SiteDatabase> {
        let database = SiteDatabase::empty(test)?;
        for file in FIXTURES {
            let path = format!(
                "{}/tests/fixtures/kbs-db/{file}",
                env!("CARGO_MANIFEST_DIR")
            );
            database.execute(&std::fs::read_to_string(path).unwrap());
        }
        Some(database)
    }

    /// A new database without tables.
    pub fn empty(test: &str) -> Option<SiteDatabase> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let Ok(server) = std::env::var("KBS_TEST_MARIADB") else {
            skip(
                test,
                "no MariaDB server (eval \"$(.ci/mariadb start)\" starts one and sets KBS_TEST_MARIADB)",
            );
            return None;
        };
        let server = server.trim_end_matches('/').to_owned();
        let name = format!(
            "kbs_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut conn = Conn::new(Opts::from_url(&server).unwrap())
            .unwrap_or_else(|e| panic!("KBS_TEST_MARIADB={server}: {e}"));
        conn.query_drop(format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci"
        ))
        .unwrap();
        Some(SiteDatabase { server, name })
    }

    /// The database's URL, with the test account's password in it.
    pub fn url(&self) -> String {
        format!("{}/{}", self.server, self.name)
    }

    /// The URL without a password, as `sync` shows it.
    pub fn shown_url(&self) -> String {
        let url = url::Url::parse(&self.url()).unwrap();
        format!(
            "mysql://{}@{}:{}/{}",
            url.username(),
            url.host_str().unwrap(),
            url.port().unwrap_or(3306),
            self.name
        )
    }

    /// The test account's password.
    pub fn password(&self) -> String {
        url::Url::parse(&self.server)
            .unwrap()
            .password()
            .unwrap_or_default()
            .to_owned()
    }

    /// Runs `sql` (several statements at once, as a dump holds them) in the database.
    pub fn execute(&self, sql: &str) {
        let mut conn = Conn::new(Opts::from_url(&self.url()).unwrap()).unwrap();
        conn.query_drop(sql)
            .unwrap_or_else(|e| panic!("{e}\nin: {}", sql.chars().take(300).collect::<String>()));
    }

    /// The first column of every row `sql` gives, as text.
    pub fn column(&self, sql: &str) -> Vec<String> {
        let mut conn = Conn::new(Opts::from_url(&self.url()).unwrap()).unwrap();
        conn.query_map(sql, |value: Option<String>| value.unwrap_or_default())
            .unwrap()
    }
}

impl Drop for SiteDatabase {
    fn drop(&mut self) {
        if let Ok(mut conn) = Conn::new(Opts::from_url(&self.server).unwrap()) {
            let _ = conn.query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.name));
        }
    }
}
