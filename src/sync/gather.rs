//! What both sources share: each record normalized and spooled with where it came from, the
//! warnings counted, and one all-or-nothing import at the end, whose problems are named by the
//! site's customer and source rather than by a spool's line.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

use crate::db::Database;
use crate::import::{self, ImportError, ImportOptions, Input, Location, Problem};
use crate::sync::records::{company_record, id_of, normalize_customer, Claims};
use crate::sync::spool::Spool;
use crate::sync::SyncError;

/// The records gathered so far from a source.
pub struct Gathered {
    customers: Spool,
    companies: Spool,
    pub warnings: Vec<String>,
    claims: Claims,
    /// The companies the customers name.
    pub company_ids: BTreeSet<u64>,
    company_seen: BTreeSet<u64>,
}

/// How many of each the import stored.
pub struct Stored {
    pub customers: u64,
    pub companies: u64,
}

impl Gathered {
    pub fn new(db: &Database) -> Result<Gathered, SyncError> {
        Ok(Gathered {
            customers: Spool::create(db, "customers")?,
            companies: Spool::create(db, "companies")?,
            warnings: Vec::new(),
            claims: Claims::default(),
            company_ids: BTreeSet::new(),
            company_seen: BTreeSet::new(),
        })
    }

    /// A customer as the plugin answers it (without `_links`), from `source`.
    pub fn customer(&mut self, mut record: Value, source: &Arc<str>) -> Result<(), SyncError> {
        normalize_customer(&mut record, &mut self.warnings);
        self.claims.add(&record);
        self.company_ids.extend(id_of(&record, "company"));
        self.customers.write(&record, source)
    }

    /// Whether the company `id` is already gathered.
    pub fn has_company(&self, id: u64) -> bool {
        self.company_seen.contains(&id)
    }

    /// A company in the plugin's post shape (or a flat one with `name`), from `source`; once
    /// per id, and none without a name (the plugin shows its customers without one).
    pub fn company(&mut self, record: Value, source: &Arc<str>) -> Result<(), SyncError> {
        let Some(id) = id_of(&record, "id") else {
            return Ok(());
        };
        if !self.company_seen.insert(id) {
            return Ok(());
        }
        match company_record(record) {
            Some(company) => self.companies.write(&company, source),
            None => Ok(()),
        }
    }

    /// Every customer is in: addresses several customers list are warned of, and `--strict`
    /// refuses to go on when anything was normalized.
    pub fn customers_done(&mut self, strict: bool) -> Result<(), SyncError> {
        self.customers.finish()?;
        self.warnings.extend(self.claims.warnings());
        if strict && !self.warnings.is_empty() {
            return Err(SyncError::Strict {
                warnings: std::mem::take(&mut self.warnings),
            });
        }
        Ok(())
    }

    /// How many customers and companies were gathered.
    pub fn counts(&self) -> (u64, u64) {
        (self.customers.count, self.companies.count)
    }

    /// The digest the import of everything gathered would store (`None` if a record would be
    /// refused: the import then says which).
    pub async fn digest(&mut self) -> Result<Option<String>, SyncError> {
        self.companies.finish()?;
        let (customer_path, company_path) =
            (self.customers.path.clone(), self.companies.path.clone());
        tokio::task::spawn_blocking(move || {
            let open =
                |path: &PathBuf| Input::open(path).map_err(|e| SyncError::Local(e.to_string()));
            let digest = import::digest_of(open(&customer_path)?, Some(open(&company_path)?));
            Ok(digest.map(|digest| digest.to_hex()))
        })
        .await
        .map_err(|e| SyncError::Local(e.to_string()))?
    }

    /// Imports everything gathered in one transaction (`replace` swaps the stored dataset).
    pub async fn import(mut self, db: &Database, replace: bool) -> Result<Stored, SyncError> {
        self.companies.finish()?;
        let (customer_path, company_path) =
            (self.customers.path.clone(), self.companies.path.clone());
        let db = db.clone();
        let summary = tokio::task::spawn_blocking(move || {
            let mut conn = db.pool.get().map_err(|e| SyncError::Local(e.to_string()))?;
            let open = |path: &PathBuf, label: &str| {
                Input::open(path)
                    .map(|mut input| {
                        input.name = label.to_owned();
                        input
                    })
                    .map_err(|e| SyncError::Local(e.to_string()))
            };
            let customers = open(&customer_path, CUSTOMERS)?;
            let companies = open(&company_path, COMPANIES)?;
            let options = ImportOptions {
                replace,
                shared_addresses: true,
            };
            Ok::<_, SyncError>(import::import_with_progress(
                &mut conn,
                customers,
                Some(companies),
                options,
                &import::Silent,
            ))
        })
        .await
        .map_err(|e| SyncError::Local(e.to_string()))??
        .map_err(|error| match error {
            ImportError::Invalid { problems, total } => SyncError::InvalidRecords {
                problems: problems
                    .iter()
                    .map(|problem| self.named_by_source(problem))
                    .collect(),
                total,
            },
            other => SyncError::Import(other),
        })?;
        Ok(Stored {
            customers: summary.customers,
            companies: summary.companies,
        })
    }

    /// A problem the import found, named by the record's id and where it came from (the
    /// spool's line numbers mean nothing to an operator).
    fn named_by_source(&self, problem: &Problem) -> String {
        let (kind, spool) = match problem.file.as_str() {
            COMPANIES => ("company", &self.companies),
            _ => ("customer", &self.customers),
        };
        let source = match problem.location {
            Location::Line(line) => spool.source(line),
            Location::Index(_) => None,
        };
        let record = match source {
            Some((Some(id), from)) => format!("{kind} {id} ({from})"),
            Some((None, from)) => format!("a {kind} without an id ({from})"),
            None => format!("a {kind}"),
        };
        match problem.field.as_str() {
            "" => format!("{record}: {}", problem.message),
            field => format!("{record}: {field}: {}", problem.message),
        }
    }
}

/// The spools' names, as the import's problems give them.
const CUSTOMERS: &str = "customers";
const COMPANIES: &str = "companies";
