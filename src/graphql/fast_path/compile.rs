//! Compiling a document into a plan: its one query operation, its variables, and every
//! selected field named through `graphql/fields.rs`; anything else (directives, introspection,
//! a field with arguments) means no plan.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationType, Selection, SelectionSet,
};
use async_graphql::Name;

use crate::graphql::fast_path::{
    wants_company, EdgeField, InfoField, Leaf, PageField, Plan, Root, Selected, VariableDefinition,
};
use crate::graphql::fields::{AddressField, CompanyField, CustomerField, PhoneField};

/// A response key and the fields selected under it (several when a key repeats, merged as
/// GraphQL merges them).
type Grouped<'a> = Vec<(Name, Vec<&'a Field>)>;

/// The fields of `set` by response key, in order, fragments spread. `None` for anything a
/// plan does not cover (directives).
fn collect<'a>(
    set: &'a SelectionSet,
    document: &'a ExecutableDocument,
    out: &mut Grouped<'a>,
    depth: usize,
) -> Option<()> {
    // Validation already refused cycles; this bounds the walk regardless.
    if depth > 16 {
        return None;
    }
    for item in &set.items {
        if !item.node.directives().is_empty() {
            return None;
        }
        match &item.node {
            Selection::Field(field) => {
                let key = field.node.response_key().node.clone();
                match out.iter_mut().find(|(seen, _)| *seen == key) {
                    Some((_, fields)) => fields.push(&field.node),
                    None => out.push((key, vec![&field.node])),
                }
            }
            // Every type here is an object type, so a valid fragment's condition is always
            // the enclosing type: its fields simply join.
            Selection::FragmentSpread(spread) => {
                let fragment = document.fragments.get(&spread.node.fragment_name.node)?;
                if !fragment.node.directives.is_empty() {
                    return None;
                }
                collect(&fragment.node.selection_set.node, document, out, depth + 1)?;
            }
            Selection::InlineFragment(inline) => {
                collect(&inline.node.selection_set.node, document, out, depth + 1)?;
            }
        }
    }
    Some(())
}

/// The merged sub-selection of a group of same-key fields.
fn sub_fields<'a>(fields: &[&'a Field], document: &'a ExecutableDocument) -> Option<Grouped<'a>> {
    let mut out = Vec::new();
    for field in fields {
        if !field.directives.is_empty() {
            return None;
        }
        collect(&field.selection_set.node, document, &mut out, 0)?;
    }
    Some(out)
}

fn customer_fields(
    fields: &[&Field],
    document: &ExecutableDocument,
) -> Option<Vec<(Name, Selected)>> {
    sub_fields(fields, document)?
        .into_iter()
        .map(|(key, group)| {
            // `notes(limit:)`, the one field with an argument, is the executor's.
            if !group[0].arguments.is_empty() {
                return None;
            }
            let field = match group[0].name.node.as_str() {
                "__typename" => Selected::Typename,
                "phone" => Selected::Phone(leaf_fields(&group, document, PhoneField::named)?),
                "address" => Selected::Address(leaf_fields(&group, document, AddressField::named)?),
                "company" => Selected::Company(leaf_fields(&group, document, CompanyField::named)?),
                other => Selected::Scalar(CustomerField::named(other)?),
            };
            Some((key, field))
        })
        .collect()
}

/// The fields of an object of scalars (no arguments), named through `named`.
fn leaf_fields<T>(
    fields: &[&Field],
    document: &ExecutableDocument,
    named: impl Fn(&str) -> Option<T>,
) -> Option<Vec<(Name, Leaf<T>)>> {
    sub_fields(fields, document)?
        .into_iter()
        .map(|(key, group)| {
            if !group[0].arguments.is_empty() {
                return None;
            }
            let leaf = match group[0].name.node.as_str() {
                "__typename" => Leaf::Typename,
                name => Leaf::Field(named(name)?),
            };
            Some((key, leaf))
        })
        .collect()
}

fn page_fields(fields: &[&Field], document: &ExecutableDocument) -> Option<Vec<(Name, PageField)>> {
    sub_fields(fields, document)?
        .into_iter()
        .map(|(key, group)| {
            let field = match group[0].name.node.as_str() {
                "__typename" => PageField::Typename,
                "nodes" => PageField::Nodes(customer_fields(&group, document)?),
                "totalCount" => PageField::TotalCount,
                "totalPages" => PageField::TotalPages,
                "page" => PageField::Page,
                "perPage" => PageField::PerPage,
                "hasNextPage" => PageField::HasNextPage,
                "hasPreviousPage" => PageField::HasPreviousPage,
                "edges" => PageField::Edges(edge_fields(&group, document)?),
                "pageInfo" => PageField::PageInfo(leaf_fields(&group, document, InfoField::named)?),
                _ => return None,
            };
            Some((key, field))
        })
        .collect()
}

fn edge_fields(fields: &[&Field], document: &ExecutableDocument) -> Option<Vec<(Name, EdgeField)>> {
    sub_fields(fields, document)?
        .into_iter()
        .map(|(key, group)| {
            if !group[0].arguments.is_empty() {
                return None;
            }
            let field = match group[0].name.node.as_str() {
                "__typename" => EdgeField::Typename,
                "cursor" => EdgeField::Cursor,
                "node" => EdgeField::Node(customer_fields(&group, document)?),
                _ => return None,
            };
            Some((key, field))
        })
        .collect()
}

impl Plan {
    /// The plan of `document`'s operation, or `None` if it has anything a plan does not
    /// cover. Only for documents the executor has answered without error (valid ones).
    pub fn compile(document: &ExecutableDocument) -> Option<Plan> {
        // One operation only (a named one is a map of one).
        let (name, operation) = match &document.operations {
            DocumentOperations::Single(operation) => (None, operation),
            DocumentOperations::Multiple(operations) if operations.len() == 1 => {
                let (name, operation) = operations.iter().next()?;
                (Some(name.clone()), operation)
            }
            DocumentOperations::Multiple(_) => return None,
        };
        let operation = &operation.node;
        if operation.ty != OperationType::Query || !operation.directives.is_empty() {
            return None;
        }
        let variables = operation
            .variable_definitions
            .iter()
            .map(|definition| {
                let definition = &definition.node;
                definition
                    .directives
                    .is_empty()
                    .then(|| VariableDefinition {
                        name: definition.name.node.clone(),
                        non_null: !definition.var_type.node.nullable,
                        default: definition.default_value().cloned(),
                    })
            })
            .collect::<Option<Vec<_>>>()?;
        let mut top = Vec::new();
        collect(&operation.selection_set.node, document, &mut top, 0)?;
        let roots = top
            .into_iter()
            .map(|(key, group)| {
                let field = group[0];
                let root = match field.name.node.as_str() {
                    "__typename" => Root::Typename,
                    "customers" => {
                        let fields = page_fields(&group, document)?;
                        Root::Customers {
                            arguments: field
                                .arguments
                                .iter()
                                .map(|(name, value)| (name.node.clone(), value.node.clone()))
                                .collect(),
                            counts: fields.iter().any(|(_, field)| field.counts()),
                            next: fields.iter().any(|(_, field)| field.next()),
                            summary: fields.iter().all(|(_, field)| {
                                field.customers().iter().all(|customer| {
                                    customer.iter().all(|(_, field)| field.in_summary())
                                })
                            }),
                            with_companies: fields.iter().any(|(_, field)| {
                                field
                                    .customers()
                                    .iter()
                                    .any(|customer| wants_company(customer))
                            }),
                            fields,
                        }
                    }
                    "customer" => {
                        let fields = customer_fields(&group, document)?;
                        Root::Customer {
                            id_or_email: field.get_argument("idOrEmail")?.node.clone(),
                            with_company: wants_company(&fields),
                            fields,
                        }
                    }
                    // Introspection stays with the executor (and its gate).
                    _ => return None,
                };
                Some((key, root))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Plan {
            operation: name,
            variables,
            roots,
        })
    }
}
