//! A GraphQL request body, as a client would POST it, through the real router on the demo
//! data: whatever the bytes, the answer is never a 500 and nothing panics.
#![no_main]

use axum::body::Body;
use axum::http::{header, Request};
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let served = common::served();
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, served.admin.as_str())
        .body(Body::from(data.to_vec()))
        .unwrap();
    served.send(request);
});
