//! What the REST routes send: the plugin's key order and omissions, `_links`, totals and
//! `Link`, the page-number 400, `_fields`, `_envelope`, and the headers of every answer.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use kbs_graphql::rest::{CorsOrigins, Site};
use serde_json::{json, Value};

use crate::helpers::{customer, ids_of, TestApp};

fn shape_app() -> TestApp {
    let app = TestApp::with_state(|state| {
        state.with_site(Site {
            base_url: "https://help.example.com".into(),
            timezone: chrono::FixedOffset::east_opt(2 * 3600).unwrap(),
        })
    });
    let notes: Vec<String> = (1..=22).rev().map(|n| format!("note {n}")).collect();
    let notes: Vec<&str> = notes.iter().map(String::as_str).collect();
    let customers = [
        customer(1, "alice@example.com")
            .name("Alice O'Brien")
            .user(4)
            .extra_emails(&["alice2@example.com"])
            .phone("+44 123", "555")
            .address(json!({"line1": "1 Road", "city": "Leeds", "country": "GB", "zip": "LS1"}))
            .company(12)
            .created("2026-11-27 04:58:36")
            .notes(&["Second note", "First note"])
            .tickets(3)
            .build(),
        customer(2, "bob@example.com")
            .created("2026-11-27 22:30:00")
            .build(),
        customer(3, "carol@example.com")
            .name("Carol")
            .company(99)
            .phone("", "555")
            .notes(&notes)
            .build(),
    ];
    let mut website = customers[0].clone();
    website["website"] = json!("https://alice.example");
    let customers = [website, customers[1].clone(), customers[2].clone()];
    app.import(
        &crate::helpers::jsonl(&customers),
        Some(&crate::helpers::jsonl(&[json!({"id": 12, "name": "Acme"})])),
        false,
    )
    .unwrap();
    app
}

#[tokio::test]
async fn a_full_customer_has_every_key_in_the_plugin_s_order() {
    let app = shape_app();
    let (_, _, body) = app.rest("/wp-json/kbs/v1/customers/1").await;
    let links = r#"{"self":[{"href":"https://help.example.com/wp-json/kbs/v1/customers/1"}],"collection":[{"href":"https://help.example.com/wp-json/kbs/v1/customers"}],"user":[{"embeddable":true,"href":"https://help.example.com/wp-json/wp/v2/users/4"}],"company":[{"embeddable":true,"href":"https://help.example.com/wp-json/kbs/v1/companies/12"}],"tickets":[{"embeddable":true,"href":"https://help.example.com/wp-json/kbs/v1/tickets/?customer=1"}]}"#;
    let expected = format!(
        r#"{{"id":1,"name":"Alice O'Brien","user_id":4,"email":"alice@example.com","additional_emails":["alice2@example.com"],"phone":{{"primary":"+44 123","additional":"555"}},"website":"https://alice.example","address":{{"line1":"1 Road","line2":"","city":"Leeds","state":"","country":"GB","zip":"LS1"}},"company":12,"date_created":"2026-11-27 06:58:36","notes":["Second note","First note"],"ticket_count":3,"_links":{links}}}"#
    );
    assert_eq!(body, expected);
}

#[tokio::test]
async fn empty_values_are_left_out_not_null() {
    let app = shape_app();
    let (_, _, body) = app.rest("/wp-json/kbs/v1/customers/2").await;
    // Dates are in the site's time zone: 22:30 UTC is the next day at +02:00.
    let expected = r#"{"id":2,"email":"bob@example.com","additional_emails":[],"date_created":"2026-11-28 00:30:00","ticket_count":0,"_links":{"self":[{"href":"https://help.example.com/wp-json/kbs/v1/customers/2"}],"collection":[{"href":"https://help.example.com/wp-json/kbs/v1/customers"}],"tickets":[{"embeddable":true,"href":"https://help.example.com/wp-json/kbs/v1/tickets/?customer=2"}]}}"#;
    assert_eq!(body, expected);
}

#[tokio::test]
async fn unknown_companies_keep_their_link_but_not_their_key_and_notes_stop_at_20() {
    let app = shape_app();
    let body = app.rest_json("/wp-json/kbs/v1/customers/3").await;
    assert!(body.get("company").is_none(), "{body}");
    assert!(
        body.get("phone").is_none(),
        "no primary phone, no phone: {body}"
    );
    assert_eq!(
        body["_links"]["company"][0]["href"],
        "https://help.example.com/wp-json/kbs/v1/companies/99"
    );
    assert!(body["_links"].get("user").is_none());
    let notes = body["notes"].as_array().unwrap();
    assert_eq!((notes.len(), notes[0].as_str().unwrap()), (20, "note 22"));
}

#[tokio::test]
async fn lists_carry_totals_and_prev_next_links() {
    let app = TestApp::semantic();
    let link = |headers: &axum::http::HeaderMap| -> Vec<String> {
        headers
            .get_all("link")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    };
    let api = r#"<http://localhost/wp-json/>; rel="https://api.w.org/""#;
    let base = "http://localhost/wp-json/kbs/v1/customers";

    let (_, headers, _) = app
        .rest("/wp-json/kbs/v1/customers?per_page=3&orderby=name")
        .await;
    assert_eq!(
        (&headers["x-wp-total"], &headers["x-wp-totalpages"]),
        (&"8".parse().unwrap(), &"3".parse().unwrap())
    );
    assert_eq!(
        link(&headers),
        [
            api.to_owned(),
            format!("<{base}?per_page=3&orderby=name&page=2>; rel=\"next\"")
        ]
    );

    // Only what the route reads goes on to the next page, however much else was sent.
    let junk = "x".repeat(20_000);
    let (_, headers, _) = app
        .rest(&format!(
            "/wp-json/kbs/v1/customers?per_page=3&junk={junk}&orderby=name&utm=1"
        ))
        .await;
    assert_eq!(
        link(&headers)[1],
        format!("<{base}?per_page=3&orderby=name&page=2>; rel=\"next\"")
    );

    let (_, headers, _) = app
        .rest("/wp-json/kbs/v1/customers?page=2&per_page=3")
        .await;
    assert_eq!(
        link(&headers)[1],
        format!(
            "<{base}?per_page=3&page=1>; rel=\"prev\", <{base}?per_page=3&page=3>; rel=\"next\""
        )
    );

    let (_, headers, body) = app
        .rest("/wp-json/kbs/v1/customers?per_page=3&page=3")
        .await;
    assert_eq!(
        link(&headers)[1],
        format!("<{base}?per_page=3&page=2>; rel=\"prev\"")
    );
    assert_eq!(ids_of(&serde_json::from_str(&body).unwrap()), [2, 1]);

    let (_, headers, _) = app.rest("/wp-json/kbs/v1/customers").await;
    assert_eq!(
        link(&headers),
        [api.to_owned()],
        "one page: no prev or next"
    );
}

#[tokio::test]
async fn a_page_past_the_last_is_a_400_but_no_matches_is_an_empty_200() {
    let app = TestApp::semantic();
    let (status, _, body) = app
        .rest("/wp-json/kbs/v1/customers?per_page=3&page=4")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        r#"{"code":"rest_customer_invalid_page_number","message":"The page number requested is larger than the number of pages available.","data":{"status":400}}"#
    );
    for uri in [
        "/wp-json/kbs/v1/customers?name=nobody",
        "/wp-json/kbs/v1/customers?name=nobody&page=5",
    ] {
        let (status, headers, body) = app.rest(uri).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "[]"), "{uri}");
        assert_eq!(headers["x-wp-total"], "0");
        assert_eq!(headers["x-wp-totalpages"], "0");
    }
}

#[tokio::test]
async fn fields_keep_only_the_listed_keys_nested_with_dots() {
    let app = shape_app();
    let (_, _, body) = app
        .rest("/wp-json/kbs/v1/customers/1?_fields=id,phone.primary,address.city")
        .await;
    assert_eq!(
        body,
        r#"{"id":1,"phone":{"primary":"+44 123"},"address":{"city":"Leeds"}}"#
    );
    let (_, _, body) = app
        .rest("/wp-json/kbs/v1/customers?_fields=id,name&orderby=id&order=asc")
        .await;
    assert_eq!(
        body,
        r#"[{"id":1,"name":"Alice O'Brien"},{"id":2},{"id":3,"name":"Carol"}]"#
    );
    let body = app
        .rest_json("/wp-json/kbs/v1/customers?_fields[]=id&_fields[]=_links&per_page=1")
        .await;
    assert_eq!(
        body[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["id", "_links"]
    );
    // Errors are never filtered.
    let (_, _, body) = app.rest("/wp-json/kbs/v1/customers/404?_fields=id").await;
    assert!(body.contains("rest_customer_invalid_id"));
}

#[tokio::test]
async fn envelope_wraps_answers_and_errors_in_a_200() {
    let app = TestApp::semantic();
    let (status, _, body) = app
        .rest("/wp-json/kbs/v1/customers?_envelope&per_page=3&page=2")
        .await;
    assert_eq!(status, StatusCode::OK);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["status"], 200);
    assert_eq!(ids_of(&body["body"]), [5, 4, 3]);
    let headers = &body["headers"];
    assert_eq!(
        (
            &headers["X-WP-Total"],
            &headers["X-WP-TotalPages"],
            &headers["Allow"]
        ),
        (&json!(8), &json!(3), &json!("GET"))
    );
    assert!(headers["Link"].as_str().unwrap().contains("rel=\"next\""));

    let single = app
        .rest_json("/wp-json/kbs/v1/customers/1?_envelope=1")
        .await;
    assert_eq!(
        (single["status"].clone(), single["body"]["id"].clone()),
        (json!(200), json!(1))
    );

    let (status, _, body) = app
        .rest_as("GET", "/wp-json/kbs/v1/customers?_envelope", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        r#"{"body":{"code":"rest_forbidden_context","message":"Authentication failed.","data":{"status":401}},"status":401,"headers":[]}"#
    );
}

#[tokio::test]
async fn every_answer_carries_wordpress_s_headers() {
    let app = TestApp::semantic();
    let (_, headers, _) = app.rest("/wp-json/kbs/v1/customers").await;
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "application/json; charset=UTF-8"
    );
    assert_eq!(headers["allow"], "GET");
    assert_eq!(
        headers["access-control-expose-headers"],
        "X-WP-Total, X-WP-TotalPages, Link"
    );
    assert_eq!(
        headers["cache-control"],
        "no-cache, must-revalidate, max-age=0, no-store, private"
    );
    assert_eq!(headers["expires"], "Wed, 11 Jan 1984 05:00:00 GMT");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let (_, headers, _) = app.rest_as("GET", "/wp-json/kbs/v1/customers", None).await;
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "application/json; charset=UTF-8"
    );
    assert!(headers.get("allow").is_none());
}

#[tokio::test]
async fn origins_are_echoed_with_credentials_or_refused_when_configured() {
    let app = TestApp::semantic();
    let request = |app: &TestApp, origin: &str| {
        Request::get("/wp-json/kbs/v1/customers?per_page=1")
            .header(header::ORIGIN, origin)
            .header(header::AUTHORIZATION, &app.admin)
            .body(Body::empty())
            .unwrap()
    };
    let (_, headers, _) = app.send(request(&app, "http://example.test")).await;
    assert_eq!(
        headers["access-control-allow-origin"],
        "http://example.test"
    );
    assert_eq!(headers["access-control-allow-credentials"], "true");
    assert_eq!(headers["vary"], "Origin");

    let strict =
        TestApp::with_state(|state| state.with_cors(CorsOrigins::parse("https://app.example")));
    let (_, headers, _) = strict.send(request(&strict, "https://app.example")).await;
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://app.example"
    );
    let (status, headers, _) = strict.send(request(&strict, "http://evil.example")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn list_parameters_filter_through_the_query_core() {
    let app = TestApp::semantic();
    let cases: &[(&str, &[i64])] = &[
        ("include=1,2,3", &[3, 2, 1]),
        ("include[]=1&include[]=2&include[]=3", &[3, 2, 1]),
        ("id=1,2", &[2, 1]),
        ("include=1,2,3&exclude=2", &[3, 1]),
        ("include=1,2,3&exclude_id[]=2", &[3, 1]),
        ("user_id=10", &[5, 1]),
        ("company=1,2", &[7, 3, 2, 1]),
        ("email=BOB@example.com", &[2]),
        (
            "email[]=zoë@umlaut.example&email[]=olga@example.ru",
            &[6, 3],
        ),
        ("name=ALICE", &[7, 1]),
        ("name=%25", &[5]),
        ("search=corp", &[2]),
        ("orderby=name&order=asc", &[4, 5, 1, 7, 2, 8, 3, 6]),
        ("orderby=date&order=desc&per_page=3&offset=2", &[6, 2, 3]),
        ("offset=7&page=1", &[1]),
    ];
    for (query, expected) in cases {
        assert_eq!(
            &ids_of(
                &app.rest_json(&format!("/wp-json/kbs/v1/customers?{query}"))
                    .await
            ),
            expected,
            "{query}"
        );
    }
}
