//! Planned answers for the queries clients repeat: a document the executor has answered
//! without error is turned into a plan (which root fields, which arguments, which customer
//! fields under which keys), and later requests with the same text are answered from the plan:
//! arguments coerced by async-graphql's own input types, the same query core, and the JSON
//! written straight from the rows. async-graphql's executor builds a future and a value per
//! field of every customer; for a 10-customer page that was over a third of the server's time.
//!
//! A plan only ever answers what it can answer exactly as the executor would: documents with
//! directives, introspection or fields it does not know get no plan, and any request the plan
//! cannot answer cleanly (a refused caller, an argument out of range, a variable of the wrong
//! type, a database error) goes to the executor, which produces the error in full. Tests
//! compare both paths over many queries.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationType, Selection, SelectionSet,
};
use async_graphql::{InputType, Name, ScalarType, Variables, ID};
// The document's values may hold variables (`Value`); a request's are constants.
use async_graphql_value::{ConstValue, Value};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;

use crate::auth::Identity;
use crate::customers::{Company, Customer, Fields, IdOrEmail, Page, Reads};
use crate::db::Database;
use crate::graphql::query::CustomersArgs;
use crate::graphql::scalars::DateTime;
use crate::graphql::types::NEEDS_TOTAL;

/// What one request's root field becomes.
#[derive(Debug)]
enum Root {
    Typename,
    Customers {
        arguments: Vec<(Name, Value)>,
        fields: Vec<(Name, PageField)>,
        /// Whether the customers' summary columns are all the fields need.
        summary: bool,
        /// Whether a field needs the total (which costs a count when filtered).
        with_total: bool,
        /// Whether a field needs the customers' companies (another read).
        with_companies: bool,
    },
    Customer {
        id_or_email: Value,
        fields: Vec<(Name, CustomerField)>,
        with_company: bool,
    },
}

#[derive(Debug)]
enum PageField {
    Typename,
    Nodes(Vec<(Name, CustomerField)>),
    TotalCount,
    TotalPages,
    Page,
    PerPage,
    HasNextPage,
    HasPreviousPage,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum CustomerField {
    Typename,
    Id,
    Name,
    UserId,
    Email,
    AdditionalEmails,
    Phone(Vec<(Name, PhoneField)>),
    Website,
    Address(Vec<(Name, AddressField)>),
    CompanyId,
    Company(Vec<(Name, CompanyField)>),
    DateCreated,
    /// Without `limit` (all of them).
    Notes,
    TicketCount,
}

/// Whether any of `fields` is the customer's company.
fn wants_company(fields: &[(Name, CustomerField)]) -> bool {
    fields
        .iter()
        .any(|(_, field)| matches!(field, CustomerField::Company(_)))
}

impl CustomerField {
    /// Whether the field is read from the summary columns ([`Fields::Summary`]).
    fn in_summary(&self) -> bool {
        !matches!(
            self,
            CustomerField::AdditionalEmails
                | CustomerField::Phone(_)
                | CustomerField::Website
                | CustomerField::Address(_)
                | CustomerField::Notes
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PhoneField {
    Typename,
    Primary,
    Additional,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CompanyField {
    Typename,
    Id,
    Name,
    Email,
    Phone,
    Website,
    Contact,
    CustomerId,
    DateCreated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AddressField {
    Typename,
    Line1,
    Line2,
    City,
    State,
    Country,
    Zip,
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
) -> Option<Vec<(Name, CustomerField)>> {
    sub_fields(fields, document)?
        .into_iter()
        .map(|(key, group)| {
            if !group[0].arguments.is_empty() {
                return None;
            }
            let field = match group[0].name.node.as_str() {
                "__typename" => CustomerField::Typename,
                "id" => CustomerField::Id,
                "name" => CustomerField::Name,
                "userId" => CustomerField::UserId,
                "email" => CustomerField::Email,
                "additionalEmails" => CustomerField::AdditionalEmails,
                "phone" => CustomerField::Phone(leaf_fields(&group, document, |name| {
                    Some(match name {
                        "__typename" => PhoneField::Typename,
                        "primary" => PhoneField::Primary,
                        "additional" => PhoneField::Additional,
                        _ => return None,
                    })
                })?),
                "website" => CustomerField::Website,
                "address" => CustomerField::Address(leaf_fields(&group, document, |name| {
                    Some(match name {
                        "__typename" => AddressField::Typename,
                        "line1" => AddressField::Line1,
                        "line2" => AddressField::Line2,
                        "city" => AddressField::City,
                        "state" => AddressField::State,
                        "country" => AddressField::Country,
                        "zip" => AddressField::Zip,
                        _ => return None,
                    })
                })?),
                "companyId" => CustomerField::CompanyId,
                "company" => CustomerField::Company(leaf_fields(&group, document, |name| {
                    Some(match name {
                        "__typename" => CompanyField::Typename,
                        "id" => CompanyField::Id,
                        "name" => CompanyField::Name,
                        "email" => CompanyField::Email,
                        "phone" => CompanyField::Phone,
                        "website" => CompanyField::Website,
                        "contact" => CompanyField::Contact,
                        "customerId" => CompanyField::CustomerId,
                        "dateCreated" => CompanyField::DateCreated,
                        _ => return None,
                    })
                })?),
                "dateCreated" => CustomerField::DateCreated,
                "notes" => CustomerField::Notes,
                "ticketCount" => CustomerField::TicketCount,
                // `notes(limit:)` is the executor's.
                _ => return None,
            };
            Some((key, field))
        })
        .collect()
}

/// The fields of an object of scalars (no arguments), named through `field`.
fn leaf_fields<T>(
    fields: &[&Field],
    document: &ExecutableDocument,
    field: impl Fn(&str) -> Option<T>,
) -> Option<Vec<(Name, T)>> {
    sub_fields(fields, document)?
        .into_iter()
        .map(|(key, group)| {
            if !group[0].arguments.is_empty() {
                return None;
            }
            Some((key, field(group[0].name.node.as_str())?))
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
                            with_total: sub_fields(&group, document)?
                                .iter()
                                .any(|(_, group)| NEEDS_TOTAL.contains(&group[0].name.node.as_str())),
                            summary: fields.iter().all(|(_, field)| match field {
                                PageField::Nodes(fields) => {
                                    fields.iter().all(|(_, field)| field.in_summary())
                                }
                                _ => true,
                            }),
                            with_companies: fields.iter().any(|(_, field)| {
                                matches!(field, PageField::Nodes(fields) if wants_company(fields))
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

    /// The response body for `request`, or `None` when the executor must answer it (and for
    /// a read that failed, whose error the executor reports).
    pub async fn answer(
        &self,
        request: &async_graphql::Request,
        identity: &Identity,
        db: &Database,
        reads: &Arc<Reads>,
    ) -> Option<Vec<u8>> {
        if let Some(asked) = &request.operation_name {
            if self.operation.as_deref() != Some(asked.as_str()) {
                return None;
            }
        }
        let variables = self.variables(&request.variables)?;
        let mut results = Vec::with_capacity(self.roots.len());
        for (_, root) in &self.roots {
            results.push(match root {
                Root::Typename => Resolved::Typename,
                Root::Customers {
                    arguments,
                    summary,
                    with_total,
                    with_companies,
                    ..
                } => {
                    identity.require_customer_access().ok()?;
                    let query = customers_args(arguments, &variables)?.into_query().ok()?;
                    let (with_total, with_companies) = (*with_total, *with_companies);
                    let fields = if *summary {
                        Fields::Summary
                    } else {
                        Fields::All
                    };
                    let reads = reads.clone();
                    let read = db.read(move |conn| {
                        Ok(if with_companies {
                            query.list_with_companies(conn, &reads, with_total, fields)?
                        } else {
                            let page = query.list_fields(conn, &reads, with_total, fields)?;
                            (page, HashMap::new())
                        })
                    });
                    let (page, companies) = read.await.ok()?;
                    Resolved::Page(page, companies)
                }
                Root::Customer {
                    id_or_email,
                    with_company,
                    ..
                } => {
                    identity.require_customer_access().ok()?;
                    let key: ID = parse(id_or_email, &variables)?;
                    let key = IdOrEmail::parse(&key);
                    let with_company = *with_company;
                    let found = db.read(move |conn| {
                        Ok(if with_company {
                            key.find_with_company(conn)?
                        } else {
                            key.find(conn)?.map(|customer| (customer, HashMap::new()))
                        })
                    });
                    match found.await.ok()? {
                        Some((customer, companies)) => {
                            Resolved::Customer(Some(Box::new(customer)), companies)
                        }
                        None => Resolved::Customer(None, HashMap::new()),
                    }
                }
            });
        }
        let mut body = Vec::with_capacity(2048);
        Body {
            plan: self,
            results: &results,
        }
        .serialize(&mut serde_json::Serializer::new(&mut body))
        .ok()?;
        Some(body)
    }

    /// The request's variables as the executor would see them: given, else the definition's
    /// default (null for a nullable one). `None` where the executor would refuse them.
    fn variables(&self, given: &Variables) -> Option<HashMap<Name, ConstValue>> {
        self.variables
            .iter()
            .map(|definition| {
                let value = given
                    .get(&definition.name)
                    .or(definition.default.as_ref())
                    .cloned()?;
                if definition.non_null && value == ConstValue::Null {
                    return None;
                }
                Some((definition.name.clone(), value))
            })
            .collect()
    }
}

/// One argument, variables substituted, through the argument type's own coercion.
fn parse<T: InputType>(value: &Value, variables: &HashMap<Name, ConstValue>) -> Option<T> {
    let value = value
        .clone()
        .into_const_with(|name| variables.get(&name).cloned().ok_or(()))
        .ok()?;
    T::parse(Some(value)).ok()
}

fn customers_args(
    arguments: &[(Name, Value)],
    variables: &HashMap<Name, ConstValue>,
) -> Option<CustomersArgs> {
    let mut args = CustomersArgs::default();
    for (name, value) in arguments {
        match name.as_str() {
            "page" => args.page = parse(value, variables)?,
            "perPage" => args.per_page = parse(value, variables)?,
            "offset" => args.offset = parse(value, variables)?,
            "include" => args.include = parse(value, variables)?,
            "exclude" => args.exclude = parse(value, variables)?,
            "userId" => args.user_id = parse(value, variables)?,
            "email" => args.email = parse(value, variables)?,
            "name" => args.name = parse(value, variables)?,
            "search" => args.search = parse(value, variables)?,
            "company" => args.company = parse(value, variables)?,
            "order" => args.order = parse(value, variables)?,
            "orderBy" => args.order_by = parse(value, variables)?,
            _ => return None,
        }
    }
    Some(args)
}

/// A root's data: the page or customer, and the companies its fields show, by id.
enum Resolved {
    Typename,
    Page(Page, HashMap<i32, Company>),
    Customer(Option<Box<Customer>>, HashMap<i32, Company>),
}

/// `{"data": {...}}`, as async-graphql writes a response without errors.
struct Body<'a> {
    plan: &'a Plan,
    results: &'a [Resolved],
}

impl Serialize for Body<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry("data", &Data(self))?;
        map.end()
    }
}

struct Data<'a, 'b>(&'b Body<'a>);

impl Serialize for Data<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Body { plan, results } = self.0;
        let mut map = serializer.serialize_map(Some(plan.roots.len()))?;
        for ((key, root), result) in plan.roots.iter().zip(results.iter()) {
            match (root, result) {
                (_, Resolved::Typename) => map.serialize_entry(key.as_str(), "Query")?,
                (Root::Customers { fields, .. }, Resolved::Page(page, companies)) => map
                    .serialize_entry(
                        key.as_str(),
                        &PageOut {
                            fields,
                            page,
                            companies,
                        },
                    )?,
                (Root::Customer { fields, .. }, Resolved::Customer(customer, companies)) => map
                    .serialize_entry(
                        key.as_str(),
                        &customer.as_ref().map(|customer| CustomerOut {
                            fields,
                            customer,
                            companies,
                        }),
                    )?,
                _ => unreachable!("results follow the plan's roots"),
            }
        }
        map.end()
    }
}

/// A selection's object: one entry per selected field, in order, under its response key.
fn selection_map<S: Serializer, F>(
    serializer: S,
    fields: &[(Name, F)],
    mut entry: impl FnMut(&mut S::SerializeMap, &str, &F) -> Result<(), S::Error>,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(fields.len()))?;
    for (key, field) in fields {
        entry(&mut map, key.as_str(), field)?;
    }
    map.end()
}

struct PageOut<'a> {
    fields: &'a [(Name, PageField)],
    page: &'a Page,
    companies: &'a HashMap<i32, Company>,
}

impl Serialize for PageOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let page = self.page;
        selection_map(serializer, self.fields, |map, key, field| match field {
            PageField::Typename => map.serialize_entry(key, "CustomerPage"),
            PageField::Nodes(fields) => map.serialize_entry(
                key,
                &NodesOut {
                    fields,
                    page,
                    companies: self.companies,
                },
            ),
            PageField::TotalCount => map.serialize_entry(key, &page.total),
            PageField::TotalPages => map.serialize_entry(key, &page.total_pages()),
            PageField::Page => map.serialize_entry(key, &page.window.page),
            PageField::PerPage => map.serialize_entry(key, &page.window.per_page),
            PageField::HasNextPage => map.serialize_entry(key, &page.has_next_page()),
            PageField::HasPreviousPage => map.serialize_entry(key, &page.has_previous_page()),
        })
    }
}

struct NodesOut<'a> {
    fields: &'a [(Name, CustomerField)],
    page: &'a Page,
    companies: &'a HashMap<i32, Company>,
}

impl Serialize for NodesOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut list = serializer.serialize_seq(Some(self.page.customers.len()))?;
        for customer in &self.page.customers {
            list.serialize_element(&CustomerOut {
                fields: self.fields,
                customer,
                companies: self.companies,
            })?;
        }
        list.end()
    }
}

struct CustomerOut<'a> {
    fields: &'a [(Name, CustomerField)],
    customer: &'a Customer,
    companies: &'a HashMap<i32, Company>,
}

impl Serialize for CustomerOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use crate::graphql::types::{non_empty, non_zero};
        let customer = self.customer;
        selection_map(serializer, self.fields, |map, key, field| match field {
            CustomerField::Typename => map.serialize_entry(key, "Customer"),
            CustomerField::Id => map.serialize_entry(key, &customer.id),
            CustomerField::Name => map.serialize_entry(key, &non_empty(&customer.name)),
            CustomerField::UserId => map.serialize_entry(key, &non_zero(customer.user_id)),
            CustomerField::Email => map.serialize_entry(key, &customer.email),
            CustomerField::AdditionalEmails => {
                map.serialize_entry(key, &customer.additional_emails)
            }
            CustomerField::Website => map.serialize_entry(key, &non_empty(&customer.website)),
            CustomerField::CompanyId => map.serialize_entry(key, &non_zero(customer.company_id)),
            CustomerField::DateCreated => map.serialize_entry(
                key,
                &crate::dates::known(customer.date_created)
                    .map(|seconds| ScalarType::to_value(&DateTime(seconds))),
            ),
            CustomerField::Phone(fields) => map.serialize_entry(
                key,
                &(!customer.phone_primary.is_empty()).then_some(PhoneOut { fields, customer }),
            ),
            CustomerField::Address(fields) => map.serialize_entry(
                key,
                &(!customer.address.is_empty()).then_some(AddressOut { fields, customer }),
            ),
            CustomerField::Company(fields) => map.serialize_entry(
                key,
                &self
                    .companies
                    .get(&customer.company_id)
                    .map(|company| CompanyOut { fields, company }),
            ),
            CustomerField::Notes => map.serialize_entry(key, &customer.notes),
            CustomerField::TicketCount => map.serialize_entry(key, &customer.ticket_count),
        })
    }
}

struct PhoneOut<'a> {
    fields: &'a [(Name, PhoneField)],
    customer: &'a Customer,
}

impl Serialize for PhoneOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use crate::graphql::types::non_empty;
        let customer = self.customer;
        selection_map(serializer, self.fields, |map, key, field| match field {
            PhoneField::Typename => map.serialize_entry(key, "Phone"),
            PhoneField::Primary => map.serialize_entry(key, &customer.phone_primary),
            PhoneField::Additional => {
                map.serialize_entry(key, &non_empty(&customer.phone_additional))
            }
        })
    }
}

struct CompanyOut<'a> {
    fields: &'a [(Name, CompanyField)],
    company: &'a Company,
}

impl Serialize for CompanyOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use crate::graphql::types::{non_empty, non_zero};
        let company = self.company;
        selection_map(serializer, self.fields, |map, key, field| match field {
            CompanyField::Typename => map.serialize_entry(key, "Company"),
            CompanyField::Id => map.serialize_entry(key, &company.id),
            CompanyField::Name => map.serialize_entry(key, &company.name),
            CompanyField::Email => map.serialize_entry(key, &non_empty(&company.email)),
            CompanyField::Phone => map.serialize_entry(key, &non_empty(&company.phone)),
            CompanyField::Website => map.serialize_entry(key, &non_empty(&company.website)),
            CompanyField::Contact => map.serialize_entry(key, &non_empty(&company.contact)),
            CompanyField::CustomerId => map.serialize_entry(key, &non_zero(company.customer_id)),
            CompanyField::DateCreated => map.serialize_entry(
                key,
                &company
                    .date_created
                    .and_then(crate::dates::known)
                    .map(|seconds| ScalarType::to_value(&DateTime(seconds))),
            ),
        })
    }
}

struct AddressOut<'a> {
    fields: &'a [(Name, AddressField)],
    customer: &'a Customer,
}

impl Serialize for AddressOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let address = &self.customer.address;
        selection_map(serializer, self.fields, |map, key, field| match field {
            AddressField::Typename => map.serialize_entry(key, "Address"),
            AddressField::Line1 => map.serialize_entry(key, &address.line1),
            AddressField::Line2 => map.serialize_entry(key, &address.line2),
            AddressField::City => map.serialize_entry(key, &address.city),
            AddressField::State => map.serialize_entry(key, &address.state),
            AddressField::Country => map.serialize_entry(key, &address.country),
            AddressField::Zip => map.serialize_entry(key, &address.zip),
        })
    }
}
