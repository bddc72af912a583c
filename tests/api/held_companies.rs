//! The companies held in memory for one dataset version (`Read::UnfilteredCompaniesHeld`):
//! pages finding their companies there answer as those joining them to their rows and those
//! reading them in their snapshot, however many companies are held, and imports are seen.

use kbs_graphql::customers::{CustomerQuery, OrderBy, Read, SortOrder, Thresholds};

use crate::helpers::{customer, Columns, TestApp, REACHING_EVERY_READ};
use crate::read_paths::q;

/// An unfiltered page in id order finds its companies among those held for its rows' dataset
/// version (`Read::UnfilteredCompaniesHeld`), or reads them apart with it when there are more
/// than are held, or joins them to its rows when none are (`Read::Unfiltered`), where any
/// other page reads them after its rows in its snapshot: the same page and the same companies
/// every way.
#[test]
fn an_unfiltered_page_finds_its_companies_as_a_snapshot_reads_them() {
    use SortOrder::{Asc, Desc};
    let with_held = |companies_held| {
        let thresholds = Thresholds {
            companies_held,
            ..REACHING_EVERY_READ
        };
        TestApp::demo_with_thresholds(thresholds, true)
    };
    // Every company held; more companies than held (each page reads its own); none held.
    let apps = [
        (with_held(100_000), Read::UnfilteredCompaniesHeld),
        (with_held(3), Read::UnfilteredCompaniesHeld),
        (with_held(0), Read::Unfiltered),
    ];
    for (order, offset) in [(Desc, 0), (Asc, 37), (Desc, 243), (Asc, 250)] {
        let unfiltered = q("", OrderBy::Id, order, offset, 10);
        // Excluding an id no customer has: every customer, through the general path.
        let general = CustomerQuery {
            exclude: vec![0],
            ..unfiltered.clone()
        };
        for (app, read) in &apps {
            let before = app.reads.taken(*read);
            let unfiltered_page = app.page(&unfiltered, Columns::WithCompanies, true);
            let expected_read = if offset >= 250 { 0 } else { 1 };
            assert_eq!(app.reads.taken(*read), before + expected_read, "{read:?}");
            let in_snapshot = app.page(&general, Columns::WithCompanies, true);
            assert_eq!(unfiltered_page, in_snapshot, "{unfiltered:?}, {read:?}");
            assert!(
                offset >= 250 || !unfiltered_page.companies.is_empty(),
                "a page with no company proves little: {unfiltered:?}"
            );
        }
    }
}

/// The companies held are those of one dataset version: after an import renames a company
/// (and moves a customer to a new one), the next page shows the new name and the new company.
#[tokio::test]
async fn held_companies_follow_the_imports() {
    let app = TestApp::with(
        &[
            customer(1, "a@example.com").company(1).build(),
            customer(2, "b@example.com").company(2).build(),
        ],
        &crate::helpers::semantic_companies(),
    );
    let names = || async {
        let answer = app
            .graphql("{ customers(order: ASC) { nodes { id company { name } } totalCount } }")
            .await;
        answer["data"]["customers"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|node| node["company"]["name"].as_str().unwrap_or("-").to_owned())
            .collect::<Vec<_>>()
    };
    let before = app.reads.taken(Read::UnfilteredCompaniesHeld);
    assert_eq!(names().await, ["Acme", "Globex"]);
    let companies = crate::helpers::jsonl(&[
        crate::helpers::company(1, "Acme Renamed"),
        crate::helpers::company(3, "Initech"),
    ]);
    let customers = crate::helpers::jsonl(&[
        customer(1, "a@example.com").company(1).build(),
        customer(2, "b@example.com").company(3).build(),
    ]);
    app.import(&customers, Some(&companies), true).unwrap();
    assert_eq!(names().await, ["Acme Renamed", "Initech"]);
    // Each answer twice (the executor's and the plan's), each page from the held companies.
    assert_eq!(app.reads.taken(Read::UnfilteredCompaniesHeld), before + 4);
}
