//! Writing customers: their rows in fixed-size multi-row inserts, their addresses into the
//! matching table at the end, and the records behind a uniqueness failure named one by one.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Integer, Text};

use crate::customers::{fold_case, register_fold_case};
use crate::db::schema::customers;
use crate::db::DbConnection;
use crate::import::reader::Location;
use crate::import::records::{self, CustomerRecord, FieldProblem, RawCustomer};
use crate::import::write::{duplicate_id, is_unique_violation, json_list, RecordKind};
use crate::import::ImportOptions;

/// 100 × 15 columns stay far below SQLite's 32766 bound values per statement.
const CUSTOMERS_PER_STATEMENT: usize = 100;

#[derive(Insertable, Hash)]
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
/// to its B-tree in key order beats inserts at random places, and the uniqueness rule is then
/// checked once, for the whole file.
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
    const KIND: &'static str = "customer";

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
