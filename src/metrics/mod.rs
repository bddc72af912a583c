//! Prometheus metrics of the requests: what the server answered and how fast, counted where
//! every request passes (`request_log`). What the server's parts hold is read at each scrape
//! (`scrape`), which serves both.
//!
//! Every label comes from a bounded set: transports and route templates are fixed (the router
//! names them), and GraphQL operation names are the first [`OPERATIONS_KEPT`] that signed-in
//! callers sent, later ones counted as `(other)`.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, SystemTime};

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// What a request is, as the metrics and the request log name it: its transport and its
/// route template, each from a small fixed set whatever paths clients send (see
/// `router::endpoint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint {
    pub transport: &'static str,
    pub route: &'static str,
}

/// Distinct GraphQL operation names given their own series.
pub const OPERATIONS_KEPT: usize = 100;

/// Latency buckets, in seconds: from a cached answer's tenth of a millisecond to the default
/// request timeout.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0, 30.0,
];

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    transport: &'static str,
    route: &'static str,
    status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct TransportLabels {
    transport: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct OperationLabels {
    operation: OperationName,
}

/// An operation's label value: a GraphQL name, or one of the folded ones in parentheses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct OperationName(Arc<str>);

impl EncodeLabelValue for OperationName {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        std::fmt::Write::write_str(encoder, &self.0)
    }
}

/// One answered request, as the metrics count it.
pub struct Answered<'a> {
    pub endpoint: Endpoint,
    pub status: u16,
    pub latency: Duration,
    /// The GraphQL operation's name (or a batch's names, `[A,B]`), when it has one.
    pub operation: Option<&'a Arc<str>>,
    /// Whether a user was signed in: only they add operation names to the kept set.
    pub signed_in: bool,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<TransportLabels, Histogram>,
    operations: Family<OperationLabels, Histogram>,
    /// Each transport's latency series, found without hashing its label (every request
    /// records one).
    by_transport: Vec<(&'static str, Histogram)>,
    /// The operation names given their own series, with it.
    kept: RwLock<HashMap<Arc<str>, Histogram>>,
    /// The folded names' series, made when first used.
    folded: [(Arc<str>, OnceLock<Histogram>); 3],
    /// When the server started (`process_start_time_seconds`).
    started: SystemTime,
}

/// The transports `router::endpoint` names.
const TRANSPORTS: [&str; 6] = ["graphql", "rest", "graphiql", "health", "metrics", "other"];

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

impl Default for Metrics {
    fn default() -> Self {
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<TransportLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let operations = Family::<OperationLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let mut registry = Registry::with_prefix("kbs");
        registry.register(
            "http_requests",
            "HTTP requests answered, by transport, route template and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its answer's head, by transport",
            latency.clone(),
        );
        registry.register(
            "graphql_operation_duration_seconds",
            "Time to answer a GraphQL request, by operation name ((anonymous) for unnamed \
             operations, (batch) for batches, (other) beyond the names kept)",
            operations.clone(),
        );
        let by_transport = TRANSPORTS
            .into_iter()
            .map(|transport| {
                let series = latency
                    .get_or_create(&TransportLabels { transport })
                    .clone();
                (transport, series)
            })
            .collect();
        Metrics {
            registry,
            requests,
            latency,
            operations,
            by_transport,
            kept: RwLock::new(HashMap::new()),
            folded: ["(anonymous)", "(batch)", "(other)"]
                .map(|name| (name.into(), OnceLock::new())),
            started: SystemTime::now(),
        }
    }
}

impl Metrics {
    /// Counts one answered request.
    pub fn answered(&self, answered: &Answered) {
        let Endpoint { transport, route } = answered.endpoint;
        self.requests
            .get_or_create(&RequestLabels {
                transport,
                route,
                status: answered.status,
            })
            .inc();
        let seconds = answered.latency.as_secs_f64();
        match self.by_transport.iter().find(|(t, _)| *t == transport) {
            Some((_, series)) => series.observe(seconds),
            None => self
                .latency
                .get_or_create(&TransportLabels { transport })
                .observe(seconds),
        }
        if transport == "graphql" {
            let (_, series) = self.operation(answered.operation, answered.signed_in);
            series.observe(seconds);
        }
    }

    /// The label an operation is counted under, and its series: its name while the kept set
    /// holds it or has room for it (signed-in callers only), else a folded one.
    fn operation(&self, name: Option<&Arc<str>>, signed_in: bool) -> (Arc<str>, Histogram) {
        let folded = |at: usize| {
            let (label, series) = &self.folded[at];
            let series = series.get_or_init(|| {
                let operation = OperationName(label.clone());
                self.operations
                    .get_or_create(&OperationLabels { operation })
                    .clone()
            });
            (label.clone(), series.clone())
        };
        let Some(name) = name else {
            return folded(0);
        };
        if name.starts_with('[') {
            return folded(1);
        }
        if !is_graphql_name(name) {
            return folded(2);
        }
        if let Some(series) = self.kept.read().expect("operation names").get(name) {
            return (name.clone(), series.clone());
        }
        if !signed_in {
            return folded(2);
        }
        let mut kept = self.kept.write().expect("operation names");
        if kept.len() >= OPERATIONS_KEPT && !kept.contains_key(name) {
            return folded(2);
        }
        let series = kept.entry(name.clone()).or_insert_with(|| {
            let operation = OperationName(name.clone());
            self.operations
                .get_or_create(&OperationLabels { operation })
                .clone()
        });
        (name.clone(), series.clone())
    }

    /// When the server started.
    pub fn started(&self) -> SystemTime {
        self.started
    }

    /// The request metrics in Prometheus' text format.
    pub fn encode(&self, out: &mut String) -> std::fmt::Result {
        prometheus_client::encoding::prometheus_text::encode(out, &self.registry)
    }
}

/// `[_A-Za-z][_0-9A-Za-z]*`, as the GraphQL spec writes a name.
fn is_graphql_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b == b'_' || b.is_ascii_alphabetic())
        && bytes.all(|b| b == b'_' || b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{Metrics, OPERATIONS_KEPT};

    fn label(metrics: &Metrics, name: Option<&str>, signed_in: bool) -> String {
        let name = name.map(Arc::<str>::from);
        metrics.operation(name.as_ref(), signed_in).0.to_string()
    }

    #[test]
    fn operation_names_are_bounded_and_folded() {
        let metrics = Metrics::default();
        assert_eq!(label(&metrics, None, true), "(anonymous)");
        assert_eq!(label(&metrics, Some("[A,-]"), true), "(batch)");
        assert_eq!(label(&metrics, Some("a b\"c"), true), "(other)");
        // Anonymous callers add no names; a name kept counts for them too.
        assert_eq!(label(&metrics, Some("Probe"), false), "(other)");
        assert_eq!(label(&metrics, Some("Recent"), true), "Recent");
        assert_eq!(label(&metrics, Some("Recent"), false), "Recent");
        for n in 1..OPERATIONS_KEPT {
            assert_eq!(
                label(&metrics, Some(&format!("Op{n}")), true),
                format!("Op{n}")
            );
        }
        assert_eq!(label(&metrics, Some("OneTooMany"), true), "(other)");
        assert_eq!(label(&metrics, Some("Op7"), true), "Op7");
    }
}
