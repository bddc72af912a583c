//! The customers of several companies at once, each company its own page of the same query:
//! one statement for every page's ids (a correlated subquery per company, each read as the
//! page of one company's customers would be), one for their rows, and one for the totals
//! when asked — whatever the number of companies, so that a list of companies showing their
//! customers costs a fixed number of statements, not one per company.

use std::collections::HashMap;

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Bool, Integer};

use crate::customers::model::CustomerRow;
use crate::customers::reads::Reads;
use crate::customers::seek::{Seek, SeekPage};
use crate::customers::strategy::Read;
use crate::customers::{fold_case, Customer, CustomerQuery, OrderBy, Page, SortOrder};
use crate::db::schema::{company_counts, customers};
use crate::db::{in_json, Backend, DbConnection};

impl CustomerQuery {
    /// The page this query (whose own `companies` filter is ignored) picks among each
    /// company's customers, by company id; a company with no such customers has an empty page.
    /// With `seek`, each page is the keyset page it asks for among that company's customers
    /// (and `more` says whether more lie beyond it; without, `more` is false).
    pub fn pages_by_company(
        &self,
        conn: &mut DbConnection,
        reads: &Reads,
        company_ids: &[i32],
        seek: Option<&Seek>,
        with_total: bool,
    ) -> QueryResult<HashMap<i32, SeekPage>> {
        reads.took(Read::CompanyPages);
        let query = CustomerQuery {
            companies: Vec::new(),
            ..self.clone()
        };
        let reading = seek.map_or_else(|| query.clone(), |seek| seek.reading(&query));
        let mut ids: Vec<i32> = company_ids.iter().copied().filter(|&id| id != 0).collect();
        ids.sort_unstable();
        ids.dedup();
        conn.transaction(|conn| {
            let members: Vec<(i32, i32)> = PagesOfCompanies {
                companies: serde_json::to_string(&ids).expect("ids serialize"),
                page: reading.page_of_one_company(seek),
            }
            .load(conn)?;
            let member_ids: Vec<i32> = members.iter().map(|&(_, customer)| customer).collect();
            let mut rows: HashMap<i32, Customer> = customers::table
                .filter(in_json(customers::id, &member_ids))
                .select(CustomerRow::as_select())
                .load::<CustomerRow>(conn)?
                .into_iter()
                .map(|row| row.into_customer().map(|c| (c.id, c)))
                .collect::<QueryResult<_>>()?;
            let totals = if with_total {
                Some(query.totals_by_company(conn, &ids)?)
            } else {
                None
            };
            let mut pages: HashMap<i32, Page> = ids
                .iter()
                .map(|&id| {
                    let total = totals.as_ref().map(|t| t.get(&id).copied().unwrap_or(0));
                    (id, Page::of(Vec::new(), total, query.window))
                })
                .collect();
            for (company, customer) in members {
                if let (Some(page), Some(customer)) =
                    (pages.get_mut(&company), rows.remove(&customer))
                {
                    page.customers.push(customer);
                }
            }
            Ok(pages
                .into_iter()
                .map(|(id, mut page)| {
                    // In the order read, then as a keyset page finishes.
                    reading.sort(&mut page.customers);
                    let more = match seek {
                        Some(seek) => {
                            let (customers, more) =
                                seek.finish(std::mem::take(&mut page.customers));
                            page.customers = customers;
                            more
                        }
                        None => false,
                    };
                    (id, SeekPage { page, more })
                })
                .collect())
        })
    }

    /// The ids of one company's page, that company being the outer statement's `companies`
    /// row: the filters, the order and the window of a page of customers; with `seek`, the
    /// customers past its position (one more than it asks for, to know whether more follow).
    fn page_of_one_company(&self, seek: Option<&Seek>) -> impl QueryFragment<Backend> + '_ {
        let correlated = sql::<Bool>("customers.company_id = companies.id");
        let mut filtered = self.filtered(None).filter(correlated);
        let (limit, offset) = match seek {
            None => (self.window.per_page, self.window.offset),
            Some(seek) => {
                if let Some(from) = &seek.from {
                    filtered = filtered.filter(self.beyond(from));
                }
                (seek.count + 1, 0)
            }
        };
        self.ordered(filtered)
            .limit(limit)
            .offset(offset)
            .select(customers::id)
    }

    /// How many customers of each company the filters keep: the counts the import keeps when
    /// there are no filters, else one grouped count.
    fn totals_by_company(
        &self,
        conn: &mut DbConnection,
        ids: &[i32],
    ) -> QueryResult<HashMap<i32, i64>> {
        let counted: Vec<(i32, i64)> = if self.is_unfiltered() {
            company_counts::table
                .filter(in_json(company_counts::company_id, ids))
                .select((company_counts::company_id, company_counts::customers))
                .load(conn)?
        } else {
            let correlated = sql::<Bool>("customers.company_id = companies.id");
            CountsOfCompanies {
                companies: serde_json::to_string(ids).expect("ids serialize"),
                count: self
                    .filtered(None)
                    .filter(correlated)
                    .select(diesel::dsl::count_star()),
            }
            .load(conn)?
        };
        Ok(counted.into_iter().collect())
    }

    /// Orders customers as the page's statement does: its key (as stored: names and emails
    /// folded), then id, in one direction.
    fn sort(&self, customers: &mut [Customer]) {
        customers.sort_by(|a, b| {
            let by_key = match self.order_by {
                OrderBy::Id => std::cmp::Ordering::Equal,
                OrderBy::UserId => a.user_id.cmp(&b.user_id),
                OrderBy::Name => fold_case(&a.name).cmp(&fold_case(&b.name)),
                OrderBy::Email => fold_case(&a.email).cmp(&fold_case(&b.email)),
                OrderBy::CompanyId => a.company_id.cmp(&b.company_id),
                OrderBy::Date => a.date_created.cmp(&b.date_created),
            };
            let order = by_key.then(a.id.cmp(&b.id));
            match self.order {
                SortOrder::Asc => order,
                SortOrder::Desc => order.reverse(),
            }
        });
    }
}

/// `SELECT companies.id, page.id FROM companies JOIN customers AS page ON page.id IN (<one
/// company's page>) WHERE companies.id IN (<ids>)`: SQLite runs the page's subquery once per
/// company, each a walk of that company's customers as far as its window.
struct PagesOfCompanies<P> {
    /// The company ids as a JSON array.
    companies: String,
    page: P,
}

impl<P> QueryId for PagesOfCompanies<P> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<P> Query for PagesOfCompanies<P> {
    type SqlType = (Integer, Integer);
}

impl<P: QueryFragment<Backend>> QueryFragment<Backend> for PagesOfCompanies<P> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
        out.push_sql(
            "SELECT companies.id, page.id FROM companies JOIN customers AS page ON page.id IN (",
        );
        self.page.walk_ast(out.reborrow())?;
        out.push_sql(") WHERE companies.id IN (SELECT value FROM json_each(");
        out.push_bind_param::<diesel::sql_types::Text, _>(&self.companies)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<P> RunQueryDsl<DbConnection> for PagesOfCompanies<P> {}

/// `SELECT companies.id, (<count of one company's customers>) FROM companies WHERE
/// companies.id IN (<ids>)`: one count per company, in one statement.
struct CountsOfCompanies<C> {
    /// The company ids as a JSON array.
    companies: String,
    count: C,
}

impl<C> QueryId for CountsOfCompanies<C> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C> Query for CountsOfCompanies<C> {
    type SqlType = (Integer, BigInt);
}

impl<C: QueryFragment<Backend>> QueryFragment<Backend> for CountsOfCompanies<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
        out.push_sql("SELECT companies.id, (");
        self.count.walk_ast(out.reborrow())?;
        out.push_sql(") FROM companies WHERE companies.id IN (SELECT value FROM json_each(");
        out.push_bind_param::<diesel::sql_types::Text, _>(&self.companies)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C> RunQueryDsl<DbConnection> for CountsOfCompanies<C> {}
