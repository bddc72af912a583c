//! Every GraphQL error carries `extensions.code`; client mistakes are never internal errors.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, Request, StatusCode};
use futures_util::StreamExt;
use kbs_graphql::Limits;
use serde_json::Value;

use crate::helpers::TestApp;

#[tokio::test]
async fn arguments_out_of_range_are_bad_user_input() {
    let app = TestApp::semantic();
    for args in [
        "perPage: 0",
        "perPage: 101",
        "perPage: -5",
        "page: 0",
        "page: -1",
        "offset: -1",
    ] {
        let query = format!("{{ customers({args}) {{ totalCount nodes {{ id }} }} }}");
        assert_eq!(app.error_code(&query).await, "BAD_USER_INPUT", "{args}");
        // No partial data alongside the error.
        assert_eq!(app.graphql(&query).await["data"], Value::Null, "{args}");
    }
    let notes = "{ customer(idOrEmail: \"1\") { notes(limit: -1) } }";
    assert_eq!(app.error_code(notes).await, "BAD_USER_INPUT");
}

#[tokio::test]
async fn out_of_range_messages_name_the_argument() {
    let app = TestApp::semantic();
    let response = app
        .graphql("{ customers(perPage: 0) { totalCount } }")
        .await;
    assert_eq!(
        response["errors"][0]["message"],
        "perPage must be between 1 and 100"
    );
    assert_eq!(
        response["errors"][0]["path"],
        serde_json::json!(["customers"])
    );
}

#[tokio::test]
async fn picking_an_operation_that_is_not_there_has_a_code() {
    let app = TestApp::semantic();
    let two = "query A { customers { totalCount } } query B { customers { totalCount } }";
    for (query, operation) in [
        (two, Some("C")),
        (two, None),
        ("{ customers { totalCount } }", Some("A")),
    ] {
        let response = app
            .graphql_body(serde_json::json!({"query": query, "operationName": operation}))
            .await;
        assert_eq!(
            response["errors"][0]["extensions"]["code"], "OPERATION_RESOLUTION_FAILURE",
            "{response}"
        );
    }
    let chosen = app
        .graphql_body(serde_json::json!({"query": two, "operationName": "B"}))
        .await;
    assert!(chosen.get("errors").is_none(), "{chosen}");
}

#[tokio::test]
async fn malformed_queries_have_parse_and_validation_codes() {
    let app = TestApp::semantic();
    assert_eq!(app.error_code("{ customers(").await, "GRAPHQL_PARSE_FAILED");
    assert_eq!(
        app.error_code("{ customers { nope } }").await,
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert_eq!(
        app.error_code("{ customers(perPage: \"x\") { totalCount } }")
            .await,
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert_eq!(
        app.error_code("{ customers(orderBy: SIZE) { totalCount } }")
            .await,
        "GRAPHQL_VALIDATION_FAILED"
    );
}

#[tokio::test]
async fn bad_variables_are_client_errors() {
    let app = TestApp::semantic();
    let response = app
        .graphql_with(
            "query($p: Int) { customers(perPage: $p) { totalCount } }",
            serde_json::json!({"p": "ten"}),
        )
        .await;
    let code = response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap();
    assert!(
        ["BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"].contains(&code),
        "{response}"
    );
}

#[tokio::test]
async fn queries_too_deep_are_refused() {
    let app = TestApp::semantic();
    let nested = |levels: usize| {
        format!(
            "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }} }}",
            "ofType { ".repeat(levels),
            "} ".repeat(levels)
        )
    };
    // GraphiQL's own introspection query nests this deep, and must work.
    let ok = app.graphql(&nested(12)).await;
    assert!(ok.get("errors").is_none(), "{ok}");
    assert_eq!(
        app.error_code(&nested(20)).await,
        "GRAPHQL_VALIDATION_FAILED"
    );
}

#[tokio::test]
async fn a_body_that_is_not_a_graphql_request_is_a_400_with_a_code() {
    let app = TestApp::semantic();
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"quer"))
        .unwrap();
    let (status, _, body) = app.send(request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413() {
    let app = TestApp::semantic();
    let padding = " ".repeat(128 * 1024);
    let body = format!("{{\"query\": \"{{ customers {{ totalCount }} }}{padding}\"}}");
    // Its length declared (refused before the handler) or not (refused as it is read): the
    // same JSON error either way.
    for declared in [true, false] {
        let mut request =
            Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
        if declared {
            request = request.header(header::CONTENT_LENGTH, body.len());
        }
        let (status, _, answer) = app
            .send(request.body(Body::from(body.clone())).unwrap())
            .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        let answer: Value = serde_json::from_slice(&answer)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&answer)));
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE",
            "declared: {declared}"
        );
    }
}

#[tokio::test]
async fn a_request_past_its_time_is_answered_408() {
    let app = TestApp::with_state(|state| {
        state.with_limits(Limits {
            request_timeout: Duration::from_millis(100),
            ..Limits::default()
        })
    });
    // A client that sends the start of its body and then nothing more.
    let stalled = futures_util::stream::once(async {
        Ok::<_, std::convert::Infallible>(Bytes::from_static(b"{\"query\": \"{ cust"))
    })
    .chain(futures_util::stream::pending());
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, &app.admin)
        .body(Body::from_stream(stalled))
        .unwrap();
    let (status, _, body) = tokio::time::timeout(Duration::from_secs(10), app.send(request))
        .await
        .expect("answered, not left hanging");
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
    assert!(body.is_empty());

    // The same app answers a request that does not stall.
    let answer = app.graphql("{ customers { totalCount } }").await;
    assert_eq!(answer["data"]["customers"]["totalCount"], 0);
}

#[tokio::test]
async fn get_requests_carry_query_and_variables_in_the_url() {
    let app = TestApp::semantic();
    let uri = "/graphql?query=query(%24i%3A%5BInt!%5D)%7Bcustomers(include%3A%24i)%7BtotalCount%7D%7D&variables=%7B%22i%22%3A%5B1%2C2%5D%7D";
    let (status, headers, body) = app
        .send(
            Request::get(uri)
                .header(header::AUTHORIZATION, &app.admin)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .contains("json"));
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["data"]["customers"]["totalCount"], 2);
}

/// A preflight and a POST from `origin` to `app`: the CORS headers each got.
async fn cross_origin(
    app: &TestApp,
    origin: &str,
) -> (axum::http::HeaderMap, axum::http::HeaderMap) {
    let preflight = Request::builder()
        .method("OPTIONS")
        .uri("/graphql")
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            "authorization, content-type",
        )
        .body(Body::empty())
        .unwrap();
    let (status, preflight, _) = app.send(preflight).await;
    assert_eq!(status, StatusCode::OK);
    let request = Request::post("/graphql")
        .header(header::ORIGIN, origin)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, &app.admin)
        .body(Body::from(r#"{"query":"{ customers { totalCount } }"}"#))
        .unwrap();
    let (status, answer, _) = app.send(request).await;
    assert_eq!(status, StatusCode::OK);
    (preflight, answer)
}

#[tokio::test]
async fn any_origin_may_call_graphql_but_only_listed_ones_with_credentials() {
    let open = TestApp::semantic();
    let listed = TestApp::with_state(|state| {
        state.with_cors(kbs_graphql::rest::CorsOrigins::parse("https://app.example"))
    });
    for (app, origin, credentials) in [
        (&open, "https://app.example", false),
        (&listed, "https://app.example", true),
        (&listed, "https://elsewhere.example", false),
    ] {
        let (preflight, answer) = cross_origin(app, origin).await;
        for headers in [&preflight, &answer] {
            // Every origin may read, sending the `Authorization` header itself.
            assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], origin);
            assert_eq!(
                headers
                    .get(header::ACCESS_CONTROL_ALLOW_CREDENTIALS)
                    .is_some(),
                credentials,
                "{origin}"
            );
            // Answers depend on the origin: shared caches must keep them apart.
            assert_eq!(
                headers[header::VARY],
                "origin, accept, access-control-request-method, access-control-request-headers"
            );
        }
        assert!(preflight[header::ACCESS_CONTROL_ALLOW_HEADERS]
            .to_str()
            .unwrap()
            .contains("authorization"));
    }
}
