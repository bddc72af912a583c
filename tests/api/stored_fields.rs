//! Planned GraphQL answers that paste each customer's stored fields (`Fields::Stored`) are the
//! answers written from every column: on every page shape the fast path reads them for (by
//! number and by cursor, in every order, filtered, with companies, aliased, partly selected
//! objects), beside an app whose stored fields do not exist yet, which reads the rows instead.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use diesel::prelude::*;
use kbs_graphql::customers::Read;
use serde_json::{json, Value};

use crate::derived::rendering_fixtures;
use crate::helpers::{semantic_companies, TestApp};

const EVERY_FIELD: &str = "id name userId email additionalEmails phone { primary additional } \
     website address { line1 line2 city state country zip } companyId company { id name } \
     dateCreated notes ticketCount";

fn queries() -> Vec<String> {
    let pages = [
        "perPage: 100",
        "perPage: 3, page: 2, order: ASC",
        "orderBy: NAME, perPage: 4",
        "orderBy: EMAIL, order: ASC, offset: 2",
        "search: \"smith\"",
        "company: [2]",
        "first: 3",
        "last: 2, orderBy: DATE",
    ];
    let mut queries: Vec<String> = pages
        .iter()
        .map(|args| format!("{{ customers({args}) {{ nodes {{ {EVERY_FIELD} }} totalCount }} }}"))
        .collect();
    queries.push(format!(
        "{{ customers(first: 4, orderBy: NAME) {{ edges {{ cursor node {{ {EVERY_FIELD} }} }} \
         pageInfo {{ endCursor hasNextPage }} }} }}"
    ));
    queries.push(
        "{ customers(perPage: 5) { nodes { __typename who: name notes \
         phone { __typename additional } address { zip city } mail: email } } }"
            .to_owned(),
    );
    queries
}

/// The stale renderings `app` has read around: pages that asked for stored fields and read
/// the rows instead.
fn stale(app: &TestApp) -> u64 {
    app.reads.taken(Read::StaleRenderings)
}

async fn answers_agree(rows: &TestApp, stored: &TestApp) {
    for query in queries() {
        let before = (stale(rows), stale(stored));
        // Each app's helper also compares its planned answer with its executor's, byte for
        // byte: the stored app's plan pasted the stored fields, the other's read the rows.
        let expected: Value = rows.graphql(&query).await;
        let shown = expected.to_string();
        assert!(
            shown.contains("@example."),
            "{query}: no customer shown: {expected}"
        );
        assert_eq!(stored.graphql(&query).await, expected, "{query}");
        assert!(
            stale(rows) > before.0,
            "{query}: no plan asked for stored fields"
        );
        assert_eq!(
            stale(stored),
            before.1,
            "{query}: the stored fields did not serve"
        );
    }
}

#[tokio::test]
async fn planned_answers_pasting_stored_fields_equal_those_written_from_the_rows() {
    let companies = semantic_companies();
    let rows = TestApp::with(&rendering_fixtures(), &companies);
    let stored = TestApp::with(&rendering_fixtures(), &companies);
    stored.build_derived_data();
    answers_agree(&rows, &stored).await;
}

/// Stored fields on another customer's row, or with a byte changed, are caught by their
/// checksum: the plan leaves the request to the executor, which answers from the rows.
#[tokio::test]
async fn damaged_stored_fields_are_never_pasted() {
    let companies = semantic_companies();
    let rows = TestApp::with(&rendering_fixtures(), &companies);
    let stored = TestApp::with(&rendering_fixtures(), &companies);
    stored.build_derived_data();
    let mut conn = stored.db.pool.get().unwrap();
    for damage in [
        "UPDATE customer_json SET fields = (SELECT fields FROM customer_json WHERE id = 1) \
         WHERE id = 9",
        "UPDATE customer_json SET fields = \
         CAST(replace(CAST(fields AS TEXT), 'Smith', 'Smyth') AS BLOB) WHERE id = 1",
    ] {
        assert_eq!(diesel::sql_query(damage).execute(&mut conn).unwrap(), 1);
    }
    drop(conn);
    let query = format!("{{ customers(perPage: 100) {{ nodes {{ {EVERY_FIELD} }} }} }}");
    let expected = rows.graphql(&query).await;
    // Sent by hand: the helper requires a plan to answer, and here it must not.
    let send = || async {
        let request = Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, stored.admin.clone())
            .body(Body::from(json!({ "query": query }).to_string()))
            .unwrap();
        let (status, _, body) = stored.send(request).await;
        assert_eq!(status, StatusCode::OK);
        serde_json::from_slice::<Value>(&body).unwrap()
    };
    let planned_before = stored.documents.planned_answers();
    // The executor's answer, then the one the plan left to it.
    for _ in 0..2 {
        let answer = send().await;
        assert_eq!(answer, expected);
        assert!(answer.to_string().contains("Smith"), "{answer}");
    }
    assert_eq!(stored.documents.planned_answers(), planned_before);
}
