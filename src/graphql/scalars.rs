//! The `DateTime` scalar: RFC 3339 in UTC with a `Z`, to the second, as the contract shows.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{DateTime as ChronoDateTime, SecondsFormat, Utc};

/// A point in time, as seconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime(pub i64);

impl DateTime {
    pub fn to_rfc3339(self) -> String {
        ChronoDateTime::<Utc>::from_timestamp(self.0, 0)
            .unwrap_or_default()
            .to_rfc3339_opts(SecondsFormat::Secs, true)
    }
}

/// An instant in RFC 3339 form, always UTC: `2026-11-27T04:58:36Z`.
#[Scalar(
    name = "DateTime",
    specified_by_url = "https://datatracker.ietf.org/doc/html/rfc3339"
)]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => ChronoDateTime::parse_from_rfc3339(text)
                .map(|t| DateTime(t.timestamp()))
                .map_err(|e| InputValueError::custom(format!("not an RFC 3339 date-time: {e}"))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::DateTime;

    #[test]
    fn prints_utc_with_a_z() {
        assert_eq!(DateTime(1_795_755_516).to_rfc3339(), "2026-11-27T04:58:36Z");
    }
}
