//! Which REST route a request names: WordPress matches paths case-insensitively, accepts a
//! trailing slash, and serves `?rest_route=` when pretty permalinks are off.

use axum::http::{HeaderMap, Method};
use percent_encoding::percent_decode_str;

use crate::customers::IdOrEmail;
use crate::rest::params::{Raw, RawParams};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/wp-json/` itself: the API's index, where WordPress clients discover the routes.
    SiteIndex,
    NamespaceIndex,
    CustomerList,
    Customer(IdOrEmail),
    CompanyList,
    /// A company post's id (digits beyond any id name none that can exist).
    Company(Option<i32>),
}

/// The route path inside `/wp-json` (or `rest_route`), decoded, if it names one of ours.
pub fn resolve(route_path: &str) -> Option<Route> {
    let decoded = percent_decode_str(route_path).decode_utf8().ok()?;
    let trimmed = decoded.strip_suffix('/').unwrap_or(&decoded);
    if trimmed.is_empty() {
        return Some(Route::SiteIndex);
    }
    let mut segments = trimmed.split('/');
    if segments.next() != Some("") {
        return None;
    }
    let mut next_is = |name: &str| {
        segments
            .next()
            .is_some_and(|s| s.eq_ignore_ascii_case(name))
    };
    if !(next_is("kbs") && next_is("v1")) {
        return None;
    }
    let route = match (segments.next(), segments.next(), segments.next()) {
        (None, _, _) => Route::NamespaceIndex,
        (Some(customers), None, _) if customers.eq_ignore_ascii_case("customers") => {
            Route::CustomerList
        }
        (Some(customers), Some(key), None) if customers.eq_ignore_ascii_case("customers") => {
            // WordPress's pattern is digits; the seed documents an email address too.
            match IdOrEmail::parse(key) {
                IdOrEmail::Neither
                    if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    // Digits beyond any id: a valid route for a customer that cannot exist.
                    Route::Customer(IdOrEmail::Neither)
                }
                IdOrEmail::Neither => return None,
                found => Route::Customer(found),
            }
        }
        (Some(companies), None, _) if companies.eq_ignore_ascii_case("companies") => {
            Route::CompanyList
        }
        (Some(companies), Some(key), None)
            if companies.eq_ignore_ascii_case("companies")
                && !key.is_empty()
                && key.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Route::Company(key.parse().ok())
        }
        _ => return None,
    };
    Some(route)
}

/// The route template `route_path` (inside `/wp-json`, or a `rest_route`) matches, as the
/// metrics name it: a bounded set, whatever paths clients send.
pub fn template(route_path: &str) -> &'static str {
    match resolve(route_path) {
        Some(Route::SiteIndex) => "/wp-json/",
        Some(Route::NamespaceIndex) => "/wp-json/kbs/v1",
        Some(Route::CustomerList) => "/wp-json/kbs/v1/customers",
        Some(Route::Customer(_)) => "/wp-json/kbs/v1/customers/{id}",
        Some(Route::CompanyList) => "/wp-json/kbs/v1/companies",
        Some(Route::Company(_)) => "/wp-json/kbs/v1/companies/{id}",
        None => "/wp-json/(no route)",
    }
}

/// The method WordPress serves: a POST may ask for another with `X-HTTP-Method-Override` or
/// `?_method=`.
pub fn effective_method(method: &Method, headers: &HeaderMap, params: &RawParams) -> Method {
    if method != Method::POST {
        return method.clone();
    }
    let requested = headers
        .get("x-http-method-override")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .or_else(|| match params.get("_method") {
            Some(Raw::Scalar(value)) => Some(value.clone()),
            _ => None,
        });
    requested
        .and_then(|name| Method::from_bytes(name.trim().to_ascii_uppercase().as_bytes()).ok())
        .unwrap_or(Method::POST)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_match_case_insensitively_with_or_without_a_trailing_slash() {
        assert_eq!(template("/KBS/v1/customers/"), "/wp-json/kbs/v1/customers");
        assert_eq!(
            template("/kbs/v1/customers/a%40b.c"),
            "/wp-json/kbs/v1/customers/{id}"
        );
        assert_eq!(template("/kbs/v1/tickets"), "/wp-json/(no route)");
        assert_eq!(resolve("/kbs/v1"), Some(Route::NamespaceIndex));
        assert_eq!(resolve("/kbs/v1/"), Some(Route::NamespaceIndex));
        assert_eq!(resolve("/KBS/v1/Customers/"), Some(Route::CustomerList));
        assert_eq!(
            resolve("/kbs/v1/customers/01"),
            Some(Route::Customer(IdOrEmail::Id(1)))
        );
        assert_eq!(
            resolve("/kbs/v1/customers/Bob%40Example.com"),
            Some(Route::Customer(IdOrEmail::Email("Bob@Example.com".into())))
        );
    }

    #[test]
    fn the_api_index_is_the_empty_route() {
        assert_eq!(resolve(""), Some(Route::SiteIndex));
        assert_eq!(resolve("/"), Some(Route::SiteIndex));
    }

    #[test]
    fn companies_are_listed_and_found_by_id() {
        assert_eq!(resolve("/kbs/v1/Companies/"), Some(Route::CompanyList));
        assert_eq!(
            resolve("/kbs/v1/companies/12"),
            Some(Route::Company(Some(12)))
        );
        assert_eq!(
            resolve("/kbs/v1/companies/99999999999"),
            Some(Route::Company(None))
        );
    }

    #[test]
    fn anything_else_is_no_route() {
        for path in [
            "//",
            "/kbs",
            "/kbs/v2/customers",
            "/kbs/v1/customers/abc",
            "/kbs/v1/customers/1.5",
            "/kbs/v1/customers/1/notes",
            "/kbs/v1/companies/acme",
            "/kbs/v1/companies/1/customers",
            "/wp/v2/users",
        ] {
            assert_eq!(resolve(path), None, "{path}");
        }
    }
}
