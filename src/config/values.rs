//! The settings' values as the command line and the environment give them: the parsers of
//! addresses, URLs and offsets, and a refused value named by the variable it came from.

use std::net::SocketAddr;

use clap::error::{ContextKind, ContextValue, ErrorKind};

/// A refused value that came from an environment variable, not the command line, is said to
/// be that variable's: clap names the flag alone, which the operator did not write.
pub(super) fn naming_the_variable(
    command: &mut clap::Command,
    error: clap::Error,
    args: &[std::ffi::OsString],
) -> clap::Error {
    if !matches!(
        error.kind(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation
    ) {
        return error;
    }
    let Some(ContextValue::String(invalid)) = error.get(ContextKind::InvalidArg) else {
        return error;
    };
    // `--listen <LISTEN>`: the flag's long name.
    let long = invalid
        .trim_start_matches('-')
        .split([' ', '='])
        .next()
        .unwrap_or_default()
        .to_owned();
    let written = args.iter().any(|arg| {
        let arg = arg.to_string_lossy();
        arg == format!("--{long}") || arg.starts_with(&format!("--{long}="))
    });
    let variable = command
        .get_arguments()
        .chain(
            command
                .get_subcommands()
                .flat_map(|sub| sub.get_arguments()),
        )
        .find(|arg| arg.get_long() == Some(long.as_str()))
        .and_then(|arg| arg.get_env())
        .map(|name| name.to_string_lossy().into_owned());
    match variable {
        Some(variable) if !written && std::env::var_os(&variable).is_some() => {
            let said = error.to_string();
            let first = said.lines().next().unwrap_or_default();
            let first = first.strip_prefix("error: ").unwrap_or(first);
            let accepted = if first.ends_with("not a boolean") {
                " (one of 1, 0, true, false, yes, no, on, off)"
            } else {
                ""
            };
            command.error(
                error.kind(),
                format!("{first}{accepted}, set by the environment variable {variable}"),
            )
        }
        _ => error,
    }
}

/// `HOST:PORT`, the host an IP address or a name (resolved once, at start), or `:PORT` for
/// every IPv4 interface.
pub(super) fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    if let Ok(address) = text.parse() {
        return Ok(address);
    }
    let (host, port) = text
        .rsplit_once(':')
        .ok_or("expected HOST:PORT, as 127.0.0.1:8080 or localhost:8080")?;
    let port: u16 = port
        .parse()
        .map_err(|_| format!("`{port}` is not a port (0 to 65535)"))?;
    if host.is_empty() {
        return Ok(SocketAddr::from(([0, 0, 0, 0], port)));
    }
    (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve `{host}`: {e}"))?
        .next()
        .ok_or_else(|| format!("`{host}` resolves to no address"))
}

/// An absolute `http` or `https` URL, as the links in answers need: a host without its
/// scheme would make every link relative to the client's own page.
pub(super) fn parse_public_url(text: &str) -> Result<String, String> {
    let url = url::Url::parse(text).map_err(|e| {
        format!(
            "{e}: give the scheme and host, as https://help.example.com (a path prefix may follow)"
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(
            "give an http or https URL with a host, as https://help.example.com".to_owned(),
        );
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("a base URL has no query or fragment".to_owned());
    }
    Ok(text.to_owned())
}

/// `UTC`, `Z` or `±HH:MM`.
pub(super) fn parse_offset(text: &str) -> Result<chrono::FixedOffset, String> {
    if matches!(text, "UTC" | "utc" | "Z" | "z" | "") {
        return Ok(chrono::FixedOffset::east_opt(0).expect("zero offset"));
    }
    let bad = || format!("{text:?} is not a UTC offset such as +02:00, -05:30 or UTC");
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => return Err(bad()),
    };
    let (hours, minutes) = rest.split_once(':').unwrap_or((rest, "0"));
    let hours: i32 = hours.parse().map_err(|_| bad())?;
    let minutes: i32 = minutes.parse().map_err(|_| bad())?;
    if hours > 14 || minutes > 59 {
        return Err(bad());
    }
    chrono::FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60)).ok_or_else(bad)
}

/// A duration as an operator writes it: `90` or `90s`, `500ms`, `5m`, `1h`.
pub(super) fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration: write it as 90s, 5m or 1h"))?;
    let seconds = match unit.trim() {
        "ms" => return Ok(std::time::Duration::from_millis(number)),
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        other => {
            return Err(format!(
                "{other:?} is not a unit of time: write the duration as 90s, 5m or 1h"
            ))
        }
    };
    Ok(std::time::Duration::from_secs(
        number.saturating_mul(seconds),
    ))
}

#[cfg(test)]
mod tests {
    use super::{parse_listen, parse_public_url};

    #[test]
    fn a_public_url_needs_its_scheme_and_host() {
        for good in ["https://help.example.com", "http://10.0.0.5:8080/kb/"] {
            assert_eq!(parse_public_url(good).unwrap(), good);
        }
        for bad in [
            "help.example.com",
            "ftp://help.example.com",
            "https://",
            "https://help.example.com/?x=1",
        ] {
            assert!(parse_public_url(bad).is_err(), "{bad}");
        }
        assert!(parse_public_url("help.example.com")
            .unwrap_err()
            .contains("https://help.example.com"));
    }

    #[test]
    fn listen_takes_addresses_host_names_and_a_bare_port() {
        assert_eq!(
            parse_listen("127.0.0.1:8080").unwrap().to_string(),
            "127.0.0.1:8080"
        );
        assert_eq!(parse_listen("[::1]:80").unwrap().to_string(), "[::1]:80");
        let local = parse_listen("localhost:8080").unwrap();
        assert!(local.ip().is_loopback() && local.port() == 8080, "{local}");
        assert_eq!(parse_listen(":9090").unwrap().to_string(), "0.0.0.0:9090");
        for (bad, says) in [
            ("nowhere", "HOST:PORT"),
            ("localhost:http", "not a port"),
            ("localhost:70000", "not a port"),
        ] {
            let error = parse_listen(bad).unwrap_err();
            assert!(error.contains(says), "{bad}: {error}");
        }
    }

    #[test]
    fn durations_read_as_operators_write_them() {
        use std::time::Duration;
        assert_eq!(super::parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(super::parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(super::parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(super::parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(
            super::parse_duration("250ms"),
            Ok(Duration::from_millis(250))
        );
        assert!(super::parse_duration("5 minutes")
            .unwrap_err()
            .contains("5m"));
        assert!(super::parse_duration("soon").is_err());
    }
}
