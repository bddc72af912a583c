//! A customer and a company as KB Support 1.6.1's REST routes answer them, made from the rows
//! of its tables: the database source then goes through the same normalization as the REST
//! source, and both give the same data. Checked against the plugin's captured answers
//! (`tests/fixtures/kbs-db/`).

use serde_json::{json, Map, Value};

use crate::sync::php;

/// The customer meta keys the customers route shows.
pub const CUSTOMER_META: [&str; 5] = [
    "additional_email",
    "primary_phone",
    "additional_phone",
    "website",
    "address",
];

/// The company meta the companies route shows (registered meta: an absent one shows its
/// default, `0` for the contact customer, `""` for the others).
pub const COMPANY_META: [&str; 5] = [
    "_kbs_company_customer",
    "_kbs_company_contact",
    "_kbs_company_email",
    "_kbs_company_phone",
    "_kbs_company_website",
];

/// The newest notes the plugin shows; older ones it keeps but never answers.
pub const NOTES_SHOWN: usize = 20;

/// The address parts the plugin always shows, in its order.
const ADDRESS_DEFAULTS: [&str; 6] = ["line1", "line2", "city", "state", "country", "zip"];

/// One `wp_kbs_customers` row, as text.
pub struct CustomerRow {
    pub id: u64,
    pub user_id: u64,
    pub email: String,
    pub name: String,
    pub company_id: u64,
    pub notes: String,
    pub date_created: String,
}

/// The customer's answer: `meta` is its rows of [`CUSTOMER_META`] in `meta_id` order,
/// `tickets` its real ticket count. What the plugin shows differently from what it stores is
/// said in `warnings`, naming the customer.
pub fn customer(
    row: CustomerRow,
    meta: &[(String, String)],
    tickets: u64,
    warnings: &mut Vec<String>,
) -> Value {
    let id = row.id;
    let first = |key: &str| {
        meta.iter()
            .find(|(k, _)| k == key)
            .map(|(_, value)| value.as_str())
            .filter(|value| !php::is_empty_text(value))
    };
    let mut answer = Map::new();
    answer.insert("id".into(), Value::String(id.to_string()));
    if !php::is_empty_text(&row.name) {
        answer.insert("name".into(), Value::String(row.name));
    }
    if row.user_id != 0 {
        answer.insert("user_id".into(), Value::String(row.user_id.to_string()));
    }
    // The plugin lists every additional email but one written exactly as the primary.
    let additional: Vec<Value> = meta
        .iter()
        .filter(|(key, value)| key == "additional_email" && *value != row.email)
        .map(|(_, value)| Value::String(value.clone()))
        .collect();
    if !php::is_empty_text(&row.email) {
        answer.insert("email".into(), Value::String(row.email));
    }
    answer.insert("additional_emails".into(), Value::Array(additional));
    if let Some(primary) = first("primary_phone") {
        let mut phone = Map::new();
        phone.insert("primary".into(), primary.into());
        if let Some(additional) = first("additional_phone") {
            phone.insert("additional".into(), additional.into());
        }
        answer.insert("phone".into(), Value::Object(phone));
    }
    if let Some(website) = first("website") {
        answer.insert("website".into(), website.into());
    }
    if let Some(address) = first("address").and_then(|text| address(id, text, warnings)) {
        answer.insert("address".into(), address);
    }
    if row.company_id != 0 {
        answer.insert("company".into(), Value::String(row.company_id.to_string()));
    }
    if !php::is_empty_text(&row.date_created) {
        answer.insert("date_created".into(), Value::String(row.date_created));
    }
    let notes = notes(id, &row.notes, warnings);
    if !notes.is_empty() {
        answer.insert("notes".into(), Value::Array(notes));
    }
    answer.insert("ticket_count".into(), Value::from(tickets));
    Value::Object(answer)
}

/// The stored address as the plugin shows it: its parts over the six defaults, or nothing
/// when every part is empty or the meta is not a PHP array (`unserialize` failed).
fn address(id: u64, text: &str, warnings: &mut Vec<String>) -> Option<Value> {
    let array = if php::looks_serialized(text) {
        php::unserialize_array(text)
    } else {
        Err("plain text".into())
    };
    let array = match array {
        Ok(array) => array,
        Err(why) => {
            warnings.push(format!(
                "customer {id}: the stored address is not a PHP array ({why}); left out, as the \
                 plugin shows it"
            ));
            return None;
        }
    };
    let merged = php::merge_over(&ADDRESS_DEFAULTS, array);
    if merged.iter().all(|(_, value)| php::is_empty(value)) {
        return None;
    }
    // The six defaults come first, so `json_encode` writes it as an object.
    Some(php::array_to_json(merged))
}

/// The notes column as the plugin answers it: split at blank lines, empty ones dropped, newest
/// first, slashes stripped, the newest [`NOTES_SHOWN`] only.
fn notes(id: u64, column: &str, warnings: &mut Vec<String>) -> Vec<Value> {
    let mut notes: Vec<&str> = column
        .split("\n\n")
        .filter(|note| !php::is_empty_text(note))
        .collect();
    notes.reverse();
    if notes.len() > NOTES_SHOWN {
        warnings.push(format!(
            "customer {id}: {} notes are stored; the plugin shows the newest {NOTES_SHOWN}, and \
             only those are kept",
            notes.len()
        ));
        notes.truncate(NOTES_SHOWN);
    }
    notes
        .into_iter()
        .map(|note| Value::String(php::stripslashes(note)))
        .collect()
}

/// A `kbs_company` post as the companies route answers it (the parts sync reads).
pub fn company(id: u64, title: String, meta: &[(String, String)]) -> Value {
    let mut shown = Map::new();
    for key in COMPANY_META {
        let stored = meta.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        let value = if key == "_kbs_company_customer" {
            Value::from(stored.map_or(0, php_intval))
        } else {
            Value::String(stored.unwrap_or_default().to_owned())
        };
        shown.insert(key.into(), value);
    }
    json!({"id": id, "title": {"raw": title}, "meta": shown})
}

/// PHP's `intval` of text: its leading integer, else 0.
fn php_intval(text: &str) -> i64 {
    let text = text.trim_start();
    let sign_len = usize::from(text.starts_with(['-', '+']));
    let digits = text[sign_len..]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    text[..sign_len + digits].parse().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: u64) -> CustomerRow {
        CustomerRow {
            id,
            user_id: 0,
            email: "a@example.test".into(),
            name: "A".into(),
            company_id: 0,
            notes: String::new(),
            date_created: "2020-01-01 00:00:00".into(),
        }
    }

    #[test]
    fn notes_are_newest_first_without_empty_ones() {
        let mut warnings = Vec::new();
        let notes = notes(1, "\n\nD1 - one.\n\nParagraph two.\n\n0", &mut warnings);
        assert_eq!(notes, vec![json!("Paragraph two."), json!("D1 - one.")]);
        assert!(warnings.is_empty());
    }

    #[test]
    fn past_twenty_notes_the_oldest_are_left_out_with_a_warning() {
        let column: String = (1..=25).map(|n| format!("\n\nnote {n}")).collect();
        let mut warnings = Vec::new();
        let notes = notes(37, &column, &mut warnings);
        assert_eq!(notes.len(), 20);
        assert_eq!(notes[0], json!("note 25"));
        assert_eq!(notes[19], json!("note 6"));
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with("customer 37: 25 notes"),
            "{warnings:?}"
        );
    }

    #[test]
    fn an_empty_name_and_zero_user_are_left_out_and_the_primary_email_is_not_repeated() {
        let mut customer_row = row(34);
        customer_row.name = "0".into();
        let meta = vec![
            ("additional_email".to_owned(), "a@example.test".to_owned()),
            ("additional_email".to_owned(), "A@example.test".to_owned()),
        ];
        let answer = customer(customer_row, &meta, 2, &mut Vec::new());
        assert_eq!(
            answer,
            json!({"id": "34", "email": "a@example.test", "additional_emails": ["A@example.test"],
                   "date_created": "2020-01-01 00:00:00", "ticket_count": 2})
        );
    }

    #[test]
    fn an_unreadable_address_is_left_out_with_a_warning() {
        let meta = vec![(
            "address".to_owned(),
            r#"a:1:{s:4:"city";s:3:"Köln";}"#.to_owned(),
        )];
        let mut warnings = Vec::new();
        let answer = customer(row(5), &meta, 0, &mut warnings);
        assert!(answer.get("address").is_none());
        assert!(
            warnings[0].starts_with("customer 5: the stored address"),
            "{warnings:?}"
        );
    }

    #[test]
    fn a_company_shows_its_registered_meta_with_defaults() {
        let meta = vec![("_kbs_company_customer".to_owned(), "12abc".to_owned())];
        assert_eq!(
            company(9, "Acme".into(), &meta),
            json!({"id": 9, "title": {"raw": "Acme"}, "meta": {"_kbs_company_customer": 12,
                "_kbs_company_contact": "", "_kbs_company_email": "", "_kbs_company_phone": "",
                "_kbs_company_website": ""}})
        );
    }
}
