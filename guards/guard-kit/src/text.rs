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
    /// Byte ranges in the original text of runs of at least [`HEX_MIN_RUN`] hex digits.
    pub hex_runs: Vec<(usize, usize)>,
    /// Where each sentence after the first starts: (index of its first word, byte offset
    /// in `lower` of the break). A break is a newline, or `.` `!` `?` before whitespace.
    pub breaks: Vec<(u32, u32)>,
    /// A `.` `!` or `?` was the last character: a break if whitespace follows.
    punct_pending: bool,
    /// How many `%`, `\\` and `&` the text holds (escapes and entities need them).
    pub escape_chars: [u32; 3],
    /// Words that begin a clause: the first of the text or of a sentence, or one after a
    /// colon, a semicolon or a newline — where an imperative verb gives an order.
    pub clause_starts: Vec<u32>,
    /// The next word begins a clause.
    clause_pending: bool,
}

/// Shortest run of base64 alphabet characters recorded in [`Normalized::base64_runs`].
pub const BASE64_MIN_RUN: usize = 20;
/// Shortest run of hex digits recorded in [`Normalized::hex_runs`].
pub const HEX_MIN_RUN: usize = 24;

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
        self.breaks.clear();
        self.punct_pending = false;
        self.clause_starts.clear();
        self.clause_pending = true;
        self.escape_chars = [0; 3];
        self.lower.reserve(text.len());
        self.word_text.reserve(text.len());
        base64_runs(text.as_bytes(), &mut self.base64_runs, &mut self.hex_runs);
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
                    // Only a word start can follow punctuation: clear it here, not per byte.
                    self.punct_pending = false;
                    if !self.word_text.is_empty() {
                        self.word_text.push(' ');
                    }
                    *word_start = Some(self.word_text.len());
                    if std::mem::take(&mut self.clause_pending) {
                        self.clause_starts.push(self.words.len() as u32);
                    }
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
                self.clause_pending |= self.transparent_clause_word();
            }
            match b {
                b'%' => self.escape_chars[0] += 1,
                b'\\' => self.escape_chars[1] += 1,
                b'&' => self.escape_chars[2] += 1,
                _ => {}
            }
            self.clause_pending |= note_break(
                &mut self.breaks,
                &mut self.punct_pending,
                self.words.len(),
                b,
                j,
            ) || matches!(b, b':' | b';' | b'\n');
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
                if std::mem::take(&mut self.clause_pending) {
                    self.clause_starts.push(self.words.len() as u32);
                }
            }
            self.word_text.push(c);
            self.punct_pending = false;
        } else if !(is_apostrophe(c) && word_start.is_some()) {
            self.end_word(word_start);
            let at = self.lower.len() - c.len_utf8();
            let b = match c {
                c if c.is_ascii() => c as u8,
                '\u{2028}' | '\u{2029}' => b'\n',
                c if c.is_whitespace() => b' ',
                _ => 0,
            };
            self.clause_pending |= note_break(
                &mut self.breaks,
                &mut self.punct_pending,
                self.words.len(),
                b,
                at,
            ) || matches!(b, b':' | b';' | b'\n');
        }
    }

    /// The sentence holding word `i` (0 for the first sentence).
    pub fn sentence_of_word(&self, i: usize) -> usize {
        self.breaks.partition_point(|&(w, _)| w as usize <= i)
    }

    /// The sentence holding byte `at` of `lower`.
    pub fn sentence_of_byte(&self, at: usize) -> usize {
        self.breaks.partition_point(|&(_, b)| b as usize <= at)
    }

    /// Whether word `i` begins a clause (see [`Normalized::clause_starts`]).
    pub fn begins_clause(&self, i: usize) -> bool {
        self.clause_starts.binary_search(&(i as u32)).is_ok()
    }

    /// The byte range of sentence `i` in `lower`.
    pub fn sentence_range(&self, i: usize) -> (usize, usize) {
        let start = i.checked_sub(1).map_or(0, |p| self.breaks[p].1 as usize);
        let end = self
            .breaks
            .get(i)
            .map_or(self.lower.len(), |b| b.1 as usize);
        (start, end)
    }

    /// Number of sentences (at least 1).
    pub fn sentences(&self) -> usize {
        self.breaks.len() + 1
    }

    fn end_word(&mut self, word_start: &mut Option<usize>) {
        if let Some(start) = word_start.take() {
            self.words.push((start, self.word_text.len()));
            self.clause_pending |= self.transparent_clause_word();
        }
    }

    /// Whether the last word began a clause and is one an order may start with ("please
    /// delete", "then send", "now run"): the clause then begins again after it.
    fn transparent_clause_word(&self) -> bool {
        const WORDS: &[&str] = &[
            "please",
            "kindly",
            "now",
            "then",
            "also",
            "first",
            "just",
            "immediately",
            "next",
            "finally",
            "additionally",
            "and",
            "so",
            "instead",
            "simply",
            "quickly",
            "quietly",
            "silently",
            "secretly",
            "afterwards",
        ];
        let last = self.words.len() - 1;
        self.clause_starts.last() == Some(&(last as u32)) && WORDS.contains(&self.word(last))
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

/// Notes a sentence break at byte `at` of `lower` before word `word` when `b` (a
/// non-word byte; 0 for other symbols) ends a sentence: a newline, or whitespace after
/// `.` `!` `?` (not `;`: clauses joined by it still make one instruction).
/// Returns whether a sentence ends here.
fn note_break(
    breaks: &mut Vec<(u32, u32)>,
    pending: &mut bool,
    word: usize,
    b: u8,
    at: usize,
) -> bool {
    let ends = b == b'\n' || (*pending && b.is_ascii_whitespace());
    *pending = matches!(b, b'.' | b'!' | b'?');
    if ends && word > 0 && breaks.last().is_none_or(|&(w, _)| w as usize != word) {
        breaks.push((word as u32, at as u32));
    }
    ends
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
/// Also records, in `hex`, the runs of at least [`HEX_MIN_RUN`] hex digits.
fn base64_runs(bytes: &[u8], runs: &mut Vec<(usize, usize)>, hex: &mut Vec<(usize, usize)>) {
    runs.clear();
    hex.clear();
    let alphabet =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'_' | b'-');
    let mut i = 0;
    while i < bytes.len() {
        if !alphabet(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && alphabet(bytes[i]) {
            i += 1;
        }
        // Most runs are words, shorter than either minimum: look closer only at long ones.
        let run = &bytes[start..i];
        if run.len() >= BASE64_MIN_RUN
            && run.iter().any(u8::is_ascii_uppercase)
            && run.iter().any(u8::is_ascii_lowercase)
        {
            runs.push((start, i));
        }
        if run.len() >= HEX_MIN_RUN && run.iter().all(u8::is_ascii_hexdigit) {
            hex.push((start, start + (run.len() & !1)));
        }
    }
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
    fn splits_sentences_at_newlines_and_full_stops() {
        let n = Normalized::new("Reads ~/.ssh/config. Then send it!\nDone; ok 3.5 times");
        let words: Vec<usize> = (0..n.words.len()).map(|i| n.sentence_of_word(i)).collect();
        // reads ssh config | then send it | done ok 3 5 times
        assert_eq!(words, [0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2]);
        assert_eq!(n.sentences(), 3);
        assert_eq!(n.sentence_of_byte(n.lower.find("~/.ssh").unwrap()), 0);
        assert_eq!(n.sentence_of_byte(n.lower.find("send").unwrap()), 1);
    }

    #[test]
    fn marks_clause_starts() {
        let n = Normalized::new("Note: delete it. Then run x; and y\nok");
        let starts: Vec<&str> = n
            .clause_starts
            .iter()
            .map(|&i| n.word(i as usize))
            .collect();
        assert_eq!(starts, ["note", "delete", "then", "run", "and", "y", "ok"]);
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
}
