//! REST and GraphQL are two views of one query core: the same filters, orders and windows
//! give the same ids in the same order with the same totals.

use crate::helpers::{ids_of, TestApp};

#[tokio::test]
async fn rest_and_graphql_return_the_same_ids_and_totals() {
    let app = TestApp::demo();
    // (REST query, GraphQL arguments)
    let filters = [
        ("", ""),
        (
            "include=1,5,9,200,241,249",
            "include: [1, 5, 9, 200, 241, 249]",
        ),
        ("exclude=250,249,248", "exclude: [250, 249, 248]"),
        (
            "user_id=1001,1002,1003,1010,1100,4241",
            "userId: [1001, 1002, 1003, 1010, 1100, 4241]",
        ),
        ("company=3,5", "company: [3, 5]"),
        (
            "email=GRACE@example.test,olga@EXAMPLE.ru,zoË@umlaut.example",
            "email: [\"GRACE@example.test\", \"olga@EXAMPLE.ru\", \"zoË@umlaut.example\"]",
        ),
        ("name=an", "name: \"an\""),
        ("search=example.org", "search: \"example.org\""),
        (
            "search=Ö&company=1,2,3,4,5,6,7",
            "search: \"Ö\", company: [1, 2, 3, 4, 5, 6, 7]",
        ),
    ];
    let orders = [
        ("id", "ID"),
        ("user_id", "USER_ID"),
        ("name", "NAME"),
        ("email", "EMAIL"),
        ("company_id", "COMPANY_ID"),
        ("date", "DATE"),
    ];
    let windows = [
        ("per_page=7&page=2", "perPage: 7, page: 2"),
        ("per_page=5&offset=3", "perPage: 5, offset: 3"),
    ];
    let mut compared = 0;
    for (rest_filter, gql_filter) in filters {
        for (rest_order, gql_order) in orders {
            for (direction, gql_direction) in [("asc", "ASC"), ("desc", "DESC")] {
                for (rest_window, gql_window) in windows {
                    let rest_query = format!(
                        "{rest_filter}&orderby={rest_order}&order={direction}&{rest_window}"
                    );
                    let (status, headers, body) = app
                        .rest(&format!("/wp-json/kbs/v1/customers?{rest_query}"))
                        .await;
                    let args = [
                        gql_filter,
                        &format!("orderBy: {gql_order}, order: {gql_direction}"),
                        gql_window,
                    ]
                    .iter()
                    .filter(|a| !a.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ");
                    let response = app
                        .graphql(&format!(
                            "{{ customers({args}) {{ totalCount totalPages nodes {{ id }} }} }}"
                        ))
                        .await;
                    let page = &response["data"]["customers"];
                    let total = page["totalCount"].as_i64().unwrap();
                    if status == axum::http::StatusCode::BAD_REQUEST {
                        // A page past the last: REST refuses, GraphQL answers an empty page.
                        assert!(
                            body.contains("rest_customer_invalid_page_number"),
                            "{rest_query}: {body}"
                        );
                        assert_eq!(ids_of(&page["nodes"]), Vec::<i64>::new(), "{args}");
                        continue;
                    }
                    let rest_ids = ids_of(&serde_json::from_str(&body).unwrap());
                    assert_eq!(
                        rest_ids,
                        ids_of(&page["nodes"]),
                        "REST {rest_query} vs GraphQL {args}"
                    );
                    assert_eq!(
                        headers["x-wp-total"].to_str().unwrap(),
                        total.to_string(),
                        "{rest_query}"
                    );
                    assert_eq!(
                        headers["x-wp-totalpages"].to_str().unwrap(),
                        page["totalPages"].to_string(),
                        "{rest_query}"
                    );
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 150, "only {compared} combinations compared");
}
