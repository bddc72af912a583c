//! What every handler shares.

use std::time::Duration;

use crate::db::Database;
use crate::graphql::{self, AppSchema};

#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub schema: AppSchema,
    pub limits: Limits,
}

/// Bounds on what one request may cost.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub request_timeout: Duration,
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 64 * 1024,
        }
    }
}

impl AppState {
    pub fn new(db: Database, limits: Limits) -> AppState {
        AppState {
            schema: graphql::build(db.clone()),
            db,
            limits,
        }
    }
}
