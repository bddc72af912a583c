//! `kbs-graphql sync`: a live KB Support site's customers (and the companies they reference)
//! pulled over its REST API, or read straight from its WordPress database, and imported
//! through the ordinary all-or-nothing path.

mod client;
mod database;
mod gather;
mod php;
mod plugin;
mod records;
mod rest;
mod spool;

use std::time::{Duration, Instant};

use crate::db::Database;
use client::Site;
use database::DatabaseSource;
use gather::Gathered;

pub struct SyncOptions {
    /// The site's address (`https://help.example.com`, or its `/wp-json` root), or its
    /// WordPress database's (`mysql://USER@HOST:PORT/DB`).
    pub from: String,
    /// A WordPress user and its application password, for the REST API.
    pub user: Option<String>,
    pub app_password: Option<String>,
    /// The database user's password when the URL holds none (`KBS_SOURCE_PASSWORD`).
    pub source_password: Option<String>,
    /// The WordPress tables' prefix in the database.
    pub table_prefix: String,
    pub replace: bool,
    /// Requests in flight at once (REST).
    pub concurrency: usize,
    /// How long one request, or one wait on the database, may take.
    pub timeout: Duration,
    /// Refuse to import when anything had to be normalized.
    pub strict: bool,
    /// Import only when what was gathered differs from the stored dataset (its digest): a
    /// replica's periodic sync of an unchanged source swaps nothing.
    pub unless_unchanged: bool,
}

impl SyncOptions {
    /// Options for a sync from `from` with the defaults `kbs-graphql sync` has.
    pub fn new(from: &str) -> SyncOptions {
        SyncOptions {
            from: from.to_owned(),
            user: None,
            app_password: None,
            source_password: None,
            table_prefix: "wp_".into(),
            replace: false,
            concurrency: 8,
            timeout: Duration::from_secs(30),
            strict: false,
            unless_unchanged: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SyncSummary {
    pub customers: u64,
    pub companies: u64,
    /// Where they came from, as it may be shown (a database URL without its password).
    pub source: String,
    /// Whether the site's list had to be walked id by id (it does not paginate).
    pub walked_ids: bool,
    /// What was normalized on the way, one line each, naming the customer.
    pub warnings: Vec<String>,
    pub seconds: f64,
    /// Whether the stored dataset was replaced (`false`: the source held what was stored, and
    /// `unless_unchanged` kept it).
    pub changed: bool,
}

/// A source's address as it may be shown (logs, messages): without any password in it.
pub fn shown(from: &str) -> String {
    database::redacted(from)
}

/// Told how many records have been fetched, of how many when known.
pub type Progress<'a> = &'a (dyn Fn(u64, Option<u64>) + Sync);

/// Where a sync reads from.
enum Source {
    Site(Site),
    Database(DatabaseSource),
}

/// Pulls every customer (and the companies they name) from the site or its database and
/// imports them in one transaction. Nothing is written unless everything was read and imports
/// cleanly; a database that already holds customers is refused before anything is read,
/// unless `replace` is set.
pub async fn sync(
    db: &Database,
    options: &SyncOptions,
    progress: Progress<'_>,
) -> Result<SyncSummary, SyncError> {
    let started = Instant::now();
    let source = if DatabaseSource::names(&options.from) {
        Source::Database(DatabaseSource::parse(options)?)
    } else {
        let (Some(user), Some(password)) = (&options.user, &options.app_password) else {
            return Err(SyncError::NoCredentials);
        };
        Source::Site(Site::new(&options.from, user, password, options.timeout)?)
    };
    if !options.replace {
        let stored = db
            .run(|conn| Ok(crate::db::stored_customers(conn)?))
            .await
            .map_err(|e| SyncError::Local(e.to_string()))?;
        if stored > 0 {
            return Err(SyncError::AlreadyHolds {
                path: db.path.to_string(),
                customers: stored,
            });
        }
    }
    let mut gathered = Gathered::new(db)?;
    let (walked_ids, label) = match source {
        Source::Site(site) => {
            let walked = rest::gather(&site, options, &mut gathered, progress).await?;
            (walked, options.from.clone())
        }
        Source::Database(database) => {
            let label = database.label();
            gathered = database.gather(gathered, options.strict, progress).await?;
            (false, label)
        }
    };
    let warnings = std::mem::take(&mut gathered.warnings);
    let summary = |(customers, companies): (u64, u64), changed: bool| SyncSummary {
        customers,
        companies,
        source: label.clone(),
        walked_ids,
        warnings: warnings.clone(),
        seconds: started.elapsed().as_secs_f64(),
        changed,
    };
    if options.unless_unchanged {
        let gathered_digest = gathered.digest().await?;
        let stored_digest = db
            .run(|conn| Ok(crate::db::dataset_state(conn)?.digest))
            .await
            .map_err(|e| SyncError::Local(e.to_string()))?;
        if gathered_digest.is_some() && gathered_digest == stored_digest {
            return Ok(summary(gathered.counts(), false));
        }
    }
    let stored = gathered.import(db, options.replace).await?;
    Ok(summary((stored.customers, stored.companies), true))
}

/// Why a sync stopped; nothing was written in every case.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("cannot reach the site: {0}")]
    Unreachable(String),
    #[error("a site's REST API needs --user and --app-password (a user with KB Support's view_ticket_reports capability, and an application password from its profile page)")]
    NoCredentials,
    #[error("--from {url:?}: {reason}")]
    BadDatabaseAddress { url: String, reason: String },
    #[error("cannot reach the database at {address}: {reason}; is MariaDB or MySQL running there, listening on TCP (or give ?socket=PATH)?")]
    DatabaseUnreachable { address: String, reason: String },
    #[error("{url} refused the user {user} ({message}); check the user and its password (in the URL, or KBS_SOURCE_PASSWORD)")]
    DatabaseRefused {
        url: String,
        user: String,
        message: String,
    },
    #[error("{url}: the user {user} may not read the site's tables ({message}); grant it SELECT on them, as in GRANT SELECT ON `{database}`.* TO '{user}'@'…' (and check that {database} is the site's database: DB_NAME in wp-config.php)")]
    MayNotRead {
        url: String,
        user: String,
        database: String,
        message: String,
    },
    #[error("{url} holds no {}: is KB Support installed in this database, with the table prefix {prefix:?}? (give the site's with --table-prefix; it is $table_prefix in wp-config.php)", missing.join(", "))]
    NotKbSupportDatabase {
        url: String,
        prefix: String,
        missing: Vec<String>,
    },
    #[error("{url}: {message}")]
    Database { url: String, message: String },
    #[error("--from {0:?} is not a site's address: write it with its scheme, as in https://help.example.com (or mysql://USER@HOST:PORT/DB for its database)")]
    BadAddress(String),
    #[error("{url} refused the credentials (HTTP 401{}); check --user and --app-password (an application password, from the user's profile page)", said(message))]
    Unauthenticated { url: String, message: String },
    #[error("{url}: the user {user} may not read customers (HTTP 403{}); give it a role with KB Support's view_ticket_reports capability (a support manager or an administrator)", said(message))]
    Forbidden {
        url: String,
        user: String,
        message: String,
    },
    #[error("{url} is not a WordPress REST API: it answered {content_type:?}, not JSON; give --from the site's address (https://help.example.com) or its REST root (…/wp-json)")]
    NotWordPress { url: String, content_type: String },
    #[error("{path} already holds {customers} customers; add --replace to swap them for the site's (in one transaction), or sync into another database")]
    AlreadyHolds { path: String, customers: i64 },
    #[error("{url}: {reason} (after retries)")]
    Failed { url: String, reason: String },
    #[error("{url} does not look like KB Support's customers route: {reason}")]
    NotKbSupport { url: String, reason: String },
    #[error("{}", invalid_records(problems, *total))]
    InvalidRecords { problems: Vec<String>, total: usize },
    #[error("{} record(s) needed normalizing and --strict is given; nothing was imported:\n  {}", warnings.len(), warnings.join("\n  "))]
    Strict { warnings: Vec<String> },
    #[error("{0}")]
    Local(String),
    #[error(transparent)]
    Import(#[from] crate::import::ImportError),
}

fn invalid_records(problems: &[String], total: usize) -> String {
    let mut text = format!("{total} bad record field(s) from the site; nothing was imported:");
    for problem in problems {
        text.push_str("\n  ");
        text.push_str(problem);
    }
    if total > problems.len() {
        text.push_str(&format!("\n  … and {} more", total - problems.len()));
    }
    text
}

fn said(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}
