//! A page of customers as GraphQL shows it: its nodes, its totals, and the Relay connection
//! view of the same page (edges with cursors, and `pageInfo`), by number or by cursor.

use std::sync::{Arc, OnceLock};

use async_graphql::{Object, Result};

use crate::customers::CompanyMap;
use crate::customers::{CustomerQuery, Direction, Page, Reads, Seek, Want};
use crate::db::Database;
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

/// The page a request asks for (`list` and `seek` as `CustomersArgs::into_request` gives
/// them): by number, or by cursor with what the seek learnt of the page's neighbours. The
/// resolver and the fast path both read pages here.
pub(crate) async fn read(
    db: &Database,
    reads: &Arc<Reads>,
    list: CustomerQuery,
    seek: Option<Seek>,
    want: Want,
) -> Result<(Page, Option<Keyset>), AppError> {
    let reads = reads.clone();
    let Some(seek) = seek else {
        let page = db
            .read(move |conn| Ok(list.page(conn, &reads, want)?))
            .await?;
        return Ok((page, None));
    };
    let (read, seek) = db
        .read(move |conn| Ok((list.seek(conn, &reads, &seek, want)?, seek.clone())))
        .await?;
    Ok((read.page, Some(keyset(&seek, read.more))))
}

/// What a keyset page knows of its neighbours, `more` being whether customers lie beyond it
/// in the direction read: paged forward, customers precede it when it started after a
/// cursor; backward, they follow it when it ended before one.
pub(crate) fn keyset(seek: &Seek, more: bool) -> Keyset {
    let from = seek.from.is_some();
    match seek.direction {
        Direction::Forward => Keyset {
            has_next_page: more,
            has_previous_page: from,
        },
        Direction::Backward => Keyset {
            has_next_page: from,
            has_previous_page: more,
        },
    }
}

/// Whether customers follow the page: from the seek when read by cursor, else from the total
/// (`None` when it was not counted).
pub(crate) fn has_next(page: &Page, keyset: Option<Keyset>) -> Option<bool> {
    match keyset {
        Some(keyset) => Some(keyset.has_next_page),
        None => page.has_next_page(),
    }
}

/// Whether customers precede the page.
pub(crate) fn has_previous(page: &Page, keyset: Option<Keyset>) -> bool {
    match keyset {
        Some(keyset) => keyset.has_previous_page,
        None => page.has_previous_page(),
    }
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
        companies: &CompanyMap,
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
        // Counted whenever the field is selected on a page by number (`needs_total`).
        has_next(&self.page, self.keyset)
            .ok_or_else(|| AppError::internal("total requested but not counted"))
    }

    fn previous(&self) -> bool {
        has_previous(&self.page, self.keyset)
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
