//! One log line per request, and its count in the metrics: its id, the client, the signed-in user, the transport, the
//! GraphQL operation, the status, the body's bytes and the time to the answer's head. The id
//! comes from a trusted proxy's `X-Request-Id` (`--trusted-proxies`), else is made here, and
//! goes back in the answer's `X-Request-Id`; the client is as `client_address` finds it.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, HttpBody};
use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use futures_util::future::BoxFuture;
use tower::{Layer, Service};

use crate::client_address::{ClientAddress, TrustedProxies};
use crate::freshness::Freshness;
use crate::metrics::{Answered, Endpoint, Metrics};

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
pub static DATASET_AGE: HeaderName = HeaderName::from_static("x-dataset-age");

/// The signed-in user a request was answered for, put in the answer's extensions by the
/// authentication middleware for this log.
#[derive(Debug, Clone)]
pub struct SignedIn(pub Arc<str>);

/// The GraphQL operation a request ran (its `operationName`, else the document's one
/// operation's name), put in the answer's extensions by the GraphQL transport.
#[derive(Debug, Clone)]
pub struct Operation(pub Arc<str>);

/// A new request id: this process's random 64 bits, then a count of its requests. Unique
/// across processes and restarts without a system call per request (a random UUID each took
/// one, a few percent of a small page's time).
fn new_id() -> HeaderValue {
    static PROCESS: LazyLock<u64> = LazyLock::new(|| uuid::Uuid::new_v4().as_u64_pair().0);
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    // Written by hand: `format!` was a visible share of a cached answer's time.
    let mut id = [b'-'; 33];
    let (process, count) = id.split_at_mut(17);
    for (digits, value) in [(&mut process[..16], *PROCESS), (count, n)] {
        for (at, digit) in digits.iter_mut().enumerate() {
            *digit = b"0123456789abcdef"[(value >> (60 - 4 * at)) as usize & 0xf];
        }
    }
    HeaderValue::from_bytes(&id).expect("hex is a valid header value")
}

/// Whether request lines are written (`RUST_LOG`): what only they show is not gathered else.
pub fn logged() -> bool {
    tracing::enabled!(target: "kbs_graphql::request", tracing::Level::INFO)
}

/// An id a proxy may hand on: 1 to 128 visible ASCII characters.
fn acceptable(id: &HeaderValue) -> bool {
    let bytes = id.as_bytes();
    (1..=128).contains(&bytes.len()) && bytes.iter().all(|b| b.is_ascii_graphic())
}

/// The layer every request passes first and every answer last: it gives the request its id
/// and client, logs the line, and answers a GraphQL body declared over the limit with the
/// GraphQL error (tower-http's limit answers it in plain text before any handler runs).
/// A service of its own rather than a `from_fn` middleware, which clones the whole stack
/// under it for every request.
#[derive(Clone)]
pub struct RequestLogLayer {
    pub proxies: Arc<TrustedProxies>,
    pub metrics: Arc<Metrics>,
    /// A replica's freshness: its answers with data say their age (`X-Dataset-Age`).
    pub freshness: Arc<Freshness>,
    /// What a request is (the router knows its routes).
    pub endpoint: fn(&Uri) -> Endpoint,
    /// GraphQL's answer to a body over the limit (the transport's own shape).
    pub graphql_too_large: fn() -> Response,
}

impl<S> Layer<S> for RequestLogLayer {
    type Service = RequestLog<S>;

    fn layer(&self, inner: S) -> RequestLog<S> {
        RequestLog {
            inner,
            settings: Arc::new(self.clone()),
        }
    }
}

/// [`RequestLogLayer`]'s service. Its settings are one reference: axum clones a route's
/// service for every request.
#[derive(Clone)]
pub struct RequestLog<S> {
    inner: S,
    settings: Arc<RequestLogLayer>,
}

impl<S, B> Service<Request> for RequestLog<S>
where
    S: Service<Request, Response = axum::http::Response<B>, Error = Infallible>,
    S::Future: Send + 'static,
    B: HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let started = Instant::now();
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
        let settings = &self.settings;
        let client = settings.proxies.client(peer, request.headers());
        let given = request
            .headers()
            .get(&REQUEST_ID)
            .filter(|id| settings.proxies.trusts(peer) && acceptable(id))
            .cloned();
        let id = given.unwrap_or_else(new_id);
        request.headers_mut().insert(REQUEST_ID.clone(), id.clone());
        request.extensions_mut().insert(ClientAddress(client));
        let endpoint = (settings.endpoint)(request.uri());
        let logged = logged().then(|| (request.method().clone(), request.uri().clone()));
        // Seconds since the data was last confirmed from its source, on answers with data.
        let age = match endpoint.transport {
            "graphql" | "rest" => settings.freshness.age(),
            _ => None,
        };
        let settings = settings.clone();
        let answer = self.inner.call(request);
        Box::pin(async move {
            let mut response = answer.await?.map(Body::new);
            let transport = endpoint.transport;
            if transport == "graphql" && response.status() == StatusCode::PAYLOAD_TOO_LARGE {
                let json = response
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .and_then(|value| value.to_str().ok())
                    .is_some_and(|value| value.contains("json"));
                if !json {
                    response = (settings.graphql_too_large)();
                }
            }
            let extensions = response.extensions();
            settings.metrics.answered(&Answered {
                endpoint,
                status: response.status().as_u16(),
                latency: started.elapsed(),
                operation: extensions.get::<Operation>().map(|o| &o.0),
                signed_in: extensions.get::<SignedIn>().is_some(),
            });
            if let Some((method, uri)) = logged {
                log(&response, &id, client, &method, &uri, transport, started);
            }
            response.headers_mut().insert(REQUEST_ID.clone(), id);
            if let Some(age) = age {
                response
                    .headers_mut()
                    .insert(DATASET_AGE.clone(), HeaderValue::from(age.as_secs()));
            }
            Ok(response)
        })
    }
}

fn log(
    response: &Response,
    id: &HeaderValue,
    client: IpAddr,
    method: &Method,
    uri: &Uri,
    transport: &str,
    started: Instant,
) {
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
}

#[cfg(test)]
mod tests {
    use super::new_id;

    #[test]
    fn request_ids_are_the_process_then_its_count_in_hex() {
        let (first, second) = (new_id(), new_id());
        let parts = |id: &axum::http::HeaderValue| {
            let (process, count) = id.to_str().unwrap().split_once('-').unwrap();
            assert_eq!((process.len(), count.len()), (16, 16), "{id:?}");
            let hex = |part: &str| u64::from_str_radix(part, 16).unwrap();
            (hex(process), hex(count))
        };
        let (process, count) = parts(&first);
        // Tests run in parallel: other requests may take numbers in between.
        let (same_process, later) = parts(&second);
        assert_eq!(process, same_process);
        assert!(later > count);
        assert_eq!(
            first.to_str().unwrap(),
            format!("{process:016x}-{count:016x}")
        );
    }
}
