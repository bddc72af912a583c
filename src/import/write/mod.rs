//! Inserting checked records: a batch at a time in the common case, one at a time to name
//! the records behind a uniqueness failure.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::de::DeserializeOwned;

use crate::db::DbConnection;
use crate::import::reader::Location;
use crate::import::records::FieldProblem;
use crate::import::ImportOptions;

/// One kind of data file: how a record is checked and written, with what the writing needs
/// to remember between batches.
pub(crate) trait RecordKind: Sized {
    /// The record as parsed, before its fields are checked.
    type Raw: DeserializeOwned + Send;
    /// The record as its rows, built on the parsing thread so that the writing one only binds
    /// (and hashed there, for the dataset's digest).
    type Record: Send + std::hash::Hash;
    /// Which table its records go to, in the digest: a company and a customer with the same
    /// fields are different content.
    const KIND: &'static str;

    fn check(raw: Self::Raw) -> Result<Self::Record, Vec<FieldProblem>>;

    /// Prepares the connection for a file of these records (inside the import's transaction).
    fn start(conn: &mut DbConnection, options: ImportOptions) -> Result<Self, DieselError>;

    /// Writes every record, or fails as a whole (the caller wraps it in a savepoint).
    fn insert_batch(
        &mut self,
        conn: &mut DbConnection,
        records: &[(Location, &Self::Record)],
    ) -> Result<(), DieselError>;

    /// Writes one record; a uniqueness failure comes back as problems naming the field.
    fn insert_one(
        &mut self,
        conn: &mut DbConnection,
        location: Location,
        record: &Self::Record,
    ) -> Result<Vec<FieldProblem>, DieselError>;

    /// Completes the file once every record is written, returning the problems that only the
    /// whole file shows.
    fn finish(
        &mut self,
        _conn: &mut DbConnection,
    ) -> Result<Vec<(Location, FieldProblem)>, DieselError> {
        Ok(Vec::new())
    }
}

pub(super) fn is_unique_violation<T>(result: &Result<T, DieselError>) -> bool {
    matches!(
        result,
        Err(DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            _
        ))
    )
}

/// The problem of a record whose id an earlier record (or the stored data) already has.
pub(super) fn duplicate_id(kind: &str, id: i32) -> Vec<FieldProblem> {
    vec![FieldProblem {
        field: "id".into(),
        message: format!("{kind} {id} appears more than once"),
    }]
}

pub(super) fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).expect("strings always serialize")
}

/// Multi-row INSERTs of a fixed number of rows: diesel prepares a statement of a given size
/// once and keeps it (one built from a `Vec` is compiled anew every time), so a batch is only
/// bound. Rows left over go in one statement of their own.
macro_rules! insert_in_chunks {
    ($conn:expr, $table:expr, $rows:expr, $n:expr) => {{
        let rows = $rows;
        let mut chunks = rows.chunks_exact($n);
        for chunk in &mut chunks {
            let fixed: [_; $n] = std::array::from_fn(|i| chunk[i]);
            diesel::insert_into($table).values(fixed).execute($conn)?;
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            diesel::insert_into($table)
                .values(rest.to_vec())
                .execute($conn)?;
        }
    }};
}

mod companies;
mod customers;

pub(crate) use companies::Companies;
pub(crate) use customers::Customers;
