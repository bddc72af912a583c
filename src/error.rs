//! `AppError`: the one error type of the service. Each variant knows its HTTP status, its
//! GraphQL `extensions.code` and its WordPress error `code`; internal failures show a generic
//! message and log their detail.

use axum::http::StatusCode;

/// One parameter that failed WordPress's validation (see `rest::params`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidParam {
    pub name: String,
    pub message: String,
    pub code: String,
    pub data: serde_json::Value,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// REST parameters that failed validation, in the order WordPress reports them.
    #[error("Invalid parameter(s): {}", .0.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "))]
    InvalidParams(Vec<InvalidParam>),
    /// No REST route matches the path and method.
    #[error("No route was found matching the URL and request method.")]
    NoRoute,
    /// The REST single-customer route found no such customer.
    #[error("Invalid customer ID.")]
    CustomerNotFound,
    /// A REST page beyond the last while there are matches.
    #[error("The page number requested is larger than the number of pages available.")]
    PageOutOfRange,
    /// The REST single-company route found no such company (WordPress's words for a post).
    #[error("Invalid post ID.")]
    CompanyNotFound,
    /// A page of companies beyond the last.
    #[error("The page number requested is larger than the number of pages available.")]
    CompanyPageOutOfRange,
    /// A client sent an argument outside its range or of the wrong shape.
    #[error("{0}")]
    BadUserInput(String),
    /// No credentials, or credentials that do not verify.
    #[error("Authentication required: send HTTP Basic credentials with an application password.")]
    Unauthenticated,
    /// Authenticated, but the role lacks the capability.
    #[error("Sorry, you are not allowed to do that.")]
    Forbidden,
    /// Credentials from a client address with too many recent failed sign-ins.
    #[error(
        "Too many failed sign-ins from this address; try again in {retry_after_secs} seconds."
    )]
    TooManyFailures { retry_after_secs: u64 },
    /// The request's time ran out while the database was still reading.
    #[error("The request took longer than the server allows ({limit_secs} s); narrow it (filters, a smaller page) or try again later.")]
    TimedOut { limit_secs: u64 },
    /// This caller already has as many costly reads running as one caller may.
    #[error("Too many costly requests of yours are running; try again in {retry_after_secs} s.")]
    CallerBusy { retry_after_secs: u64 },
    /// Every connection for costly reads stayed taken while this one waited.
    #[error("The server is busy; try again in {retry_after_secs} s.")]
    ServerBusy { retry_after_secs: u64 },
    /// Anything that is not the client's fault. The detail is logged, never sent.
    #[error("Internal server error.")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    pub fn internal(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> AppError {
        AppError::Internal(error.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadUserInput(_)
            | AppError::InvalidParams(_)
            | AppError::PageOutOfRange
            | AppError::CompanyPageOutOfRange => StatusCode::BAD_REQUEST,
            AppError::NoRoute | AppError::CustomerNotFound | AppError::CompanyNotFound => {
                StatusCode::NOT_FOUND
            }
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::TooManyFailures { .. } | AppError::CallerBusy { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            AppError::TimedOut { .. } | AppError::ServerBusy { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `extensions.code` GraphQL clients switch on.
    pub fn graphql_code(&self) -> &'static str {
        match self {
            AppError::BadUserInput(_)
            | AppError::InvalidParams(_)
            | AppError::PageOutOfRange
            | AppError::CompanyPageOutOfRange => "BAD_USER_INPUT",
            AppError::NoRoute | AppError::CustomerNotFound | AppError::CompanyNotFound => {
                "NOT_FOUND"
            }
            AppError::Unauthenticated => "UNAUTHENTICATED",
            AppError::Forbidden => "FORBIDDEN",
            AppError::TooManyFailures { .. } | AppError::CallerBusy { .. } => "TOO_MANY_REQUESTS",
            AppError::TimedOut { .. } => "TIMEOUT",
            AppError::ServerBusy { .. } => "SERVICE_UNAVAILABLE",
            AppError::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// The WordPress REST error `code`.
    pub fn wordpress_code(&self) -> &'static str {
        match self {
            AppError::BadUserInput(_) | AppError::InvalidParams(_) => "rest_invalid_param",
            AppError::NoRoute => "rest_no_route",
            AppError::CustomerNotFound => "rest_customer_invalid_id",
            AppError::PageOutOfRange => "rest_customer_invalid_page_number",
            AppError::CompanyNotFound => "rest_post_invalid_id",
            AppError::CompanyPageOutOfRange => "rest_post_invalid_page_number",
            AppError::Unauthenticated => "rest_forbidden_context",
            AppError::Forbidden => "rest_forbidden",
            AppError::TooManyFailures { .. } => "rest_too_many_failed_sign_ins",
            AppError::TimedOut { .. } => "rest_timeout",
            AppError::CallerBusy { .. } => "rest_too_many_requests",
            AppError::ServerBusy { .. } => "rest_server_busy",
            AppError::Internal(_) => "rest_internal_error",
        }
    }

    /// The WordPress REST error `message` (WordPress words some differently from GraphQL).
    pub fn wordpress_message(&self) -> String {
        match self {
            AppError::Unauthenticated => "Authentication failed.".to_owned(),
            other => other.to_string(),
        }
    }

    /// Seconds a client should wait before sending the request again, for the answers that
    /// say so (`Retry-After`).
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::TooManyFailures { retry_after_secs }
            | AppError::CallerBusy { retry_after_secs }
            | AppError::ServerBusy { retry_after_secs } => Some(*retry_after_secs),
            AppError::TimedOut { .. } => Some(1),
            _ => None,
        }
    }

    /// The HTTP status and `Retry-After` of a GraphQL answer holding an error of `code`, when
    /// that error refuses the request for time or load (the answer keeps its GraphQL body and
    /// says so in HTTP too); `None` for every other code. Read from the errors themselves.
    pub fn refusal(graphql_code: &str) -> Option<(StatusCode, u64)> {
        let refusals = [
            AppError::TimedOut { limit_secs: 0 },
            AppError::CallerBusy {
                retry_after_secs: 1,
            },
            AppError::ServerBusy {
                retry_after_secs: 1,
            },
        ];
        refusals
            .into_iter()
            .find(|refusal| refusal.graphql_code() == graphql_code)
            .map(|refusal| (refusal.status(), refusal.retry_after().unwrap_or(1)))
    }

    /// Logs an internal error's detail once, at the edge where it leaves the service.
    pub fn log(&self) {
        if let AppError::Internal(source) = self {
            tracing::error!(error = %source, "internal error");
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        AppError::internal(error)
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        AppError::internal(error)
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(error: tokio::task::JoinError) -> Self {
        AppError::internal(error)
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(error: AppError) -> Self {
        async_graphql::Error::from(&error)
    }
}

/// Also for a shared error (one read several resolvers waited on), as each reports it.
impl From<&AppError> for async_graphql::Error {
    fn from(error: &AppError) -> Self {
        use async_graphql::ErrorExtensions;
        error.log();
        let code = error.graphql_code();
        async_graphql::Error::new(error.to_string()).extend_with(|_, ext| ext.set("code", code))
    }
}
