//! Turning an `Authorization` header into an [`Identity`]: argon2 verification, a short cache
//! of verified credentials, and a limit on failures per client address.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};

use crate::client_address::ClientAddress;
use crate::request_log::SignedIn;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use blake2::{Blake2b512, Digest};
use tokio::sync::Semaphore;

use crate::auth::accounts::{self, Candidate};
use crate::auth::basic::parse_basic;
use crate::auth::passwords;
use crate::auth::{Identity, Principal};
use crate::db::{CommitMark, Database, DbConnection};
use crate::error::AppError;

/// How long a verified credential skips argon2. Revocation does not wait for it: every hit
/// confirms the password's row (see `cached_identity`).
const CACHE_TTL: Duration = Duration::from_secs(300);
const CACHE_CAPACITY: usize = 10_000;
/// `last_used_at` is written at most this often per password.
const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// Failed sign-ins allowed from one client address within `window`; past that, credentials
/// from that address are not checked until the window ends.
#[derive(Debug, Clone, Copy)]
pub struct FailureLimit {
    pub max_failures: u32,
    pub window: Duration,
}

impl Default for FailureLimit {
    fn default() -> Self {
        FailureLimit {
            max_failures: 10,
            window: Duration::from_secs(300),
        }
    }
}

struct Verified {
    password_id: i32,
    at: Instant,
    touched: Instant,
    /// The owner as last read, with the commit mark seen just before reading it.
    confirmed: Option<(CommitMark, Principal)>,
}

struct Failures {
    since: Instant,
    count: u32,
}

pub struct Authenticator {
    db: Database,
    limit: FailureLimit,
    /// Keyed by a BLAKE2b digest of login and password: the cache never holds a secret.
    verified: Mutex<HashMap<[u8; 64], Verified>>,
    failures: Mutex<HashMap<IpAddr, Failures>>,
    /// The connection the cached-hit row check runs on (see `current_owner`).
    checker: Mutex<Option<DbConnection>>,
    /// argon2 verifications run so far.
    verifications: AtomicU64,
    /// Sign-ins refused: credentials that did not verify, and those not checked because their
    /// address had failed too often (for the metrics).
    failed: AtomicU64,
    throttled: AtomicU64,
    /// At most one argon2 verification per core at a time, whatever the request rate.
    hashing: Semaphore,
}

/// The hash of a random password nobody was given, made once: what an unknown login's
/// password is verified against.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| passwords::AppPassword::generate().hash())
}

fn cache_key(login: &str, secret: &str) -> [u8; 64] {
    let mut digest = Blake2b512::new();
    digest.update(login.to_ascii_lowercase().as_bytes());
    digest.update([0]);
    digest.update(secret.as_bytes());
    digest.finalize().into()
}

impl Authenticator {
    pub fn new(db: Database, limit: FailureLimit) -> Authenticator {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Authenticator {
            db,
            limit,
            verified: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
            checker: Mutex::new(None),
            verifications: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
            hashing: Semaphore::new(cores),
        }
    }

    /// How many times argon2 has run (the cache and single-flight keep this low).
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// Credentials sent that did not verify (any shape), so far.
    pub fn failed_sign_ins(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }

    /// Credentials not checked because their address had failed too often, so far.
    pub fn throttled_sign_ins(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }

    /// Who sent `header`. Missing, malformed or wrong credentials are simply anonymous.
    /// `mark` is the database's commit mark as of this request (see `cached_identity`).
    pub async fn identify(
        &self,
        header: Option<&HeaderValue>,
        client: IpAddr,
        mark: Option<CommitMark>,
    ) -> Result<Identity, AppError> {
        let Some((login, sent)) = parse_basic(header) else {
            return Ok(Identity::Anonymous);
        };
        // Not shaped like an application password: refused without any hashing.
        let Some(secret) = passwords::normalize(&sent) else {
            self.failed.fetch_add(1, Ordering::Relaxed);
            return Ok(Identity::Anonymous);
        };
        let key = cache_key(&login, &secret);
        if let Some(identity) = self.cached_identity(&key, mark).await? {
            return Ok(identity);
        }
        if let Some(retry_after_secs) = self.blocked_for(client) {
            self.throttled.fetch_add(1, Ordering::Relaxed);
            return Ok(Identity::Throttled { retry_after_secs });
        }
        let _permit = self.hashing.acquire().await.map_err(AppError::internal)?;
        // Many connections of one client arrive with the same new credentials at once: the
        // first verifies them, the others find the result here instead of hashing again.
        if let Some(identity) = self.cached_identity(&key, mark).await? {
            return Ok(identity);
        }
        let lookup = login.clone();
        let candidates = self
            .db
            .run(move |conn| Ok(accounts::candidates(conn, &lookup)?))
            .await?;
        match self.verify(secret, candidates).await? {
            Some((password_id, principal)) => {
                let now = Instant::now();
                self.remember(
                    key,
                    Verified {
                        password_id,
                        at: now,
                        touched: now,
                        confirmed: None,
                    },
                );
                self.touch(password_id);
                Ok(Identity::User(principal))
            }
            None => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                self.record_failure(client);
                Ok(Identity::Anonymous)
            }
        }
    }

    /// A cached verification, confirmed against the database so that a revoked password or
    /// a removed user stops working on the very next request: the owner is read again
    /// unless nothing at all was committed since the last read (`mark`, taken before).
    async fn cached_identity(
        &self,
        key: &[u8; 64],
        mark: Option<CommitMark>,
    ) -> Result<Option<Identity>, AppError> {
        let (password_id, touch, confirmed) = {
            let cache = self.verified.lock().expect("cache lock");
            match cache.get(key) {
                Some(hit) if hit.at.elapsed() < CACHE_TTL => (
                    hit.password_id,
                    hit.touched.elapsed() >= TOUCH_EVERY,
                    hit.confirmed.clone(),
                ),
                _ => return Ok(None),
            }
        };
        let principal = match (mark, confirmed) {
            (Some(mark), Some((seen, principal))) if mark == seen => principal,
            _ => {
                let Some(principal) = self.current_owner(password_id)? else {
                    self.verified.lock().expect("cache lock").remove(key);
                    return Ok(Some(Identity::Anonymous));
                };
                if let Some(hit) = self.verified.lock().expect("cache lock").get_mut(key) {
                    hit.confirmed = mark.map(|mark| (mark, principal.clone()));
                }
                principal
            }
        };
        if touch {
            if let Some(hit) = self.verified.lock().expect("cache lock").get_mut(key) {
                hit.touched = Instant::now();
            }
            self.touch(password_id);
        }
        Ok(Some(Identity::User(principal)))
    }

    /// The row check on every cached hit is a primary-key read of a tiny table (a few
    /// microseconds): it runs right here on a connection of the authenticator's own, because a
    /// hop to the blocking pool costs more than the query (thread switches were over a quarter
    /// of the server's time in a profile of authenticated list requests).
    fn current_owner(&self, password_id: i32) -> Result<Option<Principal>, AppError> {
        let mut checker = self.checker.lock().expect("checker lock");
        if checker.is_none() {
            *checker = Some(self.db.dedicated_connection()?);
        }
        let conn = checker.as_mut().expect("just opened");
        accounts::current_owner(conn, password_id).map_err(|error| {
            // A broken connection is replaced on the next request.
            *checker = None;
            AppError::from(error)
        })
    }

    /// The password among `candidates` that `secret` is. An unknown login has none, and is
    /// checked against a decoy all the same: it then costs what a wrong password costs, so the
    /// time of an answer does not tell which logins exist.
    async fn verify(
        &self,
        secret: String,
        candidates: Vec<Candidate>,
    ) -> Result<Option<(i32, Principal)>, AppError> {
        self.verifications.fetch_add(1, Ordering::Relaxed);
        let span = tracing::Span::current();
        Ok(tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            if candidates.is_empty() {
                passwords::verify(&secret, decoy_hash());
                return None;
            }
            candidates
                .into_iter()
                .find(|c| passwords::verify(&secret, &c.hash))
                .map(|c| (c.password_id, c.principal))
        })
        .await?)
    }

    fn remember(&self, key: [u8; 64], verified: Verified) {
        let mut cache = self.verified.lock().expect("cache lock");
        if cache.len() >= CACHE_CAPACITY {
            cache.retain(|_, v| v.at.elapsed() < CACHE_TTL);
            if cache.len() >= CACHE_CAPACITY {
                cache.clear();
            }
        }
        cache.insert(key, verified);
    }

    /// Records `last_used_at` without making the request wait for the write.
    fn touch(&self, password_id: i32) {
        if self.db.read_only.is_some() {
            return;
        }
        let db = self.db.clone();
        tokio::spawn(async move {
            let result = db
                .run(move |conn| Ok(accounts::touch(conn, password_id)?))
                .await;
            if let Err(error) = result {
                tracing::warn!(%error, "could not record an application password's last use");
            }
        });
    }

    fn blocked_for(&self, client: IpAddr) -> Option<u64> {
        let failures = self.failures.lock().expect("failures lock");
        let entry = failures.get(&client)?;
        let elapsed = entry.since.elapsed();
        (entry.count >= self.limit.max_failures && elapsed < self.limit.window)
            .then(|| (self.limit.window - elapsed).as_secs().max(1))
    }

    fn record_failure(&self, client: IpAddr) {
        let mut failures = self.failures.lock().expect("failures lock");
        if failures.len() >= CACHE_CAPACITY {
            failures.retain(|_, f| f.since.elapsed() < self.limit.window);
        }
        let entry = failures.entry(client).or_insert(Failures {
            since: Instant::now(),
            count: 0,
        });
        if entry.since.elapsed() >= self.limit.window {
            *entry = Failures {
                since: Instant::now(),
                count: 0,
            };
        }
        entry.count += 1;
        tracing::info!(%client, failures = entry.count, "failed sign-in");
    }
}

/// Puts the request's [`Identity`] in its extensions for the transports to check. It never
/// refuses a request itself: each transport decides, in its own order of checks. The commit
/// mark it checked credentials at goes along too, for the response cache's own check: one
/// look at the wal-index per request.
pub async fn middleware(
    State(authenticator): State<Arc<Authenticator>>,
    mut request: Request,
    next: Next,
) -> Response {
    // The client the forwarding headers name when a trusted proxy sent them (see
    // `client_address`), else the peer.
    let client = request
        .extensions()
        .get::<ClientAddress>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |client| client.0);
    // Taken before any read it vouches for: a commit landing during one changes it again.
    let mark = authenticator.db.commits.mark();
    let header = request.headers().get(header::AUTHORIZATION);
    match authenticator.identify(header, client, mark).await {
        Ok(identity) => {
            let signed_in = match &identity {
                Identity::User(principal) => Some(SignedIn(principal.login.as_str().into())),
                _ => None,
            };
            request.extensions_mut().insert(identity);
            if let Some(mark) = mark {
                request.extensions_mut().insert(mark);
            }
            let mut response = next.run(request).await;
            // For the request's log line and metrics.
            if let Some(signed_in) = signed_in {
                response.extensions_mut().insert(signed_in);
            }
            response
        }
        Err(error) => {
            error.log();
            error.status().into_response()
        }
    }
}
