//! One record of a data file, checked field by field into what the tables store.

use serde::Deserialize;
use serde_json::Value;

use crate::customers::{is_email, Address, ADDRESS_KEYS};
use crate::dates;

/// A field that failed its rule, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

fn problem(field: &str, message: impl Into<String>) -> FieldProblem {
    FieldProblem {
        field: field.to_owned(),
        message: message.into(),
    }
}

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
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// Looks a field up by name. Checking takes strings out of the record rather than copying
/// them: a record is checked once and then dropped.
trait Source {
    fn field(&mut self, name: &str) -> Option<&mut Value>;
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

/// Reads fields off one record, collecting every problem instead of stopping at the first.
struct Fields<'a> {
    source: &'a mut dyn Source,
    problems: Vec<FieldProblem>,
}

/// The field's value; `null` counts as absent.
fn present<'v>(source: &'v mut dyn Source, field: &str) -> Option<&'v mut Value> {
    source.field(field).filter(|v| !v.is_null())
}

impl<'a> Fields<'a> {
    fn of(source: &'a mut dyn Source) -> Fields<'a> {
        Fields {
            source,
            problems: Vec::new(),
        }
    }

    fn has(&mut self, field: &str) -> bool {
        present(self.source, field).is_some()
    }

    fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.problems.push(problem(field, message));
    }

    fn required<T>(&mut self, field: &str, read: fn(&mut Self, &str) -> Option<T>) -> Option<T> {
        if !self.has(field) {
            self.fail(field, "is required");
            return None;
        }
        read(self, field)
    }

    /// An integer, or a string of digits (as the plugin emits), within `min..=i32::MAX`.
    fn integer(&mut self, field: &str, min: i32) -> Option<i32> {
        let value = present(self.source, field)?;
        let number = match &*value {
            Value::Number(n) => n.as_i64(),
            Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                s.parse::<i64>().ok()
            }
            _ => None,
        };
        match number.filter(|n| (i64::from(min)..=i64::from(i32::MAX)).contains(n)) {
            Some(n) => Some(n as i32),
            None => {
                let what = if min > 0 {
                    "a positive integer"
                } else {
                    "an integer >= 0"
                };
                let message = format!("must be {what} of at most 32 bits, got {value}");
                self.fail(field, message);
                None
            }
        }
    }

    fn positive_id(&mut self, field: &str) -> Option<i32> {
        self.integer(field, 1)
    }

    fn string(&mut self, field: &str) -> Option<String> {
        match present(self.source, field)? {
            Value::String(s) => Some(std::mem::take(s)),
            other => {
                let message = format!("must be a string, got {other}");
                self.fail(field, message);
                None
            }
        }
    }

    fn email(&mut self, field: &str) -> Option<String> {
        let email = self.string(field)?;
        if is_email(&email) {
            Some(email)
        } else {
            self.fail(field, format!("{email:?} is not an email address"));
            None
        }
    }

    fn date(&mut self, field: &str) -> Option<i64> {
        let text = self.string(field)?;
        let parsed = dates::parse(&text);
        if parsed.is_none() {
            self.fail(
                field,
                format!("{text:?} is neither \"YYYY-MM-DD HH:MM:SS\" nor RFC 3339"),
            );
        }
        parsed
    }

    fn strings(&mut self, field: &str) -> Vec<String> {
        self.strings_where(field, |_| None)
    }

    /// An array of strings, each passing `reject` (which returns why it does not).
    fn strings_where(&mut self, field: &str, reject: fn(&str) -> Option<String>) -> Vec<String> {
        let Some(value) = present(self.source, field) else {
            return Vec::new();
        };
        let Value::Array(items) = value else {
            let message = format!("must be an array of strings, got {value}");
            self.fail(field, message);
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter_mut().enumerate() {
            match item {
                Value::String(s) => match reject(s) {
                    None => out.push(std::mem::take(s)),
                    Some(why) => self.problems.push(problem(&format!("{field}[{i}]"), why)),
                },
                other => self.problems.push(problem(
                    &format!("{field}[{i}]"),
                    format!("must be a string, got {other}"),
                )),
            }
        }
        out
    }

    /// An object whose listed keys are optional strings.
    fn string_parts<const N: usize>(&mut self, field: &str, keys: [&str; N]) -> [String; N] {
        let mut parts: [String; N] = std::array::from_fn(|_| String::new());
        let Some(value) = present(self.source, field) else {
            return parts;
        };
        let Value::Object(object) = value else {
            let message = format!("must be an object, got {value}");
            self.fail(field, message);
            return parts;
        };
        for (part, key) in parts.iter_mut().zip(keys) {
            match object.get_mut(key) {
                None | Some(Value::Null) => {}
                Some(Value::String(s)) => *part = std::mem::take(s),
                Some(other) => self.problems.push(problem(
                    &format!("{field}.{key}"),
                    format!("must be a string, got {other}"),
                )),
            }
        }
        parts
    }

    /// The keys of object `field` beyond `known`, in order, with their text; `null` is absent.
    fn other_strings(&mut self, field: &str, known: &[&str]) -> Vec<(String, String)> {
        let Some(Value::Object(object)) = present(self.source, field) else {
            return Vec::new();
        };
        let mut others = Vec::new();
        let mut problems = Vec::new();
        for (key, value) in object
            .iter_mut()
            .filter(|(key, _)| !known.contains(&key.as_str()))
        {
            match value {
                Value::Null => {}
                Value::String(text) => others.push((key.clone(), std::mem::take(text))),
                other => problems.push(problem(
                    &format!("{field}.{key}"),
                    format!("must be a string, got {other}"),
                )),
            }
        }
        self.problems.extend(problems);
        others
    }

    fn finish<T>(self, record: impl FnOnce() -> T) -> Result<T, Vec<FieldProblem>> {
        if self.problems.is_empty() {
            Ok(record())
        } else {
            Err(self.problems)
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
