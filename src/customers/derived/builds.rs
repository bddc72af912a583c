//! What the background builder has done, for the metrics: whether a build is under way, how
//! many finished, how long the last one took, how many steps failed.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

#[derive(Debug, Default)]
pub struct Builds {
    building: AtomicBool,
    finished: AtomicU64,
    last_micros: AtomicU64,
    failed_steps: AtomicU64,
}

/// A copy of [`Builds`] at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BuildCounts {
    pub building: bool,
    pub finished: u64,
    /// How long the last finished build took, from its first batch to its last.
    pub last: Option<Duration>,
    pub failed_steps: u64,
}

impl Builds {
    pub(super) fn started(&self) {
        self.building.store(true, Ordering::Relaxed);
    }

    pub(super) fn finished(&self, took: Duration) {
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.last_micros.store(micros, Ordering::Relaxed);
        self.finished.fetch_add(1, Ordering::Relaxed);
        self.building.store(false, Ordering::Relaxed);
    }

    pub(super) fn step_failed(&self) {
        self.failed_steps.fetch_add(1, Ordering::Relaxed);
    }

    pub fn counts(&self) -> BuildCounts {
        let finished = self.finished.load(Ordering::Relaxed);
        BuildCounts {
            building: self.building.load(Ordering::Relaxed),
            finished,
            last: (finished > 0)
                .then(|| Duration::from_micros(self.last_micros.load(Ordering::Relaxed))),
            failed_steps: self.failed_steps.load(Ordering::Relaxed),
        }
    }
}
