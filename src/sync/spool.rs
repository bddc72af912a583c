//! The fetched records, spooled to files beside the database (removed afterwards), with where
//! each came from: a problem the import finds is named by the site's customer and URL.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

use crate::db::Database;
use crate::sync::records::id_of;
use crate::sync::SyncError;

/// The fetched records, spooled to files beside the database and removed afterwards.
pub struct Spool {
    pub path: PathBuf,
    out: BufWriter<File>,
    pub count: u64,
    /// Each line's record: its id and where it came from (a URL, a table).
    sources: Vec<(Option<u64>, Arc<str>)>,
}

impl Spool {
    pub fn create(db: &Database, kind: &str) -> Result<Spool, SyncError> {
        let dir = std::path::Path::new(&*db.path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty());
        let path = dir
            .unwrap_or(std::path::Path::new("."))
            .join(format!(".kbs-sync-{}-{kind}.jsonl", std::process::id()));
        let file = File::create(&path)
            .map_err(|e| SyncError::Local(format!("{}: {e}", path.display())))?;
        Ok(Spool {
            path,
            out: BufWriter::new(file),
            count: 0,
            sources: Vec::new(),
        })
    }

    pub fn write(&mut self, record: &Value, source: &Arc<str>) -> Result<(), SyncError> {
        serde_json::to_writer(&mut self.out, record)
            .map_err(|e| SyncError::Local(e.to_string()))?;
        self.out
            .write_all(b"\n")
            .map_err(|e| SyncError::Local(e.to_string()))?;
        self.count += 1;
        self.sources.push((id_of(record, "id"), source.clone()));
        Ok(())
    }

    pub fn finish(&mut self) -> Result<(), SyncError> {
        self.out
            .flush()
            .map_err(|e| SyncError::Local(e.to_string()))
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Spool {
    /// The id and source of the record on 1-based `line`.
    pub fn source(&self, line: usize) -> Option<&(Option<u64>, Arc<str>)> {
        self.sources.get(line.checked_sub(1)?)
    }
}
