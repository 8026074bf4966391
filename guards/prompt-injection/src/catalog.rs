//! What prompt-injection looks for: categories, default weights, phrases and markers.

use guard_kit::rules::{self, RuleSet};

/// Categories with their default weights, in index order.
pub const CATEGORIES: &[(&str, f64)] = &[
    ("instruction_override", 60.0),
    ("role_hijack", 40.0),
    ("system_prompt_exfiltration", 50.0),
    ("concealment", 40.0),
    ("data_exfiltration", 40.0),
    ("delimiter_injection", 40.0),
    ("encoded_payload", 30.0),
    ("hidden_unicode", 30.0),
];

/// One line of documentation per category (for the settings schema).
pub const CATEGORY_DOCS: &[(&str, &str)] = &[
    (
        "instruction_override",
        "\"ignore previous instructions\", \"disregard your rules\", \"new instructions:\".",
    ),
    (
        "role_hijack",
        "\"you are now DAN\", \"pretend to be\", \"enable developer mode\", jailbreaks.",
    ),
    (
        "system_prompt_exfiltration",
        "Asks to reveal or repeat the system prompt or hidden instructions.",
    ),
    (
        "concealment",
        "\"do not tell the user\", \"without informing the user\", \"secretly\".",
    ),
    (
        "data_exfiltration",
        "Asks to send data to a URL or webhook; markdown images with query strings.",
    ),
    (
        "delimiter_injection",
        "Fake chat-template or role delimiters: <|im_start|>, [INST], <<SYS>>, <system>.",
    ),
    (
        "encoded_payload",
        "eval(, atob(, fromCharCode, or a base64 run that decodes to text with injection phrases.",
    ),
    (
        "hidden_unicode",
        "Tag characters, zero-width characters or bidi controls.",
    ),
];

pub const INSTRUCTION_OVERRIDE: usize = 0;
pub const ROLE_HIJACK: usize = 1;
pub const SYSTEM_PROMPT: usize = 2;
pub const CONCEALMENT: usize = 3;
pub const DATA_EXFILTRATION: usize = 4;
pub const DELIMITER: usize = 5;
pub const ENCODED_PAYLOAD: usize = 6;
pub const HIDDEN_UNICODE: usize = 7;

const ROLE_HIJACK_WORDS: &[&str] = &[
    "you are now (a|an|the|dan|my|in|acting|unrestricted|unfiltered|free|jailbroken|evil|developer)",
    "you are no longer",
    "pretend (to|you|that) ~2 (be|are)",
    "act as ~2 (unrestricted|unfiltered|uncensored|evil|jailbroken|dan)",
    "(enter|enable|activate|switch) ~3 (developer|dan|god|jailbreak|unrestricted|debug) mode",
    "(jailbreak|jailbroken)",
    "roleplay as",
];

const SYSTEM_PROMPT_WORDS: &[&str] = &[
    "(reveal|print|show|output|repeat|display|tell|give|dump|leak|share|return|reproduce) ~4 (system|initial|hidden|original|developer|secret) (prompt|prompts|instructions|message|messages)",
    "(what|which) (is|are|were) your (system|initial|original|hidden)? (prompt|instructions)",
    "(repeat|print) ~3 (everything|all|text|words) (above|before)",
];

const DATA_EXFILTRATION_WORDS: &[&str] = &[
    "(send|post|upload|forward|transmit|exfiltrate|copy|leak|email) ~6 (to|into) ~3 (http|https|url|webhook*|endpoint|server|address|attacker*)",
    "(append|include|add|encode|put) ~5 (to|in|into) ~3 (url|link|query|image)",
];

const DELIMITERS: &[&str] = &[
    "<|im_start|>",
    "<|im_end|>",
    "<|system|>",
    "<|assistant|>",
    "<|user|>",
    "<|endoftext|>",
    "[inst]",
    "[/inst]",
    "<<sys>>",
    "<system>",
    "</system>",
    "[system]",
    "### system",
    "### instruction",
    "\nsystem:",
    "<important>",
    "</tool_result>",
    "</function_results>",
];

const ENCODED_MARKERS: &[&str] = &[
    "atob(",
    "eval(",
    "fromcharcode(",
    "text/html;base64",
    "\\x3c",
    "%3cscript",
];

/// The built-in rules.
pub fn rule_set() -> RuleSet {
    RuleSet::new()
        .words(INSTRUCTION_OVERRIDE, rules::INSTRUCTION_OVERRIDE)
        .words(ROLE_HIJACK, ROLE_HIJACK_WORDS)
        .words(SYSTEM_PROMPT, SYSTEM_PROMPT_WORDS)
        .words(CONCEALMENT, rules::CONCEALMENT)
        .words(DATA_EXFILTRATION, DATA_EXFILTRATION_WORDS)
        .markers(DELIMITER, DELIMITERS)
        .markers(ENCODED_PAYLOAD, ENCODED_MARKERS)
}
