//! One log line per request, as a log collector reads it (`--log-format json`): its id (a
//! trusted proxy's, else made here, and returned in `X-Request-Id`), the client, the user,
//! the transport, the GraphQL operation, the status, the bytes and the latency.

use serde_json::Value;

use crate::process::{http, Server};

/// One request with `headers`; its status, `X-Request-Id` and body length.
fn send(server: &Server, request_line: &str, headers: &[&str], body: &str) -> (u16, String, usize) {
    let (method, path) = request_line.split_once(' ').unwrap();
    let headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    let answer = http(&server.address, method, path, &headers, body);
    let id = answer
        .headers
        .get("x-request-id")
        .expect("every answer carries its request id")
        .clone();
    (answer.status, id, answer.body.len())
}

/// The log's request lines, by request id.
fn lines(log: &str) -> Vec<Value> {
    log.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["target"] == "kbs_graphql::request")
        .collect()
}

#[test]
fn each_request_logs_one_json_line_with_its_id_client_user_and_operation() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start_with(
        &dir.path().join("kbs.db"),
        &[
            ("KBS_LOG_FORMAT", "json"),
            ("KBS_TRUSTED_PROXIES", "127.0.0.1"),
        ],
    );
    let admin = crate::helpers::basic("admin", server.admin_password.as_deref().unwrap());
    let authorization = format!("Authorization: {admin}");
    let query = r#"{"query":"query Recent { customers(perPage: 2) { nodes { id } } }"}"#;
    // Through the (trusted) proxy: its id and its client are kept.
    let (status, id, bytes) = send(
        &server,
        "POST /graphql",
        &[
            &authorization,
            "X-Request-Id: edge-42",
            "X-Forwarded-For: 203.0.113.8",
        ],
        query,
    );
    assert_eq!((status, id.as_str()), (200, "edge-42"));
    // An id that is not one a proxy could hand on is replaced.
    let (_, made, _) = send(
        &server,
        "GET /wp-json/kbs/v1/customers",
        &["X-Request-Id: "],
        "",
    );
    assert!(made.len() >= 32 && made != "edge-42", "{made}");

    let log = server.stop();
    let lines = lines(&log);
    let graphql = lines
        .iter()
        .find(|line| line["request_id"] == "edge-42")
        .unwrap_or_else(|| panic!("no line for edge-42: {log}"));
    assert_eq!(graphql["client"], "203.0.113.8");
    assert_eq!(graphql["user"], "admin");
    assert_eq!(graphql["transport"], "graphql");
    assert_eq!(graphql["operation"], "Recent");
    assert_eq!(graphql["status"], 200);
    assert_eq!(graphql["bytes"], bytes);
    assert!(graphql["latency_us"].as_u64().is_some(), "{graphql}");
    let rest = lines
        .iter()
        .find(|line| line["request_id"] == made.as_str())
        .unwrap_or_else(|| panic!("no line for {made}: {log}"));
    assert_eq!(
        (
            &rest["transport"],
            &rest["status"],
            &rest["user"],
            &rest["client"]
        ),
        (
            &Value::from("rest"),
            &Value::from(401),
            &Value::from("-"),
            &Value::from("127.0.0.1")
        )
    );
}
