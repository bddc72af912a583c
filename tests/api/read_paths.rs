//! Every read of the query core, taken on purpose: for each, a query that the core must serve
//! that way on the demo data (with thresholds the demo data crosses), whose window must equal
//! the model's, and whose read must be the one counted.

use kbs_graphql::customers::{Count, CustomerQuery, OrderBy, Read, SortOrder, Window};
use serde_json::Value;

use crate::helpers::{customer, Columns, TestApp};
use crate::model::{demo_records, window};

/// A query of the demo data: `needle` filters the name (`name: …`) or names and addresses
/// (`search: …`).
pub(crate) fn q(
    filter: &str,
    order_by: OrderBy,
    order: SortOrder,
    offset: i64,
    per_page: i64,
) -> CustomerQuery {
    let mut query = CustomerQuery {
        order_by,
        order,
        window: Window::new(1, per_page, Some(offset)).unwrap(),
        ..CustomerQuery::default()
    };
    match filter.split_once(": ") {
        Some(("name", needle)) => query.name = Some(needle.to_owned()),
        Some(("search", needle)) => query.search = Some(needle.to_owned()),
        Some(("company", id)) => query.companies = vec![id.parse().unwrap()],
        Some(("name+include", needle)) => {
            query.name = Some(needle.to_owned());
            query.include = (1..=200).collect();
        }
        Some(("name+search", needles)) => {
            let (name, search) = needles.split_once('|').unwrap();
            query.name = Some(name.to_owned());
            query.search = Some(search.to_owned());
        }
        None if filter.is_empty() => {}
        other => panic!("no such filter: {other:?}"),
    }
    query
}

/// Reads `query` from `app` in `columns` and checks, against `records`, that its window and
/// total are the model's and that `read` served it.
fn check(app: &TestApp, records: &[Value], read: Read, query: &CustomerQuery, columns: Columns) {
    let before = app.reads.taken(read);
    let page = app.page(query, columns, true);
    assert_eq!(
        app.reads.taken(read),
        before + 1,
        "{read:?} did not serve {query:?} ({columns:?}): {:?}",
        app.reads.counts()
    );
    let ids: Vec<i64> = page.customers.iter().map(|c| i64::from(c.id)).collect();
    let (expected, total) = window(query, records);
    assert!(
        !expected.is_empty() || query.window.offset >= total,
        "a case with nothing to find proves little: {query:?}"
    );
    assert_eq!(
        (ids, page.total),
        (expected, Some(total)),
        "{read:?}: {query:?}"
    );
}

#[test]
fn every_read_serves_its_windows_as_the_model_says() {
    use OrderBy::{Date, Email, Id, Name};
    use SortOrder::{Asc, Desc};
    let indexed = TestApp::demo_reaching_every_read(true);
    let scanned = TestApp::demo_reaching_every_read(false);
    let records = demo_records();
    let cases = [
        (Read::StoredPage, q("", Id, Desc, 20, 10), Columns::OwnJson),
        (Read::StoredPage, q("", Id, Asc, 245, 10), Columns::OwnJson),
        (
            Read::StoredPage,
            q("", Id, Desc, 30, 10),
            Columns::StoredFields,
        ),
        (Read::Unfiltered, q("", Name, Asc, 7, 10), Columns::All),
        (Read::Unfiltered, q("", Id, Desc, 0, 5), Columns::Summary),
        (
            Read::UnfilteredCompaniesHeld,
            q("", Id, Asc, 12, 10),
            Columns::WithCompanies,
        ),
        (Read::PastTheEnd, q("", Id, Desc, 250, 10), Columns::All),
        (
            Read::PastTheEnd,
            q("name: an", Id, Asc, 300, 10),
            Columns::All,
        ),
        (
            Read::CompanyPositions,
            q("company: 14", Id, Asc, 3, 5),
            Columns::All,
        ),
        (
            Read::CompanyPositions,
            q("company: 14", Id, Desc, 10, 5),
            Columns::OwnJson,
        ),
        (
            Read::NamesLists,
            q("name: zoë", Id, Desc, 1, 3),
            Columns::All,
        ),
        (
            Read::NamesLists,
            q("name: ski", Id, Asc, 0, 10),
            Columns::KnowingCompanies,
        ),
        (
            Read::NamesPairWalk,
            q("name: an", Id, Desc, 20, 10),
            Columns::All,
        ),
        (
            Read::PhraseOnePass,
            q("search: example", Id, Asc, 5, 10),
            Columns::All,
        ),
        (
            Read::PhraseOnePass,
            q("name: o'b", Id, Asc, 2, 5),
            Columns::Summary,
        ),
        // At the boundaries: a window reaching exactly `one_pass_reach` (25) is deep; one
        // reaching exactly its known total (o'b: 13) takes the pass, not the backward read.
        (
            Read::PhraseDeep,
            q("search: example", Id, Desc, 15, 10),
            Columns::All,
        ),
        (
            Read::PhraseLastIds,
            q("name: o'b", Id, Desc, 8, 5),
            Columns::All,
        ),
        // Cut short 2 matches past the window's reach (5): smith's 8 matches are more.
        (
            Read::PhraseLastIdsCutShort,
            q("search: smith", Id, Desc, 0, 5),
            Columns::All,
        ),
        // Two phrases: one query of the index for both.
        (
            Read::PhraseOnePass,
            q("name+search: smith|example", Id, Asc, 0, 10),
            Columns::All,
        ),
        (
            Read::PhraseDeep,
            q("search: example", Id, Asc, 30, 10),
            Columns::All,
        ),
        (
            Read::PhraseDeep,
            q("search: example", Id, Desc, 100, 10),
            Columns::All,
        ),
        (
            Read::PhraseLastIds,
            q("search: zoë", Id, Desc, 1, 10),
            Columns::All,
        ),
        (
            Read::PhraseLastIdsCutShort,
            q("search: example", Id, Desc, 4, 10),
            Columns::All,
        ),
        (
            Read::PhraseBackwards,
            q("name: o'b", Id, Desc, 2, 5),
            Columns::All,
        ),
        (
            Read::PairIds,
            q("search: an", Id, Desc, 10, 10),
            Columns::All,
        ),
        (
            Read::FilteredByNames,
            q("name: smith", Name, Asc, 1, 5),
            Columns::All,
        ),
        (
            Read::FilteredByNames,
            q("name+include: an", Id, Asc, 5, 10),
            Columns::All,
        ),
        (
            Read::FilteredByPhrase,
            q("search: example", Email, Desc, 12, 10),
            Columns::All,
        ),
        (
            Read::FilteredByPair,
            q("search: an", Date, Asc, 3, 10),
            Columns::WithCompanies,
        ),
    ];
    for (read, query, columns) in &cases {
        check(&indexed, &records, *read, query, *columns);
    }
    // Without the derived data every filter scans, and the stored renderings are not used.
    for (read, query, columns) in [
        (Read::Scan, q("name: o'b", Id, Desc, 2, 5), Columns::All),
        (Read::Scan, q("search: an", Id, Asc, 0, 10), Columns::All),
        (Read::Scan, q("company: 14", Id, Asc, 5, 5), Columns::All),
        (
            Read::StaleRenderings,
            q("", Id, Desc, 0, 10),
            Columns::OwnJson,
        ),
    ] {
        check(&scanned, &records, read, &query, columns);
    }
    // A needle of one character, which no index serves; a company's page in another order,
    // or before the offset the positions are read from.
    for (query, columns) in [
        (q("name: a", Id, Asc, 3, 10), Columns::All),
        (q("company: 14", Name, Asc, 5, 5), Columns::All),
        (q("company: 14", Id, Desc, 2, 5), Columns::OwnJson),
    ] {
        check(&indexed, &records, Read::Scan, &query, columns);
    }

    let taken: Vec<Read> = cases.iter().map(|(read, _, _)| *read).collect();
    let untested: Vec<Read> = Read::ALL
        .into_iter()
        // Pages by cursor and many companies' pages are compared with pages by number where
        // they are taken (`graphql_cursors`, `graphql_companies`).
        .filter(|read| {
            !taken.contains(read)
                && ![
                    Read::Scan,
                    Read::StaleRenderings,
                    Read::Keyset,
                    Read::CompanyPages,
                ]
                .contains(read)
        })
        .collect();
    assert!(untested.is_empty(), "no case takes {untested:?}");
}

/// An import lands after the derived data was built: until it is built again, REST pages are
/// not pasted from the renderings (which lack the new customer), nor deep company pages read
/// from the positions.
#[test]
fn derived_data_of_an_older_dataset_serves_no_read() {
    let app = TestApp::demo_reaching_every_read(true);
    let late = customer(1000, "late@example.com")
        .name("Late Müller")
        .company(14)
        .build();
    app.import_customers(std::slice::from_ref(&late), false)
        .unwrap();
    let mut records = demo_records();
    records.push(late);
    use OrderBy::Id;
    use SortOrder::Desc;
    check(
        &app,
        &records,
        Read::StaleRenderings,
        &q("", Id, Desc, 0, 10),
        Columns::OwnJson,
    );
    check(
        &app,
        &records,
        Read::Scan,
        &q("company: 14", Id, Desc, 5, 5),
        Columns::All,
    );
    check(
        &app,
        &records,
        Read::Scan,
        &q("name: müller", Id, Desc, 0, 5),
        Columns::All,
    );
    app.build_derived_data();
    check(
        &app,
        &records,
        Read::StoredPage,
        &q("", Id, Desc, 0, 10),
        Columns::OwnJson,
    );
    check(
        &app,
        &records,
        Read::CompanyPositions,
        &q("company: 14", Id, Desc, 5, 5),
        Columns::All,
    );
    check(
        &app,
        &records,
        Read::NamesLists,
        &q("name: müller", Id, Desc, 0, 5),
        Columns::All,
    );
}

/// Each total that the read of the rows did not count comes from the cheapest source that
/// holds it, and equals the model's.
#[test]
fn every_total_comes_from_where_it_is_kept() {
    use OrderBy::{Id, Name};
    use SortOrder::{Asc, Desc};
    let app = TestApp::demo_reaching_every_read(true);
    let records = demo_records();
    for (count, query, columns) in [
        (
            Count::WithThePage,
            q("search: zoë", Id, Desc, 0, 10),
            Columns::All,
        ),
        (
            Count::WithThePage,
            q("search: an", Id, Asc, 5, 10),
            Columns::Summary,
        ),
        (
            Count::Kept,
            q("", Name, Desc, 0, 10),
            Columns::WithCompanies,
        ),
        (
            Count::FromTheIndex,
            q("search: example", Id, Asc, 30, 10),
            Columns::All,
        ),
        (
            Count::FromCompanyCounts,
            q("company: 14", Name, Asc, 0, 5),
            Columns::All,
        ),
        (
            Count::ByScan,
            q("name+include: an", Id, Asc, 0, 10),
            Columns::All,
        ),
    ] {
        let before = app.reads.counted(count);
        let page = app.page(&query, columns, true);
        assert_eq!(app.reads.counted(count), before + 1, "{count:?}: {query:?}");
        assert_eq!(
            page.total,
            Some(window(&query, &records).1),
            "{count:?}: {query:?}"
        );
    }
}
