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
        if self.seconds == crate::dates::ZERO_DATE {
            // Shown as the site stores it: no time zone applies to it.
            return Some(*b"0000-00-00 00:00:00");
        }
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

impl Route {
    /// The path after the site's URL, as a fixed part and an id.
    fn path(self) -> (&'static str, Option<i32>) {
        match self {
            Route::Customer(id) => ("/wp-json/kbs/v1/customers/", Some(id)),
            Route::Customers => ("/wp-json/kbs/v1/customers", None),
            Route::User(id) => ("/wp-json/wp/v2/users/", Some(id)),
            Route::Company(id) => ("/wp-json/kbs/v1/companies/", Some(id)),
            Route::Tickets(id) => ("/wp-json/kbs/v1/tickets/?customer=", Some(id)),
        }
    }
}

/// The members of a customer's JSON before `date_created`, in the plugin's order: they depend
/// on the customer and on whether its company exists.
#[derive(Serialize)]
struct OwnHead<'a> {
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
}

/// The members between `date_created` and `_links`: the customer's alone too.
#[derive(Serialize)]
struct OwnTail<'a> {
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
    ticket_count: i32,
}

/// What of a customer's JSON depends on the dataset alone: the members before `date_created`
/// and those between it and `_links`, each run without braces, the first preceded by its
/// length (4 bytes, little-endian). `company_known`: whether the customer's company exists.
/// Stored by the derived data's build (`customer_json`; every import, of companies too,
/// rebuilds it), or made for the customer at hand; either way [`CustomerWriter`] finishes it
/// with what depends on the server's settings.
pub fn own_parts(c: &Customer, company_known: bool) -> Vec<u8> {
    let head = serde_json::to_vec(&OwnHead {
        id: c.id,
        name: &c.name,
        user_id: c.user_id,
        email: &c.email,
        additional_emails: &c.additional_emails,
        phone: (!c.phone_primary.is_empty()).then(|| c.phone_json()),
        website: &c.website,
        address: (!c.address.is_empty()).then_some(&c.address),
        company: company_known.then_some(c.company_id),
    })
    .expect("serializable");
    let tail = serde_json::to_vec(&OwnTail {
        notes: &c.notes[..c.notes.len().min(MAX_NOTES)],
        ticket_count: c.ticket_count,
    })
    .expect("serializable");
    let (head, tail) = (&head[1..head.len() - 1], &tail[1..tail.len() - 1]);
    let mut parts = Vec::with_capacity(4 + head.len() + tail.len());
    parts.extend_from_slice(&(head.len() as u32).to_le_bytes());
    parts.extend_from_slice(head);
    parts.extend_from_slice(tail);
    parts
}

/// Writes customers as the plugin's route renders them (its key order, empty values left
/// out, `_links`), from their own parts ([`own_parts`]) and what depends on the server's
/// settings: the date in the site's time zone, the links under its URL. Appended
/// piece by piece: through serde, the links and dates (their formatting and escaping) were
/// most of a page's writing.
pub struct CustomerWriter<'a> {
    site: &'a Site,
    /// The site's URL as it stands inside a JSON string.
    base_url: String,
}

impl<'a> CustomerWriter<'a> {
    pub fn new(site: &'a Site) -> Self {
        let quoted = serde_json::to_string(&site.base_url).expect("a string serializes");
        CustomerWriter {
            site,
            base_url: quoted[1..quoted.len() - 1].to_owned(),
        }
    }

    /// Appends customer `c` (which needs only its ids and creation date besides `own`, its
    /// own parts). Parts too short for their length are written as they stand (the stored
    /// ones are ours; this keeps a damaged file from panicking the server).
    pub fn write(&self, out: &mut Vec<u8>, own: &[u8], c: &Customer) {
        let (head, tail) = match own.split_first_chunk::<4>() {
            Some((length, rest)) if (u32::from_le_bytes(*length) as usize) <= rest.len() => {
                rest.split_at(u32::from_le_bytes(*length) as usize)
            }
            _ => (own, &[][..]),
        };
        out.push(b'{');
        out.extend_from_slice(head);
        out.extend_from_slice(b",\"date_created\":");
        let date = LocalDate {
            site: self.site,
            seconds: c.date_created,
        };
        match date.digits() {
            Some(digits) => {
                out.push(b'"');
                out.extend_from_slice(&digits);
                out.push(b'"');
            }
            None => serde_json::to_writer(&mut *out, &date).expect("serializable"),
        }
        if !tail.is_empty() {
            out.push(b',');
            out.extend_from_slice(tail);
        }
        out.extend_from_slice(b",\"_links\":{\"self\":");
        self.link(out, false, Route::Customer(c.id));
        out.extend_from_slice(b",\"collection\":");
        self.link(out, false, Route::Customers);
        if c.user_id != 0 {
            out.extend_from_slice(b",\"user\":");
            self.link(out, true, Route::User(c.user_id));
        }
        // The link follows the stored id even when no such company exists, as the plugin's
        // does.
        if c.company_id != 0 {
            out.extend_from_slice(b",\"company\":");
            self.link(out, true, Route::Company(c.company_id));
        }
        out.extend_from_slice(b",\"tickets\":");
        self.link(out, true, Route::Tickets(c.id));
        out.extend_from_slice(b"}}");
    }

    /// `[{"embeddable":true,"href":"…"}]`, or without `embeddable`.
    fn link(&self, out: &mut Vec<u8>, embeddable: bool, route: Route) {
        out.extend_from_slice(if embeddable {
            b"[{\"embeddable\":true,\"href\":\""
        } else {
            b"[{\"href\":\""
        });
        self.url(out, route);
        out.extend_from_slice(b"\"}]");
    }

    /// [`Site::rest_url`] of `route`, as it stands inside a JSON string.
    fn url(&self, out: &mut Vec<u8>, route: Route) {
        let (path, id) = route.path();
        out.extend_from_slice(self.base_url.as_bytes());
        out.extend_from_slice(path.as_bytes());
        if let Some(id) = id {
            out.extend_from_slice(itoa::Buffer::new().format(id).as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, FixedOffset};

    use super::{CustomerWriter, LocalDate, Route, Site};

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
    fn links_are_rest_urls_as_json_strings() {
        for base_url in ["https://help.example/sub", "http://h/\"quoted\"\\"] {
            let site = Site {
                base_url: base_url.into(),
                ..site(0)
            };
            let writer = CustomerWriter::new(&site);
            let url = |route| {
                let mut out = Vec::new();
                writer.url(&mut out, route);
                String::from_utf8(out).unwrap()
            };
            let json = |route: &str| {
                let quoted = serde_json::to_string(&site.rest_url(route)).unwrap();
                quoted[1..quoted.len() - 1].to_owned()
            };
            assert_eq!(url(Route::Customer(7)), json("/kbs/v1/customers/7"));
            assert_eq!(url(Route::Customers), json("/kbs/v1/customers"));
            assert_eq!(url(Route::User(3)), json("/wp/v2/users/3"));
            assert_eq!(url(Route::Company(9)), json("/kbs/v1/companies/9"));
            assert_eq!(url(Route::Tickets(7)), json("/kbs/v1/tickets/?customer=7"));
        }
    }
}
