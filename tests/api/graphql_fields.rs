//! Every field of the schema is answered by the fast path, or listed as the executor's: a field
//! added to the schema and not to `graphql/fields.rs` fails here, where it would otherwise be
//! answered by the executor alone without anyone noticing.

use std::collections::BTreeMap;

use kbs_graphql::graphql::fields::EXECUTOR_ONLY;
use serde_json::Value;

use crate::helpers::TestApp;

/// Each object type's fields, by introspection: name → (its named type and kind, its
/// argument names).
type Introspected = Vec<(String, (String, String), Vec<String>)>;

async fn fields_of(app: &TestApp, type_name: &str) -> Introspected {
    let answer = app
        .graphql(&format!(
            r#"{{ __type(name: "{type_name}") {{ fields {{ name args {{ name }}
                type {{ kind name ofType {{ kind name ofType {{ kind name ofType {{ kind name }} }} }} }} }} }} }}"#
        ))
        .await;
    answer["data"]["__type"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("{type_name}: {answer}"))
        .iter()
        .map(|field| {
            let mut ty = &field["type"];
            while ty["name"].is_null() {
                ty = &ty["ofType"];
            }
            let named = (
                ty["name"].as_str().unwrap().to_owned(),
                ty["kind"].as_str().unwrap().to_owned(),
            );
            let args = field["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|arg| arg["name"].as_str().unwrap().to_owned())
                .collect();
            (field["name"].as_str().unwrap().to_owned(), named, args)
        })
        .collect()
}

/// A selection of every field of `type_name` (objects with every field of theirs), and the
/// fields with arguments, which must be the executor's.
async fn select_all(
    app: &TestApp,
    type_name: &str,
    known: &mut BTreeMap<String, Introspected>,
    with_args: &mut Vec<String>,
) -> String {
    if !known.contains_key(type_name) {
        let fields = fields_of(app, type_name).await;
        known.insert(type_name.to_owned(), fields);
    }
    let mut selection = vec!["__typename".to_owned()];
    for (name, (named, kind), args) in known[type_name].clone() {
        if !args.is_empty() {
            with_args.push(format!("{type_name}.{name}({}:)", args.join(":, ")));
        }
        let listed = EXECUTOR_ONLY.contains(&(type_name, name.as_str()));
        if listed {
            with_args.push(format!("{type_name}.{name}"));
        } else if kind != "OBJECT" {
            selection.push(name);
        } else if args.is_empty() {
            let inner = Box::pin(select_all(app, &named, known, with_args)).await;
            selection.push(format!("{name} {{ {inner} }}"));
        }
        // (An object reached through arguments, a company's customers, is the executor's,
        // listed above; selecting it would lead the walk back to where it started.)
    }
    selection.join(" ")
}

#[tokio::test]
async fn every_field_is_answered_by_the_fast_path_or_listed_as_the_executors() {
    let app = TestApp::demo();
    let mut known = BTreeMap::new();
    let mut with_args = Vec::new();
    let page = select_all(&app, "CustomerPage", &mut known, &mut with_args).await;
    let one = select_all(&app, "Customer", &mut known, &mut with_args).await;
    let queries = [
        format!("{{ __typename customers(perPage: 100, orderBy: ID, order: ASC) {{ {page} }} }}"),
        format!(r#"{{ customer(idOrEmail: "1") {{ {one} }} }}"#),
    ];
    for query in &queries {
        let answer = app.graphql(query).await;
        assert!(answer.get("errors").is_none(), "{answer}");
        // The helper sent it twice and compared the fast path's bytes with the executor's;
        // here it must have had a plan to compare.
        assert!(app.documents.has_plan(query), "no plan for {query}");
    }
    // Each type the selections reached, and every field with an argument, listed.
    let reached: Vec<&str> = known.keys().map(String::as_str).collect();
    assert_eq!(
        reached,
        [
            "Address",
            "Company",
            "Customer",
            "CustomerEdge",
            "CustomerPage",
            "PageInfo",
            "Phone"
        ]
    );
    // The root fields the fast path does not plan; `customers` it plans with every argument,
    // by cursor too.
    for (name, _, _) in fields_of(&app, "Query").await {
        if !["customers", "customer"].contains(&name.as_str()) {
            with_args.push(format!("Query.{name}"));
        }
    }
    let by_cursor = "{ customers(first: 2) { nodes { id } pageInfo { endCursor } } }";
    assert!(app.graphql(by_cursor).await.get("errors").is_none());
    assert!(app.documents.has_plan(by_cursor));
    with_args.sort();
    with_args.dedup();
    let listed: Vec<String> = EXECUTOR_ONLY
        .iter()
        .map(|(ty, field)| format!("{ty}.{field}"))
        .collect();
    assert_eq!(with_args, listed);
    // And those the executor answers indeed: no plan for a selection using the argument.
    let limited = r#"{ customer(idOrEmail: "1") { notes(limit: 1) } }"#;
    let answer = app.graphql(limited).await;
    assert!(answer.get("errors").is_none(), "{answer}");
    assert!(!app.documents.has_plan(limited));
}

/// A selection of every field over the demo data, where each field has values somewhere: so
/// the helper's comparison of the two paths compares real values, not nulls.
#[tokio::test]
async fn the_full_selection_shows_values_for_every_field() {
    let app = TestApp::demo();
    let answer: Value = app
        .graphql(
            r#"{ customers(perPage: 100) { nodes { id name userId email additionalEmails
                 phone { primary additional } website address { line1 line2 city state country zip }
                 companyId company { id name email phone website contact customerId dateCreated }
                 dateCreated notes ticketCount } } }"#,
        )
        .await;
    let nodes = answer["data"]["customers"]["nodes"].as_array().unwrap();
    for field in [
        "name", "userId", "phone", "website", "address", "company", "notes",
    ] {
        assert!(
            nodes.iter().any(|node| !node[field].is_null()),
            "no customer shows {field}: {answer}"
        );
    }
}
