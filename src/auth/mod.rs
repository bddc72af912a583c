//! Who is asking, and whether they may read customers: users with WordPress roles,
//! application passwords, HTTP Basic authentication and the capability check.

mod accounts;
mod authenticator;
mod basic;
mod passwords;

pub use accounts::{
    add_user, app_password_names, bootstrap_admin, create_app_password, list_app_passwords,
    list_users, remove_user, revoke_app_password, set_role, AccountError, AppPasswordInfo, NewUser,
    UserInfo,
};
pub use authenticator::{middleware, Authenticator, FailureLimit};
pub use basic::parse_basic;
pub use passwords::AppPassword;

use crate::error::AppError;

/// KB Support's roles. Only `administrator` and `support_manager` hold the
/// `view_ticket_reports` capability that reading customers needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum Role {
    Administrator,
    SupportManager,
    SupportAgent,
    SupportCustomer,
    Subscriber,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Administrator,
        Role::SupportManager,
        Role::SupportAgent,
        Role::SupportCustomer,
        Role::Subscriber,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::SupportManager => "support_manager",
            Role::SupportAgent => "support_agent",
            Role::SupportCustomer => "support_customer",
            Role::Subscriber => "subscriber",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }

    /// KB Support's `view_ticket_reports`, the capability its Customers route checks.
    pub fn can_view_customers(self) -> bool {
        matches!(self, Role::Administrator | Role::SupportManager)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// An authenticated user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: i32,
    pub login: String,
    pub role: Role,
}

/// Who a request comes from, as every transport sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// No credentials, or credentials that did not verify.
    Anonymous,
    User(Principal),
    /// Credentials sent from an address with too many recent failures; not checked.
    Throttled {
        retry_after_secs: u64,
    },
}

impl Identity {
    /// Allows reading customers, or says why not, in the order the contract checks:
    /// authentication first, then the capability.
    pub fn require_customer_access(&self) -> Result<&Principal, AppError> {
        match self {
            Identity::User(principal) if principal.role.can_view_customers() => Ok(principal),
            Identity::User(_) => Err(AppError::Forbidden),
            Identity::Anonymous => Err(AppError::Unauthenticated),
            Identity::Throttled { retry_after_secs } => Err(AppError::TooManyFailures {
                retry_after_secs: *retry_after_secs,
            }),
        }
    }

    pub fn is_authenticated(&self) -> bool {
        matches!(self, Identity::User(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_administrators_and_support_managers_read_customers() {
        let allowed: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.can_view_customers())
            .collect();
        assert_eq!(allowed, [Role::Administrator, Role::SupportManager]);
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("editor"), None);
    }
}
