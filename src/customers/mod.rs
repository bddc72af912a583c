//! The query core: every rule about customers (filters, ordering, tie-breaks, email matching,
//! windows, totals) lives here, as synchronous diesel code with no transport types.

mod companies;
mod company_customers;
pub mod derived;
mod find;
mod held_companies;
mod model;
mod query;
mod read;
mod reads;
mod seek;
mod sql;
pub mod strategy;
mod unfiltered;
mod window;

pub use companies::{company, CompanyOrderBy, CompanyPage, CompanyQuery};
pub use derived::stored_json::{damaged_renderings, DamagedRendering, Renderers};
pub use find::{companies_of, IdOrEmail};
pub use model::{
    fold_case, is_email, is_zero, Address, Company, CompanyMap, Customer, PhoneJson, ADDRESS_KEYS,
};
pub(crate) use model::{register_fold_case, CustomerRow};
pub use query::{Companies, CustomerQuery, Fields, Page, Want};
pub use reads::Reads;
pub use seek::{Direction, Key, Position, Seek, SeekPage};
pub use strategy::{Count, Read, Thresholds};
pub use window::{OrderBy, SortOrder, Window, DEFAULT_PER_PAGE, MAX_PER_PAGE};
