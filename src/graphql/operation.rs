//! One GraphQL request, answered by whichever path can: persisted queries resolved, its cost
//! bounded, its variables checked, then the fast path for a document it has a plan of, else
//! the executor. A batch answers each of its requests here too.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;

use std::sync::Arc;

use crate::auth::Identity;
use crate::error::AppError;
use crate::graphql::companies::CompanyCustomers;
use crate::graphql::cost::Cost;
use crate::graphql::documents::{self, Parsed};
use crate::graphql::responses::{self, MediaType};
use crate::graphql::{variables, IntrospectionAllowed};
use crate::request_log::Operation;
use crate::state::AppState;

/// One GraphQL request, answered by whichever path can: the fast path for a document it has
/// a plan of, else the executor.
pub(crate) async fn answer(
    state: &AppState,
    mut request: async_graphql::Request,
    identity: Identity,
    media: MediaType,
) -> Response {
    if let Err(error) = state.persisted.resolve(&mut request) {
        return responses::executed(async_graphql::Response::from_errors(vec![error]), media);
    }
    let parsed = state.documents.get(&request.query);
    let given = request.operation_name.as_deref();
    let name: Option<Arc<str>> = match &parsed {
        Some(parsed) => documents::operation_name(&parsed.document, given).map(Arc::from),
        None => given.map(Arc::from),
    };
    let mut response = run(state, request, identity, media, parsed).await;
    // For the request's log line and metrics.
    if let Some(name) = name {
        response.extensions_mut().insert(Operation(name));
    }
    response
}

/// [`answer`] once the request's document is looked up.
async fn run(
    state: &AppState,
    mut request: async_graphql::Request,
    identity: Identity,
    media: MediaType,
    parsed: Option<Arc<Parsed>>,
) -> Response {
    if let Some(parsed) = &parsed {
        let operation = request.operation_name.as_deref();
        let cost = parsed.cost(operation, &request.variables);
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
    let request = request
        .data(identity)
        .data(introspection)
        .data(CompanyCustomers::loader(
            state.db.clone(),
            state.reads.clone(),
        ));
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
