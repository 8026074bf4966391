//! server-spoofing: checks the upstream server's name (and URL) against an allowlist.
//!
//! In order: a name equal to an allowed one (ASCII case-insensitively) is allowed, unless
//! that entry pins a URL whose host differs (`server_url_mismatch`); a name whose confusable
//! skeleton equals an allowed name's is `server_homoglyph`; a name within the edit-distance
//! budget of an allowed name is `server_typosquat`; anything else is unknown and follows
//! `unknown_server` (allow, warn, or deny `server_unknown`).

pub mod names;
pub mod settings;

use guard_kit::{Context, Guard, Host, Level, Tool, Verdict};
use serde_json::json;

pub use settings::{AllowedServer, Settings, UnknownPolicy};

/// Deny code: a near miss of an allowed name.
pub const CODE_TYPOSQUAT: &str = "server_typosquat";
/// Deny code: a look-alike of an allowed name.
pub const CODE_HOMOGLYPH: &str = "server_homoglyph";
/// Deny code: an allowed name at the wrong host.
pub const CODE_URL_MISMATCH: &str = "server_url_mismatch";
/// Deny code: not allowlisted, with `unknown_server: deny`.
pub const CODE_UNKNOWN: &str = "server_unknown";

/// Judges one server by name and optional URL.
pub fn evaluate_server(name: &str, url: Option<&str>, settings: &Settings) -> Verdict {
    let name = name.trim();
    let same_name: Vec<&AllowedServer> = settings
        .allowed_servers
        .iter()
        .filter(|a| a.name.trim().eq_ignore_ascii_case(name))
        .collect();
    if !same_name.is_empty() {
        return check_url(name, url, &same_name);
    }
    let skeleton = names::skeleton(name);
    if let Some(allowed) = settings
        .allowed_servers
        .iter()
        .find(|a| names::skeleton(&a.name) == skeleton)
    {
        let message = format!(
            "Server '{name}' imitates allowed server '{}' with look-alike characters",
            allowed.name
        );
        let details = json!({
            "server": name,
            "looks_like": allowed.name,
            "mixed_script": names::is_mixed_script(name),
        });
        return Verdict::deny(CODE_HOMOGLYPH, message, details);
    }
    let closest = settings
        .allowed_servers
        .iter()
        .map(|a| {
            let allowed = names::skeleton(&a.name);
            let budget = names::typo_budget(allowed.chars().count(), settings.max_edit_distance);
            (a, names::edit_distance(&skeleton, &allowed), budget)
        })
        .filter(|(_, distance, budget)| *distance <= *budget)
        .min_by_key(|(_, distance, _)| *distance);
    if let Some((allowed, distance, _)) = closest {
        let message = format!(
            "Server '{name}' is {distance} edit(s) away from allowed server '{}'",
            allowed.name
        );
        let details = json!({"server": name, "similar_to": allowed.name, "distance": distance});
        return Verdict::deny(CODE_TYPOSQUAT, message, details);
    }
    unknown(name, settings.unknown_server)
}

fn check_url(name: &str, url: Option<&str>, entries: &[&AllowedServer]) -> Verdict {
    let pinned: Vec<String> = entries
        .iter()
        .filter_map(|a| a.url.as_deref())
        .map(names::url_host)
        .collect();
    if pinned.len() < entries.len() {
        return Verdict::Allow;
    }
    let Some(url) = url else {
        return Verdict::Warn(vec![format!(
            "server '{name}' is allowed only at {}, but the connection has no URL to verify",
            pinned.join(", ")
        )]);
    };
    let host = names::url_host(url);
    if pinned.contains(&host) {
        return Verdict::Allow;
    }
    let message = format!(
        "Server '{name}' is allowed at {} but connects to '{host}'",
        pinned.join(", ")
    );
    Verdict::deny(
        CODE_URL_MISMATCH,
        message,
        json!({"server": name, "expected_hosts": pinned, "actual_host": host}),
    )
}

fn unknown(name: &str, policy: UnknownPolicy) -> Verdict {
    let message = format!("server '{name}' is not in allowed_servers");
    match policy {
        UnknownPolicy::Allow => Verdict::Allow,
        UnknownPolicy::Warn => Verdict::Warn(vec![message]),
        UnknownPolicy::Deny => Verdict::deny(
            CODE_UNKNOWN,
            format!("Unknown {message}"),
            json!({"server": name}),
        ),
    }
}

/// The guard, for [`guard_kit::export_guard!`]: screens phases `connection` and `tools_list`.
pub struct ServerSpoofing;

impl ServerSpoofing {
    fn check(host: &dyn Host, ctx: &Context) -> Result<Verdict, String> {
        let settings = Settings::from_host(host)?;
        let verdict = evaluate_server(&ctx.server_name, ctx.server_url.as_deref(), &settings);
        if let Some(code) = verdict.code() {
            host.log(
                Level::Warn,
                &format!("server '{}' refused: {code}", ctx.server_name),
            );
        }
        Ok(verdict)
    }
}

impl Guard for ServerSpoofing {
    fn settings_schema() -> String {
        Settings::schema()
    }

    fn default_config() -> String {
        Settings::default().to_json()
    }

    fn server_connection(host: &dyn Host, ctx: &Context) -> Result<Verdict, String> {
        Self::check(host, ctx)
    }

    fn tools_list(host: &dyn Host, _tools: &[Tool], ctx: &Context) -> Result<Verdict, String> {
        Self::check(host, ctx)
    }
}

guard_kit::export_guard!(crate::ServerSpoofing);

#[cfg(test)]
mod tests;
