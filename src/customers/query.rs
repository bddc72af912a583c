//! `CustomerQuery`: the filters, order and window of a customers list, and the one place that
//! turns them into SQL. GraphQL and REST both build one of these; neither filters on its own.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use crate::customers::find::companies_of;
use crate::customers::model::{fold_case, Company, Customer, CustomerRow, SummaryRow};
use crate::customers::search_index::{self, Needle};
use crate::customers::sql::{company_known, CustomersFilter};
use crate::customers::stored_json::{self, with_own_json, OwnJsonRow};
use crate::customers::strategy::{Count, Read, Reads};
use crate::customers::window::{OrderBy, SortOrder, Window};
use crate::customers::{company_positions, derived};
use crate::db::schema::{company_counts, customer_emails, customer_search, customers, dataset};
use crate::db::{in_json, search_matches, Backend, DbConnection};

/// A customers list request. Filters combine with AND; an empty list filter is no filter
/// (as in WordPress, where `include=` means "not given").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
    pub companies: HashMap<i32, Company>,
}

impl Page {
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
/// length the planner cannot see: at a million customers it chose to scan by id instead,
/// 40 ms for a page at offset 10,000).
macro_rules! one_of {
    ($column:expr, $ids:expr) => {{
        let filter: CustomersFilter = match $ids.as_slice() {
            [id] => Box::new($column.eq(*id).and($column.ne(0))),
            ids => Box::new(in_json($column, ids).and($column.ne(0))),
        };
        filter
    }};
}

type BoxedCustomers<'a> = customers::BoxedQuery<'a, Backend>;

/// Which of each customer's fields a page holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fields {
    All,
    /// Only a summary's (id, name, user id, primary email, company id, creation date, ticket
    /// count); the others are left empty. Most of a row's bytes (and its JSON parsing) are
    /// in the others.
    Summary,
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

/// Which columns of the customers a page reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Columns {
    All,
    /// Only [`SummaryRow`]'s.
    Summary,
    /// All, and whether the customer's company exists: one more column of the same
    /// statement, where reading the companies would take a second one in a transaction.
    AllKnowingCompany,
    /// Only [`OwnJsonRow`]'s (whether the company exists is in the stored parts).
    OwnJson,
}

/// [`OwnJsonRow`]'s columns.
type OwnJsonColumns = (
    customers::id,
    customers::user_id,
    customers::company_id,
    customers::date_created,
    stored_json::OwnJson,
);

fn own_json_columns() -> OwnJsonColumns {
    (
        customers::id,
        customers::user_id,
        customers::company_id,
        customers::date_created,
        stored_json::own_json(),
    )
}

impl From<Fields> for Columns {
    fn from(fields: Fields) -> Columns {
        match fields {
            Fields::All => Columns::All,
            Fields::Summary => Columns::Summary,
        }
    }
}

/// A page's rows: each customer, and whether its company is known to exist (always `false`
/// unless [`Columns::AllKnowingCompany`] read it).
type Rows = Vec<(Customer, bool)>;

fn load(query: BoxedCustomers<'_>, columns: Columns, conn: &mut DbConnection) -> QueryResult<Rows> {
    match columns {
        Columns::All => query
            .select(CustomerRow::as_select())
            .load(conn)?
            .into_iter()
            .map(|row| Ok((row.into_customer()?, false)))
            .collect(),
        Columns::Summary => Ok(query
            .select(SummaryRow::as_select())
            .load(conn)?
            .into_iter()
            .map(|row| (row.into_customer(), false))
            .collect()),
        Columns::AllKnowingCompany => query
            .select((CustomerRow::as_select(), company_known()))
            .load::<(CustomerRow, bool)>(conn)?
            .into_iter()
            .map(|(row, known)| Ok((row.into_customer()?, known)))
            .collect(),
        Columns::OwnJson => query
            .select(own_json_columns())
            .load::<OwnJsonRow>(conn)?
            .into_iter()
            .map(|row| Ok((with_own_json(row)?, false)))
            .collect(),
    }
}

impl Page {
    fn from_rows(rows: Rows, total: Option<i64>, window: Window) -> Page {
        let known_companies = rows
            .iter()
            .filter(|(_, known)| *known)
            .map(|(customer, _)| customer.company_id)
            .collect();
        Page {
            customers: rows.into_iter().map(|(customer, _)| customer).collect(),
            total,
            window,
            known_companies,
            companies: HashMap::new(),
        }
    }
}

impl CustomerQuery {
    /// The page `want` describes: the one way into the core for a list, whichever transport
    /// asks.
    pub fn page(&self, conn: &mut DbConnection, reads: &Reads, want: Want) -> QueryResult<Page> {
        if want.renderings {
            return self.rendered_page(conn, reads, want.total);
        }
        match want.companies {
            Companies::Not => self.list_columns(conn, reads, want.total, want.fields.into()),
            Companies::Known => {
                self.list_columns(conn, reads, want.total, Columns::AllKnowingCompany)
            }
            Companies::Read => conn.transaction(|conn| {
                let mut page = self.read(conn, reads, want.total, want.fields.into())?;
                page.companies = companies_of(conn, &page.customers)?;
                Ok(page)
            }),
        }
    }

    /// A REST page: an unfiltered one in id order from the stored renderings alone; else the
    /// renderings with the columns the rest of the answer needs, read again whole (knowing the
    /// companies) when they turn out not to hold the dataset (an import landed, their build is
    /// under way).
    fn rendered_page(
        &self,
        conn: &mut DbConnection,
        reads: &Reads,
        with_total: bool,
    ) -> QueryResult<Page> {
        if with_total && self.is_unfiltered() && self.order_by == OrderBy::Id {
            let ascending = self.order == SortOrder::Asc;
            if let Some((customers, total)) =
                stored_json::id_order_page(conn, ascending, self.window)?
            {
                reads.took(Read::StoredPage);
                let rows = customers.into_iter().map(|c| (c, false)).collect();
                return Ok(Page::from_rows(rows, Some(total), self.window));
            }
        }
        let page = self.list_columns(conn, reads, with_total, Columns::OwnJson)?;
        if page.customers.iter().all(|c| c.own_json.is_some()) {
            return Ok(page);
        }
        reads.took(Read::StaleRenderings);
        self.list_columns(conn, reads, with_total, Columns::AllKnowingCompany)
    }

    fn list_columns(
        &self,
        conn: &mut DbConnection,
        reads: &Reads,
        with_total: bool,
        columns: Columns,
    ) -> QueryResult<Page> {
        if with_total && self.is_unfiltered() {
            if let Some(page) = self.unfiltered_page(conn, columns)? {
                reads.took(Read::Unfiltered);
                return Ok(page);
            }
            // Past the end (or an import landed just now): the total decides, in one
            // snapshot, without walking to the offset a second time when the page is empty.
            return conn.transaction(|conn| {
                let total = crate::db::stored_customers(conn)?;
                if self.window.offset >= total {
                    reads.took(Read::PastTheEnd);
                    return Ok(Page::from_rows(Vec::new(), Some(total), self.window));
                }
                self.read(conn, reads, true, columns)
            });
        }
        if with_total || self.substrings().is_some() || self.positioned_company(reads).is_some() {
            // One read transaction: the page, its total and the derived indexes' state come
            // from the same snapshot, even while an import replaces the dataset.
            conn.transaction(|conn| self.read(conn, reads, with_total, columns))
        } else {
            self.read(conn, reads, false, columns)
        }
    }

    /// An unfiltered page whose rows carry the total (kept by the import) as one more column:
    /// one statement is one snapshot, so no transaction to open (diesel parses `BEGIN` and
    /// `COMMIT` anew each time: ~5 % of a page). `None` for a page past the end, which has no
    /// row to carry it.
    fn unfiltered_page(
        &self,
        conn: &mut DbConnection,
        columns: Columns,
    ) -> QueryResult<Option<Page>> {
        let total = dataset::table.select(dataset::customers).single_value();
        // Each arm its own statement type. In id order (every list's default) the type is
        // static, and diesel finds its prepared statement by it; a boxed query's is found by
        // its SQL text, written out on every execution (~5 % of a REST page).
        macro_rules! rows {
            ($ordered:expr) => {{
                let window = $ordered
                    .offset(self.window.offset)
                    .limit(self.window.per_page);
                match columns {
                    Columns::All => window
                        .select((CustomerRow::as_select(), total))
                        .load::<(CustomerRow, Option<i64>)>(conn)?
                        .into_iter()
                        .map(|(row, total)| Ok(((row.into_customer()?, false), total)))
                        .collect::<QueryResult<Vec<_>>>()?,
                    Columns::Summary => window
                        .select((SummaryRow::as_select(), total))
                        .load::<(SummaryRow, Option<i64>)>(conn)?
                        .into_iter()
                        .map(|(row, total)| ((row.into_customer(), false), total))
                        .collect(),
                    Columns::AllKnowingCompany => window
                        .select((CustomerRow::as_select(), company_known(), total))
                        .load::<(CustomerRow, bool, Option<i64>)>(conn)?
                        .into_iter()
                        .map(|(row, known, total)| Ok(((row.into_customer()?, known), total)))
                        .collect::<QueryResult<Vec<_>>>()?,
                    Columns::OwnJson => window
                        .select((own_json_columns(), total))
                        .load::<(OwnJsonRow, Option<i64>)>(conn)?
                        .into_iter()
                        .map(|(row, total)| Ok(((with_own_json(row)?, false), total)))
                        .collect::<QueryResult<Vec<_>>>()?,
                }
            }};
        }
        let rows: Vec<((Customer, bool), Option<i64>)> = match (self.order_by, self.order) {
            (OrderBy::Id, SortOrder::Desc) => rows!(customers::table.order(customers::id.desc())),
            (OrderBy::Id, SortOrder::Asc) => rows!(customers::table.order(customers::id.asc())),
            _ => rows!(self.ordered(customers::table.into_boxed())),
        };
        let Some(total) = rows.first().map(|(_, total)| *total) else {
            return Ok(None);
        };
        let rows = rows.into_iter().map(|(row, _)| row).collect();
        Ok(Some(Page::from_rows(rows, total, self.window)))
    }

    fn read(
        &self,
        conn: &mut DbConnection,
        reads: &Reads,
        with_total: bool,
        columns: Columns,
    ) -> QueryResult<Page> {
        if let Some(company) = self.positioned_company(reads) {
            if derived::is_current(conn)? {
                reads.took(Read::CompanyPositions);
                let total = self.company_total(conn)?;
                let ascending = self.order == SortOrder::Asc;
                let in_window =
                    company_positions::in_company_window(company, total, ascending, self.window);
                let window = customers::table.into_boxed().filter(in_window);
                let rows = load(self.ordered(window), columns, conn)?;
                return Ok(Page::from_rows(
                    rows,
                    with_total.then_some(total),
                    self.window,
                ));
            }
        }
        let needle = match self.substrings() {
            Some(Some(needle)) if derived::is_current(conn)? => Some(needle),
            _ => None,
        };
        // Substring filters alone, served by the index: the index lists (and counts) the
        // matches in id order by itself, without a lookup per match into the customers.
        let index_only = needle.is_some() && self.only_substrings();
        // Counted along with the page when the index's ids were read to their end.
        let mut counted = None;
        let rows = match &needle {
            Some(needle) if index_only && self.order_by == OrderBy::Id => {
                let ascending = self.order == SortOrder::Asc;
                let (ids, total) = search_index::window_ids(
                    conn,
                    reads,
                    needle,
                    ascending,
                    self.window,
                    with_total,
                )?;
                counted = total;
                let by_ids = customers::table
                    .into_boxed()
                    .filter(in_json(customers::id, &ids));
                load(self.ordered(by_ids), columns, conn)?
            }
            _ => {
                reads.took(match &needle {
                    None => Read::Scan,
                    Some(needle) if needle.names_only() => Read::FilteredByNames,
                    Some(Needle::Phrase { .. }) => Read::FilteredByPhrase,
                    Some(Needle::Pair { .. }) => Read::FilteredByPair,
                });
                let window = self
                    .ordered(self.filtered(needle.as_ref()))
                    .offset(self.window.offset)
                    .limit(self.window.per_page);
                load(window, columns, conn)?
            }
        };
        let total = match (with_total, self.is_unfiltered(), &needle) {
            (false, _, _) => None,
            (true, _, _) if counted.is_some() => {
                reads.count(Count::WithThePage);
                counted
            }
            // Kept by the import in the same transaction as the rows: same snapshot, one row.
            (true, true, _) => {
                reads.count(Count::Kept);
                Some(crate::db::stored_customers(conn)?)
            }
            (true, false, Some(needle)) if index_only => {
                reads.count(Count::FromTheIndex);
                Some(search_index::count(conn, needle)?)
            }
            (true, false, None) if self.only_companies() => {
                reads.count(Count::FromCompanyCounts);
                Some(self.company_total(conn)?)
            }
            (true, false, _) => {
                reads.count(Count::ByScan);
                Some(self.filtered(needle.as_ref()).count().get_result(conn)?)
            }
        };
        Ok(Page::from_rows(rows, total, self.window))
    }

    /// The substring filters as one needle for the index: `None` without such filters,
    /// `Some(None)` when the index cannot serve them (a one-character needle; both filters
    /// given, unless both are phrases, which FTS5 combines).
    fn substrings(&self) -> Option<Option<Needle>> {
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

    /// The company whose customers alone this query lists, in id order, from an offset deep
    /// enough to read them by their stored positions.
    fn positioned_company(&self, reads: &Reads) -> Option<i32> {
        match self.companies.as_slice() {
            [company]
                if *company != 0
                    && self.only_companies()
                    && self.order_by == OrderBy::Id
                    && self.window.offset >= reads.thresholds().positions_from =>
            {
                Some(*company)
            }
            _ => None,
        }
    }

    /// Whether `companies` is the only filter given.
    fn only_companies(&self) -> bool {
        !self.companies.is_empty()
            && self.no_id_filters()
            && self.name.is_none()
            && self.search.is_none()
    }

    /// The customers of the listed companies, from the counts the import keeps (each
    /// customer has one company, so the sum over distinct ids counts nobody twice).
    fn company_total(&self, conn: &mut DbConnection) -> QueryResult<i64> {
        let counts: Vec<i64> = company_counts::table
            .filter(in_json(company_counts::company_id, &self.companies))
            .select(company_counts::customers)
            .load(conn)?;
        Ok(counts.iter().sum())
    }

    /// Whether `name` and `search` are the only filters given.
    fn only_substrings(&self) -> bool {
        self.no_id_filters() && self.companies.is_empty()
    }

    /// No filter by customer id, user id or address.
    fn no_id_filters(&self) -> bool {
        self.include.is_empty()
            && self.exclude.is_empty()
            && self.user_ids.is_empty()
            && self.emails.is_empty()
    }

    fn is_unfiltered(&self) -> bool {
        self.only_substrings() && self.name.is_none() && self.search.is_none()
    }

    /// The filters as a WHERE clause; `needle`, when given, serves `name` and `search` through
    /// the substring index instead of a scan.
    fn filtered(&self, needle: Option<&Needle>) -> BoxedCustomers<'_> {
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
    fn ordered<'a>(&self, query: BoxedCustomers<'a>) -> BoxedCustomers<'a> {
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
