//! `sync --from mysql://…`: a site's own tables, read in one snapshot, give the same data as
//! its REST API (but for ticket counts, which are real), including the rows a real site holds
//! that its REST source has to normalize. Needs a MariaDB server (see `mariadb.rs`).

use std::collections::BTreeMap;

use kbs_graphql::rest::Site;
use kbs_graphql::sync::{self, SyncError, SyncOptions, SyncSummary};
use mysql::prelude::Queryable;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::mariadb::SiteDatabase;
use crate::sync_recorded::{as_we_answer, options as rest_options, recorded_site, RECORDED_BASE};

/// The captured site's tickets: customer 1 has three (open, new, closed), 2 and 15 one each;
/// the plugin's own `ticket_count` column says 6, 2 and 2.
const REAL_TICKET_COUNTS: [(u64, u64); 3] = [(1, 3), (2, 1), (15, 1)];

async fn sync_from(app: &TestApp, site: &SiteDatabase) -> Result<SyncSummary, SyncError> {
    sync::sync(&app.db, &SyncOptions::new(&site.url()), &|_, _| {}).await
}

/// What `export` writes: the customers (parsed, members in order) and the companies' text.
fn exported(app: &TestApp) -> (Vec<Value>, String) {
    let dir = tempfile::tempdir().unwrap();
    let (customers, companies) = (dir.path().join("c.jsonl"), dir.path().join("k.jsonl"));
    let mut conn = app.db.pool.get().unwrap();
    kbs_graphql::export::export(&mut conn, &customers, &companies).unwrap();
    let customers = std::fs::read_to_string(customers)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    (customers, std::fs::read_to_string(companies).unwrap())
}

fn ticket_counts(customers: &mut [Value]) -> BTreeMap<u64, u64> {
    customers
        .iter_mut()
        .filter_map(|customer| {
            let count = customer.as_object_mut()?.remove("ticket_count")?.as_u64()?;
            Some((customer["id"].as_u64()?, count))
        })
        .filter(|(_, count)| *count > 0)
        .collect()
}

#[tokio::test]
async fn the_database_and_the_rest_api_give_the_same_data_but_for_real_ticket_counts() {
    let test = "sync_database::the_database_and_the_rest_api_give_the_same_data_but_for_real_ticket_counts";
    let Some(site) = SiteDatabase::captured(test) else {
        return;
    };
    let (rest_url, _) = recorded_site().await;
    let over_rest = TestApp::empty();
    let from_rest = sync::sync(&over_rest.db, &rest_options(rest_url), &|_, _| {})
        .await
        .unwrap();
    let from_tables = TestApp::empty();
    let from_database = sync_from(&from_tables, &site).await.unwrap();

    assert_eq!(from_database.customers, 60);
    assert_eq!(
        (from_database.customers, from_database.companies),
        (from_rest.customers, from_rest.companies)
    );
    assert_eq!(from_database.source, site.shown_url());
    let (mut rest_customers, rest_companies) = exported(&over_rest);
    let (mut database_customers, database_companies) = exported(&from_tables);
    assert_eq!(ticket_counts(&mut rest_customers), BTreeMap::new());
    assert_eq!(
        ticket_counts(&mut database_customers),
        BTreeMap::from(REAL_TICKET_COUNTS)
    );
    for (ours, theirs) in database_customers.iter().zip(&rest_customers) {
        // As text: members in the same order too.
        assert_eq!(ours.to_string(), theirs.to_string());
    }
    assert_eq!(database_customers.len(), rest_customers.len());
    assert_eq!(database_companies, rest_companies);
    // Both say what they had to leave out the same way: the notes past the plugin's twenty.
    assert_eq!(
        from_database.warnings.len(),
        1,
        "{:?}",
        from_database.warnings
    );
    assert!(from_database.warnings[0].starts_with("customer 37: 25 notes are stored"));
}

#[tokio::test]
async fn after_a_database_sync_every_customer_is_served_as_the_plugin_answers_it() {
    let test =
        "sync_database::after_a_database_sync_every_customer_is_served_as_the_plugin_answers_it";
    let Some(site) = SiteDatabase::captured(test) else {
        return;
    };
    let app = TestApp::with_state(|state| {
        state.with_site(Site {
            base_url: RECORDED_BASE.into(),
            timezone: chrono::FixedOffset::east_opt(0).unwrap(),
        })
    });
    sync_from(&app, &site).await.unwrap();
    let (_, recorded) = recorded_site().await;
    let real: BTreeMap<u64, u64> = BTreeMap::from(REAL_TICKET_COUNTS);
    let mut differences = Vec::new();
    for (id, plugin) in recorded.customers() {
        let ours = app
            .rest_json(&format!("/wp-json/kbs/v1/customers/{id}"))
            .await;
        let mut expected = as_we_answer(plugin);
        expected["ticket_count"] = json!(real.get(&id).copied().unwrap_or(0));
        // As text: members in the same order too.
        let (ours, expected) = (ours.to_string(), expected.to_string());
        if ours != expected {
            differences.push(format!(
                "customer {id}:\n  plugin: {expected}\n  ours:   {ours}"
            ));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

/// Rows a real site holds that the plugin's own screens never write: each is normalized,
/// kept, or left out as the plugin shows it, with one warning naming the customer.
const MESSY_ROWS: &str = r#"
SET SESSION sql_mode = '';
INSERT INTO wp_kbs_customers VALUES
  (100, 0, 'zip@example.test', 'Integer Zip', 0, 0, '', '', '2021-01-01 00:00:00'),
  (101, 0, 'zero@date.test', 'Zero Date', 0, 0, '', '', '0000-00-00 00:00:00'),
  (102, 0, 'alice.work@example.test', 'Claims Alices Address', 0, 0, '', '', '2021-01-02 00:00:00'),
  (103, 0, 'broken@example.test', 'Broken Address', 0, 0, '', '', '2021-01-03 00:00:00'),
  (104, 0, 'twice@example.test', 'Twice Listed', 0, 0, '', '', '2021-01-04 00:00:00');
INSERT INTO wp_kbs_customermeta (kbs_customer_id, meta_key, meta_value) VALUES
  (100, 'address', 'a:4:{s:5:"line1";s:6:"Main 1";s:3:"zip";i:10623;s:6:"county";s:4:"Kent";s:7:"country";s:2:"DE";}'),
  (103, 'address', 'a:1:{s:4:"city";s:3:"Köln";}'),
  (104, 'additional_email', 'TWICE@example.test');
INSERT INTO wp_posts (ID, post_title, post_status, post_type, post_content, post_excerpt, to_ping,
  pinged, post_content_filtered) VALUES
  (900, 'Open ticket', 'open', 'kbs_ticket', '', '', '', '', ''),
  (901, 'Trashed ticket', 'trash', 'kbs_ticket', '', '', '', '', ''),
  (902, 'Unsaved ticket', 'auto-draft', 'kbs_ticket', '', '', '', '', '');
INSERT INTO wp_postmeta (post_id, meta_key, meta_value) VALUES
  (900, '_kbs_ticket_customer_id', '100'), (901, '_kbs_ticket_customer_id', '100'),
  (902, '_kbs_ticket_customer_id', '100');
"#;

#[tokio::test]
async fn a_real_sites_messy_rows_never_abort_a_sync_and_each_is_one_warning() {
    let test = "sync_database::a_real_sites_messy_rows_never_abort_a_sync_and_each_is_one_warning";
    let Some(site) = SiteDatabase::captured(test) else {
        return;
    };
    site.execute(MESSY_ROWS);
    let app = TestApp::empty();
    let summary = sync_from(&app, &site).await.unwrap();
    assert_eq!(summary.customers, 65);
    let warnings = summary.warnings.join("\n");
    for expected in [
        "customer 37: 25 notes are stored",
        "customer 100: address zip was the number 10623; kept as the text \"10623\"",
        "customer 103: the stored address is not a PHP array",
        "customer 104: additional email \"TWICE@example.test\" repeats one listed before; dropped",
        "customers 1, 102 all list the address \"alice.work@example.test\"",
    ] {
        assert!(warnings.contains(expected), "{expected:?} in:\n{warnings}");
    }
    assert_eq!(summary.warnings.len(), 5, "{warnings}");

    let zip = app.rest_json("/wp-json/kbs/v1/customers/100").await;
    // Its tickets but the one in the trash and WordPress's unsaved auto-draft.
    assert_eq!(zip["ticket_count"], 1);
    assert_eq!(
        zip["address"].to_string(),
        r#"{"line1":"Main 1","line2":"","city":"","state":"","country":"DE","zip":"10623","county":"Kent"}"#
    );
    let zero = app.rest_json("/wp-json/kbs/v1/customers/101").await;
    assert_eq!(zero["date_created"], "0000-00-00 00:00:00");
    let answer = app
        .graphql(r#"{ customer(idOrEmail: "101") { dateCreated } shared: customer(idOrEmail: "alice.work@example.test") { id } }"#)
        .await;
    assert_eq!(answer["data"]["customer"]["dateCreated"], Value::Null);
    assert_eq!(answer["data"]["shared"]["id"], 1);
    let broken = app.rest_json("/wp-json/kbs/v1/customers/103").await;
    assert_eq!(broken.get("address"), None);
}

#[tokio::test]
async fn strict_refuses_what_would_need_normalizing_and_writes_nothing() {
    let test = "sync_database::strict_refuses_what_would_need_normalizing_and_writes_nothing";
    let Some(site) = SiteDatabase::captured(test) else {
        return;
    };
    site.execute(MESSY_ROWS);
    let app = TestApp::empty();
    let options = SyncOptions {
        strict: true,
        ..SyncOptions::new(&site.url())
    };
    let error = sync::sync(&app.db, &options, &|_, _| {}).await.unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with(
            "5 record(s) needed normalizing and --strict is given; nothing was imported"
        ),
        "{message}"
    );
    assert!(message.contains("customer 100: address zip"), "{message}");
    let stored = app.graphql("{ customers { totalCount } }").await;
    assert_eq!(stored["data"]["customers"]["totalCount"], 0);
}

#[tokio::test]
async fn four_byte_characters_arrive_intact_from_utf8mb4_tables() {
    let test = "sync_database::four_byte_characters_arrive_intact_from_utf8mb4_tables";
    let Some(site) = SiteDatabase::captured(test) else {
        return;
    };
    site.execute(
        r#"
        ALTER TABLE wp_kbs_customers CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci;
        ALTER TABLE wp_kbs_customermeta CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci;
        INSERT INTO wp_kbs_customers VALUES (200, 0, 'emoji@example.test', 'Emoji 😀 𝔘nicode',
          0, 0, '', '\n\nDecember 5, 2026 01:27:22 - Sent 🎉 at once', '2024-02-29 12:00:00');
        INSERT INTO wp_kbs_customermeta (kbs_customer_id, meta_key, meta_value) VALUES
          (200, 'address', 'a:1:{s:4:"city";s:10:"🏙 Köln";}');
        "#,
    );
    let app = TestApp::empty();
    sync_from(&app, &site).await.unwrap();
    let emoji = app.rest_json("/wp-json/kbs/v1/customers/200").await;
    assert_eq!(emoji["name"], "Emoji 😀 𝔘nicode");
    assert_eq!(
        emoji["notes"],
        json!(["December 5, 2026 01:27:22 - Sent 🎉 at once"])
    );
    assert_eq!(emoji["address"]["city"], "🏙 Köln");
    // The utf8mb3 rows beside them, as before.
    let taro = app.rest_json("/wp-json/kbs/v1/customers/9").await;
    assert_eq!(taro["name"], "山田 太郎");
}

#[tokio::test]
async fn a_myisam_site_is_read_under_a_read_lock_with_the_same_result() {
    let test = "sync_database::a_myisam_site_is_read_under_a_read_lock_with_the_same_result";
    let Some(innodb) = SiteDatabase::captured(test) else {
        return;
    };
    let Some(myisam) = SiteDatabase::captured(test) else {
        return;
    };
    myisam.execute(
        "ALTER TABLE wp_kbs_customers ENGINE=MyISAM; ALTER TABLE wp_kbs_customermeta ENGINE=MyISAM;
         ALTER TABLE wp_posts ENGINE=MyISAM; ALTER TABLE wp_postmeta ENGINE=MyISAM;",
    );
    let engines = myisam.column(&format!(
        "SELECT DISTINCT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{}'",
        myisam.name
    ));
    assert_eq!(engines, ["MyISAM"]);
    let (a, b) = (TestApp::empty(), TestApp::empty());
    sync_from(&a, &innodb).await.unwrap();
    sync_from(&b, &myisam).await.unwrap();
    assert_eq!(exported(&a), exported(&b));
}

#[tokio::test]
async fn the_table_prefix_names_another_sites_tables() {
    let test = "sync_database::the_table_prefix_names_another_sites_tables";
    let Some(site) = SiteDatabase::captured(test) else {
        return;
    };
    // A multisite's second site: its own customer tables, the network's prefix plus "2_".
    site.execute(
        "CREATE TABLE wp_2_kbs_customers LIKE wp_kbs_customers;
         CREATE TABLE wp_2_kbs_customermeta LIKE wp_kbs_customermeta;
         CREATE TABLE wp_2_posts LIKE wp_posts; CREATE TABLE wp_2_postmeta LIKE wp_postmeta;
         INSERT INTO wp_2_kbs_customers SELECT * FROM wp_kbs_customers WHERE id <= 5;",
    );
    let app = TestApp::empty();
    let options = SyncOptions {
        table_prefix: "wp_2_".into(),
        ..SyncOptions::new(&site.url())
    };
    let summary = sync::sync(&app.db, &options, &|_, _| {}).await.unwrap();
    assert_eq!((summary.customers, summary.companies), (5, 0));
}

#[tokio::test]
async fn rows_written_while_a_sync_reads_are_not_half_seen() {
    let test = "sync_database::rows_written_while_a_sync_reads_are_not_half_seen";
    let Some(site) = SiteDatabase::captured(test) else {
        return;
    };
    // Hold the sync once it has begun: another session write-locks the posts table, which the
    // sync reads after the customers' count.
    let mut holder = mysql::Conn::new(mysql::Opts::from_url(&site.url()).unwrap()).unwrap();
    holder.query_drop("LOCK TABLES wp_posts WRITE").unwrap();
    let app = TestApp::empty();
    let url = site.url();
    let syncing = {
        let db = app.db.clone();
        tokio::spawn(async move { sync::sync(&db, &SyncOptions::new(&url), &|_, _| {}).await })
    };
    let waiting = format!(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '{}' \
         AND STATE LIKE 'Waiting for table metadata lock%'",
        site.name
    );
    let started = std::time::Instant::now();
    while site.column(&waiting) != ["1"] {
        assert!(
            started.elapsed().as_secs() < 20,
            "the sync never reached the lock"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // Meanwhile the site gains a customer, with its meta, in one committed transaction.
    site.execute(
        "START TRANSACTION;
         INSERT INTO wp_kbs_customers VALUES (500, 0, 'late@example.test', 'Late', 12, 0, '', '',
           '2024-01-01 00:00:00');
         INSERT INTO wp_kbs_customermeta (kbs_customer_id, meta_key, meta_value) VALUES
           (500, 'primary_phone', '+1 555 0500');
         UPDATE wp_kbs_customers SET name = 'Alice Renamed' WHERE id = 1;
         COMMIT;",
    );
    holder.query_drop("UNLOCK TABLES").unwrap();
    let summary = syncing.await.unwrap().unwrap();
    // The dataset as it was when the sync began: not the new customer, not the new name.
    assert_eq!(summary.customers, 60);
    let alice = app.rest_json("/wp-json/kbs/v1/customers/1").await;
    assert_eq!(alice["name"], "Alice Anderson");
}

#[tokio::test]
async fn a_record_the_import_refuses_is_named_by_its_customer_id_and_table() {
    let test = "sync_database::a_record_the_import_refuses_is_named_by_its_customer_id_and_table";
    let Some(site) = SiteDatabase::captured(test) else {
        return;
    };
    site.execute(
        "INSERT INTO wp_kbs_customers VALUES (300, 0, '', 'No Email', 0, 0, '', '',
           '2021-01-01 00:00:00');",
    );
    let app = TestApp::empty();
    let message = sync_from(&app, &site).await.unwrap_err().to_string();
    assert!(
        message.contains(&format!(
            "customer 300 ({}, table wp_kbs_customers): email",
            site.shown_url()
        )),
        "{message}"
    );
    assert!(message.contains("nothing was imported"), "{message}");
}
