//! The schema as SDL: what `schema.graphql` holds, and what the error propagation reads the
//! field types from.

use async_graphql::{EmptyMutation, EmptySubscription, SDLExportOptions, Schema};

use crate::graphql::query::QueryRoot;

/// The printed SDL of the schema (what `schema.graphql` holds), with the `@specifiedBy`
/// that introspection reports.
pub fn sdl() -> String {
    // async-graphql prints no schema description (its parser reads none either); introspection
    // reports ours.
    printed().replacen(
        "schema {",
        &format!("\"\"\"\n{DESCRIPTION}\n\"\"\"\nschema {{"),
        1,
    )
}

/// The SDL as async-graphql prints it.
pub(crate) fn printed() -> String {
    Schema::build(QueryRoot, EmptyMutation, EmptySubscription)
        .finish()
        .sdl_with_options(SDLExportOptions::new().include_specified_by())
}

/// What `__schema { description }` answers: async-graphql's own is the text of the built-in
/// `__Schema` type, which describes no API.
pub const DESCRIPTION: &str = "Customers of a KB Support helpdesk: the `customers` list (filters, \
     orders, pages) and `customer` lookups, as the plugin's REST API serves them.";
