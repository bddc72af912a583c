//! Real clients against the real server: the GraphQL-over-HTTP specification's own audit
//! (graphql-http's `auditServer`) and node-wpapi, from `tests/clients` (installed by `.ci/run`
//! with `npm ci`). Without Node or those packages the tests say "skipped", but fail under CI.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::helpers::{basic, skip};
use crate::process::Server;

/// The client scripts' folder, when Node and their packages are there.
pub fn folder(test: &str) -> Option<PathBuf> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients");
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|out| out.status.success()) {
        skip(test, "no `node` on the PATH");
        return None;
    }
    if !folder.join("node_modules").is_dir() {
        skip(
            test,
            "tests/clients has no node_modules (run `npm ci --prefix tests/clients`)",
        );
        return None;
    }
    Some(folder)
}

/// Runs `script` with `args`; its standard output, after checking it exited cleanly.
pub fn node(folder: &Path, script: &str, args: &[&str]) -> String {
    let out = Command::new("node")
        .arg(folder.join(script))
        .args(args)
        .current_dir(folder)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{script} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The audit's results against one server: every MUST and SHOULD must be ok.
fn audit(folder: &Path, server: &Server) -> Vec<Value> {
    let admin = basic("admin", server.admin_password.as_deref().unwrap());
    let url = format!("http://{}/graphql", server.address);
    let results: Vec<Value> = node(folder, "audit.mjs", &[&url, &admin])
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON result a line"))
        .collect();
    assert!(results.len() > 40, "too few audits ran: {results:?}");
    let failed: Vec<&Value> = results
        .iter()
        .filter(|r| r["level"] != "MAY" && r["status"] != "ok")
        .collect();
    assert!(
        failed.is_empty(),
        "MUST or SHOULD audits not ok: {failed:#?}"
    );
    results
}

#[test]
fn the_graphql_over_http_audit_passes_every_must_and_should() {
    let test = "clients::the_graphql_over_http_audit_passes_every_must_and_should";
    let Some(folder) = folder(test) else { return };
    let dir = tempfile::tempdir().unwrap();
    // With the response cache (the default), and without it: the executor and the fast path
    // answer every repeated request on the second server, the cache on the first.
    let cached = Server::start(&dir.path().join("cached.db"));
    let results = audit(&folder, &cached);
    let uncached = Server::start_with(
        &dir.path().join("uncached.db"),
        &[("KBS_RESPONSE_CACHE_MIB", "0")],
    );
    assert_eq!(audit(&folder, &uncached).len(), results.len());
    let musts = results.iter().filter(|r| r["level"] == "MUST").count();
    let shoulds = results.iter().filter(|r| r["level"] == "SHOULD").count();
    assert!(
        musts >= 13 && shoulds >= 23,
        "{musts} MUST, {shoulds} SHOULD"
    );
}

#[test]
fn node_wpapi_discovers_the_api_walks_every_page_and_embeds_companies() {
    let test = "clients::node_wpapi_discovers_the_api_walks_every_page_and_embeds_companies";
    let Some(folder) = folder(test) else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("site.db"));
    let password = server.admin_password.clone().unwrap();
    let site = format!("http://{}/", server.address);
    let out: Value =
        serde_json::from_str(&node(&folder, "wpapi.mjs", &[&site, "admin", &password])).unwrap();

    // Discovery: from the site's address to the index, whose routes build the client.
    assert_eq!(
        out["endpoint"],
        format!("http://{}/wp-json/", server.address)
    );
    assert!(out["namespaces"]
        .as_array()
        .unwrap()
        .contains(&json!("kbs/v1")));

    // Paging through `_paging.next`: every demo customer once, in order, 7 at a time.
    let ids: Vec<i64> = out["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_i64().unwrap())
        .collect();
    assert_eq!(ids, (1..=250).collect::<Vec<i64>>());
    assert_eq!(out["total"], 250);
    assert_eq!(out["pages"], 36);

    // `_embed`: the company as its own route answers it; links this server does not serve
    // (the WordPress user, the tickets) stay links.
    let admin = basic("admin", &password);
    for customer in out["embeddedList"]
        .as_array()
        .unwrap()
        .iter()
        .chain([&out["one"]])
    {
        let embedded = &customer["_embedded"];
        // What the company link's route answers, found or not (a company id no company has
        // embeds the route's 404 body, as WordPress embeds a failed link).
        match customer["_links"]["company"][0]["href"].as_str() {
            Some(href) => {
                let path = &href[href.find("/wp-json/").unwrap()..];
                let (_, body) = server.request_as(Some(&admin), "GET", path, "");
                let route: Value = serde_json::from_str(&body).unwrap();
                assert_eq!(embedded, &json!({"company": [route]}), "{customer}");
            }
            None => assert!(embedded.is_null(), "{customer}"),
        }
        assert!(customer["_links"]["tickets"][0]["embeddable"] == true);
    }
    assert!(out["one"]["company"].is_i64());
}
