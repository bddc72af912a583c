//! One record of a data file, checked field by field into what the tables store.

use serde::Deserialize;
use serde_json::Value;

use crate::customers::{is_email, Address, ADDRESS_KEYS};
pub use crate::import::fields::FieldProblem;
use crate::import::fields::{Fields, Source};

/// A customer ready to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRecord {
    pub id: i32,
    pub name: String,
    pub user_id: i32,
    pub email: String,
    pub additional_emails: Vec<String>,
    pub phone_primary: String,
    pub phone_additional: String,
    pub website: String,
    pub address: Address,
    pub company_id: i32,
    pub date_created: i64,
    pub notes: Vec<String>,
    pub ticket_count: i32,
}

/// A company ready to insert.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CompanyRecord {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub website: String,
    pub contact: String,
    pub customer_id: i32,
    pub date_created: Option<i64>,
}

/// The known fields of a customers-file record, each kept as raw JSON for checking; other
/// keys (`_links`, …) are skipped while parsing, never built. `null` reads as absent.
#[derive(Debug, Default, Deserialize)]
pub struct RawCustomer {
    id: Option<Value>,
    email: Option<Value>,
    name: Option<Value>,
    user_id: Option<Value>,
    additional_emails: Option<Value>,
    phone: Option<Value>,
    website: Option<Value>,
    address: Option<Value>,
    company: Option<Value>,
    date_created: Option<Value>,
    notes: Option<Value>,
    ticket_count: Option<Value>,
}

/// The known fields of a companies-file record.
#[derive(Debug, Default, Deserialize)]
pub struct RawCompany {
    id: Option<Value>,
    name: Option<Value>,
    email: Option<Value>,
    phone: Option<Value>,
    website: Option<Value>,
    contact: Option<Value>,
    customer: Option<Value>,
    date_created: Option<Value>,
}

impl Source for RawCustomer {
    fn field(&mut self, name: &str) -> Option<&mut Value> {
        match name {
            "id" => self.id.as_mut(),
            "email" => self.email.as_mut(),
            "name" => self.name.as_mut(),
            "user_id" => self.user_id.as_mut(),
            "additional_emails" => self.additional_emails.as_mut(),
            "phone" => self.phone.as_mut(),
            "website" => self.website.as_mut(),
            "address" => self.address.as_mut(),
            "company" => self.company.as_mut(),
            "date_created" => self.date_created.as_mut(),
            "notes" => self.notes.as_mut(),
            "ticket_count" => self.ticket_count.as_mut(),
            _ => None,
        }
    }
}

impl Source for RawCompany {
    fn field(&mut self, name: &str) -> Option<&mut Value> {
        match name {
            "id" => self.id.as_mut(),
            "name" => self.name.as_mut(),
            "email" => self.email.as_mut(),
            "phone" => self.phone.as_mut(),
            "website" => self.website.as_mut(),
            "contact" => self.contact.as_mut(),
            "customer" => self.customer.as_mut(),
            "date_created" => self.date_created.as_mut(),
            _ => None,
        }
    }
}

/// Checks one customers-file record against data-format.md.
pub fn customer(mut raw: RawCustomer) -> Result<CustomerRecord, Vec<FieldProblem>> {
    let mut f = Fields::of(&mut raw);
    let id = f.required("id", Fields::positive_id);
    let email = f.required("email", Fields::email);
    let name = f.string("name").unwrap_or_default();
    let user_id = f.integer("user_id", 0).unwrap_or(0);
    let additional_emails = f.strings_where("additional_emails", |extra| {
        (!is_email(extra)).then(|| format!("{extra:?} is not an email address"))
    });
    let [phone_primary, phone_additional] = f.string_parts("phone", ["primary", "additional"]);
    let website = f.string("website").unwrap_or_default();
    let mut address = Address::from_parts(f.string_parts("address", ADDRESS_KEYS));
    address.extra = f.other_strings("address", &ADDRESS_KEYS);
    let company_id = f.integer("company", 0).unwrap_or(0);
    let date_created = f.required("date_created", Fields::date);
    let notes = f.strings("notes");
    let ticket_count = f.integer("ticket_count", 0).unwrap_or(0);
    f.finish(|| CustomerRecord {
        id: id.expect("checked"),
        name,
        user_id,
        email: email.expect("checked"),
        additional_emails,
        phone_primary,
        phone_additional,
        website,
        address,
        company_id,
        date_created: date_created.expect("checked"),
        notes,
        ticket_count,
    })
}

/// Checks one companies-file record against data-format.md.
pub fn company(mut raw: RawCompany) -> Result<CompanyRecord, Vec<FieldProblem>> {
    let mut f = Fields::of(&mut raw);
    let id = f.required("id", Fields::positive_id);
    let name = f.required("name", Fields::string);
    if name.as_deref() == Some("") {
        f.fail("name", "must not be empty");
    }
    let email = f.string("email").unwrap_or_default();
    let phone = f.string("phone").unwrap_or_default();
    let website = f.string("website").unwrap_or_default();
    let contact = f.string("contact").unwrap_or_default();
    let customer_id = f.integer("customer", 0).unwrap_or(0);
    let date_created = if f.has("date_created") {
        f.date("date_created")
    } else {
        None
    };
    f.finish(|| CompanyRecord {
        id: id.expect("checked"),
        name: name.expect("checked"),
        email,
        phone,
        website,
        contact,
        customer_id,
        date_created,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn customer(value: &Value) -> Result<CustomerRecord, Vec<FieldProblem>> {
        super::customer(serde_json::from_value(value.clone()).unwrap())
    }

    fn company(value: &Value) -> Result<CompanyRecord, Vec<FieldProblem>> {
        super::company(serde_json::from_value(value.clone()).unwrap())
    }

    fn fields(result: Result<CustomerRecord, Vec<FieldProblem>>) -> Vec<String> {
        result.unwrap_err().into_iter().map(|p| p.field).collect()
    }

    #[test]
    fn a_minimal_customer_takes_defaults() {
        let record = customer(&json!({"id": "7", "email": "a@example.com",
            "date_created": "2026-11-27 04:58:36", "_links": {}, "unknown": 1}))
        .unwrap();
        assert_eq!(record.id, 7);
        assert_eq!(record.user_id, 0);
        assert!(record.address.is_empty());
    }

    #[test]
    fn every_bad_field_is_named() {
        let problems = fields(customer(&json!({"id": 0, "email": "nope", "user_id": -1,
            "additional_emails": ["ok@example.com", 5, "bad"], "phone": {"primary": 1},
            "address": "x", "company": "12a", "date_created": "yesterday", "notes": "x",
            "ticket_count": -2})));
        assert_eq!(
            problems,
            [
                "id",
                "email",
                "user_id",
                "additional_emails[1]",
                "additional_emails[2]",
                "phone.primary",
                "address",
                "company",
                "date_created",
                "notes",
                "ticket_count"
            ]
        );
    }

    #[test]
    fn required_fields_are_required() {
        assert_eq!(
            fields(customer(&json!({}))),
            ["id", "email", "date_created"]
        );
    }

    #[test]
    fn ids_beyond_32_bits_are_refused() {
        assert_eq!(
            fields(customer(
                &json!({"id": 4_294_967_296u64, "email": "a@example.com",
            "date_created": "2026-11-27 04:58:36"})
            )),
            ["id"]
        );
    }

    #[test]
    fn companies_need_a_name() {
        assert!(company(&json!({"id": 1, "name": ""})).is_err());
        let c = company(&json!({"id": "3", "name": "Acme", "customer": "9"})).unwrap();
        assert_eq!((c.id, c.customer_id, c.date_created), (3, 9, None));
    }
}
