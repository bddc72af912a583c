//! The GraphQL transport: schema, resolvers and output types over the query core.

mod args;
mod batch;
mod companies;
mod company;
pub mod cost;
mod cursors;
mod documents;
mod fast_path;
pub mod fields;
pub(crate) mod handlers;
mod incoming;
mod key_order;
mod operation;
mod pages;
mod persisted;
mod propagation;
mod query;
pub(crate) mod responses;
mod scalars;
mod schema;
mod sdl;
mod selections;
mod syntax;
mod types;
mod variables;

pub use documents::Documents;
pub use fast_path::stored_fields;
pub use persisted::{hash as document_hash, Persisted};
pub use scalars::DateTime;
pub use schema::{build, AppSchema, IntrospectionAllowed};
pub use sdl::sdl;
