//! Writing a planned answer: `{"data": …}` as async-graphql writes it, each field's value
//! and null rule from `graphql/fields.rs`.

use std::cell::OnceCell;
use std::collections::HashMap;

use async_graphql::{Name, ScalarType};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;

use crate::customers::{Company, Customer, CustomerQuery, Page};
use crate::graphql::cursors::ListCursors;
use crate::graphql::fast_path::{
    EdgeField, InfoField, Leaf, PageField, Plan, Resolved, Root, Selected,
};
use crate::graphql::fields::{self, AddressField, CompanyField, CustomerField, PhoneField};
use crate::graphql::pages::{self, Keyset};

/// `{"data": {...}}`, as async-graphql writes a response without errors.
pub(super) struct Body<'a> {
    pub plan: &'a Plan,
    pub results: &'a [Resolved],
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
                (Root::Customers { fields, .. }, Resolved::Page(read)) => map.serialize_entry(
                    key.as_str(),
                    &PageOut {
                        fields,
                        page: &read.page,
                        companies: &read.companies,
                        list: &read.list,
                        keyset: read.keyset,
                        cursors: OnceCell::new(),
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
    /// The list the page is of: what its cursors name.
    list: &'a CustomerQuery,
    /// What the page knows of its neighbours when read by cursor.
    keyset: Option<Keyset>,
    /// The list's cursors, made when a cursor is first written.
    cursors: OnceCell<ListCursors>,
}

impl PageOut<'_> {
    fn next(&self) -> Option<bool> {
        pages::has_next(self.page, self.keyset)
    }

    fn previous(&self) -> bool {
        pages::has_previous(self.page, self.keyset)
    }

    fn cursor(&self, customer: &Customer) -> String {
        let cursors = self.cursors.get_or_init(|| ListCursors::of(self.list));
        cursors.encode(&self.list.position_of(customer))
    }
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
            PageField::HasNextPage => map.serialize_entry(key, &self.next()),
            PageField::HasPreviousPage => map.serialize_entry(key, &self.previous()),
            PageField::Edges(fields) => map.serialize_entry(key, &EdgesOut { fields, page: self }),
            PageField::PageInfo(fields) => {
                map.serialize_entry(key, &InfoOut { fields, page: self })
            }
        })
    }
}

struct EdgesOut<'a> {
    fields: &'a [(Name, EdgeField)],
    page: &'a PageOut<'a>,
}

impl Serialize for EdgesOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let customers = &self.page.page.customers;
        let mut list = serializer.serialize_seq(Some(customers.len()))?;
        for customer in customers {
            list.serialize_element(&EdgeOut {
                fields: self.fields,
                page: self.page,
                customer,
            })?;
        }
        list.end()
    }
}

struct EdgeOut<'a> {
    fields: &'a [(Name, EdgeField)],
    page: &'a PageOut<'a>,
    customer: &'a Customer,
}

impl Serialize for EdgeOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        selection_map(serializer, self.fields, |map, key, field| match field {
            EdgeField::Typename => map.serialize_entry(key, "CustomerEdge"),
            EdgeField::Cursor => map.serialize_entry(key, &self.page.cursor(self.customer)),
            EdgeField::Node(fields) => map.serialize_entry(
                key,
                &CustomerOut {
                    fields,
                    customer: self.customer,
                    companies: self.page.companies,
                },
            ),
        })
    }
}

struct InfoOut<'a> {
    fields: &'a [(Name, Leaf<InfoField>)],
    page: &'a PageOut<'a>,
}

impl Serialize for InfoOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let page = self.page.page;
        let cursor = |customer: Option<&Customer>| customer.map(|c| self.page.cursor(c));
        selection_map(serializer, self.fields, |map, key, leaf| match leaf {
            Leaf::Typename => map.serialize_entry(key, "PageInfo"),
            Leaf::Field(InfoField::HasNextPage) => map.serialize_entry(key, &self.page.next()),
            Leaf::Field(InfoField::HasPreviousPage) => {
                map.serialize_entry(key, &self.page.previous())
            }
            Leaf::Field(InfoField::StartCursor) => {
                map.serialize_entry(key, &cursor(page.customers.first()))
            }
            Leaf::Field(InfoField::EndCursor) => {
                map.serialize_entry(key, &cursor(page.customers.last()))
            }
        })
    }
}

struct NodesOut<'a> {
    fields: &'a [(Name, Selected)],
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
    fields: &'a [(Name, Selected)],
    customer: &'a Customer,
    companies: &'a HashMap<i32, Company>,
}

impl Serialize for CustomerOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let c = self.customer;
        selection_map(serializer, self.fields, |map, key, field| match field {
            Selected::Typename => map.serialize_entry(key, "Customer"),
            Selected::Scalar(field) => match field {
                CustomerField::Id => map.serialize_entry(key, &c.id),
                CustomerField::Name => map.serialize_entry(key, &fields::name(c)),
                CustomerField::UserId => map.serialize_entry(key, &fields::user_id(c)),
                CustomerField::Email => map.serialize_entry(key, &c.email),
                CustomerField::AdditionalEmails => map.serialize_entry(key, &c.additional_emails),
                CustomerField::Website => map.serialize_entry(key, &fields::website(c)),
                CustomerField::CompanyId => map.serialize_entry(key, &fields::company_id(c)),
                CustomerField::DateCreated => map.serialize_entry(
                    key,
                    &fields::date_created(c).map(|date| ScalarType::to_value(&date)),
                ),
                CustomerField::Notes => map.serialize_entry(key, &c.notes),
                CustomerField::TicketCount => map.serialize_entry(key, &c.ticket_count),
                // Objects are selected with fields of their own (`Selected::Phone`, …).
                CustomerField::Phone | CustomerField::Address | CustomerField::Company => {
                    unreachable!("compiled as objects")
                }
            },
            Selected::Phone(selection) => map.serialize_entry(
                key,
                &fields::phone(c).map(|(primary, additional)| PhoneOut {
                    selection,
                    primary,
                    additional,
                }),
            ),
            Selected::Address(selection) => map.serialize_entry(
                key,
                &fields::address(c).map(|address| AddressOut { selection, address }),
            ),
            Selected::Company(selection) => map.serialize_entry(
                key,
                &self
                    .companies
                    .get(&c.company_id)
                    .map(|company| CompanyOut { selection, company }),
            ),
        })
    }
}

struct PhoneOut<'a> {
    selection: &'a [(Name, Leaf<PhoneField>)],
    primary: &'a str,
    additional: Option<&'a str>,
}

impl Serialize for PhoneOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        selection_map(serializer, self.selection, |map, key, leaf| match leaf {
            Leaf::Typename => map.serialize_entry(key, "Phone"),
            Leaf::Field(field) => map.serialize_entry(
                key,
                &fields::phone_field(*field, self.primary, self.additional),
            ),
        })
    }
}

struct AddressOut<'a> {
    selection: &'a [(Name, Leaf<AddressField>)],
    address: &'a crate::customers::Address,
}

impl Serialize for AddressOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        selection_map(serializer, self.selection, |map, key, leaf| match leaf {
            Leaf::Typename => map.serialize_entry(key, "Address"),
            Leaf::Field(field) => map.serialize_entry(key, field.of(self.address)),
        })
    }
}

struct CompanyOut<'a> {
    selection: &'a [(Name, Leaf<CompanyField>)],
    company: &'a Company,
}

impl Serialize for CompanyOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let company = self.company;
        selection_map(serializer, self.selection, |map, key, leaf| match leaf {
            Leaf::Typename => map.serialize_entry(key, "Company"),
            Leaf::Field(CompanyField::Id) => map.serialize_entry(key, &company.id),
            Leaf::Field(CompanyField::CustomerId) => {
                map.serialize_entry(key, &fields::company_customer_id(company))
            }
            Leaf::Field(CompanyField::DateCreated) => map.serialize_entry(
                key,
                &fields::company_date_created(company).map(|date| ScalarType::to_value(&date)),
            ),
            Leaf::Field(text) => map.serialize_entry(key, &fields::company_text(*text, company)),
        })
    }
}
