//! Parsed GraphQL documents, kept by query text: clients send the same few queries over and
//! over, and parsing one (async-graphql's pest parser) was about a sixth of a customers page's
//! server time. Once the executor has answered a document without error, its plan (see
//! `plan`) is kept alongside and answers the requests it can.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use async_graphql::parser::types::{ExecutableDocument, OperationDefinition};
use quick_cache::sync::Cache;
use quick_cache::Weighter;

use async_graphql::Variables;

use crate::graphql::cost::Cost;
use crate::graphql::fast_path::Plan;

pub struct Parsed {
    pub document: ExecutableDocument,
    /// Set after the first answer without error: the plan, or `None` if the document has
    /// something a plan does not cover.
    plan: OnceLock<Option<Plan>>,
    /// What the operation named (or not) by the first request without variables costs: most
    /// repeated requests send none, and counting is a visible share of a planned answer.
    cost_without_variables: OnceLock<(Option<String>, Option<Cost>)>,
}

impl Parsed {
    /// What the operation `name` picks costs with `variables` (see [`Cost::of`]).
    pub fn cost(&self, name: Option<&str>, variables: &Variables) -> Option<Cost> {
        if !variables.is_empty() {
            return Cost::of(&self.document, name, variables);
        }
        let (counted, cost) = self.cost_without_variables.get_or_init(|| {
            let cost = Cost::of(&self.document, name, variables);
            (name.map(str::to_owned), cost)
        });
        if counted.as_deref() == name {
            *cost
        } else {
            Cost::of(&self.document, name, variables)
        }
    }

    pub fn plan(&self) -> Option<&Plan> {
        self.plan.get().and_then(Option::as_ref)
    }

    /// Called once the executor answered this document without error: it is valid.
    pub fn answered(&self) {
        self.plan.get_or_init(|| Plan::compile(&self.document));
    }
}

/// Entries weigh their query's length (the AST and the plan grow with it), bounding memory.
#[derive(Clone)]
struct ByLength;

impl Weighter<String, Arc<Parsed>> for ByLength {
    fn weight(&self, query: &String, _: &Arc<Parsed>) -> u64 {
        (query.len() as u64 * 12).max(256)
    }
}

pub struct Documents {
    parsed: Cache<String, Arc<Parsed>, ByLength>,
    /// Requests a plan answered, where the executor would have: what tells a test comparing
    /// the two that the plan really answered.
    planned: AtomicU64,
}

impl Documents {
    pub fn new(max_bytes: u64) -> Documents {
        Documents {
            parsed: Cache::with_weighter(256, max_bytes, ByLength),
            planned: AtomicU64::new(0),
        }
    }

    /// Requests answered by a plan so far.
    pub fn planned_answers(&self) -> u64 {
        self.planned.load(Ordering::Relaxed)
    }

    /// Counts a request a plan answered.
    pub fn planned_answer(&self) {
        self.planned.fetch_add(1, Ordering::Relaxed);
    }

    /// Whether `query` has a plan (for tests, and for anyone wondering).
    pub fn has_plan(&self, query: &str) -> bool {
        self.parsed
            .get(query)
            .is_some_and(|parsed| parsed.plan().is_some())
    }

    /// The parsed document of `query`, from the cache or parsed now and kept. `None` for a
    /// query that does not parse: the schema reports that error, with its code.
    pub fn get(&self, query: &str) -> Option<Arc<Parsed>> {
        if let Some(parsed) = self.parsed.get(query) {
            return Some(parsed);
        }
        let document = async_graphql::parser::parse_query(query).ok()?;
        let parsed = Arc::new(Parsed {
            document,
            plan: OnceLock::new(),
            cost_without_variables: OnceLock::new(),
        });
        self.parsed.insert(query.to_owned(), parsed.clone());
        Some(parsed)
    }
}

/// The operation of `document` a request names (or its only one, when it names none); `None`
/// when there is no such operation, which the executor reports.
pub(crate) fn operation<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    let mut operations = document.operations.iter();
    match name {
        Some(name) => operations
            .find(|(n, _)| n.is_some_and(|n| n.as_str() == name))
            .map(|(_, op)| &op.node),
        None => {
            let (_, only) = operations.next()?;
            operations.next().is_none().then_some(&only.node)
        }
    }
}

/// The name of the operation a request runs: the one it names, else the document's only
/// operation's, when that has one (for the request log and metrics).
pub(crate) fn operation_name<'a>(
    document: &'a ExecutableDocument,
    given: Option<&'a str>,
) -> Option<&'a str> {
    if given.is_some() {
        return given;
    }
    let mut operations = document.operations.iter();
    let (name, _) = operations.next()?;
    operations
        .next()
        .is_none()
        .then(|| name.map(|n| n.as_str()))
        .flatten()
}

#[cfg(test)]
mod tests {
    use async_graphql::Variables;

    use super::Documents;
    use crate::graphql::cost::Cost;

    #[test]
    fn a_kept_cost_serves_only_the_operation_it_was_counted_for() {
        let documents = Documents::new(1 << 20);
        let query = "query Small { customers(perPage: 1) { nodes { id } } } \
                     query Large { customers(perPage: 100) { nodes { id name } } }";
        let parsed = documents.get(query).unwrap();
        let none = Variables::default();
        let counted = |name| Cost::of(&parsed.document, Some(name), &none);
        for _ in 0..2 {
            assert_eq!(parsed.cost(Some("Small"), &none), counted("Small"));
            assert_eq!(parsed.cost(Some("Large"), &none), counted("Large"));
        }
        assert_ne!(counted("Small"), counted("Large"));
        // Variables are counted anew each time.
        let query = "query Page($n: Int) { customers(perPage: $n) { nodes { id } } }";
        let parsed = documents.get(query).unwrap();
        let with = |n: i32| Variables::from_json(serde_json::json!({ "n": n }));
        assert_ne!(parsed.cost(None, &with(1)), parsed.cost(None, &with(100)));
    }
}
