//! HTTP handlers for `/graphql` (GET and POST) and the GraphiQL page.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;

use crate::auth::Identity;
use crate::error::AppError;
use crate::graphql::incoming::{self, Incoming};
use crate::graphql::responses::{self, MediaType};
use crate::graphql::{batch, operation};
use crate::state::AppState;

pub async fn execute(State(state): State<AppState>, request: Request) -> Response {
    let media = MediaType::negotiate(request.headers());
    let identity = request
        .extensions()
        .get::<Identity>()
        .cloned()
        .unwrap_or(Identity::Anonymous);
    if let Identity::Throttled { retry_after_secs } = identity {
        let error = AppError::TooManyFailures { retry_after_secs };
        let mut response = responses::refused(
            error.status(),
            error.graphql_code(),
            error.to_string(),
            media,
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        return response;
    }
    match incoming::read(request, media).await {
        Ok(Incoming::One(request)) => operation::answer(&state, *request, identity, media).await,
        Ok(Incoming::Batch(requests)) => batch::answer(&state, requests, identity, media).await,
        Err(refusal) => refusal,
    }
}

/// The answer to a body over the limit, for a layer that read the body first.
pub(crate) fn too_large() -> Response {
    responses::refused(
        StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
        "Failed to buffer the request body: length limit exceeded".to_owned(),
        MediaType::Json,
    )
}
