//! `kbs-graphql sync`: a live KB Support site's customers (and the companies they reference)
//! pulled over its REST API and imported through the ordinary all-or-nothing path.

mod client;
mod fetch;
mod records;
mod spool;

pub use fetch::{sync, SyncOptions, SyncSummary};

/// Why a sync stopped; nothing was written in every case.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("cannot reach the site: {0}")]
    Unreachable(String),
    #[error("--from {0:?} is not a site's address: write it with its scheme, as in https://help.example.com")]
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
