use std::io::IsTerminal;
use std::process::ExitCode;

use kbs_graphql::config::{Cli, LogFormat};
use tracing_subscriber::EnvFilter;

// mimalloc: a request allocates and frees many small objects across tokio's threads; glibc's
// malloc (with its consolidation of freed chunks) was about a tenth of a cached answer's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::try_parse_args(std::env::args_os()).unwrap_or_else(|error| error.exit());
    // Logs go to stderr, so that commands which print data (schema, passwords) keep stdout
    // clean. `RUST_LOG` overrides the default level.
    let logs = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
        // One object a line, the event's fields flattened beside its level and target.
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
    match kbs_graphql::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("kbs-graphql: error: {error}");
            ExitCode::FAILURE
        }
    }
}
