//! Liveness and readiness probes for orchestrators and load balancers.

use axum::extract::State;
use axum::http::StatusCode;
use diesel::connection::SimpleConnection;

use crate::error::AppError;
use crate::state::AppState;

/// The process is up and answering.
pub async fn alive() -> &'static str {
    "ok"
}

/// The database answers a query, on a connection of the probe's own: never queued behind
/// the pool's reads, however busy they keep it. Not ready once shutdown has started, so that
/// load balancers stop sending while the last requests are answered. A replica
/// (`--sync-from`) is not ready before its first sync lands, nor while its data is older than
/// `--max-staleness`; its body says how fresh the data is.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, String) {
    if state.draining.is_set() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down".to_owned());
    }
    let db = state.db.clone();
    let answer = tokio::task::spawn_blocking(move || {
        let mut conn = db.dedicated_connection()?;
        conn.batch_execute("SELECT 1").map_err(AppError::from)
    })
    .await
    .map_err(AppError::from)
    .and_then(|answer| answer);
    if let Err(error) = answer {
        error.log();
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "database unavailable".to_owned(),
        );
    }
    match state.freshness.readiness() {
        Ok(body) => (StatusCode::OK, body),
        Err(why) => (StatusCode::SERVICE_UNAVAILABLE, why),
    }
}
