//! Hand-written detectors, each a linear scan over the bytes of one string. Every
//! pattern is ASCII, so byte offsets of matches are always char boundaries.

/// What kind of personal or secret data a span holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    Email,
    Phone,
    Card,
    Secret,
}

impl Category {
    /// All categories, in settings order.
    pub const ALL: [Category; 4] = [
        Category::Email,
        Category::Phone,
        Category::Card,
        Category::Secret,
    ];

    /// The name used in settings and details.
    pub fn name(self) -> &'static str {
        match self {
            Category::Email => "email",
            Category::Phone => "phone",
            Category::Card => "card",
            Category::Secret => "secret",
        }
    }

    /// The category called `name`.
    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// A detected byte range of a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub category: Category,
}

/// A detector appends the spans it finds in a byte string.
type Detector = fn(&[u8], &mut Vec<Span>);

/// All spans of the `enabled` categories in `text`, sorted and non-overlapping. Detectors
/// run secrets, emails, cards, phones in that order; a later span overlapping an earlier
/// one is dropped.
pub fn find(text: &str, enabled: &[Category]) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    let detectors: [(Category, Detector); 4] = [
        (Category::Secret, secrets),
        (Category::Email, emails),
        (Category::Card, cards),
        (Category::Phone, phones),
    ];
    for (category, detector) in detectors {
        if !enabled.contains(&category) {
            continue;
        }
        let mut found = Vec::new();
        detector(text.as_bytes(), &mut found);
        for span in found {
            if !spans
                .iter()
                .any(|s| span.start < s.end && s.start < span.end)
            {
                spans.push(span);
            }
        }
    }
    spans.sort_by_key(|s| s.start);
    spans
}

/// `text` with every span replaced by its mask (see [`mask_for`]).
pub fn mask(text: &str, spans: &[Span]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for span in spans {
        out.push_str(&text[at..span.start]);
        out.push_str(&mask_for(span.category, &text[span.start..span.end]));
        at = span.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The replacement for a detected value: `[EMAIL]`, `[PHONE]`, `[SECRET]`, and for cards
/// `****-****-****-1234` (the last four digits kept).
pub fn mask_for(category: Category, value: &str) -> String {
    match category {
        Category::Email => "[EMAIL]".into(),
        Category::Phone => "[PHONE]".into(),
        Category::Secret => "[SECRET]".into(),
        Category::Card => {
            let digits: Vec<char> = value.chars().filter(char::is_ascii_digit).collect();
            let last4: String = digits[digits.len().saturating_sub(4)..].iter().collect();
            format!("****-****-****-{last4}")
        }
    }
}

fn alnum_at(b: &[u8], i: usize) -> bool {
    b.get(i).is_some_and(u8::is_ascii_alphanumeric)
}

fn before_is_alnum(b: &[u8], i: usize) -> bool {
    i > 0 && b[i - 1].is_ascii_alphanumeric()
}

fn emails(b: &[u8], out: &mut Vec<Span>) {
    let local = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-');
    let domain = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-');
    for at in (0..b.len()).filter(|&i| b[i] == b'@') {
        let mut start = at;
        while start > 0 && local(b[start - 1]) {
            start -= 1;
        }
        while start < at && b[start] == b'.' {
            start += 1;
        }
        let mut end = at + 1;
        while end < b.len() && domain(b[end]) {
            end += 1;
        }
        while end > at + 1 && matches!(b[end - 1], b'.' | b'-') {
            end -= 1;
        }
        let host = &b[at + 1..end];
        let labels_ok = host.split(|&c| c == b'.').all(|l| !l.is_empty());
        let tld = host.rsplit(|&c| c == b'.').next().unwrap_or_default();
        let tld_ok = tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic);
        if start < at && host.contains(&b'.') && labels_ok && tld_ok {
            out.push(Span {
                start,
                end,
                category: Category::Email,
            });
        }
    }
}

/// Whether `digits` pass the Luhn checksum.
pub fn luhn_valid(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

fn cards(b: &[u8], out: &mut Vec<Span>) {
    let mut i = 0;
    while i < b.len() {
        // A leading `+` makes a phone number, not a card.
        if !b[i].is_ascii_digit() || before_is_alnum(b, i) || (i > 0 && b[i - 1] == b'+') {
            i += 1;
            continue;
        }
        let start = i;
        let mut digits = Vec::new();
        let mut end = i;
        while end < b.len() {
            if b[end].is_ascii_digit() {
                digits.push(b[end]);
                end += 1;
            } else if matches!(b[end], b' ' | b'-')
                && b.get(end + 1).is_some_and(u8::is_ascii_digit)
            {
                end += 1;
            } else {
                break;
            }
        }
        if (13..=19).contains(&digits.len()) && !alnum_at(b, end) && luhn_valid(&digits) {
            out.push(Span {
                start,
                end,
                category: Category::Card,
            });
        }
        i = end.max(i + 1);
    }
}

fn phones(b: &[u8], out: &mut Vec<Span>) {
    let mut i = 0;
    while i < b.len() {
        let starts = matches!(b[i], b'+' | b'(') || b[i].is_ascii_digit();
        if !starts || before_is_alnum(b, i) || (i > 0 && b[i - 1] == b'+') {
            i += 1;
            continue;
        }
        let plus = b[i] == b'+';
        let (mut digits, mut groups, mut group_len, mut last_group, mut gap) = (0, 0, 0, 0, 0);
        let mut end = i;
        let mut j = i + usize::from(plus);
        while j < b.len() {
            let c = b[j];
            if c.is_ascii_digit() {
                if group_len == 0 {
                    groups += 1;
                }
                digits += 1;
                group_len += 1;
                last_group = group_len;
                gap = 0;
                end = j + 1;
            } else if matches!(c, b' ' | b'-' | b'.' | b'(' | b')') && gap < 2 {
                group_len = 0;
                gap += 1;
            } else {
                break;
            }
            j += 1;
        }
        let valid = if plus {
            (8..=15).contains(&digits)
        } else {
            (10..=11).contains(&digits) && groups >= 2 && last_group >= 4
        };
        if valid && !alnum_at(b, end) {
            out.push(Span {
                start: i,
                end,
                category: Category::Phone,
            });
            i = end;
        } else {
            i += 1;
        }
    }
}

/// Known token prefixes and the minimum number of token characters after them.
const PREFIXES: &[(&str, usize)] = &[
    ("sk-", 20),
    ("sk_live_", 16),
    ("sk_test_", 16),
    ("rk_live_", 16),
    ("ghp_", 30),
    ("gho_", 30),
    ("ghu_", 30),
    ("ghs_", 30),
    ("ghr_", 30),
    ("github_pat_", 40),
    ("glpat-", 20),
    ("xoxb-", 10),
    ("xoxp-", 10),
    ("xoxa-", 10),
    ("xoxr-", 10),
    ("xoxs-", 10),
    ("hf_", 30),
    ("npm_", 36),
    ("AIza", 35),
];

/// Shortest token considered by the generic high-entropy rule.
const GENERIC_MIN_LEN: usize = 32;
/// Minimum Shannon entropy (bits per character) for the generic rule.
const GENERIC_MIN_ENTROPY: f64 = 4.2;

/// Maximal runs of bytes satisfying `pred`, as (start, end).
fn runs(b: &[u8], pred: fn(u8) -> bool) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() && !pred(b[i]) {
            i += 1;
        }
        let start = i;
        while i < b.len() && pred(b[i]) {
            i += 1;
        }
        (start < i).then_some((start, i))
    })
}

fn secrets(b: &[u8], out: &mut Vec<Span>) {
    private_keys(b, out);
    let word = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-');
    let dotted = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.');
    let mut found: Vec<(usize, usize)> = runs(b, dotted)
        .map(|(s, e)| {
            (
                s,
                s + b[s..e]
                    .iter()
                    .rposition(|&c| c != b'.')
                    .map_or(0, |p| p + 1),
            )
        })
        .filter(|&(s, e)| is_jwt(&b[s..e]))
        .collect();
    for (start, end) in runs(b, word) {
        let token = &b[start..end];
        if is_prefixed_secret(token) || is_aws_key(token) || is_generic(token) {
            found.push((start, end));
        }
    }
    for (start, end) in found {
        if !out.iter().any(|s| start < s.end && s.start < end) {
            out.push(Span {
                start,
                end,
                category: Category::Secret,
            });
        }
    }
}

/// Shortest token any prefix rule can match ("xoxb-" and 10 more).
const PREFIXED_MIN_LEN: usize = 15;

fn is_prefixed_secret(token: &[u8]) -> bool {
    token.len() >= PREFIXED_MIN_LEN
        && PREFIXES.iter().any(|(prefix, min)| {
            token.starts_with(prefix.as_bytes())
                && token[prefix.len()..]
                    .iter()
                    .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-'))
                && token.len() - prefix.len() >= *min
        })
}

fn is_aws_key(token: &[u8]) -> bool {
    token.len() == 20
        && (token.starts_with(b"AKIA") || token.starts_with(b"ASIA"))
        && token[4..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

fn is_jwt(token: &[u8]) -> bool {
    if !token.starts_with(b"eyJ") {
        return false;
    }
    let parts: Vec<&[u8]> = token.split(|&c| c == b'.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            p.len() >= 10
                && p.iter()
                    .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-'))
        })
}

/// A long token mixing upper- and lowercase letters and digits, with high character
/// entropy and no word structure (no run of 9+ lowercase letters).
fn is_generic(token: &[u8]) -> bool {
    if token.len() < GENERIC_MIN_LEN {
        return false;
    }
    let upper = token.iter().any(u8::is_ascii_uppercase);
    let lower = token.iter().any(u8::is_ascii_lowercase);
    let digits = token.iter().filter(|c| c.is_ascii_digit()).count();
    let longest_lower_run = token
        .split(|c| !c.is_ascii_lowercase())
        .map(<[u8]>::len)
        .max()
        .unwrap_or(0);
    upper && lower && digits >= 2 && longest_lower_run < 9 && entropy(token) >= GENERIC_MIN_ENTROPY
}

fn entropy(token: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for &c in token {
        counts[c as usize] += 1;
    }
    let n = token.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| f64::from(c) / n)
        .map(|p| -p * p.log2())
        .sum()
}

fn private_keys(b: &[u8], out: &mut Vec<Span>) {
    const BEGIN: &[u8] = b"-----BEGIN ";
    const END: &[u8] = b"-----END ";
    let mut from = 0;
    while let Some(start) = find_bytes(&b[from..], BEGIN).map(|p| p + from) {
        let header_end =
            find_bytes(&b[start + BEGIN.len()..], b"-----").map(|p| p + start + BEGIN.len());
        let Some(header_end) = header_end else { break };
        if !b[start..header_end].ends_with(b"PRIVATE KEY") {
            from = header_end;
            continue;
        }
        let end = find_bytes(&b[header_end..], END)
            .map(|p| p + header_end + END.len())
            .and_then(|e| find_bytes(&b[e..], b"-----").map(|p| p + e + 5))
            .unwrap_or(b.len());
        out.push(Span {
            start,
            end,
            category: Category::Secret,
        });
        from = end;
    }
}

fn find_bytes(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    (0..haystack.len().saturating_sub(rest.len()))
        .find(|&i| haystack[i] == first && haystack[i + 1..].starts_with(rest))
}

#[cfg(test)]
mod tests;
