//! What a request is, as the metrics and the request log name it: its transport and its route
//! template, each from a small fixed set whatever paths clients send.

use axum::http::Uri;

use crate::rest;

/// A request's transport and route template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint {
    pub transport: &'static str,
    pub route: &'static str,
}

impl Endpoint {
    pub fn of(uri: &Uri) -> Endpoint {
        let path = uri.path();
        let (transport, route) = match path {
            "/graphql" => ("graphql", "/graphql"),
            "/graphiql" => ("graphiql", "/graphiql"),
            "/healthz" | "/readyz" => (
                "health",
                if path == "/healthz" {
                    "/healthz"
                } else {
                    "/readyz"
                },
            ),
            "/metrics" => ("metrics", "/metrics"),
            _ if path.starts_with("/graphiql/") => ("graphiql", "/graphiql/{file}"),
            _ if path.starts_with("/wp-json") => {
                let inside = &path["/wp-json".len()..];
                // Only `/wp-json` itself and what follows its slash are the API (`/wp-jsonx`
                // is not).
                if inside.is_empty() || inside.starts_with('/') {
                    ("rest", rest::route_template(inside))
                } else {
                    ("other", "(no route)")
                }
            }
            "/" => match rest_route(uri.query()) {
                Some(route) => ("rest", rest::route_template(&route)),
                None => ("graphiql", "/"),
            },
            _ => ("other", "(no route)"),
        };
        Endpoint { transport, route }
    }
}

/// WordPress's `?rest_route=` fallback, decoded.
fn rest_route(query: Option<&str>) -> Option<String> {
    let query = query.filter(|q| q.contains("rest_route="))?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "rest_route")
        .map(|(_, value)| value.into_owned())
}

#[cfg(test)]
mod tests {
    use super::Endpoint;

    fn of(uri: &str) -> (&'static str, &'static str) {
        let endpoint = Endpoint::of(&uri.parse().unwrap());
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
