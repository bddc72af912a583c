//! What the database's reads went through: how often one waited for a connection and for how
//! long, and how many were refused for load or stopped by their deadline. Plain counters the
//! metrics read; the query core knows nothing of how they are shown.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::error::AppError;

#[derive(Debug, Default)]
pub struct ReadStats {
    waits: AtomicU64,
    waited_micros: AtomicU64,
    timeouts: AtomicU64,
    caller_busy: AtomicU64,
    server_busy: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadCounts {
    /// Reads that found no idle connection and queued for one.
    pub waits: u64,
    /// The time those reads spent queued, in total.
    pub waited: Duration,
    /// Reads stopped by their request's deadline (`TIMEOUT`).
    pub timeouts: u64,
    /// Reads refused because their caller held its share of the connections.
    pub caller_busy: u64,
    /// Reads refused because every connection stayed busy.
    pub server_busy: u64,
}

impl ReadStats {
    pub(crate) fn waited(&self, time: Duration) {
        self.waits.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(time.as_micros()).unwrap_or(u64::MAX);
        self.waited_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// Counts `error` if it is a refusal or a timeout; passes it on.
    pub(crate) fn refused(&self, error: AppError) -> AppError {
        let counter = match error {
            AppError::TimedOut { .. } => &self.timeouts,
            AppError::CallerBusy { .. } => &self.caller_busy,
            AppError::ServerBusy { .. } => &self.server_busy,
            _ => return error,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        error
    }

    pub fn counts(&self) -> ReadCounts {
        ReadCounts {
            waits: self.waits.load(Ordering::Relaxed),
            waited: Duration::from_micros(self.waited_micros.load(Ordering::Relaxed)),
            timeouts: self.timeouts.load(Ordering::Relaxed),
            caller_busy: self.caller_busy.load(Ordering::Relaxed),
            server_busy: self.server_busy.load(Ordering::Relaxed),
        }
    }
}
