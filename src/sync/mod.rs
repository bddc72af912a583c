//! `kbs-graphql sync`: a live KB Support site's customers (and the companies they reference)
//! pulled over its REST API and imported through the ordinary all-or-nothing path.

mod client;
mod fetch;

pub use fetch::{sync, SyncOptions, SyncSummary};

/// Why a sync stopped; nothing was written in every case.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("cannot reach the site: {0}")]
    Unreachable(String),
    #[error("{url} refused the credentials (HTTP {status}{}); check --user and --app-password", if message.is_empty() { String::new() } else { format!(": {message}") })]
    Refused {
        url: String,
        status: u16,
        message: String,
    },
    #[error("{url}: {reason} (after retries)")]
    Failed { url: String, reason: String },
    #[error("{url} does not look like KB Support's customers route: {reason}")]
    NotKbSupport { url: String, reason: String },
    #[error("{0}")]
    Local(String),
    #[error(transparent)]
    Import(#[from] crate::import::ImportError),
}
