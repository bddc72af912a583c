//! HTTP Basic credentials out of an `Authorization` header, whatever bytes it holds.

use axum::http::HeaderValue;
use base64::alphabet::STANDARD as ALPHABET;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

/// Standard base64, with or without its `=` padding: WordPress (PHP) decodes both, and tools
/// that strip `=` from header values send the unpadded form.
const CREDENTIALS: GeneralPurpose = GeneralPurpose::new(
    &ALPHABET,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// `(login, password)` from `Basic base64(login:password)`; `None` for anything else (no
/// header, another scheme, bad base64, no colon, not UTF-8). The scheme name is
/// case-insensitive, as RFC 7617 says.
pub fn parse_basic(header: Option<&HeaderValue>) -> Option<(String, String)> {
    let value = header?.as_bytes();
    let (scheme, rest) = value.split_at(value.iter().position(|&b| b == b' ')?);
    if !scheme.eq_ignore_ascii_case(b"basic") {
        return None;
    }
    let decoded = CREDENTIALS.decode(rest.trim_ascii()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (login, password) = text.split_once(':')?;
    Some((login.to_owned(), password.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

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
    fn padding_is_optional_as_in_wordpress() {
        // Eight and seven bytes: their base64 ends in one `=` and in two.
        for credentials in ["admin:pw", "admin:p"] {
            let padded = STANDARD.encode(credentials);
            let unpadded = STANDARD_NO_PAD.encode(credentials);
            assert!(padded.ends_with('=') && !unpadded.ends_with('='));
            for encoded in [padded, unpadded] {
                let (login, password) = parse(format!("Basic {encoded}").as_bytes()).unwrap();
                assert_eq!(format!("{login}:{password}"), credentials);
            }
        }
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
