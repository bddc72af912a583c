//! Command line and environment: every setting is a flag, most also an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// A GraphQL server (with a KB Support-compatible REST adapter) for a helpdesk's customers,
/// on an embedded SQLite database.
#[derive(Debug, Parser)]
#[command(name = "kbs-graphql", version, about)]
pub struct Cli {
    /// The SQLite database file (also `sqlite://PATH`); created and migrated when missing.
    #[arg(long, env = "DATABASE_URL", default_value = "kbs.db", global = true)]
    pub database: String,

    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve GraphQL (and GraphiQL) over HTTP. The default command.
    Serve(ServeArgs),
    /// Load customers (and companies) from data files, all or nothing.
    Import(ImportArgs),
    /// Write every customer and company to data files, in the import format.
    Export(ExportArgs),
    /// Print the GraphQL schema (SDL).
    Schema,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "KBS_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Database connections in the pool (SQLite reads run in parallel, one per connection).
    #[arg(long, env = "KBS_POOL_SIZE", default_value_t = 4)]
    pub pool_size: u32,

    /// Seconds a request may take before it is answered 408.
    #[arg(long, env = "KBS_REQUEST_TIMEOUT", default_value_t = 30)]
    pub request_timeout: u64,

    /// Largest request body accepted, in bytes; larger ones are answered 413.
    #[arg(long, env = "KBS_MAX_BODY_BYTES", default_value_t = 64 * 1024)]
    pub max_body_bytes: usize,

    /// Start on an empty database without loading the bundled demo data.
    #[arg(long, env = "KBS_NO_DEMO_DATA")]
    pub no_demo_data: bool,
}

impl ServeArgs {
    /// The serve settings when no subcommand was given: defaults, overridden by the
    /// environment.
    pub fn parse_defaults() -> ServeArgs {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            serve: ServeArgs,
        }
        Only::parse_from(["kbs-graphql"]).serve
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout)
    }
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
