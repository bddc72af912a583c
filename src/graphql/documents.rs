//! Parsed GraphQL documents, kept by query text: clients send the same few queries over and
//! over, and parsing one (async-graphql's pest parser) was about a sixth of a customers page's
//! server time. Validation still runs on every request; only the parse is skipped.

use async_graphql::parser::types::ExecutableDocument;
use quick_cache::sync::Cache;
use quick_cache::Weighter;

/// Entries weigh their query's length (the AST grows with it), bounding memory.
#[derive(Clone)]
struct ByLength;

impl Weighter<String, ExecutableDocument> for ByLength {
    fn weight(&self, query: &String, _: &ExecutableDocument) -> u64 {
        (query.len() as u64 * 8).max(256)
    }
}

pub struct Documents(Cache<String, ExecutableDocument, ByLength>);

impl Documents {
    pub fn new(max_bytes: u64) -> Documents {
        Documents(Cache::with_weighter(256, max_bytes, ByLength))
    }

    /// Gives `request` its parsed document from the cache, or parses and keeps it. A query
    /// that does not parse is left to the schema, which reports the error with its code.
    pub fn attach(&self, request: &mut async_graphql::Request) {
        if let Some(document) = self.0.get(&request.query) {
            request.set_parsed_query(document);
            return;
        }
        if let Ok(document) = async_graphql::parser::parse_query(&request.query) {
            self.0.insert(request.query.clone(), document.clone());
            request.set_parsed_query(document);
        }
    }
}
