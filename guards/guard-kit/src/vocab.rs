//! Vocabulary shared by tool-poisoning and prompt-injection, in the syntax of
//! [`crate::rules`]: word patterns (matched on lowercased words, apostrophes dropped, so
//! "user's" is `users`) and markers (substrings with symbols).
//!
//! Each list names one *kind of signal* — an action, an object, a mood — not an attack:
//! the guards combine them ([`crate::signals`]), so that "read" or "~/.ssh" alone says
//! little and "read ~/.ssh/id_rsa" in an instruction says a lot.

/// Attempts to replace the model's instructions.
pub const INSTRUCTION_OVERRIDE: &[&str] = &[
    "ignore ~3 (previous|prior|above|earlier|preceding|original|initial|all|any|other|your|system) ~2 (instruction*|direction*|rule*|prompt*|guideline*|context|message*|command*|constraint*|directive*|polic*|restriction*|safeguard*|guardrail*)",
    "ignore (the|all|everything|anything)? (above|previous|preceding|prior|foregoing) (and|then|instead|text|content|message|messages)",
    "(ignore|disregard|forget) (all|everything|anything|whatever) ~4 (above|before|previous|prior|said|told|earlier|so far)",
    "(disregard|forget|override|bypass|overrule|supersede|discard|drop|abandon) ~3 (previous|prior|above|earlier|preceding|original|initial|all|your|any|system|safety|existing|the|other) ~2 (instruction*|direction*|rule*|prompt*|guideline*|context|message*|polic*|restriction*|constraint*|directive*|safeguard*|guardrail*|task*)",
    "(new|updated|real|actual|revised|true|correct|following) (system)? (instructions|directives|orders|rules) (are|follow|below|apply|take|override|supersede)",
    "from now on (you|ignore|always|never|respond|act|answer|reply|only|do|follow|your)",
    "(these|this|the following|my) (instructions|instruction|message|directive|directives|rules) ~2 (take|takes|have|has|override|overrides|supersede|supersedes) (precedence|priority|over)",
    "(takes|take|has|have) (precedence|priority) over ~3 (all|any|every|other|previous|prior|user|system|your) ~2 (instruction*|rule*|guideline*|prompt*|request*|message*)",
    "(stop|cease|abort) (following|obeying) ~3 (instruction*|rule*|guideline*|user|prompt*)",
    "(do|does) not (follow|obey) ~3 (previous|prior|original|above|user|users|system|your) ~2 (instruction*|rule*|request*|prompt*|guideline*)",
];

/// Asking the model to hide something from the user.
pub const CONCEALMENT: &[&str] = &[
    "(do|does|must|should|will|shall) not ~2 (tell|inform|mention|reveal|alert|notify|show|disclose|display|report|explain|let|warn|bother|ask|worry) ~4 (user|users|human|humans|anyone|person|operator|owner|customer|requester)",
    "(dont|never|cannot|cant|wont|shouldnt|mustnt|doesnt) ~2 (tell|inform|mention|reveal|alert|notify|show|disclose|display|report|explain|let|warn|bother|worry) ~4 (user|users|human|humans|anyone|person|operator|owner|customer|requester)",
    "(do|does|must|should|will|shall) not (mention|reveal|disclose|acknowledge|explain|discuss|surface) ~2 (that|this|it|anything|these|those|what|how|why|step|steps|instruction*|action*|existence)",
    "(dont|never|cannot|wont|shouldnt|mustnt) (mention|reveal|disclose|acknowledge|explain|discuss|surface) ~2 (that|this|it|anything|these|those|what|how|why|step|steps|instruction*|action*|existence)",
    "(avoid|refrain from) (mentioning|telling|revealing|disclosing|showing|informing|notifying|alerting|discussing) ~6 (user|users|human|anyone|this|that|it|these|step|steps|instruction*)",
    "(avoid|refrain from) (mentioning|telling|revealing|disclosing|showing|discussing) ~8 (to|from|with) (the)? (user|users|human|anyone)",
    "(user|users|human|humans|person|operator) (mustnt|shouldnt|wont|doesnt|dont|cant|neednt) ~2 (know|see|notice|find|be|learn|suspect|discover|realize|realise|hear|aware|bothered|informed|told|notified|alerted)",
    "without (the)? (user|users|human|anyone|them) (noticing|knowing|seeing|being aware|realizing|realising|finding out)",
    "keep (this|these|it|that|the following|everything|the instructions|this step|this instruction) ~3 (confidential|secret|private|hidden|quiet|to yourself|between us)",
    "(instruction|instructions|step|steps|note|notes|message) (is|are) (confidential|secret|private|classified|hidden|internal only|not for the user)",
    "as if nothing (happened|was done|changed|is wrong|unusual)",
    "(remove|erase|delete|clear|wipe|hide|cover|destroy) ~3 (trace|traces|evidence|tracks)",
    "(hide|conceal) ~4 from ~3 (user|users|human|response|reply|answer|chat|output)",
    "(do|does|must|should|will) not (include|put|add|write|show|display|list|print|output|repeat|echo|quote|reference|cite|mention) ~4 (in|into|to|within) (your|the) (response|responses|reply|replies|answer|answers|summary|output|message|explanation|chat|conversation)",
    "(dont|never) (include|put|add|write|show|display|list|print|output|repeat|echo|quote|reference|cite|mention) ~4 (in|into|to|within) (your|the) (response|responses|reply|replies|answer|answers|summary|output|message|explanation|chat|conversation)",
    "(do not|dont|never) (bring|bringing) ~2 up",
    "(remain|stay|be kept|kept) (invisible|hidden|secret|confidential|undisclosed|unmentioned|silent)",
    "(if|when) (asked|questioned|challenged) ~5 (deny|say no|say nothing|claim|pretend|lie)",
    "without (the)? (users|their|user|owners|customers) (knowledge|awareness|consent|noticing)",
    "(only|just) (report|say|show|tell|mention|confirm|display) ~4 (success|successful|succeeded|done|completed|ok|okay)",
    "no need to (tell|inform|mention|notify|alert|show|ask|bother|explain|confirm) ~4 (user|users|human|anyone|them|this|it|that)",
    "without (telling|informing|notifying|alerting|showing|mentioning|letting|alarming|bothering|warning) ~3 (user|users|human|humans|anyone|them|the)",
    "(user|users|human|humans|person|operator) (must|should|will|need|needs|does|do|can|may) (not|never) ~2 (know|see|notice|find|be|learn|suspect|discover|realize|realise|hear|aware)",
    "(keep|hide|conceal|withhold) ~5 (from) ~3 (user|users|human|humans|them|anyone|view|sight)",
    "(invisible|hidden|transparent|unknown|undisclosed) to (the)? (user|users|human|humans|person|operator)",
    "(secretly|covertly|surreptitiously|stealthily|clandestinely)",
    "(only|just) (tell|show|report|say|respond|reply) ~4 (user|users|them) ~3 (that|the|success|succeeded|done|completed|ok)",
    "(pretend|claim|say) ~3 (nothing|everything) (happened|is fine|went fine|was done)",
    "(this|these) (is|are) (an)? (internal|implementation|confidential|private|background) (detail|details|step|steps|instruction|instructions|process) ~4 (not|never|dont)",
];

/// Talk about the model's task: replacing, pausing or preceding it.
pub const TASK_HIJACK: &[&str] = &[
    "before you (can)? ~2 (solve|complete|finish|do|answer|respond|continue|proceed|summarize|summarise|reply|start|begin|perform) ~3 (task|tasks|request|question|job|work)",
    "(the|your) (task|tasks|request|job|instructions) (that)? (i|we|the user|user) (gave|assigned|asked|gave you|assigned you)",
    "(your|the) (real|actual|true|new|updated|primary|main|only|current|revised) (task|goal|objective|mission|job|purpose|priority|instructions) (is|are|now|has|will)",
    "(your|the) (original|previous|initial|old) (task|goal|objective|mission|job|request) (is|has been|was) (cancelled|canceled|replaced|changed|obsolete|void|complete|over|done)",
    "instead of (summarizing|summarising|translating|answering|doing|completing|responding|following|replying|continuing|analyzing|analysing|reviewing|processing)",
    "(stop|abort|cancel|pause|halt|drop) (what|the|your|all|any|summarizing|summarising|translating|answering) ~2 (you|task|tasks|current|work|doing|are doing|were doing|re doing)",
    "(do not|dont|never) (summarize|summarise|translate|answer|respond to|process|complete|continue) ~3 (this|the|that|it|document|text|page|email|request|task|user)",
    "(after|once) (you|youve|you have) (do|done|did|completed|finished) (that|this|it|so)",
    "(you|u) (can|may|should) (now|then)? (solve|complete|continue|finish|return to) (the|your) (task|original task|request)",
    "(strictly|carefully|exactly|adhere to|follow|obey|comply with|execute|carry out|perform) ~2 (the|these)? following (instruction|instructions|steps|task|tasks|directive|directives|command|commands)",
    "do the following (first|instead|now|immediately|before)",
    "(new|updated|different|additional|urgent|secret|hidden) (task|tasks|instruction|instructions|objective|goal|mission|directive) (for you|for the assistant|for the ai|is|are|follows)",
    "(this|the following) is (an|a)? (important|urgent|critical|new|priority|official) (message|instruction|notice|request|update) (from|for|to)",
    "important message from",
    "ignore your (previous|prior|earlier|original|initial|current|existing)",
];

/// Telling the model to act without the user's consent or confirmation.
pub const NO_CONSENT: &[&str] = &[
    "without (asking|requesting|seeking|waiting|requiring|prompting|needing|getting|obtaining) ~3 (permission|confirmation|approval|consent|authorization|authorisation|user|users)",
    "(do|does|must|should|will) not (ask|request|seek|wait|prompt|require) ~3 (permission|confirmation|approval|consent|authorization|user|users)",
    "(dont|never) (ask|request|seek|wait|prompt) ~3 (permission|confirmation|approval|consent|authorization|user|users)",
    "no (confirmation|approval|permission|consent|authorization) (is)? (needed|required|necessary)",
    "(skip|bypass|ignore|circumvent|disable) ~2 (confirmation|confirmations|approval|approvals|permission|permissions|consent|review|safety|security|verification) (check|checks|step|steps|prompt|prompts|dialog|dialogs)?",
    "(user|users) (has|have|already) ~2 (approved|authorized|authorised|consented|agreed|confirmed|allowed) ~3 (this|it|all|these|everything|the)",
    "(already|pre|preemptively) (approved|authorized|authorised|confirmed|consented)",
];

/// Doing something unseen (combined with an action verb).
pub const SILENT: &[&str] = &[
    "(silently|quietly|invisibly|discreetly|unnoticed|undetected|unobtrusively)",
    "(act|behave|respond|reply|answer|continue|proceed) (normally|as usual|as if|as though|like nothing)",
    "behind the (scenes|users back)",
    "without (leaving|showing|producing|displaying|logging) ~2 (trace|traces|output|log|logs|notification|notifications|record)",
];

/// Addressing the model directly, as an AI ("note to the assistant", "if you are an AI").
pub const NOTE_TO_AI: &[&str] = &[
    "(note|message|instruction|instructions|notice|attention|reminder|memo|directive|warning|request|important|update|ps|p s|nb|fyi|psa) (to|for) (the|all|any|every)? (ai|ais|assistant|assistants|model|models|llm|llms|agent|agents|claude|chatgpt|gpt|copilot|gemini|bot|bots|chatbot|chatbots|language model|language models)",
    "(dear|hey|hello|hi|attention|yo|greetings) (ai|assistant|model|llm|agent|claude|chatgpt|gpt|copilot|gemini|bot|chatbot|ai assistant|ai agent|language model|llms|agents)",
    "(if|when|since|because|as) you (are|re) (an|a|the)? (ai|llm|assistant|language model|large language model|agent|ai assistant|ai agent|bot|chatbot|ai model|automated)",
    "(ai|ais|llm|llms|assistant|assistants|model|models|agent|agents|bot|bots|chatbot|chatbots) (reading|processing|parsing|seeing|summarizing|summarising|analyzing|analysing|handling|reviewing|viewing) (this|these|the)",
    "(any|all|every) (ai|llm|automated|language) ~2 (assistant|assistants|agent|agents|model|models|system|systems|tool|tools|reader|readers) (must|should|shall|will|reading|that|who|processing)",
    "(claude|chatgpt|gpt|copilot|gemini|llama|mistral) (must|should|shall|needs|will|always|never|please|you)",
    "to you (claude|chatgpt|gpt|copilot|gemini|ai|assistant|model|llm|agent)",
    "(this|the following) (message|note|text|instruction|instructions|section|block) (is)? (for|to|addressed to|intended for|meant for) (the)? (ai|assistant|model|llm|agent|bots|ai assistant|ai agent|language model)",
];

/// Vocatives with a colon or an @-mention, addressing an AI (markers).
pub const AI_VOCATIVES: &[&str] = &[
    "ai assistants:",
    "ai assistant:",
    "ai agents:",
    "ai agent:",
    "ai models:",
    "ai model:",
    "assistants:",
    "llms:",
    "llm:",
    "language models:",
    "@copilot",
    "@claude",
    "@chatgpt",
    "@gemini",
    "@assistant",
];

/// An AI as the subject of an obligation ("the assistant must").
pub const ADDRESSEE: &[&str] = &[
    "(the|an|this|any|every|all|your) (ai|assistant|llm|agent|chatbot|bot|copilot) (must|should|shall|needs|has|will|always|never|is required|is expected|is instructed|is supposed)",
    "(the|an|your) (ai|language) model (must|should|shall|needs|has|will|always|never)",
    "(you|assistants|models|agents|llms) (must|should|shall|need to|have to|are required to|are expected to) (always|never|first|also|immediately|secretly|silently|now)",
    "(assistants|ai agents|ai assistants|llms|ais|chatbots|copilots) (must|should|shall|need to|have to|are required to|are expected to|are instructed to|are asked to)",
    "(you|assistant|agent|model) (are|is) (instructed|required|obligated|ordered|directed|authorized|authorised|permitted|allowed) to",
];

/// Obligation and insistence.
pub const MUST: &[&str] = &[
    "(must|always|never|shall|mandatory|ensure|remember|immediately|required|requirement|obligatory|compulsory)",
    "(need|needs|have|has|got) to",
    "(make|be) sure",
    "(dont|do not) forget",
    "it is (required|mandatory|necessary|essential|critical|crucial|vital|imperative|important)",
];

/// Hooks on the model's workflow: before/after using tools, at every turn.
pub const TEMPORAL: &[&str] = &[
    "before (you)? (answering|responding|replying|proceeding|continuing|returning|summarizing|summarising|translating|processing|answer|respond|reply|proceed|continue|return|summarize|summarise|translate)",
    "before (using|calling|invoking|running|executing|any|each|every|you|doing|performing|starting|making|sending|processing|completing|this|the|other) ~3 (tool|tools|function|functions|call|calls|request|requests|operation|operations|action|actions|task|tasks|query|queries|response|responses|answer|reply|anything|it|step|steps)",
    "prior to (using|calling|invoking|running|any|each|every|executing|this|the)",
    "after (using|calling|invoking|running|each|every|any|completing|returning|this|the|executing|sending|finishing|you) ~3 (tool|tools|function|functions|call|calls|request|requests|operation|task|response|query|result|results|answer)",
    "(whenever|anytime) (you|the|a|any|another|this|it|someone|an)",
    "(every|each|any) time (you|the|a|any|another|this|it|someone|an)",
    "at the (start|beginning|end|outset) of (every|each|the|this|any|a) (conversation|session|chat|task|turn|interaction|response|request|exchange)",
    "(when|once|if|whenever) (the)? (user|users) (says|asks|mentions|types|writes|requests|thanks|wants|sends)",
    "(when|once|if|whenever) (this|the) (tool|server|function) is (available|present|loaded|installed|enabled|active|connected|registered)",
    "(when|whenever|once|if) ~5 (is|are|gets|get) (invoked|called|used|executed|triggered|run|requested)",
];

/// A stated reason that makes an odd step sound routine.
pub const PRETEXT: &[&str] = &[
    "(verify|validate|confirm|check|ensure|prove|establish|authenticate|register|activate|initialize|initialise|sync|synchronize) ~3 (integrity|authenticity|compatibility|license|licence|identity|ownership|connectivity|security|environment|installation|setup|dependencies|permissions|session|authorization|authorisation|credentials|signature|account|eligibility|device|workspace|instance|user)",
    "(required|needed|necessary|mandatory|essential) (for|to|by) ~3 (work|function|operate|authenticate|authentication|verify|verification|proceed|initialize|initialise|initialization|continue|complete|succeed|compliance|security|function|functioning)",
    "for (security|verification|compliance|audit|auditing|logging|telemetry|analytics|debugging|diagnostic|diagnostics|backup|synchronization|sync|quality|monitoring|caching|validation|authentication|safety|legal|regulatory|tracking|training) (purposes|reasons|checks|check|process|protocol|policy|requirements|review)",
    "(partner|third party|audit|auditing|compliance|verification|validation|telemetry|tracking|proxy|relay) (verification|validation|service|server|endpoint|api|system|registry|portal|collector|sink|number|address|account|check|url)",
    "(this|it|that) is (a|an|the)? (standard|routine|normal|required|necessary|mandatory|expected|harmless|safe|internal|usual|common|official) (step|procedure|process|practice|requirement|operation|behavior|behaviour|measure|protocol|policy)",
    "(security|compliance|audit|verification|integrity|health|license|licence) (check|checks|requirement|requirements|policy|protocol|step|procedure|verification|scan|audit)",
];

/// Pressure on the model.
pub const COERCION: &[&str] = &[
    "otherwise ~5 (fail|fails|crash|crashes|break|breaks|error|errors|not|wont|cannot|stop|be)",
    "(very|extremely|critically|super|really|vitally|most|highly) (important|critical|urgent)",
    "(tool|system|server|request|operation|application|app|process|call|everything) will (fail|crash|break|not|stop|be|error|throw|refuse)",
    "(under no circumstances|no exceptions|without exception|non negotiable|top priority|highest priority|do not skip|dont skip|never skip|cannot be skipped)",
    "(or|else) ~3 (data loss|lose|lost|deleted|blocked|suspended|terminated|banned|fired|harm|penalty)",
    "(urgent|urgently|critical|crucial|asap)",
];

/// Base-form verbs that read or collect something.
pub const READ_VERBS: &[&str] = &[
    "(read|cat|open|access|retrieve|grab|collect|gather|obtain|extract|dump|copy|print|output|view|inspect|examine|load|fetch|get|check|scan|harvest|steal|locate|find|search|list|enumerate|type|show|display|look)",
];

/// Base-form verbs that move data somewhere.
pub const SEND_VERBS: &[&str] = &[
    "(send|post|upload|forward|transmit|submit|share|sync|exfiltrate|leak|relay|mirror|beacon|notify|ping|deliver|email|mail|transfer|publish|broadcast|bcc|cc|curl|wget|call|hit|stream|tunnel|register|authenticate|activate|subscribe|checkin)",
    "report (it|this|them|that|the|all|any|every|back) ~4 (to|at|via)",
    "(make|send|issue|fire|perform|do) (a|an)? (get|post|put|http|https|web|network|api|curl) (request|requests|call|calls|query) (to|against|at)",
];

/// Base-form verbs that write or change something.
pub const WRITE_VERBS: &[&str] = &[
    "(append|write|add|insert|modify|edit|overwrite|replace|update|change|alter|echo|inject|prepend|create|save|store|place|put|patch|set|configure)",
];

/// Base-form verbs that run something.
pub const EXEC_VERBS: &[&str] = &[
    "(run|execute|exec|eval|evaluate|launch|spawn|install|download|source|invoke|pipe|compile|trigger)",
];

/// Base-form verbs that put data into a field, message or request.
pub const INCLUDE_VERBS: &[&str] = &[
    "(include|pass|put|insert|embed|attach|append|add|provide|supply|fill|populate|place|enter|paste|encode|concatenate|prepend|copy|write|store|save|send|forward|share|cc|bcc)",
];

/// Base-form verbs that destroy something.
pub const DELETE_VERBS: &[&str] = &[
    "(delete|remove|wipe|erase|destroy|purge|truncate|drop|rm|shred|format|overwrite|encrypt|corrupt|kill)",
];

/// Files and places that hold credentials or private configuration (markers).
pub const SENSITIVE_PATHS: &[&str] = &[
    "~/.ssh",
    ".ssh/",
    "id_rsa",
    "id_ed25519",
    "id_ecdsa",
    "id_dsa",
    "authorized_keys",
    "/etc/passwd",
    "/etc/shadow",
    "/etc/sudoers",
    ".aws/credentials",
    ".aws/config",
    "aws_secret_access_key",
    ".azure/",
    ".config/gcloud",
    "application_default_credentials",
    ".env",
    ".env.local",
    ".envrc",
    ".npmrc",
    ".pypirc",
    ".netrc",
    ".pgpass",
    ".my.cnf",
    ".git-credentials",
    ".gitconfig",
    ".kube/config",
    "kubeconfig",
    ".docker/config.json",
    ".vault-token",
    ".gnupg",
    "secring",
    ".password-store",
    "mcp.json",
    ".cursor/",
    "claude_desktop_config",
    ".claude/",
    ".bash_history",
    ".zsh_history",
    ".python_history",
    "/proc/self/environ",
    "wallet.dat",
    "keychain",
    "login data",
    "cookies.sqlite",
    "credentials.json",
    "service-account",
    "secrets.json",
    "secrets.yaml",
    "secrets.yml",
    ".htpasswd",
    "shadow file",
    "private key",
    "private keys",
    "ssh key",
    "ssh keys",
];

/// Shell startup, scheduling and autostart files: writing there persists (markers).
pub const STARTUP_FILES: &[&str] = &[
    ".bashrc",
    ".zshrc",
    ".bash_profile",
    ".bash_login",
    ".profile",
    ".zprofile",
    ".zshenv",
    ".zlogin",
    "config.fish",
    ".cshrc",
    ".tcshrc",
    "crontab",
    "/etc/cron",
    "cron job",
    "authorized_keys",
    "launchagents",
    "launchdaemons",
    "systemd/user",
    ".config/autostart",
    "/etc/rc.local",
    "/etc/profile",
    "/etc/environment",
    "startup folder",
    "startup script",
    "login script",
    "shell profile",
    "shell config",
    "shell startup",
    "rc file",
    "powershell_profile",
    "$profile",
    "currentversion\\run",
    ".git/hooks",
    "git hook",
    "pre-commit hook",
];

/// Download-and-run, reverse shells and encoded commands (markers).
pub const DOWNLOAD_AND_RUN: &[&str] = &[
    "| sh",
    "|sh",
    "| bash",
    "|bash",
    "| zsh",
    "| sudo",
    "| python",
    "|python",
    "| perl",
    "| ruby",
    "| node",
    "| iex",
    "|iex",
    "| powershell",
    "| /bin/sh",
    "| /bin/bash",
    "bash <(",
    "sh <(",
    "bash -i",
    "sh -i",
    "/dev/tcp/",
    "/dev/udp/",
    "nc -e",
    "ncat -e",
    "nc -lvp",
    "mkfifo",
    "-encodedcommand",
    "powershell -e ",
    "powershell -enc",
    "powershell.exe -e",
    "iex(",
    "iex (",
    "invoke-expression",
    "downloadstring",
    "downloadfile(",
    "certutil -urlcache",
    "bitsadmin /transfer",
    "mshta http",
    "regsvr32 /s",
    "curl -o- ",
    "eval \"$(curl",
    "eval $(curl",
    "eval \"$(wget",
    "$(curl",
    "`curl",
    "$(wget",
    "`wget",
    "&& bash ",
    "&& sh ",
    "&&bash",
    "; bash ",
    "; sh ",
    "&& ./",
    "&& chmod +x",
    "; chmod +x",
    "base64 -d |",
    "base64 --decode |",
    "base64 -d|",
    "xxd -r -p |",
    "pty.spawn",
    "socket.socket(",
    "os.system(",
    "subprocess.call(",
    "subprocess.popen(",
    "child_process",
    "| osascript",
];

/// Commands that destroy a system whoever runs them (markers).
pub const DESTRUCTIVE_COMMANDS: &[&str] = &[
    "rm -rf / ",
    "rm -rf /\n",
    "rm -rf /`",
    "rm -rf /\"",
    "rm -rf /*",
    "rm -rf ~ ",
    "rm -rf ~/ ",
    "rm -rf ~/*",
    "rm -rf $home",
    "rm -rf --no-preserve-root",
    "--no-preserve-root",
    "mkfs.",
    "dd if=/dev/zero of=/dev/",
    "dd if=/dev/random of=/dev/",
    "dd if=/dev/urandom of=/dev/",
    ":(){ :|:& };:",
    "> /dev/sda",
    "chmod -r 777 /",
    "chmod -r 777 ~",
    "del /f /s /q c:",
    "rd /s /q c:",
    "format c:",
];

/// Paths on disk: system and home directories, relative paths (markers).
pub const FILE_PATHS: &[&str] = &[
    "/etc/",
    "/var/",
    "/usr/",
    "/home/",
    "/root/",
    "/opt/",
    "/tmp/",
    "/private/",
    "~/",
    "c:\\",
    "c:/",
    "%userprofile%",
    "%appdata%",
    "$home/",
    "../",
    ".git/",
    "/documents",
    "/desktop",
    "/downloads",
];

/// Words for files and where they live.
pub const FILE_WORDS: &[&str] = &[
    "(file|files|folder|folders|directory|directories|document|documents|repository|repositories|repo|repos|disk|drive|logs|database|databases|backup|backups|attachment|attachments|archive|workspace)",
];

/// Syntax of a tool or function call (markers).
pub const TOOL_CALL_SYNTAX: &[&str] = &[
    "\"arguments\":",
    "\"arguments\" :",
    "\"tool_calls\"",
    "\"function_call\"",
    "\"tool_use\"",
    "\"tool_name\":",
    "\"tool\":",
    "<tool_call",
    "<function_call",
    "<invoke",
    "<function=",
    "functions.",
    "[tool_call",
    "tool_call(",
];

/// Command-line tools whose mention, in an instruction to run something, matters (markers).
pub const COMMAND_TOOLS: &[&str] = &[
    "curl ",
    "wget ",
    "chmod ",
    "chown ",
    "sudo ",
    "rm -rf",
    "rm -r ",
    "rm -f ",
    "powershell",
    "bash -c",
    "sh -c",
    "zsh -c",
    "python -c",
    "python3 -c",
    "perl -e",
    "node -e",
    "base64 -d",
    "base64 --decode",
    "netcat",
    "nc ",
    "scp ",
    "rsync ",
    "dd if=",
    "mkfs",
    "npx ",
    "pip install",
    "npm install",
    "apt-get install",
    "brew install",
    "invoke-webrequest",
    "iwr ",
    "start-process",
    "cmd.exe",
    "cmd /c",
    "/bin/sh",
    "/bin/bash",
    "osascript",
    "xattr -d",
    "git push",
    "git config",
    "ssh ",
    "export ",
    "echo ",
];

/// Secrets: keys, tokens, passwords, credentials.
pub const SECRETS: &[&str] = &[
    "(api|access|secret|private|ssh|auth|authentication|bearer|session|refresh|signing|encryption|gpg|pgp|aws|github|gitlab|openai|anthropic|stripe|slack|oauth|jwt|personal access) (key|keys|token|tokens|secret|secrets)",
    "(password|passwords|passphrase|passphrases|passwd|credential|credentials|secret|secrets|mnemonic|cookies|cookie|2fa|otp|totp|mfa)",
    "seed (phrase|phrases|words)",
    "recovery (phrase|phrases|codes|code|key|keys)",
    "(security|verification|authentication|one time|login|reset|2fa|mfa) (code|codes|pin|pins|link|links)",
    "(environment|env) (variable|variables|vars|var|file)",
    "(credit|debit) card ~2 (number|numbers|details)?",
    "(social security|ssn|bank account|iban|routing) ~2 (number|numbers|details)?",
    "(passport|identification|national id|id|driver license|drivers license|tax id) (number|numbers)",
    "personal (information|data|details|info)",
    "(pii|phi)",
    "(user|users|customer|customers|employee|employees|patient|patients) (information|data|details|profile|profiles|records|pii)",
    "(contact|contacts) (list|lists|details)",
    "address book",
];

/// The model's own context: its conversation, prompt, tools and previous results.
pub const MODEL_CONTEXT: &[&str] = &[
    "(conversation|chat|dialog|dialogue|session) (history|histories|log|logs|transcript|transcripts|context|so far|contents|content)",
    "(message|prompt) (history|histories|transcript|transcripts)",
    "(this|the current|the entire|the whole|the full|the complete|our|your|entire|whole|full|complete) (conversation|chat|dialog|dialogue|session|context window|context)",
    "(all|every|previous|prior|earlier|past|preceding) ~2 (user)? (message|messages|prompts|turns|exchanges|queries|requests) (in|from|of|so far|sent|exchanged|you)",
    "(system|developer|hidden|initial|original) (prompt|prompts|message|instructions|instruction)",
    "your (instructions|prompt|system prompt|context|memory|rules|guidelines|configuration|tools|tool list|previous responses)",
    "context window",
    "everything (the user|you|i) (said|typed|wrote|shared|asked|sent|told)",
    "users (previous|prior|earlier|last|full|entire|other|original|private|personal|recent) ~2 (message|messages|query|queries|request|requests|prompt|prompts|file|files|data|email|emails|document|documents|conversation|conversations|information|details|question|questions)",
    "(list|names|descriptions|definitions|schemas) of (all)? (your|the|available|other|installed|connected|enabled) ~2 (tools|functions|servers)",
    "(tool|function) (descriptions|definitions|list|schemas)",
    "(previous|prior|other|earlier|all|recent) (tool|function) (calls|results|outputs|responses)",
    "(results|outputs|responses) (of|from) (previous|prior|other|earlier|all) ~2 (tool|tools|function|functions|calls)",
    "(full|complete|entire) list of (last|recent|previous|all) (messages|chats|conversations|contacts)",
];

/// Literal URLs and network destinations (markers).
pub const URL_MARKERS: &[&str] = &[
    "http://",
    "https://",
    "ftp://",
    "wss://",
    "ws://",
    "ngrok",
    "requestbin",
    "pipedream",
    "webhook.site",
    "burpcollaborator",
    "oast.",
    "interact.sh",
    ".onion",
    "pastebin",
    "transfer.sh",
];

/// Words for network destinations.
pub const ENDPOINT_WORDS: &[&str] = &[
    "(endpoint|endpoints|webhook|webhooks|url|urls|uri|domain|callback|collector|server|address|host|ip|site|website|link|inbox|mailbox|channel|bucket|pastebin|gist)",
];

/// Words for tool parameters and hidden carriers of data.
pub const PARAMETER_WORDS: &[&str] = &[
    "(parameter|parameters|param|params|argument|arguments|arg|args|field|fields|property|properties|sidenote|input|inputs)",
    "(as|in|into|inside|via|through|to) (the|a|an|its)? (sidenote|note|notes|metadata|context|comment|comments|extra|debug|details|payload|body|info|information|memo|annotation|annotations|description|reason|feedback|summary|query|header|headers|title|subject) ~2 (parameter|field|argument|property)?",
];

/// Words for commands and scripts.
pub const COMMAND_WORDS: &[&str] = &[
    "(command|commands|shell|terminal|script|scripts|bash|powershell|cmd|snippet|oneliner|installer|binary|executable|console|cli|curl|wget)",
    "following (line|lines|code|command|commands|script|snippet)",
    "one liner",
];

/// Broad targets of destruction: everything, home, the disk.
pub const BROAD_TARGETS: &[&str] = &[
    "(all|every|entire|whole|any) ~2 (file|files|directory|directories|folder|folders|disk|disks|drive|drives|repository|repositories|repo|repos|database|databases|data|backup|backups|project|projects|table|tables|record|records|document|documents|emails|messages|branch|branches|commits|history|logs|users|accounts)",
    "(home|root|system|user|users) (directory|directories|folder|folders|dir|drive|partition)",
    "(the|a|this) (disk|drive|filesystem|file system|partition|volume|database)",
];

/// Forged structure aimed at the model: pseudo-tags, chat-template tokens, fake system
/// blocks, HTML comments, terminal escape codes (markers).
pub const FORGED_MARKUP: &[&str] = &[
    "<important",
    "</important>",
    "<system",
    "</system>",
    "<instructions",
    "</instructions>",
    "<instruction",
    "<secret",
    "<hidden",
    "<admin",
    "<critical",
    "<assistant",
    "</assistant>",
    "<user>",
    "</user>",
    "<ai>",
    "<llm>",
    "<model>",
    "<context>",
    "<information>",
    "</information>",
    "<note>",
    "<override",
    "<prompt",
    "<directive",
    "<tool_call",
    "<function_call",
    "[system",
    "[admin",
    "[important",
    "[critical",
    "[instruction",
    "[inst]",
    "[/inst]",
    "[urgent",
    "[security",
    "[alert",
    "[override",
    "<|im_start|>",
    "<|im_end|>",
    "<|system|>",
    "<|assistant|>",
    "<|user|>",
    "<|endoftext|>",
    "<|start_header_id|>",
    "<|eot_id|>",
    "<<sys>>",
    "<</sys>>",
    "### system",
    "### instruction",
    "### new instruction",
    "### assistant",
    "### admin",
    "### important",
    "\nsystem:",
];

/// Markup that hides text from people but not from models: HTML comments, terminal
/// escape codes, invisible CSS (markers). Common in HTML pages and terminal output, so
/// prompt-injection counts it only with other signals.
pub const HIDING_MARKUP: &[&str] = &[
    "<!--",
    "\u{1b}[",
    "display:none",
    "display: none",
    "font-size:0",
    "font-size: 0",
    "color:white",
    "visibility:hidden",
];

/// Forged ends of a tool result or turns of a chat: text after them pretends to come
/// from someone else (markers).
pub const TURN_FORGERY: &[&str] = &[
    "</tool_result>",
    "</function_results>",
    "</tool_output>",
    "</tool_response>",
    "</search_results>",
    "</document>",
    "\nhuman:",
    "\nassistant:",
    "\nuser:",
    "end of document",
    "end of context",
    "end of user input",
    "end of search results",
    "end of tool output",
    "end of data",
    "end of email",
];

/// Headers of forged system messages and alerts, in words (markers).
pub const FORGED_HEADERS: &[&str] = &[
    "system prompt:",
    "system message:",
    "system instruction:",
    "system instructions:",
    "system override",
    "admin override",
    "administrator override",
    "developer override",
    "begin system",
    "end system",
    "begin admin",
    "system alert",
    "security alert",
    "system notice",
    "system notification",
    "admin notice",
    "urgent notice",
    "message from the system",
    "message from system",
    "instructions for the assistant:",
    "instructions for the ai:",
    "new instructions:",
    "updated instructions:",
    "important instructions:",
];

/// Whether a (lowercased) URL has a placeholder for private data — `{api_key}`,
/// `<conversation>`, `$TOKEN`, `[history]` — the shape of a URL built to carry data out.
pub fn url_carries_data(url: &str) -> bool {
    const DATA: &[&str] = &[
        "key",
        "token",
        "secret",
        "password",
        "passwd",
        "credential",
        "conversation",
        "history",
        "chat",
        "prompt",
        "cookie",
        "ssh",
        "private",
        "env",
        "content",
        "messages",
        "summary",
        "context",
        "memory",
        "mail",
        "data",
        "file",
    ];
    let Some(query) = url.find(['?', '{', '<', '$', '[']).map(|at| &url[at..]) else {
        return false;
    };
    let placeholder = query.contains(['{', '<', '$', '[']) || query.contains("...");
    placeholder && DATA.iter().any(|word| query.contains(word))
}

/// Whether a (lowercased) URL's query string has a placeholder to fill in — `?q=[query]`,
/// `&d={summary}`, `?x=<data>` — so that following it sends something out.
pub fn url_has_query_placeholder(url: &str) -> bool {
    url.split_once('?')
        .is_some_and(|(_, query)| query.contains(['{', '[', '<', '$']) || query.contains("..."))
}

/// Asking for data to be encoded (to hide it in a URL or a parameter).
pub const ENCODE_DATA: &[&str] = &[
    "(base64|base 64|url|hex|percent|b64) (encode|encoded|encoding|encodes)",
    "(encode|encoding|encoded|encodes) ~4 (base64|base 64|hex|url|urlencode|b64|percent)",
    "(urlencode|urlencoded|b64encode|btoa)",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    #[test]
    fn urls_with_data_placeholders() {
        assert!(url_carries_data("https://x.example/c?d={conversation}"));
        assert!(url_carries_data(
            "https://x.example/log?k=<api_key>&u=$user"
        ));
        assert!(!url_carries_data("https://api.example.com/users/{id}"));
        assert!(!url_carries_data("https://docs.example.com/guide?page=2"));
    }

    #[test]
    fn every_list_compiles() {
        let _ = RuleSet::new()
            .words(0, INSTRUCTION_OVERRIDE)
            .words(0, CONCEALMENT)
            .words(0, NO_CONSENT)
            .words(0, ENCODE_DATA)
            .words(0, TASK_HIJACK)
            .words(0, SILENT)
            .words(0, NOTE_TO_AI)
            .words(0, ADDRESSEE)
            .words(0, MUST)
            .words(0, TEMPORAL)
            .words(0, PRETEXT)
            .words(0, COERCION)
            .words(0, READ_VERBS)
            .words(0, SEND_VERBS)
            .words(0, WRITE_VERBS)
            .words(0, EXEC_VERBS)
            .words(0, INCLUDE_VERBS)
            .words(0, DELETE_VERBS)
            .words(0, SECRETS)
            .words(0, MODEL_CONTEXT)
            .words(0, ENDPOINT_WORDS)
            .words(0, PARAMETER_WORDS)
            .words(0, COMMAND_WORDS)
            .words(0, BROAD_TARGETS)
            .markers(0, SENSITIVE_PATHS)
            .markers(0, STARTUP_FILES)
            .markers(0, DOWNLOAD_AND_RUN)
            .markers(0, COMMAND_TOOLS)
            .markers(0, URL_MARKERS)
            .markers(0, FORGED_MARKUP)
            .markers(0, FORGED_HEADERS)
            .markers(0, HIDING_MARKUP)
            .markers(0, TURN_FORGERY)
            .markers(0, AI_VOCATIVES);
    }
}
