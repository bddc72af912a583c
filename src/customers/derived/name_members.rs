//! Each distinct name's customers by id (`customer_names.members`, derived data filled when
//! the substring index's build finishes): a page of the customers holding a needle that a
//! few names hold is picked from those lists at any offset, without passing the matches
//! before it.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use diesel::prelude::*;

use crate::customers::Window;
use crate::db::schema::{customer_names, customers};
use crate::db::{in_json, DbConnection};

/// Distinct names whose lists are filled per statement: bounds what the fill holds in memory
/// (their customers' ids) on datasets of any size.
const FILL_NAMES: i32 = 2_000;

/// Fills every distinct name's list from the customers holding it (after the names are all
/// counted): one join per run of names, walking the customers' index on names, which lists
/// each name's customers in id order.
pub(super) fn fill(conn: &mut DbConnection) -> QueryResult<()> {
    let last: Option<i32> = customer_names::table
        .select(diesel::dsl::max(customer_names::id))
        .first(conn)?;
    let mut after = 0;
    while after < last.unwrap_or(0) {
        let through = after.saturating_add(FILL_NAMES);
        let held: Vec<(i32, i32)> = customer_names::table
            .inner_join(customers::table.on(customers::name_lower.eq(customer_names::name_lower)))
            .filter(
                customer_names::id
                    .gt(after)
                    .and(customer_names::id.le(through)),
            )
            .select((customer_names::id, customers::id))
            .order((customer_names::id, customers::id))
            .load(conn)?;
        for run in held.chunk_by(|a, b| a.0 == b.0) {
            let members: Vec<u8> = run.iter().flat_map(|(_, id)| id.to_le_bytes()).collect();
            diesel::update(customer_names::table.find(run[0].0))
                .set(customer_names::members.eq(members))
                .execute(conn)?;
        }
        after = through;
    }
    Ok(())
}

/// The stored lists of the distinct names `names` (ids of `customer_names`).
pub(super) fn stored(conn: &mut DbConnection, names: &[i32]) -> QueryResult<Vec<Vec<u8>>> {
    customer_names::table
        .select(customer_names::members)
        .filter(in_json(customer_names::id, names))
        .load(conn)
}

/// The ids of a stored list, ascending.
pub(super) fn ids(stored: &[u8]) -> Vec<i32> {
    stored
        .chunks_exact(4)
        .map(|id| i32::from_le_bytes(id.try_into().expect("four bytes")))
        .collect()
}

/// Places before the window's start that the search for it may leave to the final merge.
const MERGE_SLACK: i64 = 32;

/// The ids in `window` of the union of `lists` (each ascending, no id in two of them), listed
/// ascending or descending, without reading the ids before it. An id close below the window's
/// first place is searched for (counting the ids at or below a candidate takes a binary
/// search per list), interpolating between the bounds found so far, as ids spread evenly
/// over their range, and halving them every other step, so that no spread takes more than
/// twice a bisection's steps; the window is then merged from the lists from there on.
pub(crate) fn union_window(lists: &[Vec<i32>], ascending: bool, window: Window) -> Vec<i32> {
    let total = lists.iter().map(Vec::len).sum::<usize>() as i64;
    let end = window.offset.saturating_add(window.per_page).min(total);
    if window.offset >= end {
        return Vec::new();
    }
    // The places wanted, counted from the smallest id: [first, last).
    let (first, last) = if ascending {
        (window.offset, end)
    } else {
        (total - end, total - window.offset)
    };
    let Start { low, below, .. } = merge_start(lists, first, total);
    // Merged from the first id above `low` in each list: skip to `first`, take the window.
    let mut heads: BinaryHeap<Reverse<(i32, usize, usize)>> = lists
        .iter()
        .enumerate()
        .filter_map(|(list, ids)| {
            let at = ids.partition_point(|&x| i64::from(x) <= low);
            ids.get(at).map(|&id| Reverse((id, list, at)))
        })
        .collect();
    let mut ids = Vec::with_capacity((last - first) as usize);
    for place in below..last {
        let Reverse((id, list, at)) = heads.pop().expect("ids remain up to the window's end");
        if place >= first {
            ids.push(id);
        }
        if let Some(&next) = lists[list].get(at + 1) {
            heads.push(Reverse((next, list, at + 1)));
        }
    }
    if !ascending {
        ids.reverse();
    }
    ids
}

/// Where [`union_window`]'s merge starts: every id at or below `low` is before the window, and
/// `below` of them lie there; `probes` counts the ids counted on the way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Start {
    low: i64,
    below: i64,
    probes: u32,
}

/// An id close below the `first` place of the union (of `total` ids): within [`MERGE_SLACK`]
/// places of it, found by counting the ids at or below candidates.
fn merge_start(lists: &[Vec<i32>], first: i64, total: i64) -> Start {
    let at_or_below = |id: i64| -> i64 {
        lists
            .iter()
            .map(|list| list.partition_point(|&x| i64::from(x) <= id) as i64)
            .sum()
    };
    // Bounds on ids, with how many ids are at or below each: `below` <= `first` < `above`.
    let ends = |pick: fn(&Vec<i32>) -> Option<&i32>| lists.iter().filter_map(pick).copied();
    let (mut low, mut below) = (
        i64::from(ends(|l| l.first()).min().expect("a match")) - 1,
        0,
    );
    let (mut high, mut above) = (i64::from(ends(|l| l.last()).max().expect("a match")), total);
    let mut interpolate = true;
    let mut probes = 0;
    // Bounds one id apart leave nothing between them (with ids repeated, which the lists never
    // hold, the merge still ends the search).
    while first - below > MERGE_SLACK && high - low > 1 {
        let guess = if interpolate {
            // Aimed a little short of `first`, so that it usually lands just below it.
            let aim = first - MERGE_SLACK / 2 - below;
            low + ((high - low) as i128 * aim as i128 / (above - below) as i128) as i64
        } else {
            low + (high - low) / 2
        };
        let guess = guess.clamp(low + 1, high - 1);
        interpolate = !interpolate;
        let counted = at_or_below(guess);
        probes += 1;
        if counted <= first {
            (low, below) = (guess, counted);
        } else {
            (high, above) = (guess, counted);
        }
    }
    Start { low, below, probes }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{merge_start, union_window, MERGE_SLACK};
    use crate::customers::Window;

    /// What a window of the union is by definition: all the ids, sorted, sliced.
    fn sliced(lists: &[Vec<i32>], ascending: bool, window: Window) -> Vec<i32> {
        let mut all: Vec<i32> = lists.concat();
        all.sort_unstable();
        if !ascending {
            all.reverse();
        }
        all.into_iter()
            .skip(window.offset as usize)
            .take(window.per_page as usize)
            .collect()
    }

    /// Ids dealt out to `lists` lists by `owners` (each id to one list, or to none).
    fn dealt(ids: &[i32], owners: &[usize], lists: usize) -> Vec<Vec<i32>> {
        let mut dealt = vec![Vec::new(); lists];
        for (id, owner) in ids.iter().zip(owners) {
            if let Some(list) = dealt.get_mut(*owner) {
                list.push(*id);
            }
        }
        dealt
    }

    #[test]
    fn windows_over_lists_of_one_and_empty_lists() {
        let lists = vec![vec![], vec![5], vec![1, 9], vec![]];
        let window = |offset, per_page| Window {
            page: 1,
            per_page,
            offset,
        };
        assert_eq!(union_window(&lists, true, window(0, 10)), [1, 5, 9]);
        assert_eq!(union_window(&lists, false, window(0, 2)), [9, 5]);
        assert_eq!(union_window(&lists, false, window(2, 2)), [1]);
        assert_eq!(union_window(&lists, true, window(1, 1)), [5]);
        assert!(union_window(&lists, true, window(3, 10)).is_empty());
        assert!(union_window(&[vec![], vec![]], false, window(0, 10)).is_empty());
    }

    /// On ids spread evenly, as real ids are, interpolation lands near the window at once.
    #[test]
    fn evenly_spread_ids_are_found_in_a_few_probes() {
        let lists: Vec<Vec<i32>> = (0..3)
            .map(|list| (0..200_000).map(|n| n * 21 + list * 7 + 5).collect())
            .collect();
        for first in [40, 1_000, 77_777, 300_000, 599_950] {
            let start = merge_start(&lists, first, 600_000);
            assert!(
                first - start.below <= MERGE_SLACK && start.below <= first,
                "{first}: {start:?}"
            );
            assert!(start.probes <= 3, "{first}: {start:?}");
        }
    }

    /// On ids spread irregularly (random gaps), the search stops as soon as the window is
    /// within MERGE_SLACK: a handful of probes, where searching on to the very id would take
    /// about twice as many.
    #[test]
    fn irregularly_spread_ids_are_found_in_a_handful_of_probes() {
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut id = 0i32;
        let mut lists = vec![Vec::new(), Vec::new(), Vec::new()];
        for _ in 0..300_000 {
            id += 1 + (next() % 13) as i32;
            lists[(next() % 3) as usize].push(id);
        }
        let mut probes = 0;
        for first in (0..300_000).step_by(9_973) {
            let start = merge_start(&lists, first, 300_000);
            assert!(start.below <= first && first - start.below <= MERGE_SLACK);
            probes += start.probes;
        }
        let places = (0..300_000).step_by(9_973).count() as u32;
        // Every window but the first lies beyond MERGE_SLACK: at least one probe each.
        assert!(
            (places - 1..=places * 4).contains(&probes),
            "{probes} probes for {places} windows"
        );
    }

    /// Two clusters far apart, which interpolation misjudges: the halving steps (and the
    /// bounds every guess is kept within) still find each window within two bisections'
    /// probes.
    #[test]
    fn clustered_ids_are_found_within_two_bisections() {
        let near: Vec<i32> = (1..=60_000).collect();
        let far: Vec<i32> = (0..60_000).map(|n| 2_000_000_000 + n * 3).collect();
        let lists = vec![near, far];
        let span = 2_000_180_000u64;
        let bound = 2 * (64 - span.leading_zeros()) + 1;
        for first in [33, 1_000, 59_990, 60_000, 60_040, 90_000, 119_990] {
            let start = merge_start(&lists, first, 120_000);
            assert!(
                start.below <= first && first - start.below <= MERGE_SLACK,
                "{start:?}"
            );
            assert!(start.probes <= bound, "{first}: {start:?} (bound {bound})");
        }
    }

    proptest! {
        /// Whatever the spread, the merge starts at most MERGE_SLACK places before the window,
        /// after no more probes than two bisections would take.
        #[test]
        fn the_merge_starts_close_below_the_window(
            ids in proptest::collection::btree_set(-2_000_000i32..2_000_000_000, 1..3000)
                .prop_map(|ids| ids.into_iter().collect::<Vec<_>>()),
            owners in proptest::collection::vec(0usize..4, 3000),
            place in 0.0f64..1.0,
        ) {
            let lists = dealt(&ids, &owners, 4);
            let total = lists.iter().map(Vec::len).sum::<usize>() as i64;
            prop_assume!(total > 0);
            let first = ((total as f64 * place) as i64).min(total - 1);
            let start = merge_start(&lists, first, total);
            prop_assert!(start.below <= first && first - start.below <= MERGE_SLACK, "{:?}", start);
            let below_low = lists.iter().flatten().filter(|&&id| i64::from(id) <= start.low).count();
            prop_assert_eq!(below_low as i64, start.below);
            let span = (i64::from(ids[ids.len() - 1]) - i64::from(ids[0]) + 2) as u64;
            let bisections = 64 - span.leading_zeros();
            prop_assert!(start.probes <= 2 * bisections + 1, "{:?} over a span of {}", start, span);
        }

        #[test]
        fn windows_are_slices_of_the_sorted_union(
            mut ids in proptest::collection::btree_set(-50i32..5_000, 0..400)
                .prop_map(|ids| ids.into_iter().collect::<Vec<_>>()),
            owners in proptest::collection::vec(0usize..7, 400),
            lists in 1usize..6,
            offset in 0i64..450,
            per_page in 1i64..=100,
            ascending: bool,
            clustered: bool,
        ) {
            // Half the ids moved far up: two clusters, which interpolating misjudges.
            if clustered {
                for id in &mut ids {
                    if *id % 2 != 0 {
                        *id += 1_000_000_000;
                    }
                }
            }
            ids.sort_unstable();
            let lists = dealt(&ids, &owners, lists);
            let window = Window { page: 1, per_page, offset };
            prop_assert_eq!(
                union_window(&lists, ascending, window),
                sliced(&lists, ascending, window)
            );
        }
    }
}
