//! Single-customer lookup by id or email, and the companies a set of customers points at.

use std::collections::HashMap;
use std::sync::Arc;

use diesel::prelude::*;

use crate::customers::model::CompanyMap;
use crate::customers::model::{fold_case, is_email, Company, Customer, CustomerRow};
use crate::customers::sql::company_known;
use crate::db::schema::{companies, customer_emails, customers};
use crate::db::{in_json, DbConnection};

/// What a lookup key means: digits are an id (leading zeros allowed), an address is an email
/// (primary or additional, case-insensitively); anything else can match nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdOrEmail {
    Id(i32),
    Email(String),
    Neither,
}

impl IdOrEmail {
    pub fn parse(key: &str) -> IdOrEmail {
        if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) {
            // Digits too large for an id name no customer.
            return key.parse().map_or(IdOrEmail::Neither, IdOrEmail::Id);
        }
        if is_email(key) {
            return IdOrEmail::Email(key.to_owned());
        }
        IdOrEmail::Neither
    }

    /// The customer the key names, if any.
    pub fn find(&self, conn: &mut DbConnection) -> QueryResult<Option<Customer>> {
        self.in_one_snapshot(conn, |conn| self.find_in(conn))
    }

    /// Runs `read` (which resolves the key, then reads its row) in one snapshot. An email
    /// takes two reads (its owner, then the row): they share one transaction, so an import
    /// landing between them cannot split them. An id is one statement, one snapshot already.
    fn in_one_snapshot<T>(
        &self,
        conn: &mut DbConnection,
        read: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
    ) -> QueryResult<T> {
        match self {
            IdOrEmail::Email(_) => conn.transaction(read),
            _ => read(conn),
        }
    }

    /// [`IdOrEmail::find`] inside the caller's transaction.
    fn find_in(&self, conn: &mut DbConnection) -> QueryResult<Option<Customer>> {
        let Some(id) = self.id(conn)? else {
            return Ok(None);
        };
        customers::table
            .find(id)
            .select(CustomerRow::as_select())
            .first(conn)
            .optional()?
            .map(CustomerRow::into_customer)
            .transpose()
    }

    /// The id the key names, if any: an email takes a read of its owner.
    fn id(&self, conn: &mut DbConnection) -> QueryResult<Option<i32>> {
        match self {
            IdOrEmail::Id(id) => Ok(Some(*id)),
            IdOrEmail::Email(email) => customer_emails::table
                .find(fold_case(email))
                .select(customer_emails::customer_id)
                .first::<i32>(conn)
                .optional(),
            IdOrEmail::Neither => Ok(None),
        }
    }

    /// [`IdOrEmail::find`], and whether the customer's company exists: one more column of
    /// the customer's read (no company rows read; for an id, no transaction either).
    pub fn find_knowing_company(
        &self,
        conn: &mut DbConnection,
    ) -> QueryResult<Option<(Customer, bool)>> {
        self.in_one_snapshot(conn, |conn| {
            let Some(id) = self.id(conn)? else {
                return Ok(None);
            };
            customers::table
                .find(id)
                .select((CustomerRow::as_select(), company_known()))
                .first::<(CustomerRow, bool)>(conn)
                .optional()?
                .map(|(row, known)| Ok((row.into_customer()?, known)))
                .transpose()
        })
    }
}

impl IdOrEmail {
    /// [`IdOrEmail::find`], and the customer's company (by id) read in the same transaction.
    pub fn find_with_company(
        &self,
        conn: &mut DbConnection,
    ) -> QueryResult<Option<(Customer, CompanyMap)>> {
        conn.transaction(|conn| {
            let Some(customer) = self.find_in(conn)? else {
                return Ok(None);
            };
            let companies = companies_of(conn, std::slice::from_ref(&customer))?;
            Ok(Some((customer, companies)))
        })
    }
}

/// The companies that `customers` belong to, by id; ids with no company are absent.
pub fn companies_of(conn: &mut DbConnection, customers: &[Customer]) -> QueryResult<CompanyMap> {
    let mut ids: Vec<i32> = customers
        .iter()
        .map(|c| c.company_id)
        .filter(|&id| id != 0)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    // The ids go in as one JSON array: the statement is then the same for every page and
    // stays prepared.
    let found: Vec<Company> = companies::table
        .filter(in_json(companies::id, &ids))
        .select(Company::as_select())
        .load(conn)?;
    Ok(found.into_iter().map(|c| (c.id, Arc::new(c))).collect())
}

#[cfg(test)]
mod tests {
    use super::IdOrEmail;

    #[test]
    fn lookup_keys_are_ids_emails_or_nothing() {
        assert_eq!(IdOrEmail::parse("42"), IdOrEmail::Id(42));
        assert_eq!(IdOrEmail::parse("0042"), IdOrEmail::Id(42));
        assert_eq!(
            IdOrEmail::parse("Zoë@Example.com"),
            IdOrEmail::Email("Zoë@Example.com".into())
        );
        assert_eq!(IdOrEmail::parse("99999999999999"), IdOrEmail::Neither);
        assert_eq!(IdOrEmail::parse("1.5"), IdOrEmail::Neither);
        assert_eq!(IdOrEmail::parse("abc"), IdOrEmail::Neither);
        assert_eq!(IdOrEmail::parse(""), IdOrEmail::Neither);
    }
}
