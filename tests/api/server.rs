//! The real binary serving on a socket: first start on a fresh path, probes, GraphiQL, shutdown.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::helpers::TestApp;
use crate::process::Server;

#[test]
fn a_fresh_start_creates_the_database_loads_the_demo_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("fresh.db");
    let mut server = Server::start(&database);
    assert!(database.exists());

    assert_eq!(
        server.request("GET", "/healthz", ""),
        (200, "ok".to_owned())
    );
    assert_eq!(server.request("GET", "/readyz", ""), (200, "ok".to_owned()));
    let password = server
        .admin_password
        .clone()
        .expect("the first start prints an admin password");
    let admin = crate::helpers::basic("admin", &password);
    let query = r#"{"query":"{ customers { totalCount nodes { id email } } }"}"#;
    let (status, body) = server.request("POST", "/graphql", query);
    assert_eq!(status, 200);
    assert!(body.contains("UNAUTHENTICATED"), "{body}");
    let (status, body) = server.request_as(Some(&admin), "POST", "/graphql", query);
    assert_eq!(status, 200);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["data"]["customers"]["totalCount"], 250);
    assert_eq!(body["data"]["customers"]["nodes"][0]["id"], 250);

    let (status, page) = server.request("GET", "/graphiql", "");
    assert_eq!(status, 200);
    assert!(page.contains("GraphiQL") && page.contains("graphiql/graphiql-4.1.2.min.js"));

    let log = server.stop();
    assert!(
        log.contains("status=200"),
        "one line per request with its status: {log}"
    );
    assert!(log.contains("latency_us="), "{log}");
    let secret: String = password.chars().filter(|c| *c != ' ').collect();
    assert!(
        !log.contains(&password) && !log.contains(&secret) && !log.contains("argon2"),
        "no password or hash in the logs: {log}"
    );
    assert!(log.contains("stopped"), "{log}");

    // A second start finds data and users, and leaves both alone.
    let mut server = Server::start(&database);
    assert_eq!(
        server.admin_password, None,
        "the bootstrap admin appears only on an empty user table"
    );
    let (_, body) = server.request_as(
        Some(&admin),
        "POST",
        "/graphql",
        r#"{"query":"{ customers { totalCount } }"}"#,
    );
    assert!(body.contains("\"totalCount\":250"), "{body}");
    server.stop();
}

#[tokio::test]
async fn the_demo_data_is_loaded_only_into_an_empty_database() {
    let app = TestApp::semantic();
    let mut conn = app.db.pool.get().unwrap();
    assert_eq!(kbs_graphql::demo::load_if_empty(&mut conn).unwrap(), None);
    drop(conn);
    assert_eq!(app.ids("perPage: 100").await.len(), 8);
}

#[tokio::test]
async fn probes_and_the_playground_answer_through_the_router() {
    let app = TestApp::empty();
    for path in ["/healthz", "/readyz", "/graphiql", "/"] {
        let (status, _, _) = app
            .send(Request::get(path).body(Body::empty()).unwrap())
            .await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
}

/// Servers started together on a new file all open it: the losers of the switch to WAL try
/// again, and the migrations run under the write lock, so the others find them applied
/// instead of failing on tables that appeared meanwhile.
#[test]
fn processes_opening_one_new_database_together_all_open_it() {
    for round in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shared.db");
        let start = std::sync::Arc::new(std::sync::Barrier::new(4));
        let openers: Vec<_> = (0..4)
            .map(|_| {
                let path = path.clone();
                let start = start.clone();
                std::thread::spawn(move || {
                    start.wait();
                    kbs_graphql::db::Database::open(path.to_str().unwrap(), 1).map(drop)
                })
            })
            .collect();
        for opener in openers {
            let opened = opener.join().unwrap();
            assert!(opened.is_ok(), "round {round}: {:?}", opened.err());
        }
    }
}
