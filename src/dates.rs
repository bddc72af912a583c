//! The two date forms of the data files: WordPress's `YYYY-MM-DD HH:MM:SS` (UTC) and RFC 3339.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

const WORDPRESS_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// MySQL's zero date, which WordPress sites hold where no date was set (MariaDB accepts it
/// outside strict mode): kept as itself, shown as itself in REST, null in GraphQL, and earlier
/// than every real date.
pub const ZERO_DATE_TEXT: &str = "0000-00-00 00:00:00";
/// How the zero date is stored: below every real date, far enough from the end of the range
/// that a time-zone offset cannot overflow it.
pub const ZERO_DATE: i64 = i64::MIN / 4;

/// The date, or `None` for the zero date.
pub fn known(seconds: i64) -> Option<i64> {
    (seconds != ZERO_DATE).then_some(seconds)
}

/// Seconds since the Unix epoch from either accepted form. RFC 3339 offsets are converted to
/// UTC; fractions of a second are dropped (WordPress stores whole seconds).
pub fn parse(text: &str) -> Option<i64> {
    if text == ZERO_DATE_TEXT {
        return Some(ZERO_DATE);
    }
    if let Some(seconds) = wordpress_fixed(text) {
        return Some(seconds);
    }
    if let Ok(naive) = NaiveDateTime::parse_from_str(text, WORDPRESS_FORMAT) {
        return Some(naive.and_utc().timestamp());
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp())
}

/// The common case read without chrono's format interpreter (an import parses one per
/// record): exactly `YYYY-MM-DD HH:MM:SS`, two digits a field. Anything else, including a
/// leap second, is left to [`parse`]'s general path, which agrees where both apply.
fn wordpress_fixed(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let number = |from: usize, to: usize| {
        b[from..to].iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let date = NaiveDate::from_ymd_opt(number(0, 4)? as i32, number(5, 7)?, number(8, 10)?)?;
    let time = date.and_hms_opt(number(11, 13)?, number(14, 16)?, number(17, 19)?)?;
    Some(time.and_utc().timestamp())
}

/// `YYYY-MM-DD HH:MM:SS` in UTC.
pub fn format_wordpress(seconds: i64) -> String {
    if seconds == ZERO_DATE {
        return ZERO_DATE_TEXT.to_owned();
    }
    DateTime::<Utc>::from_timestamp(seconds, 0)
        .unwrap_or_default()
        .format(WORDPRESS_FORMAT)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zero_date_is_kept_as_itself_and_is_earliest() {
        assert_eq!(parse(ZERO_DATE_TEXT), Some(ZERO_DATE));
        assert_eq!(format_wordpress(ZERO_DATE), ZERO_DATE_TEXT);
        assert!(ZERO_DATE < parse("0001-01-01 00:00:00").unwrap());
        assert_eq!(known(ZERO_DATE), None);
        assert_eq!(
            parse("0000-00-00 00:00:01"),
            None,
            "only the zero date itself"
        );
    }

    #[test]
    fn both_forms_parse_to_the_same_instant() {
        let wp = parse("2026-11-27 04:58:36").unwrap();
        assert_eq!(parse("2026-11-27T04:58:36Z"), Some(wp));
        assert_eq!(parse("2026-11-27T06:58:36+02:00"), Some(wp));
        assert_eq!(parse("2026-11-27T04:58:36.999Z"), Some(wp));
        assert_eq!(format_wordpress(wp), "2026-11-27 04:58:36");
    }

    #[test]
    fn the_fixed_form_shortcut_agrees_with_chrono() {
        for text in [
            "2026-11-27 04:58:36",
            "1970-01-01 00:00:00",
            "1969-12-31 23:59:59",
            "2024-02-29 12:00:00",
            "0001-01-01 00:00:00",
            "9999-12-31 23:59:59",
        ] {
            let chrono = NaiveDateTime::parse_from_str(text, WORDPRESS_FORMAT)
                .unwrap()
                .and_utc()
                .timestamp();
            assert_eq!(wordpress_fixed(text), Some(chrono), "{text}");
        }
        for text in [
            "2023-02-29 00:00:00",
            "2026-11-27 04:58:60",
            "2026-1-27 04:58:36",
        ] {
            assert_eq!(wordpress_fixed(text), None, "{text}");
        }
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
