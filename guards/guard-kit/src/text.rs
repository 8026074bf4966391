//! Text normalisation for phrase scanning, in one pass over the input: lowercase,
//! hidden characters removed (and counted), Unicode tag characters decoded to the ASCII
//! they smuggle, words split out with apostrophes dropped ("don't" → "dont").

/// Classes of invisible characters used to hide text from people but not from models.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hidden {
    /// Unicode tag characters U+E0000–U+E007F ("ASCII smuggling").
    Tag,
    /// Zero-width characters: U+200B–U+200D, U+2060, U+FEFF.
    ZeroWidth,
    /// Bidirectional controls: U+202A–U+202E, U+2066–U+2069 (and the marks U+200E, U+200F).
    Bidi,
}

impl Hidden {
    /// Snake-case name, as used in settings and findings.
    pub fn name(self) -> &'static str {
        match self {
            Hidden::Tag => "unicode_tag",
            Hidden::ZeroWidth => "zero_width",
            Hidden::Bidi => "bidi_control",
        }
    }
}

/// The hidden class of `c`, if it is one of the invisible characters guards look for.
pub fn hidden_class(c: char) -> Option<Hidden> {
    match c {
        '\u{E0000}'..='\u{E007F}' => Some(Hidden::Tag),
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => Some(Hidden::ZeroWidth),
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' => {
            Some(Hidden::Bidi)
        }
        _ => None,
    }
}

/// How many hidden characters of one class a text holds, and the first one seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HiddenCount {
    /// Number of characters of the class.
    pub count: usize,
    /// The first one seen.
    pub first: Option<char>,
}

impl HiddenCount {
    fn add(&mut self, c: char) {
        self.count += 1;
        self.first.get_or_insert(c);
    }

    /// Evidence such as `U+200B x3`.
    pub fn evidence(&self) -> String {
        let first = self.first.map_or(0, u32::from);
        format!("U+{first:04X} x{}", self.count)
    }
}

/// A text made ready for scanning. Buffers are reused across [`Normalized::reset`].
#[derive(Debug, Default)]
pub struct Normalized {
    /// Lowercased text without hidden characters, tag characters decoded.
    pub lower: String,
    /// The words of `lower` (alphanumeric runs, apostrophes dropped), space-separated.
    pub word_text: String,
    /// Byte ranges of each word in `word_text`.
    pub words: Vec<(usize, usize)>,
    /// Hidden characters by class: tag, zero-width, bidi.
    pub hidden: [HiddenCount; 3],
    /// Byte ranges in the *original* text of base64-looking runs (at least
    /// [`BASE64_MIN_RUN`] characters of `A-Za-z0-9+/=_-`, with upper- and lowercase letters).
    pub base64_runs: Vec<(usize, usize)>,
}

/// Shortest run of base64 alphabet characters recorded in [`Normalized::base64_runs`].
pub const BASE64_MIN_RUN: usize = 20;

impl Normalized {
    /// Normalises `text` into fresh buffers.
    pub fn new(text: &str) -> Self {
        let mut n = Normalized::default();
        n.reset(text);
        n
    }

    /// Normalises `text`, reusing this value's buffers. ASCII runs are copied and
    /// lowercased in bulk and their words appended slice by slice; other characters go
    /// one by one (hidden-character checks, tag decoding, Unicode lowercase).
    pub fn reset(&mut self, text: &str) {
        self.lower.clear();
        self.word_text.clear();
        self.words.clear();
        self.hidden = Default::default();
        self.lower.reserve(text.len());
        self.word_text.reserve(text.len());
        base64_runs(text.as_bytes(), &mut self.base64_runs);
        let bytes = text.as_bytes();
        let mut word_start: Option<usize> = None;
        let mut in_tags = false;
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i].is_ascii() {
                let end = bytes[i..]
                    .iter()
                    .position(|b| !b.is_ascii())
                    .map_or(bytes.len(), |p| p + i);
                if in_tags {
                    in_tags = false;
                    self.end_word(&mut word_start);
                }
                self.push_ascii(&text[i..end], &mut word_start);
                i = end;
                continue;
            }
            let c = text[i..].chars().next().unwrap_or_default();
            i += c.len_utf8();
            let class = hidden_class(c);
            // Smuggled tag text is a separate run of words from the visible text around it.
            if (class == Some(Hidden::Tag)) != in_tags {
                in_tags = !in_tags;
                self.end_word(&mut word_start);
            }
            let c = match class {
                Some(class) => {
                    self.hidden[class as usize].add(c);
                    match decode_tag(c) {
                        Some(ascii) => ascii.to_ascii_lowercase(),
                        None => continue,
                    }
                }
                None => c,
            };
            for lc in c.to_lowercase() {
                self.push_char(lc, &mut word_start);
            }
        }
        self.end_word(&mut word_start);
    }

    /// Appends an all-ASCII run: one copy, in-place lowercase, words appended as slices.
    fn push_ascii(&mut self, run: &str, word_start: &mut Option<usize>) {
        let from = self.lower.len();
        self.lower.push_str(run);
        self.lower[from..].make_ascii_lowercase();
        let mut segment: Option<usize> = None;
        for (j, &b) in self.lower.as_bytes()[from..].iter().enumerate() {
            let j = from + j;
            if b.is_ascii_alphanumeric() {
                if word_start.is_none() {
                    if !self.word_text.is_empty() {
                        self.word_text.push(' ');
                    }
                    *word_start = Some(self.word_text.len());
                }
                segment.get_or_insert(j);
                continue;
            }
            if let Some(seg) = segment.take() {
                self.word_text.push_str(&self.lower[seg..j]);
            }
            if !(b == b'\'' && word_start.is_some())
                && let Some(start) = word_start.take()
            {
                self.words.push((start, self.word_text.len()));
            }
        }
        if let Some(seg) = segment {
            self.word_text.push_str(&self.lower[seg..]);
        }
    }

    fn push_char(&mut self, c: char, word_start: &mut Option<usize>) {
        self.lower.push(c);
        if c.is_alphanumeric() {
            if word_start.is_none() {
                if !self.word_text.is_empty() {
                    self.word_text.push(' ');
                }
                *word_start = Some(self.word_text.len());
            }
            self.word_text.push(c);
        } else if !(is_apostrophe(c) && word_start.is_some()) {
            self.end_word(word_start);
        }
    }

    fn end_word(&mut self, word_start: &mut Option<usize>) {
        if let Some(start) = word_start.take() {
            self.words.push((start, self.word_text.len()));
        }
    }

    /// The `i`-th word.
    pub fn word(&self, i: usize) -> &str {
        let (start, end) = self.words[i];
        &self.word_text[start..end]
    }

    /// Words `from..to` as they appear in `word_text`.
    pub fn words_between(&self, from: usize, to: usize) -> &str {
        if from >= to {
            return "";
        }
        &self.word_text[self.words[from].0..self.words[to - 1].1]
    }

    /// Whether the text held any hidden characters.
    pub fn has_hidden(&self) -> bool {
        self.hidden.iter().any(|h| h.count > 0)
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}')
}

/// The ASCII character a tag character stands for (U+E0020–U+E007E → ' '..'~').
fn decode_tag(c: char) -> Option<char> {
    let cp = u32::from(c);
    if (0xE0020..=0xE007E).contains(&cp) {
        char::from_u32(cp - 0xE0000)
    } else {
        None
    }
}

/// Records the runs of base64-alphabet bytes that are long enough and mix cases.
fn base64_runs(bytes: &[u8], runs: &mut Vec<(usize, usize)>) {
    runs.clear();
    let alphabet =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'_' | b'-');
    let mut i = 0;
    while i < bytes.len() {
        if !alphabet(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let (mut upper, mut lower) = (false, false);
        while i < bytes.len() && alphabet(bytes[i]) {
            upper |= bytes[i].is_ascii_uppercase();
            lower |= bytes[i].is_ascii_lowercase();
            i += 1;
        }
        if i - start >= BASE64_MIN_RUN && upper && lower {
            runs.push((start, i));
        }
    }
}

/// Decodes standard or URL-safe base64 (padding optional). `None` if `s` is not base64.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_splits_words_and_drops_apostrophes() {
        let n = Normalized::new("Don't TELL the_user!  Ignore");
        let words: Vec<&str> = (0..n.words.len()).map(|i| n.word(i)).collect();
        assert_eq!(words, ["dont", "tell", "the", "user", "ignore"]);
        assert_eq!(n.lower, "don't tell the_user!  ignore");
        assert_eq!(n.words_between(1, 4), "tell the user");
    }

    #[test]
    fn removes_and_counts_hidden_characters() {
        let n = Normalized::new("ig\u{200B}nore pre\u{202E}vious");
        assert_eq!(n.word(0), "ignore");
        assert_eq!(n.word(1), "previous");
        assert_eq!(n.hidden[Hidden::ZeroWidth as usize].count, 1);
        assert_eq!(n.hidden[Hidden::Bidi as usize].evidence(), "U+202E x1");
    }

    #[test]
    fn decodes_tag_characters() {
        let smuggled: String = "Hi"
            .chars()
            .map(|c| char::from_u32(0xE0000 + c as u32).unwrap())
            .collect();
        let n = Normalized::new(&format!("ok{smuggled}"));
        assert_eq!(n.lower, "okhi");
        assert_eq!(n.word_text, "ok hi");
        assert_eq!(n.hidden[Hidden::Tag as usize].count, 2);
    }

    #[test]
    fn finds_base64_runs_and_decodes_them() {
        let text = "see aWdub3JlIHByZXZpb3VzIGluc3RydWN0aW9ucw== end";
        let n = Normalized::new(text);
        assert_eq!(n.base64_runs.len(), 1);
        let (a, b) = n.base64_runs[0];
        let decoded = decode_base64(&text[a..b]).unwrap();
        assert_eq!(
            String::from_utf8(decoded).unwrap(),
            "ignore previous instructions"
        );
        assert!(decode_base64("not base64!").is_none());
    }
}
