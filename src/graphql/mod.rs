//! The GraphQL transport: schema, resolvers and output types over the query core.

pub mod cost;
mod documents;
mod fast_path;
pub mod fields;
pub(crate) mod handlers;
mod query;
mod scalars;
mod schema;
mod types;

pub use documents::Documents;
pub use scalars::DateTime;
pub use schema::{build, sdl, AppSchema, IntrospectionAllowed};
