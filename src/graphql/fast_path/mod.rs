//! The fast path: answers for the queries clients repeat. A document the executor has answered
//! without error is compiled into a plan (`compile.rs`: which root fields, which arguments,
//! which fields under which keys), and later requests with the same text are answered from it
//! (`answer.rs`: arguments coerced by async-graphql's own input types, the same query core),
//! the JSON written straight from the rows (`write.rs`), or, for fields beyond the summary's,
//! pasted from each customer's stored values (`stored.rs`, derived data). async-graphql's executor builds a
//! future and a value per field of every customer, which is what the plan saves.
//!
//! A plan only ever answers what it can answer exactly as the executor would: every field's
//! value and null rule comes from `graphql/fields.rs`, as the resolvers' do; documents with
//! directives, introspection or fields it does not know get no plan; and any request the plan
//! cannot answer cleanly (a refused caller, an argument out of range, a variable of the wrong
//! type, a database error) goes to the executor, which produces the error in full. The
//! schema's extensions act on errors (codes) and introspection only, neither of which a plan
//! answers. The test suite sends every GraphQL request through both and compares the bytes.

mod answer;
mod compile;
mod stored;
mod write;

pub use stored::render as stored_fields;

use async_graphql::Name;
// The document's values may hold variables (`Value`); a request's are constants.
use async_graphql_value::{ConstValue, Value};

use crate::customers::CompanyMap;
use crate::customers::{Customer, CustomerQuery, Page};
use crate::graphql::fields::{AddressField, CompanyField, CustomerField, PhoneField};
use crate::graphql::pages::Keyset;

/// What one request's root field becomes.
#[derive(Debug)]
enum Root {
    Typename,
    Customers {
        arguments: Vec<(Name, Value)>,
        fields: Vec<(Name, PageField)>,
        /// Whether the customers' summary columns are all the fields need.
        summary: bool,
        /// Whether a field shows the total (`totalCount`, `totalPages`), which costs a count
        /// when filtered.
        counts: bool,
        /// Whether a field shows `hasNextPage`, which needs the total on a page by number.
        next: bool,
        /// Whether a field needs the customers' companies (another read).
        with_companies: bool,
    },
    Customer {
        id_or_email: Value,
        fields: Vec<(Name, Selected)>,
        with_company: bool,
    },
}

#[derive(Debug)]
enum PageField {
    Typename,
    Nodes(Vec<(Name, Selected)>),
    TotalCount,
    TotalPages,
    Page,
    PerPage,
    HasNextPage,
    HasPreviousPage,
    /// The connection view of the same page: each customer with its cursor.
    Edges(Vec<(Name, EdgeField)>),
    PageInfo(Vec<(Name, Leaf<InfoField>)>),
}

impl PageField {
    /// The customer selection it shows, if it shows customers (`nodes`, `edges { node }`).
    fn customers(&self) -> Vec<&[(Name, Selected)]> {
        match self {
            PageField::Nodes(fields) => vec![fields.as_slice()],
            PageField::Edges(edge) => edge
                .iter()
                .filter_map(|(_, field)| match field {
                    EdgeField::Node(fields) => Some(fields.as_slice()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Whether it shows the list's total.
    fn counts(&self) -> bool {
        matches!(self, PageField::TotalCount | PageField::TotalPages)
    }

    /// Whether it shows whether a page follows (which a page by number knows from the total).
    fn next(&self) -> bool {
        match self {
            PageField::HasNextPage => true,
            PageField::PageInfo(fields) => fields
                .iter()
                .any(|(_, leaf)| *leaf == Leaf::Field(InfoField::HasNextPage)),
            _ => false,
        }
    }
}

/// A selected field of an edge.
#[derive(Debug)]
enum EdgeField {
    Typename,
    Cursor,
    Node(Vec<(Name, Selected)>),
}

/// A field of `pageInfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InfoField {
    HasNextPage,
    HasPreviousPage,
    StartCursor,
    EndCursor,
}

impl InfoField {
    fn named(name: &str) -> Option<InfoField> {
        Some(match name {
            "hasNextPage" => InfoField::HasNextPage,
            "hasPreviousPage" => InfoField::HasPreviousPage,
            "startCursor" => InfoField::StartCursor,
            "endCursor" => InfoField::EndCursor,
            _ => return None,
        })
    }
}

/// A field of an object type, or its `__typename`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leaf<F> {
    Typename,
    Field(F),
}

/// A selected field of a customer: a scalar, or an object with its own selection.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Selected {
    Typename,
    /// Any scalar field (`notes` without `limit`: all of them).
    Scalar(CustomerField),
    Phone(Vec<(Name, Leaf<PhoneField>)>),
    Address(Vec<(Name, Leaf<AddressField>)>),
    Company(Vec<(Name, Leaf<CompanyField>)>),
}

impl Selected {
    fn field(&self) -> Option<CustomerField> {
        match self {
            Selected::Typename => None,
            Selected::Scalar(field) => Some(*field),
            Selected::Phone(_) => Some(CustomerField::Phone),
            Selected::Address(_) => Some(CustomerField::Address),
            Selected::Company(_) => Some(CustomerField::Company),
        }
    }

    /// Whether the summary columns hold what it shows.
    fn in_summary(&self) -> bool {
        self.field().is_none_or(CustomerField::in_summary)
    }
}

/// Whether any of `fields` is the customer's company.
fn wants_company(fields: &[(Name, Selected)]) -> bool {
    fields
        .iter()
        .any(|(_, field)| matches!(field, Selected::Company(_)))
}

#[derive(Debug)]
struct VariableDefinition {
    name: Name,
    non_null: bool,
    default: Option<ConstValue>,
}

#[derive(Debug)]
pub struct Plan {
    /// The operation's name, if it has one: a request naming another is the executor's.
    operation: Option<Name>,
    variables: Vec<VariableDefinition>,
    roots: Vec<(Name, Root)>,
}

/// A page read for a plan: its rows, the companies they show by id, the list it is of
/// (which its cursors name), and what it knows of its neighbours when read by cursor.
struct PageRead {
    page: Page,
    companies: CompanyMap,
    list: CustomerQuery,
    keyset: Option<Keyset>,
}

/// A root's data: the page or customer, and the companies its fields show, by id.
enum Resolved {
    Typename,
    Page(Box<PageRead>),
    Customer(Option<Box<Customer>>, CompanyMap),
}
