//! `kbs-graphql check`: what is wrong with a database file, if anything. It opens the file
//! read-only (a damaged file is not migrated or written), runs SQLite's integrity check, and
//! checks the derived data: whether it holds the stored dataset, and every stored REST
//! rendering against its checksum.

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::customers::{damaged_renderings, derived};
use crate::db::access::{self, Access};
use crate::db::DbConnection;

/// Damaged renderings named by id in the report; the rest are counted.
const NAMED: usize = 20;

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

/// What the check found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Findings {
    /// SQLite's own findings (empty when it says "ok").
    pub integrity: Vec<String>,
    /// Whether the derived data holds the stored dataset (else it is rebuilt by a server).
    pub derived_current: bool,
    pub renderings_checked: u64,
    pub damaged_renderings: Vec<i32>,
}

impl Findings {
    pub fn is_healthy(&self) -> bool {
        self.integrity.is_empty() && self.damaged_renderings.is_empty()
    }

    /// The report, one finding per line.
    pub fn report(&self, path: &str) -> String {
        let mut out = String::new();
        if self.integrity.is_empty() {
            out.push_str(&format!(
                "{path}: SQLite's integrity check found nothing wrong\n"
            ));
        } else {
            out.push_str(&format!(
                "{path}: SQLite's integrity check found {} problem(s):\n",
                self.integrity.len()
            ));
            for line in &self.integrity {
                out.push_str(&format!("  {line}\n"));
            }
        }
        out.push_str(if self.derived_current {
            "derived data: holds the stored dataset\n"
        } else {
            "derived data: older than the stored dataset (a running server rebuilds it)\n"
        });
        let damaged = &self.damaged_renderings;
        out.push_str(&format!(
            "stored REST renderings: {} checked, {} damaged",
            self.renderings_checked,
            damaged.len()
        ));
        if !damaged.is_empty() {
            let named: Vec<String> = damaged.iter().take(NAMED).map(i32::to_string).collect();
            let more = damaged.len().saturating_sub(NAMED);
            out.push_str(&format!(" (customers {}", named.join(", ")));
            if more > 0 {
                out.push_str(&format!(" and {more} more"));
            }
            out.push_str(
                "): REST pages holding them answer 500 until the data is imported again \
                 (which rebuilds the derived data) or the file is restored from a backup",
            );
        }
        out.push('\n');
        if !self.integrity.is_empty() {
            out.push_str(
                "the file is damaged: restore it from a backup, or export what can be read \
                 (`kbs-graphql export`) and import it into a new file\n",
            );
        }
        out
    }
}

/// Checks the database at `path`, opened read-only (on storage we may not write, without
/// even the lock and index files SQLite would otherwise create beside it).
pub fn check(path: &str) -> Result<Findings, String> {
    let url = match access::of(path) {
        Access::ReadOnly(_) => access::read_only_url(path),
        Access::ReadWrite => access::reading_url(path),
    };
    let mut conn = DbConnection::establish(&url).map_err(|e| format!("cannot open {path}: {e}"))?;
    let failed = |what: &str, e: diesel::result::Error| format!("{path}: {what}: {e}");
    let lines: Vec<Line> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut conn)
        .map_err(|e| failed("the integrity check did not run", e))?;
    let integrity = lines
        .into_iter()
        .map(|line| line.integrity_check)
        .filter(|line| line != "ok")
        .collect();
    let derived_current =
        derived::is_current(&mut conn).map_err(|e| failed("reading the derived data", e))?;
    let (renderings_checked, damaged_renderings) =
        damaged_renderings(&mut conn).map_err(|e| failed("reading the stored renderings", e))?;
    Ok(Findings {
        integrity,
        derived_current,
        renderings_checked,
        damaged_renderings,
    })
}
