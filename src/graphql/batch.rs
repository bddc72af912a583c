//! HTTP batching: a JSON array of operations, answered as an array in the same order, each
//! entry as it would be answered alone (fast path, executor, its own errors). The batch is
//! bounded in length (`--max-batch`) and its cost counted over all its operations, so that a
//! batch reads no more than one request may.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::auth::Identity;
use crate::graphql::cost::Cost;
use crate::graphql::operation;
use crate::graphql::responses::{self, MediaType};
use crate::request_log::Operation;
use crate::state::AppState;

pub async fn answer(
    state: &AppState,
    requests: Vec<async_graphql::Request>,
    identity: Identity,
    media: MediaType,
) -> Response {
    let most = state.limits.max_batch;
    if requests.is_empty() || requests.len() > most {
        let message = format!(
            "A batch holds 1 to {most} operations; this one has {}. Send fewer at once, or \
             raise the server's --max-batch.",
            requests.len()
        );
        return responses::refused(StatusCode::BAD_REQUEST, "BATCH_TOO_LARGE", message, media);
    }
    let mut requests = requests;
    let mut cost = Cost::default();
    for request in &mut requests {
        // Those sent by hash are counted as the documents they name (a refusal is the entry's).
        let _ = state.persisted.resolve(request);
        if let Some(parsed) = state.documents.get(&request.query) {
            let operation = request.operation_name.as_deref();
            if let Some(one) = parsed.cost(operation, &request.variables) {
                cost = cost + one;
            }
        }
    }
    if let Some(refusal) = cost.refusal() {
        let message = format!("The batch as a whole: {refusal}");
        return responses::refused(StatusCode::BAD_REQUEST, "QUERY_TOO_COSTLY", message, media);
    }
    let mut body = Vec::with_capacity(1024 * requests.len());
    let mut names = Vec::with_capacity(requests.len());
    body.push(b'[');
    for (at, request) in requests.into_iter().enumerate() {
        if at > 0 {
            body.push(b',');
        }
        let answered = operation::answer(state, request, identity.clone(), media).await;
        let name = answered.extensions().get::<Operation>();
        names.push(name.map_or("-".into(), |name| name.0.to_string()));
        match axum::body::to_bytes(answered.into_body(), usize::MAX).await {
            Ok(bytes) => body.extend_from_slice(&bytes),
            Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    }
    body.push(b']');
    let mut response = ([(header::CONTENT_TYPE, media.content_type())], body).into_response();
    // For the request's log line: the batch's operations, in order.
    let names = format!("[{}]", names.join(","));
    response
        .extensions_mut()
        .insert(Operation(names.as_str().into()));
    response
}
