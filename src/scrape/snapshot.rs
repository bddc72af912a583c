//! What the server's parts hold, read at each scrape: the counters they keep (reads, the
//! response cache, sign-ins, the derived data's builder, the fast path), the stored dataset,
//! and the process's memory.

use std::fmt::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use prometheus_client::encoding::{prometheus_text, EncodeLabelSet};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::customers::derived::{self, BuildCounts};
use crate::db::{dataset_state, DatasetState, ReadCounts};
use crate::error::AppError;
use crate::freshness::SyncCounts;
use crate::state::AppState;

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct DigestLabels {
    digest: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

/// The values read for one scrape.
struct Snapshot {
    /// The `dataset` row and whether the derived data holds it; `None` if it could not be
    /// read (said in `kbs_dataset_readable`).
    stored: Option<(DatasetState, bool)>,
    reads: ReadCounts,
    pool: r2d2::State,
    cache_hits: u64,
    cache_misses: u64,
    cache_bytes: u64,
    cache_entries: usize,
    failed_sign_ins: u64,
    throttled_sign_ins: u64,
    planned_answers: u64,
    builds: BuildCounts,
    /// A replica's syncs: what they did, and when the data was last confirmed (Unix seconds).
    sync: Option<(SyncCounts, Option<f64>)>,
    memory: Option<Memory>,
}

/// The process's memory, from `/proc/self/status` (Linux).
struct Memory {
    resident: u64,
    virtual_size: u64,
}

impl Memory {
    fn read() -> Option<Memory> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let kib = |key: &str| -> Option<u64> {
            let line = status.lines().find(|line| line.starts_with(key))?;
            let value = line[key.len()..].trim().strip_suffix("kB")?;
            Some(value.trim().parse::<u64>().ok()? * 1024)
        };
        Some(Memory {
            resident: kib("VmRSS:")?,
            virtual_size: kib("VmSize:")?,
        })
    }
}

/// The whole scrape: the request metrics, then what is read now.
pub(super) async fn render(state: &AppState) -> String {
    let snapshot = Snapshot::take(state).await;
    let mut out = String::with_capacity(16 * 1024);
    let written = state
        .metrics
        .encode(&mut out)
        .and_then(|()| snapshot.encode(&mut out, state.metrics.started()));
    if let Err(error) = written {
        // Writing to a String only fails if an encoder does: say so rather than half a page.
        let _ = writeln!(out, "# encoding failed: {error}");
    }
    out
}

impl Snapshot {
    async fn take(state: &AppState) -> Snapshot {
        let db = state.db.clone();
        // A connection of its own, as the readiness check's: a scrape under load must not
        // queue behind the requests it measures.
        let stored = tokio::task::spawn_blocking(move || {
            let mut conn = db.dedicated_connection()?;
            let dataset = dataset_state(&mut conn)?;
            let current = derived::is_current(&mut conn)?;
            Ok::<_, AppError>((dataset, current))
        })
        .await
        .map_err(AppError::from)
        .and_then(|read| read);
        let stored = match stored {
            Ok(stored) => Some(stored),
            Err(error) => {
                tracing::warn!(%error, "metrics: could not read the dataset's state");
                None
            }
        };
        let (cache_bytes, cache_entries) = state.responses.held();
        Snapshot {
            stored,
            reads: state.db.stats.counts(),
            pool: state.db.pool.state(),
            cache_hits: state.responses.hits(),
            cache_misses: state.responses.misses(),
            cache_bytes,
            cache_entries,
            failed_sign_ins: state.auth.failed_sign_ins(),
            throttled_sign_ins: state.auth.throttled_sign_ins(),
            planned_answers: state.documents.planned_answers(),
            builds: state.builds.counts(),
            sync: state
                .freshness
                .is_syncing()
                .then(|| (state.freshness.counts(), state.freshness.confirmed_at())),
            memory: Memory::read(),
        }
    }

    fn encode(&self, out: &mut String, started: SystemTime) -> std::fmt::Result {
        let mut kbs = Registry::with_prefix("kbs");
        kbs.register(
            "graphql_planned_answers",
            "GraphQL requests answered by the fast path (a compiled plan) rather than the executor",
            ConstCounter::new(self.planned_answers),
        );
        kbs.register(
            "response_cache_hits",
            "Requests answered from the response cache",
            ConstCounter::new(self.cache_hits),
        );
        kbs.register(
            "response_cache_misses",
            "Requests looked up in the response cache and not found",
            ConstCounter::new(self.cache_misses),
        );
        kbs.register(
            "response_cache_bytes",
            "Bytes the response cache's answers weigh (bodies, headers, keys)",
            ConstGauge::<i64>::new(saturating(self.cache_bytes)),
        );
        kbs.register(
            "response_cache_entries",
            "Answers kept in the response cache",
            ConstGauge::<i64>::new(saturating(self.cache_entries as u64)),
        );
        kbs.register(
            "db_pool_connections",
            "Database connections open in the pool",
            ConstGauge::<i64>::new(i64::from(self.pool.connections)),
        );
        kbs.register(
            "db_pool_idle_connections",
            "Database connections idle in the pool",
            ConstGauge::<i64>::new(i64::from(self.pool.idle_connections)),
        );
        kbs.register(
            "db_pool_waits",
            "Request reads that found no idle connection and queued for one",
            ConstCounter::new(self.reads.waits),
        );
        kbs.register(
            "db_pool_wait_seconds",
            "Time request reads spent queued for a connection, in total",
            ConstCounter::new(self.reads.waited.as_secs_f64()),
        );
        let refusals = Family::<ReasonLabels, Counter>::default();
        for (reason, count) in [
            ("timeout", self.reads.timeouts),
            ("caller_busy", self.reads.caller_busy),
            ("server_busy", self.reads.server_busy),
        ] {
            refusals
                .get_or_create(&ReasonLabels { reason })
                .inc_by(count);
        }
        kbs.register(
            "read_refusals",
            "Request reads not answered: stopped by the request's deadline (timeout, 503), or \
             refused for load because the caller held its share of the connections \
             (caller_busy, 429) or every connection stayed busy (server_busy, 503)",
            refusals,
        );
        kbs.register(
            "sign_in_failures",
            "Credentials sent that did not verify",
            ConstCounter::new(self.failed_sign_ins),
        );
        kbs.register(
            "sign_in_throttled",
            "Credentials not checked because their address failed too often (429)",
            ConstCounter::new(self.throttled_sign_ins),
        );
        kbs.register(
            "derived_data_building",
            "1 while the background builder rebuilds the derived data",
            ConstGauge::<i64>::new(i64::from(self.builds.building)),
        );
        kbs.register(
            "derived_data_builds",
            "Builds of the derived data finished by this process",
            ConstCounter::new(self.builds.finished),
        );
        kbs.register(
            "derived_data_build_failed_steps",
            "Build steps that failed and were retried",
            ConstCounter::new(self.builds.failed_steps),
        );
        if let Some(last) = self.builds.last {
            kbs.register(
                "derived_data_last_build_seconds",
                "How long the last finished build of the derived data took",
                ConstGauge::<f64>::new(last.as_secs_f64()),
            );
        }
        kbs.register(
            "dataset_readable",
            "1 if the last scrape could read the stored dataset's state",
            ConstGauge::<i64>::new(i64::from(self.stored.is_some())),
        );
        if let Some((dataset, current)) = &self.stored {
            kbs.register(
                "derived_data_current",
                "1 if the derived data holds the stored dataset (else substring filters scan)",
                ConstGauge::<i64>::new(i64::from(*current)),
            );
            kbs.register(
                "dataset_version",
                "The stored dataset's version, bumped by every import",
                ConstGauge::<i64>::new(dataset.version),
            );
            if let Some(digest) = &dataset.digest {
                let info = Family::<DigestLabels, Gauge>::default();
                info.get_or_create(&DigestLabels {
                    digest: digest.clone(),
                })
                .set(1);
                kbs.register(
                    "dataset_info",
                    "The stored dataset's content digest (replicas holding the same data show the same)",
                    info,
                );
            }
            kbs.register(
                "dataset_customers",
                "Customers stored",
                ConstGauge::<i64>::new(dataset.customers),
            );
            if let Some(changed_at) = dataset.changed_at {
                let now = unix_seconds(SystemTime::now());
                kbs.register(
                    "dataset_changed_timestamp_seconds",
                    "When an import last changed the dataset (Unix time)",
                    ConstGauge::<i64>::new(changed_at),
                );
                kbs.register(
                    "dataset_age_seconds",
                    "Seconds since an import last changed the dataset",
                    ConstGauge::<f64>::new((now - changed_at as f64).max(0.0)),
                );
            }
        }
        if let Some((counts, confirmed_at)) = self.sync {
            let runs = Family::<OutcomeLabels, Counter>::default();
            for (outcome, count) in [
                ("unchanged", counts.unchanged),
                ("swapped", counts.swapped),
                ("failed", counts.failed),
            ] {
                runs.get_or_create(&OutcomeLabels { outcome }).inc_by(count);
            }
            kbs.register(
                "sync_runs",
                "Syncs from the source (--sync-from): found it unchanged, swapped its data in, or failed",
                runs,
            );
            if let Some(at) = confirmed_at {
                let now = unix_seconds(SystemTime::now());
                kbs.register(
                    "sync_confirmed_timestamp_seconds",
                    "When the data was last confirmed from its source (Unix time)",
                    ConstGauge::<f64>::new(at),
                );
                kbs.register(
                    "sync_age_seconds",
                    "Seconds since the data was last confirmed from its source (X-Dataset-Age)",
                    ConstGauge::<f64>::new((now - at).max(0.0)),
                );
            }
        }
        prometheus_text::encode(out, &kbs)?;

        let mut process = Registry::default();
        if let Some(memory) = &self.memory {
            process.register(
                "process_resident_memory_bytes",
                "Resident memory size in bytes",
                ConstGauge::<i64>::new(saturating(memory.resident)),
            );
            process.register(
                "process_virtual_memory_bytes",
                "Virtual memory size in bytes",
                ConstGauge::<i64>::new(saturating(memory.virtual_size)),
            );
        }
        process.register(
            "process_start_time_seconds",
            "When the server started (Unix time)",
            ConstGauge::<f64>::new(unix_seconds(started)),
        );
        prometheus_text::encode(out, &process)
    }
}

fn saturating(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn unix_seconds(time: SystemTime) -> f64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs_f64()
}
