//! Relay-style cursors over the customers list: opaque strings that carry a customer's
//! position in the list's order (its key and id) and a fingerprint of the list (filters and
//! order), so that a page resumes from a cursor by seeking, and a cursor from another list is
//! refused rather than misread.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use crate::customers::{
    CustomerQuery, Direction, Key, Position, Seek, Window, DEFAULT_PER_PAGE, MAX_PER_PAGE,
};
use crate::error::AppError;

/// The list a cursor belongs to: its filters and order, not its window.
fn fingerprint(list: &CustomerQuery) -> String {
    let list = CustomerQuery {
        window: Window::default(),
        ..list.clone()
    };
    format!(
        "{:016x}",
        xxhash_rust::xxh3::xxh3_64(format!("{list:?}").as_bytes())
    )
}

/// The cursors of one list: its fingerprint (a hash of its filters and order) taken once,
/// for every cursor of a page.
pub struct ListCursors {
    fingerprint: String,
}

impl ListCursors {
    pub fn of(list: &CustomerQuery) -> ListCursors {
        ListCursors {
            fingerprint: fingerprint(list),
        }
    }

    /// The cursor of `position` in the list.
    pub fn encode(&self, position: &Position) -> String {
        let key = match &position.key {
            Key::None => Value::Null,
            Key::Number(n) => json!(n),
            Key::Text(t) => json!(t),
        };
        let text = json!([1, self.fingerprint, key, position.id]).to_string();
        URL_SAFE_NO_PAD.encode(text)
    }
}

/// The cursor of `position` in `list`.
#[cfg(test)]
fn encode(list: &CustomerQuery, position: &Position) -> String {
    ListCursors::of(list).encode(position)
}

/// The position a cursor (given as `argument`) names in `list`; a client's mistake otherwise.
pub fn decode(list: &CustomerQuery, argument: &str, cursor: &str) -> Result<Position, AppError> {
    let not_ours = || AppError::BadUserInput(format!("`{argument}` is not a cursor of this API."));
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| not_ours())?;
    let Ok(Value::Array(parts)) = serde_json::from_slice::<Value>(&bytes) else {
        return Err(not_ours());
    };
    let [version, made_for, key, id] = parts.as_slice() else {
        return Err(not_ours());
    };
    if version != &json!(1) {
        return Err(not_ours());
    }
    if made_for.as_str() != Some(fingerprint(list).as_str()) {
        return Err(AppError::BadUserInput(format!(
            "`{argument}` is a cursor of another list: it was made for other filters or another \
             order than this query's, and only resumes the list it came from."
        )));
    }
    let id = id
        .as_i64()
        .and_then(|id| i32::try_from(id).ok())
        .ok_or_else(not_ours)?;
    let key = match key {
        Value::Null => Key::None,
        Value::Number(n) => Key::Number(n.as_i64().ok_or_else(not_ours)?),
        Value::String(t) => Key::Text(t.clone()),
        _ => return Err(not_ours()),
    };
    Ok(Position { key, id })
}

/// The paging arguments as a request gave them (an argument left out is `None`, whatever
/// its default).
#[derive(Default)]
pub struct Paging {
    pub page: Option<i32>,
    pub per_page: Option<i32>,
    pub offset: Option<i32>,
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

impl Paging {
    /// The keyset page the arguments ask for, or `None` for a page by number or offset; the
    /// combinations that mean nothing are the client's mistake, named.
    pub fn seek(&self, list: &CustomerQuery) -> Result<Option<Seek>, AppError> {
        let cursor_paging = self.first.is_some()
            || self.after.is_some()
            || self.last.is_some()
            || self.before.is_some();
        if !cursor_paging {
            return Ok(None);
        }
        let refuse = |message: &str| Err(AppError::BadUserInput(message.to_owned()));
        if self.page.is_some() || self.offset.is_some() {
            return refuse(
                "`first`, `after`, `last` and `before` page by cursor: drop `page` and `offset` \
                 (or page by number without them).",
            );
        }
        if self.per_page.is_some() {
            return refuse("`first` and `last` set the page's size: drop `perPage`.");
        }
        let forward = self.first.is_some() || self.after.is_some();
        let backward = self.last.is_some() || self.before.is_some();
        if forward && backward {
            return refuse(
                "Page forward with `first` and `after`, or backward with `last` and `before`, \
                 not both at once.",
            );
        }
        let (count, cursor, argument, size, direction) = if forward {
            (
                self.first,
                &self.after,
                "after",
                "first",
                Direction::Forward,
            )
        } else {
            (
                self.last,
                &self.before,
                "before",
                "last",
                Direction::Backward,
            )
        };
        let count = count.map_or(DEFAULT_PER_PAGE, i64::from);
        if !(0..=MAX_PER_PAGE).contains(&count) {
            return Err(AppError::BadUserInput(format!(
                "{size} must be between 0 and {MAX_PER_PAGE}"
            )));
        }
        let from = match cursor {
            Some(cursor) => Some(decode(list, argument, cursor)?),
            None => None,
        };
        Ok(Some(Seek {
            from,
            direction,
            count,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::OrderBy;

    #[test]
    fn a_cursor_names_its_position_in_its_own_list_only() {
        let by_name = CustomerQuery {
            order_by: OrderBy::Name,
            ..CustomerQuery::default()
        };
        let position = Position {
            key: Key::Text("zoë ünïcode".into()),
            id: 3,
        };
        let cursor = encode(&by_name, &position);
        assert!(cursor
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(decode(&by_name, "after", &cursor).unwrap(), position);
        // Another page of the same list: the same cursor works.
        let next_page = CustomerQuery {
            window: Window::new(3, 5, None).unwrap(),
            ..by_name.clone()
        };
        assert!(decode(&next_page, "after", &cursor).is_ok());
        // Another order, other filters: refused, saying why.
        for other in [
            CustomerQuery::default(),
            CustomerQuery {
                name: Some("zo".into()),
                ..by_name.clone()
            },
        ] {
            let error = decode(&other, "after", &cursor).unwrap_err().to_string();
            assert!(error.contains("another list"), "{error}");
        }
        for junk in [
            "",
            "!!",
            "bm90IGpzb24",
            &URL_SAFE_NO_PAD.encode("[2,\"x\",null,1]"),
        ] {
            let error = decode(&by_name, "before", junk).unwrap_err().to_string();
            assert!(
                error.contains("`before` is not a cursor"),
                "{junk}: {error}"
            );
        }
    }
}
