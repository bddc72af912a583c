//! Companies in GraphQL: the `Company` type (its fields are in `company.rs`), a page of
//! companies, and the loader that reads many companies' customers in a fixed number of
//! statements.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Enum, Object, Result};

use crate::customers::{self, Company, CustomerQuery, Reads, Seek, SeekPage, Window};
use crate::db::Database;
use crate::error::AppError;
use crate::graphql::args::SortOrderEnum;

/// What a list of companies is sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "CompanyOrderBy")]
pub enum CompanyOrderByEnum {
    /// The company id.
    Id,
    /// The name, case-insensitively, code point by code point; ties by id.
    Name,
}

impl From<CompanyOrderByEnum> for customers::CompanyOrderBy {
    fn from(key: CompanyOrderByEnum) -> Self {
        match key {
            CompanyOrderByEnum::Id => customers::CompanyOrderBy::Id,
            CompanyOrderByEnum::Name => customers::CompanyOrderBy::Name,
        }
    }
}

/// The arguments of `companies`, as they arrive.
pub(crate) struct CompaniesArgs {
    pub page: Option<i32>,
    pub per_page: Option<i32>,
    pub offset: Option<i32>,
    pub include: Option<Vec<i32>>,
    pub name: Option<String>,
    pub order: Option<SortOrderEnum>,
    pub order_by: Option<CompanyOrderByEnum>,
}

impl CompaniesArgs {
    pub(crate) fn into_query(self) -> Result<customers::CompanyQuery, AppError> {
        let window = Window::new(
            self.page.unwrap_or(1).into(),
            self.per_page.unwrap_or(10).into(),
            self.offset.map(i64::from),
        )?;
        Ok(customers::CompanyQuery {
            include: self.include.unwrap_or_default(),
            name: self.name,
            order: self
                .order
                .map(Into::into)
                .unwrap_or(customers::SortOrder::Asc),
            order_by: self.order_by.map(Into::into).unwrap_or_default(),
            window,
        })
    }
}

/// A page of companies with its totals.
pub struct CompanyPageObject {
    pub companies: Vec<Company>,
    pub total: Option<i64>,
    pub window: Window,
}

impl CompanyPageObject {
    fn total(&self) -> Result<i64, AppError> {
        self.total
            .ok_or_else(|| AppError::internal("total requested but not counted"))
    }
}

/// A page of companies: its rows, the total of everything that matched, and where the page
/// stands among them.
#[Object(name = "CompanyPage")]
impl CompanyPageObject {
    /// The companies on this page, in the requested order.
    async fn nodes(&self) -> Vec<CompanyObject> {
        self.companies.iter().cloned().map(CompanyObject).collect()
    }

    /// Companies matching the filters, ignoring page and offset.
    async fn total_count(&self) -> Result<i64> {
        Ok(self.total()?)
    }

    /// `ceil(totalCount / perPage)`.
    async fn total_pages(&self) -> Result<i64> {
        Ok((self.total()? + self.window.per_page - 1) / self.window.per_page)
    }

    /// The page number asked for (an `offset`, when given, decides the rows instead).
    async fn page(&self) -> i64 {
        self.window.page
    }

    /// The page size asked for.
    async fn per_page(&self) -> i64 {
        self.window.per_page
    }

    /// Whether matching companies remain after this page.
    async fn has_next_page(&self) -> Result<bool> {
        Ok(self.window.offset + (self.companies.len() as i64) < self.total()?)
    }

    /// Whether rows were skipped before this page (offset > 0, or page > 1).
    async fn has_previous_page(&self) -> bool {
        self.window.offset > 0
    }
}

/// A company customers belong to.
pub struct CompanyObject(pub Company);

/// Which page of a company's customers a request wants.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CompanyCustomersKey {
    /// The arguments' list, without the company (which the loader's key gives).
    pub(crate) query: CustomerQuery,
    pub(crate) seek: Option<Seek>,
    pub(crate) with_total: bool,
}

/// Reads the pages of many companies' customers together: every `Company.customers` of one
/// request with the same arguments is one read of the core ([`CustomerQuery::pages_by_company`],
/// a fixed number of statements), however many companies the request shows.
pub struct CompanyCustomers {
    db: Database,
    reads: Arc<Reads>,
}

impl CompanyCustomers {
    /// The loader a request's resolvers share (it batches within the request only).
    pub fn loader(db: Database, reads: Arc<Reads>) -> DataLoader<CompanyCustomers> {
        DataLoader::new(CompanyCustomers { db, reads }, tokio::spawn)
    }
}

type PageKey = (Arc<CompanyCustomersKey>, i32);

impl Loader<PageKey> for CompanyCustomers {
    type Value = SeekPage;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[PageKey]) -> Result<HashMap<PageKey, SeekPage>, Self::Error> {
        let mut by_query: HashMap<Arc<CompanyCustomersKey>, Vec<i32>> = HashMap::new();
        for (query, company) in keys {
            by_query.entry(query.clone()).or_default().push(*company);
        }
        let mut pages = HashMap::with_capacity(keys.len());
        for (key, companies) in by_query {
            let read = key.clone();
            let reads = self.reads.clone();
            let found = self
                .db
                .read(move |conn| {
                    Ok(read.query.pages_by_company(
                        conn,
                        &reads,
                        &companies,
                        read.seek.as_ref(),
                        read.with_total,
                    )?)
                })
                .await
                .map_err(Arc::new)?;
            pages.extend(
                found
                    .into_iter()
                    .map(|(id, page)| ((key.clone(), id), page)),
            );
        }
        Ok(pages)
    }
}
