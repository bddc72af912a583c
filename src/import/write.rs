//! Inserting checked records: a batch at a time in the common case, one at a time to name
//! the records behind a uniqueness failure.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::de::DeserializeOwned;

use crate::customers::fold_case;
use crate::db::schema::{companies, customer_emails, customers};
use crate::db::DbConnection;
use crate::import::records::{
    self, CompanyRecord, CustomerRecord, FieldProblem, RawCompany, RawCustomer,
};

/// One kind of data file: how a record is checked and written.
pub(crate) trait RecordKind {
    /// The record as parsed, before its fields are checked.
    type Raw: DeserializeOwned + Send;
    type Record: Send;

    fn check(raw: &Self::Raw) -> Result<Self::Record, Vec<FieldProblem>>;

    /// Writes every record, or fails as a whole (the caller wraps it in a savepoint).
    fn insert_batch(conn: &mut DbConnection, records: &[&Self::Record]) -> Result<(), DieselError>;

    /// Writes one record; a uniqueness failure comes back as problems naming the field.
    fn insert_one(
        conn: &mut DbConnection,
        record: &Self::Record,
    ) -> Result<Vec<FieldProblem>, DieselError>;
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

#[derive(Insertable)]
#[diesel(table_name = customers)]
struct CustomerInsert<'a> {
    id: i32,
    name: &'a str,
    name_lower: String,
    user_id: i32,
    email: &'a str,
    email_lower: String,
    additional_emails: String,
    phone_primary: &'a str,
    phone_additional: &'a str,
    website: &'a str,
    address: String,
    company_id: i32,
    date_created: i64,
    notes: String,
    ticket_count: i32,
}

impl<'a> From<&'a CustomerRecord> for CustomerInsert<'a> {
    fn from(c: &'a CustomerRecord) -> Self {
        CustomerInsert {
            id: c.id,
            name: &c.name,
            name_lower: fold_case(&c.name),
            user_id: c.user_id,
            email: &c.email,
            email_lower: fold_case(&c.email),
            additional_emails: json_list(&c.additional_emails),
            phone_primary: &c.phone_primary,
            phone_additional: &c.phone_additional,
            website: &c.website,
            address: c.address.to_column(),
            company_id: c.company_id,
            date_created: c.date_created,
            notes: json_list(&c.notes),
            ticket_count: c.ticket_count,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = customer_emails)]
struct EmailInsert {
    email_lower: String,
    customer_id: i32,
    position: i32,
}

fn emails_of(record: &CustomerRecord) -> impl Iterator<Item = EmailInsert> + '_ {
    record
        .folded_emails()
        .enumerate()
        .map(|(position, email_lower)| EmailInsert {
            email_lower,
            customer_id: record.id,
            position: position as i32,
        })
}

/// SQLite allows 32766 bound values per statement; 15 columns × 1000 rows stays well below.
const ROWS_PER_STATEMENT: usize = 1000;

pub(crate) struct Customers;

impl RecordKind for Customers {
    type Raw = RawCustomer;
    type Record = CustomerRecord;

    fn check(raw: &RawCustomer) -> Result<CustomerRecord, Vec<FieldProblem>> {
        records::customer(raw)
    }

    fn insert_batch(conn: &mut DbConnection, batch: &[&CustomerRecord]) -> Result<(), DieselError> {
        // Multi-row INSERTs (measured a third faster than cached single-row ones, and than
        // handing SQLite the batch as JSON to unpack) are backend-specific in diesel: one arm
        // per backend.
        let DbConnection::Sqlite(conn) = conn;
        for chunk in batch.chunks(ROWS_PER_STATEMENT) {
            let rows: Vec<CustomerInsert> =
                chunk.iter().map(|c| CustomerInsert::from(*c)).collect();
            diesel::insert_into(customers::table)
                .values(&rows)
                .execute(conn)?;
            let emails: Vec<EmailInsert> = chunk.iter().flat_map(|c| emails_of(c)).collect();
            for emails in emails.chunks(ROWS_PER_STATEMENT) {
                diesel::insert_into(customer_emails::table)
                    .values(emails)
                    .execute(conn)?;
            }
        }
        Ok(())
    }

    fn insert_one(
        conn: &mut DbConnection,
        record: &CustomerRecord,
    ) -> Result<Vec<FieldProblem>, DieselError> {
        let inserted = diesel::insert_into(customers::table)
            .values(CustomerInsert::from(record))
            .execute(conn);
        if is_unique_violation(&inserted) {
            return Ok(vec![FieldProblem {
                field: "id".into(),
                message: format!("customer {} appears more than once", record.id),
            }]);
        }
        inserted?;
        let mut problems = Vec::new();
        for email in emails_of(record) {
            let inserted = diesel::insert_into(customer_emails::table)
                .values(&email)
                .execute(conn);
            if !is_unique_violation(&inserted) {
                inserted?;
                continue;
            }
            let owner: i32 = customer_emails::table
                .find(&email.email_lower)
                .select(customer_emails::customer_id)
                .first(conn)?;
            let field = match email.position {
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
                message: format!(
                    "{:?} is already an address of {whose} (emails are unique, case-insensitively)",
                    email.email_lower
                ),
            });
        }
        Ok(problems)
    }
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

    fn insert_batch(conn: &mut DbConnection, batch: &[&CompanyRecord]) -> Result<(), DieselError> {
        let DbConnection::Sqlite(conn) = conn;
        for chunk in batch.chunks(ROWS_PER_STATEMENT) {
            let rows: Vec<CompanyInsert> = chunk.iter().map(|c| CompanyInsert::from(*c)).collect();
            diesel::insert_into(companies::table)
                .values(&rows)
                .execute(conn)?;
        }
        Ok(())
    }

    fn insert_one(
        conn: &mut DbConnection,
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
