//! Filters whose SQL text never changes, so their statements stay prepared: a list bound as
//! one JSON array (`expr IN (SELECT value FROM json_each(?))`), and the substring indexes'
//! `customer_search MATCH ?` (and `customer_name_search MATCH ?`). diesel's `eq_any` writes
//! one `?` per value, and its `sql()` literals and `sql_query` mark a statement as not
//! cacheable: each of those is parsed and planned again on every request (a tenth of an
//! uncached list's time, measured).

use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{Bool, HasSqlType, Text};
use diesel::QueryResult;

use std::marker::PhantomData;

use crate::db::schema::{customer_name_search, customer_search};

/// `expr IN (SELECT value FROM json_each(list))`.
#[derive(Debug, Clone, QueryId)]
pub struct InList<E> {
    expr: E,
    list: String,
}

/// `expr` is one of `values` (bound as one JSON array).
pub fn in_json<E, T: serde::Serialize>(expr: E, values: &[T]) -> InList<E> {
    InList {
        expr,
        list: serde_json::to_string(values).expect("a list of plain values serializes"),
    }
}

impl<E: Expression> Expression for InList<E> {
    type SqlType = Bool;
}

impl<E, DB> QueryFragment<DB> for InList<E>
where
    DB: Backend + HasSqlType<Text>,
    E: QueryFragment<DB>,
    String: ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.expr.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, String>(&self.list)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<E: AppearsOnTable<QS>, QS> AppearsOnTable<QS> for InList<E> {}

impl<E: SelectableExpression<QS>, QS> SelectableExpression<QS> for InList<E> {}

impl<E: ValidGrouping<GB>, GB> ValidGrouping<GB> for InList<E> {
    type IsAggregate = E::IsAggregate;
}

/// An FTS5 table that a [`SearchMatch`] filters.
pub trait FtsTable {
    const NAME: &'static str;
    /// Its rowid column: the filter is valid wherever that column is.
    type Rowid;
}

impl FtsTable for customer_search::table {
    const NAME: &'static str = "customer_search";
    type Rowid = customer_search::rowid;
}

impl FtsTable for customer_name_search::table {
    const NAME: &'static str = "customer_name_search";
    type Rowid = customer_name_search::rowid;
}

/// `<table> MATCH ?`: the rows of an FTS5 table that an FTS5 query matches.
#[derive(Debug, Clone, QueryId)]
pub struct SearchMatch<T> {
    fts: String,
    table: PhantomData<T>,
}

/// The substring index's rows matching the FTS5 query `fts` (a filter on `customer_search`).
pub fn search_matches(fts: String) -> SearchMatch<customer_search::table> {
    SearchMatch {
        fts,
        table: PhantomData,
    }
}

/// The distinct names matching the FTS5 query `fts` (a filter on `customer_name_search`).
pub fn name_matches(fts: String) -> SearchMatch<customer_name_search::table> {
    SearchMatch {
        fts,
        table: PhantomData,
    }
}

impl<T> Expression for SearchMatch<T> {
    type SqlType = Bool;
}

impl<T, DB> QueryFragment<DB> for SearchMatch<T>
where
    T: FtsTable,
    DB: Backend + HasSqlType<Text>,
    String: ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(T::NAME);
        out.push_sql(" MATCH ");
        out.push_bind_param::<Text, String>(&self.fts)
    }
}

// Valid wherever the table's columns are (its own table, or a subselect inside a query on
// another).
impl<T: FtsTable, QS> AppearsOnTable<QS> for SearchMatch<T> where T::Rowid: AppearsOnTable<QS> {}

impl<T: FtsTable, QS> SelectableExpression<QS> for SearchMatch<T> where
    T::Rowid: SelectableExpression<QS>
{
}

impl<T, GB> ValidGrouping<GB> for SearchMatch<T> {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::query_builder::QueryFragment;
    use diesel::sqlite::Sqlite;

    use super::{in_json, search_matches};
    use crate::db::schema::{customer_search, customers};

    fn cacheable(query: &impl QueryFragment<Sqlite>) -> bool {
        QueryFragment::<Sqlite>::is_safe_to_cache_prepared(query, &Sqlite).unwrap()
    }

    fn sql(query: &impl QueryFragment<Sqlite>) -> String {
        diesel::debug_query::<Sqlite, _>(query)
            .to_string()
            .split(" -- binds:")
            .next()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn lists_of_any_length_share_one_cacheable_statement() {
        let one = customers::table.filter(in_json(customers::id, &[1]));
        let three = customers::table.filter(in_json(customers::id, &[1, 2, 3]));
        assert_eq!(sql(&one), sql(&three));
        assert_eq!(sql(&three).matches('?').count(), 1);
        assert!(cacheable(&three));
        // What it replaces: one parameter per value, and a statement diesel will not keep.
        let eq_any = customers::table.filter(customers::id.eq_any([1, 2, 3]));
        assert!(!cacheable(&eq_any));

        // The substring filter: a subselect over the index, cacheable too.
        let search = customers::table.filter(
            customers::id.eq_any(
                customer_search::table
                    .select(customer_search::rowid)
                    .filter(search_matches("name : \"x\"".into())),
            ),
        );
        assert!(cacheable(&search));
        assert!(sql(&search).contains("customer_search MATCH ?"));
    }
}
