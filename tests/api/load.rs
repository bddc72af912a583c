//! Serving under hostile load: a costly read stops when its request's time is up and says so;
//! callers sending the costliest queries the API accepts neither stall the health probe nor
//! take every costly read for themselves.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use kbs_graphql::Limits;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::helpers::{jsonl, TestApp};

/// Customers enough that a scan with a deep offset in another order takes a while.
const CUSTOMERS: i32 = 60_000;

/// The costliest shape the API accepts: a one-character needle (no index serves it: every row
/// and address is scanned), in an order that sorts every match, at a deep offset.
const COSTLY: &str =
    "{ customers(search: \"e\", orderBy: NAME, offset: 50000, perPage: 100) { totalCount nodes { id } } }";

fn costly_data(app: &TestApp) {
    let records: Vec<Value> = (1..=CUSTOMERS)
        .map(|id| {
            json!({
                "id": id,
                "name": format!("Person {} of {}", id * 7919 % 100_003, id % 97),
                "email": format!("p{id}@example.com"),
                "additional_emails": [format!("other{id}@mail.example")],
                "date_created": "2020-01-01 00:00:00",
            })
        })
        .collect();
    app.import(&jsonl(&records), None, false).unwrap();
}

/// How long [`COSTLY`] takes on `app`, unbounded and on warm pages: the best of three.
async fn costly_read_time(app: &TestApp) -> Duration {
    let mut takes = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        let answer = app.graphql(COSTLY).await;
        assert!(answer.get("errors").is_none(), "{answer}");
        takes = takes.min(started.elapsed());
    }
    takes
}

/// A router over `app`'s database whose requests may take `timeout`.
fn router_with_timeout(app: &TestApp, timeout: Duration) -> axum::Router {
    let limits = Limits {
        request_timeout: timeout,
        ..Limits::default()
    };
    kbs_graphql::app(kbs_graphql::AppState::new(app.db.clone(), limits).with_response_cache(0))
}

async fn send(router: &axum::Router, request: Request<Body>) -> (StatusCode, HeaderMap, Value) {
    let response = router.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    (
        parts.status,
        parts.headers,
        serde_json::from_slice(&body).unwrap(),
    )
}

fn graphql_request(app: &TestApp, query: &str) -> Request<Body> {
    Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, app.admin.clone())
        .body(Body::from(json!({ "query": query }).to_string()))
        .unwrap()
}

#[tokio::test]
async fn a_costly_read_stops_when_the_requests_time_is_up_and_says_so() {
    let app = TestApp::empty();
    costly_data(&app);
    // Unbounded, on warm pages, the query takes a while: what the limit below must cut short.
    let takes = costly_read_time(&app).await;
    assert!(
        takes > Duration::from_millis(10),
        "not costly enough to test: {takes:?}"
    );

    let bounded = router_with_timeout(&app, takes / 8);
    // Signed in once (the password's verification is slow on purpose), then timed.
    let cheap = "{ customers(perPage: 1) { totalCount } }";
    let (status, _, body) = send(&bounded, graphql_request(&app, cheap)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let started = Instant::now();
    let (status, headers, body) = send(&bounded, graphql_request(&app, COSTLY)).await;
    let answered_in = started.elapsed();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "TIMEOUT", "{body}");
    assert!(
        body["data"].is_null(),
        "no data from a stopped read: {body}"
    );
    assert_eq!(headers["retry-after"], "1");
    // Stopped: answered well before the read would have ended (the limit is an eighth of it).
    assert!(
        answered_in < takes * 3 / 4,
        "answered after {answered_in:?}, the read takes {takes:?}"
    );
    // REST says so in WordPress's shape.
    let uri = "/wp-json/kbs/v1/customers?search=e&orderby=name&offset=50000&per_page=100";
    let request = Request::get(uri)
        .header(header::AUTHORIZATION, app.admin.clone())
        .body(Body::empty())
        .unwrap();
    let (status, headers, body) = send(&bounded, request).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["code"], "rest_timeout", "{body}");
    assert_eq!(headers["retry-after"], "1");
    // Cheap reads on the same server answer as ever.
    let (status, _, body) = send(&bounded, graphql_request(&app, cheap)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["customers"]["totalCount"], CUSTOMERS);
    // Both stopped reads are in the metrics.
    let (status, scraped) = crate::metrics::scrape_as(&bounded, &app.admin).await;
    assert_eq!(status, StatusCode::OK, "{scraped}");
    let scraped = crate::metrics::Scrape::parse(&scraped);
    assert_eq!(
        scraped.get(r#"kbs_read_refusals_total{reason="timeout"}"#),
        2.0
    );
}

/// The median of `samples`.
fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_sending_the_costliest_queries_do_not_stall_the_health_probes() {
    let app = TestApp::empty();
    costly_data(&app);
    let takes = costly_read_time(&app).await;
    // The server as `serve` runs it: four connections, two async workers.
    let db = kbs_graphql::db::Database::open(&app.db.path, 4).unwrap();
    let router =
        kbs_graphql::app(kbs_graphql::AppState::new(db, Limits::default()).with_response_cache(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = tokio::spawn(async move { axum::serve(listener, service).await });
    let client = reqwest::Client::new();
    let until = Instant::now() + Duration::from_millis(1500);
    let mut callers = Vec::new();
    for n in 0..4 {
        let password = app.add_user(
            &format!("heavy{n}"),
            kbs_graphql::auth::Role::SupportManager,
        );
        let (client, url) = (client.clone(), format!("http://{address}/graphql"));
        callers.push(tokio::spawn(async move {
            let mut answered = 0;
            while Instant::now() < until {
                let response = client
                    .post(&url)
                    .basic_auth(format!("heavy{n}"), Some(password.to_string()))
                    .json(&json!({ "query": COSTLY }))
                    .send()
                    .await
                    .unwrap();
                assert!(
                    [200, 429, 503].contains(&response.status().as_u16()),
                    "{}",
                    response.status()
                );
                answered += 1;
            }
            answered
        }));
    }
    let mut probes = Vec::new();
    tokio::time::sleep(Duration::from_millis(100)).await;
    while Instant::now() < until {
        for probe in ["healthz", "readyz"] {
            let started = Instant::now();
            let url = format!("http://{address}/{probe}");
            let response = client.get(url).send().await.unwrap();
            assert_eq!(response.status(), 200, "{probe}");
            probes.push(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut answered = 0;
    for caller in callers {
        answered += caller.await.unwrap();
    }
    server.abort();
    let probe = median(probes);
    assert!(
        answered >= 4,
        "the costly requests were answered: {answered}"
    );
    // Before, a probe waited for the reads running on the async workers: half a read or more.
    assert!(
        probe < takes / 4,
        "the health probes' median was {probe:?} while costly reads of {takes:?} ran"
    );
}
