//! Walking a site: its customers page by page when it paginates (as this server does), or id
//! by id when it does not (the plugin's list ignores its parameters and returns its 20 highest
//! ids); then the companies they reference; then one import of everything.

use std::sync::Arc;

use futures_util::stream::{self, StreamExt};
use serde_json::Value;

use crate::sync::client::Site;
use crate::sync::gather::Gathered;
use crate::sync::records::{customer_record, id_of};
use crate::sync::{Progress, SyncError, SyncOptions};

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

/// Gathers every customer of the site, then every company they name. Tells whether the
/// site's list had to be walked id by id (it does not paginate).
pub async fn gather(
    site: &Site,
    options: &SyncOptions,
    gathered: &mut Gathered,
    progress: Progress<'_>,
) -> Result<bool, SyncError> {
    let concurrency = options.concurrency.max(1);
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
    let mut keep = |record: Value, url: &Arc<str>| match customer_record(record) {
        Some(record) => gathered.customer(record, url),
        None => Ok(()),
    };

    let walked_ids = total_pages.is_none();
    if let Some(pages) = total_pages {
        // A paginating site: every page, a few at a time.
        progress(first_page.len() as u64, total);
        let first_url: Arc<str> = site.url(first_route).into();
        let mut fetched_count = first_page.len() as u64;
        for record in first_page {
            keep(record, &first_url)?;
        }
        let mut fetched = stream::iter(2..=pages)
            .map(|page| async move {
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
                Ok((array(answer.body, &url)?, Arc::<str>::from(url)))
            })
            .buffer_unordered(concurrency);
        while let Some(page) = fetched.next().await {
            let (records, url) = page?;
            fetched_count += records.len() as u64;
            for record in records {
                keep(record, &url)?;
            }
            progress(fetched_count, total);
        }
    } else {
        // The plugin: its list shows the highest ids; ask for every id up to the highest.
        let highest = first_page
            .iter()
            .filter_map(|r| id_of(r, "id"))
            .max()
            .unwrap_or(0);
        let mut fetched = stream::iter(1..=highest)
            .map(|id| async move {
                let route = format!("/kbs/v1/customers/{id}");
                let answer = site.get(&route).await?;
                // Unknown ids: the plugin answers 200 with "id": 0, this server 404.
                let found = answer.status.is_success() && id_of(&answer.body, "id").is_some();
                Ok::<_, SyncError>(found.then(|| (answer.body, Arc::<str>::from(site.url(&route)))))
            })
            .buffer_unordered(concurrency);
        let mut asked = 0;
        while let Some(found) = fetched.next().await {
            asked += 1;
            if let Some((record, url)) = found? {
                keep(record, &url)?;
            }
            if asked % 100 == 0 || asked == highest {
                progress(asked, Some(highest));
            }
        }
    }
    gathered.customers_done(options.strict)?;
    gather_companies(site, concurrency, gathered).await?;
    Ok(walked_ids)
}

/// The companies the customers name: the list's pages (the plugin lists only those its user
/// may list: published and private), then each one left out by its own route (drafts and
/// trashed companies answer there). One that answers nowhere stays a dangling id, as the
/// plugin shows it.
async fn gather_companies(
    site: &Site,
    concurrency: usize,
    gathered: &mut Gathered,
) -> Result<(), SyncError> {
    if gathered.company_ids.is_empty() {
        return Ok(());
    }
    let first = site.get("/kbs/v1/companies?per_page=100&page=1").await?;
    if first.status.is_success() {
        let pages = first.total_pages.unwrap_or(1);
        let first_url: Arc<str> = site.url("/kbs/v1/companies").into();
        for record in array(first.body, &first_url)? {
            gathered.company(record, &first_url)?;
        }
        let mut fetched = stream::iter(2..=pages)
            .map(|page| async move {
                let route = format!("/kbs/v1/companies?per_page=100&page={page}");
                let answer = site.get(&route).await?;
                let url = site.url(&route);
                Ok::<_, SyncError>((array(answer.body, &url)?, Arc::<str>::from(url)))
            })
            .buffer_unordered(concurrency);
        while let Some(page) = fetched.next().await {
            let (records, url) = page?;
            for record in records {
                gathered.company(record, &url)?;
            }
        }
    }
    let left_out: Vec<u64> = gathered
        .company_ids
        .iter()
        .copied()
        .filter(|id| !gathered.has_company(*id))
        .collect();
    let mut fetched = stream::iter(left_out)
        .map(|id| async move {
            let route = format!("/kbs/v1/companies/{id}");
            let answer = site.get(&route).await?;
            let found = answer.status.is_success() && id_of(&answer.body, "id").is_some();
            Ok::<_, SyncError>(found.then(|| (answer.body, Arc::<str>::from(site.url(&route)))))
        })
        .buffer_unordered(concurrency);
    while let Some(found) = fetched.next().await {
        if let Some((record, url)) = found? {
            gathered.company(record, &url)?;
        }
    }
    Ok(())
}
