//! Customers in KB Support's JSON shape: its key order, empty values left out, `_links`.

use std::fmt;

use chrono::{DateTime, Datelike, FixedOffset, Timelike};
use serde::{Serialize, Serializer};

use crate::customers::{is_zero, Address, Customer, PhoneJson};

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
}

/// `YYYY-MM-DD HH:MM:SS` in the site's time zone, as WordPress shows dates.
struct LocalDate<'a> {
    site: &'a Site,
    seconds: i64,
}

impl LocalDate<'_> {
    fn local(&self) -> DateTime<FixedOffset> {
        DateTime::from_timestamp(self.seconds, 0)
            .unwrap_or_default()
            .with_timezone(&self.site.timezone)
    }

    /// The date's 19 characters, for a year of four digits (others are written by chrono).
    /// Digits put in place: the formatting machinery, six numbers at a time, was a tenth of
    /// a REST page's JSON.
    fn digits(&self) -> Option<[u8; 19]> {
        let local = self.local();
        let year = u32::try_from(local.year()).ok().filter(|y| *y <= 9999)?;
        let mut out = *b"0000-00-00 00:00:00";
        for (at, width, value) in [
            (0, 4, year),
            (5, 2, local.month()),
            (8, 2, local.day()),
            (11, 2, local.hour()),
            (14, 2, local.minute()),
            (17, 2, local.second()),
        ] {
            let mut value = value;
            for place in out[at..at + width].iter_mut().rev() {
                *place = b'0' + (value % 10) as u8;
                value /= 10;
            }
        }
        Some(out)
    }
}

impl fmt::Display for LocalDate<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.digits() {
            Some(digits) => f.write_str(std::str::from_utf8(&digits).map_err(|_| fmt::Error)?),
            // chrono's own rendering of years it writes with a sign.
            None => write!(f, "{}", self.local().format("%Y-%m-%d %H:%M:%S")),
        }
    }
}

impl Serialize for LocalDate<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.digits() {
            Some(digits) => serializer
                .serialize_str(std::str::from_utf8(&digits).map_err(serde::ser::Error::custom)?),
            None => serializer.collect_str(self),
        }
    }
}

/// Where a link of a customer points, under the site's REST root.
#[derive(Clone, Copy)]
enum Route {
    Customer(i32),
    Customers,
    User(i32),
    Company(i32),
    Tickets(i32),
}

/// A link: [`Site::rest_url`] of a route.
struct Url<'a> {
    site: &'a Site,
    route: Route,
}

impl Url<'_> {
    /// The link, put together by appending its pieces: five links per customer through the
    /// formatting machinery (and JSON's escaping of each piece it wrote) were a tenth of a
    /// REST page's JSON.
    fn text(&self) -> String {
        let (route, id) = match self.route {
            Route::Customer(id) => ("/wp-json/kbs/v1/customers/", Some(id)),
            Route::Customers => ("/wp-json/kbs/v1/customers", None),
            Route::User(id) => ("/wp-json/wp/v2/users/", Some(id)),
            Route::Company(id) => ("/wp-json/kbs/v1/companies/", Some(id)),
            Route::Tickets(id) => ("/wp-json/kbs/v1/tickets/?customer=", Some(id)),
        };
        let mut text = String::with_capacity(self.site.base_url.len() + route.len() + 11);
        text.push_str(&self.site.base_url);
        text.push_str(route);
        if let Some(id) = id {
            text.push_str(itoa::Buffer::new().format(id));
        }
        text
    }
}

impl Serialize for Url<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text())
    }
}

#[derive(Serialize)]
struct Href<'a> {
    href: Url<'a>,
}

#[derive(Serialize)]
struct EmbeddableHref<'a> {
    embeddable: bool,
    href: Url<'a>,
}

#[derive(Serialize)]
struct LinksJson<'a> {
    #[serde(rename = "self")]
    self_: [Href<'a>; 1],
    collection: [Href<'a>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<[EmbeddableHref<'a>; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    company: Option<[EmbeddableHref<'a>; 1]>,
    tickets: [EmbeddableHref<'a>; 1],
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
    date_created: LocalDate<'a>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
    ticket_count: i32,
    _links: LinksJson<'a>,
}

impl<'a> CustomerJson<'a> {
    /// `company_known`: whether the customer's company exists (the plugin shows the field
    /// only then).
    pub fn new(c: &'a Customer, company_known: bool, site: &'a Site) -> Self {
        let url = |route| Url { site, route };
        let embeddable = |route| {
            [EmbeddableHref {
                embeddable: true,
                href: url(route),
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
            company: company_known.then_some(c.company_id),
            date_created: LocalDate {
                site,
                seconds: c.date_created,
            },
            notes: &c.notes[..c.notes.len().min(MAX_NOTES)],
            ticket_count: c.ticket_count,
            _links: LinksJson {
                self_: [Href {
                    href: url(Route::Customer(c.id)),
                }],
                collection: [Href {
                    href: url(Route::Customers),
                }],
                user: (c.user_id != 0).then(|| embeddable(Route::User(c.user_id))),
                // The link follows the stored id even when no such company exists, as the
                // plugin's does.
                company: (c.company_id != 0).then(|| embeddable(Route::Company(c.company_id))),
                tickets: embeddable(Route::Tickets(c.id)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, FixedOffset};

    use super::{LocalDate, Route, Site, Url};

    fn site(offset_seconds: i32) -> Site {
        Site {
            base_url: "https://help.example/sub".into(),
            timezone: FixedOffset::east_opt(offset_seconds).unwrap(),
        }
    }

    #[test]
    fn dates_are_written_as_chrono_formats_them() {
        for offset in [0, 3600, -5 * 3600 - 1800] {
            let site = site(offset);
            for seconds in [
                0,
                1,
                951_782_400,
                1_767_225_599,
                -1,
                -62_135_596_800,
                -62_135_596_801,
                253_402_300_799,
                253_402_300_800,
            ] {
                let expected = DateTime::from_timestamp(seconds, 0)
                    .unwrap()
                    .with_timezone(&site.timezone)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string();
                let date = LocalDate {
                    site: &site,
                    seconds,
                };
                assert_eq!(date.to_string(), expected, "{seconds} at {offset}");
                assert_eq!(
                    serde_json::to_string(&date).unwrap(),
                    format!("\"{expected}\""),
                    "{seconds} at {offset}"
                );
            }
        }
    }

    #[test]
    fn links_are_rest_urls() {
        let site = site(0);
        let url = |route| Url { site: &site, route }.text();
        assert_eq!(
            url(Route::Customer(7)),
            site.rest_url("/kbs/v1/customers/7")
        );
        assert_eq!(url(Route::Customers), site.rest_url("/kbs/v1/customers"));
        assert_eq!(url(Route::User(3)), site.rest_url("/wp/v2/users/3"));
        assert_eq!(url(Route::Company(9)), site.rest_url("/kbs/v1/companies/9"));
        assert_eq!(
            url(Route::Tickets(7)),
            site.rest_url("/kbs/v1/tickets/?customer=7")
        );
    }
}
