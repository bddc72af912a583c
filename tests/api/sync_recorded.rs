//! `sync` from a site that answers exactly what a real KB Support 1.6.1 site answered
//! (`tests/fixtures/kbs-db/rest/`, captured from the plugin; see the README there): after the
//! sync, this server's answer for every customer equals the plugin's, but for the deliberate
//! differences docs/rest.md lists.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use kbs_graphql::rest::Site;
use kbs_graphql::sync::{self, SyncOptions};
use serde_json::{json, Value};

use crate::helpers::{ids_of, serve_site, TestApp};

/// The recorded site's own address, as its answers' links name it.
pub const RECORDED_BASE: &str = "http://127.0.0.1:8089";

/// A captured answer: status and body, exactly as sent.
#[derive(Clone)]
struct Answer {
    status: u16,
    body: String,
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap();
        (
            status,
            [("content-type", "application/json; charset=UTF-8")],
            self.body,
        )
            .into_response()
    }
}

/// Every captured answer, by request line's path and query.
pub struct Recorded(BTreeMap<String, Answer>);

fn recorded() -> Recorded {
    let mut answers = BTreeMap::new();
    for file in ["customers-1-61.jsonl", "companies.jsonl"] {
        let path = format!(
            "{}/tests/fixtures/kbs-db/rest/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        for line in std::fs::read_to_string(path).unwrap().lines() {
            let record: Value = serde_json::from_str(line).unwrap();
            let request = record["request"].as_str().unwrap();
            let target = request.strip_prefix("GET ").unwrap().to_owned();
            let answer = Answer {
                status: record["status"].as_u64().unwrap() as u16,
                body: record["body"].as_str().unwrap().to_owned(),
            };
            answers.insert(target, answer);
        }
    }
    Recorded(answers)
}

impl Recorded {
    fn get(&self, target: &str) -> Option<Answer> {
        self.0.get(target).cloned()
    }

    /// The customer bodies the plugin holds (an unknown id's body says `"id":0`).
    pub fn customers(&self) -> Vec<(u64, Value)> {
        (1..=61)
            .filter_map(|id| {
                let answer = self.get(&format!("/wp-json/kbs/v1/customers/{id}"))?;
                let body: Value = serde_json::from_str(&answer.body).unwrap();
                (body["id"] != json!(0)).then_some((id, body))
            })
            .collect()
    }
}

/// The plugin's list: its 20 highest ids, whatever the parameters, no totals.
async fn customer_list(State(site): State<Arc<Recorded>>) -> Response {
    let mut all = site.customers();
    all.reverse();
    let page: Vec<Value> = all.into_iter().take(20).map(|(_, body)| body).collect();
    axum::Json(page).into_response()
}

async fn customer(State(site): State<Arc<Recorded>>, Path(id): Path<String>) -> Response {
    match site.get(&format!("/wp-json/kbs/v1/customers/{id}")) {
        Some(answer) => answer.into_response(),
        // As the plugin answers any id it does not hold.
        None => axum::Json(json!({"id": 0, "ticket_count": false})).into_response(),
    }
}

/// WordPress's posts list: one page here, whatever `per_page`; past it, its 400.
async fn company_list(
    State(site): State<Arc<Recorded>>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if query.get("page").is_some_and(|page| page != "1") {
        return site
            .get("/wp-json/kbs/v1/companies?page=2")
            .unwrap()
            .into_response();
    }
    let answer = site.get("/wp-json/kbs/v1/companies").unwrap();
    let count = serde_json::from_str::<Value>(&answer.body)
        .unwrap()
        .as_array()
        .unwrap()
        .len();
    let mut response = answer.into_response();
    let headers = response.headers_mut();
    headers.insert("x-wp-total", count.into());
    headers.insert("x-wp-totalpages", 1.into());
    response
}

async fn company(State(site): State<Arc<Recorded>>, Path(id): Path<String>) -> Response {
    site.get(&format!("/wp-json/kbs/v1/companies/{id}"))
        .unwrap_or_else(|| Answer {
            status: 404,
            body: r#"{"code":"rest_post_invalid_id","message":"Invalid post ID.","data":{"status":404}}"#.into(),
        })
        .into_response()
}

pub async fn recorded_site() -> (String, Arc<Recorded>) {
    let site = Arc::new(recorded());
    let router = Router::new()
        .route("/wp-json/kbs/v1/customers", get(customer_list))
        .route("/wp-json/kbs/v1/customers/{id}", get(customer))
        .route("/wp-json/kbs/v1/companies", get(company_list))
        .route("/wp-json/kbs/v1/companies/{id}", get(company))
        .with_state(site.clone());
    (serve_site(router).await, site)
}

pub fn options(from: String) -> SyncOptions {
    SyncOptions {
        user: Some("manager".into()),
        app_password: Some("abcd EFGH ijkl MNOP qrst UVWX".into()),
        concurrency: 4,
        timeout: Duration::from_secs(5),
        ..SyncOptions::new(&from)
    }
}

/// The plugin's answer as this server words it on purpose: ids as integers.
pub fn as_we_answer(mut plugin: Value) -> Value {
    for key in ["id", "user_id", "company"] {
        if let Some(Value::String(number)) = plugin.get(key) {
            plugin[key] = json!(number.parse::<u64>().unwrap());
        }
    }
    plugin
}

#[tokio::test]
async fn every_customer_the_plugin_serves_is_served_the_same_after_a_sync() {
    let (url, site) = recorded_site().await;
    let app = TestApp::with_state(|state| {
        state.with_site(Site {
            base_url: RECORDED_BASE.into(),
            timezone: chrono::FixedOffset::east_opt(0).unwrap(),
        })
    });
    let options = options(url);
    let summary = sync::sync(&app.db, &options, &|_, _| {}).await.unwrap();
    let customers = site.customers();
    assert_eq!(summary.customers, customers.len() as u64);

    let mut differences = Vec::new();
    for (id, plugin) in customers {
        let ours = app
            .rest_json(&format!("/wp-json/kbs/v1/customers/{id}"))
            .await;
        let expected = as_we_answer(plugin);
        // As text: members in the same order too (parsed maps compare regardless of order).
        let (ours, expected) = (ours.to_string(), expected.to_string());
        if ours != expected {
            differences.push(format!(
                "customer {id}:\n  plugin: {expected}\n  ours:   {ours}"
            ));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[tokio::test]
async fn every_company_a_customer_names_is_kept_with_its_title() {
    let (url, _) = recorded_site().await;
    let app = TestApp::empty();
    let options = options(url);
    let summary = sync::sync(&app.db, &options, &|_, _| {}).await.unwrap();
    let answer = app
        .graphql(
            "{ customers(perPage: 100, orderBy: ID) { nodes { id companyId company { id name email } } } }",
        )
        .await;
    let named: BTreeMap<i64, Value> = answer["data"]["customers"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|node| !node["companyId"].is_null())
        .map(|node| (node["id"].as_i64().unwrap(), node["company"].clone()))
        .collect();
    // Published (12, 13, 14, 19), private (20), trashed (16) and draft (17) companies: the list
    // shows the first five, the single route the others. 15 was deleted; 18 has no title.
    assert_eq!(named[&12]["name"], "Acme Corporation");
    assert_eq!(named[&17]["name"], "initech ltd");
    assert_eq!(named[&28]["name"], "Trashed Co");
    assert_eq!(named[&29]["name"], "Draft Co");
    assert_eq!(named[&31]["name"], "Ampersand & Sons <b>Ltd</b>");
    assert_eq!(named[&32]["name"], "Private Co");
    assert_eq!(
        named[&27],
        Value::Null,
        "a deleted company stays a dangling id"
    );
    assert_eq!(summary.companies, 7, "{named:?}");

    // Our companies list orders them as the plugin's does (by title, descending).
    let listed_body = recorded().get("/wp-json/kbs/v1/companies").unwrap().body;
    let plugin = ids_of(&serde_json::from_str(&listed_body).unwrap());
    let mut ours = ids_of(
        &app.rest_json("/wp-json/kbs/v1/companies?per_page=100")
            .await,
    );
    ours.retain(|id| plugin.contains(id));
    let listed: Vec<i64> = plugin
        .iter()
        .copied()
        .filter(|id| ours.contains(id))
        .collect();
    assert_eq!(ours, listed);
    assert!(ours.len() >= 5, "{ours:?}");
}
