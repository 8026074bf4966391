//! tool-poisoning: finds instructions aimed at the model, and hidden Unicode, in tool
//! names, descriptions and input schemas. Each string is split into sentences; rules tag
//! features (an imperative verb, a sensitive object, a destination, a hook on the
//! model's workflow, ...) and combinations of features in one sentence become finding
//! categories ([`catalog::COMBOS`]). Each tool's score is the sum of the weights of its
//! distinct categories: at or above `threshold` → deny `tool_poisoning`, at or above
//! `warn_threshold` → warn, below → allow.

pub mod catalog;
pub mod settings;

use guard_kit::filter;
use guard_kit::find;
use guard_kit::rules::{Prebuilt, RuleSet};
use guard_kit::signals::{self, AddressFeatures, Sightings};
use guard_kit::text::{Hidden, Normalized};
use guard_kit::vocab;
use guard_kit::{Action, Context, Guard, Host, Level, Tool, Verdict, json};
use serde_json::{Value, json};

pub use settings::Settings;

/// Deny code.
pub const CODE: &str = "tool_poisoning";

/// [`catalog::built_in`], indexed by `build.rs`, so a call does not index it again.
static BUILT_IN: Prebuilt = include!(concat!(env!("OUT_DIR"), "/built_in.rs"));

/// The built-in rules plus `extra_phrases` (indexed apart, on the first scan).
pub fn rule_set(extra_phrases: &[String]) -> RuleSet {
    let mut set = RuleSet::prebuilt(&BUILT_IN);
    for phrase in extra_phrases {
        set.add_phrase(catalog::EXTRA, phrase);
    }
    set
}

/// One suspicious thing found in a tool.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// Tool name.
    pub tool: String,
    /// `name`, `description`, or `input_schema` followed by a JSON Pointer.
    pub location: String,
    /// Category name (see [`catalog::CATEGORIES`]).
    pub category: &'static str,
    /// The category's configured weight.
    pub weight: f64,
    /// What matched: the phrase, or the first hidden code point and a count.
    pub evidence: String,
}

impl Finding {
    fn to_json(&self) -> Value {
        json!({
            "tool": self.tool,
            "location": self.location,
            "category": self.category,
            "weight": guard_kit::settings::number_json(self.weight),
            "evidence": self.evidence,
        })
    }
}

/// Scans one tool; findings are unique per (location, category).
pub fn scan_tool(
    tool: &Tool,
    fields: Option<&Value>,
    rules: &RuleSet,
    settings: &Settings,
) -> Vec<Finding> {
    let mut scanner = Scanner {
        tool,
        rules,
        settings,
        norm: Normalized::default(),
        sightings: Sightings::default(),
        findings: Vec::new(),
    };
    scanner.text("name", &tool.name);
    if let Some(description) = &tool.description {
        scanner.text("description", description);
    }
    if settings.scan_input_schema {
        match serde_json::from_str::<Value>(&tool.input_schema) {
            Ok(schema) => json::for_each_string(&schema, &mut |visit, s| {
                scanner.text(&format!("input_schema{}", visit.pointer), s)
            }),
            Err(_) => scanner.text("input_schema", &tool.input_schema),
        }
    }
    // `title`, `annotations`, `outputSchema`: the model reads them as it reads the rest.
    if let Some(fields) = fields {
        json::for_each_string(fields, &mut |visit, s| {
            scanner.text(&format!("fields{}", visit.pointer), s)
        });
    }
    scanner.findings
}

struct Scanner<'a> {
    tool: &'a Tool,
    rules: &'a RuleSet,
    settings: &'a Settings,
    norm: Normalized,
    sightings: Sightings,
    findings: Vec<Finding>,
}

impl Scanner<'_> {
    fn text(&mut self, location: &str, text: &str) {
        self.norm.reset(text);
        for class in [Hidden::Tag, Hidden::ZeroWidth, Hidden::Bidi] {
            let count = self.norm.hidden[class as usize];
            if count.count > 0 {
                self.add(location, catalog::hidden_category(class), count.evidence());
            }
        }
        let sightings = &mut self.sightings;
        sightings.clear();
        self.rules.scan(&self.norm, &mut |hit| {
            sightings.add(hit.sentence, hit.category, &hit.evidence);
            if hit.clause_start && catalog::VERBS & (1 << hit.category) != 0 {
                sightings.add(hit.sentence, catalog::IMPERATIVE, &hit.evidence);
            }
        });
        let ids = AddressFeatures {
            email: catalog::EMAIL,
            host: catalog::URL_OR_HOST,
            ident: catalog::IDENT,
            named_tool: catalog::IDENT,
        };
        signals::add_addresses(&self.norm, sightings, catalog::NEEDS_ADDRESSES, ids);
        let lower = &self.norm.lower;
        for (from, to) in find::urls(lower) {
            let url = &lower[from..to];
            let sentence = self.norm.sentence_of_byte(from);
            if vocab::url_carries_data(url) {
                sightings.add(sentence, catalog::URL_DATA, url);
            }
            if vocab::url_has_query_placeholder(url) {
                sightings.add(sentence, catalog::URL_PLACEHOLDER, url);
            }
        }
        let mut found = Vec::new();
        sightings.combine(
            catalog::COMBOS,
            catalog::STICKY,
            &mut |category, evidence| found.push((category, evidence)),
        );
        for (category, evidence) in found {
            self.add(location, category, evidence);
        }
    }

    fn add(&mut self, location: &str, category: usize, evidence: String) {
        let weight = self.settings.weights[category];
        let name = catalog::CATEGORIES[category].0;
        let seen = self
            .findings
            .iter()
            .any(|f| f.location == location && f.category == name);
        if weight > 0.0 && !seen {
            self.findings.push(Finding {
                tool: self.tool.name.clone(),
                location: location.to_string(),
                category: name,
                weight,
                evidence,
            });
        }
    }
}

/// A tool's score: the sum of the weights of its distinct categories.
pub fn score(findings: &[Finding]) -> f64 {
    let mut seen: Vec<&str> = Vec::new();
    let mut total = 0.0;
    for finding in findings {
        if !seen.contains(&finding.category) {
            seen.push(finding.category);
            total += finding.weight;
        }
    }
    total
}

/// Phase `tools_list`: deny if any tool's score reaches the threshold, warn if any
/// reaches the warn threshold, allow otherwise.
/// `fields[i]`, when present, holds what `tools[i]`'s record cannot carry.
pub fn evaluate_tools_list(tools: &[Tool], fields: &[Value], settings: &Settings) -> Verdict {
    let rules = rule_set(&settings.extra_phrases);
    let mut all = Vec::new();
    let mut scores = serde_json::Map::new();
    let mut denied = Vec::new();
    let mut removed = Vec::new();
    let mut warnings = Vec::new();
    for (i, tool) in tools.iter().enumerate() {
        let findings = scan_tool(tool, fields.get(i), &rules, settings);
        let tool_score = score(&findings);
        if findings.is_empty() || tool_score < settings.warn_threshold.min(settings.threshold) {
            continue;
        }
        let categories: Vec<&str> = findings.iter().map(|f| f.category).collect();
        let summary = format!(
            "tool '{}' score {tool_score} ({})",
            tool.name,
            categories.join(", ")
        );
        if tool_score >= settings.threshold {
            denied.push(summary);
            removed.push(i);
        } else {
            warnings.push(format!(
                "possible tool poisoning: {summary}, below threshold {}",
                settings.threshold
            ));
        }
        scores.insert(
            tool.name.clone(),
            guard_kit::settings::number_json(tool_score),
        );
        all.extend(findings);
    }
    if settings.action == Action::Filter
        && let Some(filtered) = filter::without(tools, |i| removed.contains(&i))
    {
        return filtered;
    }
    if !denied.is_empty() {
        let message = format!(
            "Tool poisoning detected: {} (threshold {})",
            denied.join("; "),
            settings.threshold
        );
        let details = json!({
            "threshold": guard_kit::settings::number_json(settings.threshold),
            "scores": scores,
            "findings": all.iter().map(Finding::to_json).collect::<Vec<_>>(),
        });
        return Verdict::deny(CODE, message, details);
    }
    if warnings.is_empty() {
        Verdict::Allow
    } else {
        Verdict::Warn(warnings)
    }
}

/// The guard, for [`guard_kit::export_guard!`].
pub struct ToolPoisoning;

impl Guard for ToolPoisoning {
    fn settings_schema() -> String {
        Settings::schema()
    }

    fn default_config() -> String {
        Settings::default().to_json()
    }

    fn tools_list(host: &dyn Host, tools: &[Tool], ctx: &Context) -> Result<Verdict, String> {
        let settings = Settings::from_host(host)?;
        host.log(
            Level::Info,
            &format!(
                "Scanning {} tools from '{}' for poisoning",
                tools.len(),
                ctx.server_name
            ),
        );
        Ok(evaluate_tools_list(tools, &ctx.tool_fields(), &settings))
    }
}

guard_kit::export_guard!(crate::ToolPoisoning);

#[cfg(test)]
mod tests;

#[cfg(test)]
mod examples;
