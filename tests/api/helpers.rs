//! Test fixtures: data builders, a temporary database, and requests through the real router.

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use kbs_graphql::auth::{self, AppPassword, NewUser, Role};
use kbs_graphql::customers::{Companies, CustomerQuery, Fields, Page, Reads, Thresholds, Want};
use kbs_graphql::db::Database;
use kbs_graphql::import::{self, ImportError, ImportSummary, Input};
use kbs_graphql::{AppState, Limits};
use serde_json::{json, Value};
use tempfile::TempDir;
use tower::ServiceExt;

/// Builds one customers-file record.
pub struct CustomerBuilder(Value);

pub fn customer(id: i32, email: &str) -> CustomerBuilder {
    CustomerBuilder(json!({"id": id, "email": email, "date_created": "2020-01-01 00:00:00"}))
}

impl CustomerBuilder {
    fn set(mut self, key: &str, value: Value) -> Self {
        self.0[key] = value;
        self
    }
    pub fn name(self, name: &str) -> Self {
        self.set("name", json!(name))
    }
    pub fn user(self, user_id: i32) -> Self {
        self.set("user_id", json!(user_id))
    }
    pub fn company(self, company_id: i32) -> Self {
        self.set("company", json!(company_id))
    }
    pub fn extra_emails(self, emails: &[&str]) -> Self {
        self.set("additional_emails", json!(emails))
    }
    pub fn created(self, date: &str) -> Self {
        self.set("date_created", json!(date))
    }
    pub fn phone(self, primary: &str, additional: &str) -> Self {
        self.set(
            "phone",
            json!({"primary": primary, "additional": additional}),
        )
    }
    pub fn address(self, address: Value) -> Self {
        self.set("address", address)
    }
    pub fn notes(self, notes: &[&str]) -> Self {
        self.set("notes", json!(notes))
    }
    pub fn tickets(self, count: i32) -> Self {
        self.set("ticket_count", json!(count))
    }
    pub fn build(self) -> Value {
        self.0
    }
}

pub fn company(id: i32, name: &str) -> Value {
    json!({"id": id, "name": name})
}

/// Eight customers whose every order and filter result is worked out by hand in the tests:
///
/// | id | name            | user | email               | company | created    |
/// |----|-----------------|------|---------------------|---------|------------|
/// | 1  | Alice Smith     | 10   | alice@example.com   | 1       | 2020-01-01 |
/// | 2  | bob             | –    | Bob@Example.com (+ bob.work@corp.example) | 2 | 2020-01-02 |
/// | 3  | Zoë Ünïcode     | 30   | zoe@example.com (+ ZOË@umlaut.example)    | 1 | 2020-01-01 |
/// | 4  | –               | –    | anon@example.com    | –       | 2019-06-01 |
/// | 5  | 100% Pure_Snake | 10   | pure@example.com    | 99 (none) | 2021-05-05 |
/// | 6  | Ольга           | –    | olga@example.ru     | –       | 2021-01-01 |
/// | 7  | alice smith     | 20   | alice2@example.com  | 2       | 2022-01-01 |
/// | 8  | Pure Snake      | –    | p8@example.com      | –       | 2018-01-01 |
pub fn semantic_customers() -> Vec<Value> {
    vec![
        customer(1, "alice@example.com")
            .name("Alice Smith")
            .user(10)
            .company(1)
            .phone("+44 1", "")
            .address(json!({"city": "Leeds", "country": "GB"}))
            .notes(&["third", "second", "first"])
            .tickets(3)
            .build(),
        customer(2, "Bob@Example.com")
            .name("bob")
            .company(2)
            .extra_emails(&["bob.work@corp.example"])
            .created("2020-01-02 00:00:00")
            .build(),
        customer(3, "zoe@example.com")
            .name("Zoë Ünïcode")
            .user(30)
            .company(1)
            .extra_emails(&["ZOË@umlaut.example"])
            .phone("+33 1", "+33 2")
            .build(),
        customer(4, "anon@example.com")
            .created("2019-06-01T00:00:00Z")
            .build(),
        customer(5, "pure@example.com")
            .name("100% Pure_Snake")
            .user(10)
            .company(99)
            .created("2021-05-05 00:00:00")
            .build(),
        customer(6, "olga@example.ru")
            .name("Ольга")
            .created("2021-01-01 00:00:00")
            .build(),
        customer(7, "alice2@example.com")
            .name("alice smith")
            .user(20)
            .company(2)
            .created("2022-01-01 00:00:00")
            .build(),
        customer(8, "p8@example.com")
            .name("Pure Snake")
            .created("2018-01-01 00:00:00")
            .build(),
    ]
}

pub fn semantic_companies() -> Vec<Value> {
    vec![company(1, "Acme"), company(2, "Globex")]
}

pub fn jsonl(records: &[Value]) -> String {
    records.iter().map(|r| format!("{r}\n")).collect()
}

/// HTTP Basic credentials for `login:password`, as a header value.
pub fn basic(login: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}"))
    )
}

/// Thresholds the demo data's 250 customers cross: company pages from offset 3, the names'
/// lists for needles held by 6 customers at most, phrase windows in one pass up to 25
/// matches, descending passes cut short 2 matches beyond the window, and more companies than
/// are held (each page reads its own).
pub const REACHING_EVERY_READ: Thresholds = Thresholds {
    positions_from: 3,
    lists_reach: 6,
    one_pass_reach: 25,
    forward_slack: 2,
    companies_held: 3,
};

/// The column sets the core reads a page in, one per list method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Columns {
    All,
    Summary,
    KnowingCompanies,
    OwnJson,
    WithCompanies,
    /// A planned GraphQL answer's: the stored fields, and the companies.
    StoredFields,
}

impl Columns {
    pub const ALL: [Columns; 6] = [
        Columns::All,
        Columns::Summary,
        Columns::KnowingCompanies,
        Columns::OwnJson,
        Columns::WithCompanies,
        Columns::StoredFields,
    ];
}

/// A temporary database with the router over it, and a signed-in administrator that
/// requests use unless they say otherwise.
pub struct TestApp {
    pub dir: TempDir,
    pub db: Database,
    pub router: Router,
    /// The `Authorization` header of the `admin` user (administrator).
    pub admin: String,
    /// The authenticator the router uses.
    pub auth: std::sync::Arc<kbs_graphql::auth::Authenticator>,
    /// The query core's thresholds and its count of each read taken.
    pub reads: std::sync::Arc<Reads>,
    /// The parsed GraphQL documents, with their fast-path plans and a count of the answers
    /// plans gave.
    pub documents: std::sync::Arc<kbs_graphql::graphql::Documents>,
    /// Whether the response cache is on ([`TestApp::cached`]): it, not a plan, then answers
    /// a repeated request.
    pub response_cache: bool,
    /// The response cache the router uses (with its count of hits).
    pub responses: std::sync::Arc<kbs_graphql::cache::ResponseCache>,
}

impl TestApp {
    pub fn empty() -> TestApp {
        TestApp::with_state(|state| state)
    }

    /// An empty app whose state is adjusted before the router is built. Its response cache
    /// is off, so that every answer is read from the database a test changes; the cache's own
    /// tests turn it on ([`TestApp::cached`]).
    pub fn with_state(adjust: impl FnOnce(AppState) -> AppState) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("test.db");
        let db = Database::open(path.to_str().unwrap(), 2).expect("open database");
        let state = AppState::new(db.clone(), Limits::default()).with_response_cache(0);
        let state = adjust(state);
        let auth = state.auth.clone();
        let reads = state.reads.clone();
        let documents = state.documents.clone();
        let responses = state.responses.clone();
        let router = kbs_graphql::app(state);
        let mut app = TestApp {
            dir,
            db,
            router,
            admin: String::new(),
            auth,
            reads,
            documents,
            response_cache: false,
            responses,
        };
        let password = app.add_user("admin", Role::Administrator);
        app.admin = basic("admin", &password.to_string());
        app
    }

    /// Creates a user with one application password, returned.
    pub fn add_user(&self, login: &str, role: Role) -> AppPassword {
        let user = NewUser {
            login: login.to_owned(),
            role,
            email: String::new(),
            display_name: String::new(),
        };
        auth::add_user(&mut self.db.pool.get().unwrap(), &user, "tests").expect("user added")
    }

    pub fn with(customers: &[Value], companies: &[Value]) -> TestApp {
        TestApp::empty().holding(customers, companies)
    }

    /// [`TestApp::with`], with the server's response cache at its default size.
    pub fn cached(customers: &[Value], companies: &[Value]) -> TestApp {
        let mut app = TestApp::with_state(|state| {
            state.with_response_cache(kbs_graphql::state::DEFAULT_RESPONSE_CACHE_BYTES)
        });
        app.response_cache = true;
        app.holding(customers, companies)
    }

    /// This app with the semantic customers and companies imported.
    pub fn holding_semantic(self) -> TestApp {
        self.holding(&semantic_customers(), &semantic_companies())
    }

    fn holding(self, customers: &[Value], companies: &[Value]) -> TestApp {
        self.import(&jsonl(customers), Some(&jsonl(companies)), false)
            .expect("fixtures import");
        self
    }

    pub fn semantic() -> TestApp {
        TestApp::with(&semantic_customers(), &semantic_companies())
    }

    /// The demo data on a server whose thresholds its 250 customers cross
    /// ([`REACHING_EVERY_READ`]), with the derived data built or not, one database per
    /// kind for the whole test binary (for read-only tests that run many times).
    pub fn demo_reaching_every_read_shared(indexed: bool) -> &'static TestApp {
        static SHARED: [std::sync::OnceLock<TestApp>; 2] =
            [std::sync::OnceLock::new(), std::sync::OnceLock::new()];
        SHARED[usize::from(indexed)].get_or_init(|| TestApp::demo_reaching_every_read(indexed))
    }

    /// The demo data on a server of its own whose thresholds its customers cross.
    pub fn demo_reaching_every_read(indexed: bool) -> TestApp {
        TestApp::demo_with_thresholds(REACHING_EVERY_READ, indexed)
    }

    /// The demo data on a server of its own with `thresholds`.
    pub fn demo_with_thresholds(thresholds: Thresholds, indexed: bool) -> TestApp {
        let app = TestApp::with_state(|state| state.with_thresholds(thresholds));
        let mut conn = app.db.pool.get().unwrap();
        kbs_graphql::demo::load_if_empty(&mut conn).expect("demo data loads");
        drop(conn);
        if indexed {
            app.build_derived_data();
        }
        app
    }

    /// A page of `query` read by the core, with the app's thresholds, in one of its column
    /// sets.
    pub fn page(&self, query: &CustomerQuery, columns: Columns, with_total: bool) -> Page {
        let mut conn = self.db.pool.get().unwrap();
        let reads = &self.reads;
        let all = Want::rows(Fields::All, with_total);
        let want = match columns {
            Columns::All => all,
            Columns::Summary => Want::rows(Fields::Summary, with_total),
            Columns::KnowingCompanies => all.with_companies(Companies::Known),
            Columns::OwnJson => Want {
                renderings: true,
                ..all
            },
            Columns::WithCompanies => all.with_companies(Companies::Read),
            Columns::StoredFields => {
                Want::rows(Fields::Stored, with_total).with_companies(Companies::Read)
            }
        };
        query
            .page(&mut conn, reads, want)
            .expect("the page is read")
    }

    /// Brings the derived data (substring index, distinct names, company positions) up to the
    /// stored dataset, as the server's builder does.
    pub fn build_derived_data(&self) {
        let mut conn = self.db.pool.get().unwrap();
        kbs_graphql::customers::derived::build(&mut conn, kbs_graphql::RENDERERS)
            .expect("derived data builds");
    }

    pub fn demo() -> TestApp {
        let app = TestApp::empty();
        let mut conn = app.db.pool.get().unwrap();
        kbs_graphql::demo::load_if_empty(&mut conn).expect("demo data loads");
        drop(conn);
        app
    }

    /// Imports `customers` (no companies file).
    pub fn import_customers(
        &self,
        customers: &[Value],
        replace: bool,
    ) -> Result<ImportSummary, ImportError> {
        self.import(&jsonl(customers), None, replace)
    }

    pub fn import(
        &self,
        customers: &str,
        companies: Option<&str>,
        replace: bool,
    ) -> Result<ImportSummary, ImportError> {
        let mut conn = self.db.pool.get().unwrap();
        import::import(
            &mut conn,
            Input::from_bytes("customers.jsonl", customers.as_bytes()),
            companies.map(|c| Input::from_bytes("companies.jsonl", c.as_bytes())),
            replace,
        )
    }

    /// The rows each table of the dataset holds, and the dataset's version: equal before and
    /// after anything that must write nothing.
    pub fn stored_rows(&self) -> Vec<(&'static str, i64)> {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.db.pool.get().unwrap();
        let mut count = |sql: String| {
            diesel::sql_query(sql)
                .get_result::<Count>(&mut *conn)
                .unwrap()
                .n
        };
        let mut rows: Vec<(&'static str, i64)> = [
            "customers",
            "customer_emails",
            "companies",
            "company_counts",
        ]
        .into_iter()
        .map(|table| (table, count(format!("SELECT count(*) AS n FROM {table}"))))
        .collect();
        rows.push((
            "dataset version",
            count("SELECT version AS n FROM dataset".into()),
        ));
        rows
    }

    pub async fn send(&self, request: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        (status, headers, body)
    }

    /// A REST request with the given `Authorization` (or none); the body as text.
    pub async fn rest_as(
        &self,
        method: &str,
        uri: &str,
        authorization: Option<&str>,
    ) -> (StatusCode, HeaderMap, String) {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        let (status, headers, body) = self.send(request.body(Body::empty()).unwrap()).await;
        (
            status,
            headers,
            String::from_utf8(body).expect("UTF-8 body"),
        )
    }

    /// A REST GET as the administrator.
    pub async fn rest(&self, uri: &str) -> (StatusCode, HeaderMap, String) {
        let admin = self.admin.clone();
        self.rest_as("GET", uri, Some(&admin)).await
    }

    /// A REST GET as the administrator that must succeed; the JSON body.
    pub async fn rest_json(&self, uri: &str) -> Value {
        let (status, _, body) = self.rest(uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        serde_json::from_str(&body).expect("JSON body")
    }

    /// POSTs a GraphQL request as the administrator and returns the whole response body.
    pub async fn graphql_with(&self, query: &str, variables: Value) -> Value {
        let (status, body) = self
            .graphql_as(Some(&self.admin.clone()), query, variables)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// POSTs a GraphQL request with the given `Authorization` header (or none).
    pub async fn graphql_as(
        &self,
        authorization: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (StatusCode, Value) {
        let body = json!({"query": query, "variables": variables});
        let (status, body) = self.graphql_both_ways(authorization, &body).await;
        (status, serde_json::from_slice(&body).expect("JSON body"))
    }

    /// POSTs a GraphQL request `body` twice: the executor answers the first, and a document it
    /// answers without error gets a fast-path plan, which answers the second. Both answers
    /// must be the same bytes, and a document with a plan must really have been answered by
    /// it: so every GraphQL test checks both paths.
    async fn graphql_both_ways(
        &self,
        authorization: Option<&str>,
        body: &Value,
    ) -> (StatusCode, Vec<u8>) {
        let send = || async {
            let mut request =
                Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
            if let Some(value) = authorization {
                request = request.header(header::AUTHORIZATION, value);
            }
            let (status, _, answer) = self
                .send(request.body(Body::from(body.to_string())).unwrap())
                .await;
            (status, answer)
        };
        let (status, executed) = send().await;
        let query = body["query"].as_str().unwrap_or_default();
        // Only answers without errors are planned (and a refused caller's second try would
        // count as another failed sign-in).
        let clean = status == StatusCode::OK
            && serde_json::from_slice::<Value>(&executed).is_ok_and(|v| v.get("errors").is_none());
        if !clean || self.response_cache || !self.documents.has_plan(query) {
            return (status, executed);
        }
        let planned_before = self.documents.planned_answers();
        let (again, planned) = send().await;
        assert!(
            self.documents.planned_answers() > planned_before,
            "the fast path has a plan for {body} but left the request to the executor"
        );
        assert_eq!(again, status, "{body}");
        assert_eq!(
            String::from_utf8_lossy(&planned),
            String::from_utf8_lossy(&executed),
            "the fast path answered {body} differently from the executor"
        );
        (status, executed)
    }

    /// POSTs `body` (query, variables, operationName…) as the administrator: the whole
    /// response body, whatever the status.
    pub async fn graphql_body(&self, body: Value) -> Value {
        let admin = self.admin.clone();
        let (_, answer) = self.graphql_both_ways(Some(&admin), &body).await;
        serde_json::from_slice(&answer).expect("JSON body")
    }

    pub async fn graphql(&self, query: &str) -> Value {
        self.graphql_with(query, json!({})).await
    }

    /// The ids of a `customers` page selected as `customers(ARGS) { nodes { id } }`.
    pub async fn ids(&self, args: &str) -> Vec<i64> {
        let query = if args.is_empty() {
            "{ customers { nodes { id } } }".to_owned()
        } else {
            format!("{{ customers({args}) {{ nodes {{ id }} }} }}")
        };
        let response = self.graphql(&query).await;
        assert!(response.get("errors").is_none(), "{args}: {response}");
        ids_of(&response["data"]["customers"]["nodes"])
    }

    /// The `extensions.code` of the single error a query answers with.
    pub async fn error_code(&self, query: &str) -> String {
        let response = self.graphql(query).await;
        let errors = response["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("no errors: {response}"));
        assert_eq!(errors.len(), 1, "{response}");
        errors[0]["extensions"]["code"].as_str().unwrap().to_owned()
    }
}

/// Says that `test` was skipped and why, on the test runner's own output (a passing test's
/// output is captured, so a plain `eprintln!` would never be seen); under CI, which installs
/// every service the tests need (`.ci/run`), a skip is a failure instead.
pub fn skip(test: &str, why: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{test} cannot run under CI: {why}"
    );
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "test {test} ... skipped: {why}");
}

pub fn ids_of(nodes: &Value) -> Vec<i64> {
    nodes
        .as_array()
        .expect("a list")
        .iter()
        .map(|node| node["id"].as_i64().expect("an id"))
        .collect()
}

/// Serves `router` on a loopback port of its own (a fake site for `sync`); its base URL.
pub async fn serve_site(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, service).await.unwrap();
    });
    format!("http://{address}")
}
