//! The GraphiQL playground: its page and the files that page loads, all compiled into the
//! binary, so the playground needs no network beyond this server (no CDN).

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

/// `/graphiql`.
pub async fn page() -> Html<&'static str> {
    Html(include_str!("../assets/graphiql/index.html"))
}

/// What `/graphiql/{file}` serves: name, content type, bytes (see `assets/graphiql/README.md`).
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "graphiql-4.1.2.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql/graphiql-4.1.2.min.js"),
    ),
    (
        "graphiql-4.1.2.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/graphiql/graphiql-4.1.2.min.css"),
    ),
    (
        "react-18.3.1.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql/react-18.3.1.production.min.js"),
    ),
    (
        "react-dom-18.3.1.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql/react-dom-18.3.1.production.min.js"),
    ),
];

/// `/graphiql/{file}`. Each name carries its version, so browsers may keep a file for good.
pub async fn file(Path(name): Path<String>) -> Response {
    let Some((_, content_type, bytes)) = FILES.iter().find(|(file, _, _)| *file == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, *content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        *bytes,
    )
        .into_response()
}
