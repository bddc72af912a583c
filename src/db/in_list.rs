//! `expr IN (<one-parameter subquery>)`, as a diesel expression whose SQL text never changes:
//! a list bound as one JSON array (`json_each`), or the substring index's matches for one FTS5
//! query. diesel's `eq_any` writes one `?` per value, and its `sql()` literals and
//! `sql_query` mark a statement as not cacheable: each of those is parsed and planned again on
//! every request (a tenth of an uncached list's time, measured). These stay prepared.

use std::marker::PhantomData;

use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{Bool, Text};
use diesel::QueryResult;

/// The subquery an [`InList`] tests against, given its one text parameter.
pub trait Subquery {
    /// SQL before the parameter.
    const BEFORE: &'static str;
    /// SQL after it.
    const AFTER: &'static str;
}

/// The values of a JSON array.
#[derive(Debug, Clone, Copy, QueryId)]
pub struct JsonValues;

impl Subquery for JsonValues {
    const BEFORE: &'static str = "SELECT value FROM json_each(";
    const AFTER: &'static str = ")";
}

/// The customer ids the substring index matches for an FTS5 query.
#[derive(Debug, Clone, Copy, QueryId)]
pub struct SearchMatches;

impl Subquery for SearchMatches {
    const BEFORE: &'static str = "SELECT rowid FROM customer_search WHERE customer_search MATCH ";
    const AFTER: &'static str = "";
}

/// `expr IN (subquery(parameter))`.
#[derive(Debug, Clone, QueryId)]
pub struct InList<E, S> {
    expr: E,
    parameter: String,
    subquery: PhantomData<S>,
}

/// `expr` is one of `values` (bound as one JSON array).
pub fn in_json<E, T: serde::Serialize>(expr: E, values: &[T]) -> InList<E, JsonValues> {
    InList {
        expr,
        parameter: serde_json::to_string(values).expect("a list of plain values serializes"),
        subquery: PhantomData,
    }
}

/// `expr` is a customer id the substring index matches for the FTS5 query `fts`.
pub fn in_search<E>(expr: E, fts: String) -> InList<E, SearchMatches> {
    InList {
        expr,
        parameter: fts,
        subquery: PhantomData,
    }
}

impl<E: Expression, S> Expression for InList<E, S> {
    type SqlType = Bool;
}

impl<E, S, DB> QueryFragment<DB> for InList<E, S>
where
    DB: Backend,
    E: QueryFragment<DB>,
    S: Subquery,
    String: ToSql<Text, DB>,
    DB: diesel::sql_types::HasSqlType<Text>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.expr.walk_ast(out.reborrow())?;
        out.push_sql(" IN (");
        out.push_sql(S::BEFORE);
        out.push_bind_param::<Text, String>(&self.parameter)?;
        out.push_sql(S::AFTER);
        out.push_sql(")");
        Ok(())
    }
}

impl<E: AppearsOnTable<QS>, S, QS> AppearsOnTable<QS> for InList<E, S> {}

/// `customer_search MATCH ?`: the rows of the substring index that an FTS5 query matches.
#[derive(Debug, Clone, QueryId)]
pub struct SearchMatch {
    fts: String,
}

/// The substring index's rows matching the FTS5 query `fts` (a filter on `customer_search`).
pub fn search_matches(fts: String) -> SearchMatch {
    SearchMatch { fts }
}

impl Expression for SearchMatch {
    type SqlType = Bool;
}

impl<DB> QueryFragment<DB> for SearchMatch
where
    DB: Backend + diesel::sql_types::HasSqlType<Text>,
    String: ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("customer_search MATCH ");
        out.push_bind_param::<Text, String>(&self.fts)
    }
}

impl AppearsOnTable<crate::db::schema::customer_search::table> for SearchMatch {}

impl SelectableExpression<crate::db::schema::customer_search::table> for SearchMatch {}

impl<GB> ValidGrouping<GB> for SearchMatch {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl<E: SelectableExpression<QS>, S, QS> SelectableExpression<QS> for InList<E, S> {}

impl<E: ValidGrouping<GB>, S, GB> ValidGrouping<GB> for InList<E, S> {
    type IsAggregate = E::IsAggregate;
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::query_builder::QueryFragment;
    use diesel::sqlite::Sqlite;

    use super::{in_json, in_search};
    use crate::db::schema::customers;

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

        let search = customers::table.filter(in_search(customers::id, "name : \"x\"".into()));
        assert!(cacheable(&search));
        assert!(sql(&search).contains("customer_search MATCH ?"));
    }
}
