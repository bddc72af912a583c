//! The site's records in the import format.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use crate::customers::fold_case;

/// A customer as the site sent it, in the import format: without `_links`, and with the
/// company id recovered from `_links.company` when the plugin left the key out (it does for
/// a company that no longer exists).
pub fn customer_record(mut value: Value) -> Option<Value> {
    let object = value.as_object_mut()?;
    if !object.contains_key("company") {
        let linked = object
            .get("_links")
            .and_then(|links| links["company"][0]["href"].as_str())
            .and_then(|href| href.rsplit('/').next())
            .and_then(|id| id.parse::<u64>().ok());
        if let Some(id) = linked {
            object.insert("company".into(), Value::from(id));
        }
    }
    object.remove("_links");
    Some(value)
}

/// Makes what a real site holds with one meaning hold it in the import format, saying what
/// was changed, one warning each, naming the customer: a number where the plugin keeps text
/// (an address part saved as a number, as PHP may), and additional emails that repeat the
/// primary one or each other (in another case: the plugin compares emails that way too).
pub fn normalize_customer(record: &mut Value, warnings: &mut Vec<String>) {
    let id = id_of(record, "id").map_or("?".to_owned(), |id| id.to_string());
    if let Some(address) = record.get_mut("address").and_then(Value::as_object_mut) {
        for (part, value) in address.iter_mut() {
            if let Value::Number(number) = value {
                let text = number.to_string();
                warnings.push(format!(
                    "customer {id}: address {part} was the number {text}; kept as the text \"{text}\""
                ));
                *value = Value::String(text);
            }
        }
    }
    let primary = record["email"].as_str().map(str::to_lowercase);
    if let Some(extras) = record
        .get_mut("additional_emails")
        .and_then(Value::as_array_mut)
    {
        let mut seen: Vec<String> = primary.into_iter().collect();
        extras.retain(|extra| {
            let Some(email) = extra.as_str() else {
                return true;
            };
            let folded = email.to_lowercase();
            if seen.contains(&folded) {
                warnings.push(format!(
                    "customer {id}: additional email {email:?} repeats one listed before; dropped"
                ));
                return false;
            }
            seen.push(folded);
            true
        });
    }
}

/// A company in the import format, from the plugin's post shape (its name is the post's
/// `title.raw`, its details `meta._kbs_company_*`) or from a flat one with `name`. `None` for
/// a company without a name: the plugin itself shows its customers without it.
pub fn company_record(value: Value) -> Option<Value> {
    let object = value.as_object()?;
    let meta = object.get("meta");
    let field = |flat: &str, meta_key: &str| {
        object
            .get(flat)
            .or_else(|| meta?.get(meta_key))
            .filter(|value| !value.is_null())
            .cloned()
    };
    let name = field("name", "").or_else(|| object.get("title")?.get("raw").cloned())?;
    if name.as_str().is_none_or(|name| name.trim().is_empty()) {
        return None;
    }
    let mut record = Map::new();
    record.insert("id".into(), object.get("id")?.clone());
    record.insert("name".into(), name);
    for (key, meta_key) in [
        ("email", "_kbs_company_email"),
        ("phone", "_kbs_company_phone"),
        ("website", "_kbs_company_website"),
        ("contact", "_kbs_company_contact"),
        ("customer", "_kbs_company_customer"),
        ("date_created", ""),
    ] {
        if let Some(value) = field(key, meta_key) {
            record.insert(key.into(), value);
        }
    }
    Some(Value::Object(record))
}

pub fn id_of(record: &Value, key: &str) -> Option<u64> {
    match &record[key] {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .filter(|&id| id > 0)
}

/// Who lists each address, to tell the ones several customers list: a real site may hold
/// them, the import then keeps them in every record, and a lookup by one finds the lowest id.
#[derive(Default)]
pub struct Claims {
    /// Each address (folded) and the first customer seen listing it.
    first: HashMap<String, u64>,
    /// Every further customer listing one, by address.
    shared: BTreeMap<String, Vec<u64>>,
}

impl Claims {
    pub fn add(&mut self, record: &Value) {
        let Some(id) = id_of(record, "id") else {
            return;
        };
        let extras = record["additional_emails"].as_array().into_iter().flatten();
        for email in std::iter::once(&record["email"])
            .chain(extras)
            .filter_map(Value::as_str)
        {
            let folded = fold_case(email);
            match self.first.get(&folded) {
                None => {
                    self.first.insert(folded, id);
                }
                Some(&owner) if owner != id => self.shared.entry(folded).or_default().push(id),
                Some(_) => {}
            }
        }
    }

    /// One warning per shared address, naming its customers and the one a lookup finds.
    pub fn warnings(&self) -> Vec<String> {
        self.shared
            .iter()
            .map(|(email, others)| {
                let mut ids: Vec<u64> = others.clone();
                ids.push(self.first[email]);
                ids.sort_unstable();
                ids.dedup();
                let listed: Vec<String> = ids.iter().map(u64::to_string).collect();
                format!(
                    "customers {} all list the address {email:?}: each keeps it; a lookup by it \
                     finds customer {}",
                    listed.join(", "),
                    ids[0]
                )
            })
            .collect()
    }
}
