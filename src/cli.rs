//! The non-serving commands: schema, import, export, users and application passwords. Data
//! a script may capture (the schema, a new password) goes alone to stdout; messages to stderr.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::auth::{self, NewUser};
use crate::config::{
    AppPasswordsCommand, BackupArgs, ExportArgs, ImportArgs, SyncArgs, UsersCommand,
};
use crate::db::Database;
use crate::server::BoxError;
use crate::sync::SyncOptions;
use crate::{backup, dates, export, import};

pub fn import(database: &str, args: &ImportArgs) -> Result<(), BoxError> {
    // The inputs first, and a database this import creates is removed again when it fails:
    // a failed import leaves no empty database behind.
    let customers = open_input(&args.customers)?;
    let companies = args.companies.as_deref().map(open_input).transpose()?;
    let path = crate::db::sqlite_path(database).to_owned();
    let created = !std::path::Path::new(&path).exists();
    let imported = import_into(database, customers, companies, args);
    if imported.is_err() && created {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
    imported
}

fn import_into(
    database: &str,
    customers: import::Input<'static>,
    companies: Option<import::Input<'static>>,
    args: &ImportArgs,
) -> Result<(), BoxError> {
    let db = Database::open(database, 1)?.writable()?;
    let progress = ImportProgress::new();
    let started = Instant::now();
    let result = import::import_with_progress(
        &mut *db.pool.get()?,
        customers,
        companies,
        import::ImportOptions {
            replace: args.replace,
            shared_addresses: args.shared_addresses,
        },
        &progress,
    );
    progress.finish();
    let summary = result.map_err(|error| match error {
        import::ImportError::StorageFull => format!("cannot write {}: {error}", db.path),
        other => other.to_string(),
    })?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "imported {} customers and {} companies into {} in {seconds:.1} s ({:.0} customers/s)",
        summary.customers,
        summary.companies,
        db.path,
        summary.customers as f64 / seconds.max(1e-9)
    );
    Ok(())
}

/// A progress bar with rate and ETA on a terminal; a log line every few seconds otherwise.
struct ImportProgress {
    bar: Option<ProgressBar>,
    started: Instant,
    last_line: Mutex<Instant>,
}

impl ImportProgress {
    fn new() -> ImportProgress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{wide_bar} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta} {msg}",
                )
                .expect("valid template"),
            );
            bar
        });
        ImportProgress {
            bar,
            started: Instant::now(),
            last_line: Mutex::new(Instant::now()),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl import::Progress for ImportProgress {
    fn update(&self, file: &str, bytes: u64, total: Option<u64>, records: u64) {
        let rate = records as f64 / self.started.elapsed().as_secs_f64().max(1e-9);
        if let Some(bar) = &self.bar {
            bar.set_length(total.unwrap_or(bytes));
            bar.set_position(bytes);
            bar.set_message(format!("{records} records ({rate:.0}/s)"));
            return;
        }
        let mut last = self.last_line.lock().expect("progress lock");
        if last.elapsed() >= Duration::from_secs(5) {
            *last = Instant::now();
            let percent = total.map_or(String::new(), |t| {
                format!(" ({:.0}%)", 100.0 * bytes as f64 / t.max(1) as f64)
            });
            tracing::info!(
                "importing {file}: {records} records, {bytes} bytes read{percent}, {rate:.0} records/s"
            );
        }
    }
}

fn open_input(path: &Path) -> Result<import::Input<'static>, BoxError> {
    import::Input::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()).into())
}

pub fn backup(database: &str, args: &BackupArgs) -> Result<(), BoxError> {
    let copy = backup::backup(database, &args.to)?;
    eprintln!(
        "backed up {database} (dataset version {}, {} customers) to {}",
        copy.version,
        copy.customers,
        args.to.display()
    );
    Ok(())
}

pub fn export(database: &str, args: &ExportArgs) -> Result<(), BoxError> {
    let db = Database::open_existing(database, 1)?;
    let summary = export::export(&mut *db.pool.get()?, &args.customers, &args.companies)?;
    eprintln!(
        "exported {} customers to {} and {} companies to {}",
        summary.customers,
        args.customers.display(),
        summary.companies,
        args.companies.display()
    );
    Ok(())
}

pub async fn sync(database: &str, args: &SyncArgs) -> Result<(), BoxError> {
    let db = Database::open(database, 2)?.writable()?;
    let options = SyncOptions {
        from: args.from.clone(),
        user: args.user.clone(),
        app_password: args.app_password.clone(),
        source_password: args.source_password.clone(),
        table_prefix: args.table_prefix.clone(),
        replace: args.replace,
        concurrency: args.concurrency,
        timeout: Duration::from_secs(args.timeout),
        strict: args.strict,
        unless_unchanged: false,
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {pos}/{len} fetched {per_sec} ETA {eta} {wide_bar}",
            )
            .expect("valid template"),
        );
        bar
    });
    let last_line = Mutex::new(Instant::now());
    let progress = |done: u64, of: Option<u64>| match &bar {
        Some(bar) => {
            if let Some(of) = of {
                bar.set_length(of);
            }
            bar.set_position(done);
        }
        None => {
            let mut last = last_line.lock().expect("progress lock");
            if last.elapsed() >= Duration::from_secs(5) {
                *last = Instant::now();
                let of = of.map_or(String::new(), |of| format!(" of {of}"));
                tracing::info!("syncing: {done}{of} fetched");
            }
        }
    };
    let result = crate::sync::sync(&db, &options, &progress).await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let summary = result?;
    for warning in &summary.warnings {
        eprintln!("warning: {warning}");
    }
    eprintln!(
        "synced {} customers and {} companies from {} into {} in {:.1} s, {} warning(s){}",
        summary.customers,
        summary.companies,
        summary.source,
        db.path,
        summary.seconds,
        summary.warnings.len(),
        if summary.walked_ids {
            " (the site does not paginate: walked its ids)"
        } else {
            ""
        }
    );
    Ok(())
}

pub fn users(database: &str, command: &UsersCommand) -> Result<(), BoxError> {
    let db = if matches!(command, UsersCommand::List) {
        Database::open_existing(database, 1)?
    } else {
        Database::open(database, 1)?.writable()?
    };
    let conn = &mut *db.pool.get()?;
    match command {
        UsersCommand::Add {
            login,
            role,
            email,
            display_name,
            password_name,
        } => {
            let user = NewUser {
                login: login.clone(),
                role: *role,
                email: email.clone(),
                display_name: display_name.clone(),
            };
            let password = auth::add_user(conn, &user, password_name)?;
            eprintln!("created user {login:?} ({role}) with application password {password_name:?}; it is shown only once:");
            println!("{password}");
        }
        UsersCommand::List => {
            let users = auth::list_users(conn)?;
            println!(
                "{:<24} {:<17} {:<28} {:<20} {:>9}",
                "LOGIN", "ROLE", "EMAIL", "CREATED", "PASSWORDS"
            );
            for user in users {
                println!(
                    "{:<24} {:<17} {:<28} {:<20} {:>9}",
                    user.login,
                    user.role,
                    user.email,
                    dates::format_wordpress(user.created_at),
                    user.app_passwords
                );
            }
        }
        UsersCommand::Remove { login } => {
            auth::remove_user(conn, login)?;
            eprintln!("removed user {login:?} and its application passwords");
        }
        UsersCommand::SetRole { login, role } => {
            auth::set_role(conn, login, *role)?;
            eprintln!("user {login:?} is now {role}");
        }
    }
    Ok(())
}

pub fn app_passwords(database: &str, command: &AppPasswordsCommand) -> Result<(), BoxError> {
    // A user's passwords are in an existing database, whatever the command.
    let mut db = Database::open_existing(database, 1)?;
    if !matches!(command, AppPasswordsCommand::List { .. }) {
        db = db.writable()?;
    }
    let conn = &mut *db.pool.get()?;
    match command {
        AppPasswordsCommand::Create { login, name } => {
            let password = auth::create_app_password(conn, login, name)?;
            eprintln!(
                "created application password {name:?} for {login:?}; it is shown only once:"
            );
            println!("{password}");
        }
        AppPasswordsCommand::List { login } => {
            println!("{:<24} {:<20} {:<20}", "NAME", "CREATED", "LAST USED");
            for password in auth::list_app_passwords(conn, login)? {
                let last_used = password
                    .last_used_at
                    .map_or_else(|| "never".to_owned(), dates::format_wordpress);
                println!(
                    "{:<24} {:<20} {:<20}",
                    password.name,
                    dates::format_wordpress(password.created_at),
                    last_used
                );
            }
        }
        AppPasswordsCommand::Revoke { login, name } => {
            auth::revoke_app_password(conn, login, name)?;
            eprintln!("revoked application password {name:?} of {login:?}");
        }
    }
    Ok(())
}
