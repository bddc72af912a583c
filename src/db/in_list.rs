//! Filters whose SQL text never changes, so their statements stay prepared: a list bound as
//! one JSON array (`expr IN (SELECT value FROM json_each(?))`), and the substring index's
//! `customer_search MATCH ?`. diesel's `eq_any` writes one `?` per value, and its `sql()`
//! literals and `sql_query` mark a statement as not cacheable: each of those is parsed and
//! planned again on every request (a tenth of an uncached list's time, measured).

use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{Bool, HasSqlType, Text};
use diesel::QueryResult;

use crate::db::schema::customer_search;

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
    DB: Backend + HasSqlType<Text>,
    String: ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("customer_search MATCH ");
        out.push_bind_param::<Text, String>(&self.fts)
    }
}

// Valid wherever the index's columns are (its own table, or a subselect inside a query on
// customers).
impl<QS> AppearsOnTable<QS> for SearchMatch where customer_search::rowid: AppearsOnTable<QS> {}

impl<QS> SelectableExpression<QS> for SearchMatch where
    customer_search::rowid: SelectableExpression<QS>
{
}

impl<GB> ValidGrouping<GB> for SearchMatch {
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
