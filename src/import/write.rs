//! Inserting checked records: a batch at a time in the common case, one at a time to name
//! the records behind a uniqueness failure.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Integer, Text};
use serde::de::DeserializeOwned;

use crate::customers::{fold_case, register_fold_case};
use crate::db::schema::{companies, customers};
use crate::db::DbConnection;
use crate::import::reader::Location;
use crate::import::records::{
    self, CompanyRecord, CustomerRecord, FieldProblem, RawCompany, RawCustomer,
};
use crate::import::ImportOptions;

/// One kind of data file: how a record is checked and written, with what the writing needs
/// to remember between batches.
pub(crate) trait RecordKind: Sized {
    /// The record as parsed, before its fields are checked.
    type Raw: DeserializeOwned + Send;
    /// The record as its rows, built on the parsing thread so that the writing one only binds.
    type Record: Send;

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

fn is_unique_violation<T>(result: &Result<T, DieselError>) -> bool {
    matches!(
        result,
        Err(DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            _
        ))
    )
}

/// The problem of a record whose id an earlier record (or the stored data) already has.
fn duplicate_id(kind: &str, id: i32) -> Vec<FieldProblem> {
    vec![FieldProblem {
        field: "id".into(),
        message: format!("{kind} {id} appears more than once"),
    }]
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

/// 100 × 15 columns stay far below SQLite's 32766 bound values per statement.
const CUSTOMERS_PER_STATEMENT: usize = 100;

#[derive(Insertable)]
#[diesel(table_name = customers)]
pub(crate) struct CustomerInsert {
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

impl From<CustomerRecord> for CustomerInsert {
    fn from(c: CustomerRecord) -> Self {
        CustomerInsert {
            id: c.id,
            name_lower: fold_case(&c.name),
            name: c.name,
            user_id: c.user_id,
            email_lower: fold_case(&c.email),
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
        }
    }
}

/// Every address of the customers this import wrote, derived from their rows: the primary one
/// (`email_lower`) and the additional ones (the JSON list, folded). Stored customers already
/// have their primary address in `customer_emails` under their own id; new ones do not.
const NEW_ADDRESSES: &str = "\
    WITH new AS ( \
        SELECT id, email_lower, additional_emails FROM customers c \
        WHERE NOT EXISTS (SELECT 1 FROM customer_emails e \
                          WHERE e.email_lower = c.email_lower AND e.customer_id = c.id)) \
    SELECT email_lower, id AS customer_id, 0 AS position FROM new \
    UNION ALL \
    SELECT kbs_fold_case(j.value), new.id, j.key + 1 FROM new, json_each(new.additional_emails) j";

/// One address that is also someone else's (or its own customer's, twice).
#[derive(QueryableByName)]
struct Duplicate {
    #[diesel(sql_type = Text)]
    email_lower: String,
    #[diesel(sql_type = Integer)]
    customer_id: i32,
    #[diesel(sql_type = Integer)]
    position: i32,
    /// The customer that owned it before this import.
    #[diesel(sql_type = diesel::sql_types::Nullable<Integer>)]
    stored_owner: Option<i32>,
}

/// Customers are written row by row as the file streams; their addresses go into
/// `customer_emails` at the end, derived from the rows in one sorted INSERT … SELECT: appending
/// to its B-tree in key order is several times faster than 1.4 million inserts at random
/// places, and the uniqueness rule is then checked once, for the whole file.
#[derive(Default)]
pub(crate) struct Customers {
    /// Each written customer's id and place in the file (line, or index when `array`), to name
    /// the records behind a duplicate address: 8 bytes a record.
    written: Vec<(i32, u32)>,
    array: bool,
    /// See [`ImportOptions::shared_addresses`].
    shared_addresses: bool,
}

impl Customers {
    fn remember(&mut self, location: Location, id: i32) {
        let place = match location {
            Location::Line(n) => n,
            Location::Index(n) => {
                self.array = true;
                n
            }
        };
        self.written
            .push((id, u32::try_from(place).unwrap_or(u32::MAX)));
    }

    fn location_of(&self, id: i32) -> Location {
        // Sorted by id once duplicates are looked for.
        let place = match self.written.binary_search_by_key(&id, |(id, _)| *id) {
            Ok(i) => self.written[i].1 as usize,
            Err(_) => 0,
        };
        if self.array {
            Location::Index(place)
        } else {
            Location::Line(place)
        }
    }
}

impl RecordKind for Customers {
    type Raw = RawCustomer;
    type Record = CustomerInsert;

    fn check(raw: RawCustomer) -> Result<CustomerInsert, Vec<FieldProblem>> {
        records::customer(raw).map(CustomerInsert::from)
    }

    fn start(conn: &mut DbConnection, options: ImportOptions) -> Result<Self, DieselError> {
        register_fold_case(conn)?;
        Ok(Customers {
            shared_addresses: options.shared_addresses,
            ..Customers::default()
        })
    }

    fn insert_batch(
        &mut self,
        conn: &mut DbConnection,
        batch: &[(Location, &CustomerInsert)],
    ) -> Result<(), DieselError> {
        // Multi-row INSERTs: measured faster than cached single-row ones, and than handing
        // SQLite the batch as JSON to unpack.
        let rows: Vec<&CustomerInsert> = batch.iter().map(|(_, c)| *c).collect();
        insert_in_chunks!(conn, customers::table, &rows, CUSTOMERS_PER_STATEMENT);
        for (location, c) in batch {
            self.remember(*location, c.id);
        }
        Ok(())
    }

    fn insert_one(
        &mut self,
        conn: &mut DbConnection,
        location: Location,
        record: &CustomerInsert,
    ) -> Result<Vec<FieldProblem>, DieselError> {
        let inserted = diesel::insert_into(customers::table)
            .values(record)
            .execute(conn);
        if is_unique_violation(&inserted) {
            return Ok(duplicate_id("customer", record.id));
        }
        inserted?;
        self.remember(location, record.id);
        Ok(Vec::new())
    }

    fn finish(
        &mut self,
        conn: &mut DbConnection,
    ) -> Result<Vec<(Location, FieldProblem)>, DieselError> {
        // Shared addresses: the lowest id inserts each first, and keeps it.
        let (verb, order) = match self.shared_addresses {
            true => ("INSERT OR IGNORE", "email_lower, customer_id"),
            false => ("INSERT", "email_lower"),
        };
        let insert = format!(
            "{verb} INTO customer_emails (email_lower, customer_id, position) \
             SELECT * FROM ({NEW_ADDRESSES}) ORDER BY {order}"
        );
        match conn.transaction(|conn| diesel::sql_query(insert).execute(conn)) {
            Ok(_) => Ok(Vec::new()),
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                self.duplicate_addresses(conn)
            }
            Err(other) => Err(other),
        }
    }
}

impl Customers {
    /// Names every address that was already taken, by an earlier record of the file or by
    /// the stored data: the first owner keeps it, every later record gets a problem.
    fn duplicate_addresses(
        &mut self,
        conn: &mut DbConnection,
    ) -> Result<Vec<(Location, FieldProblem)>, DieselError> {
        diesel::sql_query(format!(
            "CREATE TEMP TABLE import_addresses AS {NEW_ADDRESSES}"
        ))
        .execute(conn)?;
        let mut duplicates: Vec<Duplicate> = diesel::sql_query(
            "WITH taken AS ( \
                 SELECT email_lower FROM import_addresses GROUP BY email_lower \
                 HAVING count(*) > 1 \
                 UNION \
                 SELECT email_lower FROM import_addresses JOIN customer_emails USING (email_lower)) \
             SELECT i.email_lower, i.customer_id, i.position, s.customer_id AS stored_owner \
             FROM import_addresses i JOIN taken USING (email_lower) \
             LEFT JOIN customer_emails s USING (email_lower)",
        )
        .load(conn)?;
        diesel::sql_query("DROP TABLE temp.import_addresses").execute(conn)?;

        self.written.sort_unstable_by_key(|(id, _)| *id);
        // In file order: the first record with an address keeps it.
        duplicates.sort_by_cached_key(|d| {
            (
                d.email_lower.clone(),
                self.location_of(d.customer_id),
                d.position,
            )
        });
        let mut problems = Vec::new();
        let mut owner: Option<(&str, i32)> = None;
        for d in &duplicates {
            let owned_by = match owner {
                Some((email, id)) if email == d.email_lower => id,
                _ => match d.stored_owner {
                    Some(id) => id,
                    None => {
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
                self.location_of(d.customer_id),
                FieldProblem {
                    field,
                    message: format!(
                        "{:?} is already an address of {whose} (emails are unique, \
                         case-insensitively)",
                        d.email_lower
                    ),
                },
            ));
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

    fn check(raw: RawCompany) -> Result<CompanyRecord, Vec<FieldProblem>> {
        records::company(raw)
    }

    fn start(_conn: &mut DbConnection, _: ImportOptions) -> Result<Self, DieselError> {
        Ok(Companies)
    }

    fn insert_batch(
        &mut self,
        conn: &mut DbConnection,
        batch: &[(Location, &CompanyRecord)],
    ) -> Result<(), DieselError> {
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
        &mut self,
        conn: &mut DbConnection,
        _location: Location,
        record: &CompanyRecord,
    ) -> Result<Vec<FieldProblem>, DieselError> {
        let inserted = diesel::insert_into(companies::table)
            .values(CompanyInsert::from(record))
            .execute(conn);
        if is_unique_violation(&inserted) {
            return Ok(duplicate_id("company", record.id));
        }
        inserted.map(|_| Vec::new())
    }
}
