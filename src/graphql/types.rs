//! GraphQL output types: thin views over the query core's rows.

use async_graphql::{Object, Result, SimpleObject};

use crate::customers::CompanyMap;
use crate::customers::{Company, Customer};
use crate::error::AppError;
use crate::graphql::companies::CompanyObject;
use crate::graphql::fields::{self, AddressField};
use crate::graphql::scalars::DateTime;

/// A helpdesk customer.
pub struct CustomerObject {
    pub(crate) customer: Customer,
    company: Option<Company>,
}

impl CustomerObject {
    pub fn new(customer: Customer, companies: &CompanyMap) -> Self {
        let company = companies
            .get(&customer.company_id)
            .map(|company| Company::clone(company));
        CustomerObject { customer, company }
    }
}

/// A helpdesk customer, as KB Support keeps it: contact details, company, notes and a count
/// of tickets.
#[Object(name = "Customer")]
impl CustomerObject {
    /// The customer's id, as on the site.
    async fn id(&self) -> i32 {
        self.customer.id
    }

    /// Null when the customer has no name.
    async fn name(&self) -> Option<&str> {
        fields::name(&self.customer)
    }

    /// The linked WordPress user id; null when none.
    async fn user_id(&self) -> Option<i32> {
        fields::user_id(&self.customer)
    }

    /// The primary email address.
    async fn email(&self) -> &str {
        &self.customer.email
    }

    /// Further addresses, in stored order; never contains the primary.
    async fn additional_emails(&self) -> &[String] {
        &self.customer.additional_emails
    }

    /// Null when there is no primary phone.
    async fn phone(&self) -> Option<PhoneObject<'_>> {
        fields::phone(&self.customer).map(|(primary, additional)| PhoneObject {
            primary,
            additional,
        })
    }

    /// The website's address; null when none.
    async fn website(&self) -> Option<&str> {
        fields::website(&self.customer)
    }

    /// Null when every part is empty.
    async fn address(&self) -> Option<AddressObject<'_>> {
        fields::address(&self.customer).map(|address| AddressObject {
            line1: AddressField::Line1.of(address),
            line2: AddressField::Line2.of(address),
            city: AddressField::City.of(address),
            state: AddressField::State.of(address),
            country: AddressField::Country.of(address),
            zip: AddressField::Zip.of(address),
        })
    }

    /// The company id as stored, even when no such company exists; null when none.
    async fn company_id(&self) -> Option<i32> {
        fields::company_id(&self.customer)
    }

    /// Null when the customer has no company or its id matches no company.
    async fn company(&self) -> Option<CompanyObject> {
        self.company.clone().map(CompanyObject)
    }

    /// When the customer was created; null for MySQL's zero date (`0000-00-00 00:00:00`),
    /// which a site holds where no date was set, and which sorts before every date.
    async fn date_created(&self) -> Option<DateTime> {
        fields::date_created(&self.customer)
    }

    /// Notes staff wrote about the customer, newest first.
    async fn notes(
        &self,
        #[graphql(desc = "At most this many (0 or more); all of them when omitted.")] limit: Option<
            i32,
        >,
    ) -> Result<&[String]> {
        let notes = &self.customer.notes;
        match limit {
            None => Ok(notes),
            Some(limit) if limit < 0 => Err(AppError::BadUserInput(
                "limit must be greater than or equal to 0".into(),
            )
            .into()),
            Some(limit) => Ok(&notes[..notes.len().min(limit as usize)]),
        }
    }

    /// How many tickets the customer has, as the site counts them.
    async fn ticket_count(&self) -> i32 {
        self.customer.ticket_count
    }
}

/// A customer's phone numbers.
#[derive(SimpleObject)]
#[graphql(name = "Phone")]
pub struct PhoneObject<'a> {
    /// The main number.
    primary: &'a str,
    /// A second number; null when none.
    additional: Option<&'a str>,
}

/// A postal address; parts that were not given are empty strings.
#[derive(SimpleObject)]
#[graphql(name = "Address")]
pub struct AddressObject<'a> {
    /// The first line of the street address.
    line1: &'a str,
    /// The second line of the street address.
    line2: &'a str,
    /// The city or town.
    city: &'a str,
    /// The state, county or region.
    state: &'a str,
    /// The country, usually as its two-letter ISO 3166 code.
    country: &'a str,
    /// The postal code.
    zip: &'a str,
}
