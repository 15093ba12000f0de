//! The URLs of a chain's API: one or several (`"https://a, https://b"`,
//! tried in order), each `https://` (RFC 9110 §4.2.2), or plain `http://`
//! where nothing can be read or altered on the way: loopback and private
//! test nodes (RFC 1918, RFC 4193 addresses, `localhost`). A plain URL to
//! any other host is refused unless the user says so explicitly with
//! [`ALLOW_HTTP_ENV`]` = 1`.

use std::net::IpAddr;

use super::SendError;

/// The environment variable that allows plain `http://` to any host.
pub const ALLOW_HTTP_ENV: &str = "ACCORD_ALLOW_HTTP";

/// One API base URL, checked.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The URL as given (trimmed); it may carry an API key.
    pub url: String,
    /// `https://`.
    pub tls: bool,
    /// The host (no user info, no port), for messages.
    pub host: String,
}

impl core::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The path or query may carry an API key: only the host is printed.
        f.debug_struct("Endpoint")
            .field("tls", &self.tls)
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// `scheme://host` without the path, for messages (no API key).
    pub fn origin(&self) -> String {
        format!(
            "{}://{}",
            if self.tls { "https" } else { "http" },
            self.host
        )
    }
}

/// The endpoints in `urls`, separated by commas or whitespace, in order;
/// at least one. `allow_http`: plain `http://` to any host.
pub fn parse_list(urls: &str, allow_http: bool) -> Result<Vec<Endpoint>, SendError> {
    let list = urls
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|u| !u.is_empty())
        .map(|u| parse(u, allow_http))
        .collect::<Result<Vec<_>, _>>()?;
    if list.is_empty() {
        return Err(SendError::Url {
            url: urls.trim().to_owned(),
        });
    }
    Ok(list)
}

/// Whether the environment allows plain `http://` to any host.
pub fn allow_http_from_env() -> bool {
    std::env::var(ALLOW_HTTP_ENV).is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes"))
}

/// One URL.
pub fn parse(url: &str, allow_http: bool) -> Result<Endpoint, SendError> {
    let bad = || SendError::Url {
        url: url.to_owned(),
    };
    let (tls, rest) = if let Some(rest) = strip_prefix_ignore_case(url, "https://") {
        (true, rest)
    } else if let Some(rest) = strip_prefix_ignore_case(url, "http://") {
        (false, rest)
    } else {
        return Err(bad());
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host_of(authority).ok_or_else(bad)?;
    if !tls && !allow_http && !is_local(&host) {
        return Err(SendError::PlainHttp { host });
    }
    Ok(Endpoint {
        url: url.to_owned(),
        tls,
        host,
    })
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// The host of `host[:port]` or `[v6][:port]`, lower case; `None` if empty
/// or malformed.
fn host_of(authority: &str) -> Option<String> {
    let host = if let Some(rest) = authority.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        if !(after.is_empty() || after.starts_with(':')) {
            return None;
        }
        v6
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    let ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '%'));
    ok.then(|| host.to_ascii_lowercase())
}

/// Loopback, a private (RFC 1918 / RFC 4193) or link-local address, or
/// `localhost`: a test node on this machine or its own network.
pub fn is_local(host: &str) -> bool {
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback() || ip.is_private() || ip.is_link_local(),
        Ok(IpAddr::V6(ip)) => {
            let first = ip.segments()[0];
            ip.is_loopback()
                || (first & 0xfe00) == 0xfc00 // unique local, RFC 4193
                || (first & 0xffc0) == 0xfe80 // link-local
                || ip
                    .to_ipv4_mapped()
                    .is_some_and(|v4| v4.is_loopback() || v4.is_private())
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_hosts() {
        for host in [
            "127.0.0.1",
            "127.8.9.1",
            "localhost",
            "node.localhost",
            "10.1.2.3",
            "172.16.0.9",
            "172.31.255.1",
            "192.168.1.20",
            "169.254.0.1",
            "::1",
            "fd12:3456::1",
            "fe80::1",
            "::ffff:192.168.0.1",
        ] {
            assert!(is_local(host), "{host}");
        }
        for host in [
            "8.8.8.8",
            "172.32.0.1",
            "example.com",
            "localhost.example.com",
            "127.0.0.1.nip.io",
            "2001:db8::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(!is_local(host), "{host}");
        }
    }

    #[test]
    fn plain_http_only_where_nothing_is_on_the_way() {
        assert!(parse("http://127.0.0.1:8545", false).is_ok());
        assert!(parse("http://[::1]:8545/x", false).is_ok());
        assert!(parse("http://user:key@192.168.1.5:3002/api", false).is_ok());
        assert_eq!(
            parse("http://rpc.example.com/key", false),
            Err(SendError::PlainHttp {
                host: "rpc.example.com".into()
            })
        );
        // The user info cannot pass for the host.
        assert_eq!(
            parse("http://127.0.0.1@evil.example:80", false),
            Err(SendError::PlainHttp {
                host: "evil.example".into()
            })
        );
        assert!(parse("http://rpc.example.com", true).is_ok());
        let e = parse("HTTPS://Rpc.Example.com:443/v2/key", false).unwrap();
        assert!(e.tls);
        assert_eq!(e.host, "rpc.example.com");
        assert_eq!(e.origin(), "https://rpc.example.com");
        assert!(!format!("{e:?}").contains("key"));
        for bad in [
            "ftp://x",
            "https://",
            "http://[::1",
            "https://a b",
            "rpc.example",
        ] {
            assert!(
                matches!(parse(bad, false), Err(SendError::Url { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn lists() {
        let list = parse_list(
            " https://a.example, http://127.0.0.1:1\nhttps://b.example ",
            false,
        )
        .unwrap();
        let hosts: Vec<_> = list.iter().map(|e| e.host.as_str()).collect();
        assert_eq!(hosts, ["a.example", "127.0.0.1", "b.example"]);
        assert!(matches!(
            parse_list(" , ", false),
            Err(SendError::Url { .. })
        ));
        assert!(matches!(
            parse_list("https://a.example, http://b.example", false),
            Err(SendError::PlainHttp { .. })
        ));
    }
}
