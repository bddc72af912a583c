//! Persisted queries: Apollo's automatic ones (miss, register, hit, wrong hash) over POST and
//! GET, and trusted documents (`--persisted-only`), where only listed documents run.

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use kbs_graphql::graphql::{document_hash, Persisted};
use serde_json::{json, Value};

use crate::helpers::TestApp;

const LIST: &str = "query Few { customers(perPage: 2) { totalCount nodes { id email } } }";

fn by_hash(document: &str) -> Value {
    json!({"persistedQuery": {"version": 1, "sha256Hash": document_hash(document)}})
}

async fn post(app: &TestApp, body: Value) -> (StatusCode, Value) {
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, &app.admin)
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, _, bytes) = app.send(request).await;
    (status, serde_json::from_slice(&bytes).unwrap())
}

async fn get(app: &TestApp, query: &str, extensions: &Value) -> (StatusCode, HeaderMap, Value) {
    let encode = |text: &str| {
        percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let mut uri = format!("/graphql?extensions={}", encode(&extensions.to_string()));
    if !query.is_empty() {
        uri.push_str(&format!("&query={}", encode(query)));
    }
    let request = Request::get(uri)
        .header(header::AUTHORIZATION, &app.admin)
        .body(Body::empty())
        .unwrap();
    let (status, headers, bytes) = app.send(request).await;
    (status, headers, serde_json::from_slice(&bytes).unwrap())
}

fn code(answer: &Value) -> &str {
    answer["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn an_automatic_persisted_query_misses_registers_and_then_runs_by_hash() {
    let app = TestApp::semantic();
    let (_, alone) = post(&app, json!({"query": LIST})).await;
    assert_eq!(alone["data"]["customers"]["totalCount"], 8);

    // Unknown hash: the message and code Apollo's link looks for, and no data.
    let (_, miss) = post(&app, json!({"extensions": by_hash(LIST)})).await;
    assert_eq!(code(&miss), "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(miss["errors"][0]["message"], "PersistedQueryNotFound");
    assert!(miss.get("data").is_none());

    // The document with its hash registers it and is answered.
    let (status, registered) =
        post(&app, json!({"query": LIST, "extensions": by_hash(LIST)})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(registered, alone);

    // From now on, the hash alone: over POST, and over GET with an ETag.
    let (_, hit) = post(&app, json!({"extensions": by_hash(LIST)})).await;
    assert_eq!(hit, alone);
    let (status, headers, hit) = get(&app, "", &by_hash(LIST)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(hit, alone);
    assert!(headers.contains_key(header::ETAG));

    // A hash that is not the document's is refused, and registers nothing.
    let other = "{ customers { totalCount } }";
    let (_, wrong) = post(&app, json!({"query": other, "extensions": by_hash(LIST)})).await;
    assert_eq!(code(&wrong), "PERSISTED_QUERY_HASH_MISMATCH");
    let (_, still) = post(&app, json!({"extensions": by_hash(other)})).await;
    assert_eq!(code(&still), "PERSISTED_QUERY_NOT_FOUND");

    // A malformed extension says what is wrong.
    let bad = json!({"persistedQuery": {"version": 2, "sha256Hash": document_hash(LIST)}});
    let (_, answer) = post(&app, json!({"extensions": bad})).await;
    assert_eq!(code(&answer), "BAD_REQUEST");
    assert!(answer["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("version 1"));

    // In a batch, by hash too.
    let (_, answers) = post(
        &app,
        json!([{"extensions": by_hash(LIST)}, {"query": other}]),
    )
    .await;
    assert_eq!(answers[0], alone);
    assert_eq!(answers[1]["data"]["customers"]["totalCount"], 8);
}

#[tokio::test]
async fn with_trusted_documents_only_the_listed_ones_run() {
    let app = TestApp::with_state(|state| state.with_persisted(Persisted::only([LIST.to_owned()])))
        .holding_semantic();
    // Listed: by hash (POST and GET) or in full.
    let (_, by_name) = post(&app, json!({"extensions": by_hash(LIST)})).await;
    assert_eq!(by_name["data"]["customers"]["totalCount"], 8);
    let (_, in_full) = post(&app, json!({"query": LIST})).await;
    assert_eq!(in_full, by_name);
    let (_, _, over_get) = get(&app, "", &by_hash(LIST)).await;
    assert_eq!(over_get, by_name);

    // Anything else is refused, and sending it with its hash registers nothing.
    let other = "{ customers { totalCount } }";
    let (_, refused) = post(&app, json!({"query": other})).await;
    assert_eq!(code(&refused), "QUERY_NOT_IN_SAFELIST");
    assert!(refused.get("data").is_none());
    let (_, refused) = post(&app, json!({"query": other, "extensions": by_hash(other)})).await;
    assert_eq!(code(&refused), "QUERY_NOT_IN_SAFELIST");
    let (_, unknown) = post(&app, json!({"extensions": by_hash(other)})).await;
    assert_eq!(code(&unknown), "PERSISTED_QUERY_NOT_IN_LIST");
}

#[test]
fn trusted_documents_load_from_either_file_format_and_bad_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let hash = document_hash(LIST);
    let codegen = write("codegen.json", &json!({ hash.clone(): LIST }).to_string());
    let manifest = json!({"format": "apollo-persisted-query-manifest", "version": 1,
        "operations": [{"id": hash, "body": LIST, "name": "Few", "type": "query"}]});
    let apollo = write("apollo.json", &manifest.to_string());
    for path in [&codegen, &apollo] {
        assert_eq!(
            Persisted::load(path).unwrap().trusted(),
            Some(1),
            "{}",
            path.display()
        );
    }
    for (name, text, says) in [
        ("missing.json", None, "cannot read"),
        ("bad.json", Some("{"), "is not JSON"),
        ("list.json", Some("[]"), "must hold a JSON object"),
        ("empty.json", Some("{}"), "lists no documents"),
        (
            "wrong.json",
            Some(r#"{"abc": "{ __typename }"}"#),
            "is not the SHA-256 of its document",
        ),
    ] {
        let path = match text {
            Some(text) => write(name, text),
            None => dir.path().join(name),
        };
        let error = Persisted::load(&path).err().expect("refused");
        assert!(
            error.contains(says) && error.contains(name),
            "{name}: {error}"
        );
    }
}
