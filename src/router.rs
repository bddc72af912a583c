//! The one place that maps paths to handlers, and the layers every request passes through.

use axum::http::StatusCode;
use axum::middleware;
use axum::routing::{any, get};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tower_http::LatencyUnit;
use tracing::Level;

use crate::auth;
use crate::graphql::handlers as graphql;
use crate::health;
use crate::rest::handlers as rest;
use crate::state::AppState;

pub fn app(state: AppState) -> Router {
    let limits = state.limits;
    // Routes that serve customers learn who is asking; the rest never look at credentials.
    let identified = Router::new()
        .route("/graphql", get(graphql::execute).post(graphql::execute))
        .route("/wp-json", any(rest::wp_json))
        .route("/wp-json/", any(rest::wp_json))
        .route("/wp-json/{*route}", any(rest::wp_json))
        // WordPress's fallback when pretty permalinks are off: `/?rest_route=/kbs/v1/…`.
        .route("/", any(rest::root))
        .route_layer(middleware::from_fn_with_state(
            state.auth.clone(),
            auth::middleware,
        ));
    Router::new()
        .merge(identified)
        .route("/graphiql", get(graphql::graphiql))
        .route("/healthz", get(health::alive))
        .route("/readyz", get(health::ready))
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        // A panic in a handler becomes a 500 for that request, not a dropped connection.
        .layer(CatchPanicLayer::new())
        // Outermost, so the logged status is the one the client got. One line per request.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_request(())
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Micros),
                ),
        )
}
