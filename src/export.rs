//! The dataset out to data files, in exactly the form `import` reads, so that
//! export → import → export gives the same bytes.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use diesel::prelude::*;
use serde::Serialize;

use crate::customers::{is_zero, Address, Company, Customer, CustomerRow, PhoneJson};
use crate::dates;
use crate::db::schema::{companies, customers};
use crate::db::DbConnection;

/// Rows read per query: bounded memory whatever the dataset's size.
const CHUNK: i64 = 1000;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportSummary {
    pub customers: u64,
    pub companies: u64,
}

/// The REST shape without `_links`, keeping what REST hides but import needs back: a
/// company id that matches no company, every note, an additional phone without a primary.
#[derive(Serialize)]
struct CustomerLine<'a> {
    id: i32,
    #[serde(skip_serializing_if = "str::is_empty")]
    name: &'a str,
    #[serde(skip_serializing_if = "is_zero")]
    user_id: i32,
    email: &'a str,
    additional_emails: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<PhoneJson<'a>>,
    #[serde(skip_serializing_if = "str::is_empty")]
    website: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<&'a Address>,
    #[serde(skip_serializing_if = "is_zero")]
    company: i32,
    date_created: String,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
    ticket_count: i32,
}

impl<'a> From<&'a Customer> for CustomerLine<'a> {
    fn from(c: &'a Customer) -> Self {
        let has_phone = !c.phone_primary.is_empty() || !c.phone_additional.is_empty();
        let a = &c.address;
        CustomerLine {
            id: c.id,
            name: &c.name,
            user_id: c.user_id,
            email: &c.email,
            additional_emails: &c.additional_emails,
            phone: has_phone.then(|| c.phone_json()),
            website: &c.website,
            address: (!a.is_empty()).then_some(a),
            company: c.company_id,
            date_created: dates::format_wordpress(c.date_created),
            notes: &c.notes,
            ticket_count: c.ticket_count,
        }
    }
}

#[derive(Serialize)]
struct CompanyLine<'a> {
    id: i32,
    name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    email: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    phone: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    website: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    contact: &'a str,
    #[serde(skip_serializing_if = "is_zero")]
    customer: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_created: Option<String>,
}

impl<'a> From<&'a Company> for CompanyLine<'a> {
    fn from(c: &'a Company) -> Self {
        CompanyLine {
            id: c.id,
            name: &c.name,
            email: &c.email,
            phone: &c.phone,
            website: &c.website,
            contact: &c.contact,
            customer: c.customer_id,
            date_created: c.date_created.map(dates::format_wordpress),
        }
    }
}

/// Writes every customer and company as JSON Lines, in id order. Each file is written beside
/// its destination and renamed into place, so a failed export leaves no half-written file.
pub fn export(
    conn: &mut DbConnection,
    customers_path: &Path,
    companies_path: &Path,
) -> Result<ExportSummary, ExportError> {
    // One read transaction: both files describe the same dataset even if an import lands
    // meanwhile.
    conn.transaction(|conn| {
        let companies = write_atomically(companies_path, |out| {
            let rows: Vec<Company> = companies::table
                .order(companies::id.asc())
                .select(Company::as_select())
                .load(conn)?;
            for company in &rows {
                write_line(out, &CompanyLine::from(company))?;
            }
            Ok(rows.len() as u64)
        })?;
        let customers = write_atomically(customers_path, |out| {
            let mut written = 0;
            let mut after = 0;
            loop {
                let rows: Vec<CustomerRow> = customers::table
                    .filter(customers::id.gt(after))
                    .order(customers::id.asc())
                    .limit(CHUNK)
                    .select(CustomerRow::as_select())
                    .load(conn)?;
                let Some(last) = rows.last() else {
                    return Ok(written);
                };
                after = last.id;
                for row in rows {
                    write_line(out, &CustomerLine::from(&row.into_customer()?))?;
                    written += 1;
                }
            }
        })?;
        Ok(ExportSummary {
            customers,
            companies,
        })
    })
}

enum WriteFailure {
    Io(io::Error),
    Database(diesel::result::Error),
}

impl From<io::Error> for WriteFailure {
    fn from(e: io::Error) -> Self {
        WriteFailure::Io(e)
    }
}

impl From<diesel::result::Error> for WriteFailure {
    fn from(e: diesel::result::Error) -> Self {
        WriteFailure::Database(e)
    }
}

fn write_line(out: &mut impl Write, line: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, line)?;
    out.write_all(b"\n")
}

fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> Result<u64, WriteFailure>,
) -> Result<u64, ExportError> {
    let io_error = |source| ExportError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let result = (|| {
        // A folder named for the output that does not exist yet is made, as `mkdir -p` would.
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder)?;
        }
        let mut out = BufWriter::new(File::create(&partial)?);
        let count = fill(&mut out)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&partial, path)?;
        Ok(count)
    })();
    result.map_err(|failure| {
        let _ = std::fs::remove_file(&partial);
        match failure {
            WriteFailure::Io(e) => io_error(e),
            WriteFailure::Database(e) => ExportError::Database(e),
        }
    })
}
