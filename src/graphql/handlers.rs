//! HTTP handlers for `/graphql` (GET and POST) and the GraphiQL page.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;

use crate::auth::Identity;
use crate::error::AppError;
use crate::graphql::cost::Cost;
use crate::graphql::responses::{self, MediaType};
use crate::graphql::{variables, IntrospectionAllowed};
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
    let request = match read(request, media).await {
        Ok(request) => request,
        Err(refusal) => return refusal,
    };
    answer(&state, request, identity, media).await
}

/// One GraphQL request, answered by whichever path can: the fast path for a document it has
/// a plan of, else the executor.
async fn answer(
    state: &AppState,
    mut request: async_graphql::Request,
    identity: Identity,
    media: MediaType,
) -> Response {
    let parsed = state.documents.get(&request.query);
    if let Some(parsed) = &parsed {
        let operation = request.operation_name.as_deref();
        let cost = Cost::of(&parsed.document, operation, &request.variables);
        if let Some(refusal) = cost.as_ref().and_then(Cost::refusal) {
            return responses::refused(StatusCode::BAD_REQUEST, "QUERY_TOO_COSTLY", refusal, media);
        }
        let missing = variables::missing(&parsed.document, operation, &request.variables);
        if !missing.is_empty() {
            return responses::executed(async_graphql::Response::from_errors(missing), media);
        }
        if let Some(plan) = parsed.plan().filter(|_| state.planned) {
            let answer = plan.answer(&request, &identity, &state.db, &state.reads);
            if let Some(body) = answer.await {
                state.documents.planned_answer();
                return responses::planned(body, media);
            }
        }
        request.set_parsed_query(parsed.document.clone());
        request = request.data(parsed.clone());
    }
    let introspection = IntrospectionAllowed(state.public_schema || identity.is_authenticated());
    let request = request.data(identity).data(introspection);
    let response = state.schema.execute(request).await;
    if response.is_ok() {
        if let Some(parsed) = parsed {
            parsed.answered();
        }
    }
    // Reads refused for load or stopped by the deadline: said in HTTP too, so that clients
    // and proxies back off rather than take the answer as data.
    let refused =
        response
            .errors
            .iter()
            .find_map(|error| match error.extensions.as_ref()?.get("code")? {
                async_graphql::Value::String(code) => AppError::refusal(code),
                _ => None,
            });
    let mut answer = responses::executed(response, media);
    if let Some((status, retry_after)) = refused {
        *answer.status_mut() = status;
        answer
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    }
    answer
}

/// The GraphQL request in a GET's query string or a POST's JSON body. The body is buffered by
/// axum so that the body limit surfaces as a real 413 rather than as a parse error. Only
/// `application/json` bodies run: a browser sends `text/plain` and form bodies across origins
/// without asking first, and the GraphQL-over-HTTP spec wants a 4xx for a POST without a type.
async fn read(request: Request, media: MediaType) -> Result<async_graphql::Request, Response> {
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
        serde_json::from_slice::<async_graphql::Request>(&body).map_err(|e| {
            refuse(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &format!("Invalid request: the body is not a GraphQL request in JSON ({e})."),
            )
        })?
    };
    if parsed.query.is_empty() {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "Invalid request: it has no `query` string.",
        ));
    }
    Ok(parsed)
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
