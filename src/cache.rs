//! Answers to repeated reads. The dataset is static between imports, so a successful answer
//! is kept, keyed by the normalized request, the caller's role and the dataset's content
//! (`db::content_key`: its digest, else its version), and served again until an import
//! changes it. Every successful GET also gets a strong
//! `ETag`, and `If-None-Match` answers `304`.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use quick_cache::sync::Cache;
use quick_cache::Weighter;

use crate::auth::Identity;
use crate::db::{CommitMark, Database, DbConnection};
use crate::request_log::Operation;

/// An answer as it went out the first time.
struct Stored {
    status: StatusCode,
    /// With the `ETag` already in for a GET: a hit clones the whole map at once.
    headers: HeaderMap,
    body: Bytes,
    etag: HeaderValue,
    /// The GraphQL operation it answered, for the request log of each hit.
    operation: Option<Operation>,
}

/// Entries weigh their bytes, so the bound is on memory, not on a count: what they really
/// cost, the allocator's share included (entries of every size from 1 KB to 1 MB come and go,
/// and freed blocks are not all reused at once). `bench/memory.py` measures the cache's RSS
/// against its budget.
#[derive(Clone)]
struct ByBytes;

/// What the allocator holds for every byte an entry weighs, in quarters.
const ALLOCATED_QUARTERS: u64 = 6;

impl Weighter<Vec<u8>, Arc<Stored>> for ByBytes {
    fn weight(&self, key: &Vec<u8>, stored: &Arc<Stored>) -> u64 {
        let headers: usize = stored
            .headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 32)
            .sum();
        (key.len() + stored.body.len() + headers + 128) as u64 * ALLOCATED_QUARTERS / 4
    }
}

pub struct ResponseCache {
    /// `None` when disabled (`--response-cache-mib 0`): answers still get their `ETag`.
    entries: Option<Cache<Vec<u8>, Arc<Stored>, ByBytes>>,
    /// The dataset version the entries belong to (0 until first read).
    version: AtomicI64,
    /// What reads the version: an import by another process is seen by the very next request.
    reader: Mutex<VersionReader>,
    /// Requests answered from an entry, and requests looked up and not found: what tells a
    /// test (and an operator) whether an answer came from memory.
    hits: AtomicU64,
    misses: AtomicU64,
}

#[derive(Default)]
struct VersionReader {
    /// A connection of its own for the one-row read.
    conn: Option<DbConnection>,
    /// The version last read, and the commit mark seen just before reading it: while the
    /// mark stays the same, nothing was committed and the version still holds.
    seen: Option<(CommitMark, i64)>,
}

impl ResponseCache {
    pub fn new(max_bytes: u64) -> ResponseCache {
        let entries = (max_bytes > 0)
            .then(|| Cache::with_weighter((max_bytes / 4096).max(16) as usize, max_bytes, ByBytes));
        ResponseCache {
            entries,
            version: AtomicI64::new(0),
            reader: Mutex::new(VersionReader::default()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Whether answers are kept at all (a bound of 0 keeps none).
    pub fn is_enabled(&self) -> bool {
        self.entries.is_some()
    }

    /// Requests answered from memory so far.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// The bytes the kept answers weigh (bodies, headers and keys), and how many there are.
    pub fn held(&self) -> (u64, usize) {
        self.entries
            .as_ref()
            .map_or((0, 0), |entries| (entries.weight(), entries.len()))
    }

    /// Requests looked up in memory and not found there so far.
    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }

    /// The stored dataset's version as of now: the last one read if nothing was committed
    /// since, else read again (a cached one-row statement on a warm page, run inline like the
    /// authenticator's row check); a new one empties the cache. `None` when it cannot be
    /// read: the request then goes uncached.
    fn current_version(&self, db: &Database, mark: Option<CommitMark>) -> Option<i64> {
        let mut reader = self
            .reader
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let (Some(mark), Some((seen, version))) = (mark, reader.seen) {
            if mark == seen {
                return Some(version);
            }
        }
        if reader.conn.is_none() {
            reader.conn = db.dedicated_connection().ok();
        }
        let read = crate::db::content_key(reader.conn.as_mut()?);
        let version = match read {
            Ok(version) => version,
            Err(error) => {
                tracing::warn!(%error, "reading the dataset version");
                *reader = VersionReader::default();
                return None;
            }
        };
        reader.seen = mark.map(|mark| (mark, version));
        drop(reader);
        if self.version.swap(version, Ordering::AcqRel) != version {
            if let Some(entries) = &self.entries {
                entries.clear();
            }
        }
        Some(version)
    }
}

/// The request in the form answers are keyed by: what can change an answer, and nothing else.
/// Query parameters are sorted by name (stably, so a repeated name keeps its last-wins order).
fn key(version: i64, role: &str, parts: &axum::http::request::Parts, body: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(128 + body.len());
    key.extend_from_slice(&version.to_le_bytes());
    let mut field = |bytes: &[u8]| {
        key.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        key.extend_from_slice(bytes);
    };
    field(role.as_bytes());
    // HEAD is GET without the body: it shares GET's entry (and validator).
    let method = match &parts.method {
        m if m == Method::HEAD => "GET",
        m => m.as_str(),
    };
    field(method.as_bytes());
    field(parts.uri.path().as_bytes());
    let mut pairs: Vec<&str> = parts
        .uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .collect();
    pairs.sort_by_key(|pair| pair.split('=').next().unwrap_or_default());
    for pair in pairs {
        field(pair.as_bytes());
    }
    // Headers that change an answer: CORS echoes, WordPress's method override, the body's type.
    for name in [
        header::ORIGIN,
        header::CONTENT_TYPE,
        header::HeaderName::from_static("x-http-method-override"),
    ] {
        field(
            parts
                .headers
                .get(&name)
                .map(HeaderValue::as_bytes)
                .unwrap_or_default(),
        );
    }
    // A GraphQL answer's media type follows `Accept` (REST answers have one type).
    if parts.uri.path() == "/graphql" {
        field(
            parts
                .headers
                .get(header::ACCEPT)
                .map(HeaderValue::as_bytes)
                .unwrap_or_default(),
        );
    }
    field(body);
    key
}

/// A strong validator: a 128-bit hash of the exact bytes sent. Not a cryptographic digest
/// (nobody gains by forging a collision with their own cached copy), and fast: a
/// cryptographic hash of every answer was a visible share of an uncached page's time.
fn etag_of(body: &[u8]) -> HeaderValue {
    let text = format!("\"{:032x}\"", xxhash_rust::xxh3::xxh3_128(body));
    HeaderValue::from_str(&text).expect("hex is a valid header value")
}

/// Whether `If-None-Match` names this `etag` (or `*`); compared weakly, as RFC 9110 says.
fn matches(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let ours = etag.as_bytes();
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim())
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag).as_bytes() == ours)
}

fn answer(stored: &Stored, method: &Method, request_headers: &HeaderMap) -> Response {
    let conditional =
        (method == Method::GET || method == Method::HEAD) && matches(request_headers, &stored.etag);
    let (status, body) = if conditional {
        (StatusCode::NOT_MODIFIED, Body::empty())
    } else if method == Method::HEAD {
        (stored.status, Body::empty())
    } else {
        (stored.status, Body::from(stored.body.clone()))
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = stored.headers.clone();
    if conditional {
        response.headers_mut().remove(header::CONTENT_LENGTH);
    }
    if let Some(operation) = &stored.operation {
        response.extensions_mut().insert(operation.clone());
    }
    response
}

/// What the cache layer needs: the cache, the database whose version keys it, and the answer
/// to a body over the limit (the transport's own shape; the cache knows none). Shared as one
/// reference: axum clones a middleware's state for every request.
pub struct Layer {
    pub cache: Arc<ResponseCache>,
    pub db: Database,
    pub too_large: fn() -> Response,
}

/// The layer around the customer routes, inside authentication (it needs the caller's role).
pub async fn middleware(State(layer): State<Arc<Layer>>, request: Request, next: Next) -> Response {
    let cache = layer.cache.clone();
    let method = request.method().clone();
    // GET and HEAD get validators even with the cache off; GraphQL's POSTs only an entry.
    let cacheable_method = method == Method::GET
        || method == Method::HEAD
        || (method == Method::POST
            && cache.entries.is_some()
            && request.uri().path() == "/graphql");
    // Only answers to a known role are shared: anonymous answers depend on more than a role
    // (missing or refused credentials), and they are cheap anyway.
    let role = match request.extensions().get::<Identity>() {
        Some(Identity::User(principal)) if cacheable_method => principal.role.as_str(),
        _ => return next.run(request).await,
    };

    let (mut parts, body) = request.into_parts();
    let body = if method == Method::POST {
        match axum::body::to_bytes(body, usize::MAX).await {
            Ok(bytes) => bytes,
            // Over the body limit (the only way reading it fails short of a dropped client).
            Err(_) => return (layer.too_large)(),
        }
    } else {
        Bytes::new()
    };
    // The mark authentication took (before any read it vouches for).
    let mark = parts
        .extensions
        .get::<CommitMark>()
        .copied()
        .or_else(|| layer.db.commits.mark());
    let Some(version) = cache.current_version(&layer.db, mark) else {
        return next.run(Request::from_parts(parts, Body::from(body))).await;
    };
    let key = key(version, role, &parts, &body);
    if let Some(entries) = &cache.entries {
        if let Some(stored) = entries.get(&key) {
            cache.hits.fetch_add(1, Ordering::Relaxed);
            return answer(&stored, &method, &parts.headers);
        }
        cache.misses.fetch_add(1, Ordering::Relaxed);
    }

    let request_headers = parts.headers.clone();
    // HEAD is GET without the body, and shares GET's entry: on a miss the GET runs (a HEAD's
    // answer has no body to keep or to validate), is kept, and the HEAD is answered from it,
    // `ETag` included.
    if method == Method::HEAD {
        parts.method = Method::GET;
    }
    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    if response.status() != StatusCode::OK {
        if method == Method::HEAD {
            let (response_parts, _) = response.into_parts();
            return Response::from_parts(response_parts, Body::empty());
        }
        return response;
    }
    let (response_parts, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let etag = etag_of(&body);
    let mut headers = response_parts.headers;
    // Explicit, so that a HEAD answered from the entry tells the GET's length, not its own.
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    // GraphQL's POST answers carry no validator.
    if method == Method::GET || method == Method::HEAD {
        headers.insert(header::ETAG, etag.clone());
    }
    let stored = Arc::new(Stored {
        status: response_parts.status,
        etag,
        operation: response_parts.extensions.get::<Operation>().cloned(),
        headers,
        // A copy of exactly its length: the serializer's buffer grows by doubling, so the
        // answer's own allocation can hold twice what the entry weighs.
        body: if cache.entries.is_some() {
            Bytes::copy_from_slice(&body)
        } else {
            body
        },
    });
    // If an import landed while this ran, the answer may be the new dataset's, kept under
    // the old version: only requests that started before the import can find it, and the
    // answer is still one whole dataset.
    if let Some(entries) = &cache.entries {
        entries.insert(key, stored.clone());
    }
    answer(&stored, &method, &request_headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_lists_and_wildcards_match() {
        let etag = etag_of(b"page");
        let mut headers = HeaderMap::new();
        assert!(!matches(&headers, &etag));
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&format!("\"other\", W/{}", etag.to_str().unwrap())).unwrap(),
        );
        assert!(matches(&headers, &etag));
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(matches(&headers, &etag));
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"other\""));
        assert!(!matches(&headers, &etag));
    }

    #[test]
    fn query_order_does_not_split_the_cache_but_values_do() {
        let parts = |uri: &str| Request::get(uri).body(()).unwrap().into_parts().0;
        let a = key(1, "administrator", &parts("/c?page=2&per_page=5"), b"");
        let b = key(1, "administrator", &parts("/c?per_page=5&page=2"), b"");
        let c = key(1, "administrator", &parts("/c?per_page=5&page=3"), b"");
        let d = key(2, "administrator", &parts("/c?page=2&per_page=5"), b"");
        let e = key(1, "support_manager", &parts("/c?page=2&per_page=5"), b"");
        assert_eq!(a, b);
        assert!(a != c && a != d && a != e);
        // A repeated name keeps its order: the last one wins, as in PHP.
        let f = key(1, "administrator", &parts("/c?page=1&x=0&page=2"), b"");
        let g = key(1, "administrator", &parts("/c?page=2&x=0&page=1"), b"");
        assert_ne!(f, g);
    }
}
