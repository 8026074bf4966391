//! simple-pattern: denies tools whose name (or description) contains a configured
//! pattern, case-insensitively. The seed's example guard and the `guardhouse new` template.
//!
//! The logic is plain Rust (tested natively with `cargo test`); `component.rs` binds it to
//! the `security-guard` world when compiled for wasm32.

#[cfg(target_arch = "wasm32")]
mod component;

use serde_json::{Value, json};

/// Patterns used when `patterns` is not configured.
pub const DEFAULT_PATTERNS: &[&str] = &["delete", "drop", "eval", "exec", "rm -rf", "shutdown"];

/// Deny code for a pattern found in a tool name.
pub const CODE_NAME: &str = "pattern_blocked";
/// Deny code for a pattern found in a tool description.
pub const CODE_DESCRIPTION: &str = "description_pattern_blocked";

/// A tool as the guard sees it.
#[derive(Clone, Copy, Debug)]
pub struct ToolRef<'a> {
    /// Tool name.
    pub name: &'a str,
    /// Tool description, if any.
    pub description: Option<&'a str>,
}

/// Why a payload was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DenyReason {
    /// Stable machine-readable code.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// Structured detail as JSON text: `{"tool": .., "pattern": ..}`.
    pub details: Option<String>,
}

/// The guard's verdict (this guard never modifies or warns).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing matched.
    Allow,
    /// A pattern matched.
    Deny(DenyReason),
}

/// The guard's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Substrings to block, matched case-insensitively.
    pub patterns: Vec<String>,
    /// Whether tool descriptions are checked too.
    pub check_descriptions: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            patterns: DEFAULT_PATTERNS.iter().map(|p| p.to_string()).collect(),
            check_descriptions: true,
        }
    }
}

impl Settings {
    /// Reads settings through `get_config` (the host's `get-config`: JSON text of the
    /// configured value, or "" when not configured).
    pub fn from_config(get_config: impl Fn(&str) -> String) -> Result<Self, String> {
        let mut settings = Settings::default();
        if let Some(value) = read(&get_config, "patterns")? {
            settings.patterns = value
                .as_array()
                .and_then(|items| {
                    items
                        .iter()
                        .map(|p| p.as_str().map(str::to_string))
                        .collect()
                })
                .ok_or("setting `patterns` must be a list of strings")?;
        }
        if let Some(value) = read(&get_config, "check_descriptions")? {
            settings.check_descriptions = value
                .as_bool()
                .ok_or("setting `check_descriptions` must be a boolean")?;
        }
        Ok(settings)
    }

    /// The settings as JSON (the default config is `Settings::default().to_json()`).
    pub fn to_json(&self) -> String {
        json!({"patterns": self.patterns, "check_descriptions": self.check_descriptions})
            .to_string()
    }

    /// The JSON Schema (draft 2020-12) of the settings.
    pub fn schema() -> String {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "simple-pattern settings",
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "patterns": {
                    "type": "array",
                    "description": "Substrings that block a tool when found in its name (or description), case-insensitively.",
                    "items": {"type": "string", "minLength": 1},
                    "default": DEFAULT_PATTERNS,
                },
                "check_descriptions": {
                    "type": "boolean",
                    "description": "Also block tools whose description contains a pattern.",
                    "default": true,
                },
            },
        })
        .to_string()
    }
}

fn read(get_config: &impl Fn(&str) -> String, key: &str) -> Result<Option<Value>, String> {
    let text = get_config(key);
    if text.trim().is_empty() {
        return Ok(None);
    }
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| format!("setting `{key}` is not valid JSON: {e}"))
}

/// The configured patterns, lowercased once per call, with a first-byte index so a text
/// is scanned once for all patterns instead of once per pattern.
struct Matcher<'a> {
    /// Lowercased, non-empty patterns paired with the pattern as configured.
    patterns: Vec<(String, &'a str)>,
    /// For each byte, the patterns (as bits) whose lowercase ASCII form starts with it,
    /// in either case. Used only when there are at most 64 patterns.
    first: Option<Box<[u64; 256]>>,
}

impl<'a> Matcher<'a> {
    fn new(settings: &'a Settings) -> Self {
        let patterns: Vec<(String, &str)> = settings
            .patterns
            .iter()
            .filter(|p| !p.is_empty())
            .map(|p| (p.to_lowercase(), p.as_str()))
            .collect();
        let first = (patterns.len() <= 64).then(|| {
            let mut table = Box::new([0u64; 256]);
            for (i, (lower, _)) in patterns.iter().enumerate() {
                if lower.is_ascii() {
                    let b = lower.as_bytes()[0];
                    table[b as usize] |= 1 << i;
                    table[b.to_ascii_uppercase() as usize] |= 1 << i;
                }
            }
            table
        });
        Self { patterns, first }
    }

    /// The first configured pattern (in configuration order) that occurs in `text`,
    /// ignoring case.
    fn first_match(&self, text: &str) -> Option<&'a str> {
        // An ASCII text lowercases to ASCII, so only ASCII patterns can occur in it and
        // comparing bytes in place gives the same answer as the Unicode path.
        if let (true, Some(first)) = (text.is_ascii(), &self.first) {
            let found = self.scan_ascii(text.as_bytes(), first);
            return (found != 0).then(|| self.patterns[found.trailing_zeros() as usize].1);
        }
        let text = text.to_lowercase();
        self.patterns
            .iter()
            .find(|(lower, _)| text.contains(lower.as_str()))
            .map(|(_, p)| *p)
    }

    /// Bits of the patterns occurring in `hay`; stops early once pattern 0 is found.
    fn scan_ascii(&self, hay: &[u8], first: &[u64; 256]) -> u64 {
        let mut found = 0u64;
        for (i, &b) in hay.iter().enumerate() {
            let mut candidates = first[b as usize] & !found;
            while candidates != 0 {
                let j = candidates.trailing_zeros() as usize;
                candidates &= candidates - 1;
                let needle = self.patterns[j].0.as_bytes();
                let rest = &hay[i..];
                if rest.len() >= needle.len()
                    && rest[1..needle.len()]
                        .iter()
                        .zip(&needle[1..])
                        .all(|(h, n)| h.to_ascii_lowercase() == *n)
                {
                    found |= 1 << j;
                }
            }
            if found & 1 != 0 {
                break;
            }
        }
        found
    }
}

fn deny(code: &str, message: String, tool: &str, pattern: &str) -> Verdict {
    Verdict::Deny(DenyReason {
        code: code.to_string(),
        message,
        details: Some(json!({"tool": tool, "pattern": pattern}).to_string()),
    })
}

/// Phase `tools_list`: denies on the first tool whose name (then description) contains
/// a pattern.
pub fn evaluate_tools_list(tools: &[ToolRef<'_>], settings: &Settings) -> Verdict {
    let matcher = Matcher::new(settings);
    for tool in tools {
        if let Some(pattern) = matcher.first_match(tool.name) {
            let message = format!("Tool '{}' matches blocked pattern '{pattern}'", tool.name);
            return deny(CODE_NAME, message, tool.name, pattern);
        }
        if settings.check_descriptions
            && let Some(description) = tool.description
            && let Some(pattern) = matcher.first_match(description)
        {
            let message = format!(
                "Description of tool '{}' matches blocked pattern '{pattern}'",
                tool.name
            );
            return deny(CODE_DESCRIPTION, message, tool.name, pattern);
        }
    }
    Verdict::Allow
}

/// Phase `tool_invoke`: denies a call to a tool whose name contains a pattern.
pub fn evaluate_tool_invoke(tool_name: &str, settings: &Settings) -> Verdict {
    match Matcher::new(settings).first_match(tool_name) {
        Some(pattern) => deny(
            CODE_NAME,
            format!("Tool '{tool_name}' matches blocked pattern '{pattern}'"),
            tool_name,
            pattern,
        ),
        None => Verdict::Allow,
    }
}

#[cfg(test)]
mod tests;
