//! Running the HTTP server: open the database, seed it, bind, serve until a signal.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::auth::{self, AppPassword, FailureLimit};
use crate::graphql;

use crate::config::ServeArgs;
use crate::customers::derived;
use crate::db::Database;
use crate::error::AppError;
use crate::freshness::Freshness;
use crate::rest::{CorsOrigins, Site};
use crate::state::{AppState, Limits};
use crate::{connections, demo, replica, router};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub async fn serve(database_url: &str, args: &ServeArgs) -> Result<(), BoxError> {
    let persisted = match &args.persisted_only {
        Some(path) => Some(graphql::Persisted::load(path)?),
        None => None,
    };
    let db = Database::open(database_url, args.pool_size)?;
    let sync = args.replica.sync_options();
    if let (Some(why), Some(_)) = (db.read_only, &sync) {
        return Err(format!(
            "--sync-from needs a database this process may write, and {database_url} is \
             read-only ({why}): serve a writable copy to keep it synced, or drop --sync-from \
             to serve the file as it is"
        )
        .into());
    }
    if let Some(why) = db.read_only {
        tracing::warn!(
            database = database_url,
            "the database is read-only ({why}): serving it as it is; nothing is written \
             (no demo data, no search index upkeep, no last-use times)"
        );
    } else if !args.no_demo_data && sync.is_none() {
        let loaded = db
            .run(|conn| demo::load_if_empty(conn).map_err(AppError::internal))
            .await?;
        if let Some(summary) = loaded {
            tracing::info!(
                customers = summary.customers,
                companies = summary.companies,
                "empty database: loaded the bundled demo data"
            );
        }
    }
    // Substring filters scan until the index holds the stored dataset; it is built (and
    // rebuilt after every import, by any process) in the background.
    let builds = Arc::new(derived::Builds::default());
    let bootstrap = if db.read_only.is_some() {
        None
    } else {
        derived::spawn_builder(db.clone(), crate::renderers::RENDERERS, builds.clone())?;
        db.run(|conn| auth::bootstrap_admin(conn).map_err(AppError::internal))
            .await?
    };
    let listener = TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let address = listener.local_addr()?;
    let metrics_listener = match args.metrics_listen {
        Some(at) => Some(
            TcpListener::bind(at)
                .await
                .map_err(|e| format!("cannot listen on {at} (--metrics-listen): {e}"))?,
        ),
        None => None,
    };
    let limits = Limits {
        request_timeout: args.request_timeout(),
        max_body_bytes: args.max_body_bytes,
        max_batch: usize::from(args.max_batch),
    };
    if let Some(password) = bootstrap {
        announce_bootstrap_admin(address, &password);
    }
    let base_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}"));
    let site = Site {
        base_url: base_url.trim_end_matches('/').to_owned(),
        timezone: args.timezone,
    };
    let freshness = match &sync {
        Some(_) => {
            let stored = db
                .run(|conn| crate::db::dataset_state(conn).map_err(AppError::from))
                .await?;
            Arc::new(Freshness::syncing(
                args.replica.max_staleness,
                stored.customers,
                stored.changed_at,
            ))
        }
        None => Arc::default(),
    };
    if let Some(options) = sync {
        tracing::info!(
            source = crate::sync::shown(&options.from),
            every = ?args.replica.sync_interval,
            "syncing the data from its source in the background"
        );
        replica::spawn(
            db.clone(),
            options,
            args.replica.sync_interval,
            freshness.clone(),
        );
    }
    let mut state = AppState::new(db, limits).with_freshness(freshness);
    if let Some(persisted) = persisted {
        tracing::info!(
            documents = persisted.trusted(),
            "only the trusted documents run (--persisted-only)"
        );
        state = state.with_persisted(persisted);
    }
    let state = state
        .with_site(site)
        .with_cors(CorsOrigins::parse(&args.cors_origins))
        .with_trusted_proxies(args.trusted_proxies.clone())
        .with_builds(builds)
        .with_public_schema(args.public_schema)
        .with_response_cache(args.response_cache_mib * 1024 * 1024)
        .with_failure_limit(FailureLimit {
            max_failures: args.max_auth_failures,
            ..FailureLimit::default()
        });
    let shutdown = shutdown_signal()?;
    let draining = state.draining.clone();
    let db = state.db.clone();
    if let Some(listener) = metrics_listener {
        let at = listener.local_addr()?;
        tracing::info!("metrics without sign-in at http://{at}/metrics");
        let metrics = crate::scrape::private_router(state.clone());
        // Plain axum: a scraper needs none of the main port's connection limits or drain.
        tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, metrics).await {
                tracing::error!(%error, "the metrics listener stopped");
            }
        });
    }
    let app = router::app(state);
    tracing::info!(%address, database = database_url, "listening: GraphQL at http://{address}/graphql, GraphiQL at http://{address}/graphiql");
    connections::serve(listener, app, args.connection_limits(), draining, shutdown).await;
    fold_log(&db).await;
    tracing::info!("stopped");
    Ok(())
}

/// Folds the write-ahead log into the database file, so that the file alone holds the data
/// (to copy it, or to serve it from read-only storage) and no log is left growing.
async fn fold_log(db: &Database) {
    if db.read_only.is_some() {
        return;
    }
    let folded = db
        .run(|conn| {
            use diesel::connection::SimpleConnection;
            conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")
                .map_err(AppError::from)
        })
        .await;
    if let Err(error) = folded {
        tracing::warn!(%error, "could not fold the write-ahead log into the database file");
    }
}

/// The only time the bootstrap password is ever shown: make it impossible to miss.
fn announce_bootstrap_admin(address: SocketAddr, password: &AppPassword) {
    eprintln!(
        "
============================================================================
 No users existed, so an administrator was created. Its application password
 is shown only this once:

     login:     admin
     password:  {password}

 Use it with HTTP Basic authentication, for example:
     curl -u 'admin:{password}' http://{address}/graphql \\
       -H 'Content-Type: application/json' -d '{{\"query\":\"{{ customers {{ totalCount }} }}\"}}'
 Manage users with `kbs-graphql users --help`.
============================================================================
"
    );
}

/// Resolves on SIGINT or SIGTERM. The handlers are installed here, before the server says it
/// listens: a signal sent as soon as it does must start a shutdown, not kill the process.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}
