//! The KB Support REST adapter: WordPress-style parameters in, the same `CustomerQuery` the
//! GraphQL resolvers use, the plugin's JSON shape out.

mod companies;
pub(crate) mod customer_json;
mod describe;
mod embed;
pub(crate) mod handlers;
mod params;
mod response;
mod routes;

pub use customer_json::{own_parts, Site};
pub use params::{list as list_params, rest_integer, ListParams, Raw, RawParams};
pub use response::CorsOrigins;
pub use routes::template as route_template;
