//! Each customer's position among its company's customers, in id order (`company_positions`,
//! derived data kept by `derived.rs`): a deep page of one company is then a range of one
//! key, where the company's index would be walked through every customer before the page.

use diesel::prelude::*;
use diesel::sql_types::Integer;

use crate::customers::sql::CustomersFilter;
use crate::customers::Window;
use crate::db::schema::{company_positions, customers};
use crate::db::DbConnection;

/// The batch's customers appended to their companies' positions: a batch holds the ids after
/// every one placed before, so each goes after its company's last position so far.
const POSITIONS_BATCH: &str = "\
    INSERT INTO company_positions (company_id, position, customer_id) \
    SELECT company_id, \
        coalesce((SELECT max(p.position) + 1 FROM company_positions p \
                  WHERE p.company_id = c.company_id), 0) \
        + row_number() OVER (PARTITION BY company_id ORDER BY id) - 1, \
        id \
    FROM customers c WHERE id > ? AND id <= ? AND company_id <> 0";

/// Forgets every position, for a build started over.
pub(super) fn clear(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::delete(company_positions::table).execute(conn)?;
    Ok(())
}

/// Places the customers with ids in `(after, through]`, which follow every customer placed
/// before.
pub(super) fn add_batch(conn: &mut DbConnection, after: i32, through: i32) -> QueryResult<()> {
    diesel::sql_query(POSITIONS_BATCH)
        .bind::<Integer, _>(after)
        .bind::<Integer, _>(through)
        .execute(conn)?;
    Ok(())
}

/// "The customer is in this window of the `total` customers of `company`, in id order
/// (ascending or not)", from their stored positions: a range of one key, whatever the
/// offset, inside the statement that reads the page.
pub(crate) fn in_company_window(
    company: i32,
    total: i64,
    ascending: bool,
    window: Window,
) -> CustomersFilter {
    use company_positions::{company_id, customer_id, position};
    let end = window.offset.saturating_add(window.per_page).min(total);
    // Positions [first, last): descending, the i-th customer listed is at total - 1 - i. A
    // window past the end (`end` < offset) is an empty range either way.
    let (first, last) = if ascending {
        (window.offset, end)
    } else {
        (total - end, total - window.offset)
    };
    Box::new(
        customers::id.eq_any(
            company_positions::table.select(customer_id).filter(
                company_id
                    .eq(company)
                    .and(position.ge(first))
                    .and(position.lt(last)),
            ),
        ),
    )
}
