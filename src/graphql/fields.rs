//! Every GraphQL field of a customer, its phone, its address and its company, once: its name
//! in the schema, the columns it needs, and its value with its null rule. The `#[Object]`
//! resolvers (`types.rs`) and the fast path (`fast_path/`) both read fields through here, so
//! the two cannot answer a field differently.

use crate::customers::{Address, Company, Customer};
use crate::graphql::scalars::DateTime;

/// A field of `Customer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerField {
    Id,
    Name,
    UserId,
    Email,
    AdditionalEmails,
    Phone,
    Website,
    Address,
    CompanyId,
    Company,
    DateCreated,
    Notes,
    TicketCount,
}

impl CustomerField {
    pub const ALL: [CustomerField; 13] = [
        CustomerField::Id,
        CustomerField::Name,
        CustomerField::UserId,
        CustomerField::Email,
        CustomerField::AdditionalEmails,
        CustomerField::Phone,
        CustomerField::Website,
        CustomerField::Address,
        CustomerField::CompanyId,
        CustomerField::Company,
        CustomerField::DateCreated,
        CustomerField::Notes,
        CustomerField::TicketCount,
    ];

    /// The field's name in the schema.
    pub fn name(self) -> &'static str {
        match self {
            CustomerField::Id => "id",
            CustomerField::Name => "name",
            CustomerField::UserId => "userId",
            CustomerField::Email => "email",
            CustomerField::AdditionalEmails => "additionalEmails",
            CustomerField::Phone => "phone",
            CustomerField::Website => "website",
            CustomerField::Address => "address",
            CustomerField::CompanyId => "companyId",
            CustomerField::Company => "company",
            CustomerField::DateCreated => "dateCreated",
            CustomerField::Notes => "notes",
            CustomerField::TicketCount => "ticketCount",
        }
    }

    pub fn named(name: &str) -> Option<CustomerField> {
        CustomerField::ALL
            .into_iter()
            .find(|field| field.name() == name)
    }

    /// Whether the summary columns (`customers::Fields::Summary`) hold what the field shows:
    /// an allow-list, so a field added here reads every column until it is said to need fewer.
    pub fn in_summary(self) -> bool {
        matches!(
            self,
            CustomerField::Id
                | CustomerField::Name
                | CustomerField::UserId
                | CustomerField::Email
                | CustomerField::CompanyId
                | CustomerField::Company
                | CustomerField::DateCreated
                | CustomerField::TicketCount
        )
    }
}

/// A field of `Phone`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneField {
    Primary,
    Additional,
}

impl PhoneField {
    pub fn named(name: &str) -> Option<PhoneField> {
        match name {
            "primary" => Some(PhoneField::Primary),
            "additional" => Some(PhoneField::Additional),
            _ => None,
        }
    }
}

/// A field of `Address`: one of its six parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressField {
    Line1,
    Line2,
    City,
    State,
    Country,
    Zip,
}

impl AddressField {
    pub fn named(name: &str) -> Option<AddressField> {
        Some(match name {
            "line1" => AddressField::Line1,
            "line2" => AddressField::Line2,
            "city" => AddressField::City,
            "state" => AddressField::State,
            "country" => AddressField::Country,
            "zip" => AddressField::Zip,
            _ => return None,
        })
    }

    pub fn of(self, address: &Address) -> &str {
        match self {
            AddressField::Line1 => &address.line1,
            AddressField::Line2 => &address.line2,
            AddressField::City => &address.city,
            AddressField::State => &address.state,
            AddressField::Country => &address.country,
            AddressField::Zip => &address.zip,
        }
    }
}

/// A field of `Company`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompanyField {
    Id,
    Name,
    Email,
    Phone,
    Website,
    Contact,
    CustomerId,
    DateCreated,
}

impl CompanyField {
    pub fn named(name: &str) -> Option<CompanyField> {
        Some(match name {
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
    }
}

/// The fields a client may select that the fast path leaves to the executor: a customer's
/// notes with a limit, and the companies' fields (the roots and a company's customers).
pub const EXECUTOR_ONLY: [(&str, &str); 4] = [
    ("Company", "customers(page:, perPage:, offset:, include:, exclude:, userId:, email:, name:, search:, order:, orderBy:, first:, after:, last:, before:)"),
    ("Customer", "notes(limit:)"),
    ("Query", "companies"),
    ("Query", "company"),
];
// The values, with their null rules: stored emptiness (`""`, `0`, the zero date) is null.

pub fn non_empty(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

pub fn non_zero(id: i32) -> Option<i32> {
    (id != 0).then_some(id)
}

pub fn name(c: &Customer) -> Option<&str> {
    non_empty(&c.name)
}

pub fn user_id(c: &Customer) -> Option<i32> {
    non_zero(c.user_id)
}

/// Null when there is no primary phone (an additional one alone is not shown).
pub fn phone(c: &Customer) -> Option<(&str, Option<&str>)> {
    non_empty(&c.phone_primary).map(|primary| (primary, non_empty(&c.phone_additional)))
}

pub fn phone_field<'a>(
    field: PhoneField,
    primary: &'a str,
    additional: Option<&'a str>,
) -> Option<&'a str> {
    match field {
        PhoneField::Primary => Some(primary),
        PhoneField::Additional => additional,
    }
}

pub fn website(c: &Customer) -> Option<&str> {
    non_empty(&c.website)
}

/// Null when every part is empty.
pub fn address(c: &Customer) -> Option<&Address> {
    (!c.address.is_empty()).then_some(&c.address)
}

pub fn company_id(c: &Customer) -> Option<i32> {
    non_zero(c.company_id)
}

/// Null for MySQL's zero date, which a site holds where no date was set.
pub fn date_created(c: &Customer) -> Option<DateTime> {
    crate::dates::known(c.date_created).map(DateTime)
}

pub fn company_text(field: CompanyField, company: &Company) -> Option<&str> {
    match field {
        CompanyField::Name => Some(&company.name),
        CompanyField::Email => non_empty(&company.email),
        CompanyField::Phone => non_empty(&company.phone),
        CompanyField::Website => non_empty(&company.website),
        CompanyField::Contact => non_empty(&company.contact),
        CompanyField::Id | CompanyField::CustomerId | CompanyField::DateCreated => None,
    }
}

pub fn company_customer_id(company: &Company) -> Option<i32> {
    non_zero(company.customer_id)
}

pub fn company_date_created(company: &Company) -> Option<DateTime> {
    company
        .date_created
        .and_then(crate::dates::known)
        .map(DateTime)
}
