//! The pattern syntax of [`super`]: checking, parsing and matching one pattern.

/// FNV-1a: cheap and good enough for a few thousand short words.
pub(super) fn hash(word: &str) -> u32 {
    word.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// A parsed slot; words are byte ranges in the pattern text.
#[derive(Clone, Debug)]
pub(super) enum Slot {
    Gap(usize),
    Words {
        alts: Vec<Vec<(u16, u16)>>,
        optional: bool,
    },
}

/// The bit of a word in a [`super::Start::next`] set; all ones for a prefix (`word*`).
pub(super) fn word_bit(word: &str) -> u64 {
    if word.ends_with('*') {
        u64::MAX
    } else {
        1 << (hash(word) % 64)
    }
}

/// The set of words that may come first in `slots` (pattern text): the first words of
/// the first slot's alternatives, or all ones if it is a gap, optional, or absent.
pub(super) fn next_words(slots: &str) -> u64 {
    let Some((token, _)) = next_token(slots) else {
        return u64::MAX;
    };
    if token.starts_with('~') || token.ends_with('?') {
        return u64::MAX;
    }
    let inner = token.trim_start_matches('(').trim_end_matches(')');
    inner
        .split('|')
        .map(|alt| word_bit(alt.split(' ').next().unwrap_or("")))
        .fold(0, |a, b| a | b)
}

/// The first slot of `pattern` (split at a space outside parentheses) and the rest.
pub(super) fn next_token(pattern: &str) -> Option<(&str, &str)> {
    let pattern = pattern.trim_start_matches(' ');
    if pattern.is_empty() {
        return None;
    }
    // Bytes, not chars: the delimiters are ASCII, so any split is on a char boundary.
    let bytes = pattern.as_bytes();
    let end = if bytes[0] == b'(' {
        // A group ends at its `)`; the slot may go on with `?`.
        let close = bytes
            .iter()
            .position(|&b| b == b')')
            .unwrap_or(bytes.len() - 1);
        close
            + bytes[close..]
                .iter()
                .position(|&b| b == b' ')
                .unwrap_or(bytes.len() - close)
    } else {
        bytes.iter().position(|&b| b == b' ').unwrap_or(bytes.len())
    };
    Some((&pattern[..end], pattern.get(end + 1..).unwrap_or("")))
}

/// Checks a pattern against the syntax in the docs of [`super`].
pub fn validate(pattern: &str) -> Result<(), String> {
    let mut rest = pattern;
    let mut first = true;
    let mut depth = 0i32;
    for c in pattern.chars() {
        depth += match c {
            '(' => 1,
            ')' => -1,
            _ => 0,
        };
        if !(0..=1).contains(&depth) {
            return Err("unbalanced or nested parentheses".into());
        }
    }
    if depth != 0 {
        return Err("unbalanced (".into());
    }
    while let Some((token, tail)) = next_token(rest) {
        rest = tail;
        if let Some(n) = token.strip_prefix('~') {
            n.parse::<usize>()
                .map_err(|_| format!("bad gap {token:?}"))?;
            if first {
                return Err("the first slot must be words".into());
            }
            first = false;
            continue;
        }
        let (body, optional) = match token.strip_suffix('?') {
            Some(body) => (body, true),
            None => (token, false),
        };
        let inner = match body.strip_prefix('(') {
            Some(b) => b
                .strip_suffix(')')
                .ok_or_else(|| format!("bad slot {token:?}"))?,
            None => body,
        };
        for alt in inner.split('|') {
            let words: Vec<&str> = alt.split(' ').collect();
            if words
                .iter()
                .any(|w| w.is_empty() || w.contains(['(', ')', '~', '?']))
            {
                return Err(format!("bad slot {token:?}"));
            }
            if first && words[0].ends_with('*') {
                return Err("the first slot's first words must be literal".into());
            }
        }
        if first && optional {
            return Err("the first slot must be required".into());
        }
        first = false;
    }
    if first {
        return Err("empty pattern".into());
    }
    Ok(())
}

fn word_matches(pattern_word: &str, word: &str) -> bool {
    match pattern_word.strip_suffix('*') {
        Some(prefix) => word.starts_with(prefix),
        None => pattern_word == word,
    }
}

/// Matches the words of one alternative at `words[at..]`; returns the index after it.
pub(super) fn match_alt(alt: &str, words: &[&str], at: usize) -> Option<usize> {
    let mut i = at;
    for pattern_word in alt.split(' ') {
        if !word_matches(pattern_word, words.get(i)?) {
            return None;
        }
        i += 1;
    }
    Some(i)
}

/// Parses the slots of `pattern` from byte `from` on (a validated pattern).
pub(super) fn parse_slots(pattern: &str, from: usize) -> Vec<Slot> {
    let offset = |part: &str| (part.as_ptr() as usize - pattern.as_ptr() as usize) as u16;
    let mut slots = Vec::new();
    let mut rest = &pattern[from..];
    while let Some((token, tail)) = next_token(rest) {
        rest = tail;
        if let Some(n) = token.strip_prefix('~') {
            slots.push(Slot::Gap(n.parse().unwrap_or(0)));
            continue;
        }
        let (body, optional) = match token.strip_suffix('?') {
            Some(body) => (body, true),
            None => (token, false),
        };
        let inner = body
            .strip_prefix('(')
            .and_then(|b| b.strip_suffix(')'))
            .unwrap_or(body);
        let alts = inner
            .split('|')
            .map(|alt| {
                alt.split(' ')
                    .map(|w| (offset(w), offset(w) + w.len() as u16))
                    .collect()
            })
            .collect();
        slots.push(Slot::Words { alts, optional });
    }
    slots
}

/// Matches parsed `slots` of `pattern` against `words[at..]`; returns the end index.
pub(super) fn match_slots(
    pattern: &str,
    slots: &[Slot],
    words: &[&str],
    at: usize,
) -> Option<usize> {
    let Some((slot, rest)) = slots.split_first() else {
        return Some(at);
    };
    match slot {
        Slot::Gap(n) => (0..=*n)
            .take_while(|k| at + k <= words.len())
            .find_map(|k| match_slots(pattern, rest, words, at + k)),
        Slot::Words { alts, optional } => {
            for alt in alts {
                let fits = words.get(at..at + alt.len()).is_some_and(|found| {
                    alt.iter()
                        .zip(found)
                        .all(|(&(a, b), w)| word_matches(&pattern[a as usize..b as usize], w))
                });
                if fits && let Some(end) = match_slots(pattern, rest, words, at + alt.len()) {
                    return Some(end);
                }
            }
            if *optional {
                match_slots(pattern, rest, words, at)
            } else {
                None
            }
        }
    }
}
