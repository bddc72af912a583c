//! A page of customers as GraphQL shows it: its nodes, its totals, and the Relay connection
//! view of the same page (edges with cursors, and `pageInfo`), by number or by cursor.

use std::collections::HashMap;
use std::sync::OnceLock;

use async_graphql::{Object, Result};

use crate::customers::{Company, CustomerQuery, Page};
use crate::error::AppError;
use crate::graphql::cursors::ListCursors;
use crate::graphql::types::CustomerObject;

/// Whether a page's selection needs its total: `totalCount` and `totalPages` always, and,
/// paged by number (where the next page is known from the total), `hasNextPage` too. A list
/// selecting none of them counts nothing (which costs a count when filtered).
pub(crate) fn needs_total(look: &async_graphql::Lookahead<'_>, by_cursor: bool) -> bool {
    let total = look.field("totalCount").exists() || look.field("totalPages").exists();
    let next =
        look.field("hasNextPage").exists() || look.field("pageInfo").field("hasNextPage").exists();
    total || (!by_cursor && next)
}

/// What a page read by cursor knows of its neighbours.
#[derive(Debug, Clone, Copy)]
pub struct Keyset {
    pub has_next_page: bool,
    pub has_previous_page: bool,
}

/// A page of customers with its totals.
pub struct CustomerPageObject {
    page: Page,
    nodes: Vec<CustomerObject>,
    /// The list the page is of (what its cursors name).
    list: CustomerQuery,
    /// Set when the page was read by cursor.
    keyset: Option<Keyset>,
    /// The list's cursors, made when a cursor is first asked for.
    cursors: OnceLock<ListCursors>,
}

impl CustomerPageObject {
    pub fn new(
        mut page: Page,
        companies: &HashMap<i32, Company>,
        list: CustomerQuery,
        keyset: Option<Keyset>,
    ) -> Self {
        let nodes = std::mem::take(&mut page.customers)
            .into_iter()
            .map(|customer| CustomerObject::new(customer, companies))
            .collect();
        CustomerPageObject {
            page,
            nodes,
            list,
            keyset,
            cursors: OnceLock::new(),
        }
    }

    fn total(&self) -> Result<i64, AppError> {
        // The resolver counts whenever a total-dependent field is selected; reaching this
        // without one is a bug, reported as such rather than answered with a wrong zero.
        self.page
            .total
            .ok_or_else(|| AppError::internal("total requested but not counted"))
    }

    fn next(&self) -> Result<bool, AppError> {
        match self.keyset {
            Some(keyset) => Ok(keyset.has_next_page),
            None => {
                self.total()?;
                Ok(self.page.has_next_page().unwrap_or_default())
            }
        }
    }

    fn previous(&self) -> bool {
        match self.keyset {
            Some(keyset) => keyset.has_previous_page,
            None => self.page.has_previous_page(),
        }
    }

    fn cursor(&self, node: &CustomerObject) -> String {
        let cursors = self.cursors.get_or_init(|| ListCursors::of(&self.list));
        cursors.encode(&self.list.position_of(&node.customer))
    }
}

/// A customer with its cursor.
pub struct CustomerEdge<'a> {
    cursor: String,
    node: &'a CustomerObject,
}

/// A customer in a connection, with the cursor that resumes the list after (or before) it.
#[Object(name = "CustomerEdge")]
impl CustomerEdge<'_> {
    /// Opaque: pass it as `after` or `before` to page from this customer.
    async fn cursor(&self) -> &str {
        &self.cursor
    }

    /// The customer.
    async fn node(&self) -> &CustomerObject {
        self.node
    }
}

/// Where a page stands in its list, in the Relay connection's terms.
pub struct PageInfo<'a>(&'a CustomerPageObject);

/// Where a page stands in its list, in the Relay connection's terms.
#[Object(name = "PageInfo")]
impl PageInfo<'_> {
    /// Whether customers follow this page in the list (paged backward: whether `before` was
    /// given).
    async fn has_next_page(&self) -> Result<bool> {
        Ok(self.0.next()?)
    }

    /// Whether customers precede this page (paged forward: whether `after` was given).
    async fn has_previous_page(&self) -> bool {
        self.0.previous()
    }

    /// The cursor of the page's first customer; null for an empty page.
    async fn start_cursor(&self) -> Option<String> {
        self.0.nodes.first().map(|node| self.0.cursor(node))
    }

    /// The cursor of the page's last customer; null for an empty page.
    async fn end_cursor(&self) -> Option<String> {
        self.0.nodes.last().map(|node| self.0.cursor(node))
    }
}

/// A page of customers: its rows, the totals of everything that matched, and where the page
/// stands among them; also the same page as a Relay connection (`edges`, `pageInfo`).
#[Object(name = "CustomerPage")]
impl CustomerPageObject {
    /// The customers on this page, in the requested order.
    async fn nodes(&self) -> &[CustomerObject] {
        &self.nodes
    }

    /// The customers on this page with their cursors.
    async fn edges(&self) -> Vec<CustomerEdge<'_>> {
        self.nodes
            .iter()
            .map(|node| CustomerEdge {
                cursor: self.cursor(node),
                node,
            })
            .collect()
    }

    /// Where this page stands, with the cursors to page on from.
    async fn page_info(&self) -> PageInfo<'_> {
        PageInfo(self)
    }

    /// Customers matching the filters, ignoring page, offset and cursors.
    async fn total_count(&self) -> Result<i64> {
        Ok(self.total()?)
    }

    /// `ceil(totalCount / perPage)`.
    async fn total_pages(&self) -> Result<i64> {
        self.total()?;
        Ok(self.page.total_pages().unwrap_or_default())
    }

    /// The page number asked for (an `offset`, when given, decides the rows instead).
    async fn page(&self) -> i64 {
        self.page.window.page
    }

    /// The page size asked for (`first` or `last` when paged by cursor).
    async fn per_page(&self) -> i64 {
        self.page.window.per_page
    }

    /// Whether matching customers remain after this page.
    async fn has_next_page(&self) -> Result<bool> {
        Ok(self.next()?)
    }

    /// Whether rows were skipped before this page (offset > 0, or page > 1; paged by cursor,
    /// whether `after` was given or customers precede a `last` page).
    async fn has_previous_page(&self) -> bool {
        self.previous()
    }
}
