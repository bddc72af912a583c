//! The plugin's companies routes (`/kbs/v1/companies[/<id>]`): each company as the plugin
//! shows its company post, for whoever may read customers, so that this server is a complete
//! source for another's `sync`.

use serde_json::{json, Value};

use crate::auth::Identity;
use crate::customers::{company, Company, CompanyPage};
use crate::error::AppError;
use crate::rest::customer_json::Site;
use crate::rest::params::{self, RawParams};
use crate::rest::response::{Answer, Shaping};
use crate::state::AppState;

pub async fn list(
    state: &AppState,
    identity: &Identity,
    params: &RawParams,
    shaping: &Shaping,
) -> Result<Answer, AppError> {
    let (page, per_page) = params::company_page(params).map_err(AppError::InvalidParams)?;
    identity.require_customer_access()?;
    let read = state
        .db
        .read(move |conn| Ok(CompanyPage::read(conn, page, per_page)?))
        .await?;
    let total_pages = read.total_pages(per_page);
    if page > total_pages.max(1) {
        return Err(AppError::CompanyPageOutOfRange);
    }
    let posts: Vec<Value> = read
        .companies
        .iter()
        .map(|c| post(c, &state.site))
        .collect();
    Ok(Answer::ok(shaping.payload(&posts))
        .header("X-WP-Total", read.total.to_string())
        .header("X-WP-TotalPages", total_pages.to_string()))
}

pub async fn single(
    state: &AppState,
    identity: &Identity,
    id: Option<i32>,
    shaping: &Shaping,
) -> Result<Answer, AppError> {
    identity.require_customer_access()?;
    let found = match id {
        Some(id) => state.db.read(move |conn| Ok(company(conn, id)?)).await?,
        None => None,
    };
    let found = found.ok_or(AppError::CompanyNotFound)?;
    Ok(Answer::ok(shaping.payload(&post(&found, &state.site))))
}

/// A company as the plugin's company post: the name is the title, the details are meta.
pub(crate) fn post(c: &Company, site: &Site) -> Value {
    let tickets = format!("{}?company={}", site.rest_url("/kbs/v1/tickets/"), c.id);
    json!({
        "id": c.id,
        "slug": slug(&c.name),
        "title": {"raw": c.name, "rendered": rendered(&c.name)},
        "content": {"raw": "", "rendered": ""},
        "featured_media": 0,
        "meta": {
            "_kbs_company_customer": c.customer_id,
            "_kbs_company_contact": c.contact,
            "_kbs_company_email": c.email,
            "_kbs_company_phone": c.phone,
            "_kbs_company_website": c.website,
        },
        "_links": {"tickets": [{"embeddable": true, "href": tickets}]},
    })
}

/// The post's slug, from its name: lowercase letters and digits, every other run a `-`.
/// (WordPress also folds accents and keeps other scripts percent-encoded; we keep no slug.)
fn slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

/// The title as WordPress renders it: an `&` that starts no entity becomes `&#038;`; markup
/// stays.
fn rendered(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (at, c) in name.char_indices() {
        if c == '&' && !starts_entity(&name[at + 1..]) {
            out.push_str("&#038;");
        } else {
            out.push(c);
        }
    }
    out
}

fn starts_entity(rest: &str) -> bool {
    let Some(end) = rest.find(';') else {
        return false;
    };
    let body = &rest[..end];
    !body.is_empty()
        && end <= 10
        && (body.chars().all(|c| c.is_ascii_alphanumeric())
            || body
                .strip_prefix('#')
                .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit())))
}

#[cfg(test)]
mod tests {
    use super::{rendered, slug};

    #[test]
    fn titles_render_as_wordpress_renders_them() {
        assert_eq!(
            rendered("Ampersand & Sons <b>Ltd</b>"),
            "Ampersand &#038; Sons <b>Ltd</b>"
        );
        assert_eq!(
            rendered("Already &amp; &#38; escaped"),
            "Already &amp; &#38; escaped"
        );
        assert_eq!(slug("Acme Corporation"), "acme-corporation");
        assert_eq!(slug("  initech ltd "), "initech-ltd");
        assert_eq!(
            slug("Ampersand & Sons <b>Ltd</b>"),
            "ampersand-sons-b-ltd-b"
        );
    }
}
