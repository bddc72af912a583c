//! HTTP batching: an array of operations answers an array, in order, each entry as it would be
//! answered alone; the batch is capped and its cost counted as a whole.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use kbs_graphql::Limits;
use serde_json::{json, Value};

use crate::helpers::TestApp;

async fn post(app: &TestApp, body: &Value) -> (StatusCode, Value) {
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, &app.admin)
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, _, bytes) = app.send(request).await;
    (status, serde_json::from_slice(&bytes).expect("a JSON body"))
}

#[tokio::test]
async fn a_batch_answers_each_operation_in_order_as_it_would_be_answered_alone() {
    let app = TestApp::semantic();
    let operations = vec![
        json!({"query": "{ customers(perPage: 2) { totalCount nodes { id name } } }"}),
        json!({"query": "query One($id: ID!) { customer(idOrEmail: $id) { id email } }", "variables": {"id": "3"}}),
        json!({"query": "{ customers { nodes { id }"}),
        json!({"query": "{ customer(idOrEmail: \"1\") { id notes(limit: -1) } }"}),
        json!({"query": "query A { __typename } query B { customer(idOrEmail: \"2\") { id } }", "operationName": "B"}),
    ];
    // Twice: the executor answers the first batch, plans answer the documents that have one.
    for _ in 0..2 {
        let (status, answers) = post(&app, &Value::Array(operations.clone())).await;
        assert_eq!(status, StatusCode::OK, "{answers}");
        let answers = answers.as_array().expect("an array");
        assert_eq!(answers.len(), operations.len());
        for (operation, answer) in operations.iter().zip(answers) {
            let (_, alone) = post(&app, operation).await;
            assert_eq!(answer, &alone, "{operation}");
        }
        assert_eq!(answers[0]["data"]["customers"]["totalCount"], 8);
        assert_eq!(answers[1]["data"]["customer"]["email"], "zoe@example.com");
        assert_eq!(
            answers[2]["errors"][0]["extensions"]["code"],
            "GRAPHQL_PARSE_FAILED"
        );
        assert!(answers[2].get("data").is_none());
        assert_eq!(answers[3]["data"], json!({"customer": null}));
        assert_eq!(answers[4]["data"], json!({"customer": {"id": 2}}));
    }
    assert!(app.documents.planned_answers() > 0);
}

#[tokio::test]
async fn a_batch_longer_than_the_cap_or_empty_is_refused() {
    let app = TestApp::with_state(|state| {
        state.with_limits(Limits {
            max_batch: 2,
            ..Limits::default()
        })
    })
    .holding_semantic();
    let one = json!({"query": "{ __typename }"});
    let (status, answer) = post(&app, &json!([one, one])).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    for batch in [json!([one, one, one]), json!([])] {
        let (status, answer) = post(&app, &batch).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{batch}");
        assert_eq!(answer["errors"][0]["extensions"]["code"], "BATCH_TOO_LARGE");
        let message = answer["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("1 to 2 operations") && message.contains("--max-batch"),
            "{message}"
        );
    }
    // The default cap is ten.
    let app = TestApp::semantic();
    let (status, _) = post(&app, &Value::Array(vec![one.clone(); 10])).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = post(&app, &Value::Array(vec![one; 11])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_batch_costs_what_its_operations_cost_together() {
    let app = TestApp::semantic();
    // 200 rows each (a page of 100 and a total): five fit the 1000-row bound, six do not.
    let page = json!({"query": "{ customers(perPage: 100) { totalCount nodes { id } } }"});
    let (status, answers) = post(&app, &Value::Array(vec![page.clone(); 5])).await;
    assert_eq!(status, StatusCode::OK, "{answers}");
    let (status, answer) = post(&app, &Value::Array(vec![page; 6])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer["errors"][0]["extensions"]["code"],
        "QUERY_TOO_COSTLY"
    );
    let message = answer["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("The batch as a whole: Query too costly: 1200 rows"),
        "{message}"
    );
}
