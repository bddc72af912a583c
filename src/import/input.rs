//! A data file being read: its name for messages, its size for progress, and a count of the
//! bytes read so far.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub struct Input<'r> {
    pub name: String,
    /// Total bytes, when known (for a progress bar's ETA).
    pub size: Option<u64>,
    pub reader: Box<dyn BufRead + Send + 'r>,
}

impl Input<'static> {
    pub fn open(path: &Path) -> io::Result<Input<'static>> {
        let file = File::open(path)?;
        let size = file.metadata().ok().map(|m| m.len());
        Ok(Input {
            name: path.display().to_string(),
            size,
            reader: Box::new(BufReader::with_capacity(1 << 20, file)),
        })
    }
}

impl<'r> Input<'r> {
    pub fn from_bytes(name: &str, bytes: &'r [u8]) -> Input<'r> {
        Input {
            name: name.to_owned(),
            size: Some(bytes.len() as u64),
            reader: Box::new(bytes),
        }
    }

    /// The reader, counting what passes through into `read`.
    pub(crate) fn counted(self, read: Arc<AtomicU64>) -> Counting<Box<dyn BufRead + Send + 'r>> {
        Counting {
            inner: self.reader,
            read,
        }
    }
}

pub(crate) struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.read.fetch_add(amount as u64, Ordering::Relaxed);
        self.inner.consume(amount);
    }
}

/// Told how an import advances, after every batch.
pub trait Progress: Sync {
    /// `bytes` of `total` read from the file being loaded, `records` of it written.
    fn update(&self, file: &str, bytes: u64, total: Option<u64>, records: u64);
}

/// For imports nobody watches (the demo data, tests).
pub struct Silent;

impl Progress for Silent {
    fn update(&self, _: &str, _: u64, _: Option<u64>, _: u64) {}
}
