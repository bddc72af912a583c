//! The GraphQL transport: schema, resolvers and output types over the query core.

pub(crate) mod handlers;
mod query;
mod scalars;
mod schema;
mod types;

pub use scalars::DateTime;
pub use schema::{build, sdl, AppSchema, IntrospectionAllowed};
