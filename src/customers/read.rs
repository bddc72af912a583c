//! How a page is read: the one entry, [`CustomerQuery::page`], and the reads behind it, each
//! named by a [`Read`] when taken; the column sets a page's rows come in.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::customers::derived::search_index::{self, Needle};
use crate::customers::derived::stored_json::{
    self, with_own_fields, with_own_json, OwnFieldsRow, OwnJsonRow,
};
use crate::customers::derived::{self, company_positions};
use crate::customers::find::companies_of;
use crate::customers::model::{Customer, CustomerRow, SummaryRow};
use crate::customers::query::{BoxedCustomers, Companies, CustomerQuery, Fields, Page, Want};
use crate::customers::reads::Reads;
use crate::customers::sql::company_known;
use crate::customers::strategy::{
    ascending, choose, choose_in_snapshot, filtered_read, needs_snapshot, Count, Read, Route,
};
use crate::customers::window::Window;
use crate::db::schema::customers;
use crate::db::{in_json, DbConnection};

/// Which columns of the customers a page reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Columns {
    All,
    /// Only [`SummaryRow`]'s.
    Summary,
    /// All, and whether the customer's company exists: one more column of the same
    /// statement, where reading the companies would take a second one in a transaction.
    AllKnowingCompany,
    /// Only [`OwnJsonRow`]'s (whether the company exists is in the stored parts).
    OwnJson,
    /// Only [`OwnFieldsRow`]'s.
    OwnFields,
}

/// [`OwnJsonRow`]'s columns.
pub(super) type OwnJsonColumns = (
    customers::id,
    customers::user_id,
    customers::company_id,
    customers::date_created,
    stored_json::OwnJson,
);

pub(super) fn own_json_columns() -> OwnJsonColumns {
    (
        customers::id,
        customers::user_id,
        customers::company_id,
        customers::date_created,
        stored_json::own_json(),
    )
}

/// [`OwnFieldsRow`]'s columns.
pub(super) type OwnFieldsColumns = (
    customers::id,
    customers::user_id,
    customers::name,
    customers::email,
    customers::company_id,
    customers::date_created,
    stored_json::OwnFields,
);

pub(super) fn own_fields_columns() -> OwnFieldsColumns {
    (
        customers::id,
        customers::user_id,
        customers::name,
        customers::email,
        customers::company_id,
        customers::date_created,
        stored_json::own_fields(),
    )
}

impl From<Fields> for Columns {
    fn from(fields: Fields) -> Columns {
        match fields {
            Fields::All => Columns::All,
            Fields::Summary => Columns::Summary,
            Fields::Stored => Columns::OwnFields,
        }
    }
}

/// A page's rows: each customer, and whether its company is known to exist (always `false`
/// unless [`Columns::AllKnowingCompany`] read it).
pub(super) type Rows = Vec<(Customer, bool)>;

pub(super) fn load(
    query: BoxedCustomers<'_>,
    columns: Columns,
    conn: &mut DbConnection,
) -> QueryResult<Rows> {
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
        Columns::OwnFields => query
            .select(own_fields_columns())
            .load::<OwnFieldsRow>(conn)?
            .into_iter()
            .map(|row| Ok((with_own_fields(row)?, false)))
            .collect(),
    }
}

impl Page {
    pub(super) fn from_rows(rows: Rows, total: Option<i64>, window: Window) -> Page {
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
    /// asks. Its route is chosen in `strategy.rs` ([`choose`], [`choose_in_snapshot`]); this
    /// runs it.
    pub fn page(&self, conn: &mut DbConnection, reads: &Reads, want: Want) -> QueryResult<Page> {
        if want.fields == Fields::Stored {
            if choose(self, &want) == Some(Route::StoredPage) {
                if let Some(page) = self.stored_fields_page(conn, reads, &want)? {
                    reads.took(Read::StoredPage);
                    return Ok(page);
                }
            }
            let page = self.rows(conn, reads, &want, Columns::OwnFields)?;
            if page.customers.iter().all(|c| c.stored_fields.is_some()) {
                return Ok(page);
            }
            reads.took(Read::StaleRenderings);
            let want = Want {
                fields: Fields::All,
                ..want
            };
            return self.rows(conn, reads, &want, Columns::All);
        }
        if !want.renderings {
            let columns = match want.companies {
                Companies::Known => Columns::AllKnowingCompany,
                _ => want.fields.into(),
            };
            return self.rows(conn, reads, &want, columns);
        }
        if choose(self, &want) == Some(Route::StoredPage) {
            if let Some((customers, total)) =
                stored_json::id_order_page(conn, ascending(self), self.window)?
            {
                reads.took(Read::StoredPage);
                let rows = customers.into_iter().map(|c| (c, false)).collect();
                return Ok(Page::from_rows(rows, Some(total), self.window));
            }
        }
        let page = self.rows(conn, reads, &want, Columns::OwnJson)?;
        if page.customers.iter().all(|c| c.own_json.is_some()) {
            return Ok(page);
        }
        reads.took(Read::StaleRenderings);
        self.rows(conn, reads, &want, Columns::AllKnowingCompany)
    }

    /// An unfiltered page in id order from the stored fields alone, its companies found held
    /// for the dataset version it read: `None` when they do not serve it.
    fn stored_fields_page(
        &self,
        conn: &mut DbConnection,
        reads: &Reads,
        want: &Want,
    ) -> QueryResult<Option<Page>> {
        let Some((customers, total, version)) =
            stored_json::id_order_fields_page(conn, ascending(self), self.window)?
        else {
            return Ok(None);
        };
        let companies = if want.companies == Companies::Read {
            let limit = reads.thresholds().companies_held;
            match reads.companies.of(conn, limit, version, &customers)? {
                Some(companies) => companies,
                None => return Ok(None),
            }
        } else {
            HashMap::new()
        };
        let rows = customers.into_iter().map(|c| (c, false)).collect();
        let mut page = Page::from_rows(rows, Some(total), self.window);
        page.companies = companies;
        Ok(Some(page))
    }

    /// The page's rows in `columns`: the single statement of an unfiltered page when one is
    /// chosen, else the route chosen in the page's snapshot.
    fn rows(
        &self,
        conn: &mut DbConnection,
        reads: &Reads,
        want: &Want,
        columns: Columns,
    ) -> QueryResult<Page> {
        if let Some(Route::StoredPage | Route::Unfiltered) = choose(self, want) {
            // Each counts the read it took.
            let page = if want.companies == Companies::Read {
                self.unfiltered_with_companies(conn, reads, columns)?
            } else {
                self.unfiltered_page(conn, reads, columns)?
            };
            if let Some(page) = page {
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
                let mut page = self.by_route(conn, reads, true, columns)?;
                if want.companies == Companies::Read {
                    page.companies = companies_of(conn, &page.customers)?;
                }
                Ok(page)
            });
        }
        if !needs_snapshot(self, want, reads.thresholds()) {
            return self.by_route(conn, reads, false, columns);
        }
        conn.transaction(|conn| {
            let mut page = self.by_route(conn, reads, want.total, columns)?;
            if want.companies == Companies::Read {
                page.companies = companies_of(conn, &page.customers)?;
            }
            Ok(page)
        })
    }

    /// Reads the page by the route [`choose_in_snapshot`] picks, with its total when asked.
    fn by_route(
        &self,
        conn: &mut DbConnection,
        reads: &Reads,
        with_total: bool,
        columns: Columns,
    ) -> QueryResult<Page> {
        let route = choose_in_snapshot(self, reads.thresholds(), || derived::is_current(conn))?;
        let needle = match route {
            Route::CompanyPositions { company } => {
                reads.took(Read::CompanyPositions);
                let total = self.company_total(conn)?;
                let in_window = company_positions::in_company_window(
                    company,
                    total,
                    ascending(self),
                    self.window,
                );
                let window = customers::table.into_boxed().filter(in_window);
                let rows = load(self.ordered(window), columns, conn)?;
                return Ok(Page::from_rows(
                    rows,
                    with_total.then_some(total),
                    self.window,
                ));
            }
            Route::IndexWindow(needle) => (Some(needle), true),
            Route::Filtered(needle) => (needle, false),
            Route::StoredPage | Route::Unfiltered => unreachable!("single statements"),
        };
        let (needle, windowed) = needle;
        // Counted along with the page when the index's ids were read to their end.
        let mut counted = None;
        let rows = match &needle {
            Some(needle) if windowed => {
                let (ids, total) = search_index::window_ids(
                    conn,
                    reads,
                    needle,
                    ascending(self),
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
                reads.took(filtered_read(needle.as_ref()));
                let window = self
                    .ordered(self.filtered(needle.as_ref()))
                    .offset(self.window.offset)
                    .limit(self.window.per_page);
                load(window, columns, conn)?
            }
        };
        let total = match (with_total, counted) {
            (false, _) => None,
            (true, Some(counted)) => {
                reads.count(Count::WithThePage);
                Some(counted)
            }
            (true, None) => Some(self.total(conn, reads, needle.as_ref())?),
        };
        Ok(Page::from_rows(rows, total, self.window))
    }

    /// How many customers the filters keep, from the cheapest source that knows (see
    /// [`Count`]), in the caller's snapshot; `needle` is the index's, when it serves.
    pub(super) fn total(
        &self,
        conn: &mut DbConnection,
        reads: &Reads,
        needle: Option<&Needle>,
    ) -> QueryResult<i64> {
        let index_only = needle.is_some() && self.only_substrings();
        match (self.is_unfiltered(), needle) {
            // Kept by the import in the same transaction as the rows: same snapshot, one row.
            (true, _) => {
                reads.count(Count::Kept);
                crate::db::stored_customers(conn)
            }
            (false, Some(needle)) if index_only => {
                reads.count(Count::FromTheIndex);
                search_index::count(conn, needle)
            }
            (false, None) if self.only_companies() => {
                reads.count(Count::FromCompanyCounts);
                self.company_total(conn)
            }
            (false, _) => {
                reads.count(Count::ByScan);
                self.filtered(needle).count().get_result(conn)
            }
        }
    }
}
