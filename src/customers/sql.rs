//! The SQL pieces the query core's parts share: a filter on customers' rows, and whether a
//! row's company exists.

use diesel::prelude::*;

use crate::db::schema::{companies, customers};
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
