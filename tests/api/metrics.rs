//! `/metrics`, as a Prometheus scraper reads it: the counters move with the requests sent
//! (those the fast path and the response cache answer included), the stored dataset and the
//! process are described, and only administrators read it on the main port.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use kbs_graphql::auth::Role;
use serde_json::json;

use crate::helpers::{basic, customer, jsonl, TestApp};
use crate::process::{http_request, Server};

/// A scrape, series by series: `name{labels}` to its value.
pub struct Scrape(HashMap<String, f64>);

impl Scrape {
    pub fn parse(text: &str) -> Scrape {
        let series = text
            .lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .map(|line| {
                let (series, value) = line.rsplit_once(' ').expect("a series and its value");
                (series.to_owned(), value.parse().expect("a number"))
            })
            .collect();
        Scrape(series)
    }

    /// The value of `series` (0 when absent: a counter not yet created).
    pub fn get(&self, series: &str) -> f64 {
        self.0.get(series).copied().unwrap_or(0.0)
    }

    pub fn has(&self, series: &str) -> bool {
        self.0.contains_key(series)
    }
}

/// `/metrics` from `router` with `authorization`; the status and body.
pub async fn scrape_as(router: &axum::Router, authorization: &str) -> (StatusCode, String) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let request = Request::get("/metrics")
        .header(header::AUTHORIZATION, authorization)
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

async fn scrape(app: &TestApp) -> Scrape {
    let (status, body) = scrape_as(&app.router, &app.admin).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    Scrape::parse(&body)
}

const GRAPHQL_OK: &str =
    r#"kbs_http_requests_total{transport="graphql",route="/graphql",status="200"}"#;
const REST_LIST_OK: &str =
    r#"kbs_http_requests_total{transport="rest",route="/wp-json/kbs/v1/customers",status="200"}"#;
const RECENT_COUNT: &str = r#"kbs_graphql_operation_duration_seconds_count{operation="Recent"}"#;

fn three_customers() -> Vec<serde_json::Value> {
    (1..=3)
        .map(|id| customer(id, &format!("c{id}@example.com")).build())
        .collect()
}

#[tokio::test]
async fn counters_move_with_the_requests_sent_the_fast_paths_included() {
    let app = TestApp::with(&three_customers(), &[]);
    let before = scrape(&app).await;

    // The executor answers the first, the fast path the second (see `graphql_with`).
    let recent = "query Recent { customers(perPage: 2) { nodes { id } } }";
    app.graphql_with(recent, json!({})).await;
    app.rest_json("/wp-json/kbs/v1/customers").await;
    let wrong = basic("admin", "abcd efgh ijkl mnop qrst uvwx");
    let (status, _, _) = app
        .rest_as("GET", "/wp-json/kbs/v1/customers/1", Some(&wrong))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let after = scrape(&app).await;
    let moved = |series: &str| after.get(series) - before.get(series);
    assert_eq!(moved(GRAPHQL_OK), 2.0);
    assert_eq!(moved(RECENT_COUNT), 2.0);
    assert_eq!(moved("kbs_graphql_planned_answers_total"), 1.0);
    assert_eq!(moved(REST_LIST_OK), 1.0);
    assert_eq!(
        moved(
            r#"kbs_http_requests_total{transport="rest",route="/wp-json/kbs/v1/customers/{id}",status="401"}"#
        ),
        1.0
    );
    assert_eq!(
        moved(r#"kbs_http_request_duration_seconds_count{transport="rest"}"#),
        2.0
    );
    assert_eq!(moved("kbs_sign_in_failures_total"), 1.0);
    // The first scrape is counted too.
    assert_eq!(
        moved(r#"kbs_http_requests_total{transport="metrics",route="/metrics",status="200"}"#),
        1.0
    );
    // What is stored, read at the scrape.
    assert_eq!(after.get("kbs_dataset_customers"), 3.0);
    assert!(after.get("kbs_dataset_age_seconds") >= 0.0);
    assert!(after.has("kbs_dataset_changed_timestamp_seconds"));
    assert!(after.get("process_resident_memory_bytes") > 1e6);
    assert_eq!(after.get("kbs_dataset_readable"), 1.0);
}

#[tokio::test]
async fn an_import_shows_as_a_new_dataset_version_and_age() {
    let app = TestApp::with(&three_customers(), &[]);
    let before = scrape(&app).await;
    assert_eq!(before.get("kbs_derived_data_current"), 0.0);
    app.build_derived_data();
    let more: Vec<_> = (4..=5)
        .map(|id| customer(id, &format!("c{id}@example.com")).build())
        .collect();
    app.import(&jsonl(&more), None, false).unwrap();
    let after = scrape(&app).await;
    assert_eq!(
        after.get("kbs_dataset_version"),
        before.get("kbs_dataset_version") + 1.0
    );
    assert_eq!(after.get("kbs_dataset_customers"), 5.0);
    // Built for the dataset before the import: no longer current.
    assert_eq!(after.get("kbs_derived_data_current"), 0.0);
    assert!(after.get("kbs_dataset_age_seconds") < 60.0);
}

#[tokio::test]
async fn answers_from_the_response_cache_are_counted_with_their_operation() {
    let app = TestApp::cached(&three_customers(), &[]);
    let before = scrape(&app).await;
    let recent = "query Recent { customers(perPage: 2) { nodes { id } } }";
    // The first answer is kept, the second comes from the cache.
    for _ in 0..2 {
        app.graphql_with(recent, json!({})).await;
    }
    let after = scrape(&app).await;
    let moved = |series: &str| after.get(series) - before.get(series);
    assert_eq!(moved("kbs_response_cache_hits_total"), 1.0);
    assert!(moved("kbs_response_cache_misses_total") >= 1.0);
    assert!(after.get("kbs_response_cache_bytes") > 0.0);
    assert!(after.get("kbs_response_cache_entries") >= 1.0);
    assert_eq!(moved(GRAPHQL_OK), 2.0);
    assert_eq!(moved(RECENT_COUNT), 2.0);
}

#[tokio::test]
async fn only_administrators_read_the_metrics_on_the_main_port() {
    let app = TestApp::empty();
    let manager = app.add_user("manager", Role::SupportManager);
    let manager = basic("manager", &manager.to_string());
    let (status, body) = scrape_as(&app.router, &manager).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let request = Request::get("/metrics").body(Body::empty()).unwrap();
    let (status, headers, body) = app.send(request).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(headers.contains_key(header::WWW_AUTHENTICATE));
    assert!(String::from_utf8_lossy(&body).contains("--metrics-listen"));

    let request = Request::get("/metrics")
        .header(header::AUTHORIZATION, app.admin.clone())
        .body(Body::empty())
        .unwrap();
    let (status, headers, _) = app.send(request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "text/plain; version=0.0.4; charset=utf-8"
    );
}

#[test]
fn metrics_listen_serves_them_without_sign_in_and_counts_the_main_ports_requests() {
    let dir = tempfile::tempdir().unwrap();
    // A free port, for the metrics listener (the main one takes port 0).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let private = format!("127.0.0.1:{port}");
    let server = Server::start_with(
        &dir.path().join("kbs.db"),
        &[("KBS_METRICS_LISTEN", private.as_str())],
    );
    assert!(
        server.startup_log().contains(&format!(
            "metrics without sign-in at http://{private}/metrics"
        )),
        "{}",
        server.startup_log()
    );
    let (status, _) = server.request("GET", "/wp-json/kbs/v1/customers", "");
    assert_eq!(status, 401);
    let (status, body) = http_request(&private, None, "GET", "/metrics", "");
    assert_eq!(status, 200, "{body}");
    let scrape = Scrape::parse(&body);
    assert_eq!(
        scrape.get(r#"kbs_http_requests_total{transport="rest",route="/wp-json/kbs/v1/customers",status="401"}"#),
        1.0
    );
    // The demo data, loaded at start, and its derived data built in the background.
    assert_eq!(scrape.get("kbs_dataset_customers"), 250.0);
    let built = (0..50).find_map(|_| {
        let (_, body) = http_request(&private, None, "GET", "/metrics", "");
        let scrape = Scrape::parse(&body);
        if scrape.get("kbs_derived_data_current") == 1.0 {
            return Some(scrape);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        None
    });
    let built = built.expect("the derived data is built within 5 s");
    assert!(built.get("kbs_derived_data_builds_total") >= 1.0);
    assert!(built.has("kbs_derived_data_last_build_seconds"));
    assert_eq!(built.get("kbs_derived_data_building"), 0.0);
    // The main port still asks who is scraping.
    let (status, _) = server.request("GET", "/metrics", "");
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_that_waits_for_a_connection_is_counted_with_its_wait() {
    let app = TestApp::with(&three_customers(), &[]);
    let before = scrape(&app).await;
    // Every pooled connection is busy for a tenth of a second.
    let held: Vec<_> = (0..app.db.pool.max_size())
        .map(|_| app.db.pool.get().unwrap())
        .collect();
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(100));
        drop(held);
    });
    let answer = app.graphql("{ customers { totalCount } }").await;
    assert_eq!(answer["data"]["customers"]["totalCount"], 3, "{answer}");
    release.join().unwrap();
    let after = scrape(&app).await;
    let moved = |series: &str| after.get(series) - before.get(series);
    assert!(moved("kbs_db_pool_waits_total") >= 1.0);
    assert!(moved("kbs_db_pool_wait_seconds_total") >= 0.05);
}

#[tokio::test]
async fn failed_and_throttled_sign_ins_are_counted() {
    let app = TestApp::with_state(|state| {
        state.with_failure_limit(kbs_graphql::auth::FailureLimit {
            max_failures: 2,
            ..Default::default()
        })
    });
    // Signed in before the failures: the administrator's verified password is remembered.
    let before = scrape(&app).await;
    let wrong = basic("admin", "abcd efgh ijkl mnop qrst uvwx");
    for _ in 0..3 {
        app.rest_as("GET", "/wp-json/kbs/v1/customers", Some(&wrong))
            .await;
    }
    let after = scrape(&app).await;
    let moved = |series: &str| after.get(series) - before.get(series);
    assert_eq!(moved("kbs_sign_in_failures_total"), 2.0);
    assert_eq!(moved("kbs_sign_in_throttled_total"), 1.0);
    assert_eq!(
        moved(
            r#"kbs_http_requests_total{transport="rest",route="/wp-json/kbs/v1/customers",status="429"}"#
        ),
        1.0
    );
}
