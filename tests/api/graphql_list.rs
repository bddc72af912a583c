//! `customers(...)`: every argument alone and combined, every order, windows and totals.

use crate::helpers::TestApp;

#[tokio::test]
async fn the_default_list_is_the_first_ten_by_id_descending() {
    let app = TestApp::demo();
    let response = app
        .graphql("{ customers { totalCount nodes { id email } } }")
        .await;
    let page = &response["data"]["customers"];
    assert_eq!(page["totalCount"], 250);
    assert_eq!(
        crate::helpers::ids_of(&page["nodes"]),
        (241..=250).rev().collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn every_order_key_sorts_both_ways_with_ties_broken_by_id_in_the_same_direction() {
    let app = TestApp::semantic();
    let cases: [(&str, [i64; 8]); 12] = [
        ("ID, order: ASC", [1, 2, 3, 4, 5, 6, 7, 8]),
        ("ID, order: DESC", [8, 7, 6, 5, 4, 3, 2, 1]),
        // No user sorts as 0.
        ("USER_ID, order: ASC", [2, 4, 6, 8, 1, 5, 7, 3]),
        ("USER_ID, order: DESC", [3, 7, 5, 1, 8, 6, 4, 2]),
        // No name sorts as ""; case is folded; code points, so Cyrillic after Latin.
        ("NAME, order: ASC", [4, 5, 1, 7, 2, 8, 3, 6]),
        ("NAME, order: DESC", [6, 3, 8, 2, 7, 1, 5, 4]),
        // "alice2@" before "alice@": '2' < '@'.
        ("EMAIL, order: ASC", [7, 1, 4, 2, 6, 8, 5, 3]),
        ("EMAIL, order: DESC", [3, 5, 8, 6, 2, 4, 1, 7]),
        // No company sorts as 0; an unknown company id sorts by its number.
        ("COMPANY_ID, order: ASC", [4, 6, 8, 1, 3, 2, 7, 5]),
        ("COMPANY_ID, order: DESC", [5, 7, 2, 3, 1, 8, 6, 4]),
        ("DATE, order: ASC", [8, 4, 1, 3, 2, 6, 5, 7]),
        ("DATE, order: DESC", [7, 5, 6, 2, 3, 1, 4, 8]),
    ];
    for (args, expected) in cases {
        let ids = app.ids(&format!("orderBy: {args}")).await;
        assert_eq!(ids, expected, "orderBy: {args}");
    }
}

#[tokio::test]
async fn order_and_order_by_default_to_id_descending() {
    let app = TestApp::semantic();
    assert_eq!(app.ids("orderBy: ID").await, app.ids("order: DESC").await);
    assert_eq!(app.ids("").await, [8, 7, 6, 5, 4, 3, 2, 1]);
    assert_eq!(
        app.ids("order: null, orderBy: null").await,
        [8, 7, 6, 5, 4, 3, 2, 1]
    );
}

#[tokio::test]
async fn each_filter_alone() {
    let app = TestApp::semantic();
    let cases: &[(&str, &[i64])] = &[
        ("include: [1, 2, 3]", &[3, 2, 1]),
        ("include: [3, 42]", &[3]),
        ("exclude: [1, 2, 3, 4, 5, 6, 7]", &[8]),
        ("userId: [10]", &[5, 1]),
        ("userId: [10, 30]", &[5, 3, 1]),
        // 0 means "none": nobody is linked to user 0 or company 0.
        ("userId: [0]", &[]),
        ("company: [0]", &[]),
        ("company: [1]", &[3, 1]),
        ("company: [1, 2]", &[7, 3, 2, 1]),
        ("company: [99]", &[5]),
        ("email: [\"alice@example.com\"]", &[1]),
        (
            "email: [\"alice@example.com\", \"olga@example.ru\"]",
            &[6, 1],
        ),
        ("email: [\"nobody@example.com\"]", &[]),
        // An additional address finds its customer too.
        ("email: [\"bob.work@corp.example\"]", &[2]),
        // Emails match whole, not as substrings.
        ("email: [\"example.com\"]", &[]),
        ("name: \"Smith\"", &[7, 1]),
        ("name: \"nobody\"", &[]),
        ("search: \"alice\"", &[7, 1]),
        ("search: \"corp\"", &[2]),
        ("search: \"example.ru\"", &[6]),
        ("search: \"umlaut\"", &[3]),
    ];
    for (args, expected) in cases {
        assert_eq!(&app.ids(args).await, expected, "{args}");
    }
}

#[tokio::test]
async fn filters_combine_with_and() {
    let app = TestApp::semantic();
    let cases: &[(&str, &[i64])] = &[
        ("company: [1, 2], userId: [10, 20]", &[7, 1]),
        ("name: \"alice\", company: [2]", &[7]),
        ("search: \"pure\", exclude: [8]", &[5]),
        (
            "include: [1, 2, 3, 7], userId: [10, 20], orderBy: EMAIL, order: ASC",
            &[7, 1],
        ),
        ("email: [\"bob@example.com\"], name: \"alice\"", &[]),
        ("search: \"example.com\", company: [1], name: \"zo\"", &[3]),
        (
            "include: [1, 5], userId: [10], company: [99], name: \"pure\", search: \"100\"",
            &[5],
        ),
    ];
    for (args, expected) in cases {
        assert_eq!(&app.ids(args).await, expected, "{args}");
    }
}

#[tokio::test]
async fn exclude_wins_over_include() {
    let app = TestApp::semantic();
    assert_eq!(app.ids("include: [1, 2], exclude: [2, 3]").await, [1]);
    assert_eq!(
        app.ids("include: [1], exclude: [1]").await,
        Vec::<i64>::new()
    );
}

#[tokio::test]
async fn an_empty_list_argument_is_no_filter() {
    let app = TestApp::semantic();
    let all = app.ids("").await;
    for arg in ["include", "exclude", "userId", "email", "company"] {
        assert_eq!(app.ids(&format!("{arg}: []")).await, all, "{arg}: []");
    }
}

#[tokio::test]
async fn text_matching_folds_case_for_all_of_unicode() {
    let app = TestApp::semantic();
    assert_eq!(app.ids("name: \"ZOË\"").await, [3]);
    assert_eq!(app.ids("name: \"ünÏ\"").await, [3]);
    assert_eq!(app.ids("name: \"ОЛЬГА\"").await, [6]);
    assert_eq!(app.ids("email: [\"BOB@EXAMPLE.COM\"]").await, [2]);
    assert_eq!(app.ids("email: [\"zoë@UMLAUT.example\"]").await, [3]);
    assert_eq!(app.ids("search: \"ZOË@\"").await, [3]);
}

#[tokio::test]
async fn percent_and_underscore_are_literal_characters() {
    let app = TestApp::semantic();
    assert_eq!(app.ids("name: \"%\"").await, [5]);
    assert_eq!(app.ids("name: \"_\"").await, [5]);
    assert_eq!(app.ids("name: \"e_s\"").await, [5]);
    // As wildcards these would also match "Pure Snake" (8).
    assert_eq!(app.ids("name: \"%pure\"").await, Vec::<i64>::new());
    assert_eq!(app.ids("name: \"pure_snake\"").await, [5]);
    assert_eq!(app.ids("search: \"e_s\"").await, [5]);
    assert_eq!(app.ids("name: \"\\\\\"").await, Vec::<i64>::new());
}

#[tokio::test]
async fn page_and_offset_window_the_ordered_matches() {
    let app = TestApp::semantic();
    assert_eq!(app.ids("perPage: 3").await, [8, 7, 6]);
    assert_eq!(app.ids("perPage: 3, page: 2").await, [5, 4, 3]);
    assert_eq!(app.ids("perPage: 3, page: 3").await, [2, 1]);
    assert_eq!(app.ids("perPage: 3, offset: 1").await, [7, 6, 5]);
    // When given, offset replaces (page - 1) * perPage.
    assert_eq!(app.ids("perPage: 3, page: 3, offset: 1").await, [7, 6, 5]);
    assert_eq!(app.ids("perPage: 3, page: 2, offset: 0").await, [8, 7, 6]);
    assert_eq!(
        app.ids("perPage: 2, offset: 5, orderBy: NAME, order: ASC")
            .await,
        [8, 3]
    );
}

async fn totals(app: &TestApp, args: &str) -> serde_json::Value {
    let response = app
        .graphql(&format!(
            "{{ customers({args}) {{ totalCount totalPages page perPage hasNextPage hasPreviousPage nodes {{ id }} }} }}"
        ))
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    let mut page = response["data"]["customers"].clone();
    page.as_object_mut().unwrap().remove("nodes");
    page
}

#[tokio::test]
async fn totals_and_neighbour_flags_describe_the_window() {
    use serde_json::json;
    let app = TestApp::semantic();
    let t = |total, pages, page, per, next, prev| {
        json!({"totalCount": total, "totalPages": pages, "page": page, "perPage": per,
               "hasNextPage": next, "hasPreviousPage": prev})
    };
    assert_eq!(totals(&app, "perPage: 3").await, t(8, 3, 1, 3, true, false));
    assert_eq!(
        totals(&app, "perPage: 3, page: 2").await,
        t(8, 3, 2, 3, true, true)
    );
    assert_eq!(
        totals(&app, "perPage: 3, page: 3").await,
        t(8, 3, 3, 3, false, true)
    );
    assert_eq!(
        totals(&app, "perPage: 4, page: 2").await,
        t(8, 2, 2, 4, false, true)
    );
    assert_eq!(
        totals(&app, "perPage: 3, offset: 1").await,
        t(8, 3, 1, 3, true, true)
    );
    assert_eq!(
        totals(&app, "perPage: 3, offset: 5").await,
        t(8, 3, 1, 3, false, true)
    );
    assert_eq!(
        totals(&app, "perPage: 100").await,
        t(8, 1, 1, 100, false, false)
    );
    // Totals count the filtered rows, not the table.
    assert_eq!(
        totals(&app, "company: [1, 2], perPage: 3").await,
        t(4, 2, 1, 3, true, false)
    );
    assert_eq!(
        totals(&app, "name: \"nobody\"").await,
        t(0, 0, 1, 10, false, false)
    );
}

#[tokio::test]
async fn a_page_past_the_end_is_empty_with_true_totals() {
    let app = TestApp::semantic();
    let response = app
        .graphql("{ customers(perPage: 3, page: 10) { totalCount totalPages hasNextPage hasPreviousPage nodes { id } } }")
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    let page = &response["data"]["customers"];
    assert_eq!(page["nodes"], serde_json::json!([]));
    assert_eq!(page["totalCount"], 8);
    assert_eq!(page["totalPages"], 3);
    assert_eq!(page["hasNextPage"], false);
    assert_eq!(page["hasPreviousPage"], true);
    assert_eq!(app.ids("offset: 2000000000").await, Vec::<i64>::new());
    assert_eq!(
        app.ids("page: 2147483647, perPage: 100").await,
        Vec::<i64>::new()
    );
}

#[tokio::test]
async fn variables_reach_the_same_arguments() {
    let app = TestApp::semantic();
    let response = app
        .graphql_with(
            "query($e: [String!], $o: CustomerOrderBy) { customers(email: $e, orderBy: $o, order: ASC) { nodes { id } } }",
            serde_json::json!({"e": ["OLGA@example.ru", "alice2@example.com"], "o": "EMAIL"}),
        )
        .await;
    assert_eq!(
        crate::helpers::ids_of(&response["data"]["customers"]["nodes"]),
        [7, 6]
    );
}
