//! Whether this process may write the database file, told before SQLite touches it: a file it
//! may only read is opened so that nothing is written next to it either.

use std::fs::OpenOptions;
use std::io::ErrorKind;
use std::path::Path;

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

/// How the database file may be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    ReadWrite,
    /// Read only, and why (for the log line that says so).
    ReadOnly(&'static str),
}

/// What this process may do with the file at `path`. A file that does not exist yet is
/// `ReadWrite`: creating it is how a first start goes (and its failure says why).
pub fn of(path: &str) -> Access {
    let file = Path::new(path);
    if !file.exists() {
        return Access::ReadWrite;
    }
    if let Err(error) = OpenOptions::new().read(true).write(true).open(file) {
        return match error.kind() {
            ErrorKind::ReadOnlyFilesystem => Access::ReadOnly("its file system is read-only"),
            ErrorKind::PermissionDenied => Access::ReadOnly("this user may not write the file"),
            // Anything else (a directory, a broken path) is for SQLite to report.
            _ => Access::ReadWrite,
        };
    }
    // SQLite keeps its write-ahead log and index beside the file: a directory that refuses
    // new files refuses those too.
    let directory = match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let probe = directory.join(format!(".kbs-graphql-probe-{}", std::process::id()));
    match OpenOptions::new().write(true).create_new(true).open(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Access::ReadWrite
        }
        Err(error) if error.kind() == ErrorKind::ReadOnlyFilesystem => {
            Access::ReadOnly("its file system is read-only")
        }
        Err(error) if error.kind() == ErrorKind::PermissionDenied => {
            Access::ReadOnly("this user may not create files in its directory")
        }
        Err(_) => Access::ReadWrite,
    }
}

/// Characters a path must escape inside an SQLite URI filename.
const URI_RESERVED: &AsciiSet = &CONTROLS.add(b'%').add(b'?').add(b'#');

/// The connection string that reads `path` without writing anything: no lock, no log, no
/// index files. Pending changes in a write-ahead log left by a writer would be ignored that
/// way, so such a file is read through the log instead (SQLite then needs its index file).
pub fn read_only_url(path: &str) -> String {
    if has_pending_log(path) {
        reading_url(path)
    } else {
        format!("{}&immutable=1", reading_url(path))
    }
}

/// The connection string that opens `path` for reading only, on storage others may write.
pub fn reading_url(path: &str) -> String {
    format!("file:{}?mode=ro", utf8_percent_encode(path, URI_RESERVED))
}

fn has_pending_log(path: &str) -> bool {
    std::fs::metadata(format!("{path}-wal")).is_ok_and(|log| log.len() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_escaped_in_the_uri() {
        let url = read_only_url("/data/a?b#c%d.db");
        assert_eq!(url, "file:/data/a%3Fb%23c%25d.db?mode=ro&immutable=1");
    }

    #[test]
    fn a_missing_file_is_to_be_created() {
        assert_eq!(of("/nonexistent-dir/kbs.db"), Access::ReadWrite);
    }
}
