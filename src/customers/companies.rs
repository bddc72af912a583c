//! Companies by themselves: a page of them in the plugin's order (by name, descending, case
//! aside: WordPress lists company posts by title, descending by default) with their total, a
//! page of them as GraphQL asks (ids, a name needle, by id or name), and one by id.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use crate::customers::model::register_fold_case;
use crate::customers::{fold_case, Company, SortOrder, Window};
use crate::db::schema::companies;
use crate::db::{in_json, DbConnection};

/// What a list of companies is sorted by; ties go by id in the same direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CompanyOrderBy {
    Id,
    /// The name, case-insensitively (for all of Unicode), code point by code point.
    #[default]
    Name,
}

/// A companies list request: filters combine with AND; an empty `include` is no filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyQuery {
    pub include: Vec<i32>,
    /// Case-insensitive substring of the name.
    pub name: Option<String>,
    pub order: SortOrder,
    pub order_by: CompanyOrderBy,
    pub window: Window,
}

impl CompanyQuery {
    /// The page the query picks, and how many companies match in all when `with_total`; one
    /// snapshot.
    pub fn page(
        &self,
        conn: &mut DbConnection,
        with_total: bool,
    ) -> QueryResult<(Vec<Company>, Option<i64>)> {
        register_fold_case(conn)?;
        conn.transaction(|conn| {
            let companies = self
                .ordered(self.filtered())
                .limit(self.window.per_page)
                .offset(self.window.offset)
                .select(Company::as_select())
                .load(conn)?;
            let total = if with_total {
                Some(self.filtered().count().get_result(conn)?)
            } else {
                None
            };
            Ok((companies, total))
        })
    }

    fn filtered(&self) -> companies::BoxedQuery<'_, crate::db::Backend> {
        let mut query = companies::table.into_boxed();
        if !self.include.is_empty() {
            query = query.filter(in_json(companies::id, &self.include));
        }
        if let Some(name) = &self.name {
            // `instr`, not LIKE: the needle is literal, and both sides are folded alike.
            query = query.filter(
                sql::<Bool>("instr(kbs_fold_case(companies.name), ")
                    .bind::<Text, _>(fold_case(name))
                    .sql(") > 0"),
            );
        }
        query
    }

    fn ordered<'a>(
        &self,
        query: companies::BoxedQuery<'a, crate::db::Backend>,
    ) -> companies::BoxedQuery<'a, crate::db::Backend> {
        let folded_name = || sql::<Text>("kbs_fold_case(companies.name)");
        match (self.order_by, self.order) {
            (CompanyOrderBy::Id, SortOrder::Asc) => query.order(companies::id.asc()),
            (CompanyOrderBy::Id, SortOrder::Desc) => query.order(companies::id.desc()),
            (CompanyOrderBy::Name, SortOrder::Asc) => {
                query.order((folded_name().asc(), companies::id.asc()))
            }
            (CompanyOrderBy::Name, SortOrder::Desc) => {
                query.order((folded_name().desc(), companies::id.desc()))
            }
        }
    }
}

/// A page of companies and how many there are in all.
pub struct CompanyPage {
    pub companies: Vec<Company>,
    pub total: i64,
}

impl CompanyPage {
    /// Page `page` (from 1) of `per_page` companies.
    pub fn read(conn: &mut DbConnection, page: i64, per_page: i64) -> QueryResult<CompanyPage> {
        let total = companies::table.count().get_result(conn)?;
        let companies = companies::table
            .order((
                diesel::dsl::sql::<diesel::sql_types::Text>("name COLLATE NOCASE").desc(),
                companies::id.desc(),
            ))
            .limit(per_page)
            .offset((page - 1).saturating_mul(per_page))
            .select(Company::as_select())
            .load(conn)?;
        Ok(CompanyPage { companies, total })
    }

    pub fn total_pages(&self, per_page: i64) -> i64 {
        (self.total + per_page - 1) / per_page
    }
}

/// The company with this id, if there is one.
pub fn company(conn: &mut DbConnection, id: i32) -> QueryResult<Option<Company>> {
    companies::table
        .find(id)
        .select(Company::as_select())
        .first(conn)
        .optional()
}
