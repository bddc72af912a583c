//! What one GraphQL request may cost: rows read by the operation that runs, its aliases, root
//! fields and fields, counted before it runs; and answers that list a bounded number of errors.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::TestApp;

/// `count` aliases of `field`, in one query.
fn aliased(count: usize, field: &str) -> String {
    let fields: Vec<String> = (0..count).map(|n| format!("a{n}: {field}")).collect();
    format!("{{ {} }}", fields.join(" "))
}

/// The status and the single error's code and message.
async fn refused(app: &TestApp, query: &str, variables: Value) -> (StatusCode, String, String) {
    let (status, body) = app.graphql_as(Some(&app.admin), query, variables).await;
    let errors = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(errors.len(), 1, "{body}");
    assert!(body.get("data").is_none(), "refused before running: {body}");
    let code = errors[0]["extensions"]["code"].as_str().unwrap().to_owned();
    (
        status,
        code,
        errors[0]["message"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn pages_cost_their_size_and_the_refusal_says_the_cost_and_the_limit() {
    let app = TestApp::demo();
    let hundred = "customers(perPage: 100) { nodes { id } }";
    let answer = app.graphql(&aliased(10, hundred)).await;
    assert!(answer.get("errors").is_none(), "ten pages of 100 may run");
    assert_eq!(answer["data"]["a9"]["nodes"].as_array().unwrap().len(), 100);

    let (status, code, message) = refused(&app, &aliased(11, hundred), json!({})).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "QUERY_TOO_COSTLY")
    );
    assert!(
        message.contains("1100 rows") && message.contains("at most 1000"),
        "{message}"
    );

    let (_, _, message) = refused(&app, &aliased(300, hundred), json!({})).await;
    assert!(message.contains("30000 rows"), "{message}");
}

#[tokio::test]
async fn companies_and_totals_count_as_rows_read() {
    let app = TestApp::demo();
    // Five pages of 100 with their companies: 1,000 rows, the most.
    let with_companies = "customers(perPage: 100) { nodes { id company { name } } }";
    let answer = app.graphql(&aliased(5, with_companies)).await;
    assert!(answer.get("errors").is_none(), "{answer}");
    let (_, _, message) = refused(&app, &aliased(6, with_companies), json!({})).await;
    assert!(message.contains("1200 rows"), "{message}");
    // A total costs 100 rows: ten of them alone are the limit, eleven are over.
    let answer = app.graphql(&aliased(10, "customers { totalCount }")).await;
    assert!(answer.get("errors").is_none(), "{answer}");
    let (_, _, message) = refused(&app, &aliased(11, "customers { totalCount }"), json!({})).await;
    assert!(message.contains("1100 rows"), "{message}");
}

#[tokio::test]
async fn cursor_pages_and_companies_count_as_the_rows_they_read() {
    let app = TestApp::demo();
    // `first`/`last` are a page's size as `perPage` is.
    for size in ["first: 100", "last: 100"] {
        let page = format!("customers({size}) {{ nodes {{ id }} }}");
        assert!(app
            .graphql(&aliased(10, &page))
            .await
            .get("errors")
            .is_none());
        let (_, code, message) = refused(&app, &aliased(11, &page), json!({})).await;
        assert_eq!(code, "QUERY_TOO_COSTLY", "{size}");
        assert!(message.contains("1100 rows"), "{size}: {message}");
    }
    // Each company's page of customers counts: 10 companies x (1 + 100 customers) + 10.
    let nested = "companies { nodes { id customers(perPage: 100) { nodes { id } } } }";
    let (_, _, message) = refused(&app, &format!("{{ {nested} }}"), json!({})).await;
    assert!(message.contains("1010 rows"), "{message}");
    let fits = "companies { nodes { id customers(perPage: 90) { totalCount nodes { id } } } }";
    let answer = app.graphql(&format!("{{ {fits} }}")).await;
    assert!(answer.get("errors").is_none(), "{answer}");
}

#[tokio::test]
async fn a_page_size_given_in_a_variable_or_through_fragments_counts_the_same() {
    let app = TestApp::demo();
    let query = "query Pages($n: Int) { ...Pages } \
                 fragment Pages on Query { a: customers(perPage: $n) { ...Ids } \
                 b: customers(perPage: $n) { ...Ids } } \
                 fragment Ids on CustomerPage { nodes { id } }";
    let answer = app.graphql_with(query, json!({"n": 100})).await;
    assert!(answer.get("errors").is_none(), "200 rows: {answer}");
    let six: Vec<String> = (0..6)
        .map(|n| format!("p{n}: customers(perPage: $n) {{ ...Ids }}"))
        .collect();
    let query = format!(
        "query Pages($n: Int = 100) {{ {} }} fragment Ids on CustomerPage {{ nodes {{ id }} }}",
        six.join(" ")
    );
    let answer = app.graphql_with(&query, json!({"n": 10})).await;
    assert!(answer.get("errors").is_none(), "60 rows: {answer}");
    let twelve: Vec<String> = (0..12)
        .map(|n| format!("p{n}: customers(perPage: $n) {{ ...Ids }}"))
        .collect();
    let defaulted = format!(
        "query Pages($n: Int = 100) {{ {} }} fragment Ids on CustomerPage {{ nodes {{ id }} }}",
        twelve.join(" ")
    );
    let (_, _, message) = refused(&app, &defaulted, json!({})).await;
    assert!(
        message.contains("1200 rows"),
        "the variable's default counts: {message}"
    );
}

#[tokio::test]
async fn only_the_operation_that_runs_is_counted() {
    let app = TestApp::demo();
    let mut document: String = (0..1500)
        .map(|n| format!("query Op{n} {{ __typename }} "))
        .collect();
    document.push_str(&format!(
        "query Heavy {}",
        aliased(11, "customers(perPage: 100) { nodes { id } }")
    ));
    let answer = app
        .graphql_body(json!({"query": document, "operationName": "Op7"}))
        .await;
    assert_eq!(answer["data"]["__typename"], "Query", "{answer}");
    let answer = app
        .graphql_body(json!({"query": document, "operationName": "Heavy"}))
        .await;
    assert_eq!(
        answer["errors"][0]["extensions"]["code"], "QUERY_TOO_COSTLY",
        "{answer}"
    );
}

#[tokio::test]
async fn aliases_and_root_fields_are_capped() {
    let app = TestApp::demo();
    let answer = app
        .graphql(&aliased(30, "customer(idOrEmail: \"1\") { id }"))
        .await;
    assert!(answer.get("errors").is_none(), "{answer}");
    let (_, code, message) = refused(
        &app,
        &aliased(31, "customer(idOrEmail: \"1\") { id }"),
        json!({}),
    )
    .await;
    assert_eq!(code, "QUERY_TOO_COSTLY");
    assert!(
        message.contains("31 root fields") && message.contains("at most 30"),
        "{message}"
    );

    let nested: Vec<String> = (0..31).map(|n| format!("e{n}: email")).collect();
    let query = format!(
        "{{ customer(idOrEmail: \"1\") {{ {} }} }}",
        nested.join(" ")
    );
    let (_, _, message) = refused(&app, &query, json!({})).await;
    assert!(
        message.contains("31 aliases") && message.contains("at most 30"),
        "{message}"
    );

    let roots = "{ ".to_owned() + &"__typename ".repeat(31) + "}";
    let (_, _, message) = refused(&app, &roots, json!({})).await;
    assert!(message.contains("31 root fields"), "{message}");
}

#[tokio::test]
async fn fragments_that_expand_without_end_are_refused_without_expanding_them() {
    let app = TestApp::demo();
    // Each fragment spreads the next twice: 2^40 selections if expanded.
    let mut document = String::from("{ ...F0 }");
    for n in 0..40 {
        document.push_str(&format!(
            " fragment F{n} on Query {{ ...F{} ...F{} }}",
            n + 1,
            n + 1
        ));
    }
    document.push_str(" fragment F40 on Query { __typename }");
    let started = std::time::Instant::now();
    let (_, code, message) = refused(&app, &document, json!({})).await;
    assert_eq!(code, "QUERY_TOO_COSTLY");
    assert!(message.contains("fragments expand"), "{message}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

#[tokio::test]
async fn an_answer_lists_at_most_twenty_errors() {
    let app = TestApp::demo();
    let directives = "@nope ".repeat(2000);
    let query = format!("{{ customers {directives} {{ totalCount }} }}");
    let (_, body) = app.graphql_as(Some(&app.admin), &query, json!({})).await;
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 21, "{body}");
    assert_eq!(errors[20]["extensions"]["code"], "TOO_MANY_ERRORS");
    assert!(errors[20]["message"]
        .as_str()
        .unwrap()
        .contains("more errors"));
    assert!(
        body.to_string().len() < 8 * 1024,
        "{} bytes",
        body.to_string().len()
    );
}
