//! The few PHP rules the plugin's answers follow, for the database source to give the same
//! answers from the same rows: what `empty()` calls empty, `stripslashes`, and how an
//! `unserialize`d array reaches JSON through `wp_parse_args` and `json_encode`.

use phpserz::{PhpParser, PhpToken};
use serde_json::{Map, Number, Value};

/// PHP's `empty()` for a value as the plugin holds it: `""`, `"0"`, `0`, `false`, null and an
/// empty array are empty.
pub fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty() || s == "0",
        Value::Array(items) => items.is_empty(),
        Value::Object(members) => members.is_empty(),
    }
}

/// `empty()` of a column's text.
pub fn is_empty_text(text: &str) -> bool {
    text.is_empty() || text == "0"
}

/// PHP's `stripslashes`: a backslash quotes the character after it (`\0` is a NUL), a lone
/// trailing one goes.
pub fn stripslashes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('0') => out.push('\0'),
            Some(quoted) => out.push(quoted),
            None => {}
        }
    }
    out
}

/// WordPress's `is_serialized`, roughly: text that `maybe_unserialize` tries to unserialize.
pub fn looks_serialized(text: &str) -> bool {
    let text = text.trim();
    text == "N;"
        || (text.len() >= 4
            && matches!(
                text.as_bytes()[0],
                b'a' | b'O' | b's' | b'b' | b'i' | b'd' | b'C'
            )
            && text.as_bytes()[1] == b':'
            && matches!(text.as_bytes()[text.len() - 1], b';' | b'}'))
}

/// An unserialized array, as a PHP array keeps it: its keys in order, each an integer or text.
pub type PhpArray = Vec<(Key, Value)>;

#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    Int(i64),
    Text(String),
}

/// The array `text` holds, or why it is not one.
pub fn unserialize_array(text: &str) -> Result<PhpArray, String> {
    let mut parser = PhpParser::new(text.trim().as_bytes());
    match parser.read_token().map_err(|e| e.to_string())? {
        PhpToken::Array { elements } => {
            let array = read_array(&mut parser, elements)?;
            match parser.next_token() {
                Ok(None) => Ok(array),
                _ => Err(format!("unexpected data after byte {}", parser.position())),
            }
        }
        _ => Err("not an array".into()),
    }
}

fn read_array(parser: &mut PhpParser<'_>, elements: u32) -> Result<PhpArray, String> {
    let mut array = Vec::with_capacity(elements.min(64) as usize);
    for _ in 0..elements {
        let key = match parser.read_token().map_err(|e| e.to_string())? {
            PhpToken::Integer(n) => Key::Int(n),
            PhpToken::String(s) => Key::Text(text_of(s.as_bytes())),
            other => return Err(format!("an array key is {other:?}")),
        };
        array.push((key, read_value(parser)?));
    }
    match parser.read_token().map_err(|e| e.to_string())? {
        PhpToken::End => Ok(array),
        other => Err(format!("expected the array's end, found {other:?}")),
    }
}

fn read_value(parser: &mut PhpParser<'_>) -> Result<Value, String> {
    Ok(match parser.read_token().map_err(|e| e.to_string())? {
        PhpToken::Null => Value::Null,
        PhpToken::Boolean(b) => Value::Bool(b),
        PhpToken::Integer(n) => Value::from(n),
        PhpToken::Float(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        PhpToken::String(s) => Value::String(text_of(s.as_bytes())),
        PhpToken::Array { elements } => array_to_json(read_array(parser, elements)?),
        other => return Err(format!("holds {other:?}, not plain data")),
    })
}

/// PHP strings are bytes; the plugin's tables are UTF-8, so anything else is a damaged row,
/// shown with the replacement character rather than refused.
fn text_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `json_encode` of an array: a list when its keys are 0, 1, 2, …; an object otherwise.
pub fn array_to_json(array: PhpArray) -> Value {
    let is_list = array
        .iter()
        .enumerate()
        .all(|(i, (key, _))| *key == Key::Int(i as i64));
    if is_list && !array.is_empty() {
        return Value::Array(array.into_iter().map(|(_, value)| value).collect());
    }
    let mut object = Map::new();
    for (key, value) in array {
        object.insert(key_text(&key), value);
    }
    Value::Object(object)
}

fn key_text(key: &Key) -> String {
    match key {
        Key::Int(n) => n.to_string(),
        Key::Text(s) => s.clone(),
    }
}

/// `array_merge($defaults, $array)`, as `wp_parse_args` calls it: the defaults' keys first, in
/// their order, each taking the array's value when it has one; then the array's other keys,
/// integer keys numbered anew from 0.
pub fn merge_over(defaults: &[&str], array: PhpArray) -> PhpArray {
    let mut merged: PhpArray = defaults
        .iter()
        .map(|key| (Key::Text((*key).to_owned()), Value::String(String::new())))
        .collect();
    let mut next_index = 0;
    for (key, value) in array {
        let key = match key {
            Key::Int(_) => {
                next_index += 1;
                Key::Int(next_index - 1)
            }
            text => text,
        };
        match merged.iter_mut().find(|(existing, _)| *existing == key) {
            Some(slot) => slot.1 = value,
            None => merged.push((key, value)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stripslashes_unquotes_as_php_does() {
        assert_eq!(stripslashes(r"It\'s"), "It's");
        assert_eq!(stripslashes(r"C:\Users\zack"), "C:Userszack");
        assert_eq!(stripslashes(r"a\\b"), r"a\b");
        assert_eq!(stripslashes(r"nul\0!"), "nul\0!");
        assert_eq!(stripslashes("trailing\\"), "trailing");
    }

    #[test]
    fn empty_is_php_empty() {
        for value in [
            json!(""),
            json!("0"),
            json!(0),
            json!(false),
            json!(null),
            json!([]),
        ] {
            assert!(is_empty(&value), "{value}");
        }
        for value in [json!(" "), json!("00"), json!(1), json!("a"), json!(["x"])] {
            assert!(!is_empty(&value), "{value}");
        }
    }

    #[test]
    fn an_address_keeps_its_types_and_key_order() {
        let array =
            unserialize_array(r#"a:3:{s:3:"zip";i:10623;s:6:"county";s:4:"Kent";i:7;s:1:"x";}"#)
                .unwrap();
        let merged = merge_over(&["line1", "zip"], array);
        assert_eq!(
            array_to_json(merged),
            json!({"line1": "", "zip": 10623, "county": "Kent", "0": "x"})
        );
    }

    #[test]
    fn lengths_are_bytes_and_broken_data_is_refused() {
        let array = unserialize_array(r#"a:1:{s:4:"city";s:7:"Kraków";}"#).unwrap();
        assert_eq!(array[0].1, json!("Kraków"));
        // As after a search-and-replace that changed a length: unserialize gives false.
        assert!(unserialize_array(r#"a:1:{s:4:"city";s:6:"Kraków";}"#).is_err());
        assert!(unserialize_array("a:1:{").is_err());
        assert!(unserialize_array(r#"s:3:"abc";"#).is_err());
        let list = unserialize_array(r#"a:2:{i:0;s:1:"a";i:1;a:1:{i:0;b:1;}}"#).unwrap();
        assert_eq!(array_to_json(list), json!(["a", [true]]));
    }

    #[test]
    fn serialized_text_is_told_from_plain_text() {
        assert!(looks_serialized(r#"a:1:{s:1:"a";i:1;}"#));
        assert!(looks_serialized("N;"));
        assert!(!looks_serialized("10 Downing Street"));
        assert!(!looks_serialized("a:"));
    }
}
