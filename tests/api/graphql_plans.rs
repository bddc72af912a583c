//! Planned GraphQL answers (see `graphql::plan`) are the executor's, byte for byte: every
//! query runs on a server with plans (twice: the first answer teaches the plan, the second
//! comes from it) and on one without, over the same database, and the answers must be equal.
//! Queries a plan does not cover, and requests it must hand back (errors), are checked too.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use kbs_graphql::auth::Role;
use kbs_graphql::{AppState, Limits};
use serde_json::{json, Value};
use tower::ServiceExt;

use std::sync::Arc;

use kbs_graphql::graphql::Documents;

use crate::helpers::{jsonl, semantic_companies, semantic_customers, TestApp};

struct Pair {
    /// Plans on; response cache off, so that repeated requests reach the plan.
    planned: TestApp,
    /// The planned app's parsed documents (and their plans).
    documents: Arc<Documents>,
    /// The executor alone, same database.
    executor: axum::Router,
}

impl Pair {
    fn new() -> Pair {
        let mut documents = None;
        let planned = TestApp::with_state(|state| {
            documents = Some(state.documents.clone());
            state
        });
        // Company 1 with every field given, company 2 with its name alone.
        let mut companies = semantic_companies();
        companies[0] = json!({"id": 1, "name": "Acme", "email": "info@acme.example",
            "phone": "+1 555 0100", "website": "https://acme.example", "contact": "Wile E.",
            "customer": 1, "date_created": "2019-05-01 10:00:00"});
        planned
            .import(
                &jsonl(&semantic_customers()),
                Some(&jsonl(&companies)),
                false,
            )
            .unwrap();
        let executor = kbs_graphql::app(
            AppState::new(planned.db.clone(), Limits::default())
                .with_response_cache(0)
                .with_query_plans(false),
        );
        Pair {
            planned,
            documents: documents.unwrap(),
            executor,
        }
    }

    fn plan_exists(&self, query: &str) -> bool {
        self.documents.has_plan(query)
    }

    /// The status and exact body of `query` sent as `authorization` to `router`.
    async fn send(
        router: &axum::Router,
        authorization: Option<&str>,
        body: &Value,
    ) -> (StatusCode, String, Vec<u8>) {
        let mut request =
            Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        let response = router
            .clone()
            .oneshot(request.body(Body::from(body.to_string())).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let content_type = response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        (status, content_type, bytes)
    }

    /// Sends `body` to both servers (twice to the planned one) and checks the answers agree;
    /// the answer, and whether the plan gave the second one (never when it has errors: those
    /// are the executor's).
    async fn exchange(&self, authorization: Option<&str>, body: &Value) -> (Value, bool) {
        let expected = Pair::send(&self.executor, authorization, body).await;
        let mut planned = false;
        for attempt in ["first", "second"] {
            let before = self.documents.planned_answers();
            let got = Pair::send(&self.planned.router, authorization, body).await;
            planned = self.documents.planned_answers() > before;
            assert_eq!(
                (got.0, &got.1, String::from_utf8_lossy(&got.2)),
                (
                    expected.0,
                    &expected.1,
                    String::from_utf8_lossy(&expected.2)
                ),
                "{attempt} answer to {body}"
            );
        }
        let answer: Value = serde_json::from_slice(&expected.2).unwrap();
        assert!(
            !(planned && answer.get("errors").is_some()),
            "an error answered by the plan: {body}"
        );
        (answer, planned)
    }

    /// [`Pair::exchange`]'s answer.
    async fn agree(&self, authorization: Option<&str>, body: Value) -> Value {
        self.exchange(authorization, &body).await.0
    }

    /// [`Pair::agree`], where the plan must have given the second answer.
    async fn agree_planned(&self, authorization: Option<&str>, body: Value) -> Value {
        let (answer, planned) = self.exchange(authorization, &body).await;
        assert!(planned, "the executor answered {body} again: {answer}");
        answer
    }
}

const PLANNED: &[&str] = &[
    "{ customers(perPage: 10) { nodes { id name email userId companyId dateCreated ticketCount } totalCount } }",
    "{ customers { nodes { additionalEmails website } } }",
    // Aliases, repeated keys, __typename at every level, every page field.
    "{ __typename a: customers(perPage: 2, orderBy: NAME, order: ASC) { __typename total: totalCount \
       nodes { __typename id n: name email id userId } totalPages page perPage hasNextPage hasPreviousPage } \
       b: customers(page: 2, perPage: 2) { nodes { id } hasPreviousPage } }",
    // The same response key twice: the selections merge.
    "{ customers(perPage: 3) { nodes { id } nodes { email id } totalCount } }",
    // Fragments, named and inline.
    "query Named { customers(perPage: 2, orderBy: EMAIL) { ...Page } } \
     fragment Page on CustomerPage { nodes { ...Who id ... on Customer { website } ... { companyId } } totalCount } \
     fragment Who on Customer { email dateCreated }",
    // Every filter.
    "{ customers(include: [1, 2, 3, 5], exclude: [2], userId: [10], company: [1], order: ASC) { nodes { id } totalCount } }",
    "{ customers(email: [\"BOB@example.com\"]) { nodes { id email } totalCount } }",
    "{ customers(name: \"bo\", search: \"b\") { nodes { id } totalCount } }",
    "{ customers(offset: 1, perPage: 2, orderBy: DATE) { nodes { id dateCreated } hasNextPage hasPreviousPage } }",
    // Lookups, found and not, and two roots.
    "{ customer(idOrEmail: \"2\") { id email additionalEmails } }",
    "{ customer(idOrEmail: \"bob.WORK@corp.example\") { id } }",
    "{ customer(idOrEmail: \"nobody@example.com\") { id } }",
    "{ a: customers(perPage: 1) { totalCount } b: customer(idOrEmail: \"1\") { id name } }",
    // Phones, addresses (null when empty) and notes: every part, aliases, fragments.
    "{ customers(perPage: 100, order: ASC) { nodes { id phone { primary additional __typename } \
       address { line1 line2 city state country zip __typename } notes } } }",
    "query { customers(perPage: 100) { nodes { p: phone { a: additional } phone { primary } \
       address { ...Place } ... on Customer { address { zip } } } } } \
     fragment Place on Address { city c: country }",
    "{ customer(idOrEmail: \"1\") { notes phone { primary } address { city } } }",
    // Companies: every field (given and not), none, an id with no company (99), fragments.
    "{ customers(perPage: 100, order: ASC) { nodes { id companyId company { __typename id name \
       email phone website contact customerId dateCreated } } totalCount } }",
    "{ customers(perPage: 100) { nodes { c: company { n: name } ... on Customer { company { id } } \
       company { ...Firm } } } } fragment Firm on Company { website dateCreated }",
    // A company next to fields outside the summary (all columns read, then the companies).
    "{ customers(perPage: 100) { nodes { id notes website company { name } } totalCount } }",
    "{ a: customer(idOrEmail: \"1\") { company { name contact } } \
       b: customer(idOrEmail: \"2\") { id company { name } } c: customer(idOrEmail: \"0\") { company { id } } }",
];

/// Documents a plan does not cover: the executor answers them every time.
const UNPLANNED: &[&str] = &[
    "{ customers { nodes { notes(limit: 1) } } }",
    "{ customers { nodes { id @include(if: true) } } }",
    "{ __schema { queryType { name } } }",
    "query A { customers { totalCount } } query B { customer(idOrEmail: \"1\") { id } }",
];

#[tokio::test]
async fn planned_answers_are_the_executors() {
    let pair = Pair::new();
    let admin = pair.planned.admin.clone();
    for query in PLANNED {
        let answer = pair
            .agree_planned(Some(&admin), json!({"query": query}))
            .await;
        assert!(answer.get("errors").is_none(), "{query}: {answer}");
        assert!(pair.plan_exists(query), "no plan for {query}");
    }
    for query in UNPLANNED {
        let mut body = json!({ "query": query });
        if query.starts_with("query A") {
            body["operationName"] = json!("A");
        }
        let (answer, planned) = pair.exchange(Some(&admin), &body).await;
        assert!(answer.get("errors").is_none(), "{query}: {answer}");
        assert!(!pair.plan_exists(query) && !planned, "a plan for {query}");
    }
}

#[tokio::test]
async fn variables_reach_planned_answers_as_they_reach_the_executor() {
    let pair = Pair::new();
    let admin = pair.planned.admin.clone();
    let query = "query List($page: Int, $perPage: Int = 2, $include: [Int!], $order: SortOrder!, \
                 $by: CustomerOrderBy, $search: String) { customers(page: $page, perPage: $perPage, \
                 include: $include, order: $order, orderBy: $by, search: $search) { nodes { id } totalCount } }";
    for variables in [
        json!({"order": "ASC"}),
        json!({"order": "DESC", "page": 2}),
        json!({"order": "ASC", "include": 3}),
        json!({"order": "ASC", "include": [1, 3], "by": "EMAIL"}),
        json!({"order": "ASC", "page": null, "perPage": null, "search": "example"}),
        json!({"order": "ASC", "unused": 1}),
    ] {
        pair.agree_planned(
            Some(&admin),
            json!({"query": query, "variables": variables}),
        )
        .await;
    }
    for variables in [
        // Refused: the executor's errors, whatever the plan has learned (or, for a null
        // where a value is required, left to the executor).
        json!({"order": null}),
        json!({}),
        json!({"order": "SIDEWAYS"}),
        json!({"order": "ASC", "perPage": 1000}),
        json!({"order": "ASC", "page": "two"}),
        json!({"order": "ASC", "include": [1, null]}),
        json!({"order": "ASC", "page": 0}),
    ] {
        pair.agree(
            Some(&admin),
            json!({"query": query, "variables": variables}),
        )
        .await;
    }
    for id in [
        json!(3),
        json!("3"),
        json!("zoe@example.com"),
        json!(null),
        json!(3.5),
    ] {
        pair.agree(
            Some(&admin),
            json!({"query": "query One($id: ID!) { customer(idOrEmail: $id) { id } }", "variables": {"id": id}}),
        )
        .await;
    }
    assert!(pair.plan_exists(query));
}

#[tokio::test]
async fn requests_a_plan_cannot_answer_get_the_executors_errors() {
    let pair = Pair::new();
    let admin = pair.planned.admin.clone();
    let agent = crate::helpers::basic(
        "agent",
        &pair
            .planned
            .add_user("agent", Role::SupportCustomer)
            .to_string(),
    );
    let query = "query Page { customers(perPage: 2) { nodes { id } totalCount } }";
    pair.agree(Some(&admin), json!({"query": query})).await;
    assert!(pair.plan_exists(query));
    // Callers without access, arguments out of range, another operation's name.
    let anonymous = pair.agree(None, json!({"query": query})).await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    let refused = pair.agree(Some(&agent), json!({"query": query})).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let named = pair
        .agree(
            Some(&admin),
            json!({"query": query, "operationName": "Other"}),
        )
        .await;
    assert!(named.get("errors").is_some());
    let same = pair
        .agree_planned(
            Some(&admin),
            json!({"query": query, "operationName": "Page"}),
        )
        .await;
    assert!(same.get("errors").is_none());
    let out_of_range = "{ customers(perPage: 101) { totalCount } }";
    let answer = pair
        .agree(Some(&admin), json!({"query": out_of_range}))
        .await;
    assert_eq!(answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert!(
        !pair.plan_exists(out_of_range),
        "only answers without error teach plans"
    );
}

#[tokio::test]
async fn pages_by_cursor_are_planned_as_the_executor_answers_them() {
    let pair = Pair::new();
    let admin = pair.planned.admin.clone();
    let info = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }";
    let first = pair
        .agree_planned(
            Some(&admin),
            json!({"query": format!("{{ customers(first: 2, orderBy: NAME, order: ASC) {{ edges {{ cursor node {{ id name }} }} {info} }} }}")}),
        )
        .await;
    let end = first["data"]["customers"]["pageInfo"]["endCursor"].clone();
    assert!(end.is_string(), "{first}");
    // Onward and back by variables, with the summary columns, every column and companies,
    // the total, and pages by number beside them in one document.
    let query = format!(
        "query Walk($after: String, $before: String, $first: Int, $last: Int) {{ \
           forward: customers(first: $first, after: $after, orderBy: NAME, order: ASC) {{ \
             nodes {{ id email company {{ name }} }} totalCount perPage hasNextPage {info} }} \
           back: customers(last: $last, before: $before, orderBy: NAME, order: ASC) {{ \
             edges {{ cursor node {{ id notes phone {{ primary }} address {{ city }} }} }} hasPreviousPage {info} }} \
           numbered: customers(perPage: 2) {{ nodes {{ id }} {info} }} }}"
    );
    let mut by_id = Value::Null;
    for variables in [
        json!({"after": end, "before": end, "first": 3, "last": 1}),
        json!({"after": null, "before": null}),
        json!({"after": end, "before": null, "first": 0, "last": 100}),
    ] {
        let answer = pair
            .agree_planned(
                Some(&admin),
                json!({"query": query, "variables": variables}),
            )
            .await;
        assert!(answer.get("errors").is_none(), "{answer}");
        by_id = answer["data"]["numbered"]["pageInfo"]["endCursor"].clone();
    }
    // Refusals stay the executor's: a cursor of another list (by id), a size out of range,
    // a cursor that is not one; paging both ways at once, `perPage` with `first`, `page`
    // with `after`.
    for variables in [
        json!({"after": by_id, "before": null}),
        json!({"after": "bm90IGEgY3Vyc29y", "before": null}),
        json!({"after": null, "before": null, "first": 101}),
        json!({"after": null, "before": null, "last": -1}),
    ] {
        let answer = pair
            .agree(
                Some(&admin),
                json!({"query": query, "variables": variables}),
            )
            .await;
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{variables}: {answer}"
        );
    }
    for refused in [
        format!("{{ customers(first: 2, after: {end}) {{ nodes {{ id }} }} }}"),
        "{ customers(first: 2, perPage: 2) { nodes { id } } }".to_owned(),
        "{ customers(after: \"x\", page: 2) { nodes { id } } }".to_owned(),
        format!("{{ customers(first: 2, before: {end}) {{ nodes {{ id }} }} }}"),
    ] {
        let answer = pair.agree(Some(&admin), json!({"query": refused})).await;
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{refused}: {answer}"
        );
    }
}

#[tokio::test]
async fn the_executor_keys_its_answer_in_document_order_however_its_reads_finish() {
    let pair = Pair::new();
    let admin = pair.planned.admin.clone();
    // With both connections taken for a moment, each root's read waits on a blocking thread
    // and they finish in whatever order they get one.
    let aliases: Vec<String> = (0..10).map(|n| format!("a{n}")).collect();
    let query = format!(
        "{{ {} }}",
        aliases
            .iter()
            .map(|a| format!("{a}: customers(last: 3, orderBy: NAME) {{ nodes {{ id }} }}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    for _ in 0..5 {
        let held: Vec<_> = (0..2)
            .map(|_| pair.planned.db.pool.get().unwrap())
            .collect();
        let release = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            drop(held);
        });
        let (_, _, body) = Pair::send(&pair.executor, Some(&admin), &json!({"query": query})).await;
        release.join().unwrap();
        let answer: Value = serde_json::from_slice(&body).unwrap();
        let keys: Vec<&String> = answer["data"].as_object().unwrap().keys().collect();
        assert_eq!(keys, aliases.iter().collect::<Vec<_>>());
    }
}
