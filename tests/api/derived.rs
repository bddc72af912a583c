//! The derived data (the substring index, the distinct names, the company positions): it
//! answers exactly as a scan does, it answers only while it holds the stored dataset, its
//! build survives being overtaken by an import, and the writers it shares the database with
//! wait for each other instead of failing.

use axum::http::StatusCode;
use diesel::prelude::*;
use kbs_graphql::customers::derived::{self, Step};
use kbs_graphql::customers::Read;
use kbs_graphql::RENDERERS;
use serde_json::{json, Value};

use crate::helpers::{customer, TestApp};

/// Needles for both filters: case, Unicode, LIKE's wildcards and FTS5's syntax taken
/// literally, spaces, spans across name parts and address parts; pairs (two characters) at the
/// start, middle and end of names and addresses; single characters (which scan).
const NEEDLES: &[&str] = &[
    "smith",
    "SMITH",
    "ce sm",
    "pure_",
    "100%",
    "% pure",
    "ünï",
    "ÜNÏCODE",
    "ольг",
    "umlaut.ex",
    "corp.example",
    "e.c",
    "@example.com",
    "com bob",
    "zoë@",
    "bob",
    "b\"o",
    "AND",
    "sm*",
    "al",
    "th",
    "TH",
    "ГА",
    "ob",
    "bo",
    "om",
    "ru",
    "e ",
    "% ",
    "_s",
    "ë@",
    "\"a",
    "e.",
    "h",
    "Ë",
    "",
];

async fn answer(app: &TestApp, filter: &str, needle: &str) -> Value {
    app.graphql_with(
        &format!(
            "query($n: String) {{ customers({filter}: $n, perPage: 100) {{ nodes {{ id }} totalCount }} }}"
        ),
        json!({ "n": needle }),
    )
    .await
}

#[tokio::test]
async fn indexed_answers_equal_scanned_ones() {
    let scanned = TestApp::semantic();
    let indexed = TestApp::semantic();
    indexed.build_derived_data();
    for needle in NEEDLES {
        for filter in ["name", "search"] {
            assert_eq!(
                answer(&indexed, filter, needle).await,
                answer(&scanned, filter, needle).await,
                "{filter}: {needle:?}"
            );
            // Another order (the index then filters, SQLite sorts and counts), and another
            // filter beside it (the index's matches become a subselect).
            for more in ["orderBy: NAME, order: ASC", "userId: [10, 20]"] {
                let query = format!(
                    "query($n: String) {{ customers({filter}: $n, {more}) {{ nodes {{ id }} totalCount }} }}"
                );
                let vars = json!({ "n": needle });
                assert_eq!(
                    indexed.graphql_with(&query, vars.clone()).await,
                    scanned.graphql_with(&query, vars).await,
                    "{filter}: {needle:?}, {more}"
                );
            }
        }
        let uri = format!(
            "/wp-json/kbs/v1/customers?per_page=100&search={}",
            percent_encoding::utf8_percent_encode(needle, percent_encoding::NON_ALPHANUMERIC)
        );
        let (indexed_status, indexed_headers, indexed_body) = indexed.rest(&uri).await;
        let (status, headers, body) = scanned.rest(&uri).await;
        assert_eq!(indexed_status, status, "{uri}");
        assert_eq!(
            indexed_headers["x-wp-total"], headers["x-wp-total"],
            "{uri}"
        );
        assert_eq!(indexed_body, body, "{uri}");
    }
    // Not vacuous: the needles do match.
    let smiths = answer(&indexed, "name", "smith").await;
    assert_eq!(smiths["data"]["customers"]["totalCount"], 2);
    let umlaut = answer(&indexed, "search", "umlaut.ex").await;
    assert_eq!(umlaut["data"]["customers"]["nodes"], json!([{ "id": 3 }]));
    // Pairs at the very end of a name and of an address.
    let smiths = answer(&indexed, "name", "th").await;
    assert_eq!(smiths["data"]["customers"]["totalCount"], 2);
    let russians = answer(&indexed, "search", "ru").await;
    assert_eq!(russians["data"]["customers"]["nodes"], json!([{ "id": 6 }]));
}

/// Renames customer 1 behind the index's back (no import, so the dataset version stays).
fn rename_in_place(app: &TestApp) {
    diesel::sql_query("UPDATE customers SET name = 'Renamed', name_lower = 'renamed' WHERE id = 1")
        .execute(&mut app.db.pool.get().unwrap())
        .unwrap();
}

#[tokio::test]
async fn the_index_serves_only_the_dataset_it_holds() {
    let app = TestApp::semantic();
    app.build_derived_data();
    // The index still holds "alice smith" for customer 1: it, not a scan, answers.
    rename_in_place(&app);
    let lists = app.reads.taken(Read::NamesLists);
    let ids = |v: Value| v["data"]["customers"]["nodes"].clone();
    assert_eq!(
        ids(answer(&app, "name", "smith").await),
        json!([{ "id": 7 }, { "id": 1 }])
    );
    // Once for the executor's answer, once for the fast path's.
    assert_eq!(app.reads.taken(Read::NamesLists), lists + 2);
    // Two characters too: the index's trigrams starting with them answer.
    assert_eq!(
        ids(answer(&app, "search", "th").await),
        json!([{ "id": 7 }, { "id": 1 }])
    );
    // An import moves the dataset version: the index is stale, so the filter scans.
    app.import_customers(
        &[customer(9, "nine@example.com").name("Nine Smith").build()],
        false,
    )
    .unwrap();
    assert_eq!(
        ids(answer(&app, "name", "smith").await),
        json!([{ "id": 9 }, { "id": 7 }])
    );
    // Rebuilt, it holds the new dataset.
    app.build_derived_data();
    let lists = app.reads.taken(Read::NamesLists);
    assert_eq!(
        ids(answer(&app, "name", "smith").await),
        json!([{ "id": 9 }, { "id": 7 }])
    );
    assert_eq!(app.reads.taken(Read::NamesLists), lists + 2);
    assert_eq!(
        ids(answer(&app, "name", "renamed").await),
        json!([{ "id": 1 }])
    );
}

#[tokio::test]
async fn a_build_overtaken_by_an_import_starts_over() {
    let app = TestApp::semantic();
    let mut conn = app.db.pool.get().unwrap();
    assert!(!derived::is_current(&mut conn).unwrap());
    assert_eq!(
        derived::build_step(&mut conn, 3, RENDERERS).unwrap(),
        Step::Indexed { through_id: 3 }
    );
    assert_eq!(
        derived::build_step(&mut conn, 3, RENDERERS).unwrap(),
        Step::Indexed { through_id: 6 }
    );
    assert!(!derived::is_current(&mut conn).unwrap());
    drop(conn);

    app.import_customers(
        &[customer(9, "nine@example.com").name("Nine Smith").build()],
        false,
    )
    .unwrap();
    let mut conn = app.db.pool.get().unwrap();
    // The half-built index was of the previous dataset: thrown away, started again.
    assert_eq!(
        derived::build_step(&mut conn, 3, RENDERERS).unwrap(),
        Step::Indexed { through_id: 3 }
    );
    let mut steps = 1;
    let version = loop {
        steps += 1;
        match derived::build_step(&mut conn, 3, RENDERERS).unwrap() {
            Step::Finished { version } => break version,
            Step::Indexed { .. } => {}
            Step::Current => panic!("finished without saying so"),
        }
    };
    assert_eq!(
        steps, 4,
        "9 customers in batches of 3, then a step that finds no more"
    );
    assert_eq!(
        version,
        kbs_graphql::db::dataset_version(&mut conn).unwrap()
    );
    assert!(derived::is_current(&mut conn).unwrap());
    assert_eq!(
        derived::build_step(&mut conn, 3, RENDERERS).unwrap(),
        Step::Current
    );
    drop(conn);

    // Nothing of the thrown-away build is left over: every customer is counted once.
    let all = answer(&app, "search", "example").await;
    assert_eq!(all["data"]["customers"]["totalCount"], 9);
    let fresh = TestApp::semantic();
    fresh
        .import_customers(
            &[customer(9, "nine@example.com").name("Nine Smith").build()],
            false,
        )
        .unwrap();
    for needle in NEEDLES {
        assert_eq!(
            answer(&app, "search", needle).await,
            answer(&fresh, "search", needle).await,
            "{needle:?}"
        );
    }
}

#[test]
fn writers_hold_the_write_lock_from_their_first_statement() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::semantic();
    let mut writer = app.db.pool.get().unwrap();
    let mut other = app.db.pool.get().unwrap();
    other.batch_execute("PRAGMA busy_timeout = 0").unwrap();
    kbs_graphql::db::write_transaction(&mut writer, |conn| {
        // Only a read so far; with a plain deferred transaction another connection could
        // commit now, and this one's first write would then fail outright.
        kbs_graphql::db::dataset_version(conn)?;
        let blocked = other.batch_execute("UPDATE dataset SET version = version");
        assert!(blocked.is_err(), "the lock is already held");
        Ok::<_, diesel::result::Error>(())
    })
    .unwrap();
    other
        .batch_execute("UPDATE dataset SET version = version")
        .unwrap();
    other.batch_execute("PRAGMA busy_timeout = 5000").unwrap();
}

/// Descending windows are read from the matches in ascending order: kept to the end for a
/// needle with few matches, cut short (then counted and read backwards) for a common one.
/// Either way the page and total are a scan's; and so are a pair's, in either order.
#[tokio::test]
async fn descending_windows_over_few_and_many_matches_equal_scanned_ones() {
    // 2,400 customers: every second is a "Common" (more than the 1,000 read past a short
    // window), every hundredth also a "Rare".
    let customers: Vec<Value> = (1..=2400)
        .map(|id| {
            let name = match (id % 2, id % 100) {
                (_, 0) => format!("Rare Common {id}"),
                (0, _) => format!("Common {id}"),
                _ => format!("Other {id}"),
            };
            customer(id, &format!("c{id}@example.com"))
                .name(&name)
                .build()
        })
        .collect();
    let scanned = TestApp::with(&customers, &[]);
    let indexed = TestApp::with(&customers, &[]);
    indexed.build_derived_data();
    let windows = [
        "perPage: 10",
        "perPage: 7, page: 3",
        "perPage: 100, offset: 700",
        "perPage: 10, offset: 795",
        "perPage: 10, offset: 5000",
        "perPage: 10, order: ASC",
    ];
    // Pairs too ("ra", "co", "99"), whose windows are cut from all their matches.
    let needles = ["rare", "common", "mmon 1", "ra", "co", "99"];
    name_pages_agree(&scanned, &indexed, &needles, &windows).await;
    // Not vacuous: the common needle has more matches than one pass keeps.
    let common = answer(&indexed, "name", "common").await;
    assert_eq!(common["data"]["customers"]["totalCount"], 1200);
    assert_eq!(common["data"]["customers"]["nodes"][0]["id"], 2400);
}

/// Builds the index in batches of `batch` customers, as the server does.
fn build_in_batches(app: &TestApp, batch: i64) {
    let mut conn = app.db.pool.get().unwrap();
    while let Step::Indexed { .. } = derived::build_step(&mut conn, batch, RENDERERS).unwrap() {}
    assert!(derived::is_current(&mut conn).unwrap());
}

/// Two apps on the same customers: the first without the index (it scans and walks), the
/// second with it built in batches of `batch`.
fn without_and_with_index(customers: &[Value], batch: i64) -> (TestApp, TestApp) {
    let without = TestApp::with(customers, &[]);
    let with = TestApp::with(customers, &[]);
    build_in_batches(&with, batch);
    (without, with)
}

/// The distinct names the index holds, with their customers, by name.
fn distinct_names(app: &TestApp) -> Vec<(String, i64)> {
    use kbs_graphql::db::schema::customer_names;
    customer_names::table
        .select((customer_names::name_lower, customer_names::customers))
        .order(customer_names::name_lower)
        .load(&mut app.db.pool.get().unwrap())
        .unwrap()
}

/// Names repeat, and the `name` filter counts its matches from the distinct names (summing
/// each one's customers), added up batch by batch as the index is built: every answer equals
/// a scan's (totals, windows both ways, pairs, other orders, another filter beside it), and
/// still does after imports, which rebuild the names rather than add to them.
#[tokio::test]
async fn repeated_names_count_as_a_scan_counts_them() {
    const NAMES: [&str; 12] = [
        "O'Brien",
        "Ann O'Brien",
        "Bob O'Brien",
        "Ann Smith",
        "",
        "Zoë Brien",
        "ANN",
        "Ann",
        "ann smith",
        "Émile Brien",
        "100% Pure",
        "Brie",
    ];
    let people = |ids: std::ops::RangeInclusive<i32>, shift: usize| -> Vec<Value> {
        ids.map(|id| {
            customer(id, &format!("c{id}@example.com"))
                .name(NAMES[(id as usize * 7 + shift) % NAMES.len()])
                .build()
        })
        .collect()
    };
    // Batches of 64: each name is met again in every batch.
    let (scanned, indexed) = without_and_with_index(&people(1..=1500, 0), 64);
    // One row per distinct folded name (the empty one left out), holding all its customers.
    let names = distinct_names(&indexed);
    assert_eq!(names.len(), 9, "{names:?}");
    assert_eq!(names.iter().map(|(_, n)| n).sum::<i64>(), 1375, "{names:?}");
    assert!(names.contains(&("ann".to_owned(), 250)), "{names:?}");

    names_agree(&scanned, &indexed).await;
    // Not vacuous: "o'brien" is in 3 of the 12 names.
    let obriens = answer(&indexed, "name", "o'brien").await;
    assert_eq!(obriens["data"]["customers"]["totalCount"], 375);

    // An import adding customers (names seen and new), then one replacing them all.
    let more = people(1501..=1700, 5);
    let mut extra = more.clone();
    extra.push(
        customer(1701, "new@example.com")
            .name("Ann Brienne")
            .build(),
    );
    for app in [&scanned, &indexed] {
        app.import_customers(&extra, false).unwrap();
    }
    build_in_batches(&indexed, 64);
    names_agree(&scanned, &indexed).await;
    let replaced = people(1..=300, 3);
    for app in [&scanned, &indexed] {
        app.import_customers(&replaced, true).unwrap();
    }
    build_in_batches(&indexed, 1000);
    names_agree(&scanned, &indexed).await;
    let names = distinct_names(&indexed);
    assert_eq!(names.iter().map(|(_, n)| n).sum::<i64>(), 275, "{names:?}");
}

/// The `name` filter answers the same on both apps, for needles common and rare (phrases,
/// pairs, one character), in windows near and far, both ways, in other orders and beside
/// another filter.
async fn names_agree(scanned: &TestApp, indexed: &TestApp) {
    let needles = [
        "o'brien",
        "brien",
        "ann",
        "an",
        "ri",
        "smith",
        "ann smith",
        "brie",
        "émile",
        "é",
        "zz",
        "0% p",
        "n o",
    ];
    let windows = [
        "perPage: 10",
        "perPage: 10, order: ASC",
        "perPage: 100, offset: 450",
        "perPage: 10, offset: 1100",
        "perPage: 10, offset: 5000",
        "perPage: 10, orderBy: NAME",
        "perPage: 10, offset: 300, orderBy: DATE, order: ASC",
        "perPage: 10, exclude: [1500, 7]",
    ];
    name_pages_agree(scanned, indexed, &needles, &windows).await;
}

/// Each `name` needle in each window (arguments beside it) answers the same on both apps,
/// with the total and without it (which a page need not count).
async fn name_pages_agree(
    scanned: &TestApp,
    indexed: &TestApp,
    needles: &[&str],
    windows: &[&str],
) {
    for needle in needles {
        for window in windows {
            for fields in ["nodes { id } totalCount", "nodes { id }"] {
                let query =
                    format!("query($n: String) {{ customers(name: $n, {window}) {{ {fields} }} }}");
                assert_same_answer(scanned, indexed, &query, json!({ "n": needle })).await;
            }
        }
    }
}

/// Both apps answer `query` alike, and without errors (two errors would agree vacuously).
async fn assert_same_answer(without: &TestApp, with: &TestApp, query: &str, vars: Value) {
    let expected = without.graphql_with(query, vars.clone()).await;
    assert!(expected.get("errors").is_none(), "{query}: {expected}");
    assert_eq!(
        with.graphql_with(query, vars.clone()).await,
        expected,
        "{query}, {vars}"
    );
}

/// Deep pages of one company's customers in id order are read from their stored positions
/// (built with the index, in batches): they equal the pages of the company's index walk, in
/// both directions, near the end and past it, with and without the total, and still do after
/// imports that add customers to a company and replace them all.
#[tokio::test]
async fn deep_company_pages_equal_walked_ones() {
    // 2,000 customers: companies 1 to 3 (1 the largest), none, and 77, which does not exist.
    let people = |ids: std::ops::RangeInclusive<i32>, shift: i32| -> Vec<Value> {
        ids.map(|id| {
            let company = match (id + shift) % 10 {
                0..=5 => 1,
                6 | 7 => 2,
                8 => 3,
                _ if id % 2 == 0 => 0,
                _ => 77,
            };
            customer(id, &format!("c{id}@example.com"))
                .company(company)
                .build()
        })
        .collect()
    };
    let (walked, positioned) = without_and_with_index(&people(1..=2000, 0), 150);
    company_pages_agree(&walked, &positioned).await;
    // Not vacuous: company 1 has 1,200 customers, and a deep page of it is full.
    let deep = positioned
        .graphql(
            "{ customers(company: [1], offset: 1190, perPage: 100) { nodes { id } totalCount } }",
        )
        .await;
    assert_eq!(deep["data"]["customers"]["totalCount"], 1200);
    assert_eq!(
        deep["data"]["customers"]["nodes"].as_array().unwrap().len(),
        10
    );
    // Imports: customers added to every company, then all replaced (shifted companies).
    for app in [&walked, &positioned] {
        app.import_customers(&people(2001..=2300, 3), false)
            .unwrap();
    }
    build_in_batches(&positioned, 150);
    company_pages_agree(&walked, &positioned).await;
    for app in [&walked, &positioned] {
        app.import_customers(&people(1..=1500, 5), true).unwrap();
    }
    build_in_batches(&positioned, 1000);
    company_pages_agree(&walked, &positioned).await;
}

/// Pages of single companies (large, small, dangling, "none", absent) in id order, deep and
/// past the end, both ways, with and without the total, answer the same on both apps.
async fn company_pages_agree(walked: &TestApp, positioned: &TestApp) {
    let windows = [
        "offset: 500",
        "offset: 501, perPage: 7",
        "offset: 600, order: ASC",
        "offset: 1190, perPage: 100",
        "offset: 1195, order: ASC",
        "page: 60, perPage: 20",
        "offset: 1200",
        "offset: 5000",
    ];
    for company in [1, 2, 3, 77, 0, 5] {
        for window in windows {
            for fields in [
                "nodes { id companyId } totalCount hasNextPage",
                "nodes { id }",
            ] {
                let query =
                    format!("{{ customers(company: [{company}], {window}) {{ {fields} }} }}");
                assert_same_answer(walked, positioned, &query, json!({})).await;
            }
        }
    }
}

/// Customers whose REST renderings hold every kind of member: the hand-worked eight (a
/// company that exists, one that does not, none; phones, addresses, extra emails, notes),
/// and one with more notes than the plugin shows and characters JSON escapes.
pub(crate) fn rendering_fixtures() -> Vec<Value> {
    let mut customers = crate::helpers::semantic_customers();
    let notes: Vec<String> = (1..=25)
        .map(|n| format!("note {n}: \"quoted\" \\ tab\t bell\u{7} 😀"))
        .collect();
    let mut odd = customer(9, "odd@example.com")
        .name("Q \"the\" \\ <b>Odd</b>")
        .user(90)
        .company(2)
        .notes(&notes.iter().map(String::as_str).collect::<Vec<_>>())
        .address(json!({"line1": "1 \"Main\" St", "zip": "0\u{1}1"}))
        .phone("+1 555", "ext. \"9\"")
        .tickets(12)
        .build();
    odd["website"] = json!("https://odd.example/?a=1&b=\"2\"");
    customers.push(odd);
    customers
}

/// Every REST list answer of one app (without derived data) equals the other's: status,
/// headers and bytes; and the other pasted its stored renderings whenever `current` (they hold
/// its dataset), where the first read every column.
async fn rest_answers_agree(rendered: &TestApp, stored: &TestApp, current: bool) {
    let uris = [
        "/wp-json/kbs/v1/customers",
        "/wp-json/kbs/v1/customers?per_page=100",
        "/wp-json/kbs/v1/customers?per_page=2&page=3",
        "/wp-json/kbs/v1/customers?order=asc&per_page=4&page=2",
        "/wp-json/kbs/v1/customers?offset=5&per_page=3",
        "/wp-json/kbs/v1/customers?page=40",
        "/wp-json/kbs/v1/customers?orderby=name",
        "/wp-json/kbs/v1/customers?search=smith",
        "/wp-json/kbs/v1/customers?include=9,5,1",
        "/wp-json/kbs/v1/customers?company=2",
        "/wp-json/kbs/v1/customers?_fields=id,company,date_created,_links",
        "/wp-json/kbs/v1/customers?_envelope&order=asc",
        "/?rest_route=/kbs/v1/customers&per_page=3",
    ];
    let stale = |app: &TestApp| app.reads.taken(Read::StaleRenderings);
    let rendered_before = stale(rendered);
    for uri in uris {
        let before = (stale(rendered), stale(stored));
        // Every header but the request's own id.
        let without_id = |(status, mut headers, body): (_, axum::http::HeaderMap, _)| {
            headers.remove("x-request-id");
            (status, headers, body)
        };
        let expected = without_id(rendered.rest(uri).await);
        assert_eq!(without_id(stored.rest(uri).await), expected, "{uri}");
        let read_whole = (stale(rendered) - before.0, stale(stored) - before.1);
        let expected_whole = if current { 0 } else { read_whole.0 };
        assert_eq!(read_whole.1, expected_whole, "{uri}");
    }
    // Not vacuous: the pages with customers were read whole by the first app.
    assert_eq!(stale(rendered) - rendered_before, 12);
}

/// REST answers written from the stored renderings (a page in id order read from them alone,
/// other pages pasting them customer by customer) are the bytes of those rendered from every
/// column, headers and all; and they serve only the dataset they were built from: after an
/// import (here, of a company some customers named), answers come from every column until
/// they are rebuilt.
#[tokio::test]
async fn rest_answers_from_stored_renderings_equal_rendered_ones() {
    let companies = crate::helpers::semantic_companies();
    let rendered = TestApp::with(&rendering_fixtures(), &companies);
    let stored = TestApp::with(&rendering_fixtures(), &companies);
    stored.build_derived_data();
    rest_answers_agree(&rendered, &stored, true).await;

    // A rendering on another customer's row, or with a byte changed, is caught by its
    // checksum in pages of either kind: a server error, never the rendering's bytes.
    let mut conn = stored.db.pool.get().unwrap();
    for damage in [
        "UPDATE customer_json SET parts = (SELECT parts FROM customer_json WHERE id = 1) \
         WHERE id = 9",
        "UPDATE customer_json SET parts = \
         CAST(replace(CAST(parts AS TEXT), 'Smith', 'Smyth') AS BLOB) WHERE id = 1",
    ] {
        diesel::sql_query(damage).execute(&mut conn).unwrap();
    }
    drop(conn);
    for uri in [
        "/wp-json/kbs/v1/customers?per_page=1",
        "/wp-json/kbs/v1/customers?include=9&per_page=1",
        "/wp-json/kbs/v1/customers?include=1&orderby=name",
    ] {
        let (status, _, body) = stored.rest(uri).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{uri}: {body}");
        let body: Value = serde_json::from_str(&body).expect("a JSON error");
        assert_eq!(body["code"], "rest_internal_error", "{uri}");
        let (status, _, _) = rendered.rest(uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
    }

    let late_company = jsonl_of(&[crate::helpers::company(99, "Initech")]);
    for app in [&rendered, &stored] {
        app.import("", Some(&late_company), false).unwrap();
    }
    rest_answers_agree(&rendered, &stored, false).await;
    let pure = stored.rest_json("/wp-json/kbs/v1/customers/5").await;
    assert_eq!(pure["company"], 99, "{pure}");
    stored.build_derived_data();
    rest_answers_agree(&rendered, &stored, true).await;
    let listed = stored
        .rest_json("/wp-json/kbs/v1/customers?include=5")
        .await;
    assert_eq!(listed[0]["company"], 99, "{listed}");
}

fn jsonl_of(records: &[Value]) -> String {
    crate::helpers::jsonl(records)
}
