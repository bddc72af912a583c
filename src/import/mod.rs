//! Data files into the database: streamed, checked record by record, all or nothing.

mod digest;
mod fields;
mod input;
mod load;
mod reader;
mod records;
mod report;
mod write;

pub use digest::{digest_of, Digest};
pub use input::{Input, Progress, Silent};
pub use load::{import, import_with_progress};
pub use reader::{Location, ReadError};
pub use report::{ImportError, ImportSummary, Problem, MAX_LISTED_PROBLEMS};

/// How an import treats what is already stored and what the files share.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Delete the stored dataset first, in the same transaction.
    pub replace: bool,
    /// An address listed by more than one customer is kept in each one's record, and a
    /// lookup by it finds the lowest id (as a real site may hold it; `sync` warns of each).
    /// Off for files: there, every address is one customer's, or the import is refused.
    pub shared_addresses: bool,
}
