//! The single-statement reads of an unfiltered page (`Route::Unfiltered`): its rows carry the
//! total the import keeps, and, in id order, their companies, so that one statement is the
//! page's snapshot and no transaction is opened (diesel parses `BEGIN` and `COMMIT` anew each
//! time).

use std::collections::HashMap;
use std::sync::Arc;

use diesel::prelude::*;

use crate::customers::derived::stored_json::{
    with_own_fields, with_own_json, OwnFieldsRow, OwnJsonRow,
};
use crate::customers::model::{Company, Customer, CustomerRow, SummaryRow};
use crate::customers::query::{CustomerQuery, Page};
use crate::customers::read::{own_fields_columns, own_json_columns, Columns};
use crate::customers::reads::Reads;
use crate::customers::sql::company_known;
use crate::customers::strategy::Read;
use crate::customers::window::{OrderBy, SortOrder};
use crate::db::schema::{companies, customers, dataset};
use crate::db::DbConnection;

impl CustomerQuery {
    /// An unfiltered page whose rows carry the total (kept by the import) as one more column:
    /// one statement is one snapshot, so no transaction to open (diesel parses `BEGIN` and
    /// `COMMIT` anew each time). `None` for a page past the end, which has no row to carry it.
    pub(super) fn unfiltered_page(
        &self,
        conn: &mut DbConnection,
        reads: &Reads,
        columns: Columns,
    ) -> QueryResult<Option<Page>> {
        let page = self.unfiltered_rows(conn, columns)?.map(|(page, _)| page);
        if page.is_some() {
            reads.took(Read::Unfiltered);
        }
        Ok(page)
    }

    /// The rows of an unfiltered page, carrying the total and the dataset version they were
    /// read from (constant columns, which SQLite reads once per statement), in one statement.
    fn unfiltered_rows(
        &self,
        conn: &mut DbConnection,
        columns: Columns,
    ) -> QueryResult<Option<(Page, Option<i64>)>> {
        let total = dataset::table.select(dataset::customers).single_value();
        let version = dataset::table.select(dataset::version).single_value();
        // Each arm its own statement type. In id order (every list's default) the type is
        // static, and diesel finds its prepared statement by it; a boxed query's is found by
        // its SQL text, written out on every execution.
        macro_rules! rows {
            ($ordered:expr) => {{
                let window = $ordered
                    .offset(self.window.offset)
                    .limit(self.window.per_page);
                match columns {
                    Columns::All => window
                        .select((CustomerRow::as_select(), total, version))
                        .load::<(CustomerRow, Option<i64>, Option<i64>)>(conn)?
                        .into_iter()
                        .map(|(row, total, version)| {
                            Ok(((row.into_customer()?, false), total, version))
                        })
                        .collect::<QueryResult<Vec<_>>>()?,
                    Columns::Summary => window
                        .select((SummaryRow::as_select(), total, version))
                        .load::<(SummaryRow, Option<i64>, Option<i64>)>(conn)?
                        .into_iter()
                        .map(|(row, total, version)| ((row.into_customer(), false), total, version))
                        .collect(),
                    Columns::AllKnowingCompany => window
                        .select((CustomerRow::as_select(), company_known(), total, version))
                        .load::<(CustomerRow, bool, Option<i64>, Option<i64>)>(conn)?
                        .into_iter()
                        .map(|(row, known, total, version)| {
                            Ok(((row.into_customer()?, known), total, version))
                        })
                        .collect::<QueryResult<Vec<_>>>()?,
                    Columns::OwnJson => window
                        .select((own_json_columns(), total, version))
                        .load::<(OwnJsonRow, Option<i64>, Option<i64>)>(conn)?
                        .into_iter()
                        .map(|(row, total, version)| {
                            Ok(((with_own_json(row)?, false), total, version))
                        })
                        .collect::<QueryResult<Vec<_>>>()?,
                    Columns::OwnFields => window
                        .select((own_fields_columns(), total, version))
                        .load::<(OwnFieldsRow, Option<i64>, Option<i64>)>(conn)?
                        .into_iter()
                        .map(|(row, total, version)| {
                            Ok(((with_own_fields(row)?, false), total, version))
                        })
                        .collect::<QueryResult<Vec<_>>>()?,
                }
            }};
        }
        type Row = ((Customer, bool), Option<i64>, Option<i64>);
        let rows: Vec<Row> = match (self.order_by, self.order) {
            (OrderBy::Id, SortOrder::Desc) => rows!(customers::table.order(customers::id.desc())),
            (OrderBy::Id, SortOrder::Asc) => rows!(customers::table.order(customers::id.asc())),
            _ => rows!(self.ordered(customers::table.into_boxed())),
        };
        let Some(&(_, total, version)) = rows.first() else {
            return Ok(None);
        };
        let rows = rows.into_iter().map(|(row, _, _)| row).collect();
        Ok(Some((Page::from_rows(rows, total, self.window), version)))
    }

    /// An unfiltered page in id order with its companies: its rows carry the total and the
    /// dataset version, and the companies come from those held for that version
    /// ([`Read::UnfilteredCompaniesHeld`]); else (none held, or an import landed between the
    /// two) one statement joins each row to its company ([`Read::Unfiltered`]). `None` past
    /// the end, as [`CustomerQuery::unfiltered_page`].
    pub(super) fn unfiltered_with_companies(
        &self,
        conn: &mut DbConnection,
        reads: &Reads,
        columns: Columns,
    ) -> QueryResult<Option<Page>> {
        let limit = reads.thresholds().companies_held;
        if limit > 0 {
            let Some((mut page, version)) = self.unfiltered_rows(conn, columns)? else {
                return Ok(None);
            };
            if let Some(version) = version {
                let held = reads.companies.of(conn, limit, version, &page.customers)?;
                if let Some(companies) = held {
                    reads.took(Read::UnfilteredCompaniesHeld);
                    page.companies = companies;
                    return Ok(Some(page));
                }
            }
        }
        let page = self.unfiltered_joined(conn, columns)?;
        if page.is_some() {
            reads.took(Read::Unfiltered);
        }
        Ok(page)
    }

    /// An unfiltered page in id order with its companies, in one statement: each row carries
    /// its company (a left join) and the total, where reading the companies after the rows
    /// takes a second statement and a transaction around both. `None` past the end, as
    /// [`CustomerQuery::unfiltered_page`].
    fn unfiltered_joined(
        &self,
        conn: &mut DbConnection,
        columns: Columns,
    ) -> QueryResult<Option<Page>> {
        let total = dataset::table.select(dataset::customers).single_value();
        let joined = customers::table
            .left_join(companies::table.on(companies::id.eq(customers::company_id)));
        macro_rules! rows {
            ($ordered:expr) => {{
                let window = $ordered
                    .offset(self.window.offset)
                    .limit(self.window.per_page);
                let company = Option::<Company>::as_select();
                match columns {
                    Columns::Summary => window
                        .select((SummaryRow::as_select(), company, total))
                        .load::<(SummaryRow, Option<Company>, Option<i64>)>(conn)?
                        .into_iter()
                        .map(|(row, company, total)| Ok((row.into_customer(), company, total)))
                        .collect::<QueryResult<Vec<_>>>()?,
                    // The companies read, whether each exists is known too.
                    Columns::All | Columns::AllKnowingCompany => window
                        .select((CustomerRow::as_select(), company, total))
                        .load::<(CustomerRow, Option<Company>, Option<i64>)>(conn)?
                        .into_iter()
                        .map(|(row, company, total)| Ok((row.into_customer()?, company, total)))
                        .collect::<QueryResult<Vec<_>>>()?,
                    Columns::OwnFields => window
                        .select((own_fields_columns(), company, total))
                        .load::<(OwnFieldsRow, Option<Company>, Option<i64>)>(conn)?
                        .into_iter()
                        .map(|(row, company, total)| Ok((with_own_fields(row)?, company, total)))
                        .collect::<QueryResult<Vec<_>>>()?,
                    Columns::OwnJson => {
                        unreachable!("REST renderings never read companies this way")
                    }
                }
            }};
        }
        let rows: Vec<(Customer, Option<Company>, Option<i64>)> = match self.order {
            SortOrder::Desc => rows!(joined.order(customers::id.desc())),
            SortOrder::Asc => rows!(joined.order(customers::id.asc())),
        };
        let Some(total) = rows.first().map(|(_, _, total)| *total) else {
            return Ok(None);
        };
        let mut companies = HashMap::new();
        let mut customers = Vec::with_capacity(rows.len());
        for (customer, company, _) in rows {
            if let Some(company) = company {
                companies.insert(company.id, Arc::new(company));
            }
            customers.push((customer, false));
        }
        let mut page = Page::from_rows(customers, total, self.window);
        page.companies = companies;
        Ok(Some(page))
    }
}
