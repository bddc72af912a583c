//! The two date forms of the data files: WordPress's `YYYY-MM-DD HH:MM:SS` (UTC) and RFC 3339.

use chrono::{DateTime, NaiveDateTime, Utc};

const WORDPRESS_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// Seconds since the Unix epoch from either accepted form. RFC 3339 offsets are converted to
/// UTC; fractions of a second are dropped (WordPress stores whole seconds).
pub fn parse(text: &str) -> Option<i64> {
    if let Ok(naive) = NaiveDateTime::parse_from_str(text, WORDPRESS_FORMAT) {
        return Some(naive.and_utc().timestamp());
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp())
}

/// `YYYY-MM-DD HH:MM:SS` in UTC.
pub fn format_wordpress(seconds: i64) -> String {
    DateTime::<Utc>::from_timestamp(seconds, 0)
        .unwrap_or_default()
        .format(WORDPRESS_FORMAT)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_parse_to_the_same_instant() {
        let wp = parse("2026-11-27 04:58:36").unwrap();
        assert_eq!(parse("2026-11-27T04:58:36Z"), Some(wp));
        assert_eq!(parse("2026-11-27T06:58:36+02:00"), Some(wp));
        assert_eq!(parse("2026-11-27T04:58:36.999Z"), Some(wp));
        assert_eq!(format_wordpress(wp), "2026-11-27 04:58:36");
    }

    #[test]
    fn junk_is_not_a_date() {
        for bad in [
            "",
            "yesterday",
            "2026-13-01 00:00:00",
            "2026-11-27",
            "2026-11-27 25:00:00",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
