//! The thresholds in force and how often each read was taken ([`Reads`]), so that a test can
//! tell which one answered and cross every threshold on a few hundred customers; and the
//! companies held in memory for the pages that show them.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::customers::held_companies::HeldCompanies;
use crate::customers::strategy::{Count, Read, Thresholds};

/// The thresholds in force and a count of each read taken; the companies held.
#[derive(Debug, Default)]
pub struct Reads {
    thresholds: Thresholds,
    taken: [AtomicU64; Read::ALL.len()],
    counted: [AtomicU64; Count::ALL.len()],
    pub(crate) companies: HeldCompanies,
}

impl Reads {
    pub fn new(thresholds: Thresholds) -> Reads {
        Reads {
            thresholds,
            taken: Default::default(),
            counted: Default::default(),
            companies: HeldCompanies::default(),
        }
    }

    pub fn thresholds(&self) -> &Thresholds {
        &self.thresholds
    }

    /// How many pages `read` has served.
    pub fn taken(&self, read: Read) -> u64 {
        self.taken[read as usize].load(Ordering::Relaxed)
    }

    /// Every read's count, in [`Read::ALL`]'s order.
    pub fn counts(&self) -> Vec<(Read, u64)> {
        Read::ALL
            .iter()
            .map(|&read| (read, self.taken(read)))
            .collect()
    }

    pub(crate) fn took(&self, read: Read) {
        self.taken[read as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// How many totals `count` has given.
    pub fn counted(&self, count: Count) -> u64 {
        self.counted[count as usize].load(Ordering::Relaxed)
    }

    pub(crate) fn count(&self, count: Count) {
        self.counted[count as usize].fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_read_is_counted_apart() {
        let reads = Reads::default();
        reads.took(Read::PhraseDeep);
        reads.took(Read::PhraseDeep);
        reads.took(Read::Scan);
        assert_eq!(reads.taken(Read::PhraseDeep), 2);
        assert_eq!(reads.taken(Read::Scan), 1);
        assert_eq!(reads.taken(Read::PhraseOnePass), 0);
    }
}
