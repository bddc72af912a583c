//! The arguments a page of customers takes, as they arrive (the resolvers' and the fast
//! path's), with the enums they name.

use async_graphql::{Context, Enum};

use crate::customers::{self, CustomerQuery, Seek, Window};
use crate::error::AppError;
use crate::graphql::cursors::Paging;

/// A sort direction.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "SortOrder")]
pub enum SortOrderEnum {
    /// Smallest first.
    Asc,
    /// Largest first (the default).
    Desc,
}

impl From<SortOrderEnum> for customers::SortOrder {
    fn from(order: SortOrderEnum) -> Self {
        match order {
            SortOrderEnum::Asc => customers::SortOrder::Asc,
            SortOrderEnum::Desc => customers::SortOrder::Desc,
        }
    }
}

/// Sort keys. Ties are always broken by id, in the same direction.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "CustomerOrderBy")]
pub enum CustomerOrderByEnum {
    /// The customer id.
    Id,
    /// The WordPress user id; customers without one sort as 0.
    UserId,
    /// The name, case-insensitively, code point by code point; no name sorts as "".
    Name,
    /// The primary email, case-insensitively, code point by code point.
    Email,
    /// The company id; customers without one sort as 0.
    CompanyId,
    /// The creation time.
    Date,
}

impl From<CustomerOrderByEnum> for customers::OrderBy {
    fn from(key: CustomerOrderByEnum) -> Self {
        match key {
            CustomerOrderByEnum::Id => customers::OrderBy::Id,
            CustomerOrderByEnum::UserId => customers::OrderBy::UserId,
            CustomerOrderByEnum::Name => customers::OrderBy::Name,
            CustomerOrderByEnum::Email => customers::OrderBy::Email,
            CustomerOrderByEnum::CompanyId => customers::OrderBy::CompanyId,
            CustomerOrderByEnum::Date => customers::OrderBy::Date,
        }
    }
}

/// The arguments of `customers` (and of a company's customers), as they arrive (the
/// resolvers' and the planned path's): an argument left out is `None`, whatever its default,
/// since paging by cursor refuses `page` and `perPage` only when they were given.
#[derive(Default)]
pub(crate) struct CustomersArgs {
    pub page: Option<i32>,
    pub per_page: Option<i32>,
    pub offset: Option<i32>,
    pub include: Option<Vec<i32>>,
    pub exclude: Option<Vec<i32>>,
    pub user_id: Option<Vec<i32>>,
    pub email: Option<Vec<String>>,
    pub name: Option<String>,
    pub search: Option<String>,
    pub company: Option<Vec<i32>>,
    pub order: Option<SortOrderEnum>,
    pub order_by: Option<CustomerOrderByEnum>,
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

impl CustomersArgs {
    /// A resolver's arguments as the request gave them: `page` and `perPage` arrive with their
    /// defaults, and paging by cursor refuses them only when the request gave them.
    pub(crate) fn given_only(mut self, ctx: &Context<'_>) -> async_graphql::Result<Self> {
        let given = ctx
            .field()
            .arguments()
            .map_err(|e| async_graphql::Error::new(e.message))?;
        let was_given = |name: &str| given.iter().any(|(given, _)| given.as_str() == name);
        if !was_given("page") {
            self.page = None;
        }
        if !was_given("perPage") {
            self.per_page = None;
        }
        Ok(self)
    }

    /// The list the arguments name, and the keyset page they ask for when they page by
    /// cursor (the list's window is then one page of `first` or `last`).
    pub(crate) fn into_request(mut self) -> Result<(CustomerQuery, Option<Seek>), AppError> {
        let paging = Paging {
            page: self.page,
            per_page: self.per_page,
            offset: self.offset,
            first: self.first,
            after: self.after.take(),
            last: self.last,
            before: self.before.take(),
        };
        let query = self.into_query()?;
        let Some(seek) = paging.seek(&query)? else {
            return Ok((query, None));
        };
        let list = CustomerQuery {
            window: Window::new(1, seek.count.max(1), None)?,
            ..query
        };
        Ok((list, Some(seek)))
    }

    fn into_query(self) -> Result<CustomerQuery, AppError> {
        // An explicit `null` means the default, as an omitted argument does.
        let window = Window::new(
            self.page.unwrap_or(1).into(),
            self.per_page.unwrap_or(10).into(),
            self.offset.map(i64::from),
        )?;
        Ok(CustomerQuery {
            include: self.include.unwrap_or_default(),
            exclude: self.exclude.unwrap_or_default(),
            user_ids: self.user_id.unwrap_or_default(),
            emails: self.email.unwrap_or_default(),
            name: self.name,
            search: self.search,
            companies: self.company.unwrap_or_default(),
            order: self.order.map(Into::into).unwrap_or_default(),
            order_by: self.order_by.map(Into::into).unwrap_or_default(),
            window,
        })
    }
}
