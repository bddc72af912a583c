//! REST routes and methods: what matches, what is `rest_no_route`, HEAD, OPTIONS, the
//! namespace index, `?rest_route=`, method override, and the 401 / 403 / 404 bodies.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use kbs_graphql::auth::Role;
use serde_json::Value;

use crate::helpers::{basic, ids_of, TestApp};

const NO_ROUTE: &str = r#"{"code":"rest_no_route","message":"No route was found matching the URL and request method.","data":{"status":404}}"#;

#[tokio::test]
async fn the_list_and_single_routes_answer_in_every_spelling() {
    let app = TestApp::semantic();
    for uri in [
        "/wp-json/kbs/v1/customers",
        "/wp-json/kbs/v1/customers/",
        "/wp-json/kbs/v1/Customers",
        "/wp-json/KBS/V1/CUSTOMERS/",
        "/?rest_route=/kbs/v1/customers",
        "/?rest_route=/kbs/v1/customers/",
    ] {
        assert_eq!(
            ids_of(&app.rest_json(uri).await),
            [8, 7, 6, 5, 4, 3, 2, 1],
            "{uri}"
        );
    }
    for uri in [
        "/wp-json/kbs/v1/customers/3",
        "/wp-json/kbs/v1/customers/3/",
        "/wp-json/kbs/v1/customers/003",
        "/?rest_route=/kbs/v1/customers/3",
        "/wp-json/kbs/v1/customers/ZOE@example.com",
        "/wp-json/kbs/v1/customers/zo%C3%AB@UMLAUT.example",
        "/?rest_route=/kbs/v1/customers/zoe%40example.com",
    ] {
        assert_eq!(app.rest_json(uri).await["id"], 3, "{uri}");
    }
    // `/wp-json` itself is lower case, as WordPress's rewrite rule: any other is not the API.
    let (status, _, _) = app.rest("/WP-JSON/kbs/v1/customers").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rest_route_parameters_follow_the_route() {
    let app = TestApp::semantic();
    let body = app
        .rest_json("/?rest_route=/kbs/v1/customers&per_page=2&orderby=name&order=asc")
        .await;
    assert_eq!(ids_of(&body), [4, 5]);
    let (status, headers, _) = app.rest("/?rest_route=/kbs/v1/customers&per_page=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["x-wp-totalpages"], "4");
}

#[tokio::test]
async fn other_methods_and_paths_are_no_route() {
    let app = TestApp::semantic();
    let admin = app.admin.clone();
    for (method, uri) in [
        ("POST", "/wp-json/kbs/v1/customers"),
        ("PUT", "/wp-json/kbs/v1/customers/1"),
        ("DELETE", "/wp-json/kbs/v1/customers/1"),
        ("PATCH", "/wp-json/kbs/v1/customers"),
        ("GET", "/wp-json/kbs/v1/customers/abc"),
        ("GET", "/wp-json/kbs/v1/customers/1.5"),
        ("GET", "/wp-json/kbs/v1/customers/1/notes"),
        ("POST", "/wp-json/kbs/v1/companies"),
        ("GET", "/wp-json/kbs/v1/companies/acme"),
        ("GET", "/wp-json/kbs/v2/customers"),
        ("GET", "/wp-json/wp/v2/users"),
        ("POST", "/wp-json/"),
        ("POST", "/?rest_route=/kbs/v1/customers"),
        ("GET", "/?rest_route=/nothing"),
    ] {
        let (status, headers, body) = app.rest_as(method, uri, Some(&admin)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {uri}");
        assert_eq!(body, NO_ROUTE, "{method} {uri}");
        assert!(headers.get("allow").is_none(), "{method} {uri}");
    }
}

#[tokio::test]
async fn a_post_asking_for_get_is_served_as_get() {
    let app = TestApp::semantic();
    let request = Request::post("/wp-json/kbs/v1/customers?per_page=2")
        .header("X-HTTP-Method-Override", "GET")
        .header(header::AUTHORIZATION, &app.admin)
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = app.send(request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids_of(&serde_json::from_slice(&body).unwrap()), [8, 7]);
    let admin = app.admin.clone();
    let (status, _, _) = app
        .rest_as(
            "POST",
            "/wp-json/kbs/v1/customers/2?_method=GET",
            Some(&admin),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn head_is_get_without_a_body_401_included() {
    let app = TestApp::semantic();
    let admin = app.admin.clone();
    let (status, head_headers, body) = app
        .rest_as("HEAD", "/wp-json/kbs/v1/customers?per_page=3", Some(&admin))
        .await;
    let (_, get_headers, _) = app.rest("/wp-json/kbs/v1/customers?per_page=3").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "");
    for name in [
        "x-wp-total",
        "x-wp-totalpages",
        "link",
        "allow",
        "content-type",
    ] {
        assert_eq!(
            head_headers.get_all(name).iter().collect::<Vec<_>>(),
            get_headers.get_all(name).iter().collect::<Vec<_>>(),
            "{name}"
        );
    }
    let (status, _, body) = app.rest_as("HEAD", "/wp-json/kbs/v1/customers", None).await;
    assert_eq!((status, body.as_str()), (StatusCode::UNAUTHORIZED, ""));
    let (status, _, _) = app
        .rest_as("HEAD", "/wp-json/kbs/v1/customers/1", Some(&admin))
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn options_describes_the_routes_without_authentication() {
    let app = TestApp::semantic();
    let (status, headers, body) = app
        .rest_as("OPTIONS", "/wp-json/kbs/v1/customers", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers.get("allow").is_none(),
        "anonymous callers may not GET"
    );
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["namespace"], "kbs/v1");
    assert_eq!(body["methods"], serde_json::json!(["GET"]));
    let args = &body["endpoints"][0]["args"];
    for arg in [
        "context",
        "page",
        "per_page",
        "search",
        "include",
        "exclude",
        "id",
        "exclude_id",
        "offset",
        "order",
        "orderby",
        "user_id",
        "email",
        "name",
        "company",
        "number",
    ] {
        assert!(args.get(arg).is_some(), "{arg}");
    }
    assert_eq!(args["per_page"]["maximum"], 100);
    assert_eq!(
        args["orderby"]["enum"],
        serde_json::json!(["id", "user_id", "name", "email", "company_id", "date"])
    );
    assert_eq!(
        body["_links"]["self"][0]["href"],
        "http://localhost/wp-json/kbs/v1/customers"
    );

    let admin = app.admin.clone();
    let (status, headers, body) = app
        .rest_as("OPTIONS", "/wp-json/kbs/v1/customers/1", Some(&admin))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["allow"], "GET");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["endpoints"][0]["args"]["id"]["type"], "integer");
}

#[tokio::test]
async fn the_namespace_index_lists_every_route() {
    let app = TestApp::semantic();
    let (status, _, body) = app.rest_as("GET", "/wp-json/kbs/v1", None).await;
    assert_eq!(status, StatusCode::OK);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["namespace"], "kbs/v1");
    let routes: Vec<&String> = body["routes"].as_object().unwrap().keys().collect();
    assert_eq!(routes.len(), 5, "{routes:?}");
    assert!(routes[1] == "/kbs/v1/customers" && routes[2].starts_with("/kbs/v1/customers/(?P<id>"));
    assert_eq!(
        routes[3..],
        ["/kbs/v1/companies", "/kbs/v1/companies/(?P<id>[\\d]+)"]
    );
    let company_args = &body["routes"]["/kbs/v1/companies"]["endpoints"][0]["args"];
    assert_eq!(company_args["per_page"]["maximum"], 100);
    assert_eq!(
        body["routes"]["/kbs/v1/customers"]["endpoints"][0]["args"]["page"]["default"],
        1
    );
    assert_eq!(app.rest_json("/wp-json/kbs/v1/").await, body);
}

#[tokio::test]
async fn anonymous_and_unprivileged_callers_get_wordpress_s_bodies() {
    let app = TestApp::semantic();
    for uri in [
        "/wp-json/kbs/v1/customers",
        "/wp-json/kbs/v1/customers/1",
        "/wp-json/kbs/v1/customers/nobody@example.com",
    ] {
        let (status, headers, body) = app.rest_as("GET", uri, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri}");
        assert_eq!(
            body,
            r#"{"code":"rest_forbidden_context","message":"Authentication failed.","data":{"status":401}}"#
        );
        assert!(headers.get("cache-control").is_none());
    }
    let password = app.add_user("sub", Role::Subscriber);
    let subscriber = basic("sub", &password.to_string());
    for uri in ["/wp-json/kbs/v1/customers", "/wp-json/kbs/v1/customers/1"] {
        let (status, headers, body) = app.rest_as("GET", uri, Some(&subscriber)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}");
        assert_eq!(
            body,
            r#"{"code":"rest_forbidden","message":"Sorry, you are not allowed to do that.","data":{"status":403}}"#
        );
        assert_eq!(
            headers["cache-control"],
            "no-cache, must-revalidate, max-age=0, no-store, private"
        );
    }
}

#[tokio::test]
async fn unknown_customers_are_404_invalid_id() {
    let app = TestApp::semantic();
    for uri in [
        "/wp-json/kbs/v1/customers/999",
        "/wp-json/kbs/v1/customers/0",
        "/wp-json/kbs/v1/customers/99999999999999999999",
        "/wp-json/kbs/v1/customers/nobody@example.com",
    ] {
        let (status, _, body) = app.rest(uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(
            body,
            r#"{"code":"rest_customer_invalid_id","message":"Invalid customer ID.","data":{"status":404}}"#,
            "{uri}"
        );
    }
}
