//! kbs-graphql: a helpdesk's customers over GraphQL (and, later, KB Support's REST routes),
//! from one query core on embedded SQLite.

pub mod auth;
pub mod backup;
pub mod cache;
pub mod check;
mod cli;
pub mod client_address;
pub mod config;
pub mod connections;
pub mod customers;
pub mod dates;
pub mod db;
pub mod demo;
pub mod error;
pub mod export;
pub mod freshness;
pub mod graphql;
pub mod health;
pub mod import;
pub mod metrics;
pub mod playground;
pub mod renderers;
pub mod replica;
pub mod request_log;
pub mod rest;
pub mod router;
pub mod scrape;
pub mod server;
pub mod state;
pub mod sync;

pub use renderers::RENDERERS;
pub use router::app;
pub use state::{AppState, Limits};

use config::{Cli, Command, ServeArgs};
use server::BoxError;

/// Runs one command of the CLI to completion.
pub fn run(cli: Cli) -> Result<(), BoxError> {
    let database = &cli.database;
    match &cli.command {
        None => serve(database, &cli.serve),
        Some(Command::Serve(args)) => serve(database, args),
        Some(Command::Schema) => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Some(Command::Check) => {
            let path = db::sqlite_path(database);
            if !std::path::Path::new(path).is_file() {
                return Err(format!(
                    "cannot check {path}: no such file (check --database or DATABASE_URL)"
                )
                .into());
            }
            let findings = check::check(path)?;
            print!("{}", findings.report(path));
            if findings.is_healthy() {
                Ok(())
            } else {
                Err(format!("{path} is damaged (see above)").into())
            }
        }
        Some(Command::Backup(args)) => cli::backup(database, args),
        Some(Command::Import(args)) => cli::import(database, args),
        Some(Command::Export(args)) => cli::export(database, args),
        Some(Command::Sync(args)) => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(cli::sync(database, args)),
        Some(Command::Users(command)) => cli::users(database, command),
        Some(Command::AppPasswords(command)) => cli::app_passwords(database, command),
    }
}

fn serve(database_url: &str, args: &ServeArgs) -> Result<(), BoxError> {
    tokio::runtime::Builder::new_multi_thread()
        // Blocking work is database work, which the pool serializes anyway: more threads than
        // connections only add stacks and malloc arenas.
        .max_blocking_threads((args.pool_size as usize * 2).max(4))
        .enable_all()
        .build()?
        .block_on(server::serve(database_url, args))
}
