//! An answer's keys in the order the document selects them, as the spec orders them.
//! async-graphql (7.2) resolves an object's fields concurrently and keys its answer in the
//! order they finish: a root field whose read finished first moved ahead of the others. This
//! puts an executor's answer back in the document's order.

use async_graphql::parser::types::{ExecutableDocument, OperationType, SelectionSet};
use async_graphql::{Response, Value};

use crate::graphql::documents;
use crate::graphql::selections::{collect, named, TYPES};

/// Orders `response`'s data as the operation of `document` that ran selects it.
pub fn in_document_order(
    response: &mut Response,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
) {
    let Some(operation) = documents::operation(document, operation_name) else {
        return;
    };
    if operation.ty != OperationType::Query {
        return;
    }
    order(
        &mut response.data,
        &[&operation.selection_set.node],
        "Query",
        document,
    );
}

/// Orders `value`, an object of type `parent` (or a list of them) that `sets` select.
fn order(value: &mut Value, sets: &[&SelectionSet], parent: &str, document: &ExecutableDocument) {
    match value {
        Value::List(items) => {
            for item in items {
                order(item, sets, parent, document);
            }
        }
        Value::Object(map) => {
            let mut fields = Vec::new();
            for set in sets {
                collect(document, set, parent, &mut fields);
            }
            let mut unordered = std::mem::take(map);
            for field in &fields {
                let key = &field.response_key().node;
                // A key selected twice is placed once; one skipped is not in the answer.
                let Some(mut inner) = unordered.shift_remove(key) else {
                    continue;
                };
                // Introspection's types are not the schema's objects: left as answered.
                if let Some(ty) = TYPES.field(parent, field.name.node.as_str()) {
                    let merged: Vec<&SelectionSet> = fields
                        .iter()
                        .filter(|other| &other.response_key().node == key)
                        .map(|other| &other.selection_set.node)
                        .collect();
                    order(&mut inner, &merged, named(&ty), document);
                }
                map.insert(key.clone(), inner);
            }
            map.extend(unordered);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{Name, Response, Value};

    fn object(entries: &[(&str, Value)]) -> Value {
        Value::Object(
            entries
                .iter()
                .map(|(key, value)| (Name::new(key), value.clone()))
                .collect(),
        )
    }

    fn keys(value: &Value) -> Vec<String> {
        match value {
            Value::Object(map) => map.keys().map(|k| k.to_string()).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn roots_and_nested_objects_follow_the_document() {
        let document = async_graphql::parser::parse_query(
            "{ b: customers { nodes { email id ...F } } a: customer(idOrEmail: \"1\") { id } } \
             fragment F on Customer { name }",
        )
        .unwrap();
        // As the executor may answer it: the lookup finished first, the nodes' keys shuffled.
        let node = object(&[
            ("name", Value::Null),
            ("id", Value::from(1)),
            ("email", Value::from("a@example.com")),
        ]);
        let mut response = Response::new(object(&[
            ("a", object(&[("id", Value::from(1))])),
            (
                "b",
                object(&[("nodes", Value::List(vec![node.clone(), node]))]),
            ),
        ]));
        super::in_document_order(&mut response, &document, None);
        assert_eq!(keys(&response.data), ["b", "a"]);
        let Value::Object(data) = &response.data else {
            unreachable!()
        };
        let Value::Object(page) = &data["b"] else {
            unreachable!()
        };
        let Value::List(nodes) = &page["nodes"] else {
            unreachable!()
        };
        for node in nodes {
            assert_eq!(keys(node), ["email", "id", "name"]);
        }
    }
}
