//! Writing a planned answer: `{"data": …}` as async-graphql writes it (compact JSON), each
//! field's value and null rule from `graphql/fields.rs`. A customer read with its stored
//! fields has each selected value pasted from them (`stored.rs`); one read from its row has
//! it written by the same function that made them.

use std::cell::OnceCell;

use async_graphql::{Name, ScalarType};
use serde::Serialize;

use crate::customers::CompanyMap;
use crate::customers::{Company, Customer, CustomerQuery, Page};
use crate::graphql::cursors::ListCursors;
use crate::graphql::fast_path::stored::{write_slot, Slot, Stored};
use crate::graphql::fast_path::{
    EdgeField, InfoField, Leaf, PageField, Plan, Resolved, Root, Selected,
};
use crate::graphql::fields::{self, CompanyField, CustomerField};
use crate::graphql::pages::{self, Keyset};

/// `{"data":{...}}`, as async-graphql writes a response without errors; `None` when a
/// customer's stored fields are not laid out as stored (the executor answers instead).
pub(super) fn body(plan: &Plan, results: &[Resolved]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(4096);
    out.extend_from_slice(b"{\"data\":");
    let roots = plan.roots.iter().zip(results);
    let roots = roots.map(|((key, root), result)| (key.as_str(), (root, result)));
    object(&mut out, roots, |out, (root, result)| {
        match (root, result) {
            (_, Resolved::Typename) => json(out, "Query"),
            (Root::Customers { fields, .. }, Resolved::Page(read)) => PageOut {
                fields,
                page: &read.page,
                companies: &read.companies,
                list: &read.list,
                keyset: read.keyset,
                cursors: OnceCell::new(),
            }
            .write(out)?,
            (Root::Customer { fields, .. }, Resolved::Customer(customer, companies)) => {
                match customer {
                    Some(customer) => write_customer(out, fields, customer, companies)?,
                    None => out.extend_from_slice(b"null"),
                }
            }
            _ => unreachable!("results follow the plan's roots"),
        }
        Some(())
    })?;
    out.push(b'}');
    Some(out)
}

fn json<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    // Writing to memory fails only for maps with keys that are not strings: none here.
    serde_json::to_writer(out, value).expect("field values serialize");
}

/// A selection's object: one entry per selected field, in order, under its response key (a
/// GraphQL name, which JSON never escapes).
fn object<'a, F>(
    out: &mut Vec<u8>,
    fields: impl IntoIterator<Item = (&'a str, F)>,
    mut entry: impl FnMut(&mut Vec<u8>, F) -> Option<()>,
) -> Option<()> {
    out.push(b'{');
    for (at, (key, field)) in fields.into_iter().enumerate() {
        if at > 0 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"\":");
        entry(out, field)?;
    }
    out.push(b'}');
    Some(())
}

/// A selection's fields as [`object`] takes them.
fn keyed<F>(fields: &[(Name, F)]) -> impl Iterator<Item = (&str, &F)> {
    fields.iter().map(|(key, field)| (key.as_str(), field))
}

fn list<T>(
    out: &mut Vec<u8>,
    items: &[T],
    mut item: impl FnMut(&mut Vec<u8>, &T) -> Option<()>,
) -> Option<()> {
    out.push(b'[');
    for (at, value) in items.iter().enumerate() {
        if at > 0 {
            out.push(b',');
        }
        item(out, value)?;
    }
    out.push(b']');
    Some(())
}

struct PageOut<'a> {
    fields: &'a [(Name, PageField)],
    page: &'a Page,
    companies: &'a CompanyMap,
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

    fn write(&self, out: &mut Vec<u8>) -> Option<()> {
        let page = self.page;
        let customers = page.customers.as_slice();
        object(out, keyed(self.fields), |out, field| {
            match field {
                PageField::Typename => json(out, "CustomerPage"),
                PageField::Nodes(fields) => list(out, customers, |out, customer| {
                    write_customer(out, fields, customer, self.companies)
                })?,
                PageField::TotalCount => json(out, &page.total),
                PageField::TotalPages => json(out, &page.total_pages()),
                PageField::Page => json(out, &page.window.page),
                PageField::PerPage => json(out, &page.window.per_page),
                PageField::HasNextPage => json(out, &self.next()),
                PageField::HasPreviousPage => json(out, &self.previous()),
                PageField::Edges(fields) => list(out, customers, |out, customer| {
                    object(out, keyed(fields), |out, field| {
                        match field {
                            EdgeField::Typename => json(out, "CustomerEdge"),
                            EdgeField::Cursor => json(out, &self.cursor(customer)),
                            EdgeField::Node(fields) => {
                                write_customer(out, fields, customer, self.companies)?
                            }
                        }
                        Some(())
                    })
                })?,
                PageField::PageInfo(fields) => self.write_info(out, fields)?,
            }
            Some(())
        })
    }

    fn write_info(&self, out: &mut Vec<u8>, fields: &[(Name, Leaf<InfoField>)]) -> Option<()> {
        let customers = &self.page.customers;
        let cursor = |customer: Option<&Customer>| customer.map(|c| self.cursor(c));
        object(out, keyed(fields), |out, leaf| {
            match leaf {
                Leaf::Typename => json(out, "PageInfo"),
                Leaf::Field(InfoField::HasNextPage) => json(out, &self.next()),
                Leaf::Field(InfoField::HasPreviousPage) => json(out, &self.previous()),
                Leaf::Field(InfoField::StartCursor) => json(out, &cursor(customers.first())),
                Leaf::Field(InfoField::EndCursor) => json(out, &cursor(customers.last())),
            }
            Some(())
        })
    }
}

/// Where a customer's values come from: its stored fields, or its row.
#[derive(Clone, Copy)]
enum Values<'a> {
    Stored(Stored<'a>),
    Row(&'a Customer),
}

impl Values<'_> {
    fn write(self, out: &mut Vec<u8>, slot: Slot) {
        match self {
            Values::Stored(stored) => out.extend_from_slice(stored.get(slot)),
            Values::Row(customer) => write_slot(out, slot, customer),
        }
    }

    /// Whether the phone or address (`slot`) is null.
    fn is_null(self, slot: Slot) -> bool {
        match self {
            Values::Stored(stored) => stored.get(slot) == b"null",
            Values::Row(customer) => match slot {
                Slot::Phone => fields::phone(customer).is_none(),
                _ => fields::address(customer).is_none(),
            },
        }
    }
}

fn write_customer(
    out: &mut Vec<u8>,
    selection: &[(Name, Selected)],
    c: &Customer,
    companies: &CompanyMap,
) -> Option<()> {
    let values = match &c.stored_fields {
        Some(stored) => Values::Stored(Stored::read(stored)?),
        None => Values::Row(c),
    };
    object(out, keyed(selection), |out, field| {
        match field {
            Selected::Typename => json(out, "Customer"),
            Selected::Scalar(CustomerField::Id) => json(out, &c.id),
            Selected::Scalar(field) => values.write(
                out,
                Slot::of(*field).expect("objects are compiled with fields of their own"),
            ),
            Selected::Phone(parts) if !values.is_null(Slot::Phone) => {
                object(out, keyed(parts), |out, leaf| {
                    match leaf {
                        Leaf::Typename => json(out, "Phone"),
                        Leaf::Field(part) => values.write(out, Slot::PhonePart(*part)),
                    }
                    Some(())
                })?
            }
            Selected::Address(parts) if !values.is_null(Slot::Address) => {
                object(out, keyed(parts), |out, leaf| {
                    match leaf {
                        Leaf::Typename => json(out, "Address"),
                        Leaf::Field(part) => values.write(out, Slot::AddressPart(*part)),
                    }
                    Some(())
                })?
            }
            Selected::Phone(_) | Selected::Address(_) => out.extend_from_slice(b"null"),
            Selected::Company(selection) => match companies.get(&c.company_id) {
                Some(company) => write_company(out, selection, company)?,
                None => out.extend_from_slice(b"null"),
            },
        }
        Some(())
    })
}

fn write_company(
    out: &mut Vec<u8>,
    selection: &[(Name, Leaf<CompanyField>)],
    company: &Company,
) -> Option<()> {
    object(out, keyed(selection), |out, leaf| {
        match leaf {
            Leaf::Typename => json(out, "Company"),
            Leaf::Field(CompanyField::Id) => json(out, &company.id),
            Leaf::Field(CompanyField::CustomerId) => {
                json(out, &fields::company_customer_id(company))
            }
            Leaf::Field(CompanyField::DateCreated) => json(
                out,
                &fields::company_date_created(company).map(|date| ScalarType::to_value(&date)),
            ),
            Leaf::Field(text) => json(out, &fields::company_text(*text, company)),
        }
        Some(())
    })
}
