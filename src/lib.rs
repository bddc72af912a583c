//! kbs-graphql: a helpdesk's customers over GraphQL (and, later, KB Support's REST routes),
//! from one query core on embedded SQLite.

pub mod config;
pub mod customers;
pub mod dates;
pub mod db;
pub mod demo;
pub mod error;
pub mod export;
pub mod graphql;
pub mod health;
pub mod import;
pub mod router;
pub mod server;
pub mod state;

pub use router::app;
pub use state::{AppState, Limits};

use std::path::Path;

use config::{Cli, Command, ServeArgs};
use db::Database;
use server::BoxError;

/// Runs one command of the CLI to completion.
pub fn run(cli: Cli) -> Result<(), BoxError> {
    match cli.command {
        None => serve(&cli.database, &ServeArgs::parse_defaults()),
        Some(Command::Serve(args)) => serve(&cli.database, &args),
        Some(Command::Schema) => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Some(Command::Import(args)) => {
            let db = Database::open(&cli.database, 1)?;
            let customers = open_input(&args.customers)?;
            let companies = args.companies.as_deref().map(open_input).transpose()?;
            let summary = import::import(&mut *db.pool.get()?, customers, companies, args.replace)?;
            eprintln!(
                "imported {} customers and {} companies into {}",
                summary.customers, summary.companies, db.path
            );
            Ok(())
        }
        Some(Command::Export(args)) => {
            let db = Database::open(&cli.database, 1)?;
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
    }
}

fn open_input(path: &Path) -> Result<import::Input<'static>, BoxError> {
    import::Input::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()).into())
}

fn serve(database_url: &str, args: &ServeArgs) -> Result<(), BoxError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(server::serve(database_url, args))
}
