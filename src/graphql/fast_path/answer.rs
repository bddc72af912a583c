//! Answering a request from a plan: its variables as the executor would see them, its
//! arguments through async-graphql's own input coercion, the same guard and query core as the
//! resolvers; `None` whenever the executor must answer instead.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{InputType, Name, Variables, ID};
use async_graphql_value::{ConstValue, Value};

use crate::auth::Identity;
use crate::customers::{Companies, Fields, IdOrEmail, Reads, Want};
use crate::db::Database;
use crate::graphql::args::CustomersArgs;
use crate::graphql::fast_path::write;
use crate::graphql::fast_path::{PageRead, Plan, Resolved, Root};
use crate::graphql::pages;

impl Plan {
    /// The response body for `request`, or `None` when the executor must answer it (and for
    /// a read that failed, whose error the executor reports).
    pub async fn answer(
        &self,
        request: &async_graphql::Request,
        identity: &Identity,
        db: &Database,
        reads: &Arc<Reads>,
    ) -> Option<Vec<u8>> {
        if let Some(asked) = &request.operation_name {
            if self.operation.as_deref() != Some(asked.as_str()) {
                return None;
            }
        }
        let variables = self.variables(&request.variables)?;
        let mut results = Vec::with_capacity(self.roots.len());
        for (_, root) in &self.roots {
            results.push(match root {
                Root::Typename => Resolved::Typename,
                Root::Customers {
                    arguments,
                    summary,
                    counts,
                    next,
                    with_companies,
                    ..
                } => {
                    identity.require_customer_access().ok()?;
                    let (list, seek) =
                        customers_args(arguments, &variables)?.into_request().ok()?;
                    // As the resolver decides (`pages::needs_total`): by cursor, the seek
                    // knows whether a page follows.
                    let with_total = *counts || (*next && seek.is_none());
                    // Fields beyond the summary's are pasted from their stored values.
                    let fields = if *summary {
                        Fields::Summary
                    } else {
                        Fields::Stored
                    };
                    let companies = if *with_companies {
                        Companies::Read
                    } else {
                        Companies::Not
                    };
                    let want = Want::rows(fields, with_total).with_companies(companies);
                    let read = pages::read(db, reads, list.clone(), seek, want);
                    let (mut page, keyset) = read.await.ok()?;
                    let companies = std::mem::take(&mut page.companies);
                    Resolved::Page(Box::new(PageRead {
                        page,
                        companies,
                        list,
                        keyset,
                    }))
                }
                Root::Customer {
                    id_or_email,
                    with_company,
                    ..
                } => {
                    identity.require_customer_access().ok()?;
                    let key: ID = parse(id_or_email, &variables)?;
                    let key = IdOrEmail::parse(&key);
                    let with_company = *with_company;
                    let found = db.read(move |conn| {
                        Ok(if with_company {
                            key.find_with_company(conn)?
                        } else {
                            key.find(conn)?.map(|customer| (customer, HashMap::new()))
                        })
                    });
                    match found.await.ok()? {
                        Some((customer, companies)) => {
                            Resolved::Customer(Some(Box::new(customer)), companies)
                        }
                        None => Resolved::Customer(None, HashMap::new()),
                    }
                }
            });
        }
        write::body(self, &results)
    }

    /// The request's variables as the executor would see them: given, else the definition's
    /// default (null for a nullable one). `None` where the executor would refuse them.
    fn variables(&self, given: &Variables) -> Option<HashMap<Name, ConstValue>> {
        self.variables
            .iter()
            .map(|definition| {
                let value = given
                    .get(&definition.name)
                    .or(definition.default.as_ref())
                    .cloned()?;
                if definition.non_null && value == ConstValue::Null {
                    return None;
                }
                Some((definition.name.clone(), value))
            })
            .collect()
    }
}

/// One argument, variables substituted, through the argument type's own coercion.
fn parse<T: InputType>(value: &Value, variables: &HashMap<Name, ConstValue>) -> Option<T> {
    let value = value
        .clone()
        .into_const_with(|name| variables.get(&name).cloned().ok_or(()))
        .ok()?;
    T::parse(Some(value)).ok()
}

fn customers_args(
    arguments: &[(Name, Value)],
    variables: &HashMap<Name, ConstValue>,
) -> Option<CustomersArgs> {
    let mut args = CustomersArgs::default();
    for (name, value) in arguments {
        match name.as_str() {
            "page" => args.page = parse(value, variables)?,
            "perPage" => args.per_page = parse(value, variables)?,
            "offset" => args.offset = parse(value, variables)?,
            "include" => args.include = parse(value, variables)?,
            "exclude" => args.exclude = parse(value, variables)?,
            "userId" => args.user_id = parse(value, variables)?,
            "email" => args.email = parse(value, variables)?,
            "name" => args.name = parse(value, variables)?,
            "search" => args.search = parse(value, variables)?,
            "company" => args.company = parse(value, variables)?,
            "order" => args.order = parse(value, variables)?,
            "orderBy" => args.order_by = parse(value, variables)?,
            "first" => args.first = parse(value, variables)?,
            "after" => args.after = parse(value, variables)?,
            "last" => args.last = parse(value, variables)?,
            "before" => args.before = parse(value, variables)?,
            _ => return None,
        }
    }
    Some(args)
}
