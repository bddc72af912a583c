//! What every handler shares.

use std::sync::Arc;

use crate::client_address::TrustedProxies;
use std::time::Duration;

use crate::auth::{Authenticator, FailureLimit};
use crate::cache::ResponseCache;
use crate::connections::Draining;
use crate::customers::derived::Builds;
use crate::customers::{Reads, Thresholds};
use crate::db::Database;
use crate::freshness::Freshness;
use crate::graphql::{self, AppSchema};
use crate::metrics::Metrics;
use crate::rest::{CorsOrigins, Site};

/// Cloned for every request, by every layer that holds it (axum's `State`): one reference
/// count to bump, however many fields it has.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] shares.
#[derive(Clone)]
pub struct Shared {
    pub db: Database,
    pub schema: AppSchema,
    pub limits: Limits,
    pub auth: Arc<Authenticator>,
    /// Whether anonymous clients may introspect the GraphQL schema.
    pub public_schema: bool,
    /// How REST links and dates are written.
    pub site: Arc<Site>,
    /// Which browser origins may read answers.
    pub cors: Arc<CorsOrigins>,
    /// Answers to repeated reads, until the dataset changes.
    pub responses: Arc<ResponseCache>,
    /// Parsed GraphQL queries, by text.
    pub documents: Arc<graphql::Documents>,
    /// Persisted queries: those clients registered, or the only ones that may run.
    pub persisted: Arc<graphql::Persisted>,
    /// Whether planned answers are used (else the executor answers every query): off only
    /// to compare both paths.
    pub planned: bool,
    /// Where the query core's special reads start, and how often each read was taken.
    pub reads: Arc<Reads>,
    /// Set when shutdown starts.
    pub draining: Arc<Draining>,
    /// The proxies whose forwarding headers name the client (`--trusted-proxies`).
    pub proxies: Arc<TrustedProxies>,
    /// What was answered and how fast, for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// What the derived data's background builder has done (nothing, where none runs).
    pub builds: Arc<Builds>,
    /// How fresh the data is from its source (`--sync-from`; always, without one).
    pub freshness: Arc<Freshness>,
}

/// The response cache's default bound.
pub const DEFAULT_RESPONSE_CACHE_BYTES: u64 = 32 * 1024 * 1024;

/// Bounds on what one request may cost.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub request_timeout: Duration,
    pub max_body_bytes: usize,
    /// Operations one GraphQL batch may hold.
    pub max_batch: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 64 * 1024,
            max_batch: 10,
        }
    }
}

impl AppState {
    pub fn new(db: Database, limits: Limits) -> AppState {
        let reads = Arc::new(Reads::default());
        AppState(Arc::new(Shared {
            schema: graphql::build(db.clone(), reads.clone()),
            reads,
            auth: Arc::new(Authenticator::new(db.clone(), FailureLimit::default())),
            db,
            limits,
            public_schema: false,
            site: Arc::new(Site {
                base_url: "http://localhost".into(),
                timezone: chrono::FixedOffset::east_opt(0).expect("UTC"),
            }),
            cors: Arc::new(CorsOrigins::Any),
            responses: Arc::new(ResponseCache::new(DEFAULT_RESPONSE_CACHE_BYTES)),
            documents: Arc::new(graphql::Documents::new(4 * 1024 * 1024)),
            persisted: Arc::new(graphql::Persisted::default()),
            planned: true,
            draining: Arc::default(),
            proxies: Arc::default(),
            metrics: Arc::default(),
            builds: Arc::default(),
            freshness: Arc::default(),
        }))
    }

    /// The settings, to change before the state is shared (copied if it already is).
    fn settings(&mut self) -> &mut Shared {
        Arc::make_mut(&mut self.0)
    }

    /// A response cache of at most `max_bytes` (0 turns caching off; validators stay).
    pub fn with_response_cache(mut self, max_bytes: u64) -> AppState {
        self.settings().responses = Arc::new(ResponseCache::new(max_bytes));
        self
    }

    pub fn with_limits(mut self, limits: Limits) -> AppState {
        self.settings().limits = limits;
        self
    }

    pub fn with_site(mut self, site: Site) -> AppState {
        self.settings().site = Arc::new(site);
        self
    }

    /// Forwarding headers from these proxies name the client (`--trusted-proxies`).
    pub fn with_trusted_proxies(mut self, proxies: TrustedProxies) -> AppState {
        self.settings().proxies = Arc::new(proxies);
        self
    }

    pub fn with_cors(mut self, cors: CorsOrigins) -> AppState {
        self.settings().cors = Arc::new(cors);
        self
    }

    /// Only `persisted`'s trusted documents run (`--persisted-only`).
    pub fn with_persisted(mut self, persisted: graphql::Persisted) -> AppState {
        self.settings().persisted = Arc::new(persisted);
        self
    }

    pub fn with_public_schema(mut self, public_schema: bool) -> AppState {
        self.settings().public_schema = public_schema;
        self
    }

    /// With `false`, the GraphQL executor answers every query (see `graphql::plan`).
    pub fn with_query_plans(mut self, planned: bool) -> AppState {
        self.settings().planned = planned;
        self
    }

    /// The query core's reads start at `thresholds` (they change speed, never an answer).
    pub fn with_thresholds(mut self, thresholds: Thresholds) -> AppState {
        let reads = Arc::new(Reads::new(thresholds));
        let settings = self.settings();
        settings.schema = graphql::build(settings.db.clone(), reads.clone());
        settings.reads = reads;
        self
    }

    /// The background builder that reports in `builds` keeps the derived data current.
    pub fn with_builds(mut self, builds: Arc<Builds>) -> AppState {
        self.settings().builds = builds;
        self
    }

    /// The data is kept from a source, whose syncs report in `freshness`.
    pub fn with_freshness(mut self, freshness: Arc<Freshness>) -> AppState {
        self.settings().freshness = freshness;
        self
    }

    pub fn with_failure_limit(mut self, limit: FailureLimit) -> AppState {
        let db = self.db.clone();
        self.settings().auth = Arc::new(Authenticator::new(db, limit));
        self
    }
}
