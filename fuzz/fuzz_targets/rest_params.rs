//! The REST adapter's query string: parsed and validated as WordPress does, then sent through
//! the router as a list request. Neither may panic, and no query string may make a 500.
#![no_main]

use axum::body::Body;
use axum::http::{header, Request};
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    let params = kbs_graphql::rest::RawParams::parse(query);
    let _ = kbs_graphql::rest::list_params(&params);
    let served = common::served();
    let encoded: String = query
        .bytes()
        .map(|b| match b {
            b'a'..=b'z'
            | b'A'..=b'Z'
            | b'0'..=b'9'
            | b'&'
            | b'='
            | b'['
            | b']'
            | b'%'
            | b'-'
            | b'_'
            | b'.'
            | b',' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect();
    let request = Request::get(format!("/wp-json/kbs/v1/customers?{encoded}"))
        .header(header::AUTHORIZATION, served.admin.as_str())
        .body(Body::empty())
        .unwrap();
    served.send(request);
});
