//! Reading a needle's matches from the index: their window in either order, and their number,
//! each read named by the [`Read`] it takes.

use std::collections::VecDeque;

use diesel::connection::DefaultLoadingMode;
use diesel::prelude::*;

use crate::customers::derived::name_members;
use crate::customers::derived::search_index::{
    name_holds, names_with_pair, names_with_phrase, pair_docs, Needle,
};
use crate::customers::reads::Reads;
use crate::customers::strategy::{Read, Thresholds};
use crate::customers::Window;
use crate::db::schema::{customer_names, customer_search, customers};
use crate::db::{search_matches, DbConnection};

/// The window of the customers holding a needle of names only, picked from the lists of the
/// distinct names holding it ([`name_members`]), and their number; `None` for the window
/// when they are more than `reach`.
fn names_window(
    conn: &mut DbConnection,
    needle: &Needle,
    ascending: bool,
    window: Window,
    reach: i64,
) -> QueryResult<(Option<Vec<i32>>, i64)> {
    use customer_names::{customers, id, members};
    /// The names' lists as read with their counts, or the names whose lists to read.
    enum Lists {
        Read(Vec<Vec<u8>>),
        Of(Vec<i32>),
    }
    let (total, lists) = match needle {
        // A phrase is held by few names as a rule: their lists are read with their counts.
        // For one held by many, the lists read in vain cost a fraction of the index's walk.
        Needle::Phrase { fts, .. } => {
            let names: Vec<(i64, Vec<u8>)> = customer_names::table
                .select((customers, members))
                .filter(id.eq_any(names_with_phrase(fts)))
                .load(conn)?;
            let total = names.iter().map(|(held, _)| held).sum();
            (
                total,
                Lists::Read(names.into_iter().map(|(_, list)| list).collect()),
            )
        }
        // A pair is held by many names as a rule (thousands of them, for some): their lists
        // are read only once their counts say they are few enough.
        Needle::Pair { pair, .. } => {
            let names: Vec<(i32, i64)> = customer_names::table
                .select((id, customers))
                .filter(id.eq_any(names_with_pair(pair)))
                .load(conn)?;
            let total = names.iter().map(|(_, held)| held).sum();
            (
                total,
                Lists::Of(names.into_iter().map(|(name, _)| name).collect()),
            )
        }
    };
    if total > reach {
        return Ok((None, total));
    }
    if window.offset >= total {
        return Ok((Some(Vec::new()), total));
    }
    let stored = match lists {
        Lists::Read(stored) => stored,
        Lists::Of(names) => name_members::stored(conn, &names)?,
    };
    let lists: Vec<Vec<i32>> = stored.iter().map(|list| name_members::ids(list)).collect();
    Ok((
        Some(name_members::union_window(&lists, ascending, window)),
        total,
    ))
}

/// How many customers hold a needle of names only: the sum over the distinct names holding
/// it (a few rows, where the customers holding it may be a good part of them all).
fn names_count(conn: &mut DbConnection, needle: &Needle) -> QueryResult<i64> {
    use customer_names::{customers, id};
    let counts: Vec<i64> = match needle {
        Needle::Phrase { fts, .. } => customer_names::table
            .select(customers)
            .filter(id.eq_any(names_with_phrase(fts)))
            .load(conn)?,
        Needle::Pair { pair, .. } => customer_names::table
            .select(customers)
            .filter(id.eq_any(names_with_pair(pair)))
            .load(conn)?,
    };
    Ok(counts.iter().sum())
}

/// The customers whose name or addresses hold `pair`, in id order: one read of the index's
/// trigrams that start with it (every occurrence, so this costs what the matches cost). A
/// pair in names alone is the distinct names' ([`name_holds`]).
fn pair_ids(conn: &mut DbConnection, pair: &str) -> QueryResult<Vec<i32>> {
    let mut ids: Vec<i32> = pair_docs(pair).load(conn)?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// How many customers hold `needle`.
pub(crate) fn count(conn: &mut DbConnection, needle: &Needle) -> QueryResult<i64> {
    if needle.names_only() {
        return names_count(conn, needle);
    }
    match needle {
        Needle::Phrase { fts, .. } => customer_search::table
            .filter(search_matches(fts.to_owned()))
            .count()
            .get_result(conn),
        Needle::Pair { pair, .. } => Ok(pair_ids(conn, pair)?.len() as i64),
    }
}

/// The ids of a window of the customers holding `needle`, in id order, and the number of all
/// of them when it is known on the way (always for a pair: all its matches are read).
pub(crate) fn window_ids(
    conn: &mut DbConnection,
    reads: &Reads,
    needle: &Needle,
    ascending: bool,
    window: Window,
    with_total: bool,
) -> QueryResult<(Vec<i32>, Option<i64>)> {
    if needle.names_only() {
        return names_only_window_ids(conn, reads, needle, ascending, window);
    }
    match needle {
        Needle::Phrase { fts, .. } => {
            let total = if with_total {
                Total::Wanted
            } else {
                Total::Unwanted
            };
            phrase_window_ids(conn, reads, fts, ascending, window, total)
        }
        Needle::Pair { pair, .. } => {
            reads.took(Read::PairIds);
            let mut ids = pair_ids(conn, pair)?;
            let total = ids.len() as i64;
            if !ascending {
                ids.reverse();
            }
            let start = (window.offset as usize).min(ids.len());
            let end = start
                .saturating_add(window.per_page as usize)
                .min(ids.len());
            Ok((ids[start..end].to_vec(), Some(total)))
        }
    }
}

/// [`window_ids`] of a needle of names only, whose number the distinct names always tell: the
/// window is picked from their lists ([`names_window`]), or, for a needle held by more than
/// [`Thresholds::lists_reach`] customers, from the index (a phrase; knowing where the matches
/// end) or from the customers' index on names (a pair).
pub(super) fn names_only_window_ids(
    conn: &mut DbConnection,
    reads: &Reads,
    needle: &Needle,
    ascending: bool,
    window: Window,
) -> QueryResult<(Vec<i32>, Option<i64>)> {
    let reach = reads.thresholds().lists_reach;
    let (picked, total) = names_window(conn, needle, ascending, window, reach)?;
    if let Some(ids) = picked {
        reads.took(Read::NamesLists);
        return Ok((ids, Some(total)));
    }
    if window.offset >= total {
        reads.took(Read::PastTheEnd);
        return Ok((Vec::new(), Some(total)));
    }
    let ids = match needle {
        Needle::Phrase { fts, .. } => {
            phrase_window_ids(conn, reads, fts, ascending, window, Total::Known(total))?.0
        }
        // Its customers from the index on names (which holds their ids): SQLite keeps the
        // window while walking them, far cheaper than reading every one out. Only ids, so that
        // the index alone answers.
        Needle::Pair { .. } => {
            reads.took(Read::NamesPairWalk);
            let holds = name_holds(needle).expect("a needle of names only");
            let ids = customers::table.select(customers::id).filter(holds);
            let ids = if ascending {
                ids.order(customers::id.asc()).into_boxed()
            } else {
                ids.order(customers::id.desc()).into_boxed()
            };
            ids.offset(window.offset)
                .limit(window.per_page)
                .load(conn)?
        }
    };
    Ok((ids, Some(total)))
}

/// What a window's read knows, or is asked, of the number of matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Total {
    Unwanted,
    Wanted,
    Known(i64),
}

/// [`window_ids`] of an FTS5 query. Every pass over the index costs the whole phrase match,
/// so the ids up to the window's end (and one more) are read at once: when the matches end
/// there, which is usual for a selective needle, their count is known without a second pass.
/// A descending window within that reach is [`last_ids`]'s (which counts only when the total
/// is wanted).
fn phrase_window_ids(
    conn: &mut DbConnection,
    reads: &Reads,
    fts: &str,
    ascending: bool,
    window: Window,
    total: Total,
) -> QueryResult<(Vec<i32>, Option<i64>)> {
    let reach = window.offset.saturating_add(window.per_page);
    let Thresholds {
        one_pass_reach,
        forward_slack,
        ..
    } = *reads.thresholds();
    if !ascending && reach < one_pass_reach {
        let (ids, total, read) = last_ids(conn, fts, window, total, forward_slack)?;
        reads.took(read);
        return Ok((ids, total));
    }
    let matches = customer_search::table
        .select(customer_search::rowid)
        .filter(search_matches(fts.to_owned()));
    let matches = if ascending {
        matches.order(customer_search::rowid.asc()).into_boxed()
    } else {
        matches.order(customer_search::rowid.desc()).into_boxed()
    };
    if reach >= one_pass_reach {
        reads.took(Read::PhraseDeep);
        let ids = matches
            .offset(window.offset)
            .limit(window.per_page)
            .load(conn)?;
        return Ok((ids, None));
    }
    reads.took(Read::PhraseOnePass);
    let mut ids: Vec<i32> = matches.limit(reach + 1).load(conn)?;
    let total = (ids.len() as i64 <= reach).then_some(ids.len() as i64);
    ids.truncate(reach as usize);
    let start = (window.offset as usize).min(ids.len());
    Ok((ids.split_off(start), total))
}

/// A descending window, and the number of matches, from one pass over the matches in
/// ascending order keeping the last `offset + per_page`. FTS5 walks a doclist backwards only
/// by loading it whole, without the skips its doclist index allows forwards, so a selective
/// needle's matches cost more read backwards than forwards.
/// A needle with more than `slack` matches after the window's reach is counted from where the
/// pass stopped (when the total is wanted), and its window read backwards after all; one
/// known to have more matches than the window reaches is read backwards at once. Tells which
/// of the three it did.
fn last_ids(
    conn: &mut DbConnection,
    fts: &str,
    window: Window,
    total: Total,
    slack: i64,
) -> QueryResult<(Vec<i32>, Option<i64>, Read)> {
    let matches = || {
        customer_search::table
            .select(customer_search::rowid)
            .filter(search_matches(fts.to_owned()))
    };
    let reach = (window.offset + window.per_page) as usize;
    let backwards = |conn: &mut DbConnection| {
        matches()
            .order(customer_search::rowid.desc())
            .offset(window.offset)
            .limit(window.per_page)
            .load(conn)
    };
    // Known to reach past the window: read backwards, the window alone (the pass would read
    // every match after it). A needle whose matches all fit in it takes the pass.
    if let Total::Known(total) = total {
        if total > reach as i64 {
            return Ok((backwards(conn)?, Some(total), Read::PhraseBackwards));
        }
    }
    let mut last = VecDeque::with_capacity(reach.min(1024));
    let mut seen = 0;
    let mut stopped_after = None;
    for id in matches()
        .order(customer_search::rowid.asc())
        .load_iter::<i32, DefaultLoadingMode>(conn)?
    {
        let id = id?;
        if seen == reach + slack as usize {
            stopped_after = last.back().copied();
            break;
        }
        if last.len() == reach {
            last.pop_front();
        }
        last.push_back(id);
        seen += 1;
    }
    let Some(after) = stopped_after else {
        let ids = last
            .into_iter()
            .rev()
            .skip(window.offset as usize)
            .collect();
        return Ok((ids, Some(seen as i64), Read::PhraseLastIds));
    };
    let total = match total {
        Total::Unwanted => None,
        Total::Known(total) => Some(total),
        Total::Wanted => {
            let rest: i64 = matches()
                .filter(customer_search::rowid.gt(after))
                .count()
                .get_result(conn)?;
            Some(seen as i64 + rest)
        }
    };
    Ok((backwards(conn)?, total, Read::PhraseLastIdsCutShort))
}
