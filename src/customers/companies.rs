//! Companies by themselves: a page of them in the plugin's order (by name, descending, case
//! aside: WordPress lists company posts by title, descending by default) with their total, and
//! one by id.

use diesel::prelude::*;

use crate::customers::Company;
use crate::db::schema::companies;
use crate::db::DbConnection;

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
