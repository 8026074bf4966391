//! pii-mask: finds emails, phone numbers, Luhn-valid card numbers and secrets in the
//! string values of tool arguments and responses. `action: mask` returns the same JSON with
//! the values masked (`modify`); `action: deny` refuses with `pii_detected`, naming the
//! categories and JSON Pointers but never the values.

pub mod detect;
pub mod settings;

use guard_kit::{Context, Guard, Host, Level, Verdict, json};
use serde_json::{Value, json};

pub use detect::Category;
pub use settings::{Action, Settings};

/// Deny code.
pub const CODE: &str = "pii_detected";

/// Object keys (lowercased, `-` read as `_`) whose string values are masked as secrets
/// whatever they look like.
pub const SECRET_KEYS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "client_secret",
    "api_key",
    "apikey",
    "x_api_key",
    "access_token",
    "refresh_token",
    "auth_token",
    "id_token",
    "session_token",
    "authorization",
    "private_key",
    "secret_key",
    "aws_secret_access_key",
];

/// One detected value: where, and what kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// JSON Pointer of the string that holds it.
    pub path: String,
    /// Its category.
    pub category: Category,
}

fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase().replace('-', "_");
    SECRET_KEYS.contains(&key.as_str())
}

/// Finds PII in every string of `value`, masking it in place when `mask` is set.
pub fn scan(value: &mut Value, settings: &Settings, mask: bool) -> Vec<Finding> {
    let secrets_on = settings.categories.contains(&Category::Secret);
    let mut findings = Vec::new();
    json::for_each_string_mut(value, &mut |visit, s| {
        if secrets_on && !s.is_empty() && visit.key.is_some_and(is_secret_key) {
            findings.push(Finding {
                path: visit.pointer.to_string(),
                category: Category::Secret,
            });
            if mask {
                *s = detect::mask_for(Category::Secret, s);
            }
            return;
        }
        let spans = detect::find(s, &settings.categories);
        let mut categories: Vec<Category> = spans.iter().map(|span| span.category).collect();
        categories.sort();
        categories.dedup();
        for category in categories {
            findings.push(Finding {
                path: visit.pointer.to_string(),
                category,
            });
        }
        if mask && !spans.is_empty() {
            *s = detect::mask(s, &spans);
        }
    });
    findings
}

/// Screens one JSON payload; `what` names it in messages ("tool arguments", "response").
pub fn evaluate_json(text: &str, what: &str, settings: &Settings) -> Result<Verdict, String> {
    let mut value: Value =
        serde_json::from_str(text).map_err(|e| format!("{what} are not valid JSON: {e}"))?;
    let mask = settings.action == Action::Mask;
    let findings = scan(&mut value, settings, mask);
    if findings.is_empty() {
        return Ok(Verdict::Allow);
    }
    if mask {
        return Ok(Verdict::Modify(value.to_string()));
    }
    let mut categories: Vec<&str> = findings.iter().map(|f| f.category.name()).collect();
    categories.sort();
    categories.dedup();
    let message = format!("PII detected in {what}: {}", categories.join(", "));
    let details = json!({
        "categories": categories,
        "findings": findings.iter().map(|f| json!({"path": f.path, "category": f.category.name()})).collect::<Vec<_>>(),
    });
    Ok(Verdict::deny(CODE, message, details))
}

/// Phase `tool_invoke`: screens the arguments; `modify` carries the masked arguments.
pub fn evaluate_tool_invoke(arguments: &str, settings: &Settings) -> Result<Verdict, String> {
    evaluate_json(arguments, "tool arguments", settings)
}

/// Phase `response`: screens the response; `modify` carries the masked response.
pub fn evaluate_response(response: &str, settings: &Settings) -> Result<Verdict, String> {
    evaluate_json(response, "response", settings)
}

/// The guard, for [`guard_kit::export_guard!`].
pub struct PiiMask;

fn logged(host: &dyn Host, verdict: Result<Verdict, String>) -> Result<Verdict, String> {
    match &verdict {
        Ok(Verdict::Modify(_)) => host.log(Level::Info, "masked PII"),
        Ok(Verdict::Deny(reason)) => host.log(Level::Info, &reason.message),
        _ => {}
    }
    verdict
}

impl Guard for PiiMask {
    fn settings_schema() -> String {
        Settings::schema()
    }

    fn default_config() -> String {
        Settings::default().to_json()
    }

    fn tool_invoke(
        host: &dyn Host,
        _tool: &str,
        arguments: &str,
        _ctx: &Context,
    ) -> Result<Verdict, String> {
        logged(
            host,
            evaluate_tool_invoke(arguments, &Settings::from_host(host)?),
        )
    }

    fn response(host: &dyn Host, response: &str, _ctx: &Context) -> Result<Verdict, String> {
        logged(
            host,
            evaluate_response(response, &Settings::from_host(host)?),
        )
    }
}

guard_kit::export_guard!(crate::PiiMask);

#[cfg(test)]
mod tests;
