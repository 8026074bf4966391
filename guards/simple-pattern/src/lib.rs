//! simple-pattern: denies tools whose name (or description) contains a configured
//! pattern, case-insensitively and on word boundaries: `eval` matches `eval_js`,
//! `evalScript` and "run eval on", never "retrieval" or "browser_evaluate". In a pattern,
//! a space stands for any one of space, `_` and `-`, so `drop db` matches `drop_db`.
//! `match: substring` restores plain substring matching. With `action: filter`, the
//! matching tools are removed from a tools/list and the rest passes. The seed's example
//! guard and the `guardhouse new` template.
//!
//! The logic is plain Rust (tested natively with `cargo test`); `component.rs` binds it to
//! the `security-guard` world when compiled for wasm32.

#[cfg(target_arch = "wasm32")]
mod component;

use serde_json::{Value, json};

/// Patterns used when `patterns` is not configured: clearly destructive operations only.
/// Ordinary tools that delete a file, drop a table or execute a query are legitimate, so
/// `delete`, `drop` or `exec` belong in a gateway's own list, not in the defaults.
pub const DEFAULT_PATTERNS: &[&str] = &[
    "rm -rf",
    "mkfs",
    "format disk",
    "wipe disk",
    "drop database",
    "drop db",
    "delete everything",
    "shutdown",
];

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
    /// The tool's input schema, as JSON text.
    pub input_schema: &'a str,
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

/// The guard's verdict (this guard never warns).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing matched.
    Allow,
    /// A pattern matched.
    Deny(DenyReason),
    /// With `action: filter`: the tools/list without the matching tools, as JSON text.
    Modify(String),
}

/// How patterns are matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchMode {
    /// On word boundaries; a space in a pattern stands for space, `_` or `-` (default).
    Word,
    /// Anywhere, as a plain case-insensitive substring (the guard's first behaviour).
    Substring,
}

impl MatchMode {
    fn name(self) -> &'static str {
        match self {
            MatchMode::Word => "word",
            MatchMode::Substring => "substring",
        }
    }
}

/// The guard's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Patterns to block, matched case-insensitively.
    pub patterns: Vec<String>,
    /// Whether tool names (in tools/list and in calls) are checked.
    pub check_names: bool,
    /// Whether tool descriptions are checked too.
    pub check_descriptions: bool,
    /// Word-boundary or substring matching.
    pub match_mode: MatchMode,
    /// Whether matching tools are removed from a tools/list (a modify) instead of the
    /// whole list being denied (setting `action: deny|filter`).
    pub filter: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            patterns: DEFAULT_PATTERNS.iter().map(|p| p.to_string()).collect(),
            check_names: true,
            check_descriptions: true,
            match_mode: MatchMode::Word,
            filter: false,
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
        if let Some(value) = read(&get_config, "check_names")? {
            settings.check_names = value
                .as_bool()
                .ok_or("setting `check_names` must be a boolean")?;
        }
        if let Some(value) = read(&get_config, "check_descriptions")? {
            settings.check_descriptions = value
                .as_bool()
                .ok_or("setting `check_descriptions` must be a boolean")?;
        }
        if let Some(value) = read(&get_config, "match")? {
            settings.match_mode = match value.as_str() {
                Some("word") => MatchMode::Word,
                Some("substring") => MatchMode::Substring,
                _ => return Err("setting `match` must be \"word\" or \"substring\"".into()),
            };
        }
        if let Some(value) = read(&get_config, "action")? {
            settings.filter = match value.as_str() {
                Some("deny") => false,
                Some("filter") => true,
                _ => return Err("setting `action` must be \"deny\" or \"filter\"".into()),
            };
        }
        Ok(settings)
    }

    /// The settings as JSON (the default config is `Settings::default().to_json()`).
    pub fn to_json(&self) -> String {
        json!({
            "patterns": self.patterns,
            "check_names": self.check_names,
            "check_descriptions": self.check_descriptions,
            "match": self.match_mode.name(),
            "action": if self.filter { "filter" } else { "deny" },
        })
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
                    "description": "Patterns that block a tool when found in its name (or description), case-insensitively; with match: word, on word boundaries (snake_case, kebab-case and camelCase parts count as words), a space standing for space, _ or -.",
                    "items": {"type": "string", "minLength": 1},
                    "default": DEFAULT_PATTERNS,
                },
                "check_names": {
                    "type": "boolean",
                    "description": "Block tools (in tools/list and in calls) whose name matches a pattern.",
                    "default": true,
                },
                "check_descriptions": {
                    "type": "boolean",
                    "description": "Also block tools whose description matches a pattern.",
                    "default": true,
                },
                "match": {
                    "type": "string",
                    "enum": ["word", "substring"],
                    "description": "word: a pattern matches whole words only (eval matches eval_js, not retrieval); substring: anywhere.",
                    "default": "word",
                },
                // The wording every guard with this setting uses (guard-kit's `Action`).
                "action": {
                    "type": "string",
                    "enum": ["deny", "filter"],
                    "default": "deny",
                    "description": "What a tool matching a pattern causes: deny the whole tools/list (pattern_blocked, description_pattern_blocked), or filter: remove those tools and pass the rest (a modify; the host warns naming the removed tools).",
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

/// The configured patterns, folded once per call, with a first-byte index so a text is
/// scanned once for all patterns instead of once per pattern.
struct Matcher<'a> {
    /// Folded, non-empty patterns paired with the pattern as configured.
    patterns: Vec<(String, &'a str)>,
    /// For each byte, the patterns (as bits) whose folded ASCII form starts with it, in
    /// either case. Used only when there are at most 64 patterns.
    first: Option<Box<[u64; 256]>>,
    mode: MatchMode,
}

/// Folds one character for matching: lowercase, and in word mode `_` and `-` as spaces.
fn fold_char(c: char, mode: MatchMode) -> char {
    match c {
        '_' | '-' if mode == MatchMode::Word => ' ',
        c => c,
    }
}

fn fold(text: &str, mode: MatchMode) -> String {
    text.to_lowercase()
        .chars()
        .map(|c| fold_char(c, mode))
        .collect()
}

fn fold_byte(b: u8, mode: MatchMode) -> u8 {
    fold_char(b.to_ascii_lowercase() as char, mode) as u8
}

/// Whether a word may end between `before` and `after` (characters of the original
/// text): one of them is not a letter or digit, or a lowercase letter meets an uppercase
/// one (`evalScript`).
fn boundary(before: Option<char>, after: Option<char>) -> bool {
    match (before, after) {
        (Some(b), Some(a)) => {
            !b.is_alphanumeric() || !a.is_alphanumeric() || (b.is_lowercase() && a.is_uppercase())
        }
        _ => true,
    }
}

impl<'a> Matcher<'a> {
    fn new(settings: &'a Settings) -> Self {
        let mode = settings.match_mode;
        let patterns: Vec<(String, &str)> = settings
            .patterns
            .iter()
            .filter(|p| !p.is_empty())
            .map(|p| (fold(p, mode), p.as_str()))
            .collect();
        let first = (patterns.len() <= 64).then(|| {
            let mut table = Box::new([0u64; 256]);
            for (i, (folded, _)) in patterns.iter().enumerate() {
                if folded.is_ascii() {
                    let b = folded.as_bytes()[0];
                    table[b as usize] |= 1 << i;
                    table[b.to_ascii_uppercase() as usize] |= 1 << i;
                    if b == b' ' && mode == MatchMode::Word {
                        table[b'_' as usize] |= 1 << i;
                        table[b'-' as usize] |= 1 << i;
                    }
                }
            }
            table
        });
        Self {
            patterns,
            first,
            mode,
        }
    }

    /// The first configured pattern (in configuration order) that occurs in `text`,
    /// ignoring case (and, in word mode, only as whole words).
    fn first_match(&self, text: &str) -> Option<&'a str> {
        // An ASCII text folds to ASCII, so only ASCII patterns can occur in it and
        // comparing bytes in place gives the same answer as the Unicode path.
        if let (true, Some(first)) = (text.is_ascii(), &self.first) {
            let found = self.scan_ascii(text.as_bytes(), first);
            return (found != 0).then(|| self.patterns[found.trailing_zeros() as usize].1);
        }
        self.first_match_unicode(text)
    }

    /// The Unicode path: fold the text, then look for each pattern in turn. Boundaries
    /// are judged on the folded text (letters and digits), so camelCase is not split.
    fn first_match_unicode(&self, text: &str) -> Option<&'a str> {
        let folded = fold(text, self.mode);
        self.patterns
            .iter()
            .find(|(pattern, _)| {
                folded.match_indices(pattern.as_str()).any(|(at, m)| {
                    self.mode == MatchMode::Substring
                        || (boundary(folded[..at].chars().next_back(), m.chars().next())
                            && boundary(
                                m.chars().next_back(),
                                folded[at + m.len()..].chars().next(),
                            ))
                })
            })
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
                if self.matches_at(hay, i, self.patterns[j].0.as_bytes()) {
                    found |= 1 << j;
                }
            }
            if found & 1 != 0 {
                break;
            }
        }
        found
    }

    /// Whether the folded `needle` occurs in `hay` at `i` (and, in word mode, on word
    /// boundaries of the original bytes).
    fn matches_at(&self, hay: &[u8], i: usize, needle: &[u8]) -> bool {
        let end = i + needle.len();
        if end > hay.len()
            || !hay[i..end]
                .iter()
                .zip(needle)
                .all(|(&h, &n)| fold_byte(h, self.mode) == n)
        {
            return false;
        }
        if self.mode == MatchMode::Substring {
            return true;
        }
        let at = |k: usize| hay.get(k).map(|&b| b as char);
        let starts =
            !needle[0].is_ascii_alphanumeric() || boundary(i.checked_sub(1).and_then(at), at(i));
        let ends =
            !needle[needle.len() - 1].is_ascii_alphanumeric() || boundary(at(end - 1), at(end));
        starts && ends
    }
}

fn deny(code: &str, message: String, tool: &str, pattern: &str) -> Verdict {
    Verdict::Deny(DenyReason {
        code: code.to_string(),
        message,
        details: Some(json!({"tool": tool, "pattern": pattern}).to_string()),
    })
}

/// Why `tool` is blocked, if it is: its name, then its description, matches a pattern.
fn blocked(tool: &ToolRef<'_>, matcher: &Matcher<'_>, settings: &Settings) -> Option<Verdict> {
    if settings.check_names
        && let Some(pattern) = matcher.first_match(tool.name)
    {
        let message = format!("Tool '{}' matches blocked pattern '{pattern}'", tool.name);
        return Some(deny(CODE_NAME, message, tool.name, pattern));
    }
    if settings.check_descriptions
        && let Some(description) = tool.description
        && let Some(pattern) = matcher.first_match(description)
    {
        let message = format!(
            "Description of tool '{}' matches blocked pattern '{pattern}'",
            tool.name
        );
        return Some(deny(CODE_DESCRIPTION, message, tool.name, pattern));
    }
    None
}

/// Phase `tools_list`: denies on the first tool whose name (then description) matches
/// a pattern; with `action: filter`, removes every such tool and passes the rest.
pub fn evaluate_tools_list(tools: &[ToolRef<'_>], settings: &Settings) -> Verdict {
    let matcher = Matcher::new(settings);
    if !settings.filter {
        return tools
            .iter()
            .find_map(|tool| blocked(tool, &matcher, settings))
            .unwrap_or(Verdict::Allow);
    }
    let kept: Vec<&ToolRef<'_>> = tools
        .iter()
        .filter(|tool| blocked(tool, &matcher, settings).is_none())
        .collect();
    if kept.len() == tools.len() {
        return Verdict::Allow;
    }
    Verdict::Modify(tools_payload(&kept))
}

/// The tools_list payload holding `tools` (the host keeps each tool as the server sent
/// it and warns naming the removed ones): `{"tools": [{name, description,
/// input_schema}]}`, each schema as JSON when it parses, as it was otherwise.
pub fn tools_payload(tools: &[&ToolRef<'_>]) -> String {
    let tools: Vec<Value> = tools
        .iter()
        .map(|t| {
            let schema = serde_json::from_str(t.input_schema)
                .unwrap_or_else(|_| Value::String(t.input_schema.to_string()));
            json!({"name": t.name, "description": t.description, "input_schema": schema})
        })
        .collect();
    json!({ "tools": tools }).to_string()
}

/// Phase `tool_invoke`: denies a call to a tool whose name matches a pattern.
pub fn evaluate_tool_invoke(tool_name: &str, settings: &Settings) -> Verdict {
    if !settings.check_names {
        return Verdict::Allow;
    }
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
