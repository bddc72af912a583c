//! HTTP handlers for `/graphql` (GET and POST) and the GraphiQL page.

use async_graphql::http::GraphiQLSource;
use async_graphql::ParseRequestError;
use async_graphql_axum::rejection::GraphQLRejection;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::state::AppState;

pub async fn execute(
    State(state): State<AppState>,
    request: Result<GraphQLRequest, GraphQLRejection>,
) -> Response {
    match request {
        Ok(request) => GraphQLResponse::from(state.schema.execute(request.into_inner()).await)
            .into_response(),
        Err(GraphQLRejection(error)) => unreadable_request(error),
    }
}

/// A request that is not a GraphQL request at all (bad JSON, no query, too large) gets a
/// GraphQL-shaped error body with the right status, not a bare text line.
fn unreadable_request(error: ParseRequestError) -> Response {
    let (status, code) = match &error {
        ParseRequestError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE"),
        _ => (StatusCode::BAD_REQUEST, "BAD_REQUEST"),
    };
    let body = json!({
        "errors": [{ "message": error.to_string(), "extensions": { "code": code } }]
    });
    (status, Json(body)).into_response()
}

pub async fn graphiql() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .title("kbs-graphql")
            .finish(),
    )
}
