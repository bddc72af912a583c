//! An independent model of the customers list: what the contract says each filter, order and
//! window means, written without SQL, over the demo data's records.

use kbs_graphql::customers::{fold_case, CustomerQuery, OrderBy, SortOrder};
use serde_json::Value;

pub fn demo_records() -> Vec<Value> {
    std::fs::read_to_string("data/customers.jsonl")
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn text(record: &Value, key: &str) -> String {
    record[key].as_str().unwrap_or("").to_owned()
}

fn number(record: &Value, key: &str) -> i64 {
    record[key].as_i64().unwrap_or(0)
}

fn emails(record: &Value) -> Vec<String> {
    let mut all = vec![fold_case(&text(record, "email"))];
    for e in record["additional_emails"].as_array().unwrap() {
        all.push(fold_case(e.as_str().unwrap()));
    }
    all
}

/// The model: what the contract says each filter means, written without SQL.
pub fn matches(q: &CustomerQuery, r: &Value) -> bool {
    let id = number(r, "id") as i32;
    let name = fold_case(&text(r, "name"));
    let in_list = |list: &[i32], value: i64| {
        list.is_empty() || (value != 0 && list.contains(&(value as i32)))
    };
    (q.include.is_empty() || q.include.contains(&id))
        && !q.exclude.contains(&id)
        && in_list(&q.user_ids, number(r, "user_id"))
        && in_list(&q.companies, number(r, "company"))
        && (q.emails.is_empty() || q.emails.iter().any(|e| emails(r).contains(&fold_case(e))))
        && q.name.as_ref().is_none_or(|n| name.contains(&fold_case(n)))
        && q.search.as_ref().is_none_or(|s| {
            let s = fold_case(s);
            name.contains(&s) || emails(r).iter().any(|e| e.contains(&s))
        })
}

fn sort_key(order_by: OrderBy, r: &Value) -> (String, i64) {
    let padded = |n: i64| format!("{n:020}");
    let key = match order_by {
        OrderBy::Id => String::new(),
        OrderBy::UserId => padded(number(r, "user_id")),
        OrderBy::Name => fold_case(&text(r, "name")),
        OrderBy::Email => fold_case(&text(r, "email")),
        OrderBy::CompanyId => padded(number(r, "company")),
        OrderBy::Date => text(r, "date_created"),
    };
    (key, number(r, "id"))
}

/// The ids `q`'s filters match, in `q`'s order (the whole list, before any window).
pub fn ordered_ids(q: &CustomerQuery, records: &[Value]) -> Vec<i64> {
    let mut matched: Vec<&Value> = records.iter().filter(|r| matches(q, r)).collect();
    matched.sort_by_key(|r| sort_key(q.order_by, r));
    if q.order == SortOrder::Desc {
        matched.reverse();
    }
    matched.iter().map(|r| number(r, "id")).collect()
}

/// The ids of `q`'s window, and how many match in all.
pub fn window(q: &CustomerQuery, records: &[Value]) -> (Vec<i64>, i64) {
    let all = ordered_ids(q, records);
    let total = all.len() as i64;
    let ids = all
        .into_iter()
        .skip(q.window.offset as usize)
        .take(q.window.per_page as usize)
        .collect();
    (ids, total)
}
