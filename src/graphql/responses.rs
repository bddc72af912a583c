//! How GraphQL answers go out over HTTP, as the GraphQL-over-HTTP specification says: the
//! media type the client accepts, and the status and body that type calls for.
//!
//! `application/json` (the default: for `*/*`, a missing `Accept`, or one naming nothing we
//! serve) answers every well-formed request 200, errors in the body. With
//! `application/graphql-response+json` a request that never reached execution (a document
//! that does not parse or validate, variables that do not coerce) is a 400 without a `data`
//! entry, so clients and proxies can tell it from a partial answer.

use async_graphql::{Response as GraphQlResponse, ServerError};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The media types an answer can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    Json,
    GraphQlResponseJson,
}

impl MediaType {
    /// The type the request's `Accept` prefers among those served: the highest `q`, the first
    /// listed among equals; `application/json` when nothing served is named.
    pub fn negotiate(headers: &HeaderMap) -> MediaType {
        let mut best: Option<(f32, MediaType)> = None;
        for value in headers.get_all(header::ACCEPT) {
            let Ok(text) = value.to_str() else { continue };
            for range in text.split(',') {
                let mut parts = range.split(';');
                let name = parts.next().unwrap_or_default().trim();
                let media = if name.eq_ignore_ascii_case("application/graphql-response+json") {
                    MediaType::GraphQlResponseJson
                } else if name.eq_ignore_ascii_case("application/json")
                    || name.eq_ignore_ascii_case("application/*")
                    || name == "*/*"
                {
                    MediaType::Json
                } else {
                    continue;
                };
                let quality = parts
                    .filter_map(|p| p.trim().strip_prefix("q="))
                    .find_map(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
                    best = Some((quality, media));
                }
            }
        }
        best.map_or(MediaType::Json, |(_, media)| media)
    }

    pub fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            MediaType::Json => "application/json; charset=utf-8",
            MediaType::GraphQlResponseJson => "application/graphql-response+json; charset=utf-8",
        })
    }

    /// The status of an answer to a request that failed before execution.
    fn request_error_status(self) -> StatusCode {
        match self {
            MediaType::Json => StatusCode::OK,
            MediaType::GraphQlResponseJson => StatusCode::BAD_REQUEST,
        }
    }
}

/// Whether an executor's answer is a request error: no data, and no error raised by a field
/// (field errors carry a path; parse, validation and variable errors none).
pub fn is_request_error(response: &GraphQlResponse) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}

/// A request error's body: the errors alone, as the GraphQL spec says for errors raised
/// before execution.
#[derive(Serialize)]
struct Errors<'a> {
    errors: &'a [ServerError],
}

/// The executor's answer (or a request error built here) in `media`.
pub fn executed(response: GraphQlResponse, media: MediaType) -> Response {
    if is_request_error(&response) {
        let body = serde_json::to_vec(&Errors {
            errors: &response.errors,
        })
        .expect("errors serialize");
        return with_type(media.request_error_status(), media, body);
    }
    let body = serde_json::to_vec(&response).expect("a response serializes");
    let mut answer = with_type(StatusCode::OK, media, body);
    answer.headers_mut().extend(response.http_headers);
    answer
}

/// A fast-path answer: data without errors.
pub fn planned(body: Vec<u8>, media: MediaType) -> Response {
    with_type(StatusCode::OK, media, body)
}

/// A request refused before it reached GraphQL (bad JSON, too large, too costly, throttled):
/// its own status whatever the media type, a GraphQL-shaped error body.
pub fn refused(status: StatusCode, code: &str, message: String, media: MediaType) -> Response {
    let body = serde_json::json!({"errors": [{"message": message, "extensions": {"code": code}}]});
    with_type(status, media, body.to_string().into_bytes())
}

fn with_type(status: StatusCode, media: MediaType, body: Vec<u8>) -> Response {
    (status, [(header::CONTENT_TYPE, media.content_type())], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepting(values: &[&str]) -> MediaType {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        }
        MediaType::negotiate(&headers)
    }

    #[test]
    fn json_unless_the_response_type_is_preferred() {
        use MediaType::*;
        assert_eq!(accepting(&[]), Json);
        assert_eq!(accepting(&["*/*"]), Json);
        assert_eq!(accepting(&["application/json"]), Json);
        assert_eq!(accepting(&["text/html"]), Json);
        assert_eq!(
            accepting(&["application/graphql-response+json"]),
            GraphQlResponseJson
        );
        assert_eq!(
            accepting(&["application/graphql-response+json, application/json;q=0.9"]),
            GraphQlResponseJson
        );
        assert_eq!(
            accepting(&["application/json, application/graphql-response+json"]),
            Json
        );
        assert_eq!(
            accepting(&[
                "application/json;q=0.5",
                "application/graphql-response+json"
            ]),
            GraphQlResponseJson
        );
        assert_eq!(
            accepting(&["application/graphql-response+json;q=0, */*"]),
            Json
        );
    }
}
