//! Field errors as the GraphQL spec handles them: a field that raised an error is `null`, and
//! when its type is non-null the `null` moves up to the nearest nullable parent, up to `data`
//! itself. async-graphql leaves an erroring field out of its object instead, which hands
//! clients objects that contradict their generated types; this puts the nulls where the spec
//! says, from the errors' paths, the document and the schema's field types.

use async_graphql::parser::types::Field;
use async_graphql::parser::types::{
    BaseType, ExecutableDocument, OperationType, SelectionSet, Type,
};
use async_graphql::{Name, PathSegment, Response, Value};

use crate::graphql::documents;
use crate::graphql::selections::{collect, named, TYPES};

/// Puts the nulls of `response`'s field errors where the spec says, for the operation of
/// `document` that ran.
pub fn propagate(
    response: &mut Response,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
) {
    if response.errors.iter().all(|e| e.path.is_empty()) {
        return;
    }
    let Some(operation) = documents::operation(document, operation_name) else {
        return;
    };
    if operation.ty != OperationType::Query {
        return;
    }
    let mut targets = Vec::new();
    for error in response.errors.iter().filter(|e| !e.path.is_empty()) {
        let Some(steps) = walk(document, &operation.selection_set.node, &error.path) else {
            continue;
        };
        match steps.iter().rposition(|step| step.nullable) {
            // Non-null all the way up: the whole answer is null.
            None => {
                response.data = Value::Null;
                return;
            }
            Some(at) => targets.push((error.path[..=at].to_vec(), steps[at].keys.clone())),
        }
    }
    // async-graphql answers `null` for an object all of whose fields failed; the spec, an
    // object holding their nulls.
    if response.data == Value::Null && !targets.is_empty() {
        response.data = Value::Object(Default::default());
    }
    for (path, keys) in targets {
        set_null(&mut response.data, &path, &keys);
    }
}

/// One position on an error's path: whether its value may be null, and for a field, the
/// response keys of its object in the order the document selects them.
struct Step {
    nullable: bool,
    keys: Vec<Name>,
}

/// The positions along `path`, from the root field down to the erroring one; `None` where
/// the path leaves the types this knows (introspection).
fn walk(
    document: &ExecutableDocument,
    root: &SelectionSet,
    path: &[PathSegment],
) -> Option<Vec<Step>> {
    let mut sets = vec![root];
    let mut parent = "Query".to_owned();
    let mut current: Option<Type> = None;
    let mut steps = Vec::with_capacity(path.len());
    for segment in path {
        match segment {
            PathSegment::Field(key) => {
                let mut fields = Vec::new();
                for set in &sets {
                    collect(document, set, &parent, &mut fields);
                }
                let mut keys: Vec<Name> = Vec::new();
                for field in &fields {
                    let response_key = &field.response_key().node;
                    if !keys.contains(response_key) {
                        keys.push(response_key.clone());
                    }
                }
                let matching: Vec<&Field> = fields
                    .into_iter()
                    .filter(|f| f.response_key().node.as_str() == key)
                    .collect();
                let ty = TYPES.field(&parent, matching.first()?.name.node.as_str())?;
                sets = matching.iter().map(|f| &f.selection_set.node).collect();
                parent = named(&ty).to_owned();
                steps.push(Step {
                    nullable: ty.nullable,
                    keys,
                });
                current = Some(ty);
            }
            PathSegment::Index(_) => {
                let BaseType::List(item) = current?.base else {
                    return None;
                };
                steps.push(Step {
                    nullable: item.nullable,
                    keys: Vec::new(),
                });
                current = Some(*item);
            }
        }
    }
    Some(steps)
}

/// Sets the value at `path` to null; a key the executor left out goes back in its place
/// among `keys`. Nothing when a parent on the way is already null.
fn set_null(data: &mut Value, path: &[PathSegment], keys: &[Name]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut value = data;
    for segment in parents {
        value = match (segment, value) {
            (PathSegment::Field(key), Value::Object(map)) => match map.get_mut(key.as_str()) {
                Some(child) => child,
                None => return,
            },
            (PathSegment::Index(at), Value::List(items)) => match items.get_mut(*at) {
                Some(child) => child,
                None => return,
            },
            _ => return,
        };
    }
    match (last, value) {
        (PathSegment::Field(key), Value::Object(map)) => {
            let name = Name::new(key);
            if map.insert(name, Value::Null).is_none() {
                let place = |k: &Name| keys.iter().position(|key| key == k).unwrap_or(usize::MAX);
                map.sort_by(|a, _, b, _| place(a).cmp(&place(b)));
            }
        }
        (PathSegment::Index(at), Value::List(items)) => {
            if let Some(item) = items.get_mut(*at) {
                *item = Value::Null;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::ServerError;
    use serde_json::json;

    fn answered(
        query: &str,
        data: serde_json::Value,
        paths: &[serde_json::Value],
    ) -> serde_json::Value {
        let document = async_graphql::parser::parse_query(query).unwrap();
        let mut response = Response::new(Value::from_json(data).unwrap());
        for path in paths {
            let mut error = ServerError::new("failed", None);
            error.path = serde_json::from_value(path.clone()).unwrap();
            response.errors.push(error);
        }
        propagate(&mut response, &document, None);
        response.data.into_json().unwrap()
    }

    #[test]
    fn the_schemas_types_are_read() {
        assert!(!TYPES.field("Customer", "notes").unwrap().nullable);
        assert!(TYPES.field("Customer", "company").unwrap().nullable);
        assert!(!TYPES.field("Company", "name").unwrap().nullable);
    }

    #[test]
    fn a_nested_companys_non_null_field_nulls_the_company() {
        let query = "{ customer(idOrEmail: \"1\") { id company { id name } email } }";
        // As async-graphql leaves it: the failed field missing from its object.
        let data = json!({"customer": {"id": 1, "company": {"id": 7}, "email": "a@x"}});
        let path = json!(["customer", "company", "name"]);
        assert_eq!(
            answered(query, data, &[path]),
            json!({"customer": {"id": 1, "company": null, "email": "a@x"}})
        );
    }

    #[test]
    fn a_nullable_field_that_failed_is_null_in_its_place() {
        let query = "query { a: customer(idOrEmail: \"1\") { id } __typename }";
        let data = json!({"__typename": "Query"});
        let answer = answered(query, data, &[json!(["a"])]);
        assert_eq!(answer, json!({"a": null, "__typename": "Query"}));
        // In the document's order, not appended.
        assert_eq!(answer.to_string(), r#"{"a":null,"__typename":"Query"}"#);
    }

    #[test]
    fn non_null_all_the_way_up_nulls_the_data() {
        let query = "{ customers { totalCount nodes { id notes } } }";
        let data = json!({"customers": {"totalCount": 2, "nodes": [{"id": 1}, {"id": 2}]}});
        let path = json!(["customers", "nodes", 1, "notes"]);
        assert_eq!(answered(query, data, &[path]), serde_json::Value::Null);
    }

    #[test]
    fn fragments_and_aliases_are_followed() {
        let query = "query { c: customer(idOrEmail: \"1\") { ...parts } } \
                     fragment parts on Customer { id company { ... on Company { n: name } } }";
        let data = json!({"c": {"id": 1, "company": {}}});
        let path = json!(["c", "company", "n"]);
        assert_eq!(
            answered(query, data, &[path]),
            json!({"c": {"id": 1, "company": null}})
        );
    }
}
