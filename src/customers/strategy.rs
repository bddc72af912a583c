//! The ways a page of customers is read, by name ([`Read`], and [`Count`] for its total), and
//! the one place where a page's route is chosen ([`choose`], [`choose_in_snapshot`]), with
//! each route's transaction and total rule, and where the special reads start ([`Thresholds`]).
//! How often each was taken is counted in `reads.rs`.

use diesel::QueryResult;

use crate::customers::derived::search_index::Needle;
use crate::customers::query::{Companies, CustomerQuery, Fields, Want};
use crate::customers::window::{OrderBy, SortOrder};

/// One way of reading a page. Every page read takes exactly one of these for its rows (a
/// REST page whose stored renderings turn out stale takes [`Read::StaleRenderings`] and then
/// the read that serves it again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Read {
    /// An unfiltered page in id order, from the stored renderings alone: a REST page's, or a
    /// planned GraphQL answer's fields (with the companies held, when it shows them).
    StoredPage,
    /// A page read with stored renderings (a REST page's, or a planned GraphQL answer's
    /// fields) that did not hold the dataset: read again with every column.
    StaleRenderings,
    /// An unfiltered page whose rows carry the total (in id order, their companies joined too).
    Unfiltered,
    /// An unfiltered page in id order showing its companies, whose rows carry the total and
    /// the dataset version: the companies are looked up in those held in memory for that
    /// version (`held_companies.rs`), or read apart with it when there are too many to hold,
    /// not joined to every row; compared with the joined read in tests' `held_companies`.
    UnfilteredCompaniesHeld,
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
    /// A page by cursor: the position's key sought on the order's index (`seek.rs`), whatever
    /// the filters; compared with pages by number in `graphql_cursors`.
    Keyset,
    /// Many companies' pages of customers in one read (`company_customers.rs`); compared with
    /// each company's page alone in `graphql_companies`.
    CompanyPages,
}

impl Read {
    pub const ALL: [Read; 20] = [
        Read::StoredPage,
        Read::StaleRenderings,
        Read::Unfiltered,
        Read::UnfilteredCompaniesHeld,
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
        Read::Keyset,
        Read::CompanyPages,
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
    /// The most companies held in memory (`held_companies.rs`) for pages showing them: a
    /// dataset with more has each page read its own; 0 holds none, and the pages join them
    /// to their rows.
    pub companies_held: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            positions_from: 500,
            lists_reach: 100_000,
            one_pass_reach: 100_000,
            forward_slack: 1000,
            companies_held: 10_000,
        }
    }
}

/// The way a page goes, as [`choose`] and [`choose_in_snapshot`] pick it; each route takes
/// one of the [`Read`]s named in its description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// [`Read::StoredPage`]: a REST page, unfiltered, in id order, with its total, from the
    /// stored renderings alone in one statement, which checks they hold the dataset. When they
    /// do not (or the page is past the end) the page is read with the renderings' columns,
    /// and read again whole ([`Read::StaleRenderings`]) when some of them turn out stale.
    StoredPage,
    /// [`Read::Unfiltered`]: an unfiltered page whose rows carry the total, one statement (no
    /// transaction). An empty answer goes on in a snapshot: [`Read::PastTheEnd`] when the
    /// total says the page lies past the end, else [`choose_in_snapshot`]'s route.
    Unfiltered,
    /// [`Read::CompanyPositions`]: a deep page of one company in id order, from the stored
    /// positions; the total from the per-company counts.
    CompanyPositions { company: i32 },
    /// A needle alone, in id order: its window read from the substring index, by one of
    /// [`Read::NamesLists`], [`Read::NamesPairWalk`], the `Phrase…` reads or [`Read::PairIds`],
    /// chosen by its matches; the total counted with the window or from the index.
    IndexWindow(Needle),
    /// Filters in SQL, a needle through the index's matches: [`Read::FilteredByNames`],
    /// [`Read::FilteredByPhrase`], [`Read::FilteredByPair`], or [`Read::Scan`] without one.
    Filtered(Option<Needle>),
}

/// The single-statement route a page takes before anything is read, if any: `None` when it
/// is read in a snapshot ([`needs_snapshot`], [`choose_in_snapshot`]). A page with its
/// companies takes one in id order only (its rows joined to their companies); in any other
/// order, and with renderings, they are read in its snapshot.
pub(crate) fn choose(query: &CustomerQuery, want: &Want) -> Option<Route> {
    if !want.total || !query.is_unfiltered() {
        return None;
    }
    let stored = want.renderings || want.fields == Fields::Stored;
    if want.companies == Companies::Read {
        // REST pages never show companies; a GraphQL page finds them held.
        if want.renderings || query.order_by != OrderBy::Id {
            return None;
        }
        return Some(if stored {
            Route::StoredPage
        } else {
            Route::Unfiltered
        });
    }
    if stored && query.order_by == OrderBy::Id {
        Some(Route::StoredPage)
    } else {
        Some(Route::Unfiltered)
    }
}

/// Whether a page not served by a single statement is read in one transaction: when its
/// total, its companies or the derived data's state must come from the same snapshot as its
/// rows, even while an import replaces the dataset.
pub(crate) fn needs_snapshot(query: &CustomerQuery, want: &Want, thresholds: &Thresholds) -> bool {
    want.total
        || want.companies == Companies::Read
        || query.substrings().is_some()
        || positioned_company(query, thresholds).is_some()
}

/// The route of a page read in a snapshot, where `derived_current` tells (when asked) whether
/// the derived data holds the dataset the snapshot reads: positions and the index serve only
/// then.
pub(crate) fn choose_in_snapshot(
    query: &CustomerQuery,
    thresholds: &Thresholds,
    mut derived_current: impl FnMut() -> QueryResult<bool>,
) -> QueryResult<Route> {
    if let Some(company) = positioned_company(query, thresholds) {
        if derived_current()? {
            return Ok(Route::CompanyPositions { company });
        }
    }
    let needle = match query.substrings() {
        Some(Some(needle)) if derived_current()? => needle,
        _ => return Ok(Route::Filtered(None)),
    };
    // Substring filters alone, in id order: the index lists (and counts) the matches in that
    // order by itself, without a lookup per match into the customers.
    if query.only_substrings() && query.order_by == OrderBy::Id {
        Ok(Route::IndexWindow(needle))
    } else {
        Ok(Route::Filtered(Some(needle)))
    }
}

/// The company whose customers alone this query lists, in id order, from an offset deep
/// enough to read them by their stored positions.
pub(crate) fn positioned_company(query: &CustomerQuery, thresholds: &Thresholds) -> Option<i32> {
    match query.companies.as_slice() {
        [company]
            if *company != 0
                && query.only_companies()
                && query.order_by == OrderBy::Id
                && query.window.offset >= thresholds.positions_from =>
        {
            Some(*company)
        }
        _ => None,
    }
}

/// The read a [`Route::Filtered`] page takes.
pub(crate) fn filtered_read(needle: Option<&Needle>) -> Read {
    match needle {
        None => Read::Scan,
        Some(needle) if needle.names_only() => Read::FilteredByNames,
        Some(Needle::Phrase { .. }) => Read::FilteredByPhrase,
        Some(Needle::Pair { .. }) => Read::FilteredByPair,
    }
}

/// Whether a page in `order` over ids reads ascending.
pub(crate) fn ascending(query: &CustomerQuery) -> bool {
    query.order == SortOrder::Asc
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

    fn query(adjust: impl FnOnce(&mut CustomerQuery)) -> CustomerQuery {
        let mut query = CustomerQuery::default();
        adjust(&mut query);
        query
    }

    fn want(total: bool) -> Want {
        Want::rows(crate::customers::Fields::All, total)
    }

    /// A snapshot's route, the derived data current or not, and how often its state was asked.
    fn in_snapshot(query: &CustomerQuery, current: bool) -> (Route, usize) {
        let mut asked = 0;
        let route = choose_in_snapshot(query, &Thresholds::default(), || {
            asked += 1;
            Ok(current)
        })
        .unwrap();
        (route, asked)
    }

    #[test]
    fn a_rest_page_without_filters_in_id_order_is_read_from_the_stored_renderings() {
        assert_eq!(
            choose(&query(|_| {}), &Want::rendered()),
            Some(Route::StoredPage)
        );
        let by_name = query(|q| q.order_by = OrderBy::Name);
        assert_eq!(choose(&by_name, &Want::rendered()), Some(Route::Unfiltered));
    }

    #[test]
    fn an_unfiltered_page_with_its_total_is_one_statement_with_companies_in_id_order_only() {
        assert_eq!(choose(&query(|_| {}), &want(true)), Some(Route::Unfiltered));
        assert_eq!(choose(&query(|_| {}), &want(false)), None);
        let with_companies = want(true).with_companies(Companies::Read);
        assert_eq!(
            choose(&query(|_| {}), &with_companies),
            Some(Route::Unfiltered)
        );
        let by_name = query(|q| q.order_by = OrderBy::Name);
        assert_eq!(choose(&by_name, &with_companies), None);
        assert!(needs_snapshot(
            &by_name,
            &with_companies,
            &Thresholds::default()
        ));
        let embedded = Want::rendered().with_companies(Companies::Read);
        assert_eq!(choose(&query(|_| {}), &embedded), None);
        let filtered = query(|q| q.include = vec![1]);
        assert_eq!(choose(&filtered, &want(true)), None);
    }

    #[test]
    fn a_deep_page_of_one_company_reads_its_positions_when_they_are_current() {
        let deep = query(|q| {
            q.companies = vec![7];
            q.window.offset = Thresholds::default().positions_from;
        });
        assert!(needs_snapshot(&deep, &want(false), &Thresholds::default()));
        assert_eq!(
            in_snapshot(&deep, true),
            (Route::CompanyPositions { company: 7 }, 1)
        );
        assert_eq!(in_snapshot(&deep, false), (Route::Filtered(None), 1));
        let shallow = query(|q| q.companies = vec![7]);
        assert_eq!(in_snapshot(&shallow, true), (Route::Filtered(None), 0));
    }

    #[test]
    fn a_needle_alone_in_id_order_is_windowed_by_the_index_when_it_is_current() {
        let needle = query(|q| q.name = Some("smith".into()));
        let Route::IndexWindow(Needle::Phrase { .. }) = in_snapshot(&needle, true).0 else {
            panic!("{:?}", in_snapshot(&needle, true));
        };
        assert_eq!(in_snapshot(&needle, false), (Route::Filtered(None), 1));
    }

    #[test]
    fn a_needle_with_other_filters_or_orders_filters_through_the_index() {
        for other in [
            query(|q| {
                q.name = Some("smith".into());
                q.order_by = OrderBy::Name;
            }),
            query(|q| {
                q.search = Some("sm".into());
                q.user_ids = vec![3];
            }),
        ] {
            let (Route::Filtered(Some(needle)), 1) = in_snapshot(&other, true) else {
                panic!("{other:?}");
            };
            assert_ne!(filtered_read(Some(&needle)), Read::Scan);
        }
    }

    #[test]
    fn filters_the_index_cannot_serve_scan() {
        // One character: no trigram holds it.
        let one = query(|q| q.name = Some("s".into()));
        assert_eq!(in_snapshot(&one, true), (Route::Filtered(None), 0));
        assert_eq!(filtered_read(None), Read::Scan);
        let plain = query(|q| q.emails = vec!["a@example.com".into()]);
        assert_eq!(in_snapshot(&plain, true), (Route::Filtered(None), 0));
    }
}
