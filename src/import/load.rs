//! Writing checked records in one transaction: every bad record is reported, and one is
//! enough for nothing to be written.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::db::schema::{companies, customer_emails, customers};
use crate::db::DbConnection;
use crate::import::reader::{for_each_record, Location, ReadError};
use crate::import::records::{self, CompanyRecord, CustomerRecord, FieldProblem};

/// How many problems an import lists before it only counts the rest.
pub const MAX_LISTED_PROBLEMS: usize = 100;

/// A data file to read: its name (for messages) and its bytes.
pub struct Input<'r> {
    pub name: String,
    pub reader: Box<dyn BufRead + 'r>,
}

impl Input<'static> {
    pub fn open(path: &Path) -> std::io::Result<Input<'static>> {
        let file = File::open(path)?;
        Ok(Input {
            name: path.display().to_string(),
            reader: Box::new(BufReader::with_capacity(1 << 16, file)),
        })
    }
}

impl<'r> Input<'r> {
    pub fn from_bytes(name: &str, bytes: &'r [u8]) -> Input<'r> {
        Input {
            name: name.to_owned(),
            reader: Box::new(bytes),
        }
    }
}

/// One bad record: where it is, which field, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub location: Location,
    pub field: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: ", self.file, self.location)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}", invalid_message(problems, *total))]
    Invalid {
        problems: Vec<Problem>,
        total: usize,
    },
    #[error("{file}: {source}")]
    Read { file: String, source: ReadError },
    #[error("database error: {0}")]
    Database(#[from] DieselError),
}

fn invalid_message(problems: &[Problem], total: usize) -> String {
    let mut text = format!("{total} bad record field(s); nothing was imported:");
    for p in problems {
        text.push_str("\n  ");
        text.push_str(&p.to_string());
    }
    if total > problems.len() {
        text.push_str(&format!("\n  … and {} more", total - problems.len()));
    }
    text
}

/// What an import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    pub customers: u64,
    pub companies: u64,
}

/// Collects problems and the first fatal error while records stream past.
#[derive(Default)]
struct Outcome {
    listed: Vec<Problem>,
    total: usize,
    fatal: Option<ImportError>,
}

impl Outcome {
    fn report(&mut self, file: &str, location: Location, field: &str, message: String) {
        self.total += 1;
        if self.listed.len() < MAX_LISTED_PROBLEMS {
            self.listed.push(Problem {
                file: file.to_owned(),
                location,
                field: field.to_owned(),
                message,
            });
        }
    }

    fn report_all(&mut self, file: &str, location: Location, problems: Vec<FieldProblem>) {
        for p in problems {
            self.report(file, location, &p.field, p.message);
        }
    }
}

/// Loads `customers` (and `companies`) in one transaction. With `replace`, the stored dataset
/// is deleted first, in the same transaction, so readers see the old data or the new, never
/// neither.
pub fn import(
    conn: &mut DbConnection,
    customers: Input<'_>,
    companies: Option<Input<'_>>,
    replace: bool,
) -> Result<ImportSummary, ImportError> {
    conn.transaction(|conn| {
        if replace {
            diesel::delete(customer_emails::table).execute(conn)?;
            diesel::delete(customers::table).execute(conn)?;
            diesel::delete(companies::table).execute(conn)?;
        }
        let mut outcome = Outcome::default();
        let companies_written = match companies {
            Some(input) => load_file(conn, input, &mut outcome, insert_company_record)?,
            None => 0,
        };
        let customers_written = load_file(conn, customers, &mut outcome, insert_customer_record)?;
        if outcome.total > 0 {
            return Err(ImportError::Invalid {
                problems: outcome.listed,
                total: outcome.total,
            });
        }
        Ok(ImportSummary {
            customers: customers_written,
            companies: companies_written,
        })
    })
}

type InsertRecord =
    fn(&mut DbConnection, &serde_json::Value) -> Result<Vec<FieldProblem>, DieselError>;

fn load_file(
    conn: &mut DbConnection,
    mut input: Input<'_>,
    outcome: &mut Outcome,
    insert: InsertRecord,
) -> Result<u64, ImportError> {
    let mut written = 0;
    let file = input.name.clone();
    for_each_record(&mut input.reader, |location, record| {
        if outcome.fatal.is_some() {
            return;
        }
        let value = match record {
            Ok(value) => value,
            Err(message) => return outcome.report(&file, location, "", message),
        };
        match insert(conn, &value) {
            Ok(problems) if problems.is_empty() => written += 1,
            Ok(problems) => outcome.report_all(&file, location, problems),
            Err(e) => outcome.fatal = Some(e.into()),
        }
    })
    .map_err(|source| ImportError::Read {
        file: file.clone(),
        source,
    })?;
    match outcome.fatal.take() {
        Some(fatal) => Err(fatal),
        None => Ok(written),
    }
}

fn is_unique_violation(result: &Result<usize, DieselError>) -> bool {
    matches!(
        result,
        Err(DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            _
        ))
    )
}

fn insert_company_record(
    conn: &mut DbConnection,
    value: &serde_json::Value,
) -> Result<Vec<FieldProblem>, DieselError> {
    let record = match records::company(value) {
        Ok(record) => record,
        Err(problems) => return Ok(problems),
    };
    let result = insert_company(conn, &record);
    if is_unique_violation(&result) {
        return Ok(vec![FieldProblem {
            field: "id".into(),
            message: format!("company {} appears more than once", record.id),
        }]);
    }
    result.map(|_| Vec::new())
}

fn insert_company(conn: &mut DbConnection, c: &CompanyRecord) -> Result<usize, DieselError> {
    diesel::insert_into(companies::table)
        .values((
            companies::id.eq(c.id),
            companies::name.eq(&c.name),
            companies::email.eq(&c.email),
            companies::phone.eq(&c.phone),
            companies::website.eq(&c.website),
            companies::contact.eq(&c.contact),
            companies::customer_id.eq(c.customer_id),
            companies::date_created.eq(c.date_created),
        ))
        .execute(conn)
}

fn insert_customer_record(
    conn: &mut DbConnection,
    value: &serde_json::Value,
) -> Result<Vec<FieldProblem>, DieselError> {
    let record = match records::customer(value) {
        Ok(record) => record,
        Err(problems) => return Ok(problems),
    };
    let result = insert_customer(conn, &record);
    if is_unique_violation(&result) {
        return Ok(vec![FieldProblem {
            field: "id".into(),
            message: format!("customer {} appears more than once", record.id),
        }]);
    }
    result?;
    let mut problems = Vec::new();
    for (position, email) in record.folded_emails().enumerate() {
        let result = diesel::insert_into(customer_emails::table)
            .values((
                customer_emails::email_lower.eq(&email),
                customer_emails::customer_id.eq(record.id),
                customer_emails::position.eq(position as i32),
            ))
            .execute(conn);
        if is_unique_violation(&result) {
            let owner: i32 = customer_emails::table
                .find(&email)
                .select(customer_emails::customer_id)
                .first(conn)?;
            let field = match position {
                0 => "email".to_owned(),
                n => format!("additional_emails[{}]", n - 1),
            };
            let whose = if owner == record.id {
                "this customer".to_owned()
            } else {
                format!("customer {owner}")
            };
            problems.push(FieldProblem {
                field,
                message: format!("{email:?} is already an address of {whose} (emails are unique, case-insensitively)"),
            });
        } else {
            result?;
        }
    }
    Ok(problems)
}

fn insert_customer(conn: &mut DbConnection, c: &CustomerRecord) -> Result<usize, DieselError> {
    let json = |items: &[String]| serde_json::to_string(items).expect("strings always serialize");
    diesel::insert_into(customers::table)
        .values((
            customers::id.eq(c.id),
            customers::name.eq(&c.name),
            customers::name_lower.eq(crate::customers::fold_case(&c.name)),
            customers::user_id.eq(c.user_id),
            customers::email.eq(&c.email),
            customers::email_lower.eq(crate::customers::fold_case(&c.email)),
            customers::additional_emails.eq(json(&c.additional_emails)),
            customers::phone_primary.eq(&c.phone_primary),
            customers::phone_additional.eq(&c.phone_additional),
            customers::website.eq(&c.website),
            customers::address.eq(c.address.to_column()),
            customers::company_id.eq(c.company_id),
            customers::date_created.eq(c.date_created),
            customers::notes.eq(json(&c.notes)),
            customers::ticket_count.eq(c.ticket_count),
        ))
        .execute(conn)
}
