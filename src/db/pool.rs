//! Opening the database: file creation, migrations, per-connection settings and the pool.

use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::r2d2::ConnectionManager;
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use r2d2::CustomizeConnection;

use crate::db::access::{self, Access};
use crate::db::admission::{Admission, ReadScope, INLINE_BUDGET, QUEUE_WAIT};
use crate::db::commits::CommitWatch;
use crate::db::deadline;
use crate::db::ReadStats;
use crate::error::AppError;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The connection every query in the crate is written against. SQLite's own: diesel's
/// multi-backend wrapper (`#[derive(MultiConnection)]`, which this was) writes each query's
/// SQL text out two or three times per execution, to find its prepared statement, check it
/// may be cached and collect its binds, where SQLite's connection finds a statically typed
/// query's statement by its type.
pub type DbConnection = SqliteConnection;

pub type Pool = r2d2::Pool<ConnectionManager<DbConnection>>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager<DbConnection>>;

/// Settings every pooled SQLite connection needs. `busy_timeout` comes first so that the
/// others wait for a writer instead of failing. No memory map: its pages count as the
/// process's resident memory, which one scan of a large file would fill; reads go through the
/// OS page cache instead, with a small page cache per connection for the hot index pages
/// (memory stays flat whatever the file's size).
pub(crate) const SQLITE_CONNECTION_PRAGMAS: &str = "PRAGMA busy_timeout = 5000;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
PRAGMA mmap_size = 0;
PRAGMA cache_size = -8000;";

/// The database could not be opened, created or migrated.
#[derive(Debug, thiserror::Error)]
#[error("cannot open database {path:?}: {reason}")]
pub struct OpenError {
    pub path: String,
    pub reason: String,
}

/// An open, migrated database and its connection pool.
#[derive(Clone)]
pub struct Database {
    pub pool: Pool,
    pub path: Arc<str>,
    /// Tells whether anything was committed since a per-request check last read.
    pub commits: Arc<CommitWatch>,
    /// Which costly reads may run now (see `admission`).
    pub(crate) admission: Arc<Admission>,
    /// What connections open: the path, or a read-only URI for a file we may not write.
    url: Arc<str>,
    /// Why the file may only be read, when it may: then nothing is written, by requests or
    /// in the background.
    pub read_only: Option<&'static str>,
    /// Statements run on this database's connections so far.
    statements: Arc<AtomicU64>,
    /// Waits for a connection, refusals and timeouts of [`Database::read`].
    pub stats: Arc<ReadStats>,
}

impl Database {
    /// Opens (creating if needed) and migrates the database at `url`: a file path, optionally
    /// written `sqlite://PATH` or `sqlite:PATH`.
    pub fn open(url: &str, pool_size: u32) -> Result<Database, OpenError> {
        let path = sqlite_path(url).to_owned();
        deadline::install();
        let fail = |reason: String| OpenError {
            path: path.clone(),
            reason,
        };
        // SQLite says only "unable to open database file".
        if Path::new(&path).is_dir() {
            return Err(fail(
                "it is a folder: give the path of the database file in it (as folder/kbs.db)"
                    .to_owned(),
            ));
        }
        if let Access::ReadOnly(why) = access::of(&path) {
            return Database::open_read_only(path.clone(), why, pool_size).map_err(fail);
        }
        // WAL is a property of the file: set once, on one connection, before the pool opens
        // (setting it from every pooled connection races into "database is locked").
        let mut first = SqliteConnection::establish(&path).map_err(|e| fail(e.to_string()))?;
        // Processes starting together on a new file all try to switch it to WAL, and SQLite
        // refuses the losers at once ("database is locked", without waiting): they try again.
        let mut attempts = 0;
        while let Err(error) = first.batch_execute(
            "PRAGMA busy_timeout = 60000; PRAGMA page_size = 16384; PRAGMA journal_mode = WAL;",
        ) {
            attempts += 1;
            if attempts == 50 || !error.to_string().contains("locked") {
                return Err(fail(error.to_string()));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // Under the write lock from the first look at what is pending: processes starting
        // together on one file migrate it once between them, the others waiting and then
        // finding nothing left to do, instead of failing on a table that appeared meanwhile.
        first
            .immediate_transaction(|conn| conn.run_pending_migrations(SQLITE_MIGRATIONS).map(drop))
            .map_err(|e| fail(e.to_string()))?;
        drop(first);

        let statements = Arc::new(AtomicU64::new(0));
        let pool = pool(&path, pool_size, statements.clone()).map_err(|e| fail(e.to_string()))?;
        Ok(Database {
            pool,
            statements,
            stats: Arc::default(),
            admission: Arc::new(Admission::new(pool_size.max(1))),
            commits: Arc::new(CommitWatch::open(&path)),
            url: path.as_str().into(),
            path: path.into(),
            read_only: None,
        })
    }

    /// Opens a file this process may only read, writing nothing beside it: it must already
    /// hold this version's schema, since migrating it is a write.
    fn open_read_only(path: String, why: &'static str, pool_size: u32) -> Result<Database, String> {
        let url = access::read_only_url(&path);
        let mut first = SqliteConnection::establish(&url).map_err(|e| e.to_string())?;
        let pending = first
            .has_pending_migration(SQLITE_MIGRATIONS)
            .map_err(|e| format!("it is read-only ({why}) and cannot be read: {e}"))?;
        if pending {
            return Err(format!(
                "it is read-only ({why}) and was written by an older kbs-graphql (or is not \
                 one of its databases): open it once with write access to upgrade it"
            ));
        }
        drop(first);
        let statements = Arc::new(AtomicU64::new(0));
        let pool = pool(&url, pool_size, statements.clone()).map_err(|e| e.to_string())?;
        Ok(Database {
            pool,
            statements,
            stats: Arc::default(),
            admission: Arc::new(Admission::new(pool_size.max(1))),
            commits: Arc::new(CommitWatch::none()),
            url: url.into(),
            path: path.into(),
            read_only: Some(why),
        })
    }

    /// How many statements this database's connections have run: what shows that a request
    /// costs a number of statements set by its shape, not by its rows.
    pub fn statements(&self) -> u64 {
        self.statements.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Refuses a file this process may only read, for commands that write.
    pub fn writable(self) -> Result<Database, OpenError> {
        match self.read_only {
            None => Ok(self),
            Some(why) => Err(OpenError {
                path: self.path.to_string(),
                reason: format!("it is read-only ({why}), and this command writes to it"),
            }),
        }
    }

    /// A connection of its own, outside the pool, with the pool's settings: for a caller that
    /// makes tiny queries often and must not queue behind page queries for a pooled one.
    pub fn dedicated_connection(&self) -> Result<DbConnection, AppError> {
        let mut conn = DbConnection::establish(&self.url).map_err(AppError::internal)?;
        let settings = ConnectionSettings {
            statements: self.statements.clone(),
        };
        settings.on_acquire(&mut conn).map_err(AppError::internal)?;
        Ok(conn)
    }

    /// Runs `work` on a pooled connection on tokio's blocking threads, keeping the caller's
    /// tracing span: diesel is synchronous and must not stall the async workers.
    pub async fn run<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await?
    }
}

fn pool(url: &str, size: u32, statements: Arc<AtomicU64>) -> Result<Pool, r2d2::Error> {
    r2d2::Pool::builder()
        .max_size(size.max(1))
        .min_idle(Some(1))
        // SQLite answers from a local file: a checkout ping would only cost a query.
        .test_on_check_out(false)
        .connection_timeout(Duration::from_secs(10))
        .connection_customizer(Box::new(ConnectionSettings { statements }))
        .build(ConnectionManager::new(url))
}

impl Database {
    /// [`Database::open`] for commands that read what is there (`export`, listing users): a
    /// missing file is refused, where opening would create an empty one and read nothing.
    pub fn open_existing(url: &str, pool_size: u32) -> Result<Database, OpenError> {
        let path = sqlite_path(url);
        if !Path::new(path).exists() {
            return Err(OpenError {
                path: path.to_owned(),
                reason: "no such file: check --database (or DATABASE_URL); `serve`, `import` \
                         and `users add` create a database, commands that read one do not"
                    .to_owned(),
            });
        }
        Database::open(url, pool_size)
    }
}

/// Shorthand for [`Database::open`].
pub fn open(url: &str, pool_size: u32) -> Result<Database, OpenError> {
    Database::open(url, pool_size)
}

/// The file a database URL names (`sqlite://PATH`, `sqlite:PATH` or a path).
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

#[derive(Debug)]
struct ConnectionSettings {
    /// The database's count of statements run.
    statements: Arc<AtomicU64>,
}

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for ConnectionSettings {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        conn.set_instrumentation(crate::db::full::instrumentation(self.statements.clone()));
        conn.batch_execute(SQLITE_CONNECTION_PRAGMAS)
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

impl Database {
    /// Runs a read of the query core for the current request (see the module's doc): on this
    /// async worker within [`INLINE_BUDGET`], else on a blocking thread within the request's
    /// time. `work` may run twice (the first run stopped), so it must only read.
    pub async fn read<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: Fn(&mut DbConnection) -> Result<T, AppError> + Send + Sync + 'static,
    {
        let scope = ReadScope::current();
        let deadline = scope.as_ref().map(|scope| scope.deadline);
        let budget = Instant::now() + INLINE_BUDGET;
        if let Some(mut conn) = self.pool.try_get() {
            let inline_until = deadline.map_or(budget, |deadline| deadline.min(budget));
            match deadline::until(Some(inline_until), || work(&mut conn)) {
                Err(AppError::Internal(error)) if is_interruption(&*error) => {}
                done => return done,
            }
        }
        let timed_out = || AppError::TimedOut {
            limit_secs: scope.as_ref().map_or(0, |scope| scope.limit.as_secs()),
        };
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            return Err(self.stats.refused(timed_out()));
        }
        let caller = scope.as_ref().and_then(|scope| scope.caller.as_ref());
        let until = Instant::now() + QUEUE_WAIT;
        let admitted = self
            .admission
            .admit(
                caller,
                deadline.map_or(until, |deadline| deadline.min(until)),
            )
            .await
            .map_err(|error| self.stats.refused(error))?;
        let pool = self.pool.clone();
        let stats = self.stats.clone();
        let span = tracing::Span::current();
        let result = tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let _admitted = admitted;
            let mut conn = match pool.try_get() {
                Some(conn) => conn,
                None => {
                    let queued = Instant::now();
                    let conn = pool.get();
                    stats.waited(queued.elapsed());
                    conn?
                }
            };
            deadline::until(deadline, || work(&mut conn))
        })
        .await?;
        match result {
            Err(AppError::Internal(error)) if is_interruption(&*error) => {
                Err(self.stats.refused(timed_out()))
            }
            done => done,
        }
    }
}

/// Whether an internal error is a statement stopped by its deadline.
fn is_interruption(error: &(dyn std::error::Error + Send + Sync + 'static)) -> bool {
    error
        .downcast_ref::<diesel::result::Error>()
        .is_some_and(deadline::interrupted)
}

#[cfg(test)]
mod tests {
    use super::sqlite_path;

    #[test]
    fn the_bundled_sqlite_is_built_with_our_flags() {
        use diesel::prelude::*;
        use diesel::sql_types::Integer;
        #[derive(QueryableByName)]
        struct Used {
            #[diesel(sql_type = Integer)]
            used: i32,
        }
        let mut conn = diesel::sqlite::SqliteConnection::establish(":memory:").unwrap();
        for option in ["ENABLE_QPSG", "THREADSAFE=2", "DEFAULT_MEMSTATUS=0"] {
            let found: Used = diesel::sql_query(format!(
                "SELECT sqlite_compileoption_used('{option}') AS used"
            ))
            .get_result(&mut conn)
            .unwrap();
            assert_eq!(
                found.used, 1,
                "{option}: build with .cargo/config.toml's LIBSQLITE3_FLAGS"
            );
        }
    }

    #[test]
    fn sqlite_urls_name_a_file() {
        assert_eq!(sqlite_path("sqlite://data/kbs.db"), "data/kbs.db");
        assert_eq!(sqlite_path("sqlite:kbs.db"), "kbs.db");
        assert_eq!(sqlite_path("/var/lib/kbs.db"), "/var/lib/kbs.db");
    }
}
