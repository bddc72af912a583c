//! The one place that maps paths to handlers, and the layers every request passes through.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::{any, get};
use axum::Router;
use tower::util::MapResponseLayer;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowCredentials, AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use crate::auth::{self, Identity};
use crate::cache;
use crate::client_address::ClientAddress;
use crate::db::ReadScope;
use crate::graphql::handlers as graphql;
use crate::health;
use crate::metrics::Endpoint;
use crate::playground;
use crate::request_log::RequestLogLayer;
use crate::rest::handlers as rest;
use crate::rest::{route_template, CorsOrigins};
use crate::scrape;
use crate::state::AppState;

/// Any origin may call GraphQL, without credentials: Basic auth travels in the
/// `Authorization` header, which is allowed, so no page needs the browser's own credentials.
/// Origins named by `--cors-origins` also get credentials (cookies, the browser's Basic auth).
fn graphql_cors(origins: &CorsOrigins) -> CorsLayer {
    let credentialed: Vec<String> = match origins {
        CorsOrigins::Any => Vec::new(),
        CorsOrigins::Only(list) => list.clone(),
    };
    CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_credentials(AllowCredentials::predicate(move |origin, _| {
            let origin = origin.as_bytes();
            credentialed
                .iter()
                .any(|listed| listed.as_bytes().eq_ignore_ascii_case(origin))
        }))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
        .max_age(Duration::from_secs(600))
        // Set once below instead: axum clones a route's layers for every request, and this
        // list made that clone (and joining its header anew) a measurable share of a hit.
        .vary([])
}

/// The `Vary` the CORS layer would send (answers differ by origin and preflight headers),
/// and `accept`, which picks the answer's media type.
fn graphql_vary() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::appending(
        header::VARY,
        HeaderValue::from_static(
            "origin, accept, access-control-request-method, access-control-request-headers",
        ),
    )
}

/// Bounds the request's database reads: they stop when its time is up, and the fairness rule
/// counts its costly ones under its login, else its address (see `db::admission`).
async fn bound_reads(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    let login = match request.extensions().get::<Identity>() {
        Some(Identity::User(principal)) => Some(format!("login {}", principal.login)),
        _ => None,
    };
    let address = || {
        let ClientAddress(address) = request.extensions().get::<ClientAddress>()?;
        Some(format!("address {address}"))
    };
    let scope = ReadScope {
        deadline: Instant::now() + limit,
        limit,
        caller: login.or_else(address).map(Arc::from),
    };
    scope.scope(next.run(request)).await
}

/// What a request is, for the metrics and the request log: its transport and its route
/// template, from the routes below (a small fixed set, whatever paths clients send).
pub fn endpoint(uri: &Uri) -> Endpoint {
    let path = uri.path();
    let (transport, route) = match path {
        "/graphql" => ("graphql", "/graphql"),
        "/graphiql" => ("graphiql", "/graphiql"),
        "/healthz" => ("health", "/healthz"),
        "/readyz" => ("health", "/readyz"),
        "/metrics" => ("metrics", "/metrics"),
        _ if path.starts_with("/graphiql/") => ("graphiql", "/graphiql/{file}"),
        // Only `/wp-json` itself and what follows its slash are the API (`/wp-jsonx` is not).
        _ if path.starts_with("/wp-json/") || path == "/wp-json" => {
            ("rest", route_template(&path["/wp-json".len()..]))
        }
        "/" => match rest_route(uri.query()) {
            Some(route) => ("rest", route_template(&route)),
            None => ("graphiql", "/"),
        },
        _ => ("other", "(no route)"),
    };
    Endpoint { transport, route }
}

/// WordPress's `?rest_route=` fallback, decoded.
fn rest_route(query: Option<&str>) -> Option<String> {
    let query = query.filter(|q| q.contains("rest_route="))?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "rest_route")
        .map(|(_, value)| value.into_owned())
}

pub fn app(state: AppState) -> Router {
    let limits = state.limits;
    let proxies = state.proxies.clone();
    let state_metrics = state.metrics.clone();
    let freshness = state.freshness.clone();
    // Browser apps on other origins call GraphQL; the REST adapter sends WordPress's own
    // CORS headers instead (see rest::response).
    // Each `layer` call boxes every route once more, and axum clones a route's boxes for
    // every request: the layers of one place go in as one stack, one box.
    let graphql_api = Router::new()
        .route("/graphql", get(graphql::execute).post(graphql::execute))
        .layer(
            ServiceBuilder::new()
                .layer(graphql_vary())
                .layer(graphql_cors(&state.cors)),
        );
    // Routes that serve customers learn who is asking; the rest never look at credentials.
    let identified = Router::new()
        .merge(graphql_api)
        .route("/wp-json", any(rest::wp_json))
        .route("/wp-json/", any(rest::wp_json))
        .route("/wp-json/{*route}", any(rest::wp_json))
        // WordPress's fallback when pretty permalinks are off: `/?rest_route=/kbs/v1/…`.
        .route("/", any(rest::root))
        .route_layer(
            ServiceBuilder::new()
                .layer(middleware::from_fn_with_state(
                    state.auth.clone(),
                    auth::middleware,
                ))
                .layer(middleware::from_fn_with_state(
                    Arc::new(cache::Layer {
                        cache: state.responses.clone(),
                        db: state.db.clone(),
                        too_large: graphql::too_large,
                    }),
                    cache::middleware,
                ))
                .layer(middleware::from_fn_with_state(
                    // Only the time limit: axum clones a middleware's state for every request.
                    state.limits.request_timeout,
                    bound_reads,
                )),
        );
    // Administrators read the metrics here (`--metrics-listen` serves them without sign-in).
    let metrics = Router::new()
        .route("/metrics", get(scrape::for_administrators))
        .route_layer(middleware::from_fn_with_state(
            state.auth.clone(),
            auth::middleware,
        ));
    Router::new()
        .merge(identified)
        .merge(metrics)
        // A WordPress page's header that leads clients to the API (`WPAPI.discover`).
        .route(
            "/graphiql",
            get(playground::page).layer(SetResponseHeaderLayer::overriding(
                header::LINK,
                rest::api_link(&state.site),
            )),
        )
        // Compressed for browsers that accept it, once: the names carry versions and the
        // answers say to keep them.
        .route(
            "/graphiql/{file}",
            get(playground::file).layer(CompressionLayer::new()),
        )
        .route("/healthz", get(health::alive))
        .route("/readyz", get(health::ready))
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                // Outermost, so the logged status is the one the client got: one line per
                // request, with its id and client (see `request_log`).
                .layer(RequestLogLayer {
                    proxies,
                    metrics: state_metrics,
                    freshness,
                    endpoint,
                    graphql_too_large: graphql::too_large,
                })
                // A panic in a handler becomes a 500 for that request, not a dropped
                // connection.
                .layer(CatchPanicLayer::new())
                // A backstop: database reads stop at the request's deadline and answer
                // `TIMEOUT` themselves (see `bound_reads`); this answers anything else slow.
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    limits.request_timeout + Duration::from_secs(1),
                ))
                // The timeout answers with a body of the inner service's type, made empty.
                .layer(MapResponseLayer::new(IntoResponse::into_response))
                .layer(RequestBodyLimitLayer::new(limits.max_body_bytes)),
        )
}

#[cfg(test)]
mod tests {
    use super::endpoint;

    fn of(uri: &str) -> (&'static str, &'static str) {
        let endpoint = endpoint(&uri.parse().unwrap());
        (endpoint.transport, endpoint.route)
    }

    #[test]
    fn requests_are_named_by_transport_and_route_template() {
        assert_eq!(of("/graphql?query=x"), ("graphql", "/graphql"));
        assert_eq!(
            of("/wp-json/kbs/v1/customers/12"),
            ("rest", "/wp-json/kbs/v1/customers/{id}")
        );
        assert_eq!(
            of("/?rest_route=%2Fkbs%2Fv1%2Fcustomers"),
            ("rest", "/wp-json/kbs/v1/customers")
        );
        assert_eq!(of("/wp-json/wp/v2/posts"), ("rest", "/wp-json/(no route)"));
        assert_eq!(of("/wp-json"), ("rest", "/wp-json/"));
        assert_eq!(of("/wp-jsonx"), ("other", "(no route)"));
        assert_eq!(
            of("/graphiql/graphiql.v3.js"),
            ("graphiql", "/graphiql/{file}")
        );
        assert_eq!(of("/"), ("graphiql", "/"));
        assert_eq!(of("/no/such/thing"), ("other", "(no route)"));
        assert_eq!(of("/metrics"), ("metrics", "/metrics"));
    }
}
