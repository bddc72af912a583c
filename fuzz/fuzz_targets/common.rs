//! The real router on a small database (the bundled demo data), shared by every run of a
//! target; requests go through it as a client's would.

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kbs_graphql::db::Database;
use kbs_graphql::{AppState, Limits};
use tower::ServiceExt;

pub struct Served {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
    pub admin: String,
    _dir: tempfile::TempDir,
}

pub fn served() -> &'static Served {
    static SERVED: OnceLock<Served> = OnceLock::new();
    SERVED.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fuzz.db");
        let db = Database::open(path.to_str().unwrap(), 2).unwrap();
        let mut conn = db.pool.get().unwrap();
        kbs_graphql::demo::load_if_empty(&mut conn).unwrap();
        let user = kbs_graphql::auth::NewUser {
            login: "fuzz".into(),
            role: kbs_graphql::auth::Role::Administrator,
            email: String::new(),
            display_name: String::new(),
        };
        let password = kbs_graphql::auth::add_user(&mut conn, &user, "fuzz").unwrap();
        drop(conn);
        let credentials = format!("fuzz:{password}");
        let admin = format!("Basic {}", STANDARD.encode(credentials));
        let state = AppState::new(db, Limits::default()).with_response_cache(0);
        Served {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            router: kbs_graphql::app(state),
            admin,
            _dir: dir,
        }
    })
}

impl Served {
    /// Sends `request` and returns the status; a 500 is a crash: no input may cause one.
    pub fn send(&self, request: Request<Body>) -> StatusCode {
        let router = self.router.clone();
        let status = self.runtime.block_on(async move {
            let response = router.oneshot(request).await.unwrap();
            let status = response.status();
            let _ = axum::body::to_bytes(response.into_body(), usize::MAX).await;
            status
        });
        assert_ne!(
            status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "an input made a 500"
        );
        status
    }
}
