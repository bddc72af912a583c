//! Customers in KB Support's JSON shape: its key order, empty values left out, `_links`.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use crate::customers::{is_zero, Address, Company, Customer, PhoneJson};

/// The plugin shows at most this many notes.
const MAX_NOTES: usize = 20;

/// How links and dates are written: the public base URL and the site's time zone.
#[derive(Debug, Clone)]
pub struct Site {
    /// Scheme, host and any path prefix, without a trailing slash.
    pub base_url: String,
    pub timezone: FixedOffset,
}

impl Site {
    /// `…/wp-json` followed by `route` (which starts with `/`).
    pub fn rest_url(&self, route: &str) -> String {
        format!("{}/wp-json{route}", self.base_url)
    }

    /// `YYYY-MM-DD HH:MM:SS` in the site's time zone, as WordPress shows dates.
    pub fn local_date(&self, seconds: i64) -> String {
        DateTime::from_timestamp(seconds, 0)
            .unwrap_or_default()
            .with_timezone(&self.timezone)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }
}

#[derive(Serialize)]
struct Href {
    href: String,
}

#[derive(Serialize)]
struct EmbeddableHref {
    embeddable: bool,
    href: String,
}

#[derive(Serialize)]
struct LinksJson {
    #[serde(rename = "self")]
    self_: [Href; 1],
    collection: [Href; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<[EmbeddableHref; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    company: Option<[EmbeddableHref; 1]>,
    tickets: [EmbeddableHref; 1],
}

/// One customer as the plugin's route renders it.
#[derive(Serialize)]
pub struct CustomerJson<'a> {
    id: i32,
    #[serde(skip_serializing_if = "str::is_empty")]
    name: &'a str,
    #[serde(skip_serializing_if = "is_zero")]
    user_id: i32,
    email: &'a str,
    additional_emails: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<PhoneJson<'a>>,
    #[serde(skip_serializing_if = "str::is_empty")]
    website: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<&'a Address>,
    /// Present only when the company exists (the plugin reads it from the company record).
    #[serde(skip_serializing_if = "Option::is_none")]
    company: Option<i32>,
    date_created: String,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
    ticket_count: i32,
    _links: LinksJson,
}

impl<'a> CustomerJson<'a> {
    pub fn new(c: &'a Customer, companies: &HashMap<i32, Company>, site: &Site) -> Self {
        let embeddable = |href: String| {
            [EmbeddableHref {
                embeddable: true,
                href,
            }]
        };
        CustomerJson {
            id: c.id,
            name: &c.name,
            user_id: c.user_id,
            email: &c.email,
            additional_emails: &c.additional_emails,
            phone: (!c.phone_primary.is_empty()).then(|| c.phone_json()),
            website: &c.website,
            address: (!c.address.is_empty()).then_some(&c.address),
            company: companies
                .contains_key(&c.company_id)
                .then_some(c.company_id),
            date_created: site.local_date(c.date_created),
            notes: &c.notes[..c.notes.len().min(MAX_NOTES)],
            ticket_count: c.ticket_count,
            _links: LinksJson {
                self_: [Href {
                    href: site.rest_url(&format!("/kbs/v1/customers/{}", c.id)),
                }],
                collection: [Href {
                    href: site.rest_url("/kbs/v1/customers"),
                }],
                user: (c.user_id != 0)
                    .then(|| embeddable(site.rest_url(&format!("/wp/v2/users/{}", c.user_id)))),
                // The link follows the stored id even when no such company exists, as the
                // plugin's does.
                company: (c.company_id != 0).then(|| {
                    embeddable(site.rest_url(&format!("/kbs/v1/companies/{}", c.company_id)))
                }),
                tickets: embeddable(site.rest_url(&format!("/kbs/v1/tickets/?customer={}", c.id))),
            },
        }
    }
}
