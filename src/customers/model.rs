//! The customer and company as the rest of the crate sees them: plain data, no transport types.

use diesel::prelude::*;

use crate::db::schema::{companies, customers};
use crate::db::DbConnection;

/// A customer's postal address; parts that were not given are empty strings. Serializes as
/// the object both the plugin's JSON and the data files use: the six parts in this order, then
/// any keys beyond them a site stored, in their order (as the plugin shows them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub state: String,
    pub country: String,
    pub zip: String,
    /// Keys beyond the six (a `county`, say), with their values, in the order stored.
    pub extra: Vec<(String, String)>,
}

impl Address {
    pub fn is_empty(&self) -> bool {
        self.parts().iter().all(|part| part.is_empty()) && self.extra.is_empty()
    }

    /// The stored form: `''` when empty, else a JSON array of the six parts in order, then a
    /// `[key, value]` pair for each key beyond them.
    pub fn to_column(&self) -> String {
        if self.is_empty() {
            return String::new();
        }
        let mut items: Vec<serde_json::Value> = self.parts().iter().map(|p| (*p).into()).collect();
        items.extend(self.extra.iter().map(|(k, v)| serde_json::json!([k, v])));
        serde_json::to_string(&items).expect("strings always serialize")
    }

    pub(crate) fn from_column(text: &str) -> Result<Address, serde_json::Error> {
        if text.is_empty() {
            return Ok(Address::default());
        }
        let items: Vec<serde_json::Value> = serde_json::from_str(text)?;
        let part = |at: usize| {
            items
                .get(at)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let mut address = Address::from_parts(std::array::from_fn(part));
        address.extra = items
            .iter()
            .skip(6)
            .filter_map(|pair| {
                let [key, value] = pair.as_array()?.as_slice() else {
                    return None;
                };
                Some((key.as_str()?.to_owned(), value.as_str()?.to_owned()))
            })
            .collect();
        Ok(address)
    }

    /// From the parts in their canonical order: line1, line2, city, state, country, zip.
    pub fn from_parts([line1, line2, city, state, country, zip]: [String; 6]) -> Address {
        Address {
            line1,
            line2,
            city,
            state,
            country,
            zip,
            extra: Vec::new(),
        }
    }

    /// The parts in their canonical order: line1, line2, city, state, country, zip.
    pub fn parts(&self) -> [&str; 6] {
        [
            &self.line1,
            &self.line2,
            &self.city,
            &self.state,
            &self.country,
            &self.zip,
        ]
    }
}

impl serde::Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(6 + self.extra.len()))?;
        for (key, value) in ADDRESS_KEYS.iter().zip(self.parts()) {
            map.serialize_entry(key, value)?;
        }
        for (key, value) in &self.extra {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// The six parts' keys, in their order.
pub const ADDRESS_KEYS: [&str; 6] = ["line1", "line2", "city", "state", "country", "zip"];

/// One customer. Empty strings and zero ids mean "none", as in KB Support.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Customer {
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
    /// Seconds since the Unix epoch, UTC.
    pub date_created: i64,
    /// Newest first.
    pub notes: Vec<String>,
    pub ticket_count: i32,
    /// Its REST JSON's own parts as stored (written by the build's
    /// [`Renderers`](crate::customers::Renderers)), when the page was read with them
    /// ([`crate::customers::Want::renderings`]); the fields they hold are then left empty.
    pub own_json: Option<Vec<u8>>,
    /// Its GraphQL fields' values as stored, when the page was read with them
    /// ([`crate::customers::Fields::Stored`]); only the ids and order keys are set beside.
    pub stored_fields: Option<Vec<u8>>,
}

/// A customer's phones as the plugin's JSON and the data files show them: `additional` is
/// left out when empty.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct PhoneJson<'a> {
    pub primary: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub additional: &'a str,
}

impl Customer {
    pub fn phone_json(&self) -> PhoneJson<'_> {
        PhoneJson {
            primary: &self.phone_primary,
            additional: &self.phone_additional,
        }
    }
}

/// For `skip_serializing_if`: a zero id stands for "none".
pub fn is_zero(n: &i32) -> bool {
    *n == 0
}

/// A company customers can belong to.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = companies)]
pub struct Company {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub website: String,
    pub contact: String,
    /// The company's primary contact (a customer id); 0 = none.
    pub customer_id: i32,
    /// Seconds since the Unix epoch, UTC.
    pub date_created: Option<i64>,
}

/// Companies by id, shared: a page's come from those held in memory for its dataset
/// (`held_companies.rs`) without copying them.
pub type CompanyMap = std::collections::HashMap<i32, std::sync::Arc<Company>>;

/// The columns a [`Customer`] is read from (the lowercased copies stay in the database).
#[derive(Queryable, Selectable)]
#[diesel(table_name = customers)]
pub(crate) struct CustomerRow {
    pub(crate) id: i32,
    name: String,
    user_id: i32,
    email: String,
    additional_emails: String,
    phone_primary: String,
    phone_additional: String,
    website: String,
    address: String,
    company_id: i32,
    date_created: i64,
    notes: String,
    ticket_count: i32,
}

/// The columns of a customer's summary: what a list showing no emails beyond the primary, no
/// phones, address, website or notes needs. Those columns are most of a row's bytes (and its
/// JSON parsing), so a page read this way costs less.
#[derive(Queryable, Selectable)]
#[diesel(table_name = customers)]
pub(crate) struct SummaryRow {
    id: i32,
    name: String,
    user_id: i32,
    email: String,
    company_id: i32,
    date_created: i64,
    ticket_count: i32,
}

impl SummaryRow {
    /// A [`Customer`] with only the summary's fields set; the others are empty.
    pub(crate) fn into_customer(self) -> Customer {
        Customer {
            id: self.id,
            name: self.name,
            user_id: self.user_id,
            email: self.email,
            company_id: self.company_id,
            date_created: self.date_created,
            ticket_count: self.ticket_count,
            ..Customer::default()
        }
    }
}

impl CustomerRow {
    /// The JSON columns are written only by the importer, so a parse failure means the file
    /// was edited by hand; it surfaces as a database error rather than as silently empty data.
    pub(crate) fn into_customer(self) -> QueryResult<Customer> {
        let json = |column: &str, text: &str| -> QueryResult<Vec<String>> {
            serde_json::from_str(text).map_err(|e| {
                diesel::result::Error::DeserializationError(
                    format!("customer {} column {column}: {e}", self.id).into(),
                )
            })
        };
        Ok(Customer {
            additional_emails: json("additional_emails", &self.additional_emails)?,
            notes: json("notes", &self.notes)?,
            id: self.id,
            name: self.name,
            user_id: self.user_id,
            email: self.email,
            phone_primary: self.phone_primary,
            phone_additional: self.phone_additional,
            website: self.website,
            address: Address::from_column(&self.address).map_err(|e| {
                diesel::result::Error::DeserializationError(
                    format!("customer {} column address: {e}", self.id).into(),
                )
            })?,
            company_id: self.company_id,
            date_created: self.date_created,
            ticket_count: self.ticket_count,
            own_json: None,
            stored_fields: None,
        })
    }
}

/// The form every case-insensitive comparison uses, for all of Unicode (`ZOË` ~ `Zoë`).
pub fn fold_case(text: &str) -> String {
    text.to_lowercase()
}

diesel::define_sql_function! {
    /// [`fold_case`] for SQL: SQLite's own `lower()` folds ASCII only.
    fn kbs_fold_case(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Makes `kbs_fold_case(text)` callable in SQL on this connection.
pub(crate) fn register_fold_case(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    kbs_fold_case_utils::register_impl(conn, |text: String| fold_case(&text))
}

/// Whether `text` looks like an email address: one `@` between a non-empty local part and a
/// dotted domain, no white space or control characters. Deliberately as loose as WordPress's
/// `is_email`: the point is to tell addresses from ids and junk, not to validate deliverability.
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let clean = |s: &str| !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control());
    text.len() <= 254
        && clean(local)
        && clean(domain)
        && !domain.contains('@')
        && domain.split('.').filter(|label| !label.is_empty()).count() >= 2
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shapes() {
        assert!(is_email("alice@example.com"));
        assert!(is_email("Zoë.Ünïcode+1@KBS.test"));
        for bad in [
            "",
            "alice",
            "@example.com",
            "alice@",
            "alice@localhost",
            "a b@example.com",
            "a@b@example.com",
            "alice@.example.com",
            "alice@example..com",
            "alice@example.com.",
        ] {
            assert!(!is_email(bad), "{bad:?} accepted");
        }
    }

    #[test]
    fn case_folding_covers_unicode() {
        assert_eq!(fold_case("ZOË"), fold_case("Zoë"));
        assert_eq!(fold_case("ОЛЬГА"), "ольга");
    }

    #[test]
    fn an_address_is_empty_only_when_every_part_is() {
        assert!(Address::default().is_empty());
        let city_only = Address {
            city: "Kraków".into(),
            ..Address::default()
        };
        assert!(!city_only.is_empty());
        assert_eq!(
            Address::from_column(&city_only.to_column()).unwrap(),
            city_only
        );
        assert_eq!(Address::default().to_column(), "");
    }
}
