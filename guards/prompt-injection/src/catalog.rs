//! What prompt-injection looks for.
//!
//! An injection in a tool argument or result is text that addresses the model with an
//! instruction: to drop its instructions or task, call another tool, run a command,
//! touch files, contact a URL, send data out, or hide what it does from the user — often
//! dressed as a system message or encoded. Ordinary results (e-mails, documents, web
//! pages, shell output) are full of imperatives aimed at *people* ("please send the
//! report to Bob"), so single words score nothing: rules tag **features** and
//! [`COMBOS`] turn features seen together in one sentence (or one string) into
//! **categories**, each with a default weight.

use guard_kit::rules::RuleSet;
use guard_kit::signals::{Combo, bit, bits};
use guard_kit::vocab;

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
    ("task_hijack", 50.0),
    ("addressed_to_model", 35.0),
    ("directive_to_model", 20.0),
    ("tool_redirect", 35.0),
    ("command_execution", 40.0),
    ("file_access", 35.0),
    ("url_contact", 25.0),
    ("consent_bypass", 25.0),
    ("elevated_privileges", 20.0),
    ("urgency", 15.0),
    ("response_steering", 25.0),
    ("quoted_injection", 5.0),
    ("url_with_data", 30.0),
    ("turn_forgery", 20.0),
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
        "\"do not tell the user\", \"without informing the user\", \"secretly\", or an action done \"silently\".",
    ),
    (
        "data_exfiltration",
        "Sending secrets, files or the conversation to a URL, address or endpoint; URLs and markdown images built to carry data.",
    ),
    (
        "delimiter_injection",
        "Forged structure: chat-template tokens (<|im_start|>, [INST]), fake <system>/<important> tags, [SYSTEM ALERT], \"### Instruction\", HTML comments, terminal escapes.",
    ),
    (
        "encoded_payload",
        "eval(, atob(, fromCharCode, or a base64 run that decodes to text with injection signals.",
    ),
    (
        "hidden_unicode",
        "Tag characters, zero-width characters or bidi controls.",
    ),
    (
        "task_hijack",
        "Talk about the model's task: \"before you can solve the task I gave you\", \"your real task is\", \"instead of summarising\", \"stop what you are doing\".",
    ),
    (
        "addressed_to_model",
        "Text addressed to the AI: \"note to the assistant\", \"if you are an AI\", \"to you, Claude\".",
    ),
    (
        "directive_to_model",
        "An AI as the subject of an obligation: \"the assistant must\", \"you are instructed to\".",
    ),
    (
        "tool_redirect",
        "An instruction to call a tool or function, named or not, with insistence.",
    ),
    (
        "command_execution",
        "Download-and-run, reverse shells, or an instruction to run a command or script.",
    ),
    (
        "file_access",
        "An instruction to read, send, change or delete credential files, startup files or everything.",
    ),
    (
        "url_contact",
        "An instruction to visit, fetch or send to a literal URL, address or host.",
    ),
    (
        "consent_bypass",
        "\"without asking for confirmation\", \"the user has already approved\".",
    ),
    (
        "elevated_privileges",
        "sudo, as root, with admin or elevated rights.",
    ),
    (
        "urgency",
        "Pressure or pretext: \"urgent\", \"immediately\", \"security check\", \"otherwise\".",
    ),
    (
        "url_with_data",
        "A URL built to carry data out: a placeholder for private data (https://x.example/?d={conversation}), a query placeholder in an instruction, or data to encode into it.",
    ),
    (
        "turn_forgery",
        "A forged end of the tool result or chat turn: </tool_result>, \"End of document\", a line starting \"Assistant:\".",
    ),
    (
        "quoted_injection",
        "An injection phrase quoted as an example (\"phrases such as ...\", \"a jailbreak like ...\").",
    ),
    (
        "response_steering",
        "Dictating the model's answer: \"in your response include ...\", \"tell the user that ...\".",
    ),
];

// Category indices.
const C_OVERRIDE: usize = 0;
const C_ROLE: usize = 1;
const C_SYSPROMPT: usize = 2;
const C_CONCEAL: usize = 3;
/// Category of data exfiltration (also used for markdown images that leak data).
pub const DATA_EXFILTRATION: usize = 4;
const C_MARKUP: usize = 5;
/// Category of encoded payloads.
pub const ENCODED_PAYLOAD: usize = 6;
/// Category of hidden Unicode.
pub const HIDDEN_UNICODE: usize = 7;
const C_TASK: usize = 8;
const C_ADDRESSED: usize = 9;
const C_DIRECTIVE: usize = 10;
const C_TOOL: usize = 11;
const C_COMMAND: usize = 12;
const C_FILE: usize = 13;
const C_URL: usize = 14;
const C_CONSENT: usize = 15;
const C_ELEVATED: usize = 16;
const C_URGENCY: usize = 17;
const C_RESPONSE: usize = 18;
const C_QUOTED: usize = 19;
const C_URL_DATA: usize = 20;
const C_TURN: usize = 21;

// Features.
const OVERRIDE: usize = 0;
const ROLE: usize = 1;
const SYSPROMPT: usize = 2;
const CONCEAL: usize = 3;
const SILENT: usize = 4;
const NO_CONSENT: usize = 5;
const NOTE_TO_AI: usize = 6;
const ADDRESSEE: usize = 7;
const TASK: usize = 8;
const MARKUP: usize = 9;
const MUST: usize = 10;
const URGENT: usize = 11;
const PRETEXT: usize = 12;
const READ: usize = 13;
const SEND: usize = 14;
const WRITE: usize = 15;
const EXEC: usize = 16;
const INCLUDE: usize = 17;
const CALL: usize = 18;
const DELETE: usize = 19;
const SENSITIVE: usize = 20;
const STARTUP: usize = 21;
const SECRET: usize = 22;
const CONTEXT: usize = 23;
const CONTENT_OF: usize = 24;
/// Feature: a literal URL, IP address or host name.
pub const URL: usize = 25;
/// Feature: an e-mail address.
pub const EMAIL: usize = 26;
const ENDPOINT: usize = 27;
/// Feature: a URL with a placeholder for private data.
pub const URL_DATA: usize = 28;
const DOWNLOAD_RUN: usize = 29;
const CMD_TOOL: usize = 30;
const COMMAND: usize = 31;
const TOOL_WORD: usize = 32;
/// Feature: a snake_case identifier (a tool or function name).
pub const IDENT: usize = 33;
const BROAD: usize = 34;
const ELEVATED: usize = 35;
const PLEASE: usize = 36;
const RESPONSE: usize = 37;
const ALSO: usize = 38;
const TEMPORAL: usize = 39;
const ENCODED: usize = 40;
const FOLLOW: usize = 41;
const MANIPULATE: usize = 42;
const IMMEDIATELY: usize = 43;
const ALL_DATA: usize = 44;
const META: usize = 45;
const FILE_PATH: usize = 48;
const FILE_WORD: usize = 49;
const TOOL_SYNTAX: usize = 50;
const WITH_ARGS: usize = 51;
const DESTROY: usize = 52;
/// Feature: an identifier named as a tool ("the `send_money` tool").
pub const NAMED_TOOL: usize = 53;
/// Feature: a verb that begins a clause, an order ("Delete the folder", "then send").
pub const IMPERATIVE: usize = 54;
/// Feature: the text names ROT13 or a Caesar cipher.
pub const ROT13_HINT: usize = 55;
/// Feature: the text names reversed or backwards text.
pub const REVERSED_HINT: usize = 56;
const ENCODE: usize = 57;
/// Feature: a URL whose query string has a placeholder to fill in.
pub const URL_PLACEHOLDER: usize = 58;
/// Verbs whose clause-initial use is an [`IMPERATIVE`].
pub const VERBS: u64 = ACTS;
const HIDE: usize = 46;
const TURN: usize = 47;
/// Feature: a [`QUOTABLE`] feature in a sentence about injections.
pub const QUOTED: usize = 59;

/// Features that hold from where they occur to the end of the string: after "Note to
/// the assistant:" or `<system>`, every sentence is addressed to the model.
pub const STICKY: u64 = bits(&[NOTE_TO_AI, MARKUP, TASK]);

/// Features that, in a sentence talking *about* injections ([`META`]), are quoted rather
/// than given: they become [`QUOTED`].
pub const QUOTABLE: u64 = bits(&[OVERRIDE, ROLE, SYSPROMPT, TASK, NOTE_TO_AI, ADDRESSEE]);
/// Feature: talk about injections ("such as", "a technique called", "jailbreak").
pub const META_FEATURE: u64 = bit(META);

/// Insistence strong enough to tell an instruction to the model from a request to a
/// colleague ("please update the .env file" is the latter).
const STRONG: u64 = bits(&[
    NOTE_TO_AI,
    ADDRESSEE,
    TASK,
    MARKUP,
    OVERRIDE,
    URGENT,
    IMMEDIATELY,
    TEMPORAL,
    SILENT,
    CONCEAL,
]);
/// What makes a sentence an instruction to the model rather than to a person.
const TO_MODEL: u64 = bits(&[NOTE_TO_AI, ADDRESSEE, TASK, MARKUP, OVERRIDE]);
/// Insistence of any kind.
const DIRECTIVE: u64 = bits(&[
    NOTE_TO_AI,
    ADDRESSEE,
    TASK,
    MARKUP,
    OVERRIDE,
    MUST,
    URGENT,
    IMMEDIATELY,
    TEMPORAL,
    ALSO,
    PLEASE,
    SILENT,
    CONCEAL,
]);
/// Verbs that act on an object.
const ACTS: u64 = bits(&[READ, SEND, WRITE, EXEC, INCLUDE, CALL, DELETE]);
/// The sentences where e-mail addresses, hosts and identifiers matter: every
/// combination using them also needs one of these verbs.
pub const NEEDS_ADDRESSES: u64 = ACTS | bit(TOOL_SYNTAX);

/// Feature combinations → categories. Sentence scope unless built with `Combo::text`.
pub const COMBOS: &[Combo] = &[
    Combo::sentence(C_OVERRIDE, &[bit(OVERRIDE)]),
    Combo::sentence(C_ROLE, &[bit(ROLE)]),
    Combo::sentence(C_SYSPROMPT, &[bit(SYSPROMPT)]),
    // An article quoting "ignore previous instructions" as an example gives no order.
    Combo::sentence(C_QUOTED, &[bit(QUOTED)]),
    Combo::sentence(C_CONCEAL, &[bit(CONCEAL)]),
    Combo::sentence(C_CONCEAL, &[bit(SILENT), ACTS]),
    Combo::sentence(
        DATA_EXFILTRATION,
        &[
            bits(&[SEND, INCLUDE]),
            bits(&[SECRET, CONTEXT, SENSITIVE, ALL_DATA]),
            bits(&[URL, EMAIL]),
        ],
    ),
    Combo::sentence(
        DATA_EXFILTRATION,
        &[
            bits(&[SEND, INCLUDE]),
            bits(&[SECRET, CONTEXT, SENSITIVE, ALL_DATA]),
            bit(ENDPOINT),
            STRONG,
        ],
    ),
    Combo::sentence(
        DATA_EXFILTRATION,
        &[bits(&[SEND, INCLUDE]), bit(CONTENT_OF), bits(&[URL, EMAIL])],
    ),
    Combo::sentence(C_URL_DATA, &[bit(URL_DATA)]),
    Combo::sentence(
        C_URL_DATA,
        &[
            bit(URL_PLACEHOLDER),
            TO_MODEL | bits(&[RESPONSE, INCLUDE, SEND, MUST, PLEASE, ENCODE]),
        ],
    ),
    Combo::sentence(
        C_URL_DATA,
        &[bit(ENCODE), bits(&[URL, EMAIL, URL_PLACEHOLDER])],
    ),
    Combo::sentence(C_MARKUP, &[bit(MARKUP)]),
    Combo::sentence(
        C_MARKUP,
        &[bit(HIDE), TO_MODEL | bits(&[MUST, PLEASE, IMMEDIATELY])],
    ),
    Combo::sentence(C_TURN, &[bit(TURN)]),
    // eval( and atob( are everyday JavaScript: they count next to words for the model.
    Combo::sentence(ENCODED_PAYLOAD, &[bit(ENCODED), DIRECTIVE]),
    Combo::sentence(C_TASK, &[bit(TASK)]),
    Combo::sentence(
        C_TASK,
        &[bit(FOLLOW), TO_MODEL | bits(&[MUST, URGENT, IMMEDIATELY])],
    ),
    Combo::text(C_ADDRESSED, &[bit(NOTE_TO_AI)]),
    Combo::text(C_DIRECTIVE, &[bit(ADDRESSEE)]),
    Combo::sentence(
        C_TOOL,
        &[
            bit(CALL),
            bits(&[TOOL_WORD, IDENT]),
            TO_MODEL | bits(&[IMMEDIATELY, URGENT]),
        ],
    ),
    Combo::sentence(
        C_TOOL,
        &[
            bit(CALL),
            bits(&[TOOL_WORD, IDENT]),
            bits(&[MUST, PLEASE, ALSO, TEMPORAL]),
            bits(&[SEND, DELETE, WRITE, EXEC]),
        ],
    ),
    Combo::sentence(
        C_TOOL,
        &[
            bit(CALL),
            bit(IDENT),
            bit(TOOL_WORD),
            bits(&[SEND, DELETE, WRITE, EXEC, INCLUDE]),
            DIRECTIVE,
        ],
    ),
    Combo::sentence(
        C_TOOL,
        &[bit(CALL), bits(&[TOOL_WORD, IDENT]), bit(WITH_ARGS)],
    ),
    Combo::sentence(C_TOOL, &[bit(TOOL_SYNTAX), TO_MODEL | bits(&[IDENT, CALL])]),
    Combo::sentence(C_TOOL, &[bit(CALL), bit(NAMED_TOOL), DIRECTIVE]),
    Combo::sentence(C_COMMAND, &[bit(DESTROY), DIRECTIVE | bit(EXEC)]),
    // Install instructions in a README say "curl ... | sh" too; aimed at the model it counts.
    Combo::sentence(C_COMMAND, &[bit(DOWNLOAD_RUN), DIRECTIVE]),
    Combo::sentence(
        C_COMMAND,
        &[bit(EXEC), bits(&[COMMAND, CMD_TOOL]), DIRECTIVE],
    ),
    Combo::sentence(C_COMMAND, &[bit(CMD_TOOL), TO_MODEL]),
    Combo::sentence(
        C_FILE,
        &[
            bit(SENSITIVE),
            bits(&[READ, SEND, WRITE, INCLUDE, DELETE, CONTENT_OF]),
            STRONG,
        ],
    ),
    Combo::sentence(C_FILE, &[bit(STARTUP), bits(&[WRITE, INCLUDE]), STRONG]),
    Combo::sentence(C_FILE, &[bits(&[DELETE, WRITE]), bit(BROAD), STRONG]),
    Combo::sentence(
        C_FILE,
        &[
            bits(&[READ, DELETE, WRITE, SEND, INCLUDE]),
            bits(&[FILE_PATH, FILE_WORD]),
            STRONG,
        ],
    ),
    Combo::sentence(
        C_FILE,
        &[
            bits(&[READ, SEND, INCLUDE]),
            bit(SENSITIVE),
            bit(IMPERATIVE),
        ],
    ),
    Combo::sentence(
        C_URL,
        &[bits(&[SEND, CALL, READ]), bits(&[URL, EMAIL]), TO_MODEL],
    ),
    Combo::sentence(
        C_URL,
        &[
            bits(&[SEND, CALL]),
            bits(&[URL, EMAIL]),
            bits(&[IMMEDIATELY, URGENT, ALSO, SILENT]),
        ],
    ),
    // "Add a link to https://... in your answer": the reply carries the attacker's URL.
    Combo::sentence(
        C_URL,
        &[
            bit(RESPONSE),
            bits(&[URL, URL_PLACEHOLDER]),
            bits(&[INCLUDE, WRITE, MUST, PLEASE]),
        ],
    ),
    Combo::sentence(C_CONSENT, &[bit(NO_CONSENT)]),
    Combo::sentence(C_ELEVATED, &[bit(ELEVATED), TO_MODEL]),
    Combo::text(C_URGENCY, &[bits(&[URGENT, PRETEXT])]),
    Combo::sentence(
        C_RESPONSE,
        &[
            bit(RESPONSE),
            bits(&[MUST, INCLUDE, WRITE, PLEASE, IMMEDIATELY]),
        ],
    ),
    Combo::sentence(C_RESPONSE, &[bit(MANIPULATE)]),
];

const ROLE_HIJACK_WORDS: &[&str] = &[
    "you are now (a|an|the|dan|my|in|acting|unrestricted|unfiltered|free|jailbroken|evil|developer|no longer)",
    "you are no longer",
    "pretend (to|you|that) ~2 (be|are)",
    "act as ~2 (unrestricted|unfiltered|uncensored|evil|jailbroken|dan)",
    "(enter|enable|activate|switch) ~3 (developer|dan|god|jailbreak|unrestricted|debug|admin|maintenance|sudo) mode",
    "(jailbreak|jailbroken)",
    "roleplay as",
    "(developer|dan|god|jailbreak|unrestricted) mode (enabled|activated|on)",
    "do anything now",
];

const SYSTEM_PROMPT_WORDS: &[&str] = &[
    "(reveal|print|show|output|repeat|display|tell|give|dump|leak|share|return|reproduce) ~4 (system|initial|hidden|original|developer|secret) (prompt|prompts|instructions|message|messages)",
    "(what|which) (is|are|were) your (system|initial|original|hidden)? (prompt|instructions)",
    "(repeat|print) ~3 (everything|all|text|words) (above|before)",
];

const PLEASE_WORDS: &[&str] = &[
    "(please|kindly|pls|plz)",
    "(i|we) (need|want|would like|require|instruct|order|command) you to",
    "(you|u) (need to|have to|must|should|will|shall|are to|are going to) (now|immediately|first|also|then)?",
    "go ahead and",
    "(make|be) sure (you|to)",
];

const IMMEDIATELY_WORDS: &[&str] = &[
    "(immediately|instantly|right away|right now|straight away|without delay|as soon as possible|asap|first thing|at once)",
];

const RESPONSE_WORDS: &[&str] = &[
    "(in|into|to|with|within|at the end of|at the start of|at the beginning of) your (response|responses|reply|replies|answer|answers|output|outputs|summary|message|messages|final answer)",
    "(respond|reply|answer) (only)? (with|in|using|by saying)",
    "(start|begin|end|finish|sign|prefix|suffix) (every|each|all|your) (response|responses|reply|replies|answer|answers|message|messages|sentence|sentences)",
    "(say|print|output|write|type|repeat) (only)? (the)? (word|words|phrase|sentence|text|string|following)",
    "(say|print|output|write|respond with) (exactly|verbatim|only)",
];

const MANIPULATE_WORDS: &[&str] = &[
    "(tell|inform|convince|persuade|advise|assure|reassure) (the)? (user|users|human|customer|customers) (to|that)",
    "(recommend|promote|endorse|advertise) ~3 (our|sponsored|partner|affiliate) (product|products|service|services|brand|website|site|link|links)",
];

const FOLLOW_WORDS: &[&str] = &[
    "(follow|obey|execute|apply|perform|carry out|comply with) ~3 (instructions|instruction|commands|steps|directions|directives|orders|whatever) ~3 (in|at|from|returned|found|contained|there|it|listed|given|below|above|here|that follow|following)",
];

const ELEVATED_WORDS: &[&str] = &[
    "(sudo|su root|as root|run as administrator|as administrator|as admin)",
    "(root|admin|administrator|administrative|elevated|superuser|system|full) (privileges|rights|permissions|access)",
    "(with|using|grant|gain|escalate|elevate) ~2 (root|admin|administrator|elevated|superuser|sudo) ~2 (privileges|rights|permissions|access)?",
    "chmod (777|a+rwx|+s)",
];

const CONTENT_OF_WORDS: &[&str] = &[
    "(content|contents|body|text) of",
    "its (content|contents|text|body|data)",
    "(file|files|key|keys|email|emails|message|messages) (content|contents|body|bodies|text|data)",
];

const ALSO_WORDS: &[&str] = &[
    "(also|additionally|simultaneously|meanwhile|furthermore|moreover)",
    "(in addition|as well|at the same time|in parallel|on the side)",
];

/// Everything the user has: "all the user's emails", "every file", "all contacts".
const ALL_DATA_WORDS: &[&str] = &[
    "(all|every|each|any) ~3 (email|emails|message|messages|file|files|document|documents|contact|contacts|conversation|conversations|chat|chats|note|notes|photo|photos|record|records|transaction|transactions|password|passwords|event|events) (in|from|of|on) (this|the|my|your|their|users|his|her|all|every|each) ~2 (inbox|mailbox|account|accounts|drive|folder|folders|calendar|directory|repository|workspace|history|computer|disk|phone|device|contacts|address book|cloud|system|channel|channels|chat|chats|thread|threads|conversation|conversations|server)",
    "(all|every) (of)? (the|my|your|their)? (users|customers|user|customer) ~2 (email|emails|message|messages|file|files|document|documents|contact|contacts|conversation|conversations|data|information|details|passwords|records|photos)",
    "(the|their|users|my|your|his|her) (entire|whole|full|complete) ~2 (inbox|history|drive|calendar|contacts|account|data|mailbox|database|address book|file system|filesystem)",
];

/// Talk *about* injections: quoting one as an example.
/// Only explicit talk about injections: everyday words such as "like" or "example" occur
/// in injections as often as anywhere.
const META_WORDS: &[&str] = &[
    "(prompt|indirect|llm|ai) (injection|injections|attack|attacks)",
    "(jailbreak|jailbreaks|jailbreaking) (prompt|prompts|attempt|attempts|technique|techniques|attack|attacks|like|such as|called|example|examples)",
    "(phrases|phrase|strings|string|payloads|payload|prompts|instructions|text) (such as|like)",
    "(attackers|attacker|adversaries|malicious actors|scammers|hackers) ~4 (hide|hides|embed|embeds|insert|inserts|inject|injects|plant|plants|write|writes|use|uses)",
    "(known as|called|dubbed) (prompt|indirect)? (injection|jailbreaking)",
];

const ENCODED_MARKERS: &[&str] = &[
    "atob(",
    "eval(",
    "fromcharcode(",
    "text/html;base64",
    "\\x3c",
    "%3cscript",
];

const DECODE_WORDS: &[&str] = &[
    "(decode|decrypt|deobfuscate|unscramble|reverse|translate) ~4 (base64|rot13|hex|hexadecimal|binary|morse|cipher|encoded|following|this|string|text|message) ~6 (follow|execute|run|do|perform|obey|carry out|act on|apply)",
    "(base64|rot13|hex|encoded) (instruction|instructions|command|commands|payload|message|string|text|task) ~3 (follow|execute|run|do|perform|decode)",
];

/// The built-in rules, built at run time; `build.rs` indexes them ahead of time, and
/// guard calls use that copy ([`crate::rule_set`]).
pub fn built_in() -> RuleSet {
    RuleSet::new()
        .words(OVERRIDE, vocab::INSTRUCTION_OVERRIDE)
        .words(ROLE, ROLE_HIJACK_WORDS)
        .words(SYSPROMPT, SYSTEM_PROMPT_WORDS)
        .words(CONCEAL, vocab::CONCEALMENT)
        .words(SILENT, vocab::SILENT)
        .words(NO_CONSENT, vocab::NO_CONSENT)
        .words(NOTE_TO_AI, vocab::NOTE_TO_AI)
        .markers(NOTE_TO_AI, vocab::AI_VOCATIVES)
        .words(ADDRESSEE, vocab::ADDRESSEE)
        .words(TASK, vocab::TASK_HIJACK)
        .markers(MARKUP, vocab::FORGED_MARKUP)
        .markers(MARKUP, vocab::FORGED_HEADERS)
        .markers(HIDE, vocab::HIDING_MARKUP)
        .markers(TURN, vocab::TURN_FORGERY)
        .markers(MARKUP, &["(system_message)", "system_message", "###("])
        .words(MUST, vocab::MUST)
        .words(URGENT, vocab::COERCION)
        .markers(URGENT, &["!!!"])
        .words(PRETEXT, vocab::PRETEXT)
        .words(READ, vocab::READ_VERBS)
        .words(READ, &["(visit|browse|navigate|go to|click|download)"])
        .words(SEND, vocab::SEND_VERBS)
        .words(WRITE, vocab::WRITE_VERBS)
        .words(EXEC, vocab::EXEC_VERBS)
        .words(INCLUDE, vocab::INCLUDE_VERBS)
        .words(
            CALL,
            &["(call|use|invoke|run|execute|trigger|activate|employ|utilize|utilise)"],
        )
        .words(DELETE, vocab::DELETE_VERBS)
        .markers(SENSITIVE, vocab::SENSITIVE_PATHS)
        .markers(STARTUP, vocab::STARTUP_FILES)
        .words(SECRET, vocab::SECRETS)
        .words(CONTEXT, vocab::MODEL_CONTEXT)
        .words(CONTENT_OF, CONTENT_OF_WORDS)
        .markers(URL, vocab::URL_MARKERS)
        .words(ENDPOINT, vocab::ENDPOINT_WORDS)
        .markers(DOWNLOAD_RUN, vocab::DOWNLOAD_AND_RUN)
        .markers(CMD_TOOL, vocab::COMMAND_TOOLS)
        .words(COMMAND, vocab::COMMAND_WORDS)
        .words(
            TOOL_WORD,
            &[
                "(tool|tools|function|functions|api|plugin|action)",
                "function call",
            ],
        )
        .words(BROAD, vocab::BROAD_TARGETS)
        .words(ELEVATED, ELEVATED_WORDS)
        .words(PLEASE, PLEASE_WORDS)
        .words(IMMEDIATELY, IMMEDIATELY_WORDS)
        .words(RESPONSE, RESPONSE_WORDS)
        .words(MANIPULATE, MANIPULATE_WORDS)
        .words(ALSO, ALSO_WORDS)
        .words(TEMPORAL, vocab::TEMPORAL)
        .markers(ENCODED, ENCODED_MARKERS)
        .words(ENCODED, DECODE_WORDS)
        .words(FOLLOW, FOLLOW_WORDS)
        .words(ALL_DATA, ALL_DATA_WORDS)
        .words(META, META_WORDS)
        .markers(FILE_PATH, vocab::FILE_PATHS)
        .words(FILE_WORD, vocab::FILE_WORDS)
        .markers(TOOL_SYNTAX, vocab::TOOL_CALL_SYNTAX)
        .words(
            WITH_ARGS,
            &["(with|using|pass|passing) (the)? (following|these|those) (arguments|parameters|args|params|inputs|values|fields)"],
        )
        .markers(DESTROY, vocab::DESTRUCTIVE_COMMANDS)
        .words(ROT13_HINT, &["(rot13|caesar)", "rot 13"])
        .words(ENCODE, vocab::ENCODE_DATA)
        .words(
            REVERSED_HINT,
            &["(reverse|reversed|backwards|backward|mirrored|reverses|reversing)"],
        )
}
