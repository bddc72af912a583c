//! One log line per request: its id, the client, the signed-in user, the transport, the
//! GraphQL operation, the status, the body's bytes and the time to the answer's head. The id
//! comes from a trusted proxy's `X-Request-Id` (`--trusted-proxies`), else is made here, and
//! goes back in the answer's `X-Request-Id`; the client is as `client_address` finds it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::body::HttpBody;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::client_address::{ClientAddress, TrustedProxies};

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The signed-in user a request was answered for, put in the answer's extensions by the
/// authentication middleware for this log.
#[derive(Debug, Clone)]
pub struct SignedIn(pub Arc<str>);

/// The GraphQL operation a request ran (its `operationName`, else the document's one
/// operation's name), put in the answer's extensions by the GraphQL transport.
#[derive(Debug, Clone)]
pub struct Operation(pub Arc<str>);

/// An id a proxy may hand on: 1 to 128 visible ASCII characters.
fn acceptable(id: &HeaderValue) -> bool {
    let bytes = id.as_bytes();
    (1..=128).contains(&bytes.len()) && bytes.iter().all(|b| b.is_ascii_graphic())
}

fn transport(request: &Request) -> &'static str {
    let path = request.uri().path();
    if path == "/graphql" {
        "graphql"
    } else if path.starts_with("/wp-json")
        || request
            .uri()
            .query()
            .is_some_and(|q| q.contains("rest_route="))
    {
        "rest"
    } else {
        "other"
    }
}

/// Gives the request its id and client, answers it, and logs the line.
pub async fn middleware(
    State(proxies): State<Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    let client = proxies.client(peer, request.headers());
    let given = request
        .headers()
        .get(&REQUEST_ID)
        .filter(|id| proxies.trusts(peer) && acceptable(id))
        .cloned();
    let id = given.unwrap_or_else(|| {
        HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).expect("a UUID is ASCII")
    });
    request.headers_mut().insert(REQUEST_ID.clone(), id.clone());
    request.extensions_mut().insert(ClientAddress(client));
    let (method, uri, transport) = (
        request.method().clone(),
        request.uri().clone(),
        transport(&request),
    );
    let mut response = next.run(request).await;
    let user = response.extensions().get::<SignedIn>().map(|u| u.0.clone());
    let operation = response
        .extensions()
        .get::<Operation>()
        .map(|o| o.0.clone());
    let bytes = response
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok()?.parse::<u64>().ok())
        .or_else(|| response.body().size_hint().exact());
    tracing::info!(
        target: "kbs_graphql::request",
        request_id = id.to_str().unwrap_or_default(),
        client = %client,
        method = %method,
        uri = %uri,
        transport,
        user = user.as_deref().unwrap_or("-"),
        operation = operation.as_deref().unwrap_or("-"),
        status = response.status().as_u16(),
        bytes,
        latency_us = started.elapsed().as_micros() as u64,
        "request"
    );
    response.headers_mut().insert(REQUEST_ID.clone(), id);
    response
}
