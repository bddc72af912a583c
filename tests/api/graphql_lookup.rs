//! `customer(idOrEmail:)` and the fields of a customer.

use serde_json::json;

use crate::helpers::TestApp;

async fn lookup(app: &TestApp, key: &str) -> serde_json::Value {
    let response = app
        .graphql_with(
            "query($k: ID!) { customer(idOrEmail: $k) { id } }",
            json!({"k": key}),
        )
        .await;
    assert!(response.get("errors").is_none(), "{key}: {response}");
    response["data"]["customer"]["id"].clone()
}

#[tokio::test]
async fn customers_are_found_by_id_with_or_without_leading_zeros() {
    let app = TestApp::semantic();
    assert_eq!(lookup(&app, "3").await, 3);
    assert_eq!(lookup(&app, "003").await, 3);
    let response = app.graphql("{ customer(idOrEmail: 7) { id } }").await;
    assert_eq!(response["data"]["customer"]["id"], 7);
}

#[tokio::test]
async fn customers_are_found_by_primary_or_additional_email_in_any_case() {
    let app = TestApp::semantic();
    assert_eq!(lookup(&app, "BOB@EXAMPLE.COM").await, 2);
    assert_eq!(lookup(&app, "Bob.Work@Corp.Example").await, 2);
    assert_eq!(lookup(&app, "zoë@umlaut.EXAMPLE").await, 3);
}

#[tokio::test]
async fn an_unknown_key_is_null_not_an_error() {
    let app = TestApp::semantic();
    for key in [
        "999",
        "0",
        "nobody@example.com",
        "abc",
        "",
        "1.5",
        "99999999999999999999",
    ] {
        assert_eq!(lookup(&app, key).await, serde_json::Value::Null, "{key:?}");
    }
}

#[tokio::test]
async fn a_full_customer_shows_every_field() {
    let app = TestApp::semantic();
    let response = app
        .graphql(
            r#"{ customer(idOrEmail: "1") { id name userId email additionalEmails
                 phone { primary additional } website
                 address { line1 line2 city state country zip }
                 companyId company { id name email customerId dateCreated }
                 dateCreated notes latest: notes(limit: 1) none: notes(limit: 0) ticketCount } }"#,
        )
        .await;
    assert_eq!(
        response,
        json!({"data": {"customer": {
            "id": 1, "name": "Alice Smith", "userId": 10, "email": "alice@example.com",
            "additionalEmails": [], "phone": {"primary": "+44 1", "additional": null},
            "website": null,
            "address": {"line1": "", "line2": "", "city": "Leeds", "state": "", "country": "GB", "zip": ""},
            "companyId": 1,
            "company": {"id": 1, "name": "Acme", "email": null, "customerId": null, "dateCreated": null},
            "dateCreated": "2020-01-01T00:00:00Z",
            "notes": ["third", "second", "first"], "latest": ["third"], "none": [],
            "ticketCount": 3
        }}})
    );
}

#[tokio::test]
async fn empty_values_are_null_and_unknown_companies_keep_their_id() {
    let app = TestApp::semantic();
    let response = app
        .graphql(
            r#"{ a: customer(idOrEmail: "4") { name userId phone { primary } address { city } companyId company { id } notes dateCreated }
                 b: customer(idOrEmail: "5") { companyId company { id } }
                 c: customer(idOrEmail: "3") { additionalEmails phone { primary additional } } }"#,
        )
        .await;
    assert_eq!(
        response["data"],
        json!({
            "a": {"name": null, "userId": null, "phone": null, "address": null, "companyId": null,
                  "company": null, "notes": [], "dateCreated": "2019-06-01T00:00:00Z"},
            "b": {"companyId": 99, "company": null},
            "c": {"additionalEmails": ["ZOË@umlaut.example"], "phone": {"primary": "+33 1", "additional": "+33 2"}}
        })
    );
}

#[tokio::test]
async fn list_nodes_carry_their_companies() {
    let app = TestApp::semantic();
    let response = app
        .graphql("{ customers(include: [1, 2, 5], orderBy: ID, order: ASC) { nodes { id company { name } } } }")
        .await;
    assert_eq!(
        response["data"]["customers"]["nodes"],
        json!([{"id": 1, "company": {"name": "Acme"}}, {"id": 2, "company": {"name": "Globex"}},
               {"id": 5, "company": null}])
    );
}

#[tokio::test]
async fn fragments_still_get_totals_and_companies() {
    let app = TestApp::semantic();
    let response = app
        .graphql(
            "query { customers(perPage: 1, include: [1]) { ...Totals nodes { ... on Customer { company { name } } } } }
             fragment Totals on CustomerPage { totalCount hasNextPage totalPages }",
        )
        .await;
    assert_eq!(
        response["data"]["customers"],
        json!({"totalCount": 1, "hasNextPage": false, "totalPages": 1, "nodes": [{"company": {"name": "Acme"}}]})
    );
}
