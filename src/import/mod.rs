//! Data files into the database: streamed, checked record by record, all or nothing.

mod input;
mod load;
mod reader;
mod records;
mod write;

pub use input::{Input, Progress, Silent};
pub use load::{
    import, import_with_progress, ImportError, ImportSummary, Problem, MAX_LISTED_PROBLEMS,
};
pub use reader::{Location, ReadError};
