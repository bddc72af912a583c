//! Building the schema, and the extensions that give every error an `extensions.code`, put
//! an answer's keys in the document's order (`key_order`) and field errors' nulls where the
//! spec says (`propagation`), and keep introspection for signed-in users.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
    NextResolve, NextValidation, ResolveInfo,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    EmptyMutation, EmptySubscription, Response, Schema, ServerError, ServerResult,
    ValidationResult, Value, Variables,
};

use crate::customers::Reads;
use crate::db::Database;
use crate::graphql::documents::Parsed;
use crate::graphql::query::QueryRoot;
use crate::graphql::{key_order, propagation, sdl, syntax};

pub type AppSchema = Schema<QueryRoot, EmptyMutation, EmptySubscription>;

/// Deep queries cost the server, not the client. Our types nest four levels at most, but
/// GraphiQL's introspection query nests about fifteen. (Width is bounded per operation, in
/// rows, by `cost`, before the schema sees the request: async-graphql's own complexity adds
/// up every operation of a document, even those that will not run.)
const MAX_DEPTH: usize = 20;
/// Errors one answer lists: a document of thousands of bad directives gets the first ones.
const MAX_ERRORS: usize = 20;

pub fn build(db: Database, reads: Arc<Reads>) -> AppSchema {
    Schema::build(QueryRoot, EmptyMutation, EmptySubscription)
        .data(db)
        .data(reads)
        .extension(ErrorCodes)
        .extension(IntrospectionGate)
        .limit_depth(MAX_DEPTH)
        .finish()
}

/// Request data: whether this request may introspect the schema (signed in, or the server
/// runs with `--public-schema`).
#[derive(Debug, Clone, Copy)]
pub struct IntrospectionAllowed(pub bool);

/// Refuses `__schema` and `__type` with `UNAUTHENTICATED` unless [`IntrospectionAllowed`]:
/// a clear error rather than the silent `null` of async-graphql's own switch. Also answers
/// the schema's description.
struct IntrospectionGate;

impl ExtensionFactory for IntrospectionGate {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(IntrospectionGate)
    }
}

#[async_trait::async_trait]
impl Extension for IntrospectionGate {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if info.parent_type == "__Schema" && info.name == "description" {
            return Ok(Some(Value::String(sdl::DESCRIPTION.to_owned())));
        }
        let introspection = matches!(info.name, "__schema" | "__type");
        let allowed = ctx
            .data_opt::<IntrospectionAllowed>()
            .is_some_and(|allowed| allowed.0);
        if introspection && !allowed {
            let error = crate::error::AppError::Unauthenticated;
            let mut refusal = ServerError::new(
                format!("Introspection needs a signed-in user. {error}"),
                Some(info.field.name.pos),
            );
            refusal.path = info
                .path_node
                .to_string_vec()
                .into_iter()
                .map(async_graphql::PathSegment::Field)
                .collect();
            return Err(with_code(refusal, error.graphql_code()));
        }
        next.run(ctx, info).await
    }
}

/// Gives every error an `extensions.code`: parse and validation failures get Apollo's codes,
/// and input coercion errors raised by async-graphql itself (which carry none) are the
/// client's: `BAD_USER_INPUT`. Our own errors already carry theirs (see `AppError`). What is
/// left uncoded once the request is over failed between parsing and validation, where the
/// operation to run is picked (an unknown `operationName`, or none given for a document with
/// several): Apollo's `OPERATION_RESOLUTION_FAILURE`.
struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

fn with_code(mut error: ServerError, code: &'static str) -> ServerError {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code);
    }
    error
}

#[async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        let total = response.errors.len();
        response.errors = std::mem::take(&mut response.errors)
            .into_iter()
            .take(MAX_ERRORS)
            .map(|e| with_code(e, "OPERATION_RESOLUTION_FAILURE"))
            .collect();
        if total > MAX_ERRORS {
            let left_out =
                ServerError::new(format!("… and {} more errors", total - MAX_ERRORS), None);
            response.errors.push(with_code(left_out, "TOO_MANY_ERRORS"));
        }
        response
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|mut e| {
            e.message = syntax::readable(&e.message, query, e.locations.first().copied());
            with_code(e, "GRAPHQL_PARSE_FAILED")
        })
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| with_code(e, "GRAPHQL_VALIDATION_FAILED"))
                .collect()
        })
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        response.errors = std::mem::take(&mut response.errors)
            .into_iter()
            .map(|e| with_code(e, "BAD_USER_INPUT"))
            .collect();
        if let Some(parsed) = ctx.data_opt::<Arc<Parsed>>() {
            key_order::in_document_order(&mut response, &parsed.document, operation_name);
            // Before the error list is cut short, so that every error's null is placed.
            propagation::propagate(&mut response, &parsed.document, operation_name);
        }
        response
    }
}
