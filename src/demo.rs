//! The bundled demo dataset (`data/`), loaded through the ordinary import path when a server
//! starts on an empty database, so a fresh clone has something to query.

use diesel::prelude::*;

use crate::db::schema::{companies, customers};
use crate::db::DbConnection;
use crate::import::{self, ImportError, ImportSummary, Input};

const CUSTOMERS: &[u8] = include_bytes!("../data/customers.jsonl");
const COMPANIES: &[u8] = include_bytes!("../data/companies.jsonl");

/// Loads the demo data when there are neither customers nor companies; `None` when the
/// database already holds data (which is never touched).
pub fn load_if_empty(conn: &mut DbConnection) -> Result<Option<ImportSummary>, ImportError> {
    let customers: i64 = customers::table.count().get_result(conn)?;
    let companies: i64 = companies::table.count().get_result(conn)?;
    if customers + companies > 0 {
        return Ok(None);
    }
    import::import(
        conn,
        Input::from_bytes("data/customers.jsonl", CUSTOMERS),
        Some(Input::from_bytes("data/companies.jsonl", COMPANIES)),
        false,
    )
    .map(Some)
}
