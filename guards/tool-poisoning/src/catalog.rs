//! What tool-poisoning looks for: categories, their default weights, and the phrases.

use guard_kit::rules::{self, RuleSet};
use guard_kit::text::Hidden;

/// Categories with their default weights, in index order.
pub const CATEGORIES: &[(&str, f64)] = &[
    ("instruction_override", 50.0),
    ("concealment", 50.0),
    ("sensitive_file", 40.0),
    ("exfiltration", 40.0),
    ("tool_shadowing", 30.0),
    ("coercion", 15.0),
    ("hidden_markup", 30.0),
    ("unicode_tag", 60.0),
    ("zero_width", 30.0),
    ("bidi_control", 40.0),
    ("extra_phrase", 50.0),
];

/// One line of documentation per category (for the settings schema).
pub const CATEGORY_DOCS: &[(&str, &str)] = &[
    (
        "instruction_override",
        "\"ignore previous instructions\" and similar attempts to replace the model's instructions.",
    ),
    (
        "concealment",
        "Asks to hide something from the user: \"do not tell the user\", \"secretly\".",
    ),
    (
        "sensitive_file",
        "Mentions credential or config files: ~/.ssh, id_rsa, .env, mcp.json, .aws/credentials.",
    ),
    (
        "exfiltration",
        "Asks to pass file contents, keys or conversation data into a parameter or to a URL.",
    ),
    (
        "tool_shadowing",
        "Instructions about other tools or about when to call this one: \"before using this tool\".",
    ),
    (
        "coercion",
        "Pressure on the model: \"otherwise the tool will fail\", \"very important\".",
    ),
    (
        "hidden_markup",
        "Pseudo-markup aimed at the model: <IMPORTANT>, <system>, [INST], HTML comments.",
    ),
    (
        "unicode_tag",
        "Unicode tag characters U+E0000-U+E007F (invisible ASCII smuggling).",
    ),
    (
        "zero_width",
        "Zero-width characters U+200B-U+200D, U+2060, U+FEFF.",
    ),
    (
        "bidi_control",
        "Bidirectional controls U+202A-U+202E, U+2066-U+2069, U+200E, U+200F.",
    ),
    ("extra_phrase", "A phrase from the extra_phrases setting."),
];

pub const INSTRUCTION_OVERRIDE: usize = 0;
pub const CONCEALMENT: usize = 1;
pub const SENSITIVE_FILE: usize = 2;
pub const EXFILTRATION: usize = 3;
pub const TOOL_SHADOWING: usize = 4;
pub const COERCION: usize = 5;
pub const HIDDEN_MARKUP: usize = 6;
pub const EXTRA_PHRASE: usize = 10;

/// The category index of a hidden-character class.
pub fn hidden_category(class: Hidden) -> usize {
    match class {
        Hidden::Tag => 7,
        Hidden::ZeroWidth => 8,
        Hidden::Bidi => 9,
    }
}

const SENSITIVE_FILES: &[&str] = &[
    "~/.ssh",
    ".ssh/",
    "id_rsa",
    "id_ed25519",
    "/etc/passwd",
    "/etc/shadow",
    ".aws/credentials",
    ".env",
    "mcp.json",
    ".cursor/",
    "claude_desktop_config",
    ".npmrc",
    ".netrc",
    ".git-credentials",
    ".kube/config",
    ".docker/config.json",
    "private key",
];

const EXFILTRATION_WORDS: &[&str] = &[
    "(pass|send|forward|upload|post|transmit|leak|exfiltrate|copy|include) ~4 (content|contents|data|file|files|key|keys|token|tokens|credential*|password*|secret*|conversation*|history|messages) ~4 (as|in|into|to|via|inside) ~3 (parameter*|argument*|field*|sidenote|note|notes|url|http|https|webhook*|server|email|query)",
    "(send|post|upload|forward|transmit|exfiltrate) ~6 to (http|https|ftp|webhook*|attacker*|remote|external)",
];

const TOOL_SHADOWING_WORDS: &[&str] = &[
    "before (using|calling|invoking|running|executing) ~3 (this|any|other|the|all) ~2 (tool|tools|function|functions|server)",
    "(when|if|whenever) ~2 (this|the) tool is (available|present|loaded|installed|enabled)",
    "(other|all|every|any) (other)? (tool|tools|server|servers) (must|should|will|are|is)",
    "instead of (using|calling|invoking) ~3 (tool*|function*|server*)",
    "(always|must|first|should) (call|use|invoke|run) ~2 (this|the) (tool|function) (first|before|instead)",
    "(send|redirect|route) all ~3 (email*|message*|request*|call*|traffic) to",
];

const COERCION_WORDS: &[&str] = &[
    "otherwise ~5 (fail*|crash*|break*|error*|not|wont|cannot)",
    "(very|extremely|critically|super) important",
    "(ai|assistant|model|llm|agent) (must|should|needs|has)",
];

const MARKUP: &[&str] = &[
    "<important>",
    "</important>",
    "<system>",
    "<instructions>",
    "<instruction>",
    "<secret>",
    "<hidden>",
    "[system]",
    "[inst]",
    "<|im_start|>",
    "<<sys>>",
    "<!--",
];

/// The built-in rules plus `extra_phrases`.
pub fn rule_set(extra_phrases: &[String]) -> RuleSet {
    let mut set = RuleSet::new()
        .words(INSTRUCTION_OVERRIDE, rules::INSTRUCTION_OVERRIDE)
        .words(CONCEALMENT, rules::CONCEALMENT)
        .markers(SENSITIVE_FILE, SENSITIVE_FILES)
        .words(EXFILTRATION, EXFILTRATION_WORDS)
        .words(TOOL_SHADOWING, TOOL_SHADOWING_WORDS)
        .words(COERCION, COERCION_WORDS)
        .markers(HIDDEN_MARKUP, MARKUP);
    for phrase in extra_phrases {
        set.add_phrase(EXTRA_PHRASE, phrase);
    }
    set
}
