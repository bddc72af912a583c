//! The substring index behind the `name` and `search` filters (`customer_search`, SQLite FTS5
//! trigrams): what a needle becomes (an FTS5 phrase, or a range of trigrams for two
//! characters) and how its matches, their window and their number are read. Kept with it: the
//! distinct names and how many customers hold each (`customer_names`, with an index of their
//! own trigrams), from which the `name` filter counts its matches without visiting them.
//!
//! Derived data, built batch by batch by `derived.rs`, which also tells when it may serve a
//! query.

use diesel::prelude::*;
use diesel::sql_types::Integer;

use crate::customers::derived::name_members;
use crate::customers::sql::CustomersFilter;
use crate::db::schema::{
    customer_name_instances, customer_name_search, customer_names, customer_search_instances,
    customers,
};
use crate::db::{name_matches, DbConnection, SearchMatch};

mod window;

pub(crate) use window::{count, window_ids};

/// Every trigram of the folded name, and of the folded addresses joined by a space (which no
/// address contains), each text ending with [`END`] twice.
const INDEX_BATCH: &str = "\
    INSERT INTO customer_search (rowid, name, emails) \
    SELECT id, name_lower || char(1, 1), email_lower || coalesce( \
        (SELECT ' ' || group_concat(kbs_fold_case(value), ' ') FROM json_each(additional_emails)), '') \
        || char(1, 1) \
    FROM customers WHERE id > ? AND id <= ?";

/// The batch's names added to the distinct names (a name seen before gains its customers).
/// New names get the ids after the largest one (`INTEGER PRIMARY KEY`), which is how
/// [`NAMES_INDEX_BATCH`] finds them.
const NAMES_BATCH: &str = "\
    INSERT INTO customer_names (name_lower, customers) \
    SELECT name_lower, count(*) FROM customers \
    WHERE id > ? AND id <= ? AND name_lower <> '' GROUP BY name_lower \
    ON CONFLICT (name_lower) DO UPDATE SET customers = customers + excluded.customers";

/// Every trigram of the distinct names added after the given id, padded as in [`INDEX_BATCH`].
const NAMES_INDEX_BATCH: &str = "\
    INSERT INTO customer_name_search (rowid, name) \
    SELECT id, name_lower || char(1, 1) FROM customer_names WHERE id > ?";

/// Ends every indexed text, twice (`char(1, 1)` in [`INDEX_BATCH`]), so that each position of
/// a text starts a trigram: a text contains a two-character needle exactly when one of its
/// trigrams starts with it. A needle holding it is left to a scan, so a trigram matched by
/// a needle never reaches into the padding (whatever the names hold).
const END: char = '\u{1}';

/// Empties the trigrams and the distinct names, for a build started over.
pub(super) fn clear(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::sql_query("INSERT INTO customer_search (customer_search) VALUES ('delete-all')")
        .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO customer_name_search (customer_name_search) VALUES ('delete-all')",
    )
    .execute(conn)?;
    diesel::delete(customer_names::table).execute(conn)?;
    Ok(())
}

/// Indexes the customers with ids in `(after, through]`: their trigrams, their names added
/// to the distinct names, and the trigrams of the names seen for the first time.
pub(super) fn add_batch(conn: &mut DbConnection, after: i32, through: i32) -> QueryResult<()> {
    diesel::sql_query(INDEX_BATCH)
        .bind::<Integer, _>(after)
        .bind::<Integer, _>(through)
        .execute(conn)?;
    let names_before: Option<i32> = customer_names::table
        .select(diesel::dsl::max(customer_names::id))
        .first(conn)?;
    diesel::sql_query(NAMES_BATCH)
        .bind::<Integer, _>(after)
        .bind::<Integer, _>(through)
        .execute(conn)?;
    diesel::sql_query(NAMES_INDEX_BATCH)
        .bind::<Integer, _>(names_before.unwrap_or(0))
        .execute(conn)?;
    Ok(())
}

/// After the last batch: one segment per index instead of one per batch, so that a query
/// reads one doclist per trigram (long lists read faster whole than in pieces), and
/// the distinct names' lists of customers, now that every name is counted.
pub(super) fn finish(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::sql_query("INSERT INTO customer_search (customer_search) VALUES ('optimize')")
        .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO customer_name_search (customer_name_search) VALUES ('optimize')",
    )
    .execute(conn)?;
    name_members::fill(conn)
}

/// How the index serves "contains this (folded) needle".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Needle {
    /// Three characters or more: an FTS5 query. The needle is a quoted phrase (quotes
    /// doubled), so nothing in it is FTS5 syntax; consecutive trigrams make it an exact
    /// substring test. Without `in_emails_too` it reads the `name` column only, which the
    /// distinct names' index has too.
    Phrase { fts: String, in_emails_too: bool },
    /// Two characters: the customers with a trigram that starts with them, in the name (and
    /// the addresses when `in_emails_too`).
    Pair { pair: String, in_emails_too: bool },
}

/// How the index serves "contains `needle`" in the name (and the addresses), or `None` when
/// it cannot: a single character (a trigram index cannot list those without reading most of
/// itself; a scan is as fast), or a needle holding [`END`] or NUL.
pub(crate) fn contains(needle: &str, in_emails_too: bool) -> Option<Needle> {
    if needle.chars().nth(1).is_none() || needle.contains(['\0', END]) {
        return None;
    }
    // A space is in no address, and the addresses are joined by one: such a needle could
    // only match across two addresses, which a scan never does.
    let in_emails_too = in_emails_too && !needle.contains(' ');
    if needle.chars().nth(2).is_none() {
        return Some(Needle::Pair {
            pair: needle.to_owned(),
            in_emails_too,
        });
    }
    let phrase = format!("\"{}\"", needle.replace('"', "\"\""));
    let fts = if in_emails_too {
        format!("{{name emails}} : {phrase}")
    } else {
        format!("name : {phrase}")
    };
    Some(Needle::Phrase { fts, in_emails_too })
}

impl Needle {
    /// Whether only names are searched: the distinct names then serve the needle.
    pub(crate) fn names_only(&self) -> bool {
        match self {
            Needle::Phrase { in_emails_too, .. } | Needle::Pair { in_emails_too, .. } => {
                !in_emails_too
            }
        }
    }
}

/// [`names_with_phrase`]'s statement.
type NamesWithPhrase = diesel::dsl::Filter<
    diesel::dsl::Select<customer_name_search::table, customer_name_search::rowid>,
    SearchMatch<customer_name_search::table>,
>;

/// The ids of the distinct names holding the phrase `fts`.
fn names_with_phrase(fts: &str) -> NamesWithPhrase {
    customer_name_search::table
        .select(customer_name_search::rowid)
        .filter(name_matches(fts.to_owned()))
}

/// [`names_with_pair`]'s statement: the same text for every pair.
type NamesWithPair = diesel::dsl::Filter<
    diesel::dsl::Select<customer_name_instances::table, customer_name_instances::doc>,
    diesel::dsl::And<
        diesel::dsl::GtEq<customer_name_instances::term, String>,
        diesel::dsl::LtEq<customer_name_instances::term, String>,
    >,
>;

/// The ids of the distinct names holding `pair` (repeats included: one per occurrence).
fn names_with_pair(pair: &str) -> NamesWithPair {
    use customer_name_instances::{doc, term};
    customer_name_instances::table
        .select(doc)
        .filter(term.ge(pair.to_owned()).and(term.le(pair_end(pair))))
}

/// The last trigram that starts with `pair`: trigrams are compared as UTF-8 bytes, so `pair`
/// followed by the last code point bounds them all.
fn pair_end(pair: &str) -> String {
    format!("{pair}{}", char::MAX)
}

/// "The customer's name holds `needle`", through the distinct names, for a needle of names
/// only (`None` otherwise): an `IN` over the few names that hold it, which the index on
/// `name_lower` serves, where the customers' own trigrams would list every one of them.
pub(crate) fn name_holds(needle: &Needle) -> Option<CustomersFilter> {
    use customer_names::{id, name_lower};
    match needle {
        _ if !needle.names_only() => None,
        Needle::Phrase { fts, .. } => Some(Box::new(
            customers::name_lower.eq_any(
                customer_names::table
                    .select(name_lower)
                    .filter(id.eq_any(names_with_phrase(fts))),
            ),
        )),
        Needle::Pair { pair, .. } => Some(Box::new(
            customers::name_lower.eq_any(
                customer_names::table
                    .select(name_lower)
                    .filter(id.eq_any(names_with_pair(pair))),
            ),
        )),
    }
}

/// [`pair_docs`]: a statement whose text is the same for every pair, so it stays prepared
/// (and a subselect of a query on customers).
pub(crate) type PairDocs = diesel::dsl::Filter<
    diesel::dsl::Select<customer_search_instances::table, customer_search_instances::doc>,
    diesel::dsl::And<
        diesel::dsl::GtEq<customer_search_instances::term, String>,
        diesel::dsl::LtEq<customer_search_instances::term, String>,
    >,
>;

/// The customer of every occurrence, in a name or an address, of a trigram starting with
/// `pair` (repeats included).
pub(crate) fn pair_docs(pair: &str) -> PairDocs {
    use customer_search_instances::{doc, term};
    customer_search_instances::table
        .select(doc)
        .filter(term.ge(pair.to_owned()).and(term.le(pair_end(pair))))
}

#[cfg(test)]
mod tests {
    use super::window::names_only_window_ids;
    use super::{contains, Needle};
    use crate::customers::{derived, Read, Reads, Thresholds, Window};

    /// Windows picked from the distinct names' lists equal those the indexes read for needles
    /// held by more customers than the lists are read for (which no test dataset reaches at
    /// the real bound): phrases and pairs, both ways, near, deep and past the end.
    #[test]
    fn windows_from_the_names_lists_equal_the_indexes_ones() {
        const NAMES: [&str; 7] = [
            "O'Brien",
            "Ann O'Brien",
            "Bob Smith",
            "Ann Smith",
            "",
            "Zoë Brien",
            "ANN",
        ];
        let customers: String = (1..=1500)
            .map(|n: usize| {
                // Ids with gaps, names repeating out of step with them.
                let customer = serde_json::json!({
                    "id": n * 3 + n % 2,
                    "email": format!("c{n}@example.com"),
                    "name": NAMES[(n * 5 + n / 100) % NAMES.len()],
                    "date_created": "2020-01-01 00:00:00",
                });
                format!("{customer}\n")
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::open(dir.path().join("kbs.db").to_str().unwrap(), 1).unwrap();
        let mut conn = db.pool.get().unwrap();
        let input = crate::import::Input::from_bytes("customers.jsonl", customers.as_bytes());
        crate::import::import(&mut conn, input, None, true).unwrap();
        // Renderings play no part in the windows compared here.
        let renderers = derived::stored_json::Renderers {
            rest: |_, _| Vec::new(),
            fields: |_| Vec::new(),
        };
        derived::build(&mut conn, renderers).unwrap();
        let mut picked = 0;
        for needle in ["o'brien", "brien", "ann", "an", "ri", "smith", "n o", "zz"] {
            let needle = contains(needle, false).unwrap();
            for (offset, per_page) in [
                (0, 10),
                (5, 3),
                (40, 10),
                (300, 100),
                (1000, 10),
                (9999, 10),
            ] {
                for ascending in [true, false] {
                    let window = Window {
                        page: 1,
                        per_page,
                        offset,
                    };
                    let mut read = |lists_reach| {
                        let reads = Reads::new(Thresholds {
                            lists_reach,
                            ..Thresholds::default()
                        });
                        let window =
                            names_only_window_ids(&mut conn, &reads, &needle, ascending, window)
                                .unwrap();
                        (window, reads.taken(Read::NamesLists))
                    };
                    let (from_lists, lists_read) = read(i64::MAX);
                    let (from_indexes, lists_read_too) = read(0);
                    // A reach of 0 leaves the lists to needles nobody holds.
                    let nobody = from_lists.1 == Some(0);
                    assert_eq!((lists_read, lists_read_too), (1, u64::from(nobody)));
                    assert_eq!(
                        from_lists, from_indexes,
                        "{needle:?} {window:?} {ascending}"
                    );
                    picked += from_lists.0.len();
                }
            }
        }
        assert!(picked > 1000, "{picked}");
    }

    #[test]
    fn needles_become_quoted_phrases_pairs_or_nothing() {
        let phrase = |fts: &str, in_emails_too| {
            Some(Needle::Phrase {
                fts: fts.to_owned(),
                in_emails_too,
            })
        };
        assert_eq!(contains("zoë", false), phrase("name : \"zoë\"", false));
        assert_eq!(
            contains("a\"b*", true),
            phrase("{name emails} : \"a\"\"b*\"", true)
        );
        assert_eq!(
            contains("o b", true),
            phrase("name : \"o b\"", false),
            "no address holds a space"
        );
        let pair = |pair: &str, in_emails_too| {
            Some(Needle::Pair {
                pair: pair.to_owned(),
                in_emails_too,
            })
        };
        assert_eq!(contains("ab", true), pair("ab", true));
        assert_eq!(contains("ë\"", false), pair("ë\"", false));
        assert_eq!(contains("o ", true), pair("o ", false));
        assert_eq!(contains("a", true), None, "one character scans");
        assert_eq!(contains("", true), None);
        assert_eq!(contains("a\0b", true), None);
        assert_eq!(
            contains("a\u{1}", true),
            None,
            "the texts' end is no needle"
        );
    }
}
