//! `sync` against a fake KB Support site that behaves like the plugin (its list ignores every
//! parameter and returns its 20 highest ids as strings; unknown ids answer 200 with "id": 0),
//! and against this server itself.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use kbs_graphql::customers::{CustomerQuery, Fields, Want, Window};
use kbs_graphql::sync::{self, SyncOptions, SyncSummary};
use serde_json::{json, Value};

use crate::helpers::{basic, serve_site, TestApp};

const PASSWORD: &str = "abcd EFGH ijkl MNOP qrst UVWX";

/// The plugin's behaviour, with knobs for failures.
#[derive(Default)]
struct Plugin {
    customers: Vec<Value>,
    companies: Vec<Value>,
    /// Ids that answer 503 once, then work.
    flaky: Mutex<HashSet<u64>>,
    /// An id that always answers 500.
    broken: Option<u64>,
}

fn plugin_customer(id: u64, company: Option<(u64, bool)>) -> Value {
    let base = "http://plugin.test/wp-json";
    let mut links = json!({
        "self": [{"href": format!("{base}/kbs/v1/customers/{id}")}],
        "collection": [{"href": format!("{base}/kbs/v1/customers")}],
    });
    let mut customer = json!({
        "id": id.to_string(), "name": format!("Customer {id}"), "email": format!("c{id}@example.test"),
        "additional_emails": [], "date_created": "2023-05-05 05:05:05", "ticket_count": 0,
    });
    if let Some((company, exists)) = company {
        if exists {
            customer["company"] = json!(company.to_string());
        }
        links["company"] =
            json!([{"embeddable": true, "href": format!("{base}/kbs/v1/companies/{company}")}]);
    }
    links["tickets"] =
        json!([{"embeddable": true, "href": format!("{base}/kbs/v1/tickets/?customer={id}")}]);
    customer["_links"] = links;
    customer
}

fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        == Some(basic("admin", PASSWORD).as_str())
}

fn refused() -> Response {
    (StatusCode::UNAUTHORIZED, Json(json!({"code": "rest_forbidden_context", "message": "Authentication failed.", "data": {"status": 401}}))).into_response()
}

async fn plugin_list(State(site): State<Arc<Plugin>>, headers: HeaderMap) -> Response {
    if !authorized(&headers) {
        return refused();
    }
    // Ignores every parameter: its 20 highest ids, no totals.
    let mut all = site.customers.clone();
    all.sort_by_key(|c| std::cmp::Reverse(c["id"].as_str().unwrap().parse::<u64>().unwrap()));
    all.truncate(20);
    Json(all).into_response()
}

async fn plugin_single(
    State(site): State<Arc<Plugin>>,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Response {
    if !authorized(&headers) {
        return refused();
    }
    if site.broken == Some(id) {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    if site.flaky.lock().unwrap().remove(&id) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    match site
        .customers
        .iter()
        .find(|c| c["id"].as_str() == Some(id.to_string().as_str()))
    {
        Some(customer) => Json(customer.clone()).into_response(),
        None => Json(json!({"id": 0, "ticket_count": false, "_links": {}})).into_response(),
    }
}

async fn plugin_companies(
    State(site): State<Arc<Plugin>>,
    headers: HeaderMap,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    if !authorized(&headers) {
        return refused();
    }
    let per_page: usize = q.get("per_page").and_then(|p| p.parse().ok()).unwrap_or(10);
    let page: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let pages = site.companies.len().div_ceil(per_page);
    let slice: Vec<Value> = site
        .companies
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .cloned()
        .collect();
    (
        [
            ("X-WP-Total", site.companies.len().to_string()),
            ("X-WP-TotalPages", pages.to_string()),
        ],
        Json(slice),
    )
        .into_response()
}

async fn plugin_site(plugin: Plugin) -> String {
    let router = Router::new()
        .route("/wp-json/kbs/v1/customers", get(plugin_list))
        .route("/wp-json/kbs/v1/customers/{id}", get(plugin_single))
        .route("/wp-json/kbs/v1/companies", get(plugin_companies))
        .with_state(Arc::new(plugin));
    serve_site(router).await
}

/// 30 ids with two gaps (deleted customers), companies 1–3, and customer 14 pointing at a
/// company that no longer exists (the plugin then shows it only in `_links`).
fn plugin_data() -> Plugin {
    let customers = (1..=30)
        .filter(|id| *id != 4 && *id != 17)
        .map(|id| match id {
            14 => plugin_customer(id, Some((99_999, false))),
            id if id % 3 == 0 => plugin_customer(id, Some((id % 3 + 1, true))),
            id => plugin_customer(id, None),
        })
        .collect();
    let companies = (1..=3)
        .map(|id| json!({"id": id.to_string(), "name": format!("Company {id}"), "date_created": "2020-01-01 00:00:00", "date_modified": "2021-01-01 00:00:00", "_links": {}}))
        .collect();
    Plugin {
        customers,
        companies,
        ..Plugin::default()
    }
}

fn options(from: &str, password: &str) -> SyncOptions {
    SyncOptions {
        user: Some("admin".into()),
        app_password: Some(password.into()),
        concurrency: 4,
        timeout: Duration::from_secs(5),
        ..SyncOptions::new(from)
    }
}

fn stored(app: &TestApp) -> i64 {
    let mut conn = app.db.pool.get().unwrap();
    CustomerQuery {
        window: Window::new(1, 100, None).unwrap(),
        ..CustomerQuery::default()
    }
    .page(&mut conn, &app.reads, Want::rows(Fields::All, true))
    .unwrap()
    .total
    .unwrap()
}

#[tokio::test]
async fn a_plugin_site_is_walked_id_by_id_and_imported_whole() {
    let plugin = plugin_data();
    plugin.flaky.lock().unwrap().extend([5, 6]);
    let site = plugin_site(plugin).await;
    let app = TestApp::empty();
    let summary = sync::sync(&app.db, &options(&site, PASSWORD), &|_, _| {})
        .await
        .unwrap();
    assert_eq!(
        summary,
        SyncSummary {
            customers: 28,
            companies: 3,
            source: site.clone(),
            walked_ids: true,
            warnings: vec![],
            seconds: summary.seconds,
            changed: true,
        }
    );
    assert_eq!(stored(&app), 28);
    let response = app
        .graphql("{ a: customer(idOrEmail: \"14\") { companyId company { name } } b: customer(idOrEmail: \"6\") { companyId company { name } } c: customer(idOrEmail: \"5\") { id } }")
        .await;
    assert_eq!(
        response["data"],
        json!({"a": {"companyId": 99999, "company": null}, "b": {"companyId": 1, "company": {"name": "Company 1"}}, "c": {"id": 5}})
    );
}

#[tokio::test]
async fn wrong_credentials_stop_the_sync_and_write_nothing() {
    let site = plugin_site(plugin_data()).await;
    let app = TestApp::empty();
    let error = sync::sync(
        &app.db,
        &options(&site, "wrong wrong wrong wrong"),
        &|_, _| {},
    )
    .await
    .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("refused the credentials (HTTP 401: Authentication failed.)"),
        "{error}"
    );
    assert_eq!(app.stored_rows(), TestApp::empty().stored_rows());
}

#[tokio::test]
async fn an_unreachable_site_is_a_clear_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let app = TestApp::empty();
    let error = sync::sync(
        &app.db,
        &options(&format!("http://{address}"), PASSWORD),
        &|_, _| {},
    )
    .await
    .unwrap_err();
    assert!(error.to_string().contains("could not connect"), "{error}");
    assert_eq!(app.stored_rows(), TestApp::empty().stored_rows());
}

#[tokio::test]
async fn a_site_that_fails_midway_leaves_the_stored_data_untouched() {
    let mut plugin = plugin_data();
    plugin.broken = Some(7);
    let site = plugin_site(plugin).await;
    let app = TestApp::semantic();
    let before = app.stored_rows();
    let mut options = options(&site, PASSWORD);
    options.replace = true;
    let error = sync::sync(&app.db, &options, &|_, _| {}).await.unwrap_err();
    assert!(
        error.to_string().contains("/kbs/v1/customers/7: HTTP 500"),
        "{error}"
    );
    assert_eq!(
        app.stored_rows(),
        before,
        "the old dataset is still there, whole"
    );
}

#[tokio::test]
async fn this_server_is_paged_through_instead() {
    let source = TestApp::demo();
    let site = serve_site(source.router.clone()).await;
    let admin_password = source.admin.clone();
    // The admin's password, back out of its header.
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(admin_password.trim_start_matches("Basic "))
        .unwrap();
    let password = String::from_utf8(decoded)
        .unwrap()
        .split_once(':')
        .unwrap()
        .1
        .to_owned();

    let target = TestApp::empty();
    let told = Mutex::new(Vec::new());
    let progress = |done: u64, of: Option<u64>| told.lock().unwrap().push((done, of));
    let summary = sync::sync(&target.db, &options(&site, &password), &progress)
        .await
        .unwrap();
    // Progress says how many of how many, the total from the first page's X-WP-Total.
    let told = told.into_inner().unwrap();
    assert_eq!(told.first(), Some(&(100, Some(250))));
    assert_eq!(told.last(), Some(&(250, Some(250))));
    // Every company a customer names, from this server's companies route, alike.
    let mut named_companies = std::collections::BTreeSet::new();
    for offset in [0, 100, 200] {
        let query = format!("{{ customers(perPage: 100, offset: {offset}, orderBy: ID) {{ nodes {{ id companyId company {{ id name email phone website contact }} }} }} }}");
        let (before, after) = (source.graphql(&query).await, target.graphql(&query).await);
        assert_eq!(after, before);
        let nodes = before["data"]["customers"]["nodes"]
            .as_array()
            .unwrap()
            .clone();
        named_companies.extend(
            nodes
                .iter()
                .filter_map(|node| node["company"]["id"].as_i64()),
        );
    }
    assert!(!named_companies.is_empty());
    assert_eq!(
        summary,
        SyncSummary {
            customers: 250,
            companies: named_companies.len() as u64,
            source: summary.source.clone(),
            walked_ids: false,
            warnings: vec![],
            seconds: summary.seconds,
            changed: true,
        }
    );
    assert_eq!(stored(&target), 250);
    let ids = |app: &TestApp| {
        let mut conn = app.db.pool.get().unwrap();
        let query = CustomerQuery {
            window: Window::new(1, 100, None).unwrap(),
            ..CustomerQuery::default()
        };
        query
            .page(&mut conn, &app.reads, Want::rows(Fields::All, false))
            .unwrap()
            .customers
            .iter()
            .map(|c| (c.id, c.email.clone(), c.company_id))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&target), ids(&source));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_keeps_a_plugin_sites_customers_over_its_rest_api() {
    let site = plugin_site(plugin_data()).await;
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("kbs.db");
    // The process's calls block: off the runtime that serves the site.
    let answer = tokio::task::spawn_blocking(move || {
        let server = crate::process::Server::start_with(
            &database,
            &[
                ("KBS_SYNC_FROM", site.as_str()),
                ("KBS_SYNC_USER", "admin"),
                ("KBS_APP_PASSWORD", PASSWORD),
                ("KBS_SYNC_INTERVAL", "1s"),
            ],
        );
        let started = std::time::Instant::now();
        while server.request("GET", "/readyz", "").0 != 200 {
            assert!(started.elapsed().as_secs() < 20, "no first sync");
            std::thread::sleep(Duration::from_millis(100));
        }
        let admin = crate::helpers::basic("admin", server.admin_password.as_deref().unwrap());
        let authorization = format!("Authorization: {admin}");
        let log = server.startup_log().to_owned();
        let answer = crate::process::http(
            &server.address,
            "GET",
            "/wp-json/kbs/v1/customers?per_page=1",
            &[authorization],
            "",
        );
        (answer, log)
    })
    .await
    .unwrap();
    let (answer, log) = answer;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.headers["x-wp-total"], "28");
    assert!(answer.headers.contains_key("x-dataset-age"));
    assert!(
        !log.contains(PASSWORD),
        "the application password was logged"
    );
}
