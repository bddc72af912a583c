//! The GraphiQL playground is served whole by the server: its page and every file it loads.

use std::future::IntoFuture;
use std::io::Read;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use crate::helpers::TestApp;

async fn get(
    app: &TestApp,
    path: &str,
    gzip: bool,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut request = Request::get(path);
    if gzip {
        request = request.header(header::ACCEPT_ENCODING, "gzip");
    }
    app.send(request.body(Body::empty()).unwrap()).await
}

/// The `src="…"` and `href="…"` values of a page.
fn references(page: &str) -> Vec<&str> {
    ["src=\"", "href=\""]
        .iter()
        .flat_map(|attribute| {
            page.match_indices(attribute).map(|(at, _)| {
                let rest = &page[at + attribute.len()..];
                &rest[..rest.find('"').expect("closed attribute")]
            })
        })
        .collect()
}

#[tokio::test]
async fn the_playground_loads_only_files_this_server_serves() {
    let app = TestApp::empty();
    let (status, headers, page) = get(&app, "/graphiql", false).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains("new URL(\"graphql\", window.location.href)"),
        "{page}"
    );

    let files = references(&page);
    assert_eq!(files.len(), 4, "{files:?}");
    for file in files {
        // Relative to the page, so that a path prefix in front of the server works too.
        assert!(file.starts_with("graphiql/"), "{file} is not this server's");
        let (status, headers, body) = get(&app, &format!("/{file}"), false).await;
        assert_eq!(status, StatusCode::OK, "{file}");
        let expected = if file.ends_with(".css") {
            "text/css"
        } else {
            "text/javascript"
        };
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with(expected),
            "{file}: {headers:?}"
        );
        assert_eq!(
            headers[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert!(headers.get(header::CONTENT_ENCODING).is_none());
        assert!(body.len() > 10_000, "{file}: {} bytes", body.len());

        // Browsers get it compressed, the same bytes once inflated.
        let (status, headers, gzipped) = get(&app, &format!("/{file}"), true).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_ENCODING], "gzip", "{file}");
        assert!(gzipped.len() < body.len(), "{file}");
        let mut inflated = Vec::new();
        flate2::read::GzDecoder::new(&gzipped[..])
            .read_to_end(&mut inflated)
            .unwrap();
        assert!(inflated == body, "{file}: inflated bytes differ");
    }
}

#[tokio::test]
async fn files_the_playground_does_not_have_are_404() {
    let app = TestApp::empty();
    for path in [
        "/graphiql/index.umd.js.map",
        "/graphiql/README.md",
        "/graphiql/..%2FCargo.toml",
        "/graphiql/graphiql-4.1.2.min.js/x",
    ] {
        let (status, _, _) = get(&app, path, false).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
}

/// A headless Chromium to run the playground in, as a path: `KBS_TEST_BROWSER`, else
/// `chromium` on the PATH. Without one `test` is skipped, except under CI (`.ci/run`
/// installs it).
fn browser(test: &str) -> Option<String> {
    let path_entries = std::env::var_os("PATH").unwrap_or_default();
    let on_path = |name: &str| {
        std::env::split_paths(&path_entries)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
            .map(|found| found.display().to_string())
    };
    let candidates = std::env::var("KBS_TEST_BROWSER")
        .ok()
        .into_iter()
        .chain(on_path("chromium"))
        .chain(on_path("chromium-browser"));
    for candidate in candidates {
        let found = std::process::Command::new(&candidate)
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success());
        if found {
            return Some(candidate);
        }
    }
    crate::helpers::skip(
        test,
        "no chromium on the PATH (install it, as .ci/run does, or set KBS_TEST_BROWSER)",
    );
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_playground_runs_in_a_browser_and_reaches_the_api() {
    let Some(browser) = browser("playground::the_playground_runs_in_a_browser_and_reaches_the_api")
    else {
        return;
    };
    let app = TestApp::empty();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/graphiql", listener.local_addr().unwrap());
    let server = tokio::spawn(axum::serve(listener, app.router.clone()).into_future());
    let profile = tempfile::tempdir().unwrap();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--virtual-time-budget=10000",
                "--dump-dom",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(url)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    server.abort();
    assert!(output.status.success(), "{output:?}");
    let dom = String::from_utf8_lossy(&output.stdout);
    // React rendered GraphiQL from the files served above…
    assert!(dom.contains("graphiql-container"), "{dom}");
    // …and GraphiQL asked this server for the schema, was refused (an anonymous caller may
    // not introspect), and says how to sign in instead: page, scripts, endpoint and fetch
    // all work together.
    assert!(dom.contains("Sign in to load the schema"), "{dom}");
    assert!(
        !dom.contains("Introspection needs a signed-in user"),
        "{dom}"
    );
}

/// As a person uses it: the first view says how to sign in; typing the header in loads the
/// schema (for completion and the docs) and the default query runs. Driven by playwright-core
/// (`tests/clients`) in the same Chromium.
#[test]
fn signing_in_in_the_playground_loads_the_schema() {
    let test = "playground::signing_in_in_the_playground_loads_the_schema";
    let Some(browser) = browser(test) else {
        return;
    };
    let Some(folder) = crate::clients::folder(test) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = crate::process::Server::start(&dir.path().join("kbs.db"));
    let admin = crate::helpers::basic("admin", server.admin_password.as_deref().unwrap());
    let url = format!("http://{}/", server.address);
    let out = crate::clients::node(&folder, "playground.mjs", &[&url, &admin, &browser]);
    let out: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(out.get("error").is_none(), "{out:#}");
    assert!(
        out["firstView"].as_str().unwrap().contains("Authorization"),
        "{out:#}"
    );
    assert!(
        out["documented"].as_str().unwrap().contains("companies"),
        "{out:#}"
    );
    let answer = out["answer"].as_str().unwrap();
    assert!(
        answer.contains("\"customers\"") && answer.contains("\"nodes\""),
        "{out:#}"
    );
    assert!(!answer.contains("\"errors\""), "{out:#}");
}
