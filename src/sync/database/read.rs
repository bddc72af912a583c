//! One read of a site's tables, in one snapshot: InnoDB tables in a consistent-snapshot
//! transaction, MyISAM ones (older sites) under a read lock. Customers come in chunks by id
//! with their meta, so memory stays flat however many there are.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Arc;

use mysql::prelude::Queryable;
use mysql::{Conn, Value as Sql};

use crate::sync::database::{database_error, Counts, DatabaseSource};
use crate::sync::gather::Gathered;
use crate::sync::plugin::{self, CustomerRow, COMPANY_META, CUSTOMER_META};
use crate::sync::SyncError;

/// Customers read per statement.
const CHUNK: usize = 5000;

/// The tables read, without their prefix.
const TABLES: [&str; 4] = ["kbs_customers", "kbs_customermeta", "posts", "postmeta"];

/// Company statuses the plugin's companies list shows a support manager; companies in other
/// states (drafts, the trash) are read when a customer names them, as its single route
/// answers for them.
const LISTED: [&str; 2] = ["publish", "private"];

/// What the reading thread sends, in this order: the customer count, the ticket counts, the
/// customers chunk by chunk with their meta, then every company with its meta.
enum Batch {
    Total(u64),
    Tickets(HashMap<u64, u64>),
    Customers(Vec<(CustomerRow, Vec<(String, String)>)>),
    Companies(Vec<CompanyRow>),
}

struct CompanyRow {
    id: u64,
    title: String,
    status: String,
    meta: Vec<(String, String)>,
}

/// Reads every customer into `gathered`, checks them (`strict`), then the companies. One
/// thread reads while this one shapes what it read: MariaDB's answer for the next chunk
/// streams in meanwhile.
pub fn read_all(
    source: &DatabaseSource,
    gathered: &mut Gathered,
    strict: bool,
    counts: &Counts,
) -> Result<(), SyncError> {
    let (sender, batches) = std::sync::mpsc::sync_channel(2);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || read(source, &sender));
        let shaped = shape(source, batches, gathered, strict, counts);
        // A failed read explains a short one; a failed shape (--strict) stops the reader, whose
        // next send finds nobody listening.
        reader
            .join()
            .map_err(|_| SyncError::Local("the database reader panicked".into()))??;
        shaped
    })
}

/// Turns the read rows into the plugin's answers, into `gathered`.
fn shape(
    source: &DatabaseSource,
    batches: Receiver<Batch>,
    gathered: &mut Gathered,
    strict: bool,
    counts: &Counts,
) -> Result<(), SyncError> {
    let customers: Arc<str> =
        format!("{}, table {}kbs_customers", source.label, source.prefix).into();
    let posts: Arc<str> = format!("{}, table {}posts", source.label, source.prefix).into();
    let mut tickets = HashMap::new();
    for batch in batches {
        match batch {
            Batch::Total(total) => counts.total.store(total.max(1), Ordering::Relaxed),
            Batch::Tickets(counted) => tickets = counted,
            Batch::Customers(rows) => {
                let count = rows.len() as u64;
                for (row, meta) in rows {
                    let tickets = tickets.get(&row.id).copied().unwrap_or(0);
                    let answer = plugin::customer(row, &meta, tickets, &mut gathered.warnings);
                    gathered.customer(answer, &customers)?;
                }
                counts.read.fetch_add(count, Ordering::Relaxed);
            }
            Batch::Companies(companies) => {
                gathered.customers_done(strict)?;
                // As the REST source finds them: none when no customer names one; else every
                // listed one and every other one a customer names.
                if gathered.company_ids.is_empty() {
                    return Ok(());
                }
                for company in companies {
                    let named = gathered.company_ids.contains(&company.id);
                    if named || LISTED.contains(&company.status.as_str()) {
                        let answer = plugin::company(company.id, company.title, &company.meta);
                        gathered.company(answer, &posts)?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// The reading thread: every batch in one snapshot, sent as soon as it is read. Stops quietly
/// when nobody listens any more.
fn read(source: &DatabaseSource, out: &SyncSender<Batch>) -> Result<(), SyncError> {
    let fail = |e| database_error(source, e);
    let send = |batch| out.send(batch).is_ok();
    let mut conn = Conn::new(source.opts.clone()).map_err(fail)?;
    let locked = begin_snapshot(source, &mut conn)?;

    let customers = source.table("kbs_customers");
    let total: u64 = conn
        .query_first(format!("SELECT COUNT(*) FROM {customers}"))
        .map_err(fail)?
        .unwrap_or(0);
    if !send(Batch::Total(total)) || !send(Batch::Tickets(ticket_counts(source, &mut conn)?)) {
        return Ok(());
    }
    let meta_keys = quoted_list(&CUSTOMER_META);
    let mut after = 0u64;
    loop {
        let sql = format!(
            "SELECT id, user_id, email, name, company_id, notes, date_created FROM {customers} \
             WHERE id > {after} ORDER BY id LIMIT {CHUNK}"
        );
        let rows: Vec<CustomerRow> = rows_of(&mut conn, &sql)
            .map_err(fail)?
            .into_iter()
            .map(|mut row| CustomerRow {
                id: number(&row[0]),
                user_id: number(&row[1]),
                email: text(&mut row[2]),
                name: text(&mut row[3]),
                company_id: number(&row[4]),
                notes: text(&mut row[5]),
                date_created: text(&mut row[6]),
            })
            .collect();
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            break;
        };
        let (first, last) = (first.id, last.id);
        let sql = format!(
            "SELECT kbs_customer_id, meta_key, meta_value FROM {} WHERE kbs_customer_id \
             BETWEEN {first} AND {last} AND meta_key IN ({meta_keys}) \
             ORDER BY kbs_customer_id, meta_id",
            source.table("kbs_customermeta")
        );
        let mut meta = meta_by_owner(&mut conn, &sql).map_err(fail)?;
        let full = rows.len() == CHUNK;
        let chunk = rows
            .into_iter()
            .map(|row| {
                let own = meta.remove(&row.id).unwrap_or_default();
                (row, own)
            })
            .collect();
        if !send(Batch::Customers(chunk)) {
            return Ok(());
        }
        after = last;
        if !full {
            break;
        }
    }
    let companies = read_companies(source, &mut conn)?;
    let end = if locked { "UNLOCK TABLES" } else { "COMMIT" };
    conn.query_drop(end).map_err(fail)?;
    send(Batch::Companies(companies));
    Ok(())
}

/// Starts the one snapshot every later statement reads: a consistent-snapshot transaction
/// when every table is InnoDB, else a read lock on them (true then). A missing table is told
/// here, before anything is read.
fn begin_snapshot(source: &DatabaseSource, conn: &mut Conn) -> Result<bool, SyncError> {
    let fail = |e| database_error(source, e);
    let names: Vec<String> = TABLES
        .iter()
        .map(|name| format!("{}{name}", source.prefix))
        .collect();
    let sql = format!(
        "SELECT TABLE_NAME, ENGINE FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ({})",
        quoted_list(&names.iter().map(String::as_str).collect::<Vec<_>>())
    );
    let engines: BTreeMap<String, String> = rows_of(conn, &sql)
        .map_err(fail)?
        .into_iter()
        .map(|mut row| (text(&mut row[0]), text(&mut row[1])))
        .collect();
    let missing: Vec<String> = names
        .iter()
        .filter(|name| !engines.contains_key(*name))
        .cloned()
        .collect();
    if !missing.is_empty() {
        // information_schema hides the tables a user may not read: ask them, to tell the two
        // apart.
        for name in &missing {
            conn.query_drop(format!("SELECT 1 FROM `{name}` LIMIT 0"))
                .map_err(fail)
                .or_else(|error| match error {
                    SyncError::MayNotRead { .. } => Err(error),
                    _ => Ok(()),
                })?;
        }
        return Err(SyncError::NotKbSupportDatabase {
            url: source.label.clone(),
            prefix: source.prefix.clone(),
            missing,
        });
    }
    let untransactional: Vec<&String> = engines
        .iter()
        .filter(|(_, engine)| !engine.eq_ignore_ascii_case("InnoDB"))
        .map(|(name, _)| name)
        .collect();
    if untransactional.is_empty() {
        conn.query_drop("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            .map_err(fail)?;
        conn.query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            .map_err(fail)?;
        return Ok(false);
    }
    tracing::info!(
        tables = ?untransactional,
        "not every table is InnoDB: reading them under a read lock (the site waits to write)"
    );
    let locks: Vec<String> = names.iter().map(|name| format!("`{name}` READ")).collect();
    conn.query_drop(format!("LOCK TABLES {}", locks.join(", ")))
        .map_err(fail)?;
    Ok(true)
}

/// Each customer's real ticket count: its `kbs_ticket` posts, but those in the trash and
/// WordPress's auto-drafts. Two plain reads, counted here: MariaDB joins and groups the same
/// rows more slowly (through a temporary table).
fn ticket_counts(source: &DatabaseSource, conn: &mut Conn) -> Result<HashMap<u64, u64>, SyncError> {
    let fail = |e| database_error(source, e);
    let sql = format!(
        "SELECT ID FROM {} WHERE post_type = 'kbs_ticket' \
         AND post_status NOT IN ('trash', 'auto-draft')",
        source.table("posts")
    );
    let mut tickets = HashSet::new();
    for row in conn.query_iter(sql).map_err(fail)? {
        tickets.insert(number(&row.map_err(fail)?.unwrap()[0]));
    }
    let sql = format!(
        "SELECT post_id, meta_value FROM {} WHERE meta_key = '_kbs_ticket_customer_id'",
        source.table("postmeta")
    );
    let mut counts = HashMap::new();
    for row in conn.query_iter(sql).map_err(fail)? {
        let row = row.map_err(fail)?.unwrap();
        let customer = number(&row[1]);
        if customer != 0 && tickets.contains(&number(&row[0])) {
            *counts.entry(customer).or_insert(0) += 1;
        }
    }
    Ok(counts)
}

/// Every `kbs_company` post, whatever its status, with its meta.
fn read_companies(source: &DatabaseSource, conn: &mut Conn) -> Result<Vec<CompanyRow>, SyncError> {
    let fail = |e| database_error(source, e);
    let (posts, postmeta) = (source.table("posts"), source.table("postmeta"));
    let sql = format!(
        "SELECT {postmeta}.post_id, {postmeta}.meta_key, {postmeta}.meta_value FROM {postmeta} \
         JOIN {posts} ON {posts}.ID = {postmeta}.post_id \
         WHERE {posts}.post_type = 'kbs_company' AND {postmeta}.meta_key IN ({}) \
         ORDER BY {postmeta}.meta_id",
        quoted_list(&COMPANY_META)
    );
    let mut meta = meta_by_owner(conn, &sql).map_err(fail)?;
    let sql = format!(
        "SELECT ID, post_title, post_status FROM {posts} WHERE post_type = 'kbs_company' ORDER BY ID"
    );
    Ok(rows_of(conn, &sql)
        .map_err(fail)?
        .into_iter()
        .map(|mut row| {
            let id = number(&row[0]);
            CompanyRow {
                id,
                title: text(&mut row[1]),
                status: text(&mut row[2]),
                meta: meta.remove(&id).unwrap_or_default(),
            }
        })
        .collect())
}

impl DatabaseSource {
    /// The site's table `name` (unprefixed), quoted for a statement.
    fn table(&self, name: &str) -> String {
        format!("`{}{name}`", self.prefix)
    }
}

/// Rows of (owner id, key, value), in the statement's order, grouped by owner: a customer's or
/// a company post's meta.
fn meta_by_owner(conn: &mut Conn, sql: &str) -> mysql::Result<HashMap<u64, Vec<(String, String)>>> {
    let mut meta: HashMap<u64, Vec<(String, String)>> = HashMap::new();
    for mut row in rows_of(conn, sql)? {
        let entry = (text(&mut row[1]), text(&mut row[2]));
        meta.entry(number(&row[0])).or_default().push(entry);
    }
    Ok(meta)
}

/// Every row `sql` gives, as the text protocol sends them.
fn rows_of(conn: &mut Conn, sql: &str) -> mysql::Result<Vec<Vec<Sql>>> {
    conn.query_iter(sql)?
        .map(|row| row.map(mysql::Row::unwrap))
        .collect()
}

/// A column's text (the tables are UTF-8; a damaged byte shows as U+FFFD); NULL is empty.
fn text(value: &mut Sql) -> String {
    match std::mem::replace(value, Sql::NULL) {
        Sql::Bytes(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        },
        Sql::NULL => String::new(),
        other => other.as_sql(true),
    }
}

/// A column's unsigned number, 0 when it holds none.
fn number(value: &Sql) -> u64 {
    match value {
        Sql::Bytes(bytes) => std::str::from_utf8(bytes)
            .ok()
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(0),
        Sql::Int(n) => u64::try_from(*n).unwrap_or(0),
        Sql::UInt(n) => *n,
        _ => 0,
    }
}

/// `'a', 'b', …` for an IN list of fixed, known words.
fn quoted_list(words: &[&str]) -> String {
    words
        .iter()
        .map(|word| format!("'{word}'"))
        .collect::<Vec<_>>()
        .join(", ")
}
