//! Companies in GraphQL: `companies(...)`, `company(id:)`, and each company's `customers(...)`,
//! which must equal `customers(company: [id], …)` and cost a number of statements set by the
//! query's shape, not by how many companies it shows.

use serde_json::{json, Value};

use kbs_graphql::customers::Read;

use crate::helpers::{ids_of, TestApp};

#[tokio::test]
async fn companies_are_listed_by_name_filtered_and_paged() {
    let app = TestApp::demo();
    let all = app
        .graphql("{ companies(perPage: 100) { totalCount nodes { id name } } }")
        .await;
    let nodes = all["data"]["companies"]["nodes"].as_array().unwrap();
    assert_eq!(all["data"]["companies"]["totalCount"], 15);
    assert_eq!(nodes.len(), 15);
    // By name (folded), then id.
    let names: Vec<String> = nodes
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_lowercase())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);

    // By id, descending, a page at a time.
    let page = app
        .graphql("{ companies(orderBy: ID, order: DESC, perPage: 4, page: 2) { totalCount totalPages page perPage hasNextPage hasPreviousPage nodes { id } } }")
        .await;
    assert_eq!(
        page["data"]["companies"],
        json!({"totalCount": 15, "totalPages": 4, "page": 2, "perPage": 4, "hasNextPage": true,
               "hasPreviousPage": true, "nodes": [{"id": 11}, {"id": 10}, {"id": 9}, {"id": 8}]})
    );

    // A name needle, in any case; ids.
    let systems = app
        .graphql("{ companies(name: \"SYSTEMS\", orderBy: ID, order: ASC) { totalCount nodes { id name } } }")
        .await;
    let found = systems["data"]["companies"]["nodes"].as_array().unwrap();
    assert!(!found.is_empty());
    assert!(found
        .iter()
        .all(|n| n["name"].as_str().unwrap().contains("Systems")));
    assert_eq!(systems["data"]["companies"]["totalCount"], found.len());
    let some = app
        .graphql("{ companies(include: [3, 1, 99], orderBy: ID, order: ASC) { nodes { id } } }")
        .await;
    assert_eq!(ids_of(&some["data"]["companies"]["nodes"]), [1, 3]);
}

#[tokio::test]
async fn a_company_is_found_by_id_or_null() {
    let app = TestApp::semantic();
    let answer = app
        .graphql("{ acme: company(id: 1) { id name } none: company(id: 99) { id } }")
        .await;
    assert_eq!(
        answer["data"],
        json!({"acme": {"id": 1, "name": "Acme"}, "none": null})
    );
    // As customers are: for those who may read them.
    let (_, anonymous) = app
        .graphql_as(None, "{ company(id: 1) { id } }", json!({}))
        .await;
    assert_eq!(anonymous["data"], json!({"company": null}));
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
}

/// Every company's page of customers, through `Company.customers(ARGS)`, against the same
/// page through `customers(company: [id], ARGS)`.
/// What the comparisons of a company's page with the customers list select: the cursors
/// too, which name the same list.
const PAGE: &str = "totalCount hasNextPage hasPreviousPage nodes { id company { id } } \
                    edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }";

#[tokio::test]
async fn a_companys_customers_are_the_customers_list_of_that_company() {
    let app = TestApp::demo();
    for args in [
        "perPage: 3",
        "perPage: 5, page: 2",
        "orderBy: NAME, order: ASC, perPage: 4",
        "orderBy: EMAIL, order: DESC",
        "orderBy: DATE, order: ASC, offset: 2, perPage: 3",
        "orderBy: USER_ID",
        "orderBy: COMPANY_ID, order: ASC",
        "search: \"a\", perPage: 4",
        "name: \"o\", orderBy: NAME",
        "include: [1, 2, 3, 40, 41, 42, 43, 44, 45], exclude: [41]",
        // By cursor, from either end.
        "first: 2",
        "first: 3, orderBy: NAME, order: ASC",
        "last: 3, orderBy: EMAIL, order: ASC",
        "last: 2, search: \"a\"",
    ] {
        // Three companies a request: a filtered total is a count per company, which the cost
        // bound counts as such.
        let mut companies = Vec::new();
        for page in 1..=5 {
            let nested = app
                .graphql(&format!(
                    "{{ companies(perPage: 3, page: {page}, orderBy: ID, order: ASC) {{ nodes {{ id customers({args}) {{ {PAGE} }} }} }} }}"
                ))
                .await;
            assert!(nested.get("errors").is_none(), "{args}: {nested}");
            companies.extend(
                nested["data"]["companies"]["nodes"]
                    .as_array()
                    .unwrap()
                    .clone(),
            );
        }
        assert_eq!(companies.len(), 15);
        assert!(
            app.reads.taken(Read::CompanyPages) >= 5,
            "{args}: not read together"
        );
        for company in &companies {
            let id = company["id"].as_i64().unwrap();
            let alone = app
                .graphql(&format!(
                    "{{ customers(company: [{id}], {args}) {{ {PAGE} }} }}"
                ))
                .await;
            assert_eq!(
                company["customers"], alone["data"]["customers"],
                "company {id}, {args}"
            );
        }
    }
}

#[tokio::test]
async fn a_companys_customers_are_walked_by_cursor_and_its_cursors_are_its_own() {
    let app = TestApp::demo();
    let company = |id: i64, args: &str| {
        let app = &app;
        let query = format!(
            "{{ company(id: {id}) {{ customers({args}) {{ nodes {{ id }} pageInfo {{ hasNextPage endCursor }} }} }} }}"
        );
        async move {
            let answer = app.graphql(&query).await;
            answer["data"]["company"]["customers"].clone()
        }
    };
    let expected = ids_of(
        &app.graphql(
            "{ customers(company: [1], perPage: 100, orderBy: NAME, order: ASC) { nodes { id } } }",
        )
        .await["data"]["customers"]["nodes"],
    );
    assert!(expected.len() > 4, "{expected:?}");
    let mut walked = Vec::new();
    let mut after = String::new();
    loop {
        let page = company(1, &format!("first: 3, orderBy: NAME, order: ASC{after}")).await;
        walked.extend(ids_of(&page["nodes"]));
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = format!(", after: {}", page["pageInfo"]["endCursor"]);
    }
    assert_eq!(walked, expected);
    // Company 1's cursor names company 1's list: company 2 refuses it, saying why.
    let answer = app
        .graphql(&format!(
            "{{ company(id: 2) {{ customers(first: 3, orderBy: NAME, order: ASC{after}) {{ nodes {{ id }} }} }} }}"
        ))
        .await;
    assert_eq!(answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let message = answer["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("another list"), "{message}");
}

#[tokio::test]
async fn a_list_of_companies_with_their_customers_costs_statements_by_its_shape() {
    let app = TestApp::demo();
    let statements = |query: String| {
        let app = &app;
        async move {
            let before = app.db.statements();
            let answer: Value = app.graphql(&query).await;
            assert!(answer.get("errors").is_none(), "{answer}");
            // `graphql` sends a request twice (the executor and the fast path compared).
            let sent = if app.documents.has_plan(&query) { 2 } else { 1 };
            (app.db.statements() - before) / sent
        }
    };
    let shape = |companies: u32| {
        format!(
            "{{ companies(perPage: {companies}) {{ totalCount nodes {{ id name \
             customers(perPage: 3, orderBy: NAME) {{ totalCount nodes {{ id company {{ name }} }} }} \
             first: customers(perPage: 1) {{ nodes {{ id }} }} \
             byCursor: customers(first: 2, orderBy: EMAIL) {{ edges {{ cursor }} pageInfo {{ hasNextPage }} }} }} }} }}"
        )
    };
    let two = statements(shape(2)).await;
    let fifteen = statements(shape(15)).await;
    assert_eq!(two, fifteen, "statements grew with the companies shown");
    // The companies page and its total; then, per distinct `customers(...)`, the pages' ids,
    // their rows and (for the one that asks) the totals; and the transactions around them.
    // (15 here; one read per company would be over a hundred for fifteen.)
    assert!(two <= 20, "{two} statements");
}
