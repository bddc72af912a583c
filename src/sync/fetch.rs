//! Walking a site: its customers page by page when it paginates (as this server does), or id
//! by id when it does not (the plugin's list ignores its parameters and returns its 20 highest
//! ids); then the companies they reference; then one import of everything.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use serde_json::{Map, Value};

use crate::db::Database;
use crate::import::{self, Input};
use crate::sync::client::Site;
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncSummary {
    pub customers: u64,
    pub companies: u64,
    /// Whether the site's list had to be walked id by id (it does not paginate).
    pub walked_ids: bool,
}

/// Told how many records have been fetched, of how many when known.
pub type Progress<'a> = &'a (dyn Fn(u64, Option<u64>) + Sync);

/// The fetched records, spooled to files beside the database and removed afterwards.
struct Spool {
    path: PathBuf,
    out: BufWriter<File>,
    count: u64,
}

impl Spool {
    fn create(db: &Database, kind: &str) -> Result<Spool, SyncError> {
        let dir = std::path::Path::new(&*db.path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty());
        let path = dir
            .unwrap_or(std::path::Path::new("."))
            .join(format!(".kbs-sync-{}-{kind}.jsonl", std::process::id()));
        let file = File::create(&path)
            .map_err(|e| SyncError::Local(format!("{}: {e}", path.display())))?;
        Ok(Spool {
            path,
            out: BufWriter::new(file),
            count: 0,
        })
    }

    fn write(&mut self, record: &Value) -> Result<(), SyncError> {
        serde_json::to_writer(&mut self.out, record)
            .map_err(|e| SyncError::Local(e.to_string()))?;
        self.out
            .write_all(b"\n")
            .map_err(|e| SyncError::Local(e.to_string()))?;
        self.count += 1;
        Ok(())
    }

    fn finish(&mut self) -> Result<(), SyncError> {
        self.out
            .flush()
            .map_err(|e| SyncError::Local(e.to_string()))
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A customer as the site sent it, in the import format: without `_links`, and with the
/// company id recovered from `_links.company` when the plugin left the key out (it does for
/// a company that no longer exists).
fn customer_record(mut value: Value) -> Option<Value> {
    let object = value.as_object_mut()?;
    if !object.contains_key("company") {
        let linked = object
            .get("_links")
            .and_then(|links| links["company"][0]["href"].as_str())
            .and_then(|href| href.rsplit('/').next())
            .and_then(|id| id.parse::<u64>().ok());
        if let Some(id) = linked {
            object.insert("company".into(), Value::from(id));
        }
    }
    object.remove("_links");
    Some(value)
}

/// A company in the import format, from the plugin's post shape (its name is the post's
/// `title.raw`, its details `meta._kbs_company_*`) or from a flat one with `name`. `None` for
/// a company without a name: the plugin itself shows its customers without it.
fn company_record(value: Value) -> Option<Value> {
    let object = value.as_object()?;
    let meta = object.get("meta");
    let field = |flat: &str, meta_key: &str| {
        object
            .get(flat)
            .or_else(|| meta?.get(meta_key))
            .filter(|value| !value.is_null())
            .cloned()
    };
    let name = field("name", "").or_else(|| object.get("title")?.get("raw").cloned())?;
    if name.as_str().is_none_or(|name| name.trim().is_empty()) {
        return None;
    }
    let mut record = Map::new();
    record.insert("id".into(), object.get("id")?.clone());
    record.insert("name".into(), name);
    for (key, meta_key) in [
        ("email", "_kbs_company_email"),
        ("phone", "_kbs_company_phone"),
        ("website", "_kbs_company_website"),
        ("contact", "_kbs_company_contact"),
        ("customer", "_kbs_company_customer"),
        ("date_created", ""),
    ] {
        if let Some(value) = field(key, meta_key) {
            record.insert(key.into(), value);
        }
    }
    Some(Value::Object(record))
}

fn id_of(record: &Value, key: &str) -> Option<u64> {
    match &record[key] {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .filter(|&id| id > 0)
}

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
    let first_page = array(first.body, &site.url(first_route))?;
    let mut keep = |record: Value, customers: &mut Spool| -> Result<(), SyncError> {
        if let Some(record) = customer_record(record) {
            company_ids.extend(id_of(&record, "company"));
            customers.write(&record)?;
        }
        Ok(())
    };

    let walked_ids = total_pages.is_none();
    if let Some(pages) = total_pages {
        // A paginating site: every page, a few at a time.
        progress(first_page.len() as u64, None);
        for record in first_page {
            keep(record, &mut customers)?;
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
                    array(answer.body, &site.url(&route))
                }
            })
            .buffer_unordered(concurrency);
        while let Some(page) = fetched.next().await {
            for record in page? {
                keep(record, &mut customers)?;
            }
            progress(customers.count, None);
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
                    Ok::<_, SyncError>(
                        (answer.status.is_success() && id_of(&answer.body, "id").is_some())
                            .then_some(answer.body),
                    )
                }
            })
            .buffer_unordered(concurrency);
        let mut asked = 0;
        while let Some(found) = fetched.next().await {
            asked += 1;
            if let Some(record) = found? {
                keep(record, &mut customers)?;
            }
            if asked % 100 == 0 || asked == highest {
                progress(asked, Some(highest));
            }
        }
    }
    customers.finish()?;

    fetch_companies(&site, &company_ids, concurrency, &mut companies).await?;
    companies.finish()?;

    let (customer_path, company_path) = (customers.path.clone(), companies.path.clone());
    let name = site.url("/kbs/v1/customers");
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
        let customers = open(&customer_path, format!("customers from {name}"))?;
        let companies = open(&company_path, format!("companies from {name}"))?;
        Ok::<_, SyncError>(import::import(
            &mut conn,
            customers,
            Some(companies),
            replace,
        )?)
    })
    .await
    .map_err(|e| SyncError::Local(e.to_string()))??;
    Ok(SyncSummary {
        customers: summary.customers,
        companies: summary.companies,
        walked_ids,
    })
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
    let keep = |record: Value, seen: &mut BTreeSet<u64>, out: &mut Spool| match id_of(&record, "id")
        .filter(|id| seen.insert(*id))
    {
        Some(_) => company_record(record).map_or(Ok(()), |company| out.write(&company)),
        None => Ok(()),
    };
    let first = site.get("/kbs/v1/companies?per_page=100&page=1").await?;
    if first.status.is_success() {
        let pages = first.total_pages.unwrap_or(1);
        for record in array(first.body, &site.url("/kbs/v1/companies"))? {
            keep(record, &mut seen, out)?;
        }
        let mut fetched = stream::iter(2..=pages)
            .map(|page| async move {
                let route = format!("/kbs/v1/companies?per_page=100&page={page}");
                let answer = site.get(&route).await?;
                array(answer.body, &site.url(&route))
            })
            .buffer_unordered(concurrency);
        while let Some(page) = fetched.next().await {
            for record in page? {
                keep(record, &mut seen, out)?;
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
            let answer = site.get(&format!("/kbs/v1/companies/{id}")).await?;
            Ok::<_, SyncError>(
                (answer.status.is_success() && id_of(&answer.body, "id").is_some())
                    .then_some(answer.body),
            )
        })
        .buffer_unordered(concurrency);
    while let Some(found) = fetched.next().await {
        if let Some(record) = found? {
            keep(record, &mut seen, out)?;
        }
    }
    Ok(())
}
