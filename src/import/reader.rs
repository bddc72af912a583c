//! Streaming the records of a data file, JSON Lines or one JSON array, one at a time, so a
//! file of any size is read in bounded memory.

use std::fmt;
use std::io::{self, BufRead};

use serde::de::{DeserializeOwned, Deserializer, SeqAccess, Visitor};
use serde_json::Value;

/// Where a record sits in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    /// 1-based line of a JSON Lines file.
    Line(usize),
    /// 0-based index in a JSON array.
    Index(usize),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::Index(n) => write!(f, "index {n}"),
        }
    }
}

/// A failure that stops reading the file: I/O, or broken JSON around an array's elements.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("invalid JSON: {0}")]
    Syntax(String),
}

/// Calls `each` with every record in order. A JSON Lines line that is not JSON is handed over
/// as an `Err` (so that every bad line is reported); blank lines are skipped.
pub fn for_each_record<T: DeserializeOwned>(
    reader: &mut dyn BufRead,
    mut each: impl FnMut(Location, Result<T, String>),
) -> Result<(), ReadError> {
    let blank_lines = skip_bom_and_space(reader)?;
    if reader.fill_buf()?.first() == Some(&b'[') {
        let mut de = serde_json::Deserializer::from_reader(reader);
        de.deserialize_seq(ArrayVisitor {
            each: &mut each,
            record: std::marker::PhantomData,
        })
        .map_err(|e| ReadError::Syntax(e.to_string()))?;
        return de.end().map_err(|e| ReadError::Syntax(e.to_string()));
    }
    let mut line = String::new();
    let mut number = blank_lines;
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        number += 1;
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        // Only objects are records (serde would also take an array for a struct).
        let record = if text.starts_with('{') {
            serde_json::from_str(text).map_err(|e| explain(text, e))
        } else {
            Err(explain(text, serde_json::from_str::<Value>(text).err()))
        };
        each(Location::Line(number), record);
    }
}

/// Why a line did not give a record: broken JSON, or JSON that is not an object.
fn explain(text: &str, error: impl Into<Option<serde_json::Error>>) -> String {
    match (serde_json::from_str::<Value>(text), error.into()) {
        (Err(syntax), _) => format!("invalid JSON: {syntax}"),
        (Ok(Value::Object(_)), Some(error)) => format!("invalid record: {error}"),
        (Ok(_), _) => NOT_AN_OBJECT.to_owned(),
    }
}

const NOT_AN_OBJECT: &str = "a record must be a JSON object";

/// Skips a UTF-8 byte order mark and leading white space (to see whether an array starts),
/// returning how many lines were skipped so that JSON Lines numbering stays true.
fn skip_bom_and_space(reader: &mut dyn BufRead) -> io::Result<usize> {
    if reader.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
    }
    let mut lines = 0;
    loop {
        let buf = reader.fill_buf()?;
        let blank = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
        if blank == 0 {
            return Ok(lines);
        }
        lines += buf[..blank].iter().filter(|&&b| b == b'\n').count();
        reader.consume(blank);
    }
}

struct ArrayVisitor<'f, F, T> {
    each: &'f mut F,
    record: std::marker::PhantomData<T>,
}

impl<'de, T: DeserializeOwned, F: FnMut(Location, Result<T, String>)> Visitor<'de>
    for ArrayVisitor<'_, F, T>
{
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(value) = seq.next_element::<Value>()? {
            let record = if value.is_object() {
                T::deserialize(value).map_err(|e| format!("invalid record: {e}"))
            } else {
                Err(NOT_AN_OBJECT.to_owned())
            };
            (self.each)(Location::Index(index), record);
            index += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Records = Vec<(Location, Result<Value, String>)>;

    fn collect(text: &str) -> Result<Records, ReadError> {
        let mut out = Vec::new();
        for_each_record::<Value>(&mut text.as_bytes(), |loc, rec| out.push((loc, rec)))?;
        Ok(out)
    }

    #[test]
    fn json_lines_are_numbered_from_one_and_blank_lines_skipped() {
        let records = collect("\n{\"id\":1}\n\n{oops\n{\"id\":3}\n").unwrap();
        let locations: Vec<_> = records.iter().map(|r| r.0).collect();
        assert_eq!(
            locations,
            [Location::Line(2), Location::Line(4), Location::Line(5)]
        );
        assert!(records[1].1.is_err());
    }

    #[test]
    fn records_must_be_objects() {
        // (A file whose first character is `[` is one JSON array.)
        let records = collect("{\"id\":1}\n[1]\n\"x\"\n").unwrap();
        assert!(records[0].1.is_ok());
        assert_eq!(records[1].1, Err(NOT_AN_OBJECT.to_owned()));
        assert_eq!(records[2].1, Err(NOT_AN_OBJECT.to_owned()));
        let records = collect("[[1], {\"id\":1}]").unwrap();
        assert_eq!(records[0].1, Err(NOT_AN_OBJECT.to_owned()));
    }

    #[test]
    fn arrays_are_indexed_from_zero() {
        let records = collect(" [{\"id\":1},{\"id\":2}]\n").unwrap();
        assert_eq!(records[1].0, Location::Index(1));
        assert_eq!(records[1].1.as_ref().unwrap()["id"], 2);
    }

    #[test]
    fn a_broken_array_stops_the_file() {
        assert!(matches!(collect("[{\"id\":1},"), Err(ReadError::Syntax(_))));
        assert!(matches!(
            collect("[{\"id\":1}] x"),
            Err(ReadError::Syntax(_))
        ));
    }
}
