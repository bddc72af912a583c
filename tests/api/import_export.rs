//! Import rules (all or nothing, every bad record named) and the export round trip.

use kbs_graphql::import::{ImportError, Location};
use serde_json::json;

use crate::helpers::{company, customer, jsonl, TestApp};

/// The customers, addresses and companies stored.
fn counts(app: &TestApp) -> (i64, i64, i64) {
    let rows = app.stored_rows();
    (rows[0].1, rows[1].1, rows[2].1)
}

fn problems(error: ImportError) -> Vec<(Location, String, String)> {
    match error {
        ImportError::Invalid { problems, total } => {
            assert_eq!(problems.len(), total);
            problems
                .into_iter()
                .map(|p| (p.location, p.field, p.message))
                .collect()
        }
        other => panic!("expected invalid records, got {other}"),
    }
}

#[test]
fn every_bad_record_is_named_by_line_and_field_and_nothing_is_written() {
    let app = TestApp::empty();
    let text = [
        customer(1, "good@example.com").build().to_string(),
        customer(2, "not-an-email").build().to_string(),
        customer(3, "fine@example.com").build().to_string(),
        String::new(),
        customer(1, "other@example.com").build().to_string(),
        "{\"id\": 4, \"email\": ".to_owned(),
        customer(5, "GOOD@example.com").build().to_string(),
        json!({"id": 6, "email": "six@example.com"}).to_string(),
    ]
    .join("\n");
    let found = problems(
        app.import(&text, Some(&jsonl(&[company(1, "Acme")])), false)
            .unwrap_err(),
    );
    let summary: Vec<(Location, &str)> = found.iter().map(|(l, f, _)| (*l, f.as_str())).collect();
    assert_eq!(
        summary,
        [
            (Location::Line(2), "email"),
            (Location::Line(5), "id"),
            (Location::Line(6), ""),
            (Location::Line(7), "email"),
            (Location::Line(8), "date_created"),
        ]
    );
    assert!(found[2].2.starts_with("invalid JSON"), "{:?}", found[2]);
    assert!(found[3].2.contains("customer 1"), "{:?}", found[3]);
    assert_eq!(
        counts(&app),
        (0, 0, 0),
        "a failed import writes nothing, companies included"
    );
}

#[test]
fn problems_render_with_file_line_and_field() {
    let app = TestApp::empty();
    let error = app
        .import("{\"id\": \"x\"}\n", None, false)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("customers.jsonl: line 1: id: must be a positive integer"),
        "{error}"
    );
    assert!(
        error.contains("customers.jsonl: line 1: email: is required"),
        "{error}"
    );
    assert!(error.contains("nothing was imported"), "{error}");
}

#[test]
fn json_arrays_are_read_too_and_named_by_index() {
    let app = TestApp::empty();
    let array = json!([
        customer(1, "a@example.com").build(),
        customer(2, "b@example").build()
    ]);
    let found = problems(app.import(&array.to_string(), None, false).unwrap_err());
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].0, found[0].1.as_str()),
        (Location::Index(1), "email")
    );

    let array = json!([
        customer(1, "a@example.com").build(),
        customer(2, "b@example.com").build()
    ]);
    let summary = app.import(&array.to_string(), None, false).unwrap();
    assert_eq!(summary.customers, 2);
}

#[test]
fn emails_are_unique_across_primary_and_additional_case_insensitively() {
    let app = TestApp::empty();
    let text = jsonl(&[
        customer(1, "Zoë@example.com")
            .extra_emails(&["z2@example.com"])
            .build(),
        customer(2, "Z2@EXAMPLE.com").build(),
        customer(3, "three@example.com")
            .extra_emails(&["ZOË@example.com"])
            .build(),
        customer(4, "four@example.com")
            .extra_emails(&["4@example.com", "4@Example.com"])
            .build(),
    ]);
    let found = problems(app.import(&text, None, false).unwrap_err());
    let fields: Vec<(Location, &str)> = found.iter().map(|(l, f, _)| (*l, f.as_str())).collect();
    assert_eq!(
        fields,
        [
            (Location::Line(2), "email"),
            (Location::Line(3), "additional_emails[0]"),
            (Location::Line(4), "additional_emails[1]"),
        ]
    );
    assert_eq!(counts(&app), (0, 0, 0));
}

#[test]
fn duplicate_addresses_in_an_array_file_are_named_by_index_in_file_order() {
    let app = TestApp::empty();
    // Ids out of order: the first record in the file keeps the address, whatever its id.
    let array = json!([
        customer(9, "first@example.com").build(),
        customer(2, "second@example.com").build(),
        customer(5, "FIRST@example.com").build(),
        customer(1, "x@example.com")
            .extra_emails(&["Second@Example.com"])
            .build(),
    ]);
    let found = problems(app.import(&array.to_string(), None, false).unwrap_err());
    let named: Vec<(Location, &str, bool)> = found
        .iter()
        .map(|(l, f, m)| {
            (
                *l,
                f.as_str(),
                m.contains("customer 9") || m.contains("customer 2"),
            )
        })
        .collect();
    assert_eq!(
        named,
        [
            (Location::Index(2), "email", true),
            (Location::Index(3), "additional_emails[0]", true),
        ]
    );
    assert_eq!(counts(&app), (0, 0, 0));
}

#[test]
fn stored_data_counts_for_duplicates_unless_replacing() {
    let app = TestApp::semantic();
    let again = jsonl(&[
        customer(1, "new@example.com").build(),
        customer(9, "ALICE@example.com").build(),
    ]);
    let found = problems(app.import(&again, None, false).unwrap_err());
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(counts(&app), (8, 10, 2), "the stored data is untouched");

    let summary = app.import(&again, Some(""), true).unwrap();
    assert_eq!((summary.customers, summary.companies), (2, 0));
    assert_eq!(counts(&app), (2, 2, 0), "replace swaps the whole dataset");
}

#[test]
fn duplicate_companies_are_refused() {
    let app = TestApp::empty();
    let found = problems(
        app.import(
            "",
            Some(&jsonl(&[
                company(1, "Acme"),
                company(1, "Again"),
                json!({"id": 2}),
            ])),
            false,
        )
        .unwrap_err(),
    );
    let fields: Vec<&str> = found.iter().map(|(_, f, _)| f.as_str()).collect();
    assert_eq!(fields, ["id", "name"]);
}

#[test]
fn the_problem_list_is_capped_but_counts_everything() {
    let app = TestApp::empty();
    let text: String = (1..=150).map(|i| format!("{{\"id\": {i}}}\n")).collect();
    match app.import(&text, None, false).unwrap_err() {
        ImportError::Invalid { problems, total } => {
            assert_eq!(problems.len(), kbs_graphql::import::MAX_LISTED_PROBLEMS);
            assert_eq!(total, 300, "two missing fields on each of 150 lines");
        }
        other => panic!("{other}"),
    }
}

#[test]
fn export_writes_the_import_format_and_round_trips_byte_for_byte() {
    let app = TestApp::demo();
    let dir = app.dir.path();
    let (c1, k1) = (dir.join("c1.jsonl"), dir.join("k1.jsonl"));
    let mut conn = app.db.pool.get().unwrap();
    let summary = kbs_graphql::export::export(&mut conn, &c1, &k1).unwrap();
    assert_eq!((summary.customers, summary.companies), (250, 15));
    drop(conn);
    // The bundled files are themselves in canonical form.
    assert_eq!(
        std::fs::read(&c1).unwrap(),
        std::fs::read("data/customers.jsonl").unwrap()
    );
    assert_eq!(
        std::fs::read(&k1).unwrap(),
        std::fs::read("data/companies.jsonl").unwrap()
    );

    let second = TestApp::empty();
    second
        .import(
            &std::fs::read_to_string(&c1).unwrap(),
            Some(&std::fs::read_to_string(&k1).unwrap()),
            false,
        )
        .unwrap();
    let (c2, k2) = (dir.join("c2.jsonl"), dir.join("k2.jsonl"));
    kbs_graphql::export::export(&mut second.db.pool.get().unwrap(), &c2, &k2).unwrap();
    assert_eq!(std::fs::read(&c1).unwrap(), std::fs::read(&c2).unwrap());
    assert_eq!(std::fs::read(&k1).unwrap(), std::fs::read(&k2).unwrap());
}

#[test]
fn export_keeps_what_rest_hides_and_drops_what_is_empty() {
    let app = TestApp::with(
        &[
            customer(1, "a@example.com")
                .name("")
                .company(99)
                .phone("", "555")
                .created("2020-01-01T02:00:00+02:00")
                .address(json!({"line1": "", "zip": ""}))
                .build(),
            customer(2, "b@example.com")
                .user(7)
                .notes(&["n"; 25])
                .tickets(4)
                .build(),
        ],
        &[json!({"id": 99, "name": "Zed", "customer": "2", "date_created": "2020-01-01 00:00:00"})],
    );
    let dir = app.dir.path();
    kbs_graphql::export::export(
        &mut app.db.pool.get().unwrap(),
        &dir.join("c"),
        &dir.join("k"),
    )
    .unwrap();
    let lines = std::fs::read_to_string(dir.join("c")).unwrap();
    let mut lines = lines.lines();
    assert_eq!(
        lines.next().unwrap(),
        r#"{"id":1,"email":"a@example.com","additional_emails":[],"phone":{"primary":"","additional":"555"},"company":99,"date_created":"2020-01-01 00:00:00","ticket_count":0}"#
    );
    let second: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(second["notes"].as_array().unwrap().len(), 25);
    assert_eq!(second["user_id"], 7);
    assert_eq!(
        std::fs::read_to_string(dir.join("k")).unwrap(),
        "{\"id\":99,\"name\":\"Zed\",\"customer\":2,\"date_created\":\"2020-01-01 00:00:00\"}\n"
    );
}

#[tokio::test]
async fn the_unfiltered_total_follows_every_import_and_survives_a_failed_one() {
    let app = TestApp::with(
        &[
            customer(1, "one@example.com").build(),
            customer(2, "two@example.com").build(),
            customer(3, "three@example.com").build(),
        ],
        &[],
    );
    async fn total(app: &TestApp) -> i64 {
        let page = app.graphql("{ customers { totalCount } }").await;
        page["data"]["customers"]["totalCount"].as_i64().unwrap()
    }
    assert_eq!(total(&app).await, 3);
    app.import_customers(&[customer(4, "four@example.com").build()], false)
        .unwrap();
    assert_eq!(total(&app).await, 4, "appended");
    // A failed import (a duplicate address) changes nothing: not the rows, not the total.
    let before = app.stored_rows();
    app.import_customers(&[customer(5, "ONE@example.com").build()], false)
        .unwrap_err();
    assert_eq!(app.stored_rows(), before);
    assert_eq!(total(&app).await, 4);
    app.import_customers(&[customer(7, "seven@example.com").build()], true)
        .unwrap();
    assert_eq!(total(&app).await, 1, "replaced");
}

#[tokio::test]
async fn company_totals_follow_every_import_and_survive_a_failed_one() {
    let app = TestApp::with(
        &[
            customer(1, "one@example.com").company(5).build(),
            customer(2, "two@example.com").company(5).build(),
            customer(3, "three@example.com").company(6).build(),
            customer(4, "four@example.com").build(),
        ],
        &[],
    );
    async fn total(app: &TestApp, companies: &str) -> i64 {
        let page = app
            .graphql(&format!(
                "{{ customers(company: {companies}) {{ totalCount nodes {{ id }} }} }}"
            ))
            .await;
        let total = page["data"]["customers"]["totalCount"].as_i64().unwrap();
        // The page agrees with its total (all fit on one page here).
        assert_eq!(
            page["data"]["customers"]["nodes"].as_array().unwrap().len() as i64,
            total
        );
        total
    }
    assert_eq!(total(&app, "[5]").await, 2);
    assert_eq!(total(&app, "[5, 6, 5]").await, 3, "each company once");
    assert_eq!(total(&app, "[0]").await, 0, "0 is no company");
    assert_eq!(total(&app, "[7]").await, 0);
    app.import_customers(&[customer(9, "nine@example.com").company(5).build()], false)
        .unwrap();
    assert_eq!(total(&app, "[5]").await, 3, "appended");
    let before = app.stored_rows();
    app.import_customers(&[customer(10, "ONE@example.com").company(5).build()], false)
        .unwrap_err();
    assert_eq!(app.stored_rows(), before, "a failed import writes nothing");
    assert_eq!(
        total(&app, "[5]").await,
        3,
        "a failed import changes no company's count"
    );
    app.import_customers(
        &[customer(11, "eleven@example.com").company(6).build()],
        true,
    )
    .unwrap();
    assert_eq!(total(&app, "[5]").await, 0, "replaced");
    assert_eq!(total(&app, "[6]").await, 1);
}

#[tokio::test]
async fn address_keys_beyond_the_six_are_kept_in_their_order_after_them() {
    let address =
        json!({"county": "Kent", "line1": "1 High St", "zip": "CT1 1AA", "district": "Canterbury"});
    let app = TestApp::with(
        &[customer(1, "kent@example.test").address(address).build()],
        &[],
    );
    let rest = app.rest("/wp-json/kbs/v1/customers/1").await.2;
    assert!(
        rest.contains(r#""address":{"line1":"1 High St","line2":"","city":"","state":"","country":"","zip":"CT1 1AA","county":"Kent","district":"Canterbury"}"#),
        "{rest}"
    );
    let graphql = app
        .graphql("{ customer(idOrEmail: \"1\") { address { line1 zip } } }")
        .await;
    assert_eq!(
        graphql["data"]["customer"]["address"],
        json!({"line1": "1 High St", "zip": "CT1 1AA"})
    );

    // Exported and imported again, they are the same bytes.
    let dir = tempfile::tempdir().unwrap();
    let (customers, companies) = (dir.path().join("c.jsonl"), dir.path().join("k.jsonl"));
    let mut conn = app.db.pool.get().unwrap();
    kbs_graphql::export::export(&mut conn, &customers, &companies).unwrap();
    drop(conn);
    let first = std::fs::read_to_string(&customers).unwrap();
    assert!(
        first.contains(r#""county":"Kent","district":"Canterbury""#),
        "{first}"
    );
    let again = TestApp::empty();
    again.import(&first, None, false).unwrap();
    let mut conn = again.db.pool.get().unwrap();
    kbs_graphql::export::export(&mut conn, &customers, &companies).unwrap();
    assert_eq!(std::fs::read_to_string(&customers).unwrap(), first);
}

#[test]
fn an_address_key_beyond_the_six_must_hold_text() {
    let app = TestApp::empty();
    let record = customer(1, "a@example.test")
        .address(json!({"county": 12}))
        .build();
    let found = problems(app.import(&jsonl(&[record]), None, false).unwrap_err());
    assert_eq!(found[0].1, "address.county");
    assert!(found[0].2.contains("must be a string"), "{found:?}");
}

#[test]
fn the_datasets_digest_is_of_its_content_whatever_the_order_or_the_version() {
    let records = [
        customer(1, "a@example.com").name("Ann").build(),
        customer(2, "b@example.com").company(7).build(),
    ];
    let companies = jsonl(&[company(7, "Acme")]);
    let app = TestApp::empty();
    let digest = |app: &TestApp| {
        let mut conn = app.db.pool.get().unwrap();
        kbs_graphql::db::dataset_state(&mut conn).unwrap().digest
    };
    app.import(&jsonl(&records), Some(&companies), true)
        .unwrap();
    let first = digest(&app).expect("known for a dataset replaced whole");
    // The same records in another order, imported again: the same digest (a new version).
    let reversed = [records[1].clone(), records[0].clone()];
    app.import(&jsonl(&reversed), Some(&companies), true)
        .unwrap();
    assert_eq!(digest(&app).as_deref(), Some(first.as_str()));
    // What `sync` compares before swapping: the files' digest, computed without writing.
    let files = kbs_graphql::import::digest_of(
        kbs_graphql::import::Input::from_bytes("c", jsonl(&reversed).as_bytes()),
        Some(kbs_graphql::import::Input::from_bytes(
            "co",
            companies.as_bytes(),
        )),
    );
    assert_eq!(files.map(|d| d.to_hex()).as_deref(), Some(first.as_str()));
    // One field changed: another digest.
    let renamed = [
        customer(1, "a@example.com").name("Anne").build(),
        records[1].clone(),
    ];
    app.import(&jsonl(&renamed), Some(&companies), true)
        .unwrap();
    assert_ne!(digest(&app).as_deref(), Some(first.as_str()));
    // Added to stored data: unknown.
    app.import(&jsonl(&[customer(3, "c@example.com").build()]), None, false)
        .unwrap();
    assert_eq!(digest(&app), None);
}
