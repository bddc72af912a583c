//! How WordPress clients find and use the API: the `Link` header on the site's pages and REST
//! answers, the `/wp-json/` index, and `_embed`. (`clients.rs` drives node-wpapi through all
//! of it against the real server.)

use axum::http::{header, StatusCode};
use serde_json::{json, Value};

use crate::helpers::TestApp;

const API_REL: &str = "rel=\"https://api.w.org/\"";

#[tokio::test]
async fn the_site_root_its_playground_and_rest_answers_link_to_the_api() {
    let app = TestApp::semantic();
    let index = app.rest_json("/wp-json/").await;
    let api = format!("<{}/wp-json/>; {API_REL}", index["url"].as_str().unwrap());
    for (method, uri) in [
        ("HEAD", "/"),
        ("GET", "/"),
        ("GET", "/graphiql"),
        ("GET", "/wp-json/kbs/v1/customers"),
        ("GET", "/wp-json/kbs/v1/customers/1"),
        ("GET", "/wp-json/"),
    ] {
        let (status, headers, body) = app.rest_as(method, uri, Some(&app.admin)).await;
        // A HEAD is answered, not redirected: node-wpapi's discovery does not follow one.
        assert_eq!(status, StatusCode::OK, "{method} {uri}: {body}");
        assert_eq!(headers[header::LINK], api.as_str(), "{method} {uri}");
    }
    // The root is the playground, as `/graphiql` is.
    let (_, _, root) = app.rest_as("GET", "/", None).await;
    let (_, _, playground) = app.rest_as("GET", "/graphiql", None).await;
    assert_eq!(root, playground);
}

#[tokio::test]
async fn the_api_index_lists_the_namespace_served_here_in_wordpress_shape() {
    let app = TestApp::semantic();
    // Public, as WordPress's is, and the same through `?rest_route=/`.
    let (status, _, text) = app.rest_as("GET", "/wp-json/", None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let index: Value = serde_json::from_str(&text).unwrap();
    let (_, _, fallback) = app.rest_as("GET", "/?rest_route=/", None).await;
    assert_eq!(fallback, text);
    let (_, _, bare) = app.rest_as("GET", "/wp-json", None).await;
    assert_eq!(bare, text);

    let keys: Vec<&str> = index
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "name",
        "description",
        "url",
        "home",
        "gmt_offset",
        "timezone_string",
        "namespaces",
        "authentication",
        "routes",
        "_links",
    ] {
        assert!(keys.contains(&key), "{key} missing from {keys:?}");
    }
    assert_eq!(index["namespaces"], json!(["kbs/v1"]));
    assert_eq!(index["gmt_offset"], 0);
    assert_eq!(
        index["_links"]["help"][0]["href"],
        "https://developer.wordpress.org/rest-api/"
    );
    // The index's own route, then every route of the namespace, as its own index lists them.
    let routes = index["routes"].as_object().unwrap();
    assert_eq!(routes["/"]["namespace"], "");
    let namespace = app.rest_json("/wp-json/kbs/v1").await;
    for (route, described) in namespace["routes"].as_object().unwrap() {
        assert_eq!(&routes[route], described, "{route}");
    }
    assert_eq!(
        routes.len(),
        namespace["routes"].as_object().unwrap().len() + 1
    );
}

#[tokio::test]
async fn embed_puts_each_customers_company_inside_it_as_its_route_answers() {
    let app = TestApp::semantic();
    // Customer 1's company exists; customer 5's (99) does not; customer 4 has none.
    let one = app.rest_json("/wp-json/kbs/v1/customers/1?_embed").await;
    assert_eq!(
        one["_embedded"],
        json!({"company": [company_route(&app, 1).await]})
    );
    assert_eq!(one["_embedded"]["company"][0]["title"]["raw"], "Acme");
    let dangling = app.rest_json("/wp-json/kbs/v1/customers/5?_embed=1").await;
    assert_eq!(
        dangling["_embedded"],
        json!({"company": [company_route(&app, 99).await]})
    );
    assert_eq!(
        dangling["_embedded"]["company"][0]["code"],
        "rest_post_invalid_id"
    );
    let none = app.rest_json("/wp-json/kbs/v1/customers/4?_embed").await;
    assert!(none.get("_embedded").is_none(), "{none}");

    // A list embeds in each customer what the single answer does; the rest is unchanged.
    let list = app
        .rest_json("/wp-json/kbs/v1/customers?per_page=8&_embed")
        .await;
    let plain = app.rest_json("/wp-json/kbs/v1/customers?per_page=8").await;
    for (embedded, customer) in list
        .as_array()
        .unwrap()
        .iter()
        .zip(plain.as_array().unwrap())
    {
        let id = customer["id"].as_i64().unwrap();
        let single = app
            .rest_json(&format!("/wp-json/kbs/v1/customers/{id}?_embed=company"))
            .await;
        assert_eq!(embedded, &single, "{id}");
        let mut without = embedded.clone();
        without.as_object_mut().unwrap().remove("_embedded");
        assert_eq!(&without, customer, "{id}");
        // Links to routes this server does not serve stay links.
        assert!(embedded["_embedded"].get("tickets").is_none());
        assert!(embedded["_embedded"].get("user").is_none());
    }

    // Naming only relations this server does not serve embeds nothing.
    let tickets = app
        .rest_json("/wp-json/kbs/v1/customers/1?_embed=tickets")
        .await;
    assert!(tickets.get("_embedded").is_none());
    // `_fields` keeps `_embedded` only when it lists it, as in WordPress.
    let fields = app
        .rest_json("/wp-json/kbs/v1/customers/1?_embed&_fields=id,_embedded")
        .await;
    assert_eq!(fields["_embedded"]["company"][0]["id"], 1);
    assert_eq!(fields.as_object().unwrap().len(), 2);
}

/// What `/wp-json/kbs/v1/companies/<id>` answers, found or not.
async fn company_route(app: &TestApp, id: i64) -> Value {
    let uri = format!("/wp-json/kbs/v1/companies/{id}");
    let (_, _, body) = app.rest_as("GET", &uri, Some(&app.admin)).await;
    serde_json::from_str(&body).unwrap()
}
