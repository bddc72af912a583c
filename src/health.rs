//! Liveness and readiness probes for orchestrators and load balancers.

use axum::extract::State;
use axum::http::StatusCode;
use diesel::connection::SimpleConnection;

use crate::state::AppState;

/// The process is up and answering.
pub async fn alive() -> &'static str {
    "ok"
}

/// The database answers a query.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    let answer = state
        .db
        .run(|conn| Ok(conn.batch_execute("SELECT 1")?))
        .await;
    match answer {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(error) => {
            error.log();
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
