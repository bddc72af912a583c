//! The response cache and validators: repeated reads are answered from memory until the
//! dataset changes; GET answers carry a strong ETag and `If-None-Match` gets a 304.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use diesel::prelude::*;
use kbs_graphql::auth::Role;
use serde_json::{json, Value};

use crate::helpers::{basic, customer, jsonl, TestApp};

const LIST: &str = "/wp-json/kbs/v1/customers?per_page=2";
const QUERY: &str = "{ customers(perPage: 2) { nodes { id email } totalCount } }";

/// Changes the stored rows behind the server's back, without a new dataset version: what a
/// cached answer would not notice.
fn rename_everyone(app: &TestApp, email_suffix: &str) {
    let mut conn = app.db.pool.get().unwrap();
    diesel::sql_query(format!(
        "UPDATE customers SET email = 'c' || id || '{email_suffix}'"
    ))
    .execute(&mut *conn)
    .unwrap();
}

/// What an import of other content writes: a new version, and a digest that is not the old
/// one (unknown here, as after an import added to stored data).
fn bump_dataset(app: &TestApp) {
    let mut conn = app.db.pool.get().unwrap();
    diesel::sql_query("UPDATE dataset SET version = version + 1, digest = NULL")
        .execute(&mut *conn)
        .unwrap();
}

fn three() -> TestApp {
    TestApp::cached(
        &[
            customer(1, "one@example.com").build(),
            customer(2, "two@example.com").build(),
            customer(3, "three@example.com").build(),
        ],
        &[],
    )
}

#[tokio::test]
async fn repeated_reads_come_from_the_cache_until_the_dataset_version_moves() {
    let app = three();
    let first = app.rest_json(LIST).await;
    let graphql_first = app.graphql(QUERY).await;
    rename_everyone(&app, "@changed.test");
    assert_eq!(app.rest_json(LIST).await, first, "served from the cache");
    assert_eq!(
        app.graphql(QUERY).await,
        graphql_first,
        "served from the cache"
    );

    bump_dataset(&app);
    let fresh = app.rest_json(LIST).await;
    assert_eq!(fresh[0]["email"], "c3@changed.test");
    let graphql_fresh = app.graphql(QUERY).await;
    assert_eq!(
        graphql_fresh["data"]["customers"]["nodes"][0]["email"],
        "c3@changed.test"
    );
}

/// Hits skip the version and credential reads while nothing was committed: the server's
/// database must give commit marks (else every hit falls back to reading), and reads must not
/// move them while a write does.
#[tokio::test]
async fn the_server_tells_a_quiet_database_from_a_written_one() {
    let app = three();
    app.rest_json(LIST).await;
    // The first sign-in records its password's last use in the background: a write to wait
    // for (the next one is a minute away).
    for _ in 0..500 {
        let used: i64 = kbs_graphql::db::schema::app_passwords::table
            .filter(kbs_graphql::db::schema::app_passwords::last_used_at.is_not_null())
            .count()
            .get_result(&mut app.db.pool.get().unwrap())
            .unwrap();
        if used > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let quiet = app.db.commits.mark().expect("a WAL database gives marks");
    app.rest_json(LIST).await;
    app.graphql(QUERY).await;
    assert_eq!(app.db.commits.mark(), Some(quiet));
    bump_dataset(&app);
    assert_ne!(app.db.commits.mark(), Some(quiet));
}

#[tokio::test]
async fn an_import_invalidates_the_cache_at_once() {
    let app = three();
    assert_eq!(app.rest_json(LIST).await.as_array().unwrap().len(), 2);
    let replacement = jsonl(&[customer(9, "nine@example.com").build()]);
    app.import(&replacement, None, true).unwrap();
    let after = app.rest_json(LIST).await;
    assert_eq!(after, json!([after[0].clone()]));
    assert_eq!(after[0]["id"], 9);
}

#[tokio::test]
async fn the_callers_role_is_part_of_the_key() {
    let app = three();
    let allowed = app.graphql(QUERY).await;
    assert!(allowed.get("errors").is_none(), "{allowed}");
    // The same request from a role without the capability is refused, not served the
    // administrator's cached answer (GraphQL refusals are 200s, so they are cacheable too).
    let agent = basic(
        "agent",
        &app.add_user("agent", Role::SupportAgent).to_string(),
    );
    for _ in 0..2 {
        let (status, refused) = app.graphql_as(Some(&agent), QUERY, json!({})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
    }
    let (status, _, _) = app.rest_as("GET", LIST, Some(&agent)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Anonymous callers are never served from the cache.
    let (status, _, _) = app.rest_as("GET", LIST, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn get_with(
    app: &TestApp,
    uri: &str,
    if_none_match: Option<&str>,
) -> (StatusCode, String, Vec<u8>) {
    let mut request = Request::get(uri).header(header::AUTHORIZATION, &app.admin);
    if let Some(tag) = if_none_match {
        request = request.header(header::IF_NONE_MATCH, tag);
    }
    let (status, headers, body) = app.send(request.body(Body::empty()).unwrap()).await;
    let etag = headers
        .get(header::ETAG)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, etag, body)
}

#[tokio::test]
async fn get_answers_carry_a_strong_etag_and_if_none_match_gets_304() {
    let app = three();
    let graphql_get = format!(
        "/graphql?query={}",
        percent_encoding::utf8_percent_encode(QUERY, percent_encoding::NON_ALPHANUMERIC)
    );
    for uri in [LIST, "/wp-json/kbs/v1/customers/2", graphql_get.as_str()] {
        let (status, etag, body) = get_with(&app, uri, None).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(
            etag.starts_with('"') && etag.ends_with('"') && etag.len() > 10,
            "{uri}: {etag}"
        );
        assert!(!body.is_empty());

        let (status, again, body) = get_with(&app, uri, Some(&etag)).await;
        assert_eq!(
            (status, again.as_str()),
            (StatusCode::NOT_MODIFIED, etag.as_str()),
            "{uri}"
        );
        assert!(body.is_empty());
        let (status, _, _) = get_with(&app, uri, Some("\"something-else\"")).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
    }

    // A new dataset with different content: the old validator no longer matches.
    let (_, before, _) = get_with(&app, LIST, None).await;
    rename_everyone(&app, "@new.test");
    bump_dataset(&app);
    let (status, after, body) = get_with(&app, LIST, Some(&before)).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(after, before);
    let page: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(page[0]["email"], "c3@new.test");
}

/// HEAD shares GET's entry: the first HEAD (nothing cached yet) already carries the `ETag`
/// and length the GET then answers with, has no body, and validates like a GET.
#[tokio::test]
async fn head_on_a_cold_cache_carries_gets_validator() {
    let app = three();
    let admin = app.admin.clone();
    let (status, head, body) = app.rest_as("HEAD", LIST, Some(&admin)).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, ""));
    let (status, get, body) = app.rest(LIST).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!head[header::ETAG].is_empty());
    assert_eq!(head[header::ETAG], get[header::ETAG]);
    assert_eq!(head[header::CONTENT_LENGTH], body.len().to_string());
    let request = Request::head(LIST)
        .header(header::AUTHORIZATION, &admin)
        .header(header::IF_NONE_MATCH, head[header::ETAG].clone())
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(request).await.0, StatusCode::NOT_MODIFIED);
    // An error answer to a HEAD stays without a body too.
    let (status, _, body) = app
        .rest_as("HEAD", "/wp-json/kbs/v1/customers?per_page=0", Some(&admin))
        .await;
    assert_eq!((status, body.as_str()), (StatusCode::BAD_REQUEST, ""));
}

#[tokio::test]
async fn a_disabled_cache_still_validates() {
    let app = TestApp::with_state(|state| state.with_response_cache(0));
    app.import_customers(&[customer(1, "one@example.com").build()], false)
        .unwrap();
    let (_, etag, _) = get_with(&app, LIST, None).await;
    rename_everyone(&app, "@fresh.test");
    let (status, changed, body) = get_with(&app, LIST, Some(&etag)).await;
    assert_eq!(status, StatusCode::OK, "no cache: the change is seen");
    assert_ne!(changed, etag);
    assert!(String::from_utf8(body).unwrap().contains("c1@fresh.test"));
}

#[tokio::test]
async fn a_reused_parsed_query_still_takes_each_requests_variables() {
    let app = three();
    let query = "query Page($n: Int) { customers(perPage: $n) { nodes { id } } }";
    for n in [1, 2, 1, 3] {
        let page = app.graphql_with(query, json!({ "n": n })).await;
        let nodes = page["data"]["customers"]["nodes"].as_array().unwrap().len();
        assert_eq!(nodes, n, "{page}");
    }
}

#[tokio::test]
async fn an_import_of_the_same_content_keeps_the_cached_answers_and_another_flushes_them() {
    let records = [
        customer(1, "one@example.com").build(),
        customer(2, "two@example.com").build(),
    ];
    let app = TestApp::cached(&records, &[]);
    let first = app.rest_json(LIST).await;
    let hits = app.responses.hits();
    // The same customers again: a new version, the same digest, the same answers kept.
    app.import(&jsonl(&records), None, true).unwrap();
    assert_eq!(app.rest_json(LIST).await, first);
    assert_eq!(app.responses.hits(), hits + 1);
    // Other content: read afresh.
    let changed = [customer(1, "uno@example.com").build(), records[1].clone()];
    app.import(&jsonl(&changed), None, true).unwrap();
    let fresh = app.rest_json(LIST).await.to_string();
    assert!(fresh.contains("uno@example.com"), "{fresh}");
    assert_eq!(app.responses.hits(), hits + 1);
}
