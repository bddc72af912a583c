//! The stored renderings the derived data's build writes for each customer: each transport's
//! own (the core stores their bytes without knowing their shape), so that its answers paste
//! them.

use crate::customers::Renderers;

pub const RENDERERS: Renderers = Renderers {
    rest: crate::rest::own_parts,
    fields: crate::graphql::stored_fields,
};
