//! Writing companies: a thousand to a statement (a file holds few), one at a time to name a
//! duplicate id.

use diesel::prelude::*;
use diesel::result::Error as DieselError;

use crate::db::schema::companies;
use crate::db::DbConnection;
use crate::import::reader::Location;
use crate::import::records::{self, CompanyRecord, FieldProblem, RawCompany};
use crate::import::write::{duplicate_id, is_unique_violation, RecordKind};
use crate::import::ImportOptions;

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
    const KIND: &'static str = "company";

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
