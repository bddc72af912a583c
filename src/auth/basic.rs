//! HTTP Basic credentials out of an `Authorization` header, whatever bytes it holds.

use axum::http::HeaderValue;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// `(login, password)` from `Basic base64(login:password)`; `None` for anything else (no
/// header, another scheme, bad base64, no colon, not UTF-8). The scheme name is
/// case-insensitive, as RFC 7617 says.
pub fn parse_basic(header: Option<&HeaderValue>) -> Option<(String, String)> {
    let value = header?.as_bytes();
    let (scheme, rest) = value.split_at(value.iter().position(|&b| b == b' ')?);
    if !scheme.eq_ignore_ascii_case(b"basic") {
        return None;
    }
    let decoded = STANDARD.decode(rest.trim_ascii()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (login, password) = text.split_once(':')?;
    Some((login.to_owned(), password.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &[u8]) -> Option<(String, String)> {
        parse_basic(Some(&HeaderValue::from_bytes(raw).unwrap()))
    }

    #[test]
    fn basic_credentials_decode() {
        let header = format!("Basic {}", STANDARD.encode("admin:abcd efgh"));
        assert_eq!(
            parse(header.as_bytes()),
            Some(("admin".into(), "abcd efgh".into()))
        );
        let header = format!("basic   {}", STANDARD.encode("a:b:c"));
        assert_eq!(parse(header.as_bytes()), Some(("a".into(), "b:c".into())));
    }

    #[test]
    fn junk_is_no_credentials() {
        assert_eq!(parse_basic(None), None);
        assert_eq!(parse(b"Bearer abc"), None);
        assert_eq!(parse(b"Basic"), None);
        assert_eq!(parse(b"Basic !!!not-base64!!!"), None);
        assert_eq!(
            parse(format!("Basic {}", STANDARD.encode("no-colon")).as_bytes()),
            None
        );
        assert_eq!(
            parse(format!("Basic {}", STANDARD.encode(b"a:\xff\xfe")).as_bytes()),
            None
        );
        assert_eq!(parse(b"Basic \xff\xfe"), None);
    }
}
