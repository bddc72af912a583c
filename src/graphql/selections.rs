//! A document's selections read against the schema's object types: each field's declared
//! type (from the printed SDL, read once) and the fields a selection set selects on a type,
//! fragments spread in, in order. The error propagation and the answer's key order walk
//! answers with these.

use std::collections::HashMap;
use std::sync::LazyLock;

use async_graphql::parser::types::{
    BaseType, ExecutableDocument, Field, Selection, SelectionSet, Type, TypeKind,
};

/// Every object field's declared type, by type and field name.
pub(super) struct OutputTypes(HashMap<String, HashMap<String, Type>>);

impl OutputTypes {
    fn from_sdl(sdl: &str) -> OutputTypes {
        let document = async_graphql::parser::parse_schema(sdl).expect("our own SDL parses");
        let mut types = HashMap::new();
        for definition in document.definitions {
            let async_graphql::parser::types::TypeSystemDefinition::Type(definition) = definition
            else {
                continue;
            };
            let TypeKind::Object(object) = definition.node.kind else {
                continue;
            };
            let fields = object
                .fields
                .into_iter()
                .map(|f| (f.node.name.node.to_string(), f.node.ty.node))
                .collect();
            types.insert(definition.node.name.node.to_string(), fields);
        }
        OutputTypes(types)
    }

    pub(super) fn field(&self, parent: &str, name: &str) -> Option<Type> {
        if name == "__typename" {
            return Type::new("String!");
        }
        self.0.get(parent)?.get(name).cloned()
    }
}

/// The schema is the same for the life of the process: its types are read once.
pub(super) static TYPES: LazyLock<OutputTypes> =
    LazyLock::new(|| OutputTypes::from_sdl(&super::sdl::printed()));

/// The fields `set` selects on an object of type `parent`, fragments spread in, in order.
pub(super) fn collect<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    parent: &str,
    fields: &mut Vec<&'a Field>,
) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => fields.push(&field.node),
            Selection::InlineFragment(fragment) => {
                let applies = fragment
                    .node
                    .type_condition
                    .as_ref()
                    .is_none_or(|c| c.node.on.node.as_str() == parent);
                if applies {
                    collect(document, &fragment.node.selection_set.node, parent, fields);
                }
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    if fragment.node.type_condition.node.on.node.as_str() == parent {
                        collect(document, &fragment.node.selection_set.node, parent, fields);
                    }
                }
            }
        }
    }
}

pub(super) fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(item) => named(item),
    }
}
