//! The companies routes, in the plugin's company-post shape, for whoever may read customers.

use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::{company, ids_of, TestApp};

fn app_with_companies() -> TestApp {
    let companies = [
        company(3, "Ampersand & Sons <b>Ltd</b>"),
        company(7, "Acme Corporation"),
        company(12, "initech ltd"),
    ];
    TestApp::with(&[], &companies)
}

#[tokio::test]
async fn a_company_is_answered_as_the_plugin_shows_its_post() {
    let app = app_with_companies();
    let answer = app.rest_json("/wp-json/kbs/v1/companies/3").await;
    assert_eq!(answer["id"], 3);
    assert_eq!(
        answer["title"],
        json!({"raw": "Ampersand & Sons <b>Ltd</b>", "rendered": "Ampersand &#038; Sons <b>Ltd</b>"})
    );
    assert_eq!(answer["content"], json!({"raw": "", "rendered": ""}));
    assert_eq!(answer["featured_media"], 0);
    let meta = answer["meta"].as_object().unwrap();
    let keys: Vec<&str> = meta.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "_kbs_company_customer",
            "_kbs_company_contact",
            "_kbs_company_email",
            "_kbs_company_phone",
            "_kbs_company_website"
        ]
    );
    assert!(answer["_links"]["tickets"][0]["href"]
        .as_str()
        .unwrap()
        .ends_with("/wp-json/kbs/v1/tickets/?company=3"));
}

#[tokio::test]
async fn the_list_pages_by_name_descending_with_wordpress_totals() {
    let app = app_with_companies();
    let (status, headers, body) = app.rest("/wp-json/kbs/v1/companies?per_page=2").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers["x-wp-total"], "3");
    assert_eq!(headers["x-wp-totalpages"], "2");
    let ids = ids_of(&serde_json::from_str(&body).unwrap());
    assert_eq!(
        ids,
        [12, 3],
        "initech ltd, then Ampersand & Sons: by name, descending"
    );
    let second = app
        .rest_json("/wp-json/kbs/v1/companies?per_page=2&page=2")
        .await;
    assert_eq!(second[0]["title"]["raw"], "Acme Corporation");

    let (status, _, body) = app
        .rest("/wp-json/kbs/v1/companies?per_page=2&page=3")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("rest_post_invalid_page_number"), "{body}");
    let (status, _, body) = app.rest("/wp-json/kbs/v1/companies?per_page=101").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body.contains("rest_invalid_param") && body.contains("per_page"),
        "{body}"
    );
}

#[tokio::test]
async fn an_unknown_company_is_the_posts_404_and_strangers_get_nothing() {
    let app = app_with_companies();
    for uri in [
        "/wp-json/kbs/v1/companies/99",
        "/wp-json/kbs/v1/companies/99999999999",
    ] {
        let (status, _, body) = app.rest(uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(
            body.contains("rest_post_invalid_id") && body.contains("Invalid post ID."),
            "{body}"
        );
    }
    for uri in ["/wp-json/kbs/v1/companies", "/wp-json/kbs/v1/companies/3"] {
        let (status, _, body) = app.rest_as("GET", uri, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri}: {body}");
        assert!(
            !body.contains("Acme") && !body.contains("Ampersand"),
            "{body}"
        );
    }
}
