//! GraphQL over HTTP as its specification says: the media type the client accepts, the status
//! each kind of failure gets under it, and field errors' nulls where the GraphQL spec puts
//! them. (`conformance.rs` runs the specification's own audit against the real server.)

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{semantic_companies, semantic_customers, TestApp};

const RESPONSE_JSON: &str = "application/graphql-response+json";

/// POSTs `body` as the administrator with the given `Accept` (and JSON content type).
async fn post(app: &TestApp, accept: Option<&str>, body: &Value) -> (StatusCode, HeaderMap, Value) {
    let mut request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, &app.admin);
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT, accept);
    }
    let (status, headers, bytes) = app
        .send(request.body(Body::from(body.to_string())).unwrap())
        .await;
    let body = serde_json::from_slice(&bytes).expect("a JSON body");
    (status, headers, body)
}

fn content_type(headers: &HeaderMap) -> &str {
    headers[header::CONTENT_TYPE].to_str().unwrap()
}

#[tokio::test]
async fn answers_come_in_the_media_type_the_client_accepts_on_every_path() {
    let planned = TestApp::semantic();
    let cached = TestApp::cached(&semantic_customers(), &semantic_companies());
    let body = json!({"query": "{ customers(perPage: 2) { totalCount nodes { id email } } }"});
    for (accept, expected) in [
        (Some("application/json"), "application/json; charset=utf-8"),
        (
            Some(RESPONSE_JSON),
            "application/graphql-response+json; charset=utf-8",
        ),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            "application/graphql-response+json; charset=utf-8",
        ),
        (Some("*/*"), "application/json; charset=utf-8"),
        (None, "application/json; charset=utf-8"),
    ] {
        for app in [&planned, &cached] {
            let planned_before = app.documents.planned_answers();
            let hits_before = app.responses.hits();
            // The executor answers first; then the fast path, or the response cache.
            let mut answers = Vec::new();
            for _ in 0..3 {
                let (status, headers, answer) = post(app, accept, &body).await;
                assert_eq!(status, StatusCode::OK, "{accept:?}: {answer}");
                assert_eq!(content_type(&headers), expected, "{accept:?}");
                assert!(headers[header::VARY].to_str().unwrap().contains("accept"));
                answers.push(answer);
            }
            assert!(answers.iter().all(|a| *a == answers[0]));
            assert_eq!(answers[0]["data"]["customers"]["totalCount"], 8);
            if app.response_cache {
                assert!(
                    app.responses.hits() >= hits_before + 2,
                    "{accept:?}: no hit"
                );
            } else {
                assert!(
                    app.documents.planned_answers() >= planned_before + 2,
                    "{accept:?}"
                );
            }
        }
    }
}

/// Requests that never reach execution, and the error code each gets.
fn request_errors() -> Vec<(Value, &'static str)> {
    vec![
        (
            json!({"query": "{ customers { nodes { id } }"}),
            "GRAPHQL_PARSE_FAILED",
        ),
        (
            json!({"query": "{ customers { shoeSize } }"}),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            json!({"query": "query A { customers { totalCount } }", "operationName": "B"}),
            "OPERATION_RESOLUTION_FAILURE",
        ),
        (
            json!({"query": "query Q($id: ID!) { customer(idOrEmail: $id) { id } }"}),
            "BAD_USER_INPUT",
        ),
        (
            json!({"query": "query Q($id: ID!) { customer(idOrEmail: $id) { id } }", "variables": {"id": null}}),
            "BAD_USER_INPUT",
        ),
        (
            json!({"query": "query Q($n: Int) { customers(perPage: $n) { totalCount } }", "variables": {"n": "ten"}}),
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ]
}

#[tokio::test]
async fn request_errors_are_400_without_data_for_clients_taking_graphql_responses() {
    let app = TestApp::semantic();
    for (body, code) in request_errors() {
        for (accept, status) in [
            (RESPONSE_JSON, StatusCode::BAD_REQUEST),
            ("application/json", StatusCode::OK),
        ] {
            let (got, _, answer) = post(&app, Some(accept), &body).await;
            assert_eq!(got, status, "{accept}: {body}: {answer}");
            // Raised before execution: no `data` entry at all, as the GraphQL spec says.
            assert!(answer.get("data").is_none(), "{accept}: {answer}");
            assert_eq!(answer["errors"][0]["extensions"]["code"], code, "{body}");
        }
    }
}

#[tokio::test]
async fn a_missing_required_variable_is_named_before_anything_runs() {
    let app = TestApp::semantic();
    let query =
        "query Q($id: ID!, $limit: Int = 2) { customer(idOrEmail: $id) { notes(limit: $limit) } }";
    let (_, _, answer) = post(&app, None, &json!({"query": query})).await;
    assert_eq!(
        answer["errors"],
        json!([{
            "message": "Variable \"$id\" of required type \"ID!\" was not provided.",
            "locations": [{"line": 1, "column": 9}],
            "extensions": {"code": "BAD_USER_INPUT"},
        }])
    );
    // Given, and the defaulted one left out: it runs.
    let body = json!({"query": query, "variables": {"id": "1"}});
    let (status, _, answer) = post(&app, Some(RESPONSE_JSON), &body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        answer,
        json!({"data": {"customer": {"notes": ["third", "second"]}}})
    );
}

#[tokio::test]
async fn field_errors_answer_200_with_their_data_under_either_type() {
    let app = TestApp::semantic();
    let body = json!({"query": "{ a: customer(idOrEmail: \"1\") { id notes(limit: -1) } b: customer(idOrEmail: \"2\") { id } }"});
    for accept in [RESPONSE_JSON, "application/json"] {
        let (status, _, answer) = post(&app, Some(accept), &body).await;
        assert_eq!(status, StatusCode::OK, "{accept}");
        assert_eq!(
            answer["data"],
            json!({"a": null, "b": {"id": 2}}),
            "{accept}"
        );
    }
}

#[tokio::test]
async fn a_post_that_is_not_json_is_refused_with_415() {
    let app = TestApp::semantic();
    // None, and the types a browser sends across origins without a preflight (a CSRF path).
    for content_type in [
        None,
        Some("text/plain;charset=UTF-8"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
    ] {
        let mut request = Request::post("/graphql").header(header::AUTHORIZATION, &app.admin);
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let body = Body::from(r#"{"query":"{ customers { totalCount } }"}"#);
        let (status, _, body) = app.send(request.body(body).unwrap()).await;
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("Content-Type: application/json"),
            "{body}"
        );
        assert!(body.get("data").is_none());
    }
    // With parameters, and in any case, JSON runs.
    let request = Request::post("/graphql")
        .header(header::AUTHORIZATION, &app.admin)
        .header(header::CONTENT_TYPE, "Application/JSON; charset=utf-8")
        .body(Body::from(r#"{"query":"{ customers { totalCount } }"}"#))
        .unwrap();
    let (status, _, _) = app.send(request).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_non_null_field_error_nulls_the_nearest_nullable_parent() {
    let app = TestApp::semantic();
    // A single customer: `notes` is non-null, so the customer (nullable) is null.
    let answer = app
        .graphql("{ customer(idOrEmail: \"3\") { id name notes(limit: -1) } }")
        .await;
    assert_eq!(answer["data"], json!({"customer": null}));
    assert_eq!(answer["errors"][0]["path"], json!(["customer", "notes"]));

    // A list's node: `Customer!` in `[Customer!]!` in `CustomerPage!`: non-null up to the
    // root, so `data` itself is null.
    let answer = app
        .graphql("{ customers(perPage: 2) { totalCount nodes { id notes(limit: -1) } } }")
        .await;
    assert_eq!(answer["data"], Value::Null);
    assert_eq!(
        answer["errors"][0]["path"],
        json!(["customers", "nodes", 0, "notes"])
    );

    // Siblings of the nulled field keep their data, in the document's order.
    let answer = app
        .graphql("{ first: customer(idOrEmail: \"1\") { id } bad: customer(idOrEmail: \"1\") { notes(limit: -1) id } last: customer(idOrEmail: \"2\") { id } }")
        .await;
    assert_eq!(
        answer["data"].to_string(),
        r#"{"first":{"id":1},"bad":null,"last":{"id":2}}"#
    );
}

#[tokio::test]
async fn a_non_null_field_error_in_a_nested_company_nulls_the_company() {
    let app = TestApp::semantic();
    // `Company.customers` is non-null and refuses `perPage: 0`; the customer's `company` is
    // nullable, so it is the one that becomes null, and the customer keeps its other fields.
    let answer = app
        .graphql("{ customer(idOrEmail: \"1\") { id company { id customers(perPage: 0) { totalCount } } email } }")
        .await;
    assert_eq!(
        answer["data"].to_string(),
        r#"{"customer":{"id":1,"company":null,"email":"alice@example.com"}}"#
    );
    assert_eq!(
        answer["errors"][0]["path"],
        json!(["customer", "company", "customers"])
    );
    assert_eq!(answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_refused_nullable_field_is_null_in_its_place() {
    let app = TestApp::semantic();
    let (status, answer) = app
        .graphql_as(
            None,
            "{ who: customer(idOrEmail: \"1\") { id } __typename }",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        answer["data"].to_string(),
        r#"{"who":null,"__typename":"Query"}"#
    );
    assert_eq!(answer["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

#[tokio::test]
async fn parse_errors_are_one_readable_line_with_their_location() {
    let app = TestApp::semantic();
    let answer = app
        .graphql_body(json!({"query": "{ customer(idOrEmail: ) { id } }"}))
        .await;
    assert_eq!(
        answer["errors"],
        json!([{
            "message": "Syntax error: expected value, found \")\".",
            "locations": [{"line": 1, "column": 23}],
            "extensions": {"code": "GRAPHQL_PARSE_FAILED"},
        }])
    );
}

#[tokio::test]
async fn the_schema_describes_itself_and_its_date_scalar() {
    let app = TestApp::semantic();
    let answer = app
        .graphql("{ __schema { description } __type(name: \"DateTime\") { specifiedByURL } }")
        .await;
    let description = answer["data"]["__schema"]["description"].as_str().unwrap();
    assert!(
        description.starts_with("Customers of a KB Support helpdesk"),
        "{description}"
    );
    assert_eq!(
        answer["data"]["__type"]["specifiedByURL"],
        "https://datatracker.ietf.org/doc/html/rfc3339"
    );
    // The checked-in SDL says the same.
    let sdl = std::fs::read_to_string("schema.graphql").unwrap();
    assert!(sdl.contains(description));
    assert!(sdl.contains(
        "scalar DateTime @specifiedBy(url: \"https://datatracker.ietf.org/doc/html/rfc3339\")"
    ));
}
