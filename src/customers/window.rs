//! Which rows of a list a page holds, and in which order: the window, the orders and the page
//! sizes every strategy and both transports share.

use crate::error::AppError;

/// The most rows one page may hold.
pub const MAX_PER_PAGE: i64 = 100;
pub const DEFAULT_PER_PAGE: i64 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortOrder {
    Asc,
    #[default]
    Desc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OrderBy {
    #[default]
    Id,
    UserId,
    Name,
    Email,
    CompanyId,
    Date,
}

/// Which rows of the filtered, ordered list a page holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    pub page: i64,
    pub per_page: i64,
    /// Rows skipped: the explicit offset when one was given, else `(page - 1) * per_page`.
    pub offset: i64,
}

impl Default for Window {
    fn default() -> Self {
        Window {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            offset: 0,
        }
    }
}

impl Window {
    /// Checks the ranges (`page >= 1`, `1 <= per_page <= 100`, `offset >= 0`) and resolves the
    /// offset. The messages name the argument as the caller spelled it.
    pub fn new(page: i64, per_page: i64, offset: Option<i64>) -> Result<Window, AppError> {
        if page < 1 {
            return Err(AppError::BadUserInput(
                "page must be greater than or equal to 1".into(),
            ));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(AppError::BadUserInput(format!(
                "perPage must be between 1 and {MAX_PER_PAGE}"
            )));
        }
        let offset = match offset {
            Some(offset) if offset < 0 => {
                return Err(AppError::BadUserInput(
                    "offset must be greater than or equal to 0".into(),
                ))
            }
            Some(offset) => offset,
            // Saturating: a huge page is simply past the end, never an overflow.
            None => (page - 1).saturating_mul(per_page),
        };
        Ok(Window {
            page,
            per_page,
            offset,
        })
    }
}
