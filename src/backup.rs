//! `backup`: a consistent copy of a database that servers may be serving and imports
//! replacing, made by SQLite's `VACUUM INTO` (one read transaction: the copy holds one dataset
//! whole, compacted), written beside its place and renamed there once complete.

use std::path::{Path, PathBuf};

use diesel::{Connection, RunQueryDsl};

use crate::db::{self, Database, DbConnection};
use crate::server::BoxError;

/// What a backup holds, read from the copy itself.
pub struct Copy {
    pub customers: i64,
    pub version: i64,
}

/// Copies the database at `database` to `to`, a file that must not exist yet.
pub fn backup(database: &str, to: &Path) -> Result<Copy, BoxError> {
    if to.exists() {
        return Err(format!(
            "{} exists: back up to a new file (a backup never overwrites one)",
            to.display()
        )
        .into());
    }
    if let Some(folder) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .map_err(|e| format!("cannot make {}: {e}", folder.display()))?;
    }
    let db = Database::open_existing(database, 1)?;
    let mut partial = to.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    // A copy cut short earlier is never taken for one.
    let _ = std::fs::remove_file(&partial);
    let copied = copy_to(&mut *db.pool.get()?, &partial);
    let copy = match copied {
        Ok(copy) => copy,
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            return Err(format!("cannot back up to {}: {error}", to.display()).into());
        }
    };
    std::fs::File::open(&partial)?.sync_all()?;
    std::fs::rename(&partial, to)?;
    Ok(copy)
}

fn copy_to(conn: &mut DbConnection, partial: &Path) -> Result<Copy, BoxError> {
    let path = partial.to_string_lossy().into_owned();
    diesel::sql_query("VACUUM INTO ?")
        .bind::<diesel::sql_types::Text, _>(&path)
        .execute(conn)?;
    let copy = &mut DbConnection::establish(&db::access::reading_url(&path))?;
    Ok(Copy {
        customers: db::stored_customers(copy)?,
        version: db::dataset_version(copy)?,
    })
}
