//! Variables checked before execution, as the spec's CoerceVariableValues does: a required
//! variable that is missing or null is an error of the request, not of the fields that use
//! it (async-graphql raises it only when a field reads the variable, with the field's path,
//! as if the request had run).

use async_graphql::parser::types::{ExecutableDocument, VariableDefinition};
use async_graphql::{ServerError, Value, Variables};

use crate::graphql::documents;

/// The errors of variables the operation requires and the request does not give.
pub fn missing(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> Vec<ServerError> {
    // No such operation (or several and no name): the executor says so.
    let Some(operation) = documents::operation(document, operation_name) else {
        return Vec::new();
    };
    operation
        .variable_definitions
        .iter()
        .filter(|definition| is_missing(&definition.node, variables))
        .map(|definition| {
            let given = variables.get(&definition.node.name.node).is_some();
            let name = &definition.node.name.node;
            let ty = &definition.node.var_type.node;
            let message = if given {
                format!("Variable \"${name}\" of non-null type \"{ty}\" must not be null.")
            } else {
                format!("Variable \"${name}\" of required type \"{ty}\" was not provided.")
            };
            let mut error = ServerError::new(message, Some(definition.pos));
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", "BAD_USER_INPUT");
            error
        })
        .collect()
}

/// A non-null variable given as null, or not given and without a default.
fn is_missing(definition: &VariableDefinition, variables: &Variables) -> bool {
    if definition.var_type.node.nullable {
        return false;
    }
    match variables.get(&definition.name.node) {
        None => definition.default_value.is_none(),
        Some(value) => *value == Value::Null,
    }
}
