//! Walking a site: its customers page by page when it paginates (as this server does), or id
//! by id when it does not (the plugin's list ignores its parameters and returns its 20 highest
//! ids); then the companies they reference; then one import of everything.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use serde_json::Value;

use crate::db::Database;
use crate::import::{self, ImportError, ImportOptions, Input, Location, Problem};
use crate::sync::client::Site;
use crate::sync::records::{company_record, customer_record, id_of, normalize_customer, Claims};
use crate::sync::spool::Spool;
use crate::sync::SyncError;

pub struct SyncOptions {
    /// The site's address (`https://help.example.com`, or its `/wp-json` root).
    pub from: String,
    pub user: String,
    pub app_password: String,
    pub replace: bool,
    /// Requests in flight at once.
    pub concurrency: usize,
    pub timeout: Duration,
    /// Refuse to import when anything had to be normalized.
    pub strict: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncSummary {
    pub customers: u64,
    pub companies: u64,
    /// Whether the site's list had to be walked id by id (it does not paginate).
    pub walked_ids: bool,
    /// What was normalized on the way, one line each, naming the customer.
    pub warnings: Vec<String>,
}

/// Told how many records have been fetched, of how many when known.
pub type Progress<'a> = &'a (dyn Fn(u64, Option<u64>) + Sync);

fn array(answer_body: Value, url: &str) -> Result<Vec<Value>, SyncError> {
    match answer_body {
        Value::Array(items) => Ok(items),
        other => Err(SyncError::NotKbSupport {
            url: url.to_owned(),
            reason: format!(
                "expected a JSON array, got {}",
                truncate(&other.to_string())
            ),
        }),
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(120).collect()
}

/// Pulls every customer (and referenced company) of the site and imports them in one
/// transaction. Nothing is written unless everything was fetched and imports cleanly.
pub async fn sync(
    db: &Database,
    options: &SyncOptions,
    progress: Progress<'_>,
) -> Result<SyncSummary, SyncError> {
    let site = Site::new(
        &options.from,
        &options.user,
        &options.app_password,
        options.timeout,
    )?;
    if !options.replace {
        let stored = db
            .run(|conn| Ok(crate::db::stored_customers(conn)?))
            .await
            .map_err(|e| SyncError::Local(e.to_string()))?;
        if stored > 0 {
            return Err(SyncError::AlreadyHolds {
                path: db.path.to_string(),
                customers: stored,
            });
        }
    }
    let concurrency = options.concurrency.max(1);
    let mut customers = Spool::create(db, "customers")?;
    let mut companies = Spool::create(db, "companies")?;
    let mut company_ids = BTreeSet::new();

    let first_route = "/kbs/v1/customers?per_page=100&page=1&orderby=id&order=asc";
    let first = site.get(first_route).await?;
    if !first.status.is_success() {
        return Err(SyncError::NotKbSupport {
            url: site.url(first_route),
            reason: format!(
                "HTTP {}: {}",
                first.status,
                truncate(&first.body.to_string())
            ),
        });
    }
    let total_pages = first.total_pages;
    let total = first.total;
    let first_page = array(first.body, &site.url(first_route))?;
    let mut warnings = Vec::new();
    let mut claims = Claims::default();
    let mut keep = |record: Value, url: &str, customers: &mut Spool| -> Result<(), SyncError> {
        if let Some(mut record) = customer_record(record) {
            normalize_customer(&mut record, &mut warnings);
            claims.add(&record);
            company_ids.extend(id_of(&record, "company"));
            customers.write(&record, url)?;
        }
        Ok(())
    };

    let walked_ids = total_pages.is_none();
    if let Some(pages) = total_pages {
        // A paginating site: every page, a few at a time.
        progress(first_page.len() as u64, total);
        let first_url = site.url(first_route);
        for record in first_page {
            keep(record, &first_url, &mut customers)?;
        }
        let mut fetched = stream::iter(2..=pages)
            .map(|page| {
                let site = &site;
                async move {
                    let route =
                        format!("/kbs/v1/customers?per_page=100&page={page}&orderby=id&order=asc");
                    let answer = site.get(&route).await?;
                    if !answer.status.is_success() {
                        return Err(SyncError::Failed {
                            url: site.url(&route),
                            reason: format!("HTTP {}", answer.status),
                        });
                    }
                    let url = site.url(&route);
                    Ok((array(answer.body, &url)?, url))
                }
            })
            .buffer_unordered(concurrency);
        while let Some(page) = fetched.next().await {
            let (records, url) = page?;
            for record in records {
                keep(record, &url, &mut customers)?;
            }
            progress(customers.count, total);
        }
    } else {
        // The plugin: its list shows the highest ids; ask for every id up to the highest.
        let highest = first_page
            .iter()
            .filter_map(|r| id_of(r, "id"))
            .max()
            .unwrap_or(0);
        let mut fetched = stream::iter(1..=highest)
            .map(|id| {
                let site = &site;
                async move {
                    let route = format!("/kbs/v1/customers/{id}");
                    let answer = site.get(&route).await?;
                    // Unknown ids: the plugin answers 200 with "id": 0, this server 404.
                    let found = answer.status.is_success() && id_of(&answer.body, "id").is_some();
                    Ok::<_, SyncError>(found.then(|| (answer.body, site.url(&route))))
                }
            })
            .buffer_unordered(concurrency);
        let mut asked = 0;
        while let Some(found) = fetched.next().await {
            asked += 1;
            if let Some((record, url)) = found? {
                keep(record, &url, &mut customers)?;
            }
            if asked % 100 == 0 || asked == highest {
                progress(asked, Some(highest));
            }
        }
    }
    customers.finish()?;
    warnings.extend(claims.warnings());
    if options.strict && !warnings.is_empty() {
        return Err(SyncError::Strict { warnings });
    }

    fetch_companies(&site, &company_ids, concurrency, &mut companies).await?;
    companies.finish()?;

    let (customer_path, company_path) = (customers.path.clone(), companies.path.clone());
    let replace = options.replace;
    let db = db.clone();
    let summary = tokio::task::spawn_blocking(move || {
        let mut conn = db.pool.get().map_err(|e| SyncError::Local(e.to_string()))?;
        let open = |path: &PathBuf, label: String| {
            Input::open(path)
                .map(|mut input| {
                    input.name = label;
                    input
                })
                .map_err(|e| SyncError::Local(e.to_string()))
        };
        let customers = open(&customer_path, CUSTOMERS.into())?;
        let companies = open(&company_path, COMPANIES.into())?;
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
                .map(|problem| named_by_source(problem, &customers, &companies))
                .collect(),
            total,
        },
        other => SyncError::Import(other),
    })?;
    Ok(SyncSummary {
        customers: summary.customers,
        companies: summary.companies,
        walked_ids,
        warnings,
    })
}

/// The spools' names, as the import's problems give them.
const CUSTOMERS: &str = "customers";
const COMPANIES: &str = "companies";

/// A problem the import found, named by the record's id and the URL it came from (the spool's
/// line numbers mean nothing to an operator).
fn named_by_source(problem: &Problem, customers: &Spool, companies: &Spool) -> String {
    let (kind, spool) = match problem.file.as_str() {
        COMPANIES => ("company", companies),
        _ => ("customer", customers),
    };
    let source = match problem.location {
        Location::Line(line) => spool.source(line),
        Location::Index(_) => None,
    };
    let record = match source {
        Some((Some(id), url)) => format!("{kind} {id} ({url})"),
        Some((None, url)) => format!("a {kind} without an id ({url})"),
        None => format!("a {kind}"),
    };
    match problem.field.as_str() {
        "" => format!("{record}: {}", problem.message),
        field => format!("{record}: {field}: {}", problem.message),
    }
}

/// The companies the customers name: the list's pages (the plugin lists only those its user
/// may list: published and private), then each one left out by its own route (drafts and
/// trashed companies answer there). One that answers nowhere stays a dangling id, as the
/// plugin shows it.
async fn fetch_companies(
    site: &Site,
    wanted: &BTreeSet<u64>,
    concurrency: usize,
    out: &mut Spool,
) -> Result<(), SyncError> {
    if wanted.is_empty() {
        return Ok(());
    }
    let mut seen = BTreeSet::new();
    let keep = |record: Value, url: &str, seen: &mut BTreeSet<u64>, out: &mut Spool| match id_of(
        &record, "id",
    )
    .filter(|id| seen.insert(*id))
    {
        Some(_) => company_record(record).map_or(Ok(()), |company| out.write(&company, url)),
        None => Ok(()),
    };
    let first = site.get("/kbs/v1/companies?per_page=100&page=1").await?;
    if first.status.is_success() {
        let pages = first.total_pages.unwrap_or(1);
        let first_url = site.url("/kbs/v1/companies");
        for record in array(first.body, &first_url)? {
            keep(record, &first_url, &mut seen, out)?;
        }
        let mut fetched = stream::iter(2..=pages)
            .map(|page| async move {
                let route = format!("/kbs/v1/companies?per_page=100&page={page}");
                let answer = site.get(&route).await?;
                let url = site.url(&route);
                Ok::<_, SyncError>((array(answer.body, &url)?, url))
            })
            .buffer_unordered(concurrency);
        while let Some(page) = fetched.next().await {
            let (records, url) = page?;
            for record in records {
                keep(record, &url, &mut seen, out)?;
            }
        }
    }
    let left_out: Vec<u64> = wanted
        .iter()
        .copied()
        .filter(|id| !seen.contains(id))
        .collect();
    let mut fetched = stream::iter(left_out)
        .map(|id| async move {
            let route = format!("/kbs/v1/companies/{id}");
            let answer = site.get(&route).await?;
            let found = answer.status.is_success() && id_of(&answer.body, "id").is_some();
            Ok::<_, SyncError>(found.then(|| (answer.body, site.url(&route))))
        })
        .buffer_unordered(concurrency);
    while let Some(found) = fetched.next().await {
        if let Some((record, url)) = found? {
            keep(record, &url, &mut seen, out)?;
        }
    }
    Ok(())
}
