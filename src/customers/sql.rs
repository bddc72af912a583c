//! The SQL pieces the query core's parts share: a filter on customers' rows, whether a row's
//! company exists, and whether the derived data holds the dataset a statement reads.

use diesel::backend::Backend as AnyBackend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::Bool;

use crate::db::schema::{companies, customer_json, customers, search_index};
use crate::db::Backend;

/// A filter on the customers (their rows as a query's WHERE sees them).
pub(crate) type CustomersFilter =
    Box<dyn BoxableExpression<customers::table, Backend, SqlType = diesel::sql_types::Bool>>;

/// Whether the row's company exists.
pub(crate) type CompanyKnown = diesel::dsl::exists<
    diesel::dsl::Filter<companies::table, diesel::dsl::Eq<companies::id, customers::company_id>>,
>;

pub(crate) fn company_known() -> CompanyKnown {
    diesel::dsl::exists(companies::table.filter(companies::id.eq(customers::company_id)))
}

/// "The derived data holds the dataset this statement reads": the one currency check, whether
/// it is asked alone (`derived::is_current`, inside the read's transaction) or inside a
/// statement (the stored renderings), where it sees the same snapshot and SQLite evaluates it
/// once per statement.
const CURRENT: &str = "(SELECT version FROM search_index) = (SELECT version FROM dataset)";

/// [`CURRENT`] as an expression. Fixed SQL text with a type of its own, so that statements
/// holding it keep their prepared form.
#[derive(Debug, Clone, Copy, QueryId, ValidGrouping)]
pub(crate) struct Current;

impl Expression for Current {
    type SqlType = Bool;
}

impl<DB: AnyBackend> QueryFragment<DB> for Current {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(CURRENT);
        Ok(())
    }
}

impl AppearsOnTable<customer_json::table> for Current {}

impl SelectableExpression<customer_json::table> for Current {}

// Asked alone, it is selected from the one row of the build's progress.
impl AppearsOnTable<search_index::table> for Current {}

impl SelectableExpression<search_index::table> for Current {}
