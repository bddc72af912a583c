//! WordPress's `_embed`: the answers of a customer's embeddable links, inside the customer
//! under `_embedded`, for the links whose routes this server serves (the company). Links to
//! routes it does not serve (the WordPress user, the tickets) stay links.

use serde_json::Value;

use crate::customers::Company;
use crate::error::AppError;
use crate::rest::companies;
use crate::rest::customer_json::Site;
use crate::rest::params::{Raw, RawParams};

/// The link relations this server can embed.
const SERVED: [&str; 1] = ["company"];

/// Whether the request asks for the company embedded: `_embed` with no value (or `1`,
/// `true`) asks for every relation; a list (`_embed=company,author`) for those it names.
pub fn wants_company(params: &RawParams) -> bool {
    let Some(raw) = params.get("_embed") else {
        return false;
    };
    let named: Vec<&str> = match raw {
        Raw::Scalar(text) => text.split(',').map(str::trim).collect(),
        Raw::List(items) => items.iter().map(|i| i.trim()).collect(),
    };
    let everything = named
        .iter()
        .all(|n| n.is_empty() || *n == "1" || n.eq_ignore_ascii_case("true"));
    everything || named.iter().any(|n| SERVED.contains(n))
}

/// Reopens the customer object that ends `out` and adds `_embedded.company`: the company's
/// own answer, or the route's error where the company does not exist (as WordPress embeds
/// a failed link). Nothing for a customer without a company link.
pub fn append_company(out: &mut Vec<u8>, company_id: i32, company: Option<&Company>, site: &Site) {
    if company_id == 0 || out.last() != Some(&b'}') {
        return;
    }
    let embedded: Value = match company {
        Some(company) => companies::post(company, site),
        None => crate::rest::response::error_body(&AppError::CompanyNotFound),
    };
    out.pop();
    out.extend_from_slice(b",\"_embedded\":{\"company\":[");
    serde_json::to_writer(&mut *out, &embedded).expect("JSON serializes");
    out.extend_from_slice(b"]}}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asks(query: &str) -> bool {
        wants_company(&RawParams::parse(query))
    }

    #[test]
    fn embed_names_every_relation_or_a_list() {
        assert!(asks("_embed"));
        assert!(asks("_embed=1"));
        assert!(asks("_embed=true"));
        assert!(asks("_embed=company"));
        assert!(asks("_embed=author,company"));
        assert!(asks("_embed[]=tickets&_embed[]=company"));
        assert!(!asks("_embed=tickets"));
        assert!(!asks("per_page=5"));
    }
}
