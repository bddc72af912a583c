//! The database source: `sync --from mysql://USER@HOST:PORT/DB` reads KB Support's own tables
//! (customers, their meta, `kbs_company` posts, `kbs_ticket` posts) in one consistent
//! snapshot, and gives each customer and company as the plugin's REST routes would.
//!
//! The client is the pure-Rust `mysql` crate: it builds wherever the rest does, with no C
//! library to install, and its blocking, streaming reads suit one long read on one connection.

mod read;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mysql::{DriverError, Opts, OptsBuilder};
use percent_encoding::percent_decode_str;

use crate::sync::gather::Gathered;
use crate::sync::{Progress, SyncError, SyncOptions};

/// A WordPress database to read, and how to name it to the operator.
pub struct DatabaseSource {
    opts: Opts,
    /// `mysql://USER@HOST:PORT/DB`: never the password.
    label: String,
    user: String,
    database: String,
    address: String,
    prefix: String,
}

impl DatabaseSource {
    /// Whether `from` names a database rather than a site.
    pub fn names(from: &str) -> bool {
        let scheme = from.split_once("://").map(|(scheme, _)| scheme);
        matches!(scheme, Some("mysql" | "mariadb"))
    }

    pub fn parse(options: &SyncOptions) -> Result<DatabaseSource, SyncError> {
        let from = &options.from;
        let bad = |reason: &str| SyncError::BadDatabaseAddress {
            url: redacted(from),
            reason: reason.to_owned(),
        };
        let url = url::Url::parse(from).map_err(|e| bad(&format!("not a URL ({e})")))?;
        let decode = |text: &str| percent_decode_str(text).decode_utf8_lossy().into_owned();
        let user = decode(url.username());
        if user.is_empty() {
            return Err(bad(
                "name the database user, as in mysql://USER@HOST:PORT/DB",
            ));
        }
        let database = decode(url.path().trim_start_matches('/'));
        if database.is_empty() || database.contains('/') {
            return Err(bad(
                "name the WordPress database, as in mysql://USER@HOST:PORT/DB",
            ));
        }
        let host = url
            .host_str()
            .map(|host| {
                host.trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_owned()
            })
            .filter(|host| !host.is_empty());
        let mut socket = None;
        for (key, value) in url.query_pairs() {
            match &*key {
                "socket" => socket = Some(value.into_owned()),
                other => {
                    return Err(bad(&format!(
                        "unknown parameter {other:?} (the one known is socket=PATH)"
                    )))
                }
            }
        }
        if host.is_none() && socket.is_none() {
            return Err(bad(
                "name the database's host, as in mysql://USER@HOST:PORT/DB",
            ));
        }
        let prefix = &options.table_prefix;
        if prefix.is_empty()
            || !prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(SyncError::BadDatabaseAddress {
                url: redacted(from),
                reason: format!(
                    "--table-prefix {prefix:?}: a WordPress table prefix is letters, digits and \
                     underscores, such as wp_"
                ),
            });
        }
        let password = url
            .password()
            .map(decode)
            .or_else(|| options.source_password.clone());
        let port = url.port().unwrap_or(3306);
        let host_name = host.clone().unwrap_or_else(|| "localhost".into());
        let address = match &socket {
            Some(path) => path.clone(),
            None => format!("{host_name}:{port}"),
        };
        let builder = OptsBuilder::new()
            .ip_or_hostname(Some(host_name.clone()))
            .tcp_port(port)
            .socket(socket.clone())
            .prefer_socket(socket.is_some())
            .user(Some(user.clone()))
            .pass(password)
            .db_name(Some(database.clone()))
            .tcp_connect_timeout(Some(options.timeout))
            .read_timeout(Some(options.timeout))
            .write_timeout(Some(options.timeout))
            .init(vec!["SET NAMES utf8mb4"]);
        let label = match &socket {
            Some(path) => format!(
                "{}://{user}@localhost/{database}?socket={path}",
                url.scheme()
            ),
            None => format!("{}://{user}@{host_name}:{port}/{database}", url.scheme()),
        };
        Ok(DatabaseSource {
            opts: builder.into(),
            label,
            user,
            database,
            address,
            prefix: prefix.clone(),
        })
    }

    /// The database's URL as it may be shown: without its password.
    pub fn label(&self) -> String {
        self.label.clone()
    }

    /// Reads every customer and the companies they name into `gathered`, off the async
    /// workers, telling `progress` as it goes.
    pub async fn gather(
        self,
        mut gathered: Gathered,
        strict: bool,
        progress: Progress<'_>,
    ) -> Result<Gathered, SyncError> {
        let counts = Arc::new(Counts::default());
        let shared = counts.clone();
        let mut reading = tokio::task::spawn_blocking(move || {
            read::read_all(&self, &mut gathered, strict, &shared)?;
            Ok::<_, SyncError>(gathered)
        });
        let mut ticks = tokio::time::interval(Duration::from_millis(200));
        loop {
            tokio::select! {
                done = &mut reading => {
                    counts.tell(progress);
                    return done.map_err(|e| SyncError::Local(e.to_string()))?;
                }
                _ = ticks.tick() => counts.tell(progress),
            }
        }
    }
}

/// Progress shared with the reading thread: customers read, of how many.
#[derive(Default)]
pub struct Counts {
    read: AtomicU64,
    total: AtomicU64,
}

impl Counts {
    fn tell(&self, progress: Progress<'_>) {
        let total = self.total.load(Ordering::Relaxed);
        if total > 0 {
            progress(self.read.load(Ordering::Relaxed), Some(total));
        }
    }
}

/// `from` with any password replaced, for messages.
pub(super) fn redacted(from: &str) -> String {
    match url::Url::parse(from) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("…"));
            url.to_string()
        }
        _ => from.to_owned(),
    }
}

/// What a failed statement or connection means to the operator.
fn database_error(source: &DatabaseSource, error: mysql::Error) -> SyncError {
    match error {
        mysql::Error::MySqlError(e) => match e.code {
            // ER_ACCESS_DENIED_ERROR
            1045 => SyncError::DatabaseRefused {
                url: source.label.clone(),
                user: source.user.clone(),
                message: e.message,
            },
            // ER_DBACCESS_DENIED_ERROR, ER_TABLEACCESS_DENIED_ERROR
            1044 | 1142 => SyncError::MayNotRead {
                url: source.label.clone(),
                user: source.user.clone(),
                database: source.database.clone(),
                message: e.message,
            },
            // ER_BAD_DB_ERROR
            1049 => SyncError::Database {
                url: source.label.clone(),
                message: format!(
                    "{} (name the WordPress database: it is DB_NAME in wp-config.php)",
                    e.message
                ),
            },
            _ => SyncError::Database {
                url: source.label.clone(),
                message: format!("{} (error {})", e.message, e.code),
            },
        },
        mysql::Error::IoError(e) => SyncError::DatabaseUnreachable {
            address: source.address.clone(),
            reason: e.to_string(),
        },
        mysql::Error::DriverError(
            e @ (DriverError::CouldNotConnect(_) | DriverError::ConnectTimeout),
        ) => SyncError::DatabaseUnreachable {
            address: source.address.clone(),
            reason: e.to_string(),
        },
        other => SyncError::Database {
            url: source.label.clone(),
            message: other.to_string(),
        },
    }
}
