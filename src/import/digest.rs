//! The dataset's digest: what its content is, whatever the order its records came in. Each
//! record (as its rows are written) is hashed on its own and the hashes are summed, so the
//! same customers and companies give the same digest from a file, from `sync`, or on another
//! replica; a replica compares it with its own before swapping in a sync (an unchanged
//! source costs no swap, no rebuild and no cache flush).

use std::hash::Hash;

use xxhash_rust::xxh3::Xxh3;

use crate::import::input::Input;
use crate::import::reader::for_each_record;
use crate::import::write::{Companies, Customers, RecordKind};

/// A multiset hash: the wrapping sum of the records' 128-bit hashes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Digest(u128);

impl Digest {
    pub fn add<R: Hash>(&mut self, kind: &str, record: &R) {
        let mut hasher = Xxh3::new();
        kind.hash(&mut hasher);
        record.hash(&mut hasher);
        self.0 = self.0.wrapping_add(hasher.digest128());
    }

    pub fn combine(self, other: Digest) -> Digest {
        Digest(self.0.wrapping_add(other.0))
    }

    /// As stored in the `dataset` row: 32 hexadecimal digits.
    pub fn to_hex(self) -> String {
        format!("{:032x}", self.0)
    }
}

/// The digest an import replacing the dataset with these files would store, read and checked
/// as the import does but written nowhere; `None` when a record is refused (the import then
/// says which).
pub fn digest_of(customers: Input<'_>, companies: Option<Input<'_>>) -> Option<Digest> {
    let companies = match companies {
        Some(input) => file_digest::<Companies>(input)?,
        None => Digest::default(),
    };
    Some(companies.combine(file_digest::<Customers>(customers)?))
}

fn file_digest<K: RecordKind>(mut input: Input<'_>) -> Option<Digest> {
    let mut digest = Digest::default();
    let mut refused = false;
    for_each_record(
        &mut input.reader,
        |_, raw: Result<K::Raw, String>| match raw.ok().map(K::check) {
            Some(Ok(record)) => digest.add(K::KIND, &record),
            _ => refused = true,
        },
    )
    .ok()?;
    (!refused).then_some(digest)
}

#[cfg(test)]
mod tests {
    use super::Digest;

    #[test]
    fn the_digest_is_of_the_records_whatever_their_order() {
        let digest = |records: &[(i32, &str)]| {
            let mut digest = Digest::default();
            for record in records {
                digest.add("customer", record);
            }
            digest
        };
        let one = digest(&[(1, "a"), (2, "b"), (3, "c")]);
        assert_eq!(one, digest(&[(3, "c"), (1, "a"), (2, "b")]));
        assert_ne!(one, digest(&[(1, "a"), (2, "b"), (3, "d")]));
        assert_ne!(one, digest(&[(1, "a"), (2, "b")]));
        let mut as_companies = Digest::default();
        for record in [(1, "a"), (2, "b"), (3, "c")] {
            as_companies.add("company", &record);
        }
        assert_ne!(one, as_companies);
        assert_eq!(one.to_hex().len(), 32);
    }
}
