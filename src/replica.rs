//! A replica's background sync (`serve --sync-from`): the source read whole every interval
//! through the same code as `kbs-graphql sync`, its data swapped in only when it changed; a
//! failure keeps the last data served, is logged once per streak and retried with backoff.

use std::sync::Arc;
use std::time::Duration;

use crate::db::Database;
use crate::freshness::Freshness;
use crate::sync::{self, SyncOptions};

/// The wait before the next sync after `failures` in a row: the interval, doubling up to 8
/// times it.
fn wait_after(every: Duration, failures: u32) -> Duration {
    every.saturating_mul(1 << failures.saturating_sub(1).min(3))
}

/// Syncs now, then every `every`, for as long as the process runs.
pub fn spawn(db: Database, options: SyncOptions, every: Duration, freshness: Arc<Freshness>) {
    tokio::spawn(async move {
        let mut failures = 0u32;
        loop {
            match sync::sync(&db, &options, &|_, _| {}).await {
                Ok(summary) => {
                    freshness.synced(summary.changed);
                    if failures > 0 {
                        tracing::info!(failures, "sync: the source answers again");
                    }
                    failures = 0;
                    if summary.changed {
                        tracing::info!(
                            customers = summary.customers,
                            companies = summary.companies,
                            warnings = summary.warnings.len(),
                            seconds = summary.seconds,
                            source = summary.source,
                            "sync: the source changed; its data is served now"
                        );
                    } else {
                        tracing::debug!(seconds = summary.seconds, "sync: the source is unchanged");
                    }
                }
                Err(error) => {
                    failures += 1;
                    freshness.failed(&error.to_string());
                    let retry_in = wait_after(every, failures);
                    if failures == 1 {
                        tracing::warn!(%error, ?retry_in, "sync failed: the last data is served meanwhile");
                    } else {
                        tracing::debug!(%error, failures, ?retry_in, "sync failed again");
                    }
                }
            }
            tokio::time::sleep(wait_after(every, failures)).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::wait_after;

    #[test]
    fn failed_syncs_are_retried_less_often_up_to_eight_intervals() {
        let minute = Duration::from_secs(60);
        let waits: Vec<u64> = (0..6)
            .map(|n| wait_after(minute, n).as_secs() / 60)
            .collect();
        assert_eq!(waits, [1, 1, 2, 4, 8, 8]);
    }
}
