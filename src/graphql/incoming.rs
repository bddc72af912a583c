//! What a request to `/graphql` asks: one GraphQL request, or a batch of them.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, Method, StatusCode};
use axum::response::Response;

use crate::graphql::responses::{self, MediaType};

pub enum Incoming {
    One(Box<async_graphql::Request>),
    /// A JSON array of requests, answered as an array in the same order.
    Batch(Vec<async_graphql::Request>),
}

/// The GraphQL request in a GET's query string or a POST's JSON body (one request, or an
/// array of them: a batch). The body is buffered by
/// axum so that the body limit surfaces as a real 413 rather than as a parse error. Only
/// `application/json` bodies run: a browser sends `text/plain` and form bodies across origins
/// without asking first, and the GraphQL-over-HTTP spec wants a 4xx for a POST without a type.
pub async fn read(request: Request, media: MediaType) -> Result<Incoming, Response> {
    let refuse =
        |status, code, message: &str| responses::refused(status, code, message.to_owned(), media);
    let parsed = if request.method() == Method::GET {
        let query = request.uri().query().unwrap_or_default();
        async_graphql::http::parse_query_string(query).map_err(|e| {
            refuse(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &format!("Invalid request: {e}"),
            )
        })?
    } else {
        let json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|name| name.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return Err(refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "BAD_REQUEST",
                "A GraphQL POST needs `Content-Type: application/json`.",
            ));
        }
        let body = Bytes::from_request(request, &())
            .await
            .map_err(|rejection| {
                let status = rejection.status();
                let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    "PAYLOAD_TOO_LARGE"
                } else {
                    "BAD_REQUEST"
                };
                refuse(status, code, &rejection.body_text())
            })?;
        let invalid = |e: serde_json::Error| {
            refuse(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &format!("Invalid request: the body is not a GraphQL request in JSON ({e})."),
            )
        };
        if body.trim_ascii_start().starts_with(b"[") {
            let requests: Vec<async_graphql::Request> =
                serde_json::from_slice(&body).map_err(invalid)?;
            if requests.iter().any(no_document) {
                return Err(no_query(media));
            }
            return Ok(Incoming::Batch(requests));
        }
        serde_json::from_slice::<async_graphql::Request>(&body).map_err(invalid)?
    };
    if no_document(&parsed) {
        return Err(no_query(media));
    }
    Ok(Incoming::One(Box::new(parsed)))
}

/// Neither a `query` nor a persisted query's hash.
fn no_document(request: &async_graphql::Request) -> bool {
    request.query.is_empty() && !request.extensions.contains_key("persistedQuery")
}

fn no_query(media: MediaType) -> Response {
    responses::refused(
        StatusCode::BAD_REQUEST,
        "BAD_REQUEST",
        "Invalid request: it has no `query` string.".to_owned(),
        media,
    )
}
