//! The `Company` type's fields, its customers among them (read through the request's loader).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Object, Result};

use crate::customers::CustomerQuery;
use crate::error::AppError;
use crate::graphql::args::{CustomerOrderByEnum, CustomersArgs, SortOrderEnum};
use crate::graphql::companies::{CompanyCustomers, CompanyCustomersKey, CompanyObject};
use crate::graphql::fields::{self, CompanyField};
use crate::graphql::pages::{self, needs_total, CustomerPageObject};
use crate::graphql::scalars::DateTime;

/// A company customers belong to (a company post on the site).
#[Object(name = "Company")]
impl CompanyObject {
    /// The company's id, as on the site.
    async fn id(&self) -> i32 {
        self.0.id
    }

    /// The company's name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The company's email address; null when none.
    async fn email(&self) -> Option<&str> {
        fields::company_text(CompanyField::Email, &self.0)
    }

    /// The company's phone number; null when none.
    async fn phone(&self) -> Option<&str> {
        fields::company_text(CompanyField::Phone, &self.0)
    }

    /// The company's website; null when none.
    async fn website(&self) -> Option<&str> {
        fields::company_text(CompanyField::Website, &self.0)
    }

    /// The contact person's name.
    async fn contact(&self) -> Option<&str> {
        fields::company_text(CompanyField::Contact, &self.0)
    }

    /// The id of the company's primary contact customer; null when none.
    async fn customer_id(&self) -> Option<i32> {
        fields::company_customer_id(&self.0)
    }

    /// When the company was created; null for MySQL's zero date.
    async fn date_created(&self) -> Option<DateTime> {
        fields::company_date_created(&self.0)
    }

    /// The company's customers, a page at a time, with the arguments of `Query.customers`
    /// (but `company`); the total comes from the per-company counts the import keeps when no
    /// other filter is given.
    #[allow(clippy::too_many_arguments)]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page number, >= 1.", default = 1)] page: Option<i32>,
        #[graphql(desc = "Page size, 1..100.", default = 10)] per_page: Option<i32>,
        #[graphql(desc = "Rows to skip, >= 0; when given it replaces (page - 1) * perPage.")]
        offset: Option<i32>,
        #[graphql(desc = "Only these customer ids.")] include: Option<Vec<i32>>,
        #[graphql(desc = "Not these customer ids (wins over include).")] exclude: Option<Vec<i32>>,
        #[graphql(desc = "Customers linked to these WordPress user ids.")] user_id: Option<
            Vec<i32>,
        >,
        #[graphql(desc = "Primary or additional email equals one of these, case-insensitively.")]
        email: Option<Vec<String>>,
        #[graphql(desc = "Case-insensitive substring of the name.")] name: Option<String>,
        #[graphql(desc = "Case-insensitive substring of the name or of any email.")] search: Option<
            String,
        >,
        #[graphql(desc = "Sort direction.", default_with = "Some(SortOrderEnum::Desc)")]
        order: Option<SortOrderEnum>,
        #[graphql(
            desc = "Sort key; ties are broken by id in the same direction.",
            default_with = "Some(CustomerOrderByEnum::Id)"
        )]
        order_by: Option<CustomerOrderByEnum>,
        #[graphql(
            desc = "Page by cursor: this many customers (0..100, default 10) after `after`, or from the start."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Page by cursor: the customers after this cursor (an edge's `cursor` or `pageInfo.endCursor`)."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Page by cursor: this many customers (0..100, default 10) before `before`, or up to the end."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "Page by cursor: the customers before this cursor (an edge's `cursor` or `pageInfo.startCursor`)."
        )]
        before: Option<String>,
    ) -> Result<CustomerPageObject> {
        // Its cursors name places in `customers(company: [id], …)`, the same list.
        let (list, seek) = CustomersArgs {
            page,
            per_page,
            offset,
            include,
            exclude,
            user_id,
            email,
            name,
            search,
            company: Some(vec![self.0.id]),
            order,
            order_by,
            first,
            after,
            last,
            before,
        }
        .given_only(ctx)?
        .into_request()?;
        let with_total = needs_total(&ctx.look_ahead(), seek.is_some());
        // One key for every company's page with these arguments, so that they load together.
        let query = CustomerQuery {
            companies: Vec::new(),
            ..list.clone()
        };
        let key = (
            Arc::new(CompanyCustomersKey {
                query,
                seek,
                with_total,
            }),
            self.0.id,
        );
        let loader = ctx.data::<DataLoader<CompanyCustomers>>()?;
        let loaded = loader.load_one(key.clone()).await;
        let read = loaded
            .map_err(|e| async_graphql::Error::from(&*e))?
            .ok_or_else(|| {
                AppError::internal("a company's page of customers was asked for and not read")
            })?;
        let keyset = key
            .0
            .seek
            .as_ref()
            .map(|seek| pages::keyset(seek, read.more));
        // Each customer's company is this one.
        let companies = HashMap::from([(self.0.id, std::sync::Arc::new(self.0.clone()))]);
        Ok(CustomerPageObject::new(read.page, &companies, list, keyset))
    }
}
