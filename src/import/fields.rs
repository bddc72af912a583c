//! Checking one record's fields: each rule, with every problem collected rather than the
//! first one stopping the check.

use serde_json::Value;

use crate::customers::is_email;
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

/// Looks a field up by name. Checking takes strings out of the record rather than copying
/// them: a record is checked once and then dropped.
pub(super) trait Source {
    fn field(&mut self, name: &str) -> Option<&mut Value>;
}

/// Reads fields off one record, collecting every problem instead of stopping at the first.
pub(super) struct Fields<'a> {
    source: &'a mut dyn Source,
    problems: Vec<FieldProblem>,
}

/// The field's value; `null` counts as absent.
fn present<'v>(source: &'v mut dyn Source, field: &str) -> Option<&'v mut Value> {
    source.field(field).filter(|v| !v.is_null())
}

impl<'a> Fields<'a> {
    pub(super) fn of(source: &'a mut dyn Source) -> Fields<'a> {
        Fields {
            source,
            problems: Vec::new(),
        }
    }

    pub(super) fn has(&mut self, field: &str) -> bool {
        present(self.source, field).is_some()
    }

    pub(super) fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.problems.push(problem(field, message));
    }

    pub(super) fn required<T>(
        &mut self,
        field: &str,
        read: fn(&mut Self, &str) -> Option<T>,
    ) -> Option<T> {
        if !self.has(field) {
            self.fail(field, "is required");
            return None;
        }
        read(self, field)
    }

    /// An integer, or a string of digits (as the plugin emits), within `min..=i32::MAX`.
    pub(super) fn integer(&mut self, field: &str, min: i32) -> Option<i32> {
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

    pub(super) fn positive_id(&mut self, field: &str) -> Option<i32> {
        self.integer(field, 1)
    }

    pub(super) fn string(&mut self, field: &str) -> Option<String> {
        match present(self.source, field)? {
            Value::String(s) => Some(std::mem::take(s)),
            other => {
                let message = format!("must be a string, got {other}");
                self.fail(field, message);
                None
            }
        }
    }

    pub(super) fn email(&mut self, field: &str) -> Option<String> {
        let email = self.string(field)?;
        if is_email(&email) {
            Some(email)
        } else {
            self.fail(field, format!("{email:?} is not an email address"));
            None
        }
    }

    pub(super) fn date(&mut self, field: &str) -> Option<i64> {
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

    pub(super) fn strings(&mut self, field: &str) -> Vec<String> {
        self.strings_where(field, |_| None)
    }

    /// An array of strings, each passing `reject` (which returns why it does not).
    pub(super) fn strings_where(
        &mut self,
        field: &str,
        reject: fn(&str) -> Option<String>,
    ) -> Vec<String> {
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
    pub(super) fn string_parts<const N: usize>(
        &mut self,
        field: &str,
        keys: [&str; N],
    ) -> [String; N] {
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
    pub(super) fn other_strings(&mut self, field: &str, known: &[&str]) -> Vec<(String, String)> {
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

    pub(super) fn finish<T>(self, record: impl FnOnce() -> T) -> Result<T, Vec<FieldProblem>> {
        if self.problems.is_empty() {
            Ok(record())
        } else {
            Err(self.problems)
        }
    }
}
