//! The arguments a page of customers takes, as they arrive (the resolvers' and the fast
//! path's), with the enums they name.

use async_graphql::Enum;

use crate::customers::{self, CustomerQuery, Window};
use crate::error::AppError;

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

/// The arguments of `customers`, as they arrive (the resolver's and the planned path's).
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
}

impl CustomersArgs {
    pub(crate) fn into_query(self) -> Result<CustomerQuery, AppError> {
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
