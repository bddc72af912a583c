//! `CustomerQuery`: the filters, order and window of a customers list, what a caller wants
//! with it ([`Want`]), and the one place that turns the filters into SQL. GraphQL and REST
//! both build one of these; neither filters on its own. How a page is read is `read.rs`.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use crate::customers::derived::search_index::{self, Needle};
use crate::customers::model::CompanyMap;
use crate::customers::model::{fold_case, Customer};
use crate::customers::sql::CustomersFilter;
use crate::customers::window::{OrderBy, SortOrder, Window};
use crate::db::schema::{company_counts, customer_emails, customer_search, customers};
use crate::db::{in_json, search_matches, Backend, DbConnection};

/// A customers list request. Filters combine with AND; an empty list filter is no filter
/// (as in WordPress, where `include=` means "not given").
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CustomerQuery {
    pub include: Vec<i32>,
    /// Wins over `include`.
    pub exclude: Vec<i32>,
    pub user_ids: Vec<i32>,
    /// Primary or additional email equals one of these, case-insensitively.
    pub emails: Vec<String>,
    /// Case-insensitive substring of the name.
    pub name: Option<String>,
    /// Case-insensitive substring of the name or of any email.
    pub search: Option<String>,
    pub companies: Vec<i32>,
    pub order: SortOrder,
    pub order_by: OrderBy,
    pub window: Window,
}

/// One page of a list and, when asked for, the number of rows matching the filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub customers: Vec<Customer>,
    pub total: Option<i64>,
    pub window: Window,
    /// The ids of the page's companies that exist, when the page was read knowing them
    /// ([`Companies::Known`]); empty otherwise.
    pub known_companies: HashSet<i32>,
    /// The page's companies by id, when the page was read with them ([`Companies::Read`]);
    /// empty otherwise.
    pub companies: CompanyMap,
}

impl Page {
    /// A page of `customers` (knowing no companies yet).
    pub fn of(customers: Vec<Customer>, total: Option<i64>, window: Window) -> Page {
        Page {
            customers,
            total,
            window,
            known_companies: HashSet::new(),
            companies: HashMap::new(),
        }
    }

    /// `ceil(total / per_page)`.
    pub fn total_pages(&self) -> Option<i64> {
        self.total
            .map(|total| (total + self.window.per_page - 1) / self.window.per_page)
    }

    pub fn has_previous_page(&self) -> bool {
        self.window.offset > 0
    }

    /// Whether matching rows remain after this page (a full page followed by more).
    pub fn has_next_page(&self) -> Option<bool> {
        self.total
            .map(|total| self.window.offset.saturating_add(self.window.per_page) < total)
    }
}

/// A linked id column (user or company) is one of `ids`, never 0 ("none"). One id is a plain
/// equality, so the planner walks that column's index in id order (a list is an `IN` whose
/// length the planner cannot see, and on a large dataset it chose to scan by id instead).
macro_rules! one_of {
    ($column:expr, $ids:expr) => {{
        let filter: CustomersFilter = match $ids.as_slice() {
            [id] => Box::new($column.eq(*id).and($column.ne(0))),
            ids => Box::new(in_json($column, ids).and($column.ne(0))),
        };
        filter
    }};
}

pub(super) type BoxedCustomers<'a> = customers::BoxedQuery<'a, Backend>;

/// Which of each customer's fields a page holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fields {
    All,
    /// Only a summary's (id, name, user id, primary email, company id, creation date, ticket
    /// count); the others are left empty. Most of a row's bytes (and its JSON parsing) are
    /// in the others.
    Summary,
    /// Each customer's stored GraphQL fields ([`Customer::stored_fields`]) with its ids and
    /// order keys: a planned GraphQL answer pastes the values it selects. A page whose stored
    /// fields do not hold the dataset is read again with [`Fields::All`]
    /// ([`crate::customers::Read::StaleRenderings`]).
    Stored,
}

/// What a caller wants of a page besides its rows: one request of the core, whichever
/// transport makes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Want {
    /// The customers' fields ([`Companies::Known`] and renderings read their own columns).
    pub fields: Fields,
    /// The total: a count when filtered, which a client that shows no totals should not pay.
    pub total: bool,
    pub companies: Companies,
    /// Each customer's stored REST rendering ([`Customer::own_json`]) instead of the columns
    /// it holds; a page whose renderings do not hold the dataset is read again whole, knowing
    /// its companies.
    pub renderings: bool,
}

/// What a page tells of its customers' companies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Companies {
    Not,
    /// Whether each exists ([`Page::known_companies`]): one more column of the same statement,
    /// where reading the companies would take a second one.
    Known,
    /// Each one ([`Page::companies`]), read in the page's transaction: the names come from the
    /// page's own dataset, even while an import replaces it.
    Read,
}

impl Want {
    /// The rows in `fields`, with the total when `total`.
    pub fn rows(fields: Fields, total: bool) -> Want {
        Want {
            fields,
            total,
            companies: Companies::Not,
            renderings: false,
        }
    }

    pub fn with_companies(self, companies: Companies) -> Want {
        Want { companies, ..self }
    }

    /// A REST page: the stored renderings and the total.
    pub fn rendered() -> Want {
        Want {
            renderings: true,
            ..Want::rows(Fields::All, true)
        }
    }
}

impl CustomerQuery {
    /// The substring filters as one needle for the index: `None` without such filters,
    /// `Some(None)` when the index cannot serve them (a one-character needle; both filters
    /// given, unless both are phrases, which FTS5 combines).
    pub(super) fn substrings(&self) -> Option<Option<Needle>> {
        let name = self
            .name
            .as_ref()
            .map(|n| search_index::contains(&fold_case(n), false));
        let search = self
            .search
            .as_ref()
            .map(|s| search_index::contains(&fold_case(s), true));
        match (name, search) {
            (None, None) => None,
            (Some(one), None) | (None, Some(one)) => Some(one),
            (Some(name), Some(search)) => Some(match (name, search) {
                (Some(Needle::Phrase { fts: n, .. }), Some(Needle::Phrase { fts: s, .. })) => {
                    Some(Needle::Phrase {
                        fts: format!("{n} AND {s}"),
                        in_emails_too: true,
                    })
                }
                _ => None,
            }),
        }
    }

    /// Whether `companies` is the only filter given.
    pub(super) fn only_companies(&self) -> bool {
        !self.companies.is_empty()
            && self.no_id_filters()
            && self.name.is_none()
            && self.search.is_none()
    }

    /// The customers of the listed companies, from the counts the import keeps (each
    /// customer has one company, so the sum over distinct ids counts nobody twice).
    pub(super) fn company_total(&self, conn: &mut DbConnection) -> QueryResult<i64> {
        let counts: Vec<i64> = company_counts::table
            .filter(in_json(company_counts::company_id, &self.companies))
            .select(company_counts::customers)
            .load(conn)?;
        Ok(counts.iter().sum())
    }

    /// Whether `name` and `search` are the only filters given.
    pub(super) fn only_substrings(&self) -> bool {
        self.no_id_filters() && self.companies.is_empty()
    }

    /// No filter by customer id, user id or address.
    pub(super) fn no_id_filters(&self) -> bool {
        self.include.is_empty()
            && self.exclude.is_empty()
            && self.user_ids.is_empty()
            && self.emails.is_empty()
    }

    pub(super) fn is_unfiltered(&self) -> bool {
        self.only_substrings() && self.name.is_none() && self.search.is_none()
    }

    /// The filters as a WHERE clause; `needle`, when given, serves `name` and `search` through
    /// the substring index instead of a scan.
    pub(super) fn filtered(&self, needle: Option<&Needle>) -> BoxedCustomers<'_> {
        let mut query = customers::table.into_boxed();
        // Lists go in as JSON arrays (`in_json`): one statement text whatever their length,
        // so it stays prepared.
        if !self.include.is_empty() {
            query = query.filter(in_json(customers::id, &self.include));
        }
        if !self.exclude.is_empty() {
            query = query.filter(diesel::dsl::not(in_json(customers::id, &self.exclude)));
        }
        // 0 stores "none": no customer is linked to user 0 or company 0.
        if !self.user_ids.is_empty() {
            query = query.filter(one_of!(customers::user_id, self.user_ids));
        }
        if !self.companies.is_empty() {
            query = query.filter(one_of!(customers::company_id, self.companies));
        }
        if !self.emails.is_empty() {
            let folded: Vec<String> = self.emails.iter().map(|e| fold_case(e)).collect();
            query = query.filter(
                customers::id.eq_any(
                    customer_emails::table
                        .filter(in_json(customer_emails::email_lower, &folded))
                        .select(customer_emails::customer_id),
                ),
            );
        }
        if let Some(holds) = needle.and_then(search_index::name_holds) {
            return query.filter(holds);
        }
        match needle {
            Some(Needle::Phrase { fts, .. }) => {
                return query.filter(
                    customers::id.eq_any(
                        customer_search::table
                            .select(customer_search::rowid)
                            .filter(search_matches(fts.to_owned())),
                    ),
                );
            }
            // In names and addresses (a pair in names alone was served just above).
            Some(Needle::Pair { pair, .. }) => {
                return query.filter(customers::id.eq_any(search_index::pair_docs(pair)));
            }
            None => {}
        }
        if let Some(name) = &self.name {
            query = query.filter(
                customers::name_lower
                    .like(contains_pattern(name))
                    .escape('\\'),
            );
        }
        if let Some(search) = &self.search {
            let pattern = contains_pattern(search);
            query = query.filter(
                customers::name_lower
                    .like(pattern.clone())
                    .escape('\\')
                    .or(customers::id.eq_any(
                        customer_emails::table
                            .filter(customer_emails::email_lower.like(pattern).escape('\\'))
                            .select(customer_emails::customer_id),
                    )),
            );
        }
        query
    }

    /// Every order ends with id in the same direction, so equal keys still list in one
    /// stable order and pages never overlap.
    pub(super) fn ordered<'a>(&self, query: BoxedCustomers<'a>) -> BoxedCustomers<'a> {
        use customers::{company_id, date_created, email_lower, id, name_lower, user_id};
        match (self.order_by, self.order) {
            (OrderBy::Id, SortOrder::Asc) => query.order(id.asc()),
            (OrderBy::Id, SortOrder::Desc) => query.order(id.desc()),
            (OrderBy::UserId, SortOrder::Asc) => query.order((user_id.asc(), id.asc())),
            (OrderBy::UserId, SortOrder::Desc) => query.order((user_id.desc(), id.desc())),
            (OrderBy::Name, SortOrder::Asc) => query.order((name_lower.asc(), id.asc())),
            (OrderBy::Name, SortOrder::Desc) => query.order((name_lower.desc(), id.desc())),
            (OrderBy::Email, SortOrder::Asc) => query.order((email_lower.asc(), id.asc())),
            (OrderBy::Email, SortOrder::Desc) => query.order((email_lower.desc(), id.desc())),
            (OrderBy::CompanyId, SortOrder::Asc) => query.order((company_id.asc(), id.asc())),
            (OrderBy::CompanyId, SortOrder::Desc) => query.order((company_id.desc(), id.desc())),
            (OrderBy::Date, SortOrder::Asc) => query.order((date_created.asc(), id.asc())),
            (OrderBy::Date, SortOrder::Desc) => query.order((date_created.desc(), id.desc())),
        }
    }
}

/// A LIKE pattern for "contains `needle`" on the lowercased columns, with `%`, `_` and the
/// escape character itself taken literally.
fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in fold_case(needle).chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(contains_pattern("100% Pure_x\\"), "%100\\% pure\\_x\\\\%");
    }

    #[test]
    fn windows_resolve_the_offset_from_the_page_unless_given() {
        assert_eq!(Window::new(3, 10, None).unwrap().offset, 20);
        assert_eq!(Window::new(3, 10, Some(5)).unwrap().offset, 5);
        assert!(Window::new(0, 10, None).is_err());
        assert!(Window::new(1, 0, None).is_err());
        assert!(Window::new(1, 101, None).is_err());
        assert!(Window::new(1, 10, Some(-1)).is_err());
        assert_eq!(Window::new(i64::MAX, 100, None).unwrap().offset, i64::MAX);
    }
}
