//! Knowing, without a transaction, that nobody committed since we last looked.
//!
//! Every cached answer and every cached credential must be confirmed against the database on
//! each request: another process may have imported, or revoked a password. A one-row read
//! costs a read transaction, and in WAL mode that is SQLite's shared-memory locks (`fcntl`
//! system calls) and statement machinery: two of them were a fifth of a cached answer's time.
//!
//! In WAL mode a commit becomes visible by rewriting the wal-index header at the start of the
//! `-shm` file, and SQLite's own readers keep their page cache exactly when that header is
//! unchanged. We read it the same way (<https://www.sqlite.org/walformat.html>): its two
//! copies, equal when no writer is mid-update. Equal headers at two moments mean no commit in
//! between. The layout is shared by every SQLite version that opens the file at once, so it
//! is stable; anything unexpected (no `-shm`, another journal mode, a torn read) yields no
//! mark, and callers then read the database as before.

use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use memmap2::{Mmap, MmapOptions};

use diesel::connection::SimpleConnection;
use diesel::sqlite::SqliteConnection;
use diesel::Connection;

/// Size of one copy of the wal-index header.
const HEADER: usize = 48;
/// `iVersion`, the header's first field, in every SQLite since WAL exists.
const WAL_INDEX_VERSION: u32 = 3_007_000;

/// The database's last commit, as seen at one moment. Equal marks: nothing committed between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitMark([u8; HEADER]);

pub struct CommitWatch {
    /// The wal-index's first page, mapped as SQLite maps it: a mark is then read from memory,
    /// where reading the file took a system call per request. The file stays open as long:
    /// closing any descriptor of a file drops every POSIX lock the process holds on it,
    /// SQLite's own included, and another process could then take the index for unused and
    /// truncate it under every mapping.
    shm: Option<(Mmap, File)>,
    /// Open for as long as the watch: while any connection has the wal-index open, no other
    /// process can truncate or delete it (SQLite does so only as the last one out), so the
    /// file we read stays the one writers update.
    _holder: Option<Mutex<SqliteConnection>>,
}

impl CommitWatch {
    /// A watch that gives no marks: for a file read without its wal-index.
    pub fn none() -> CommitWatch {
        CommitWatch {
            shm: None,
            _holder: None,
        }
    }

    /// Watches the database at `path` (already open in WAL mode). Never fails: a database we
    /// cannot watch gives no marks.
    pub fn open(path: &str) -> CommitWatch {
        let Ok(mut holder) = SqliteConnection::establish(path) else {
            return CommitWatch::none();
        };
        // One read opens the wal-index (SQLite maps it on first use).
        if holder
            .batch_execute("PRAGMA busy_timeout = 5000; SELECT count(*) FROM sqlite_schema;")
            .is_err()
        {
            return CommitWatch::none();
        }
        // SQLite names the index after the real file, symbolic links resolved.
        let shm = std::fs::canonicalize(path).ok().and_then(|real| {
            let mut name = real.into_os_string();
            name.push("-shm");
            let file = File::open(PathBuf::from(name)).ok()?;
            if file.metadata().ok()?.len() < 2 * HEADER as u64 {
                return None;
            }
            // SAFETY: the mapping is only ever read with atomic loads (`mark`), as writers in
            // other processes change it; the holder keeps the file from being truncated.
            let map = unsafe { MmapOptions::new().len(2 * HEADER).map(&file) }.ok()?;
            Some((map, file))
        });
        CommitWatch {
            shm,
            _holder: Some(Mutex::new(holder)),
        }
    }

    /// The current mark, or `None` when it cannot be told (the caller must then read).
    pub fn mark(&self) -> Option<CommitMark> {
        let (shm, _) = self.shm.as_ref()?;
        let mut both = [0u8; 2 * HEADER];
        // Word by word with atomic loads: writers in other processes update these bytes
        // while we read them (the two copies compared below tell a torn read).
        for (at, word) in both.chunks_exact_mut(4).enumerate() {
            // SAFETY: the mapping is page-aligned and `2 * HEADER` bytes long, so every word
            // is aligned and in bounds; it lives as long as `shm`.
            let atomic = unsafe { AtomicU32::from_ptr(shm.as_ptr().add(at * 4) as *mut u32) };
            word.copy_from_slice(&atomic.load(Ordering::Acquire).to_ne_bytes());
        }
        let (first, second) = both.split_at(HEADER);
        let version = u32::from_ne_bytes(first[..4].try_into().expect("four bytes"));
        let initialized = first[12] == 1;
        (first == second && initialized && version == WAL_INDEX_VERSION)
            .then(|| CommitMark(first.try_into().expect("one header")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wal_database(dir: &tempfile::TempDir) -> (String, SqliteConnection) {
        let path = dir.path().join("watched.db").to_str().unwrap().to_owned();
        let mut conn = SqliteConnection::establish(&path).unwrap();
        conn.batch_execute("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER);")
            .unwrap();
        (path, conn)
    }

    #[test]
    fn a_commit_changes_the_mark_and_reads_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let (path, mut writer) = wal_database(&dir);
        let watch = CommitWatch::open(&path);
        let before = watch.mark().expect("a WAL database has a mark");
        assert_eq!(watch.mark(), Some(before));

        let mut reader = SqliteConnection::establish(&path).unwrap();
        reader.batch_execute("SELECT count(*) FROM t;").unwrap();
        // A write transaction that changes nothing commits nothing either.
        writer
            .batch_execute("BEGIN IMMEDIATE; UPDATE t SET x = 1 WHERE 0; COMMIT;")
            .unwrap();
        assert_eq!(watch.mark(), Some(before));

        writer.batch_execute("INSERT INTO t VALUES (1);").unwrap();
        let after = watch.mark().expect("still a mark");
        assert_ne!(after, before);
        // Every commit, also after the log restarts from its beginning.
        writer
            .batch_execute("PRAGMA wal_checkpoint(TRUNCATE); INSERT INTO t VALUES (2);")
            .unwrap();
        let restarted = watch.mark().expect("still a mark");
        assert!(restarted != after && restarted != before);
    }

    #[test]
    fn no_mark_without_a_wal_index() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rollback.db").to_str().unwrap().to_owned();
        SqliteConnection::establish(&path)
            .unwrap()
            .batch_execute("CREATE TABLE t (x INTEGER);")
            .unwrap();
        assert_eq!(CommitWatch::open(&path).mark(), None);
        assert_eq!(CommitWatch::open("/nonexistent/dir/x.db").mark(), None);
    }
}
