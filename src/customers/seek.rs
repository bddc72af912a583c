//! Keyset pages: the customers after (or before) a position in the list's order, found by
//! seeking the order's index to `(key, id)` rather than walking past every row before it, so a
//! page a hundred thousand rows deep costs what the first one does. Positions are what cursors
//! carry; how a cursor is written is the transport's business.

use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Bool, Text};

use crate::customers::derived;
use crate::customers::find::companies_of;
use crate::customers::model::{fold_case, Customer};
use crate::customers::query::{Companies, CustomerQuery, Fields, Page, Want};
use crate::customers::read::{load, Columns};
use crate::customers::reads::Reads;
use crate::customers::sql::CustomersFilter;
use crate::customers::strategy::Read;
use crate::customers::window::{OrderBy, SortOrder};
use crate::db::schema::customers;
use crate::db::{Backend, DbConnection};

/// A customer's place in a list's order: its order key (folded, for names and emails), then
/// its id, which breaks ties.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Position {
    pub key: Key,
    pub id: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// Ordering by id: the id alone.
    None,
    Number(i64),
    Text(String),
}

/// Which way from the position a keyset page reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The first `count` rows after the position (from the start without one).
    Forward,
    /// The last `count` rows before the position (up to the end without one).
    Backward,
}

/// A keyset page's request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Seek {
    pub from: Option<Position>,
    pub direction: Direction,
    pub count: i64,
}

impl Seek {
    /// The query a keyset page of `list` is read with: backward, the list's order reversed,
    /// read from the position (and put back by [`Seek::finish`]).
    pub(crate) fn reading(&self, list: &CustomerQuery) -> CustomerQuery {
        let order = match (self.direction, list.order) {
            (Direction::Forward, order) => order,
            (Direction::Backward, SortOrder::Asc) => SortOrder::Desc,
            (Direction::Backward, SortOrder::Desc) => SortOrder::Asc,
        };
        CustomerQuery {
            order,
            ..list.clone()
        }
    }

    /// The page from `rows`, read in [`Seek::reading`]'s order with one more than the page
    /// when more follow: the page in the list's order, and whether more follow.
    pub(crate) fn finish(&self, mut rows: Vec<Customer>) -> (Vec<Customer>, bool) {
        let more = rows.len() as i64 > self.count;
        rows.truncate(self.count.max(0) as usize);
        if self.direction == Direction::Backward {
            rows.reverse();
        }
        (rows, more)
    }
}

/// A keyset page: its customers in the list's order, and whether more lie beyond them in the
/// direction read.
#[derive(Clone)]
pub struct SeekPage {
    pub page: Page,
    pub more: bool,
}

impl CustomerQuery {
    /// Where `customer` stands in this list's order.
    pub fn position_of(&self, customer: &Customer) -> Position {
        let key = match self.order_by {
            OrderBy::Id => Key::None,
            OrderBy::UserId => Key::Number(customer.user_id.into()),
            OrderBy::Name => Key::Text(fold_case(&customer.name)),
            OrderBy::Email => Key::Text(fold_case(&customer.email)),
            OrderBy::CompanyId => Key::Number(customer.company_id.into()),
            OrderBy::Date => Key::Number(customer.date_created),
        };
        Position {
            key,
            id: customer.id,
        }
    }

    /// The keyset page `seek` asks for, with what `want` asks besides (its `window` is not
    /// read: the position and count say which rows), in one snapshot.
    pub fn seek(
        &self,
        conn: &mut DbConnection,
        reads: &Reads,
        seek: &Seek,
        want: Want,
    ) -> QueryResult<SeekPage> {
        reads.took(Read::Keyset);
        conn.transaction(|conn| {
            // The substring index serves when it holds this dataset, as for any page.
            let needle = match self.substrings() {
                Some(Some(needle)) if derived::is_current(conn)? => Some(needle),
                _ => None,
            };
            // Stored fields serve only when they hold this dataset (the snapshot's, for every
            // row at once).
            let columns = match want.fields {
                Fields::Stored if !derived::is_current(conn)? => {
                    reads.took(Read::StaleRenderings);
                    Columns::All
                }
                fields => Columns::from(fields),
            };
            let reading = seek.reading(self);
            // One more than the page, to know whether more follow.
            let wanted = seek.count + 1;
            let read = |conn: &mut DbConnection, beyond: Option<CustomersFilter>, limit: i64| {
                let mut rows = reading.filtered(needle.as_ref());
                if let Some(beyond) = beyond {
                    rows = rows.filter(beyond);
                }
                let rows = reading.ordered(rows).limit(limit);
                let loaded = load(rows, columns, conn)?;
                Ok::<_, diesel::result::Error>(
                    loaded.into_iter().map(|(c, _)| c).collect::<Vec<_>>(),
                )
            };
            let customers: Vec<Customer> = match &seek.from {
                None => read(conn, None, wanted)?,
                // The rest of the position's key first (a seek on `(key, id)`), then the keys
                // past it (a seek on `key`): SQLite seeks a row-value bound on the key alone
                // and walks the rows sharing it, which at a million customers can be most of
                // them (everyone without a user, say).
                Some(from) => match reading.same_key_after(from) {
                    Some(same_key) => {
                        let mut rows = read(conn, Some(same_key), wanted)?;
                        let left = wanted - rows.len() as i64;
                        if left > 0 {
                            rows.extend(read(conn, Some(reading.past_key(from)), left)?);
                        }
                        rows
                    }
                    None => read(conn, Some(reading.past_key(from)), wanted)?,
                },
            };
            let (customers, more) = seek.finish(customers);
            let total = if want.total {
                Some(self.total(conn, reads, needle.as_ref())?)
            } else {
                None
            };
            let mut page = Page::of(customers, total, self.window);
            if want.companies == Companies::Read {
                page.companies = companies_of(conn, &page.customers)?;
            }
            Ok(SeekPage { page, more })
        })
    }

    /// The order's key column, for an order other than by id.
    fn key_column(&self) -> Option<&'static str> {
        match self.order_by {
            OrderBy::Id => None,
            OrderBy::UserId => Some("customers.user_id"),
            OrderBy::Name => Some("customers.name_lower"),
            OrderBy::Email => Some("customers.email_lower"),
            OrderBy::CompanyId => Some("customers.company_id"),
            OrderBy::Date => Some("customers.date_created"),
        }
    }

    /// `>` or `<`: "after" in this query's direction.
    fn after_op(&self) -> &'static str {
        match self.order {
            SortOrder::Asc => ">",
            SortOrder::Desc => "<",
        }
    }

    /// The rows sharing `from`'s key that come after it (by id); `None` when ordering by id.
    fn same_key_after(&self, from: &Position) -> Option<CustomersFilter> {
        let column = self.key_column()?;
        let key = match &from.key {
            // A key of another kind (which the transport refuses before this): by id alone.
            Key::None => return None,
            key => key.clone(),
        };
        Some(Box::new(Bound::SameKey {
            column,
            key,
            op: self.after_op(),
            id: i64::from(from.id),
        }))
    }

    /// The rows after `from` in this query's order, as one condition (for a statement that
    /// cannot be split in two, as each company's page within one).
    pub(crate) fn beyond(&self, from: &Position) -> CustomersFilter {
        match self.same_key_after(from) {
            Some(same_key) => Box::new(same_key.or(self.past_key(from))),
            None => self.past_key(from),
        }
    }

    /// The rows whose key comes after `from`'s (by id when ordering by id).
    fn past_key(&self, from: &Position) -> CustomersFilter {
        let op = self.after_op();
        Box::new(match (self.key_column(), &from.key) {
            (Some(column), key @ (Key::Number(_) | Key::Text(_))) => Bound::PastKey {
                column,
                op,
                key: key.clone(),
            },
            _ => Bound::PastKey {
                column: "customers.id",
                op,
                key: Key::Number(i64::from(from.id)),
            },
        })
    }
}

/// A seek's bound on the order's key: fixed SQL text per column and direction, the values
/// bound, so that the statements holding it stay prepared (diesel prepares a statement with a
/// `sql` literal in it anew on every execution).
#[derive(Debug, Clone)]
enum Bound {
    /// `column = key AND customers.id op id`.
    SameKey {
        column: &'static str,
        key: Key,
        op: &'static str,
        id: i64,
    },
    /// `column op key`.
    PastKey {
        column: &'static str,
        op: &'static str,
        key: Key,
    },
}

fn bind_key<'b>(out: &mut AstPass<'_, 'b, Backend>, key: &'b Key) -> QueryResult<()> {
    match key {
        Key::Number(n) => out.push_bind_param::<BigInt, _>(n),
        Key::Text(t) => out.push_bind_param::<Text, _>(t),
        Key::None => unreachable!("bounds are built from keys"),
    }
}

impl QueryFragment<Backend> for Bound {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
        match self {
            Bound::SameKey {
                column,
                key,
                op,
                id,
            } => {
                out.push_sql(column);
                out.push_sql(" = ");
                bind_key(&mut out, key)?;
                out.push_sql(" AND customers.id ");
                out.push_sql(op);
                out.push_sql(" ");
                out.push_bind_param::<BigInt, _>(id)
            }
            Bound::PastKey { column, op, key } => {
                out.push_sql(column);
                out.push_sql(" ");
                out.push_sql(op);
                out.push_sql(" ");
                bind_key(&mut out, key)
            }
        }
    }
}

impl Expression for Bound {
    type SqlType = Bool;
}

impl QueryId for Bound {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl ValidGrouping<()> for Bound {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl AppearsOnTable<customers::table> for Bound {}

impl SelectableExpression<customers::table> for Bound {}
