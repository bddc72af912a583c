//! The ways a page of customers is read, by name; where the special ones start (the
//! [`Thresholds`]); and how often each was taken ([`Reads`]), so that a test can tell which
//! one answered and cross every threshold on a few hundred customers.

use std::sync::atomic::{AtomicU64, Ordering};

/// One way of reading a page. Every page read takes exactly one of these for its rows (a
/// REST page whose stored renderings turn out stale takes [`Read::StaleRenderings`] and then
/// the read that serves it again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Read {
    /// An unfiltered REST page in id order, from the stored renderings alone.
    StoredPage,
    /// A REST page read with stored renderings that did not hold the dataset: read again with
    /// every column.
    StaleRenderings,
    /// An unfiltered page whose rows carry the total as a column.
    Unfiltered,
    /// A page past the end, known from the total alone: an unfiltered page with no row to
    /// carry it, or a needle of names only counted by the distinct names.
    PastTheEnd,
    /// A deep page of one company in id order, from the stored positions.
    CompanyPositions,
    /// A needle of names only, the window picked from the distinct names' member lists.
    NamesLists,
    /// A two-character needle of names only, held by more customers than the lists are read
    /// for: the customers' index on names walked to the window.
    NamesPairWalk,
    /// A phrase whose window (ascending) ends within [`Thresholds::one_pass_reach`]: the
    /// matches up to its end (and one more) read in one pass.
    PhraseOnePass,
    /// A phrase whose window ends beyond [`Thresholds::one_pass_reach`]: offset and limit
    /// inside the substring index.
    PhraseDeep,
    /// A descending phrase window within reach: one ascending pass keeping the last matches,
    /// which ended within [`Thresholds::forward_slack`] of the window.
    PhraseLastIds,
    /// The same pass cut short by [`Thresholds::forward_slack`]: counted from where it stopped,
    /// the window read backwards.
    PhraseLastIdsCutShort,
    /// A descending phrase window whose total is known to reach past it: read backwards.
    PhraseBackwards,
    /// A two-character needle in names and addresses: every occurrence read, then sliced.
    PairIds,
    /// Other filters (or orders) with a needle of names only: an `IN` over the distinct names.
    FilteredByNames,
    /// Other filters (or orders) with a phrase: an `IN` over the substring index's matches.
    FilteredByPhrase,
    /// Other filters (or orders) with a two-character needle: an `IN` over its occurrences.
    FilteredByPair,
    /// Filters in SQL alone (`LIKE` for a needle the index cannot serve or does not hold).
    Scan,
}

impl Read {
    pub const ALL: [Read; 17] = [
        Read::StoredPage,
        Read::StaleRenderings,
        Read::Unfiltered,
        Read::PastTheEnd,
        Read::CompanyPositions,
        Read::NamesLists,
        Read::NamesPairWalk,
        Read::PhraseOnePass,
        Read::PhraseDeep,
        Read::PhraseLastIds,
        Read::PhraseLastIdsCutShort,
        Read::PhraseBackwards,
        Read::PairIds,
        Read::FilteredByNames,
        Read::FilteredByPhrase,
        Read::FilteredByPair,
        Read::Scan,
    ];
}

/// Where a filtered page's total comes from, when the read of its rows did not count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Count {
    /// Counted along with the page: the index's matches were read to their end.
    WithThePage,
    /// The number of customers the import keeps (no filter).
    Kept,
    /// The substring index's (or the distinct names') count of a needle's matches.
    FromTheIndex,
    /// The per-company counts the import keeps (companies the only filter).
    FromCompanyCounts,
    /// A count of the filtered rows.
    ByScan,
}

impl Count {
    pub const ALL: [Count; 5] = [
        Count::WithThePage,
        Count::Kept,
        Count::FromTheIndex,
        Count::FromCompanyCounts,
        Count::ByScan,
    ];
}

/// Where the special reads start. The defaults are the server's; they decide speed only, never
/// an answer, so tests set them small to reach every read on little data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// From this offset on, a page of one company's customers in id order is read from the
    /// stored positions; before it, walking the company's index costs no more than the reads
    /// that check the positions are current.
    pub positions_from: i64,
    /// The most customers in the distinct names' lists read for one page (4 bytes each): a
    /// needle held by more is paged by the substring index (a phrase) or the customers' index
    /// on names (a pair), whose walks to a page near the start cost less than every list.
    pub lists_reach: i64,
    /// Phrase windows ending within this many matches read the ids up to there in one pass.
    pub one_pass_reach: i64,
    /// Matches read in ascending order beyond a descending window's reach before that pass
    /// stops (a needle this common is better counted inside SQLite).
    pub forward_slack: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            positions_from: 500,
            lists_reach: 100_000,
            one_pass_reach: 100_000,
            forward_slack: 1000,
        }
    }
}

/// The thresholds in force and a count of each read taken.
#[derive(Debug, Default)]
pub struct Reads {
    thresholds: Thresholds,
    taken: [AtomicU64; Read::ALL.len()],
    counted: [AtomicU64; Count::ALL.len()],
}

impl Reads {
    pub fn new(thresholds: Thresholds) -> Reads {
        Reads {
            thresholds,
            taken: Default::default(),
            counted: Default::default(),
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
    fn every_read_is_listed_once_in_its_own_place() {
        for (place, read) in Read::ALL.iter().enumerate() {
            assert_eq!(*read as usize, place, "{read:?}");
        }
    }

    #[test]
    fn every_count_is_listed_once_in_its_own_place() {
        for (place, count) in Count::ALL.iter().enumerate() {
            assert_eq!(*count as usize, place, "{count:?}");
        }
    }

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
