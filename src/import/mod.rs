//! Data files into the database: streamed, checked record by record, all or nothing.

mod load;
mod reader;
mod records;

pub use load::{import, ImportError, ImportSummary, Input, Problem, MAX_LISTED_PROBLEMS};
pub use reader::{Location, ReadError};
