//! Replicas: three servers keep their data synced from one site database (`--sync-from`), agree
//! byte for byte, swap nothing while the source is unchanged, keep serving when it goes away
//! (saying how old their data is, and not ready past `--max-staleness`), and converge when it
//! comes back. The servers reach MariaDB through a relay this test can cut.

use std::collections::HashMap;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::helpers::basic;
use crate::mariadb::SiteDatabase;
use crate::metrics::Scrape;
use crate::process::{http, Server};

/// A TCP relay to the source that can be cut (open connections closed, new ones refused)
/// and restored, on the same port.
struct Relay {
    address: String,
    cut: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    fn to(target: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let cut = Arc::new(AtomicBool::new(false));
        let open = Arc::new(Mutex::new(Vec::new()));
        let (is_cut, streams) = (cut.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if is_cut.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&target) else {
                    continue;
                };
                let mut open = streams.lock().unwrap();
                open.push(client.try_clone().unwrap());
                open.push(server.try_clone().unwrap());
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
            }
        });
        Relay { address, cut, open }
    }

    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

struct Replica {
    server: Server,
    admin: String,
}

impl Replica {
    fn get(&self, path: &str) -> (u16, HashMap<String, String>, String) {
        let authorization = format!("Authorization: {}", self.admin);
        let answer = http(&self.server.address, "GET", path, &[authorization], "");
        (answer.status, answer.headers, answer.body)
    }

    fn ready(&self) -> (u16, String) {
        let (status, _, body) = self.get("/readyz");
        (status, body)
    }

    fn metrics(&self) -> Scrape {
        let (status, _, body) = self.get("/metrics");
        assert_eq!(status, 200, "{body}");
        Scrape::parse(&body)
    }

    fn name_of_customer_1(&self) -> String {
        let (status, _, body) = self.get("/wp-json/kbs/v1/customers/1");
        assert_eq!(status, 200, "{body}");
        let customer: serde_json::Value = serde_json::from_str(&body).unwrap();
        customer["name"].as_str().unwrap().to_owned()
    }
}

/// Waits up to `seconds` for `done`.
fn within(seconds: u64, what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(seconds),
            "not within {seconds} s: {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

const SWAPPED: &str = r#"kbs_sync_runs_total{outcome="swapped"}"#;
const UNCHANGED: &str = r#"kbs_sync_runs_total{outcome="unchanged"}"#;

#[test]
fn three_replicas_of_one_source_agree_keep_serving_without_it_and_converge() {
    let test = "replicas::three_replicas_of_one_source_agree_keep_serving_without_it_and_converge";
    let Some(site) = SiteDatabase::captured(test) else {
        return;
    };
    let url = url::Url::parse(&site.url()).unwrap();
    let relay = Relay::to(format!(
        "{}:{}",
        url.host_str().unwrap(),
        url.port().unwrap()
    ));
    let mut through_relay = url.clone();
    let (host, port) = relay.address.split_once(':').unwrap();
    through_relay.set_host(Some(host)).unwrap();
    through_relay.set_port(Some(port.parse().unwrap())).unwrap();
    // The password from the environment, as an operator would give it.
    let password = site.password();
    through_relay.set_password(None).unwrap();
    let source = through_relay.to_string();

    // Started while the source cannot be reached: no data, so not ready, saying why.
    relay.cut();
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let replicas: Vec<Replica> = dirs
        .iter()
        .map(|dir| {
            let server = Server::start_with(
                &dir.path().join("kbs.db"),
                &[
                    ("KBS_SYNC_FROM", source.as_str()),
                    ("KBS_SOURCE_PASSWORD", password.as_str()),
                    ("KBS_SYNC_INTERVAL", "1s"),
                    ("KBS_MAX_STALENESS", "4s"),
                    // Behind one load balancer: the same links in every answer.
                    ("KBS_PUBLIC_URL", "https://help.example.com"),
                ],
            );
            let admin = basic("admin", server.admin_password.as_deref().unwrap());
            assert!(
                !server.startup_log().contains(&password),
                "a password was logged"
            );
            Replica { server, admin }
        })
        .collect();
    for replica in &replicas {
        within(5, "a failed first sync", || {
            let (status, body) = replica.ready();
            status == 503 && body.contains("no data yet") && body.contains("cannot reach")
        });
    }

    // The source back: each replica's first sync lands, and they agree byte for byte.
    relay.restore();
    for replica in &replicas {
        within(20, "the first sync", || replica.ready().0 == 200);
    }
    let path = "/wp-json/kbs/v1/customers?per_page=5&orderby=name";
    let answers: Vec<_> = replicas.iter().map(|replica| replica.get(path)).collect();
    for (status, headers, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        assert_eq!(body, &answers[0].2);
        assert_eq!(headers["etag"], answers[0].1["etag"]);
        assert!(headers.contains_key("x-dataset-age"));
    }
    assert_eq!(replicas[0].name_of_customer_1(), "Alice Anderson");

    // An unchanged source swaps nothing: the version and the cached answers stay.
    let before: Vec<Scrape> = replicas.iter().map(Replica::metrics).collect();
    std::thread::sleep(Duration::from_millis(3500));
    for (replica, before) in replicas.iter().zip(&before) {
        let after = replica.metrics();
        assert!(after.get(UNCHANGED) >= before.get(UNCHANGED) + 2.0);
        assert_eq!(after.get(SWAPPED), before.get(SWAPPED));
        assert_eq!(
            after.get("kbs_dataset_version"),
            before.get("kbs_dataset_version")
        );
        assert!(after.get("kbs_response_cache_entries") >= 1.0);
    }

    // A change in the source reaches every replica within an interval and the swap.
    site.execute("UPDATE wp_kbs_customers SET name = 'Alice Replicated' WHERE id = 1");
    for replica in &replicas {
        within(10, "the change", || {
            replica.name_of_customer_1() == "Alice Replicated"
        });
    }

    // The source gone: the last data is served, with its age; past --max-staleness, not ready.
    relay.cut();
    site.execute("UPDATE wp_kbs_customers SET name = 'Alice Returned' WHERE id = 1");
    for replica in &replicas {
        within(15, "stale", || {
            let (status, body) = replica.ready();
            status == 503 && body.starts_with("stale")
        });
        let (status, headers, body) = replica.get("/wp-json/kbs/v1/customers/1");
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("Alice Replicated"));
        let age: u64 = headers["x-dataset-age"].parse().unwrap();
        assert!(age >= 4, "{age}");
        assert!(
            replica
                .metrics()
                .get(r#"kbs_sync_runs_total{outcome="failed"}"#)
                >= 1.0
        );
    }

    // The source back: they converge, and are ready again.
    relay.restore();
    for replica in &replicas {
        within(20, "converging", || {
            replica.name_of_customer_1() == "Alice Returned"
        });
        within(5, "ready again", || replica.ready().0 == 200);
    }
    let answers: Vec<_> = replicas.iter().map(|replica| replica.get(path)).collect();
    for (_, headers, body) in &answers {
        assert_eq!(body, &answers[0].2);
        assert_eq!(headers["etag"], answers[0].1["etag"]);
    }
    // Each failure streak (at start, and the cut) was logged once, and no password ever.
    for mut replica in replicas {
        let log = replica.server.startup_log().to_owned() + &replica.server.stop();
        let warned = log.matches("sync failed: the last data is served").count();
        assert_eq!(warned, 2, "{log}");
        assert!(!log.contains(&password), "a password was logged");
    }
}

#[tokio::test]
async fn the_same_data_gives_the_same_bytes_and_etag_whatever_the_datasets_version() {
    let records: Vec<_> = (1..=3)
        .map(|id| crate::helpers::customer(id, &format!("c{id}@example.com")).build())
        .collect();
    let once = crate::helpers::TestApp::with(&records, &[]);
    // Imported twice: another version of the same content.
    let twice = crate::helpers::TestApp::with(&records, &[]);
    twice
        .import(&crate::helpers::jsonl(&records), None, true)
        .unwrap();
    let version = |app: &crate::helpers::TestApp| {
        let state = kbs_graphql::db::dataset_state(&mut app.db.pool.get().unwrap()).unwrap();
        (state.version, state.digest)
    };
    let (once_version, once_digest) = version(&once);
    let (twice_version, twice_digest) = version(&twice);
    assert_ne!(once_version, twice_version);
    assert_eq!(once_digest, twice_digest);
    let path = "/wp-json/kbs/v1/customers?per_page=2";
    let (_, once_headers, once_body) = once.rest(path).await;
    let (_, twice_headers, twice_body) = twice.rest(path).await;
    assert_eq!(once_body, twice_body);
    assert_eq!(once_headers["etag"], twice_headers["etag"]);
    let (_, once_metrics) = crate::metrics::scrape_as(&once.router, &once.admin).await;
    let info = format!("kbs_dataset_info{{digest=\"{}\"}} 1", once_digest.unwrap());
    assert!(once_metrics.contains(&info), "{once_metrics}");
}

#[test]
fn a_read_only_database_is_refused_as_a_replica_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("kbs.db");
    kbs_graphql::db::Database::open(database.to_str().unwrap(), 1).unwrap();
    let output = crate::process::unable_to_write(&database)
        .env("DATABASE_URL", &database)
        .env("KBS_SYNC_FROM", "mysql://reader@127.0.0.1:1/site")
        .env("KBS_LISTEN", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--sync-from needs a database this process may write")
            && stderr.contains("read-only"),
        "{stderr}"
    );
}
