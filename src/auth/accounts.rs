//! Users and their application passwords in the database: what the CLI manages and what the
//! authenticator reads.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::auth::passwords::AppPassword;
use crate::auth::{Principal, Role};
use crate::db::schema::{app_passwords, users};
use crate::db::{write_transaction, DbConnection};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("no user with login {0:?}")]
    UnknownUser(String),
    #[error("a user with login {0:?} already exists")]
    DuplicateLogin(String),
    #[error("invalid login {0:?}: use 1 to 60 letters, digits, spaces or . _ @ -")]
    InvalidLogin(String),
    #[error("user {login:?} already has an application password named {name:?}")]
    DuplicatePasswordName { login: String, name: String },
    #[error("user {login:?} has no application password named {name:?}")]
    UnknownPassword { login: String, name: String },
    #[error("an application password needs a non-empty name")]
    EmptyPasswordName,
    #[error("database error: {0}")]
    Database(#[from] DieselError),
}

/// What `users add` needs.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub login: String,
    pub role: Role,
    pub email: String,
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub login: String,
    pub role: Role,
    pub email: String,
    pub display_name: String,
    pub created_at: i64,
    pub app_passwords: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppPasswordInfo {
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// One stored password of a login, for verification.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub password_id: i32,
    pub principal: Principal,
    pub hash: String,
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// WordPress's `sanitize_user( $login, true )` alphabet.
fn valid_login(login: &str) -> bool {
    (1..=60).contains(&login.len())
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '_' | '@' | '-'))
        && login.trim() == login
}

fn stored_role(text: &str) -> Result<Role, DieselError> {
    Role::parse(text).ok_or_else(|| {
        DieselError::DeserializationError(format!("unknown role {text:?} in users").into())
    })
}

fn user_id(conn: &mut DbConnection, login: &str) -> Result<i32, AccountError> {
    users::table
        .filter(users::login.eq(login))
        .select(users::id)
        .first(conn)
        .optional()?
        .ok_or_else(|| AccountError::UnknownUser(login.to_owned()))
}

/// Creates a user and its first application password, named `password_name`.
pub fn add_user(
    conn: &mut DbConnection,
    user: &NewUser,
    password_name: &str,
) -> Result<AppPassword, AccountError> {
    if !valid_login(&user.login) {
        return Err(AccountError::InvalidLogin(user.login.clone()));
    }
    write_transaction(conn, |conn| {
        let inserted = diesel::insert_into(users::table)
            .values((
                users::login.eq(&user.login),
                users::email.eq(&user.email),
                users::display_name.eq(&user.display_name),
                users::role.eq(user.role.as_str()),
                users::created_at.eq(now()),
            ))
            .execute(conn);
        match inserted {
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                return Err(AccountError::DuplicateLogin(user.login.clone()))
            }
            other => other?,
        };
        create_app_password(conn, &user.login, password_name)
    })
}

/// When no user exists at all, creates `admin` (administrator) and returns its password;
/// `None` when there are users already.
pub fn bootstrap_admin(conn: &mut DbConnection) -> Result<Option<AppPassword>, AccountError> {
    write_transaction(conn, |conn| {
        let count: i64 = users::table.count().get_result(conn)?;
        if count > 0 {
            return Ok(None);
        }
        let admin = NewUser {
            login: "admin".into(),
            role: Role::Administrator,
            email: String::new(),
            display_name: "Administrator".into(),
        };
        add_user(conn, &admin, "bootstrap").map(Some)
    })
}

pub fn list_users(conn: &mut DbConnection) -> Result<Vec<UserInfo>, AccountError> {
    let rows: Vec<(i32, String, String, String, String, i64)> = users::table
        .order(users::login.asc())
        .select((
            users::id,
            users::login,
            users::role,
            users::email,
            users::display_name,
            users::created_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, login, role, email, display_name, created_at)| {
            let app_passwords = app_passwords::table
                .filter(app_passwords::user_id.eq(id))
                .count()
                .get_result(conn)?;
            Ok(UserInfo {
                login,
                role: stored_role(&role)?,
                email,
                display_name,
                created_at,
                app_passwords,
            })
        })
        .collect()
}

/// Deletes the user and, with it, every application password it had.
pub fn remove_user(conn: &mut DbConnection, login: &str) -> Result<(), AccountError> {
    let id = user_id(conn, login)?;
    write_transaction(conn, |conn| {
        diesel::delete(app_passwords::table.filter(app_passwords::user_id.eq(id))).execute(conn)?;
        diesel::delete(users::table.find(id)).execute(conn)?;
        Ok(())
    })
}

pub fn set_role(conn: &mut DbConnection, login: &str, role: Role) -> Result<(), AccountError> {
    let id = user_id(conn, login)?;
    diesel::update(users::table.find(id))
        .set(users::role.eq(role.as_str()))
        .execute(conn)?;
    Ok(())
}

pub fn create_app_password(
    conn: &mut DbConnection,
    login: &str,
    name: &str,
) -> Result<AppPassword, AccountError> {
    if name.trim().is_empty() {
        return Err(AccountError::EmptyPasswordName);
    }
    let id = user_id(conn, login)?;
    let password = AppPassword::generate();
    let inserted = diesel::insert_into(app_passwords::table)
        .values((
            app_passwords::user_id.eq(id),
            app_passwords::name.eq(name),
            app_passwords::password_hash.eq(password.hash()),
            app_passwords::created_at.eq(now()),
        ))
        .execute(conn);
    match inserted {
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            Err(AccountError::DuplicatePasswordName {
                login: login.to_owned(),
                name: name.to_owned(),
            })
        }
        other => other.map(|_| password).map_err(Into::into),
    }
}

pub fn list_app_passwords(
    conn: &mut DbConnection,
    login: &str,
) -> Result<Vec<AppPasswordInfo>, AccountError> {
    let id = user_id(conn, login)?;
    let rows: Vec<(String, i64, Option<i64>)> = app_passwords::table
        .filter(app_passwords::user_id.eq(id))
        .order(app_passwords::id.asc())
        .select((
            app_passwords::name,
            app_passwords::created_at,
            app_passwords::last_used_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(name, created_at, last_used_at)| AppPasswordInfo {
            name,
            created_at,
            last_used_at,
        })
        .collect())
}

/// The names of a user's application passwords (for messages and tests).
pub fn app_password_names(
    conn: &mut DbConnection,
    login: &str,
) -> Result<Vec<String>, AccountError> {
    Ok(list_app_passwords(conn, login)?
        .into_iter()
        .map(|p| p.name)
        .collect())
}

pub fn revoke_app_password(
    conn: &mut DbConnection,
    login: &str,
    name: &str,
) -> Result<(), AccountError> {
    let id = user_id(conn, login)?;
    let deleted = diesel::delete(
        app_passwords::table
            .filter(app_passwords::user_id.eq(id))
            .filter(app_passwords::name.eq(name)),
    )
    .execute(conn)?;
    if deleted == 0 {
        return Err(AccountError::UnknownPassword {
            login: login.to_owned(),
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// Every stored password of `login` (matched case-insensitively, as WordPress does).
pub(crate) fn candidates(
    conn: &mut DbConnection,
    login: &str,
) -> Result<Vec<Candidate>, DieselError> {
    let rows: Vec<(i32, String, i32, String, String)> = app_passwords::table
        .inner_join(users::table)
        .filter(users::login.eq(login))
        .select((
            app_passwords::id,
            app_passwords::password_hash,
            users::id,
            users::login,
            users::role,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(password_id, hash, user_id, login, role)| {
            Ok(Candidate {
                password_id,
                hash,
                principal: Principal {
                    user_id,
                    login,
                    role: stored_role(&role)?,
                },
            })
        })
        .collect()
}

/// The current owner of a password that verified earlier, or `None` once it was revoked or
/// its user removed. Roles are read fresh, so `set-role` also applies at once.
pub(crate) fn current_owner(
    conn: &mut DbConnection,
    password_id: i32,
) -> Result<Option<Principal>, DieselError> {
    let row: Option<(i32, String, String)> = app_passwords::table
        .inner_join(users::table)
        .filter(app_passwords::id.eq(password_id))
        .select((users::id, users::login, users::role))
        .first(conn)
        .optional()?;
    row.map(|(user_id, login, role)| {
        Ok(Principal {
            user_id,
            login,
            role: stored_role(&role)?,
        })
    })
    .transpose()
}

pub(crate) fn touch(conn: &mut DbConnection, password_id: i32) -> Result<(), DieselError> {
    diesel::update(app_passwords::table.find(password_id))
        .set(app_passwords::last_used_at.eq(now()))
        .execute(conn)
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::valid_login;

    #[test]
    fn logins_use_wordpress_characters() {
        for ok in [
            "admin",
            "jane.doe",
            "j_doe-2",
            "jane@example.com",
            "Jane Doe",
        ] {
            assert!(valid_login(ok), "{ok}");
        }
        for bad in ["", " admin", "admin ", "zoë", "a:b", &"x".repeat(61)] {
            assert!(!valid_login(bad), "{bad}");
        }
    }
}
