//! `/metrics`: the requests' metrics, then what the server's parts hold, read now
//! (`snapshot.rs`). On the main port for signed-in administrators, and on `--metrics-listen`
//! for anyone who can reach that address (a scraper on a private interface).

mod snapshot;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

use crate::auth::{Identity, Role};
use crate::state::AppState;

/// The main port's `/metrics`: administrators only (the numbers tell how the site is used).
pub async fn for_administrators(State(state): State<AppState>, request: Request) -> Response {
    match request.extensions().get::<Identity>() {
        Some(Identity::User(principal)) if principal.role == Role::Administrator => {
            scraped(&state).await
        }
        Some(Identity::User(_)) => (
            StatusCode::FORBIDDEN,
            "Metrics are for administrators; this user's role may not read them.\n",
        )
            .into_response(),
        Some(Identity::Throttled { retry_after_secs }) => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs))],
            "Too many failed sign-ins from this address; try again later.\n",
        )
            .into_response(),
        _ => (
            StatusCode::UNAUTHORIZED,
            [(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"kbs-graphql\""),
            )],
            "Sign in as an administrator (HTTP Basic, an application password) to read the \
             metrics, or serve them on a private address with --metrics-listen.\n",
        )
            .into_response(),
    }
}

/// The router `--metrics-listen` serves: `/metrics`, without sign-in.
pub fn private_router(state: AppState) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(state): State<AppState>| async move { scraped(&state).await }),
        )
        .with_state(state)
}

async fn scraped(state: &AppState) -> Response {
    let body = snapshot::render(state).await;
    (
        [
            (header::CONTENT_TYPE, CONTENT_TYPE),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}
