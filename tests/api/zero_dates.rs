//! MySQL's zero date (`0000-00-00 00:00:00`), which real sites hold where no date was set: an
//! import keeps it, REST shows it as the plugin does, GraphQL says null (the executor and the
//! planned answers alike), and it sorts before every date.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request};
use kbs_graphql::graphql::Documents;
use kbs_graphql::rest::Site;
use kbs_graphql::{AppState, Limits};
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::helpers::{company, customer, ids_of, jsonl, TestApp};

/// Customer 1 and company 5 dated zero, customer 2 dated; the site two hours east of UTC.
fn zero_dated() -> (TestApp, Arc<Documents>) {
    let mut documents = None;
    let app = TestApp::with_state(|state| {
        documents = Some(state.documents.clone());
        state.with_site(Site {
            base_url: "http://localhost".into(),
            timezone: chrono::FixedOffset::east_opt(2 * 3600).unwrap(),
        })
    });
    let customers = [
        customer(1, "zero@example.test")
            .created("0000-00-00 00:00:00")
            .company(5)
            .build(),
        customer(2, "dated@example.test")
            .created("2020-01-01 00:00:00")
            .build(),
    ];
    let mut zero_company = company(5, "Zero Co");
    zero_company["date_created"] = json!("0000-00-00 00:00:00");
    app.import(&jsonl(&customers), Some(&jsonl(&[zero_company])), false)
        .unwrap();
    (app, documents.unwrap())
}

#[tokio::test]
async fn rest_shows_the_zero_date_as_the_site_stores_it() {
    let (app, _) = zero_dated();
    let zero = app.rest_json("/wp-json/kbs/v1/customers/1").await;
    assert_eq!(
        zero["date_created"], "0000-00-00 00:00:00",
        "no time zone applies"
    );
    let dated = app.rest_json("/wp-json/kbs/v1/customers/2").await;
    assert_eq!(dated["date_created"], "2020-01-01 02:00:00");
    let page = app
        .rest_json("/wp-json/kbs/v1/customers?orderby=date&order=asc")
        .await;
    assert_eq!(ids_of(&page), [1, 2], "the zero date sorts first");
}

const DATES: &str = "{ customers(orderBy: DATE, order: DESC) { nodes { id dateCreated company { dateCreated } } } }";

#[tokio::test]
async fn graphql_says_null_for_it_whether_planned_or_executed() {
    let (app, documents) = zero_dated();
    let executor = kbs_graphql::app(
        AppState::new(app.db.clone(), Limits::default())
            .with_response_cache(0)
            .with_query_plans(false),
    );
    let expected = json!({"customers": {"nodes": [
        {"id": 2, "dateCreated": "2020-01-01T00:00:00Z", "company": null},
        {"id": 1, "dateCreated": null, "company": {"dateCreated": null}},
    ]}});
    let first = app.graphql(DATES).await;
    assert_eq!(first["data"], expected, "{first}");
    let before = documents.planned_answers();
    let second = app.graphql(DATES).await;
    assert!(
        documents.planned_answers() > before,
        "the second answer is planned"
    );
    assert_eq!(second, first);
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, app.admin.clone())
        .body(Body::from(json!({"query": DATES}).to_string()))
        .unwrap();
    let response = executor.oneshot(request).await.unwrap();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let executed: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(executed, first);
}

#[test]
fn an_export_writes_it_back_as_it_came() {
    let (app, _) = zero_dated();
    let dir = tempfile::tempdir().unwrap();
    let (customers, companies) = (dir.path().join("c.jsonl"), dir.path().join("k.jsonl"));
    let mut conn = app.db.pool.get().unwrap();
    kbs_graphql::export::export(&mut conn, &customers, &companies).unwrap();
    let customers = std::fs::read_to_string(customers).unwrap();
    let companies = std::fs::read_to_string(companies).unwrap();
    assert!(
        customers.contains(r#""date_created":"0000-00-00 00:00:00""#),
        "{customers}"
    );
    assert!(
        companies.contains(r#""date_created":"0000-00-00 00:00:00""#),
        "{companies}"
    );
}
