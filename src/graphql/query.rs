//! The `Query` root: GraphQL arguments in, one `CustomerQuery` or lookup through the core, rows out.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, Object, Result, ID};

use crate::auth::Identity;
use crate::customers::{company, Companies, Fields, IdOrEmail, Reads, Want};
use crate::db::Database;
use crate::graphql::args::{CustomerOrderByEnum, CustomersArgs, SortOrderEnum};
use crate::graphql::companies::{
    CompaniesArgs, CompanyObject, CompanyOrderByEnum, CompanyPageObject,
};
use crate::graphql::pages::{self, needs_total, CustomerPageObject};
use crate::graphql::types::CustomerObject;

pub struct QueryRoot;

/// Reading customers needs KB Support's `view_ticket_reports` capability: anonymous callers
/// get `UNAUTHENTICATED`, other roles `FORBIDDEN`, and neither gets any customer data.
struct CustomerAccess;

impl async_graphql::Guard for CustomerAccess {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let identity = ctx.data_opt::<Identity>().unwrap_or(&Identity::Anonymous);
        identity.require_customer_access()?;
        Ok(())
    }
}

/// What can be read: customers, page by page or one at a time.
#[Object(name = "Query")]
impl QueryRoot {
    /// A page of customers. Same semantics as the REST list: filters combine with AND, and an
    /// empty list argument is no filter.
    #[allow(clippy::too_many_arguments)]
    #[graphql(guard = "CustomerAccess")]
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
        #[graphql(desc = "Customers of these company ids.")] company: Option<Vec<i32>>,
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
            company,
            order,
            order_by,
            first,
            after,
            last,
            before,
        }
        .given_only(ctx)?
        .into_request()?;
        let look = ctx.look_ahead();
        let with_total = needs_total(&look, seek.is_some());
        let with_companies = look.field("nodes").field("company").exists()
            || look.field("edges").field("node").field("company").exists();
        let companies = if with_companies {
            Companies::Read
        } else {
            Companies::Not
        };
        let want = Want::rows(Fields::All, with_total).with_companies(companies);
        let db = ctx.data::<Database>()?;
        let reads = ctx.data::<Arc<Reads>>()?;
        let (mut page, keyset) = pages::read(db, reads, list.clone(), seek, want).await?;
        let companies = std::mem::take(&mut page.companies);
        Ok(CustomerPageObject::new(page, &companies, list, keyset))
    }

    /// One customer by numeric id or by email (primary or additional, case-insensitive);
    /// null if none.
    #[graphql(guard = "CustomerAccess")]
    async fn customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Digits (leading zeros allowed) for an id, else an email address.")]
        id_or_email: ID,
    ) -> Result<Option<CustomerObject>> {
        let key = IdOrEmail::parse(&id_or_email);
        let with_company = ctx.look_ahead().field("company").exists();
        let db = ctx.data::<Database>()?;
        let found = db
            .read(move |conn| {
                Ok(if with_company {
                    key.find_with_company(conn)?
                } else {
                    key.find(conn)?.map(|customer| (customer, HashMap::new()))
                })
            })
            .await?;
        let found = found.map(|(customer, companies)| CustomerObject::new(customer, &companies));
        Ok(found)
    }

    /// A page of companies: by name (then id) unless told otherwise.
    #[graphql(guard = "CustomerAccess")]
    #[allow(clippy::too_many_arguments)]
    async fn companies(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page number, >= 1.", default = 1)] page: Option<i32>,
        #[graphql(desc = "Page size, 1..100.", default = 10)] per_page: Option<i32>,
        #[graphql(desc = "Rows to skip, >= 0; when given it replaces (page - 1) * perPage.")]
        offset: Option<i32>,
        #[graphql(desc = "Only these company ids.")] include: Option<Vec<i32>>,
        #[graphql(desc = "Case-insensitive substring of the name.")] name: Option<String>,
        #[graphql(desc = "Sort direction.", default_with = "Some(SortOrderEnum::Asc)")]
        order: Option<SortOrderEnum>,
        #[graphql(
            desc = "Sort key; ties are broken by id in the same direction.",
            default_with = "Some(CompanyOrderByEnum::Name)"
        )]
        order_by: Option<CompanyOrderByEnum>,
    ) -> Result<CompanyPageObject> {
        let query = CompaniesArgs {
            page,
            per_page,
            offset,
            include,
            name,
            order,
            order_by,
        }
        .into_query()?;
        let with_total = needs_total(&ctx.look_ahead(), false);
        let window = query.window;
        let db = ctx.data::<Database>()?;
        let (companies, total) = db
            .read(move |conn| Ok(query.page(conn, with_total)?))
            .await?;
        Ok(CompanyPageObject {
            companies,
            total,
            window,
        })
    }

    /// One company by id; null if none.
    #[graphql(guard = "CustomerAccess")]
    async fn company(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company's id.")] id: i32,
    ) -> Result<Option<CompanyObject>> {
        let db = ctx.data::<Database>()?;
        let found = db.read(move |conn| Ok(company(conn, id)?)).await?;
        Ok(found.map(CompanyObject))
    }
}
