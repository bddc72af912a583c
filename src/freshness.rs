//! How fresh a replica's data is: when it was last confirmed to hold its source's (a sync that
//! found the source unchanged, or swapped its data in), what the syncs did, and whether the
//! replica is ready to serve (`/readyz`). A server without `--sync-from` is always fresh.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Default)]
pub struct Freshness {
    /// Whether the data is kept from a source (`--sync-from`); all else is moot without.
    syncing: bool,
    max_staleness: Option<Duration>,
    /// Unix milliseconds when the data was last confirmed from the source (0: never).
    confirmed_ms: AtomicI64,
    /// Whether any data is held: stored at start, or a sync landed.
    holds_data: AtomicBool,
    unchanged: AtomicU64,
    swapped: AtomicU64,
    failed: AtomicU64,
    /// Why the last sync failed, while failures last.
    failing: Mutex<Option<String>>,
}

/// What the syncs did, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncCounts {
    pub unchanged: u64,
    pub swapped: u64,
    pub failed: u64,
}

fn now_ms() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

impl Freshness {
    /// For a replica of a source: `confirmed_at` is when the stored data was imported (Unix
    /// seconds), if any is stored.
    pub fn syncing(
        max_staleness: Option<Duration>,
        stored_customers: i64,
        confirmed_at: Option<i64>,
    ) -> Freshness {
        let freshness = Freshness {
            syncing: true,
            max_staleness,
            ..Freshness::default()
        };
        freshness
            .holds_data
            .store(stored_customers > 0, Ordering::Relaxed);
        let at = confirmed_at.map_or(0, |seconds| seconds.saturating_mul(1000));
        freshness.confirmed_ms.store(at, Ordering::Relaxed);
        freshness
    }

    pub fn is_syncing(&self) -> bool {
        self.syncing
    }

    /// A sync finished: the data now holds the source's (`swapped`: it was replaced).
    pub fn synced(&self, swapped: bool) {
        self.confirmed_ms.store(now_ms(), Ordering::Relaxed);
        self.holds_data.store(true, Ordering::Relaxed);
        let counter = if swapped {
            &self.swapped
        } else {
            &self.unchanged
        };
        counter.fetch_add(1, Ordering::Relaxed);
        *self.failing.lock().expect("freshness lock") = None;
    }

    pub fn failed(&self, why: &str) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        *self.failing.lock().expect("freshness lock") = Some(why.to_owned());
    }

    /// How long ago the data was last confirmed from the source; `None` when never (or when
    /// not syncing).
    pub fn age(&self) -> Option<Duration> {
        let confirmed = self.confirmed_ms.load(Ordering::Relaxed);
        (self.syncing && confirmed > 0).then(|| {
            let millis = (now_ms() - confirmed).max(0);
            Duration::from_millis(u64::try_from(millis).unwrap_or(0))
        })
    }

    /// When the data was last confirmed (Unix seconds).
    pub fn confirmed_at(&self) -> Option<f64> {
        let confirmed = self.confirmed_ms.load(Ordering::Relaxed);
        (self.syncing && confirmed > 0).then(|| confirmed as f64 / 1000.0)
    }

    pub fn counts(&self) -> SyncCounts {
        SyncCounts {
            unchanged: self.unchanged.load(Ordering::Relaxed),
            swapped: self.swapped.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
        }
    }

    /// What `/readyz` says: `Ok` with its body, or `Err` with why it is not ready.
    pub fn readiness(&self) -> Result<String, String> {
        if !self.syncing {
            return Ok("ok".to_owned());
        }
        let failing = self.failing.lock().expect("freshness lock").clone();
        let because = failing.map_or(String::new(), |why| {
            format!("; the last sync failed: {why}")
        });
        if !self.holds_data.load(Ordering::Relaxed) {
            return Err(format!(
                "no data yet: the first sync has not landed{because}"
            ));
        }
        let Some(age) = self.age() else {
            return Err(format!(
                "the data was never confirmed from its source{because}"
            ));
        };
        let seconds = age.as_secs();
        match self.max_staleness {
            Some(max) if age > max => Err(format!(
                "stale: the data was last confirmed from its source {seconds} s ago, over \
                 --max-staleness ({} s){because}",
                max.as_secs()
            )),
            _ => Ok(format!(
                "ok: the data was confirmed from its source {seconds} s ago{because}"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Freshness;

    #[test]
    fn a_replica_is_ready_once_it_holds_data_confirmed_recently_enough() {
        assert_eq!(Freshness::default().readiness(), Ok("ok".to_owned()));
        let empty = Freshness::syncing(Some(Duration::from_secs(60)), 0, None);
        assert!(empty.readiness().unwrap_err().contains("first sync"));
        empty.failed("cannot reach the database");
        assert!(empty.readiness().unwrap_err().contains("cannot reach"));
        empty.synced(true);
        assert!(empty.readiness().unwrap().starts_with("ok"));
        assert!(empty.age().unwrap() < Duration::from_secs(5));
        // Data imported an hour ago and not confirmed since: stale.
        let an_hour_ago = chrono::Utc::now().timestamp() - 3600;
        let old = Freshness::syncing(Some(Duration::from_secs(60)), 10, Some(an_hour_ago));
        assert!(old.readiness().unwrap_err().starts_with("stale"));
        let unbounded = Freshness::syncing(None, 10, Some(an_hour_ago));
        assert!(unbounded.readiness().is_ok());
        assert_eq!(unbounded.counts().failed, 0);
    }
}
