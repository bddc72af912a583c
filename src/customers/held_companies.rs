//! The companies held in memory ([`HeldCompanies`]): a page showing its customers' companies
//! looks them up here instead of joining them to its rows, which cost as much as the rest of
//! an unfiltered page (the company's columns decoded for every row). A site has few companies
//! beside its customers (tens to thousands), and they change only with an import: they are
//! held for one dataset version at a time, read in one statement with it, and a page uses
//! them only when its rows came from that very version.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use diesel::prelude::*;

use crate::customers::model::CompanyMap;
use crate::customers::model::{Company, Customer};
use crate::db::schema::{companies, dataset};
use crate::db::{in_json, DbConnection};

/// The companies of one dataset version, when there are at most the limit of them.
#[derive(Debug)]
struct Held {
    version: i64,
    /// `None`: the version has more companies than are held.
    companies: Option<CompanyMap>,
}

/// The companies of the latest dataset version a page asked for, up to a limit
/// (`Thresholds::companies_held`); beyond it, each page reads its own.
#[derive(Debug, Default)]
pub struct HeldCompanies {
    held: RwLock<Option<Arc<Held>>>,
}

impl HeldCompanies {
    /// The companies the `customers` of dataset `version` show, by id; `None` when they
    /// cannot be known from that version here (it is no longer stored), and the caller reads
    /// them in its page's snapshot.
    pub(crate) fn of(
        &self,
        conn: &mut DbConnection,
        limit: usize,
        version: i64,
        customers: &[Customer],
    ) -> QueryResult<Option<CompanyMap>> {
        if limit == 0 {
            return Ok(None);
        }
        let held = match self.for_version(version) {
            Some(held) => held,
            None => match Self::load(conn, limit, version)? {
                Some(held) => {
                    let held = Arc::new(held);
                    *self.held.write().expect("held companies lock") = Some(held.clone());
                    held
                }
                None => return Ok(None),
            },
        };
        let Some(companies) = &held.companies else {
            return Self::read(conn, version, customers);
        };
        Ok(Some(
            customers
                .iter()
                .filter_map(|customer| companies.get(&customer.company_id))
                .map(|company| (company.id, Arc::clone(company)))
                .collect(),
        ))
    }

    fn for_version(&self, version: i64) -> Option<Arc<Held>> {
        let held = self.held.read().expect("held companies lock");
        held.as_ref()
            .filter(|held| held.version == version)
            .cloned()
    }

    /// Every company of `version`, if it is still the stored one, or the mark that it has
    /// more than `limit`.
    fn load(conn: &mut DbConnection, limit: usize, version: i64) -> QueryResult<Option<Held>> {
        conn.transaction(|conn| {
            if crate::db::dataset_version(conn)? != version {
                return Ok(None);
            }
            let found: Vec<Company> = companies::table
                .select(Company::as_select())
                .limit(i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1))
                .load(conn)?;
            let companies = (found.len() <= limit)
                .then(|| found.into_iter().map(|c| (c.id, Arc::new(c))).collect());
            Ok(Some(Held { version, companies }))
        })
    }

    /// The page's own companies, read with the dataset version in one statement: `None` when
    /// it is no longer `version` (or none of them exists, which leaves it unknown).
    fn read(
        conn: &mut DbConnection,
        version: i64,
        customers: &[Customer],
    ) -> QueryResult<Option<CompanyMap>> {
        let mut ids: Vec<i32> = customers
            .iter()
            .map(|c| c.company_id)
            .filter(|&id| id != 0)
            .collect();
        if ids.is_empty() {
            return Ok(Some(HashMap::new()));
        }
        ids.sort_unstable();
        ids.dedup();
        let found: Vec<(Company, i64)> = companies::table
            .filter(in_json(companies::id, &ids))
            .select((
                Company::as_select(),
                dataset::table
                    .select(dataset::version)
                    .single_value()
                    .assume_not_null(),
            ))
            .load(conn)?;
        if found.is_empty() || found.iter().any(|(_, read)| *read != version) {
            return Ok(None);
        }
        Ok(Some(
            found
                .into_iter()
                .map(|(c, _)| (c.id, Arc::new(c)))
                .collect(),
        ))
    }
}
