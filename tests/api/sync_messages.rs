//! What `sync` tells an operator when it cannot go on: each message names what to fix.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use kbs_graphql::sync::{self, SyncOptions};
use serde_json::json;

use crate::helpers::{serve_site, TestApp};

fn options(from: &str) -> SyncOptions {
    SyncOptions {
        user: Some("agent".into()),
        app_password: Some("abcd EFGH ijkl MNOP qrst UVWX".into()),
        concurrency: 2,
        timeout: Duration::from_secs(5),
        ..SyncOptions::new(from)
    }
}

async fn sync_error(app: &TestApp, options: &SyncOptions) -> String {
    let error = sync::sync(&app.db, options, &|_, _| {}).await.unwrap_err();
    error.to_string()
}

#[tokio::test]
async fn a_user_whose_role_may_not_read_customers_is_told_which_capability_it_lacks() {
    let forbidden = || async {
        let body = json!({"code": "rest_forbidden", "message": "Sorry, you are not allowed to do that.", "data": {"status": 403}});
        (StatusCode::FORBIDDEN, Json(body))
    };
    let site = serve_site(Router::new().route("/wp-json/kbs/v1/customers", get(forbidden))).await;
    let app = TestApp::empty();
    let said = sync_error(&app, &options(&site)).await;
    assert!(
        said.contains("the user agent may not read customers (HTTP 403: Sorry, you are not allowed to do that.)")
            && said.contains("view_ticket_reports")
            && !said.contains("check --user"),
        "{said}"
    );
}

#[tokio::test]
async fn an_address_that_is_not_a_wordpress_rest_api_is_named_as_such() {
    let home = || async { Html("<html><body>Welcome to our shop</body></html>") };
    let site = serve_site(Router::new().fallback(home)).await;
    let app = TestApp::empty();
    let said = sync_error(&app, &options(&site)).await;
    assert!(
        said.contains("is not a WordPress REST API") && said.contains("text/html"),
        "{said}"
    );
}

#[tokio::test]
async fn an_address_without_a_scheme_is_refused_with_an_example() {
    let app = TestApp::empty();
    let said = sync_error(&app, &options("help.example.com")).await;
    assert!(
        said.contains("\"help.example.com\" is not a site's address")
            && said.contains("https://help.example.com"),
        "{said}"
    );
}

#[tokio::test]
async fn a_site_without_credentials_is_told_which_flags_it_needs() {
    let app = TestApp::empty();
    let said = sync_error(&app, &SyncOptions::new("https://help.example.com")).await;
    assert!(
        said.starts_with("a site's REST API needs --user and --app-password"),
        "{said}"
    );
}

#[tokio::test]
async fn a_database_that_holds_customers_needs_replace_and_nothing_is_fetched_first() {
    let asked = Arc::new(AtomicUsize::new(0));
    let counting = {
        let asked = asked.clone();
        move || {
            asked.fetch_add(1, Ordering::Relaxed);
            async { Json(json!([])) }
        }
    };
    let site = serve_site(Router::new().fallback(counting)).await;
    let app = TestApp::semantic();
    let said = sync_error(&app, &options(&site)).await;
    assert!(
        said.contains("already holds 8 customers") && said.contains("add --replace"),
        "{said}"
    );
    assert_eq!(
        asked.load(Ordering::Relaxed),
        0,
        "refused before fetching anything"
    );
}

/// The plugin's single route over customers 1–3, the second without an email.
async fn plugin_customer(Path(id): Path<u64>) -> Response {
    let email = if id == 2 {
        String::new()
    } else {
        format!("c{id}@example.test")
    };
    Json(json!({"id": id.to_string(), "name": format!("C {id}"), "email": email, "additional_emails": [], "date_created": "2023-01-01 00:00:00", "ticket_count": 0}))
        .into_response()
}

#[tokio::test]
async fn a_bad_record_is_named_by_its_customer_id_and_url() {
    let list = || async {
        let ids: Vec<_> = (1..=3).map(|id| json!({"id": id.to_string()})).collect();
        Json(json!(ids))
    };
    let site = serve_site(
        Router::new()
            .route("/wp-json/kbs/v1/customers", get(list))
            .route("/wp-json/kbs/v1/customers/{id}", get(plugin_customer)),
    )
    .await;
    let app = TestApp::empty();
    let said = sync_error(&app, &options(&site)).await;
    let expected = format!("customer 2 ({site}/wp-json/kbs/v1/customers/2): email:");
    assert!(
        said.contains(&expected) && said.contains("nothing was imported"),
        "{said}"
    );
    assert!(!said.contains("line "), "no spool line numbers: {said}");
}

/// The plugin's single route over customers 1–3: the first dated zero, the third listing the
/// first's address as one of its own, the second with a zip saved as a number and
/// its primary email listed again, in another case, as an additional one.
async fn messy_customer(Path(id): Path<u64>) -> Response {
    let mut customer = json!({"id": id.to_string(), "name": format!("C {id}"), "email": format!("c{id}@example.test"), "additional_emails": [], "date_created": "2023-01-01 00:00:00", "ticket_count": 0});
    if id == 1 {
        customer["date_created"] = json!("0000-00-00 00:00:00");
    }
    if id == 3 {
        customer["additional_emails"] = json!(["C1@example.test"]);
    }
    if id == 2 {
        customer["address"] = json!({"line1": "Straße des 17. Juni 135", "line2": "", "city": "Berlin", "state": "", "country": "DE", "zip": 10623, "county": "Mitte"});
        customer["additional_emails"] = json!(["C2@Example.TEST", "other@example.test"]);
    }
    Json(customer).into_response()
}

async fn messy_site() -> String {
    let list = || async { Json(json!([{"id": "1"}, {"id": "2"}, {"id": "3"}])) };
    serve_site(
        Router::new()
            .route("/wp-json/kbs/v1/customers", get(list))
            .route("/wp-json/kbs/v1/customers/{id}", get(messy_customer)),
    )
    .await
}

#[tokio::test]
async fn data_with_one_meaning_is_normalized_with_a_warning_naming_the_customer() {
    let site = messy_site().await;
    let app = TestApp::empty();
    let summary = sync::sync(&app.db, &options(&site), &|_, _| {})
        .await
        .unwrap();
    assert_eq!(
        summary.warnings,
        [
            "customer 2: address zip was the number 10623; kept as the text \"10623\"",
            "customer 2: additional email \"C2@Example.TEST\" repeats one listed before; dropped",
            "customers 1, 3 all list the address \"c1@example.test\": each keeps it; a lookup by it finds customer 1",
        ]
    );
    let shared = app.rest_json("/wp-json/kbs/v1/customers/3").await;
    assert_eq!(
        shared["additional_emails"],
        json!(["C1@example.test"]),
        "kept on both"
    );
    let found = app
        .rest_json("/wp-json/kbs/v1/customers/C1@example.test")
        .await;
    assert_eq!(found["id"], 1, "the lookup finds the lower id");
    let zero = app.rest_json("/wp-json/kbs/v1/customers/1").await;
    assert_eq!(
        zero["date_created"], "0000-00-00 00:00:00",
        "a zero date is kept, no warning"
    );
    let stored = app.rest_json("/wp-json/kbs/v1/customers/2").await;
    assert_eq!(stored["address"]["zip"], "10623");
    assert_eq!(
        stored["address"]["county"], "Mitte",
        "a key beyond the six is kept"
    );
    assert_eq!(stored["additional_emails"], json!(["other@example.test"]));
}

#[tokio::test]
async fn strict_turns_every_normalization_into_an_error_and_writes_nothing() {
    let site = messy_site().await;
    let app = TestApp::empty();
    let before = app.stored_rows();
    let mut strict = options(&site);
    strict.strict = true;
    let said = sync_error(&app, &strict).await;
    assert!(
        said.contains("3 record(s) needed normalizing and --strict is given")
            && said.contains("customer 2: address zip was the number 10623"),
        "{said}"
    );
    assert_eq!(app.stored_rows(), before);
}

#[tokio::test]
async fn synced_data_exports_and_imports_back_to_the_same_bytes() {
    use kbs_graphql::import::{self, ImportOptions, Input};
    let site = messy_site().await;
    let app = TestApp::empty();
    sync::sync(&app.db, &options(&site), &|_, _| {})
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (customers, companies) = (dir.path().join("c.jsonl"), dir.path().join("k.jsonl"));
    let export = |app: &TestApp| {
        let mut conn = app.db.pool.get().unwrap();
        kbs_graphql::export::export(&mut conn, &customers, &companies).unwrap();
        std::fs::read_to_string(&customers).unwrap()
    };
    let first = export(&app);
    // The zero date, the key beyond the six and the shared address are all in the file.
    for kept in [
        "0000-00-00 00:00:00",
        r#""county":"Mitte""#,
        "C1@example.test",
    ] {
        assert!(first.contains(kept), "{kept}: {first}");
    }
    let again = TestApp::empty();
    let refused = again.import(&first, None, false).unwrap_err();
    assert!(
        refused.to_string().contains("c1@example.test"),
        "files keep the rule: {refused}"
    );
    let mut conn = again.db.pool.get().unwrap();
    let options = ImportOptions {
        replace: false,
        shared_addresses: true,
    };
    let input = Input::from_bytes("customers.jsonl", first.as_bytes());
    import::import_with_progress(&mut conn, input, None, options, &import::Silent).unwrap();
    drop(conn);
    assert_eq!(export(&again), first);
}
