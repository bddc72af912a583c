//! Command line and environment: every setting is a flag, most also an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::auth::Role;
use crate::client_address::TrustedProxies;
use crate::connections::ConnectionLimits;

mod replica;
mod values;

pub use replica::ReplicaArgs;

/// A GraphQL server (with a KB Support-compatible REST adapter) for a helpdesk's customers,
/// on an embedded SQLite database.
#[derive(Debug, Parser)]
#[command(name = "kbs-graphql", version, about)]
pub struct Cli {
    /// The SQLite database file (also `sqlite://PATH`); created and migrated when missing.
    #[arg(long, env = "DATABASE_URL", default_value = "kbs.db", global = true)]
    pub database: String,

    /// How log lines are written to stderr: `text` (one readable line each) or `json` (one
    /// JSON object each, for a log collector).
    #[arg(
        long,
        env = "KBS_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,

    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Without a subcommand, the binary serves and takes `serve`'s flags directly.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve GraphQL (and GraphiQL) over HTTP. The default command.
    Serve(Box<ServeArgs>),
    /// Load customers (and companies) from data files, all or nothing.
    Import(ImportArgs),
    /// Write every customer and company to data files, in the import format.
    Export(ExportArgs),
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Check a database file without changing it: SQLite's integrity check, whether the
    /// derived data holds the stored dataset, and every stored REST rendering against its
    /// checksum. Exits 1 when something is damaged.
    Check,
    /// Write a consistent copy of the database to a new file, while servers and imports go on
    /// (SQLite's `VACUUM INTO`: one read transaction, so the copy holds one dataset whole).
    Backup(BackupArgs),
    /// Pull a live KB Support site's customers (and their companies) over its REST API and
    /// import them, all or nothing.
    Sync(SyncArgs),
    /// Manage the users who may sign in.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Manage a user's application passwords.
    #[command(subcommand, name = "app-passwords")]
    AppPasswords(AppPasswordsCommand),
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user and its first application password, printed alone on stdout.
    Add {
        login: String,
        /// The user's role; only administrator and support_manager may read customers.
        #[arg(long, value_enum)]
        role: Role,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "")]
        display_name: String,
        /// Name of the first application password.
        #[arg(long, default_value = "default")]
        password_name: String,
    },
    /// List users, their roles and how many application passwords they have.
    List,
    /// Delete a user and all of its application passwords.
    Remove { login: String },
    /// Change a user's role.
    SetRole {
        login: String,
        #[arg(value_enum)]
        role: Role,
    },
}

#[derive(Debug, Subcommand)]
pub enum AppPasswordsCommand {
    /// Create an application password, printed alone on stdout (shown only this once).
    Create {
        login: String,
        #[arg(long)]
        name: String,
    },
    /// List a user's application passwords (names and dates, never the passwords).
    List { login: String },
    /// Delete an application password; it stops working at once.
    Revoke { login: String, name: String },
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on: an IP address or a host name (`localhost:8080`) and a
    /// port; `:8080` alone listens on every IPv4 interface.
    #[arg(long, env = "KBS_LISTEN", default_value = "127.0.0.1:8080", value_parser = values::parse_listen)]
    pub listen: SocketAddr,

    /// Also serve `/metrics` (Prometheus' text format) on this address, without sign-in: for
    /// a scraper on a private interface (`127.0.0.1:9090`, `10.0.0.5:9090`). On the main
    /// port `/metrics` is for signed-in administrators only.
    #[arg(long, env = "KBS_METRICS_LISTEN", value_parser = values::parse_listen)]
    pub metrics_listen: Option<SocketAddr>,

    /// Database connections in the pool (SQLite reads run in parallel, one per connection).
    #[arg(long, env = "KBS_POOL_SIZE", default_value_t = 4)]
    pub pool_size: u32,

    /// Seconds a request may take before it is answered 408.
    #[arg(long, env = "KBS_REQUEST_TIMEOUT", default_value_t = 30)]
    pub request_timeout: u64,

    /// Connections open at once; more wait in the listen backlog until one closes. Keep it
    /// under the process's file limit (`ulimit -n`).
    #[arg(long, env = "KBS_MAX_CONNECTIONS", default_value_t = 1000)]
    pub max_connections: usize,

    /// Seconds a connection may take to send a request's headers, counted from its opening
    /// or its previous answer: slow senders and idle keep-alive connections are closed.
    #[arg(long, env = "KBS_HEADER_TIMEOUT", default_value_t = 10)]
    pub header_timeout: u64,

    /// Seconds an answer may wait for a client that reads none of it before the connection
    /// is closed.
    #[arg(long, env = "KBS_WRITE_TIMEOUT", default_value_t = 20)]
    pub write_timeout: u64,

    /// Seconds a shutdown (SIGTERM, SIGINT) may take to answer the requests already sent
    /// before the remaining connections are closed; keep it above --request-timeout.
    #[arg(long, env = "KBS_SHUTDOWN_GRACE", default_value_t = 30)]
    pub shutdown_grace: u64,

    /// Largest request body accepted, in bytes; larger ones are answered 413.
    #[arg(long, env = "KBS_MAX_BODY_BYTES", default_value_t = 64 * 1024)]
    pub max_body_bytes: usize,

    /// Operations one GraphQL batch (a JSON array of requests) may hold; longer ones are
    /// refused with 400 BATCH_TOO_LARGE.
    #[arg(long, env = "KBS_MAX_BATCH", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub max_batch: u16,

    /// Run only the GraphQL documents listed in FILE (trusted documents): a JSON object of
    /// documents by SHA-256, or an Apollo persisted query manifest. Clients send them by hash
    /// (`extensions.persistedQuery`) or in full; anything else is refused.
    #[arg(long, env = "KBS_PERSISTED_ONLY", value_name = "FILE")]
    pub persisted_only: Option<std::path::PathBuf>,

    /// Start on an empty database without loading the bundled demo data.
    #[arg(long, env = "KBS_NO_DEMO_DATA", value_parser = BoolishValueParser::new())]
    pub no_demo_data: bool,

    /// Let anonymous clients introspect the GraphQL schema (customer data still needs a
    /// signed-in ticket manager).
    #[arg(long, env = "KBS_PUBLIC_SCHEMA", value_parser = BoolishValueParser::new())]
    pub public_schema: bool,

    /// Proxies whose `Forwarded` / `X-Forwarded-For` headers name the client (for the
    /// failed-sign-in limit and the fairness of costly reads): comma-separated networks or
    /// addresses, as `127.0.0.1,10.0.0.0/8`. Headers from any other peer are ignored.
    #[arg(long, env = "KBS_TRUSTED_PROXIES", default_value = "", value_parser = TrustedProxies::parse)]
    pub trusted_proxies: TrustedProxies,

    #[command(flatten)]
    pub replica: ReplicaArgs,

    /// Public base URL for links in REST answers (scheme, host, optional path prefix);
    /// `http://<listen address>` when unset.
    #[arg(long, env = "KBS_PUBLIC_URL", value_parser = values::parse_public_url)]
    pub public_url: Option<String>,

    /// The site's time zone for REST dates, as a UTC offset (`+02:00`, `-05:30`, `UTC`).
    #[arg(long, env = "KBS_TIMEZONE", default_value = "UTC", value_parser = values::parse_offset)]
    pub timezone: chrono::FixedOffset,

    /// Browser origins allowed to read answers (CORS), comma-separated; `*` echoes any
    /// origin, as WordPress does.
    #[arg(long, env = "KBS_CORS_ORIGINS", default_value = "*")]
    pub cors_origins: String,

    /// Failed sign-ins allowed per client address in a 5-minute window before its
    /// credentials are refused (429) for the rest of the window.
    #[arg(long, env = "KBS_MAX_AUTH_FAILURES", default_value_t = 10)]
    pub max_auth_failures: u32,

    /// Memory for answers to repeated reads, in MiB, kept until an import changes the
    /// dataset; 0 turns the cache off (answers still carry an ETag).
    #[arg(long, env = "KBS_RESPONSE_CACHE_MIB", default_value_t = 32)]
    pub response_cache_mib: u64,
}

impl Cli {
    /// Parses a command line like [`Parser::try_parse_from`], and also refuses `serve`'s
    /// flags written before a subcommand (`kbs-graphql --listen … import …`): clap accepts
    /// them there, and the subcommand would silently ignore them. Environment variables stay
    /// allowed, so one environment can serve and run the other commands.
    pub fn try_parse_args<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let mut command = Cli::command();
        let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
        let matches = match command.try_get_matches_from_mut(args.iter().cloned()) {
            Ok(matches) => matches,
            Err(error) => return Err(values::naming_the_variable(&mut command, error, &args)),
        };
        if let Some((subcommand, _)) = matches.subcommand() {
            if let Some(flag) = serve_flag_given(&command, &matches) {
                let message = if subcommand == "serve" {
                    format!("--{flag} goes after the subcommand: `kbs-graphql serve --{flag} …`")
                } else {
                    format!("`{subcommand}` does not take --{flag} (a flag of `serve`)")
                };
                return Err(command.error(ErrorKind::ArgumentConflict, message));
            }
        }
        Cli::from_arg_matches(&matches)
    }
}

/// The first of `serve`'s flags (the top level's own, not the global ones) written on the
/// command line.
fn serve_flag_given(command: &clap::Command, matches: &ArgMatches) -> Option<String> {
    command
        .get_arguments()
        .filter(|arg| !arg.is_global_set())
        .find(|arg| matches.value_source(arg.get_id().as_str()) == Some(ValueSource::CommandLine))
        .and_then(|arg| arg.get_long().map(str::to_owned))
}

impl ServeArgs {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout)
    }

    pub fn connection_limits(&self) -> ConnectionLimits {
        ConnectionLimits {
            max_connections: self.max_connections,
            header_timeout: Duration::from_secs(self.header_timeout),
            write_timeout: Duration::from_secs(self.write_timeout),
            shutdown_grace: Duration::from_secs(self.shutdown_grace),
        }
    }
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The copy's path; it must not exist yet (its folders are made when missing).
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Customers file: JSON Lines or one JSON array.
    #[arg(long)]
    pub customers: PathBuf,

    /// Companies file: JSON Lines or one JSON array.
    #[arg(long)]
    pub companies: Option<PathBuf>,

    /// Delete the stored customers and companies first (in the same transaction).
    #[arg(long)]
    pub replace: bool,

    /// Accept an address listed by several customers (as `sync` keeps it from a site that
    /// holds such): each keeps it, and a lookup by it finds the lowest id. Without it, every
    /// address belongs to one customer or the import is refused.
    #[arg(long)]
    pub shared_addresses: bool,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The site's address, e.g. `https://help.example.com` (or its `/wp-json` root), or its
    /// WordPress database's: `mysql://USER[:PASSWORD]@HOST[:PORT]/DB` (`?socket=PATH` for a
    /// local socket).
    #[arg(long)]
    pub from: String,

    /// For a site: a WordPress user with KB Support's `view_ticket_reports` (a support manager
    /// or admin).
    #[arg(long)]
    pub user: Option<String>,

    /// For a site: that user's application password (spaces optional).
    #[arg(long, env = "KBS_APP_PASSWORD", hide_env_values = true)]
    pub app_password: Option<String>,

    /// For a database: its user's password, when the URL holds none.
    #[arg(
        long = "source-password",
        env = "KBS_SOURCE_PASSWORD",
        hide_env_values = true
    )]
    pub source_password: Option<String>,

    /// For a database: the WordPress tables' prefix (`$table_prefix` in wp-config.php).
    #[arg(long, default_value = "wp_")]
    pub table_prefix: String,

    /// Delete the stored customers and companies first (in the import's transaction).
    #[arg(long)]
    pub replace: bool,

    /// Requests in flight at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,

    /// Seconds one request may take before it is retried (for a database: one wait on it).
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,

    /// Refuse to import when a record had to be normalized (each is a warning otherwise).
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Where to write the customers (JSON Lines).
    #[arg(long)]
    pub customers: PathBuf,

    /// Where to write the companies (JSON Lines).
    #[arg(long)]
    pub companies: PathBuf,
}
