//! Authentication and the capability check, on every transport that serves customers.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use kbs_graphql::auth::{self, FailureLimit, Role};
use serde_json::{json, Value};

use crate::helpers::{basic, TestApp};

/// What a request for customers came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Allowed,
    Unauthenticated,
    Forbidden,
}

/// The transports that serve customers; the matrix below runs on each of them.
#[derive(Debug, Clone, Copy)]
enum Transport {
    GraphQlList,
    GraphQlLookup,
    RestList,
    RestSingle,
}

const TRANSPORTS: [Transport; 4] = [
    Transport::GraphQlList,
    Transport::GraphQlLookup,
    Transport::RestList,
    Transport::RestSingle,
];

async fn fetch(app: &TestApp, authorization: Option<&str>, transport: Transport) -> Outcome {
    let uri = match transport {
        Transport::RestList => Some("/wp-json/kbs/v1/customers"),
        Transport::RestSingle => Some("/wp-json/kbs/v1/customers/1"),
        _ => None,
    };
    if let Some(uri) = uri {
        let (status, _, body) = app.rest_as("GET", uri, authorization).await;
        return match status {
            StatusCode::OK => {
                assert!(body.contains("alice@example.com"), "{body}");
                Outcome::Allowed
            }
            StatusCode::UNAUTHORIZED => Outcome::Unauthenticated,
            StatusCode::FORBIDDEN => Outcome::Forbidden,
            other => panic!("unexpected {other}: {body}"),
        };
    }
    let query = match transport {
        Transport::GraphQlList => "{ customers { totalCount nodes { id email } } }",
        _ => "{ customer(idOrEmail: \"1\") { id email } }",
    };
    let (status, body) = app.graphql_as(authorization, query, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let Some(errors) = body.get("errors") else {
        assert!(
            body["data"].to_string().contains("alice@example.com"),
            "{body}"
        );
        return Outcome::Allowed;
    };
    // Refused: no customer data anywhere in the answer.
    let data = body["data"].clone();
    assert!(
        data == Value::Null || data == json!({"customer": null}),
        "{body}"
    );
    assert!(!body.to_string().contains("@example"), "{body}");
    match errors[0]["extensions"]["code"].as_str() {
        Some("UNAUTHENTICATED") => Outcome::Unauthenticated,
        Some("FORBIDDEN") => Outcome::Forbidden,
        other => panic!("unexpected code {other:?}: {body}"),
    }
}

#[tokio::test]
async fn only_roles_with_view_ticket_reports_read_customers_on_every_transport() {
    let app = TestApp::semantic();
    let expected = [
        (Role::Administrator, Outcome::Allowed),
        (Role::SupportManager, Outcome::Allowed),
        (Role::SupportAgent, Outcome::Forbidden),
        (Role::SupportCustomer, Outcome::Forbidden),
        (Role::Subscriber, Outcome::Forbidden),
    ];
    for (role, outcome) in expected {
        let login = format!("user-{role}");
        let password = app.add_user(&login, role);
        let credentials = basic(&login, &password.to_string());
        for transport in TRANSPORTS {
            assert_eq!(
                fetch(&app, Some(&credentials), transport).await,
                outcome,
                "{role} on {transport:?}"
            );
        }
    }
    for transport in TRANSPORTS {
        assert_eq!(
            fetch(&app, None, transport).await,
            Outcome::Unauthenticated,
            "anonymous on {transport:?}"
        );
    }
}

#[tokio::test]
async fn passwords_work_with_or_without_their_spaces() {
    let app = TestApp::semantic();
    let password = app.add_user("manager", Role::SupportManager);
    let grouped = password.to_string();
    assert!(grouped.contains(' '));
    for sent in [
        grouped.clone(),
        password.secret().to_owned(),
        grouped.replacen(' ', "", 2),
    ] {
        let outcome = fetch(&app, Some(&basic("manager", &sent)), Transport::GraphQlList).await;
        assert_eq!(outcome, Outcome::Allowed, "{sent:?}");
    }
    // Logins match case-insensitively, as in WordPress.
    let outcome = fetch(
        &app,
        Some(&basic("MANAGER", &grouped)),
        Transport::GraphQlList,
    )
    .await;
    assert_eq!(outcome, Outcome::Allowed);
}

#[tokio::test]
async fn credentials_sign_in_with_or_without_base64_padding() {
    use base64::Engine;
    let app = TestApp::semantic();
    // A login whose `login:password` needs padding: 32 + 8 + 1 bytes is not a multiple of 3.
    let password = app.add_user("managers", Role::SupportManager);
    let pair = format!("managers:{password}");
    assert_ne!(pair.len() % 3, 0);
    let unpadded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&pair);
    assert_ne!(unpadded, base64_of(pair.as_bytes()));
    let credentials = format!("Basic {unpadded}");
    for transport in TRANSPORTS {
        assert_eq!(
            fetch(&app, Some(&credentials), transport).await,
            Outcome::Allowed,
            "unpadded on {transport:?}"
        );
    }
}

#[tokio::test]
async fn wrong_unknown_and_junk_credentials_are_simply_anonymous() {
    let app = TestApp::semantic();
    let password = app.add_user("manager", Role::SupportManager);
    let other = auth::AppPassword::generate();
    let junk: Vec<Vec<u8>> = vec![
        basic("manager", &other.to_string()).into_bytes(),
        basic("nobody", &password.to_string()).into_bytes(),
        basic("manager", "short").into_bytes(),
        basic("manager", "").into_bytes(),
        b"Basic !!!not base64!!!".to_vec(),
        format!("Basic {}", base64_of(b"no-colon-here")).into_bytes(),
        format!("Basic {}", base64_of(b"manager:\xff\xfe\xfd")).into_bytes(),
        b"Basic \xc3\x28\xa0\xa1".to_vec(),
        format!("Bearer {}", password.secret()).into_bytes(),
        b"Basic".to_vec(),
        b"Digest username=\"manager\"".to_vec(),
    ];
    for header in junk {
        let request = Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .header(
                header::AUTHORIZATION,
                header::HeaderValue::from_bytes(&header).unwrap(),
            )
            .body(Body::from(r#"{"query":"{ customers { totalCount } }"}"#))
            .unwrap();
        let (status, _, body) = app.send(request).await;
        let shown = String::from_utf8_lossy(&header);
        assert_eq!(status, StatusCode::OK, "{shown}");
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{shown}: {body}"
        );
        assert!(!body.to_string().contains(password.secret()));
    }
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn revoking_removing_and_demoting_take_effect_on_the_next_request() {
    let app = TestApp::semantic();
    let first = app.add_user("manager", Role::SupportManager);
    let credentials = basic("manager", &first.to_string());
    let conn = || app.db.pool.get().unwrap();
    let second = auth::create_app_password(&mut conn(), "manager", "laptop").unwrap();
    let laptop = basic("manager", &second.to_string());

    // Warm the cache, then change the database behind it.
    assert_eq!(
        fetch(&app, Some(&credentials), Transport::GraphQlList).await,
        Outcome::Allowed
    );
    assert_eq!(
        fetch(&app, Some(&laptop), Transport::GraphQlList).await,
        Outcome::Allowed
    );

    auth::set_role(&mut conn(), "manager", Role::SupportAgent).unwrap();
    assert_eq!(
        fetch(&app, Some(&credentials), Transport::GraphQlList).await,
        Outcome::Forbidden
    );
    auth::set_role(&mut conn(), "manager", Role::SupportManager).unwrap();

    auth::revoke_app_password(&mut conn(), "manager", "laptop").unwrap();
    assert_eq!(
        fetch(&app, Some(&laptop), Transport::GraphQlList).await,
        Outcome::Unauthenticated
    );
    assert_eq!(
        fetch(&app, Some(&credentials), Transport::GraphQlList).await,
        Outcome::Allowed
    );

    auth::remove_user(&mut conn(), "manager").unwrap();
    assert_eq!(
        fetch(&app, Some(&credentials), Transport::GraphQlList).await,
        Outcome::Unauthenticated
    );
}

#[tokio::test]
async fn the_bootstrap_admin_appears_only_on_an_empty_user_table() {
    let dir = tempfile::tempdir().unwrap();
    let db = kbs_graphql::db::Database::open(dir.path().join("b.db").to_str().unwrap(), 1).unwrap();
    let mut conn = db.pool.get().unwrap();
    let password = auth::bootstrap_admin(&mut conn)
        .unwrap()
        .expect("created on an empty table");
    assert_eq!(auth::bootstrap_admin(&mut conn).unwrap(), None);
    let users = auth::list_users(&mut conn).unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(
        (users[0].login.as_str(), users[0].role),
        ("admin", Role::Administrator)
    );
    assert_eq!(password.secret().len(), 24);

    // A table with only a subscriber is not empty either.
    let app = TestApp::empty();
    auth::remove_user(&mut app.db.pool.get().unwrap(), "admin").unwrap();
    app.add_user("someone", Role::Subscriber);
    assert_eq!(
        auth::bootstrap_admin(&mut app.db.pool.get().unwrap()).unwrap(),
        None
    );
}

#[tokio::test]
async fn use_is_recorded_on_the_password() {
    let app = TestApp::semantic();
    let password = app.add_user("manager", Role::SupportManager);
    let before = auth::list_app_passwords(&mut app.db.pool.get().unwrap(), "manager").unwrap();
    assert_eq!(before[0].last_used_at, None);
    fetch(
        &app,
        Some(&basic("manager", &password.to_string())),
        Transport::GraphQlList,
    )
    .await;
    // The write happens beside the request; give it a moment.
    for _ in 0..50 {
        let after = auth::list_app_passwords(&mut app.db.pool.get().unwrap(), "manager").unwrap();
        if after[0].last_used_at.is_some() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("last_used_at was never written");
}

#[tokio::test]
async fn introspection_needs_a_signed_in_user_unless_the_schema_is_public() {
    let query = "{ __schema { queryType { name } } }";
    let app = TestApp::empty();
    let (_, anonymous) = app.graphql_as(None, query, json!({})).await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{anonymous}"
    );
    assert_eq!(anonymous["data"], Value::Null);
    let (_, by_type) = app
        .graphql_as(None, "{ __type(name: \"Customer\") { name } }", json!({}))
        .await;
    assert_eq!(
        by_type["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{by_type}"
    );
    // `__typename` is not introspection of the schema.
    let (_, typename) = app.graphql_as(None, "{ __typename }", json!({})).await;
    assert_eq!(typename, json!({"data": {"__typename": "Query"}}));
    let subscriber = app.add_user("reader", Role::Subscriber);
    let (_, signed_in) = app
        .graphql_as(
            Some(&basic("reader", &subscriber.to_string())),
            query,
            json!({}),
        )
        .await;
    assert_eq!(
        signed_in["data"]["__schema"]["queryType"]["name"], "Query",
        "{signed_in}"
    );

    let public = TestApp::with_state(|state| state.with_public_schema(true));
    let (_, anonymous) = public.graphql_as(None, query, json!({})).await;
    assert_eq!(
        anonymous["data"]["__schema"]["queryType"]["name"], "Query",
        "{anonymous}"
    );
    // A public schema is not public data.
    let (_, data) = public
        .graphql_as(None, "{ customers { totalCount } }", json!({}))
        .await;
    assert_eq!(data["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

fn from(app: &TestApp, client: [u8; 4], authorization: Option<&str>) -> Request<Body> {
    let _ = app;
    let mut request = Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    let mut request = request
        .body(Body::from(r#"{"query":"{ customers { totalCount } }"}"#))
        .unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((client, 40000))));
    request
}

#[tokio::test]
async fn repeated_failures_from_one_address_are_refused_for_a_while() {
    let limit = FailureLimit {
        max_failures: 3,
        window: std::time::Duration::from_secs(60),
    };
    let app = TestApp::with_state(|state| state.with_failure_limit(limit));
    let wrong = basic("admin", &auth::AppPassword::generate().to_string());
    let attacker = [10, 0, 0, 1];
    for _ in 0..3 {
        let (status, _, _) = app.send(from(&app, attacker, Some(&wrong))).await;
        assert_eq!(status, StatusCode::OK);
    }
    // Now even the right password from that address is not checked.
    let (status, headers, body) = app.send(from(&app, attacker, Some(&app.admin))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "TOO_MANY_REQUESTS");

    // Other addresses, and requests without credentials, are unaffected.
    let (status, _, body) = app.send(from(&app, [10, 0, 0, 2], Some(&app.admin))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&body).contains("totalCount"));
    let (status, _, _) = app.send(from(&app, attacker, None)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn behind_a_trusted_proxy_failures_count_against_the_client_it_names_and_no_one_else() {
    let limit = FailureLimit {
        max_failures: 2,
        window: std::time::Duration::from_secs(60),
    };
    let proxies = kbs_graphql::client_address::TrustedProxies::parse("10.0.0.0/8").unwrap();
    let app = TestApp::with_state(|state| {
        state
            .with_failure_limit(limit)
            .with_trusted_proxies(proxies)
    });
    let wrong = basic("admin", &auth::AppPassword::generate().to_string());
    let via_proxy = |client: &'static str, authorization: &str| {
        let mut request = from(&app, [10, 0, 0, 1], Some(authorization));
        request
            .headers_mut()
            .insert("x-forwarded-for", header::HeaderValue::from_static(client));
        request
    };
    for _ in 0..2 {
        app.send(via_proxy("203.0.113.5", &wrong)).await;
    }
    let (status, _, _) = app.send(via_proxy("203.0.113.5", &app.admin)).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the named client is throttled"
    );
    // Another client behind the same proxy is not.
    let (status, _, _) = app.send(via_proxy("203.0.113.6", &app.admin)).await;
    assert_eq!(status, StatusCode::OK);
    // An untrusted peer's header names no one: its own address is what counts.
    let mut spoofed = from(&app, [198, 51, 100, 7], Some(&wrong));
    spoofed.headers_mut().insert(
        "x-forwarded-for",
        header::HeaderValue::from_static("203.0.113.6"),
    );
    for _ in 0..2 {
        let mut again = from(&app, [198, 51, 100, 7], Some(&wrong));
        *again.headers_mut() = spoofed.headers().clone();
        app.send(again).await;
    }
    let (status, _, _) = app.send(via_proxy("203.0.113.6", &app.admin)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a spoofed header throttled someone else"
    );
    // (A credential not verified before: a verified one keeps working, see below.)
    let (status, _, _) = app.send(from(&app, [198, 51, 100, 7], Some(&wrong))).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the spoofer itself is throttled"
    );
}

#[tokio::test]
async fn a_verified_credential_keeps_working_from_a_throttled_address() {
    // The cache answers before the throttle: a user who signed in is not locked out by
    // someone else guessing from behind the same address.
    let limit = FailureLimit {
        max_failures: 1,
        window: std::time::Duration::from_secs(60),
    };
    let app = TestApp::with_state(|state| state.with_failure_limit(limit));
    let shared = [10, 0, 0, 9];
    let (status, _, _) = app.send(from(&app, shared, Some(&app.admin))).await;
    assert_eq!(status, StatusCode::OK);
    let wrong = basic("admin", &auth::AppPassword::generate().to_string());
    app.send(from(&app, shared, Some(&wrong))).await;
    let (status, _, _) = app.send(from(&app, shared, Some(&wrong))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let (status, _, _) = app.send(from(&app, shared, Some(&app.admin))).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn many_connections_with_new_credentials_cost_one_verification() {
    let app = TestApp::semantic();
    let password = app.add_user("manager", Role::SupportManager);
    let credentials = basic("manager", &password.to_string());
    let requests = (0..16).map(|_| fetch(&app, Some(&credentials), Transport::RestList));
    let outcomes = futures_util::future::join_all(requests).await;
    assert!(outcomes.iter().all(|o| *o == Outcome::Allowed));
    // Verifications run at most one per core at a time; the ones waiting find the result.
    let cores = std::thread::available_parallelism().unwrap().get() as u64;
    let ran = app.auth.verifications();
    assert!(
        (1..=cores).contains(&ran),
        "argon2 ran {ran} times for 16 connections"
    );
}

#[tokio::test]
async fn an_unknown_login_costs_a_verification_as_a_wrong_password_does() {
    // Otherwise the answer's time tells which logins exist (0.2 ms against 17 ms, measured).
    let app = TestApp::semantic();
    let guess = auth::AppPassword::generate().to_string();
    for (login, address) in [("admin", [10, 0, 1, 1]), ("nobody", [10, 0, 1, 2])] {
        let before = app.auth.verifications();
        let (status, _, _) = app
            .send(from(&app, address, Some(&basic(login, &guess))))
            .await;
        assert_eq!(status, StatusCode::OK, "{login}: anonymous, not refused");
        assert_eq!(app.auth.verifications(), before + 1, "{login}");
    }
}
