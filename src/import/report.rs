//! What an import reports: what it wrote, or why it wrote nothing.

use std::fmt;

use diesel::result::Error as DieselError;

use crate::import::reader::{Location, ReadError};

/// How many problems an import lists before it only counts the rest.
pub const MAX_LISTED_PROBLEMS: usize = 100;

/// One bad record: where it is, which field, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub location: Location,
    pub field: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: ", self.file, self.location)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}", invalid_message(problems, *total))]
    Invalid {
        problems: Vec<Problem>,
        total: usize,
    },
    #[error("{file}: {source}")]
    Read { file: String, source: ReadError },
    #[error(
        "{file} holds no customers: nothing was imported ({}is it the file you meant, or an \
         export that failed?)",
        if *replace { "`--replace` would delete every stored customer; " } else { "" }
    )]
    NoCustomers { file: String, replace: bool },
    #[error(
        "the disk is full (database or disk is full): nothing was imported; free space on the \
         database's file system (an import needs room for its data twice over while it runs) \
         and import again"
    )]
    StorageFull,
    #[error("database error: {0}")]
    Database(#[from] DieselError),
}

fn invalid_message(problems: &[Problem], total: usize) -> String {
    let mut text = format!("{total} bad record field(s); nothing was imported:");
    for p in problems {
        text.push_str("\n  ");
        text.push_str(&p.to_string());
    }
    if total > problems.len() {
        text.push_str(&format!("\n  … and {} more", total - problems.len()));
    }
    text
}

/// What an import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    pub customers: u64,
    pub companies: u64,
}
