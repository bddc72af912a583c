//! The REST list's parameters: WordPress's exact validation bodies, both phases and their
//! order, and the order of checks (route, validation, authentication, permission).

use axum::http::StatusCode;

use crate::helpers::TestApp;

fn invalid(params: &[(&str, &str, &str, &str)]) -> String {
    // (name, message, detail code, detail data as JSON)
    let names: Vec<&str> = params.iter().map(|p| p.0).collect();
    let messages: Vec<String> = params
        .iter()
        .map(|p| format!("\"{}\":\"{}\"", p.0, p.1))
        .collect();
    let details: Vec<String> = params
        .iter()
        .map(|p| {
            format!(
                "\"{}\":{{\"code\":\"{}\",\"message\":\"{}\",\"data\":{}}}",
                p.0, p.2, p.1, p.3
            )
        })
        .collect();
    format!(
        "{{\"code\":\"rest_invalid_param\",\"message\":\"Invalid parameter(s): {}\",\"data\":{{\"status\":400,\"params\":{{{}}},\"details\":{{{}}}}}}}",
        names.join(", "),
        messages.join(","),
        details.join(",")
    )
}

const PER_PAGE_BOUNDS: &str = "per_page must be between 1 (inclusive) and 100 (inclusive)";

#[tokio::test]
async fn every_validation_case_answers_wordpress_s_exact_body() {
    let app = TestApp::semantic();
    let oob = "rest_out_of_bounds";
    let ty = "rest_invalid_type";
    let en = "rest_not_in_enum";
    let cases: Vec<(&str, String)> = vec![
        (
            "per_page=0",
            invalid(&[("per_page", PER_PAGE_BOUNDS, oob, "null")]),
        ),
        (
            "per_page=101",
            invalid(&[("per_page", PER_PAGE_BOUNDS, oob, "null")]),
        ),
        (
            "per_page=-5",
            invalid(&[("per_page", PER_PAGE_BOUNDS, oob, "null")]),
        ),
        (
            "page=0",
            invalid(&[(
                "page",
                "page must be greater than or equal to 1",
                oob,
                "null",
            )]),
        ),
        (
            "offset=-1",
            invalid(&[(
                "offset",
                "offset must be greater than or equal to 0",
                oob,
                "null",
            )]),
        ),
        (
            "page=abc",
            invalid(&[(
                "page",
                "page is not of type integer.",
                ty,
                r#"{"param":"page"}"#,
            )]),
        ),
        (
            "page=1.5",
            invalid(&[(
                "page",
                "page is not of type integer.",
                ty,
                r#"{"param":"page"}"#,
            )]),
        ),
        (
            "per_page=5.5",
            invalid(&[(
                "per_page",
                "per_page is not of type integer.",
                ty,
                r#"{"param":"per_page"}"#,
            )]),
        ),
        (
            "per_page=",
            invalid(&[(
                "per_page",
                "per_page is not of type integer.",
                ty,
                r#"{"param":"per_page"}"#,
            )]),
        ),
        (
            "offset=x",
            invalid(&[(
                "offset",
                "offset is not of type integer.",
                ty,
                r#"{"param":"offset"}"#,
            )]),
        ),
        (
            "order=foo",
            invalid(&[("order", "order is not one of asc and desc.", en, "null")]),
        ),
        (
            "order=ASC",
            invalid(&[("order", "order is not one of asc and desc.", en, "null")]),
        ),
        (
            "orderby=foo",
            invalid(&[(
                "orderby",
                "orderby is not one of id, user_id, name, email, company_id, and date.",
                en,
                "null",
            )]),
        ),
        (
            "include=abc",
            invalid(&[(
                "include",
                "include[0] is not of type integer.",
                ty,
                r#"{"param":"include[0]"}"#,
            )]),
        ),
        (
            "include[]=1&include[]=x",
            invalid(&[(
                "include",
                "include[1] is not of type integer.",
                ty,
                r#"{"param":"include[1]"}"#,
            )]),
        ),
        (
            "exclude_id=1,y",
            invalid(&[(
                "exclude_id",
                "exclude_id[1] is not of type integer.",
                ty,
                r#"{"param":"exclude_id[1]"}"#,
            )]),
        ),
        (
            "name[]=x",
            invalid(&[(
                "name",
                "name is not of type string.",
                ty,
                r#"{"param":"name"}"#,
            )]),
        ),
        (
            "number=abc",
            invalid(&[(
                "number",
                "number is not of type integer.",
                ty,
                r#"{"param":"number"}"#,
            )]),
        ),
        // Phase two reports in query-string order…
        (
            "orderby=x&order=foo",
            invalid(&[
                (
                    "orderby",
                    "orderby is not one of id, user_id, name, email, company_id, and date.",
                    en,
                    "null",
                ),
                ("order", "order is not one of asc and desc.", en, "null"),
            ]),
        ),
        (
            "order=foo&orderby=x",
            invalid(&[
                ("order", "order is not one of asc and desc.", en, "null"),
                (
                    "orderby",
                    "orderby is not one of id, user_id, name, email, company_id, and date.",
                    en,
                    "null",
                ),
            ]),
        ),
        // …and only when phase one (context, page, per_page, search, in that order) passed.
        (
            "order=foo&per_page=0&page=0",
            invalid(&[
                (
                    "page",
                    "page must be greater than or equal to 1",
                    oob,
                    "null",
                ),
                ("per_page", PER_PAGE_BOUNDS, oob, "null"),
            ]),
        ),
    ];
    for (query, expected) in cases {
        let (status, headers, body) = app
            .rest(&format!("/wp-json/kbs/v1/customers?{query}"))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(body, expected, "{query}");
        assert_eq!(headers["allow"], "GET", "{query}");
    }
}

#[tokio::test]
async fn validation_wins_over_authentication_and_routes_win_over_both() {
    let app = TestApp::semantic();
    let (status, _, body) = app
        .rest_as("GET", "/wp-json/kbs/v1/customers?per_page=0", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _, _) = app
        .rest_as("GET", "/wp-json/kbs/v1/nothing?per_page=0", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, body) = app
        .rest_as("GET", "/wp-json/kbs/v1/customers?per_page=5", None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        r#"{"code":"rest_forbidden_context","message":"Authentication failed.","data":{"status":401}}"#
    );
}

#[tokio::test]
async fn values_wordpress_accepts_are_accepted() {
    let app = TestApp::semantic();
    for query in [
        "context=edit",
        "context=anything",
        "page=1.0",
        "per_page=1e1",
        "page=%201",
        "number=5",
        "include=",
        "exclude=",
        "email=",
        "search=",
        "name=",
        "unknown=whatever",
        "order=asc&orderby=date",
    ] {
        let (status, _, body) = app
            .rest(&format!("/wp-json/kbs/v1/customers?{query}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
    }
}

#[tokio::test]
async fn number_is_validated_but_has_no_effect() {
    let app = TestApp::semantic();
    let with = app.rest_json("/wp-json/kbs/v1/customers?number=2").await;
    let without = app.rest_json("/wp-json/kbs/v1/customers").await;
    assert_eq!(with, without);
}
