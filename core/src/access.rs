//! Who may call a host: the checks every host runs before a request reaches the API or
//! the MCP proxy, so a web page the user happens to visit, or anyone else on the
//! network, cannot use a guardhouse that listens on the user's machine.
//!
//! - **DNS rebinding**: a page on `evil.example` whose name is re-pointed at 127.0.0.1
//!   reaches a loopback server with `Host: evil.example`. A host that knows its own
//!   names ([`AccessPolicy::hosts`]) answers only requests whose `Host` is one of them or
//!   a loopback name (`localhost`, `127.0.0.1`, `[::1]`), whatever the port.
//! - **Cross-site browser requests**: a request a browser sends on behalf of another
//!   site carries `Sec-Fetch-Site: cross-site` (or `same-site`) or an `Origin` that is
//!   not this server's; both are refused (a `POST` of a `text/plain` body needs no CORS
//!   preflight, so CORS alone would not stop it).
//! - **Bearer token**: with [`AccessPolicy::token`] set, every `/v1/…`, `/metrics` and
//!   `/mcp` request must carry it, as `Authorization: Bearer <token>` or in
//!   [`TOKEN_HEADER`] (for an MCP client whose `Authorization` goes to the upstream).
//!   `/health` and the page's static files stay open. A host that listens beyond
//!   loopback must have a token ([`needs_token`]).

/// The header that carries the token when `Authorization` belongs to the upstream.
pub const TOKEN_HEADER: &str = "x-guardhouse-token";

/// A request refused before it reached a handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub message: String,
}

impl Refusal {
    fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// The `WWW-Authenticate` value a refusal for a missing or wrong token carries (RFC
    /// 6750), so a client knows to send a bearer token.
    pub fn challenge(&self) -> Option<&'static str> {
        (self.status == 401).then_some("Bearer")
    }
}

/// What a host accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessPolicy {
    /// The names (`Host` values without port) this server answers to besides loopback
    /// names; `None` when the platform already routes by name (the edge).
    pub hosts: Option<Vec<String>>,
    /// The bearer token `/v1/…`, `/metrics` and `/mcp` requests must carry.
    pub token: Option<String>,
}

/// Whether a server listening on `ip` (e.g. `127.0.0.1`, `0.0.0.0`) needs a token: any
/// address but loopback can be reached by others.
pub fn needs_token(ip: std::net::IpAddr) -> bool {
    !ip.is_loopback()
}

/// A token read from a file or the environment: trimmed, and refused when empty or
/// short enough to guess.
pub fn parse_token(text: &str) -> Result<String, String> {
    let token = text.trim();
    if token.len() < 16 {
        return Err(format!(
            "the token must be at least 16 characters (it has {})",
            token.len()
        ));
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("the token must be printable ASCII without spaces".into());
    }
    Ok(token.to_string())
}

/// `Host` without its port (`[::1]:80` → `::1`), lowercased.
fn host_name(host: &str) -> String {
    let host = host.trim();
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn is_loopback_name(name: &str) -> bool {
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Compares without stopping at the first difference, so timing does not tell an
/// attacker how much of a guess was right.
fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let diff = a
        .iter()
        .zip(b)
        .fold(a.len() ^ b.len(), |acc, (x, y)| acc | usize::from(x ^ y));
    diff == 0
}

impl AccessPolicy {
    /// Checks one request: `path` and a header lookup (case-insensitive names).
    pub fn check<'a>(
        &self,
        path: &str,
        header: impl Fn(&str) -> Option<&'a str>,
    ) -> Result<(), Refusal> {
        let host = header("host");
        if let Some(hosts) = &self.hosts {
            let Some(host) = host else {
                return Err(Refusal::new(400, "the request has no Host header"));
            };
            let name = host_name(host);
            if !is_loopback_name(&name) && !hosts.iter().any(|h| host_name(h) == name) {
                return Err(Refusal::new(
                    403,
                    format!(
                        "Host `{host}` is not a name of this server (DNS rebinding protection; \
                         it answers to loopback names and its listen address)"
                    ),
                ));
            }
        }
        if let Some(site) = header("sec-fetch-site")
            && matches!(site.trim(), "cross-site" | "same-site")
        {
            return Err(Refusal::new(
                403,
                format!("cross-site browser requests are refused (Sec-Fetch-Site: {site})"),
            ));
        }
        if let Some(origin) = header("origin") {
            let origin_host = origin
                .split_once("://")
                .map(|(_, rest)| rest.split('/').next().unwrap_or(rest));
            let same = match (origin_host, host) {
                (Some(o), Some(h)) => o.eq_ignore_ascii_case(h.trim()),
                _ => false,
            };
            if !same {
                return Err(Refusal::new(
                    403,
                    format!("cross-origin requests are refused (Origin: {origin})"),
                ));
            }
        }
        let protected = path.starts_with("/v1/")
            || path == crate::metrics::PATH
            || path == "/mcp"
            || path.starts_with("/mcp/");
        if let (Some(token), true) = (&self.token, protected) {
            let bearer = header("authorization")
                .and_then(|v| v.trim().strip_prefix("Bearer "))
                .map(str::trim);
            let given = header(TOKEN_HEADER).map(str::trim);
            let ok = [bearer, given]
                .into_iter()
                .flatten()
                .any(|t| same_secret(t, token));
            if !ok {
                return Err(Refusal::new(
                    401,
                    format!(
                        "this server needs its token: `Authorization: Bearer <token>` or \
                         `{TOKEN_HEADER}: <token>`"
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(policy: &AccessPolicy, path: &str, headers: &[(&str, &str)]) -> Result<(), u16> {
        let lookup = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| *v)
        };
        policy.check(path, lookup).map_err(|r| r.status)
    }

    fn local() -> AccessPolicy {
        AccessPolicy {
            hosts: Some(vec!["10.1.2.3:8787".into()]),
            token: None,
        }
    }

    #[test]
    fn only_own_and_loopback_host_names_are_answered() {
        let p = local();
        for host in [
            "127.0.0.1:8787",
            "localhost",
            "LOCALHOST:1",
            "[::1]:80",
            "10.1.2.3:9",
            "app.localhost",
        ] {
            assert_eq!(
                check(&p, "/v1/evaluate", &[("host", host)]),
                Ok(()),
                "{host}"
            );
        }
        for host in [
            "evil.example",
            "evil.example:8787",
            "127.0.0.1.evil.example",
            "10.1.2.4",
        ] {
            assert_eq!(
                check(&p, "/v1/evaluate", &[("host", host)]),
                Err(403),
                "{host}"
            );
        }
        assert_eq!(check(&p, "/health", &[]), Err(400));
        let edge = AccessPolicy::default();
        assert_eq!(
            check(
                &edge,
                "/v1/evaluate",
                &[("host", "guard.example.workers.dev")]
            ),
            Ok(())
        );
    }

    #[test]
    fn cross_site_browser_requests_are_refused() {
        let p = local();
        let host = ("host", "127.0.0.1:8787");
        assert_eq!(
            check(&p, "/mcp", &[host, ("origin", "https://evil.example")]),
            Err(403)
        );
        assert_eq!(check(&p, "/mcp", &[host, ("origin", "null")]), Err(403));
        assert_eq!(
            check(&p, "/v1/test", &[host, ("sec-fetch-site", "cross-site")]),
            Err(403)
        );
        assert_eq!(
            check(&p, "/v1/test", &[host, ("sec-fetch-site", "same-site")]),
            Err(403)
        );
        assert_eq!(
            check(
                &p,
                "/v1/test",
                &[
                    host,
                    ("origin", "http://127.0.0.1:8787"),
                    ("sec-fetch-site", "same-origin")
                ]
            ),
            Ok(())
        );
        assert_eq!(
            check(&p, "/v1/test", &[host, ("sec-fetch-site", "none")]),
            Ok(())
        );
    }

    #[test]
    fn the_token_guards_the_api_metrics_and_mcp_but_not_health_or_the_page() {
        let p = AccessPolicy {
            hosts: None,
            token: Some("0123456789abcdef-secret".into()),
        };
        let good = ("authorization", "Bearer 0123456789abcdef-secret");
        assert_eq!(check(&p, "/v1/evaluate", &[good]), Ok(()));
        assert_eq!(
            check(&p, "/mcp", &[(TOKEN_HEADER, "0123456789abcdef-secret")]),
            Ok(())
        );
        assert_eq!(check(&p, "/v1/evaluate", &[]), Err(401));
        assert_eq!(check(&p, "/metrics", &[]), Err(401));
        assert_eq!(check(&p, "/metrics", &[good]), Ok(()));
        assert_eq!(
            check(
                &p,
                "/mcp",
                &[("authorization", "Bearer 0123456789abcdef-secreT")]
            ),
            Err(401)
        );
        assert_eq!(
            check(
                &p,
                "/mcp",
                &[("authorization", "Bearer 0123456789abcdef-secret2")]
            ),
            Err(401)
        );
        assert_eq!(
            check(
                &p,
                "/mcp",
                &[("authorization", "Basic 0123456789abcdef-secret")]
            ),
            Err(401)
        );
        assert_eq!(check(&p, "/health", &[]), Ok(()));
        assert_eq!(check(&p, "/index.html", &[]), Ok(()));
    }

    #[test]
    fn tokens_must_be_long_and_printable() {
        assert_eq!(
            parse_token(" 0123456789abcdef\n").as_deref(),
            Ok("0123456789abcdef")
        );
        assert!(parse_token("short").is_err());
        assert!(parse_token("0123456789 abcdef").is_err());
        assert!(needs_token("0.0.0.0".parse().unwrap()));
        assert!(!needs_token("127.0.0.1".parse().unwrap()));
    }
}
