//! Inserting checked records: a batch at a time in the common case, one at a time to name
//! the records behind a uniqueness failure.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{BigInt, Integer, Text};
use serde::de::DeserializeOwned;

use crate::customers::fold_case;
use crate::db::schema::{companies, customers};
use crate::db::DbConnection;
use crate::import::reader::Location;
use crate::import::records::{
    self, CompanyRecord, CustomerRecord, FieldProblem, RawCompany, RawCustomer,
};

/// One kind of data file: how a record is checked and written.
pub(crate) trait RecordKind {
    /// The record as parsed, before its fields are checked.
    type Raw: DeserializeOwned + Send;
    /// The record as its rows, built on the parsing thread so that the writing one only binds.
    type Record: Send;

    fn check(raw: &Self::Raw) -> Result<Self::Record, Vec<FieldProblem>>;

    /// Prepares the connection for a file of these records (inside the import's transaction).
    fn start(_conn: &mut DbConnection) -> Result<(), DieselError> {
        Ok(())
    }

    /// Writes every record, or fails as a whole (the caller wraps it in a savepoint).
    fn insert_batch(
        conn: &mut DbConnection,
        records: &[(Location, &Self::Record)],
    ) -> Result<(), DieselError>;

    /// Writes one record; a uniqueness failure comes back as problems naming the field.
    fn insert_one(
        conn: &mut DbConnection,
        location: Location,
        record: &Self::Record,
    ) -> Result<Vec<FieldProblem>, DieselError>;

    /// Completes the file once every record is written, returning the problems that only the
    /// whole file shows.
    fn finish(_conn: &mut DbConnection) -> Result<Vec<(Location, FieldProblem)>, DieselError> {
        Ok(Vec::new())
    }
}

fn is_unique_violation<T>(result: &Result<T, DieselError>) -> bool {
    matches!(
        result,
        Err(DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            _
        ))
    )
}

fn json_list(items: &[String]) -> String {
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

/// 40 × 15 columns and 200 × 4 stay far below SQLite's 32766 bound values per statement.
const CUSTOMERS_PER_STATEMENT: usize = 40;
const EMAILS_PER_STATEMENT: usize = 200;

/// A customer as its `customers` row and its addresses.
pub(crate) struct CustomerRows {
    row: CustomerInsert,
    /// Every address, primary first, in the form uniqueness is judged by.
    emails: Vec<String>,
}

#[derive(Insertable)]
#[diesel(table_name = customers)]
struct CustomerInsert {
    id: i32,
    name: String,
    name_lower: String,
    user_id: i32,
    email: String,
    email_lower: String,
    additional_emails: String,
    phone_primary: String,
    phone_additional: String,
    website: String,
    address: String,
    company_id: i32,
    date_created: i64,
    notes: String,
    ticket_count: i32,
}

impl From<CustomerRecord> for CustomerRows {
    fn from(c: CustomerRecord) -> Self {
        let emails = c.folded_emails().collect::<Vec<_>>();
        let row = CustomerInsert {
            id: c.id,
            name_lower: fold_case(&c.name),
            name: c.name,
            user_id: c.user_id,
            email_lower: emails[0].clone(),
            email: c.email,
            additional_emails: json_list(&c.additional_emails),
            phone_primary: c.phone_primary,
            phone_additional: c.phone_additional,
            website: c.website,
            address: c.address.to_column(),
            company_id: c.company_id,
            date_created: c.date_created,
            notes: json_list(&c.notes),
            ticket_count: c.ticket_count,
        };
        CustomerRows { row, emails }
    }
}

// Addresses wait in a temporary table while the file streams, then go into `customer_emails`
// in one sorted INSERT … SELECT at the end: appending to its B-tree in key order is several
// times faster than 1.4 million inserts at random places, and the uniqueness rule is checked
// once, for the whole file.
diesel::table! {
    /// The import's addresses, in file order (`rowid`), with where each record sits.
    import_emails (rowid) {
        rowid -> BigInt,
        email_lower -> Text,
        customer_id -> Integer,
        position -> Integer,
        record -> BigInt,
    }
}

#[derive(Insertable)]
#[diesel(table_name = import_emails)]
struct StagedEmail<'a> {
    email_lower: &'a str,
    customer_id: i32,
    position: i32,
    record: i64,
}

/// A [`Location`] as one integer: lines as themselves (from 1), array indexes below zero.
fn location_key(location: Location) -> i64 {
    match location {
        Location::Line(n) => n as i64,
        Location::Index(n) => -(n as i64) - 1,
    }
}

fn key_location(key: i64) -> Location {
    if key > 0 {
        Location::Line(key as usize)
    } else {
        Location::Index((-key - 1) as usize)
    }
}

fn staged_emails<'a>(
    location: Location,
    record: &'a CustomerRows,
) -> impl Iterator<Item = StagedEmail<'a>> + 'a {
    let key = location_key(location);
    record
        .emails
        .iter()
        .enumerate()
        .map(move |(position, email)| StagedEmail {
            email_lower: email,
            customer_id: record.row.id,
            position: position as i32,
            record: key,
        })
}

/// One address that is also someone else's (or its own customer's, twice).
#[derive(QueryableByName)]
struct Duplicate {
    #[diesel(sql_type = Text)]
    email_lower: String,
    #[diesel(sql_type = Integer)]
    customer_id: i32,
    #[diesel(sql_type = Integer)]
    position: i32,
    #[diesel(sql_type = BigInt)]
    record: i64,
    /// The customer that already owned it before this import.
    #[diesel(sql_type = diesel::sql_types::Nullable<Integer>)]
    stored_owner: Option<i32>,
}

pub(crate) struct Customers;

impl RecordKind for Customers {
    type Raw = RawCustomer;
    type Record = CustomerRows;

    fn check(raw: &RawCustomer) -> Result<CustomerRows, Vec<FieldProblem>> {
        records::customer(raw).map(CustomerRows::from)
    }

    fn start(conn: &mut DbConnection) -> Result<(), DieselError> {
        diesel::sql_query(
            "CREATE TEMP TABLE import_emails (email_lower TEXT NOT NULL, \
             customer_id INTEGER NOT NULL, position INTEGER NOT NULL, record BIGINT NOT NULL)",
        )
        .execute(conn)?;
        Ok(())
    }

    fn insert_batch(
        conn: &mut DbConnection,
        batch: &[(Location, &CustomerRows)],
    ) -> Result<(), DieselError> {
        // Multi-row INSERTs (measured faster than cached single-row ones, and than handing
        // SQLite the batch as JSON to unpack) are backend-specific in diesel: one arm per
        // backend.
        let DbConnection::Sqlite(conn) = conn;
        let rows: Vec<&CustomerInsert> = batch.iter().map(|(_, c)| &c.row).collect();
        insert_in_chunks!(conn, customers::table, &rows, CUSTOMERS_PER_STATEMENT);
        let emails: Vec<StagedEmail> = batch
            .iter()
            .flat_map(|(location, c)| staged_emails(*location, c))
            .collect();
        let emails: Vec<&StagedEmail> = emails.iter().collect();
        insert_in_chunks!(conn, import_emails::table, &emails, EMAILS_PER_STATEMENT);
        Ok(())
    }

    fn insert_one(
        conn: &mut DbConnection,
        location: Location,
        record: &CustomerRows,
    ) -> Result<Vec<FieldProblem>, DieselError> {
        let inserted = diesel::insert_into(customers::table)
            .values(&record.row)
            .execute(conn);
        if is_unique_violation(&inserted) {
            return Ok(vec![FieldProblem {
                field: "id".into(),
                message: format!("customer {} appears more than once", record.row.id),
            }]);
        }
        inserted?;
        for email in staged_emails(location, record) {
            diesel::insert_into(import_emails::table)
                .values(email)
                .execute(conn)?;
        }
        Ok(Vec::new())
    }

    fn finish(conn: &mut DbConnection) -> Result<Vec<(Location, FieldProblem)>, DieselError> {
        let moved = conn.transaction(|conn| {
            diesel::sql_query(
                "INSERT INTO customer_emails (email_lower, customer_id, position) \
                 SELECT email_lower, customer_id, position FROM import_emails \
                 ORDER BY email_lower",
            )
            .execute(conn)
        });
        let problems = match moved {
            Ok(_) => Vec::new(),
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                duplicate_emails(conn)?
            }
            Err(other) => return Err(other),
        };
        diesel::sql_query("DROP TABLE temp.import_emails").execute(conn)?;
        Ok(problems)
    }
}

/// Names every address that was already taken, by an earlier record of the file or by the
/// stored data: the first owner keeps it, every later record gets a problem.
fn duplicate_emails(conn: &mut DbConnection) -> Result<Vec<(Location, FieldProblem)>, DieselError> {
    let duplicates: Vec<Duplicate> = diesel::sql_query(
        "WITH taken AS ( \
             SELECT email_lower FROM import_emails GROUP BY email_lower HAVING count(*) > 1 \
             UNION \
             SELECT email_lower FROM import_emails JOIN customer_emails USING (email_lower)) \
         SELECT i.email_lower, i.customer_id, i.position, i.record, \
                s.customer_id AS stored_owner \
         FROM import_emails i JOIN taken USING (email_lower) \
         LEFT JOIN customer_emails s USING (email_lower) \
         ORDER BY i.email_lower, i.rowid",
    )
    .load(conn)?;
    let mut problems = Vec::new();
    let mut owner: Option<(&str, i32)> = None;
    for d in &duplicates {
        let owned_by = match owner {
            Some((email, id)) if email == d.email_lower => id,
            _ => match d.stored_owner {
                Some(id) => id,
                None => {
                    // The first record of the file with this address keeps it.
                    owner = Some((&d.email_lower, d.customer_id));
                    continue;
                }
            },
        };
        owner = Some((&d.email_lower, owned_by));
        let field = match d.position {
            0 => "email".to_owned(),
            n => format!("additional_emails[{}]", n - 1),
        };
        let whose = if owned_by == d.customer_id {
            "this customer".to_owned()
        } else {
            format!("customer {owned_by}")
        };
        problems.push((
            key_location(d.record),
            FieldProblem {
                field,
                message: format!(
                    "{:?} is already an address of {whose} (emails are unique, case-insensitively)",
                    d.email_lower
                ),
            },
        ));
    }
    Ok(problems)
}
#[derive(Insertable)]
#[diesel(table_name = companies)]
struct CompanyInsert<'a> {
    id: i32,
    name: &'a str,
    email: &'a str,
    phone: &'a str,
    website: &'a str,
    contact: &'a str,
    customer_id: i32,
    date_created: Option<i64>,
}

impl<'a> From<&'a CompanyRecord> for CompanyInsert<'a> {
    fn from(c: &'a CompanyRecord) -> Self {
        CompanyInsert {
            id: c.id,
            name: &c.name,
            email: &c.email,
            phone: &c.phone,
            website: &c.website,
            contact: &c.contact,
            customer_id: c.customer_id,
            date_created: c.date_created,
        }
    }
}

pub(crate) struct Companies;

impl RecordKind for Companies {
    type Raw = RawCompany;
    type Record = CompanyRecord;

    fn check(raw: &RawCompany) -> Result<CompanyRecord, Vec<FieldProblem>> {
        records::company(raw)
    }

    fn insert_batch(
        conn: &mut DbConnection,
        batch: &[(Location, &CompanyRecord)],
    ) -> Result<(), DieselError> {
        let DbConnection::Sqlite(conn) = conn;
        // Companies are few: a thousand to a statement, prepared each time.
        for chunk in batch.chunks(1000) {
            let rows: Vec<CompanyInsert> =
                chunk.iter().map(|(_, c)| CompanyInsert::from(*c)).collect();
            diesel::insert_into(companies::table)
                .values(&rows)
                .execute(conn)?;
        }
        Ok(())
    }

    fn insert_one(
        conn: &mut DbConnection,
        _location: Location,
        record: &CompanyRecord,
    ) -> Result<Vec<FieldProblem>, DieselError> {
        let inserted = diesel::insert_into(companies::table)
            .values(CompanyInsert::from(record))
            .execute(conn);
        if is_unique_violation(&inserted) {
            return Ok(vec![FieldProblem {
                field: "id".into(),
                message: format!("company {} appears more than once", record.id),
            }]);
        }
        inserted.map(|_| Vec::new())
    }
}
