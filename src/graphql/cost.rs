//! What the operation that will run costs, counted before it runs: rows read (a page of
//! `customers` or `companies` costs its page size, plus what its nodes show: a customer's
//! company 1, a company's page of customers that page's cost; a total costs [`TOTAL_COST`];
//! one customer or company costs 1), fields, aliases and root fields. Only
//! the selected operation counts: other operations in the document never run.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::Variables;
use async_graphql_value::{ConstValue, Name, Value};

/// Rows one operation may read: ten full pages.
pub const MAX_ROWS: u64 = 1000;
/// What a total costs: counting visits every matching row (an index's worth at best).
pub const TOTAL_COST: u64 = 100;
pub const MAX_FIELDS: u64 = 1000;
pub const MAX_ALIASES: u64 = 30;
pub const MAX_ROOT_FIELDS: u64 = 30;
/// Selections visited while counting, fragments expanded: fragments that spread others twice
/// over would otherwise make the count itself the attack.
const MAX_VISITS: u64 = 100_000;
/// `perPage` when a value cannot be read (the executor refuses it later): the most.
const LARGEST_PAGE: u64 = 100;
const DEFAULT_PAGE: u64 = 10;
/// The arguments that filter a page of customers (its total is then a count).
const FILTERS: [&str; 6] = ["include", "exclude", "userId", "email", "name", "search"];

/// An operation's counts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    pub rows: u64,
    pub fields: u64,
    pub aliases: u64,
    pub root_fields: u64,
    visits: u64,
}

/// Counts added up: what a batch of operations costs.
impl std::ops::Add for Cost {
    type Output = Cost;

    fn add(self, other: Cost) -> Cost {
        Cost {
            rows: self.rows + other.rows,
            fields: self.fields + other.fields,
            aliases: self.aliases + other.aliases,
            root_fields: self.root_fields + other.root_fields,
            visits: self.visits + other.visits,
        }
    }
}

impl Cost {
    /// What the operation `operation_name` picks in `document` costs; `None` when none is
    /// picked (the executor says why).
    pub fn of(
        document: &ExecutableDocument,
        operation_name: Option<&str>,
        variables: &Variables,
    ) -> Option<Cost> {
        let operation = match (&document.operations, operation_name) {
            (DocumentOperations::Single(operation), _) => &operation.node,
            (DocumentOperations::Multiple(operations), Some(name)) => &operations.get(name)?.node,
            (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
                &operations.values().next()?.node
            }
            (DocumentOperations::Multiple(_), None) => return None,
        };
        let mut counting = Counting {
            document,
            operation,
            variables,
            cost: Cost::default(),
        };
        counting.root(&operation.selection_set.node, 0);
        Some(counting.cost)
    }

    /// Why the operation may not run, if it may not: which bound, the cost and the limit.
    pub fn refusal(&self) -> Option<String> {
        let over = |what: &str, count: u64, limit: u64, hint: &str| {
            format!("Query too costly: {count} {what} where at most {limit} are allowed; {hint}.")
        };
        if self.visits > MAX_VISITS {
            return Some(format!(
                "Query too costly: its fragments expand to over {MAX_VISITS} selections."
            ));
        }
        if self.rows > MAX_ROWS {
            return Some(over(
                "rows",
                self.rows,
                MAX_ROWS,
                "a page costs its perPage (twice with `company`; times each company's page of \
                 `customers`), a totalCount 100, a customer or company 1: ask for fewer or \
                 smaller pages",
            ));
        }
        if self.root_fields > MAX_ROOT_FIELDS {
            return Some(over(
                "root fields",
                self.root_fields,
                MAX_ROOT_FIELDS,
                "split the query",
            ));
        }
        if self.aliases > MAX_ALIASES {
            return Some(over(
                "aliases",
                self.aliases,
                MAX_ALIASES,
                "split the query",
            ));
        }
        if self.fields > MAX_FIELDS {
            return Some(over(
                "fields",
                self.fields,
                MAX_FIELDS,
                "select fewer fields",
            ));
        }
        None
    }
}

struct Counting<'a> {
    document: &'a ExecutableDocument,
    operation: &'a OperationDefinition,
    variables: &'a Variables,
    cost: Cost,
}

impl<'a> Counting<'a> {
    /// Calls `visit` for every field `set` selects, through fragments.
    fn fields(
        &mut self,
        set: &'a SelectionSet,
        depth: u32,
        visit: &mut dyn FnMut(&mut Self, &'a Field),
    ) {
        for selection in &set.items {
            self.cost.visits += 1;
            if self.cost.visits > MAX_VISITS || depth > 64 {
                return;
            }
            match &selection.node {
                Selection::Field(field) => visit(self, &field.node),
                Selection::InlineFragment(fragment) => {
                    self.fields(&fragment.node.selection_set.node, depth + 1, visit)
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    if let Some(fragment) = self.document.fragments.get(name) {
                        self.fields(&fragment.node.selection_set.node, depth + 1, visit);
                    }
                }
            }
        }
    }

    fn root(&mut self, set: &'a SelectionSet, depth: u32) {
        self.fields(set, depth, &mut |this, field| {
            this.cost.root_fields += 1;
            this.count(field);
            let rows = match field.name.node.as_str() {
                "customers" | "companies" => this.page(field),
                "customer" => this.customer_rows(field, 1),
                "company" => this.company_rows(field, 1),
                _ => 0,
            };
            this.cost.rows = this.cost.rows.saturating_add(rows);
            this.nested(&field.selection_set.node, depth + 1);
        });
    }

    /// Rows of a page (of customers or of companies): its nodes, what they show, its total.
    fn page(&mut self, list: &'a Field) -> u64 {
        self.page_of(list, TOTAL_COST)
    }

    /// Rows of a page whose total costs `total`.
    fn page_of(&mut self, list: &'a Field, total: u64) -> u64 {
        let size = self.page_size(list);
        let companies = list.name.node == "companies";
        let mut rows: u64 = 0;
        self.fields(&list.selection_set.node, 0, &mut |this, field| {
            let more = match field.name.node.as_str() {
                "nodes" if companies => this.company_rows(field, size),
                "nodes" => this.customer_rows(field, size),
                "totalCount" => total,
                _ => 0,
            };
            rows = rows.saturating_add(more);
        });
        rows
    }

    /// `count` customers, and as many companies when they are asked for (with what those
    /// companies show).
    fn customer_rows(&mut self, customers: &'a Field, count: u64) -> u64 {
        let mut rows = count;
        self.fields(&customers.selection_set.node, 0, &mut |this, field| {
            if field.name.node == "company" {
                rows = rows.saturating_add(this.company_rows(field, count));
            }
        });
        rows
    }

    /// `count` companies, and a page of customers for each when they are asked for: a
    /// company's total is a row the import keeps unless other filters make it a count.
    fn company_rows(&mut self, companies: &'a Field, count: u64) -> u64 {
        let mut rows = count;
        self.fields(&companies.selection_set.node, 0, &mut |this, field| {
            if field.name.node == "customers" {
                let filtered = field
                    .arguments
                    .iter()
                    .any(|(name, _)| FILTERS.contains(&name.node.as_str()));
                let total = if filtered { TOTAL_COST } else { 1 };
                rows = rows.saturating_add(count.saturating_mul(this.page_of(field, total)));
            }
        });
        rows
    }

    /// Counts the fields and aliases below the root.
    fn nested(&mut self, set: &'a SelectionSet, depth: u32) {
        self.fields(set, depth, &mut |this, field| {
            this.count(field);
            this.nested(&field.selection_set.node, depth + 1);
        });
    }

    fn count(&mut self, field: &Field) {
        self.cost.fields += 1;
        if field.alias.is_some() {
            self.cost.aliases += 1;
        }
    }

    /// A page's size: `perPage`, or `first`/`last` when paged by cursor (the largest given).
    fn page_size(&self, list: &Field) -> u64 {
        let sizes = ["perPage", "first", "last"].map(|name| {
            let value = list.get_argument(name)?;
            Some(match &value.node {
                Value::Variable(name) => self.variable(name).map_or(DEFAULT_PAGE, page_of),
                // A literal holding a variable is no number: the executor refuses it.
                literal => literal.clone().into_const().map_or(LARGEST_PAGE, page_of),
            })
        });
        let size = sizes.into_iter().flatten().max().unwrap_or(DEFAULT_PAGE);
        size.min(LARGEST_PAGE)
    }

    /// A variable's value; `None` (the argument's default) when neither given nor defaulted.
    fn variable(&self, name: &Name) -> Option<ConstValue> {
        self.variables.get(name).cloned().or_else(|| {
            let definitions = &self.operation.variable_definitions;
            let definition = definitions.iter().find(|d| d.node.name.node == *name)?;
            definition
                .node
                .default_value
                .as_ref()
                .map(|d| d.node.clone())
        })
    }
}

/// The page size a `perPage` value asks for: null is the default, anything but a
/// non-negative number counts as the largest (the executor refuses it later).
fn page_of(value: ConstValue) -> u64 {
    match value {
        ConstValue::Number(number) => number.as_u64().unwrap_or(LARGEST_PAGE),
        ConstValue::Null => DEFAULT_PAGE,
        _ => LARGEST_PAGE,
    }
}
