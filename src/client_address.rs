//! Who is on the other end of a request: the peer's address, or, when the peer is a proxy the
//! operator trusts (`--trusted-proxies`), the address the proxies say they forward for
//! (`Forwarded`, else `X-Forwarded-For`), read from the nearest hop outward past every trusted
//! proxy. A header sent by anyone else changes nothing: the failed-sign-in limit, the
//! fairness of costly reads and the request log use the address this gives (the request log's
//! middleware puts it in each request's extensions).

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The request's client, as [`TrustedProxies::client`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// The proxies whose forwarding headers are believed: networks, or single addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// `10.0.0.0/8, 127.0.0.1, ::1`: comma-separated networks or addresses; empty trusts none.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        list.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!("`{item}` is not an address or a network (as 10.0.0.0/8 or ::1)")
                    })
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    /// Whether `address` is one of the trusted proxies.
    pub fn trusts(&self, address: IpAddr) -> bool {
        // An IPv4 peer on a dual-stack socket arrives as `::ffff:a.b.c.d`.
        let address = address.to_canonical();
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client of a request from `peer` carrying `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let hops = forwarded_for(headers);
        // Nearest first: the last hop was added by the proxy that connected to us.
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop {
                Some(address) => {
                    client = *address;
                    if !self.trusts(*address) {
                        break;
                    }
                }
                // `unknown` or an obfuscated name: nothing further out can be believed.
                None => break,
            }
        }
        client
    }
}

/// The addresses the forwarding headers list, farthest first (`None` for a hop that names
/// none): `Forwarded`'s `for=` (RFC 7239) when present, else `X-Forwarded-For`.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<Option<IpAddr>> = headers
        .get_all("forwarded")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                name.eq_ignore_ascii_case("for").then(|| node(value))
            })
        })
        .collect();
    if !forwarded.is_empty() {
        return forwarded;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(node)
        .collect()
}

/// One node: `192.0.2.43`, `"192.0.2.43:4711"`, `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn node(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_matches('"');
    if let Ok(address) = text.parse::<IpAddr>() {
        return Some(address);
    }
    if let Ok(address) = text.parse::<SocketAddr>() {
        return Some(address.ip());
    }
    text.strip_prefix('[')
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(address, _)| address.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn only_a_trusted_peer_is_believed_and_only_as_far_as_trusted_hops_go() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 127.0.0.1").unwrap();
        let spoofed = headers(&[("x-forwarded-for", "203.0.113.9")]);
        // Anyone else's header changes nothing.
        assert_eq!(
            proxies.client(ip("198.51.100.7"), &spoofed),
            ip("198.51.100.7")
        );
        assert_eq!(proxies.client(ip("127.0.0.1"), &spoofed), ip("203.0.113.9"));
        // A client's own forged hop sits farther out than the one its proxy added.
        let chain = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.0.0.2")]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &chain), ip("203.0.113.9"));
        // Forwarded wins over X-Forwarded-For; quoted, ported and bracketed nodes.
        let forwarded = headers(&[
            (
                "forwarded",
                "for=1.2.3.4, for=\"[2001:db8::7]:4711\";proto=https",
            ),
            ("x-forwarded-for", "9.9.9.9"),
        ]);
        assert_eq!(
            proxies.client(ip("10.1.2.3"), &forwarded),
            ip("2001:db8::7")
        );
        let ported = headers(&[("forwarded", "for=\"192.0.2.60:8080\"")]);
        assert_eq!(proxies.client(ip("127.0.0.1"), &ported), ip("192.0.2.60"));
        // An obfuscated hop: the proxy that named it is the client as far as we know.
        let hidden = headers(&[("forwarded", "for=_hidden")]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &hidden), ip("10.0.0.1"));
        // Every hop trusted: the farthest.
        let inner = headers(&[("x-forwarded-for", "10.9.9.9, 10.0.0.2")]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &inner), ip("10.9.9.9"));
        // An IPv4 peer seen on a dual-stack socket.
        assert_eq!(
            proxies.client(ip("::ffff:10.0.0.1"), &spoofed),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn the_list_takes_networks_and_addresses_and_names_a_bad_one() {
        assert_eq!(
            TrustedProxies::parse("").unwrap(),
            TrustedProxies::default()
        );
        assert!(TrustedProxies::parse("10.0.0.0/8,::1, 192.168.1.5").is_ok());
        let error = TrustedProxies::parse("10.0.0.0/8, proxy.local").unwrap_err();
        assert!(error.contains("`proxy.local`"), "{error}");
    }
}
