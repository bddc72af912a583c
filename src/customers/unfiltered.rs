//! The single-statement reads of an unfiltered page (`Route::Unfiltered`): its rows carry the
//! total the import keeps, and, in id order, their companies, so that one statement is the
//! page's snapshot and no transaction is opened (diesel parses `BEGIN` and `COMMIT` anew each
//! time).

use std::collections::HashMap;

use diesel::prelude::*;

use crate::customers::derived::stored_json::{
    with_own_fields, with_own_json, OwnFieldsRow, OwnJsonRow,
};
use crate::customers::model::{Company, Customer, CustomerRow, SummaryRow};
use crate::customers::query::{CustomerQuery, Page};
use crate::customers::read::{own_fields_columns, own_json_columns, Columns};
use crate::customers::sql::company_known;
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
        columns: Columns,
    ) -> QueryResult<Option<Page>> {
        let total = dataset::table.select(dataset::customers).single_value();
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
                    Columns::OwnFields => window
                        .select((own_fields_columns(), total))
                        .load::<(OwnFieldsRow, Option<i64>)>(conn)?
                        .into_iter()
                        .map(|(row, total)| Ok(((with_own_fields(row)?, false), total)))
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

    /// An unfiltered page in id order with its companies, in one statement: each row carries
    /// its company (a left join) and the total, where reading the companies after the rows
    /// takes a second statement and a transaction around both. `None` past the end, as
    /// [`CustomerQuery::unfiltered_page`].
    pub(super) fn unfiltered_with_companies(
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
                companies.insert(company.id, company);
            }
            customers.push((customer, false));
        }
        let mut page = Page::from_rows(customers, total, self.window);
        page.companies = companies;
        Ok(Some(page))
    }
}
