//! What OPTIONS and the namespace index answer: each route's methods and arguments, in
//! WordPress's shape.

use serde_json::{json, Value};

use crate::customers::{DEFAULT_PER_PAGE, MAX_PER_PAGE};
use crate::rest::customer_json::Site;

pub const NAMESPACE: &str = "kbs/v1";
pub const LIST_ROUTE: &str = "/kbs/v1/customers";
/// WordPress shows routes as regular expressions; ours takes digits or an email address.
pub const SINGLE_ROUTE: &str = "/kbs/v1/customers/(?P<id>[\\d]+|[^/]+@[^/]+)";

fn integer_array(description: &str) -> Value {
    json!({"description": description, "type": "array", "items": {"type": "integer"}, "default": [], "required": false})
}

fn list_args() -> Value {
    json!({
        "context": {"description": "Scope under which the request is made; determines fields present in response.", "type": "string", "default": "view", "required": false},
        "page": {"description": "Current page of the collection.", "type": "integer", "default": 1, "minimum": 1, "required": false},
        "per_page": {"description": "Maximum number of items to be returned in result set.", "type": "integer", "default": DEFAULT_PER_PAGE, "minimum": 1, "maximum": MAX_PER_PAGE, "required": false},
        "search": {"description": "Limit results to those whose name or any email contains a string, case-insensitively.", "type": "string", "required": false},
        "include": integer_array("Limit result set to specific IDs."),
        "id": integer_array("Only include specific IDs in the result set (same as include)."),
        "exclude": integer_array("Ensure result set excludes specific IDs (wins over include)."),
        "exclude_id": integer_array("Ensure result set excludes specific IDs (same as exclude)."),
        "offset": {"description": "Offset the result set by a specific number of items.", "type": "integer", "minimum": 0, "required": false},
        "order": {"default": "desc", "description": "Order sort attribute ascending or descending.", "enum": ["asc", "desc"], "type": "string", "required": false},
        "orderby": {"default": "id", "description": "Sort collection by object attribute.", "enum": ["id", "user_id", "name", "email", "company_id", "date"], "type": "string", "required": false},
        "user_id": integer_array("Only include specific User IDs in the result set."),
        "email": {"description": "Only include customers whose primary or additional email is one of these, case-insensitively.", "type": "array", "items": {"type": "string"}, "default": [], "required": false},
        "name": {"description": "Only include customers whose name contains a string, case-insensitively.", "type": "string", "required": false},
        "company": integer_array("Only include customers of specific Company IDs."),
        "number": {"description": "Accepted for compatibility; has no effect (use per_page).", "type": "integer", "required": false},
    })
}

pub const COMPANIES_ROUTE: &str = "/kbs/v1/companies";
pub const COMPANY_ROUTE: &str = "/kbs/v1/companies/(?P<id>[\\d]+)";

/// The companies list's arguments: those this server applies (the plugin also takes `search`
/// and `orderby`).
fn company_list_args() -> Value {
    json!({
        "context": {"description": "Scope under which the request is made; determines fields present in response.", "type": "string", "default": "view", "required": false},
        "page": {"description": "Current page of the collection.", "type": "integer", "default": 1, "minimum": 1, "required": false},
        "per_page": {"description": "Maximum number of items to be returned in result set.", "type": "integer", "default": DEFAULT_PER_PAGE, "minimum": 1, "maximum": MAX_PER_PAGE, "required": false},
    })
}

fn single_args() -> Value {
    json!({"id": {"type": "integer", "description": "ID or email address of the customer.", "required": false}})
}

fn describe(route_methods: &[&str], args: Value) -> Value {
    json!({
        "namespace": NAMESPACE,
        "methods": route_methods,
        "endpoints": [{"methods": route_methods, "args": args}],
    })
}

/// The list route as OPTIONS describes it.
pub fn list_route(site: &Site) -> Value {
    let mut route = describe(&["GET"], list_args());
    route["_links"] = json!({"self": [{"href": site.rest_url(LIST_ROUTE)}]});
    route
}

/// The companies list as the namespace index describes it.
fn companies_route(site: &Site) -> Value {
    let mut route = describe(&["GET"], company_list_args());
    route["_links"] = json!({"self": [{"href": site.rest_url(COMPANIES_ROUTE)}]});
    route
}

/// The single-customer route as OPTIONS describes it.
pub fn single_route() -> Value {
    describe(&["GET"], single_args())
}

/// `GET /wp-json/kbs/v1`: the namespace and every route in it.
pub fn namespace_index(site: &Site) -> Value {
    let mut index_route = describe(
        &["GET"],
        json!({"namespace": {"default": NAMESPACE, "required": false}, "context": {"default": "view", "required": false}}),
    );
    index_route["_links"] = json!({"self": [{"href": site.rest_url("/kbs/v1")}]});
    json!({
        "namespace": NAMESPACE,
        "routes": {
            "/kbs/v1": index_route,
            LIST_ROUTE: list_route(site),
            SINGLE_ROUTE: single_route(),
            COMPANIES_ROUTE: companies_route(site),
            COMPANY_ROUTE: describe(&["GET"], json!({"id": {"description": "Unique identifier for the object.", "type": "integer", "required": false}})),
        },
        "_links": {"up": [{"href": format!("{}/", site.rest_url(""))}]},
    })
}

/// Where WordPress's REST API documents itself (the index links to it, as WordPress's does).
const HELP: &str = "https://developer.wordpress.org/rest-api/";

/// `GET /wp-json/`: the API's index in WordPress's shape, listing the namespace served here
/// and its routes, which is what `WPAPI.discover` and other WordPress clients read.
pub fn site_index(site: &Site) -> Value {
    let mut routes = serde_json::Map::new();
    let mut root = describe(
        &["GET"],
        json!({"context": {"default": "view", "required": false}}),
    );
    root["namespace"] = json!("");
    root["_links"] = json!({"self": [{"href": format!("{}/", site.rest_url(""))}]});
    routes.insert("/".to_owned(), root);
    if let Value::Object(ours) = namespace_index(site)["routes"].take() {
        routes.extend(ours);
    }
    let offset_hours = f64::from(site.timezone.local_minus_utc()) / 3600.0;
    let gmt_offset = if offset_hours.fract() == 0.0 {
        json!(offset_hours as i64)
    } else {
        json!(offset_hours)
    };
    json!({
        "name": "KB Support customers",
        "description": "A helpdesk's customers, over KB Support's REST routes and GraphQL at /graphql",
        "url": site.base_url,
        "home": site.base_url,
        "gmt_offset": gmt_offset,
        "timezone_string": "",
        "namespaces": [NAMESPACE],
        // No authentication method to advertise: application passwords are sent as Basic
        // credentials, but there is no authorization page to send a user to.
        "authentication": [],
        "routes": routes,
        "_links": {"help": [{"href": HELP}]},
    })
}
