//! Persisted queries. Automatic ones (Apollo's protocol): a client sends only the SHA-256 of its
//! document in `extensions.persistedQuery.sha256Hash`; a server that does not know it answers
//! `PERSISTED_QUERY_NOT_FOUND`, and the client sends the document with its hash once, which
//! registers it. Over GET the request is then a short URL, cacheable like any GET.
//!
//! With `--persisted-only FILE` (trusted documents) only the documents listed in the file run,
//! sent by hash or in full; nothing registers.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{ServerError, Value};
use quick_cache::sync::Cache;
use sha2::{Digest, Sha256};

/// Documents clients registered, at most this many (the oldest unused ones go first).
const REGISTERED: usize = 10_000;

pub struct Persisted {
    registered: Cache<String, Arc<str>>,
    /// The trusted documents, by hash, when only they may run.
    only: Option<HashMap<String, Arc<str>>>,
}

impl Default for Persisted {
    fn default() -> Self {
        Persisted {
            registered: Cache::new(REGISTERED),
            only: None,
        }
    }
}

/// The lowercase hex SHA-256 of `document`: how documents are named.
pub fn hash(document: &str) -> String {
    format!("{:x}", Sha256::digest(document.as_bytes()))
}

impl Persisted {
    /// Only `documents` may run (`--persisted-only`).
    pub fn only(documents: impl IntoIterator<Item = String>) -> Persisted {
        let only = documents
            .into_iter()
            .map(|document| (hash(&document), Arc::from(document)))
            .collect();
        Persisted {
            only: Some(only),
            ..Persisted::default()
        }
    }

    /// The trusted documents of a file: a JSON object of documents by their SHA-256 (GraphQL
    /// Code Generator's `persisted-documents.json`), or an Apollo persisted query manifest
    /// (`{"format": "apollo-persisted-query-manifest", "operations": [{"id", "body"}…]}`).
    /// The messages name the file and what to fix in it.
    pub fn load(path: &std::path::Path) -> Result<Persisted, String> {
        let shown = path.display();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the trusted documents in {shown}: {e}"))?;
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{shown} is not JSON: {e}"))?;
        let entries: Vec<(String, String)> = match &json {
            serde_json::Value::Object(map) if map.contains_key("operations") => map["operations"]
                .as_array()
                .ok_or_else(|| format!("{shown}: `operations` must be a list"))?
                .iter()
                .enumerate()
                .map(|(at, op)| match (op["id"].as_str(), op["body"].as_str()) {
                    (Some(id), Some(body)) => Ok((id.to_owned(), body.to_owned())),
                    _ => Err(format!(
                        "{shown}: operation {} needs an `id` and a `body` string",
                        at + 1
                    )),
                })
                .collect::<Result<_, _>>()?,
            serde_json::Value::Object(map) => map
                .iter()
                .map(|(id, body)| match body.as_str() {
                    Some(body) => Ok((id.clone(), body.to_owned())),
                    None => Err(format!("{shown}: the document of {id} must be a string")),
                })
                .collect::<Result<_, _>>()?,
            _ => {
                return Err(format!(
                    "{shown} must hold a JSON object of documents by their SHA-256, or an \
                     Apollo persisted query manifest"
                ))
            }
        };
        if entries.is_empty() {
            return Err(format!("{shown} lists no documents: nothing could run"));
        }
        for (id, body) in &entries {
            if !id.eq_ignore_ascii_case(&hash(body)) {
                return Err(format!(
                    "{shown}: {id} is not the SHA-256 of its document (that is {}): clients \
                     send the SHA-256, so regenerate the file with sha256 hashes",
                    hash(body)
                ));
            }
        }
        Ok(Persisted::only(entries.into_iter().map(|(_, body)| body)))
    }

    /// How many trusted documents there are, when only they run.
    pub fn trusted(&self) -> Option<usize> {
        self.only.as_ref().map(HashMap::len)
    }

    /// Fills in the document of a request sent by hash, registers one sent with its hash, and
    /// refuses what may not run; the error is the request's (it never ran).
    pub fn resolve(&self, request: &mut async_graphql::Request) -> Result<(), ServerError> {
        let sent = sent_hash(request)?;
        if let Some(only) = &self.only {
            let name = match &sent {
                Some(name) => name.clone(),
                None => hash(&request.query),
            };
            let Some(document) = only.get(&name) else {
                return Err(if request.query.is_empty() {
                    refusal(
                        "PersistedQueryNotFound: this server runs only its trusted documents, \
                         and none has this hash",
                        "PERSISTED_QUERY_NOT_IN_LIST",
                    )
                } else {
                    refusal(
                        "This server runs only its trusted documents (--persisted-only), and \
                         this is not one of them",
                        "QUERY_NOT_IN_SAFELIST",
                    )
                });
            };
            if !request.query.is_empty() && request.query != **document {
                return Err(mismatch());
            }
            request.query = document.to_string();
            return Ok(());
        }
        let Some(name) = sent else {
            return Ok(());
        };
        if request.query.is_empty() {
            return match self.registered.get(&name) {
                Some(document) => {
                    request.query = document.to_string();
                    Ok(())
                }
                // The exact message Apollo's clients look for before sending the document.
                None => Err(refusal(
                    "PersistedQueryNotFound",
                    "PERSISTED_QUERY_NOT_FOUND",
                )),
            };
        }
        if hash(&request.query) != name {
            return Err(mismatch());
        }
        self.registered
            .insert(name, Arc::from(request.query.as_str()));
        Ok(())
    }
}

/// `extensions.persistedQuery.sha256Hash`, if the request has one (version 1 only).
fn sent_hash(request: &async_graphql::Request) -> Result<Option<String>, ServerError> {
    let Some(persisted) = request.extensions.get("persistedQuery") else {
        return Ok(None);
    };
    let Value::Object(persisted) = persisted else {
        return Err(bad("`extensions.persistedQuery` must be an object"));
    };
    if persisted.get("version") != Some(&Value::Number(1.into())) {
        return Err(bad("only version 1 of persisted queries is supported"));
    }
    match persisted.get("sha256Hash") {
        Some(Value::String(name)) if is_sha256(name) => Ok(Some(name.to_ascii_lowercase())),
        _ => Err(bad(
            "`extensions.persistedQuery.sha256Hash` must be a SHA-256 in hex",
        )),
    }
}

fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn refusal(message: &str, code: &str) -> ServerError {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
    error
}

fn bad(message: &str) -> ServerError {
    refusal(
        &format!("Invalid persisted query: {message}."),
        "BAD_REQUEST",
    )
}

fn mismatch() -> ServerError {
    refusal(
        "provided sha does not match query",
        "PERSISTED_QUERY_HASH_MISMATCH",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_named_by_their_sha256() {
        assert_eq!(
            hash("{ __typename }"),
            "7f56e67dd21ab3f30d1ff8b7bed08893f0a0db86449836189b361dd1e56ddb4b"
        );
    }
}
