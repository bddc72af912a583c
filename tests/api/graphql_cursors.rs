//! Cursor connections on `customers`: walking forward with `first`/`after` and back with
//! `last`/`before` visits every matching customer once, in the order pages by number give,
//! for every filter and order; and the arguments that mean nothing are refused, saying why.

use serde_json::{json, Value};

use kbs_graphql::customers::Read;

use crate::helpers::{ids_of, TestApp};

const ORDERS: [&str; 6] = ["ID", "USER_ID", "NAME", "EMAIL", "COMPANY_ID", "DATE"];
const FILTERS: [&str; 6] = [
    "",
    "name: \"o\"",
    "search: \"an\"",
    "company: [3, 6, 14]",
    "userId: [1002, 1003, 1004, 1005, 1006, 1009, 1011, 1012, 1015, 1016], include: [2, 3, 4, 5, 6, 9, 11, 12, 13, 14]",
    "exclude: [1, 2, 3], search: \"example.com\"",
];

fn arguments(filter: &str, order_by: &str, order: &str, more: &str) -> String {
    [
        filter,
        &format!("orderBy: {order_by}, order: {order}"),
        more,
    ]
    .iter()
    .filter(|part| !part.is_empty())
    .cloned()
    .collect::<Vec<_>>()
    .join(", ")
}

/// Every matching id in the list's order, by pages of 100.
async fn by_number(app: &TestApp, filter: &str, order_by: &str, order: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    for page in 1.. {
        let args = arguments(
            filter,
            order_by,
            order,
            &format!("perPage: 100, page: {page}"),
        );
        let answer = app
            .graphql(&format!("{{ customers({args}) {{ nodes {{ id }} }} }}"))
            .await;
        let found = ids_of(&answer["data"]["customers"]["nodes"]);
        if found.is_empty() {
            return ids;
        }
        ids.extend(found);
    }
    unreachable!()
}

/// One page by cursor: its ids, `pageInfo`, and `totalCount`.
async fn by_cursor(app: &TestApp, args: &str) -> (Vec<i64>, Value, Value) {
    let query = format!(
        "{{ customers({args}) {{ totalCount edges {{ cursor node {{ id }} }} \
         pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }} }}"
    );
    let answer = app.graphql(&query).await;
    assert!(answer.get("errors").is_none(), "{args}: {answer}");
    let page = &answer["data"]["customers"];
    let ids = page["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["id"].as_i64().unwrap())
        .collect();
    (ids, page["pageInfo"].clone(), page["totalCount"].clone())
}

#[tokio::test]
async fn walking_by_cursor_forward_and_back_visits_every_customer_once_in_order() {
    for indexed in [true, false] {
        let app = TestApp::demo_reaching_every_read_shared(indexed);
        let keyset_before = app.reads.taken(Read::Keyset);
        let mut cursor_pages = 0;
        for filter in FILTERS {
            for order_by in ORDERS {
                for order in ["ASC", "DESC"] {
                    let expected = by_number(app, filter, order_by, order).await;
                    let case = format!("{filter} {order_by} {order} (indexed: {indexed})");
                    assert!(expected.len() > 3, "{case}: too few matches to walk");
                    // Forward, 17 at a time, from the start to the end.
                    let mut forward = Vec::new();
                    let mut after: Option<String> = None;
                    loop {
                        let more = match &after {
                            Some(cursor) => format!("first: 17, after: \"{cursor}\""),
                            None => "first: 17".to_owned(),
                        };
                        let (ids, info, total) =
                            by_cursor(app, &arguments(filter, order_by, order, &more)).await;
                        cursor_pages += 1;
                        assert_eq!(total, json!(expected.len()), "{case}");
                        assert_eq!(info["hasPreviousPage"], after.is_some(), "{case}");
                        forward.extend(ids);
                        if info["hasNextPage"] != true {
                            break;
                        }
                        after = Some(info["endCursor"].as_str().unwrap().to_owned());
                    }
                    assert_eq!(forward, expected, "forward: {case}");
                    // Backward, 23 at a time, from the end to the start.
                    let mut backward = Vec::new();
                    let mut before: Option<String> = None;
                    loop {
                        let more = match &before {
                            Some(cursor) => format!("last: 23, before: \"{cursor}\""),
                            None => "last: 23".to_owned(),
                        };
                        let (ids, info, _) =
                            by_cursor(app, &arguments(filter, order_by, order, &more)).await;
                        cursor_pages += 1;
                        assert_eq!(info["hasNextPage"], before.is_some(), "{case}");
                        let mut page = ids;
                        page.extend(backward);
                        backward = page;
                        if info["hasPreviousPage"] != true {
                            break;
                        }
                        before = Some(info["startCursor"].as_str().unwrap().to_owned());
                    }
                    assert_eq!(backward, expected, "backward: {case}");
                }
            }
        }
        // Every page by cursor was the keyset read (a read stopped at its inline budget runs
        // again on a blocking thread, and counts twice).
        assert!(app.reads.taken(Read::Keyset) - keyset_before >= cursor_pages);
    }
}

#[tokio::test]
async fn a_page_by_number_hands_out_cursors_that_continue_it() {
    let app = TestApp::demo();
    let first = app
        .graphql("{ customers(perPage: 5, orderBy: NAME, order: ASC) { edges { cursor node { id } } pageInfo { endCursor hasNextPage } } }")
        .await;
    let info = &first["data"]["customers"]["pageInfo"];
    assert_eq!(info["hasNextPage"], true);
    let end = info["endCursor"].as_str().unwrap();
    let edges = first["data"]["customers"]["edges"].as_array().unwrap();
    assert_eq!(edges.last().unwrap()["cursor"], end);
    let next = app
        .graphql(&format!("{{ customers(first: 5, after: \"{end}\", orderBy: NAME, order: ASC) {{ nodes {{ id }} }} }}"))
        .await;
    let second = app
        .graphql("{ customers(perPage: 5, page: 2, orderBy: NAME, order: ASC) { nodes { id } } }")
        .await;
    assert_eq!(next["data"], second["data"]);
}

#[tokio::test]
async fn page_info_reads_the_total_only_for_has_next_page() {
    let app = TestApp::demo();
    // Without `hasNextPage` (or a total) nothing is counted, and the cursors still come.
    let answer = app
        .graphql("{ customers(perPage: 1, offset: 99, orderBy: NAME) { pageInfo { startCursor endCursor hasPreviousPage } } }")
        .await;
    assert!(answer.get("errors").is_none(), "{answer}");
    let info = &answer["data"]["customers"]["pageInfo"];
    assert_eq!(info["startCursor"], info["endCursor"]);
    assert_eq!(info["hasPreviousPage"], true);
    let answer = app
        .graphql("{ customers(perPage: 10, offset: 245) { pageInfo { hasNextPage } } }")
        .await;
    assert_eq!(
        answer["data"]["customers"]["pageInfo"]["hasNextPage"],
        false
    );
}

#[tokio::test]
async fn cursor_arguments_that_mean_nothing_are_refused_saying_why() {
    let app = TestApp::demo();
    let cursor = |args: &str| {
        let app = &app;
        let args = args.to_owned();
        async move {
            let answer = app
                .graphql(&format!(
                    "{{ customers({args}) {{ pageInfo {{ endCursor }} }} }}"
                ))
                .await;
            answer["data"]["customers"]["pageInfo"]["endCursor"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let by_name = cursor("first: 3, orderBy: NAME").await;
    let searched = cursor("first: 3, search: \"an\"").await;
    for (args, says) in [
        (
            format!("first: 3, after: \"{by_name}\", page: 2, orderBy: NAME"),
            "drop `page` and `offset`",
        ),
        (
            format!("after: \"{by_name}\", offset: 4, orderBy: NAME"),
            "drop `page` and `offset`",
        ),
        ("first: 3, perPage: 5".to_owned(), "drop `perPage`"),
        ("first: 3, last: 3".to_owned(), "not both at once"),
        (
            format!("last: 3, after: \"{by_name}\", orderBy: NAME"),
            "not both at once",
        ),
        ("first: 101".to_owned(), "first must be between 0 and 100"),
        ("last: -1".to_owned(), "last must be between 0 and 100"),
        (
            format!("first: 3, after: \"{by_name}\""),
            "a cursor of another list",
        ),
        (
            format!("first: 3, after: \"{by_name}\", orderBy: NAME, order: ASC"),
            "a cursor of another list",
        ),
        (
            format!("last: 3, before: \"{searched}\", search: \"ann\""),
            "a cursor of another list",
        ),
        (
            "first: 3, after: \"not-a-cursor\"".to_owned(),
            "`after` is not a cursor of this API",
        ),
    ] {
        let answer = app
            .graphql(&format!("{{ customers({args}) {{ nodes {{ id }} }} }}"))
            .await;
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{args}"
        );
        let message = answer["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(says), "{args}: {message}");
    }
    // The same cursor in its own list works, and `first: 0` is an empty page.
    let answer = app
        .graphql(&format!("{{ customers(first: 0, after: \"{by_name}\", orderBy: NAME) {{ nodes {{ id }} pageInfo {{ hasNextPage }} }} }}"))
        .await;
    assert_eq!(
        answer["data"]["customers"],
        json!({"nodes": [], "pageInfo": {"hasNextPage": true}})
    );
}
