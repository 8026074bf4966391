//! One layer of a [`RuleSet`](super::RuleSet): rules with their indexes, either borrowed
//! from a [`Prebuilt`] or built on the first scan after a change.

use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use std::fmt::Write as _;

use super::pattern::{Slot, hash, match_slots, next_token, next_words, parse_slots, word_bit};
use super::{Prebuilt, Text};

/// Where a pattern can start: one alternative of its first slot. Public only for the
/// source [`RuleSet::to_rust`](super::RuleSet::to_rust) writes.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Start {
    pub pattern: u32,
    /// Byte range of the alternative in the pattern text.
    pub alt: (u16, u16),
    /// Length of the alternative's first word.
    pub first_len: u16,
    /// Byte offset in the pattern text where the slots after the first begin.
    pub rest: u16,
    /// Bits (`hash % 64`) of the words that may follow the alternative's first word: its
    /// second word's, or for one word those that may follow the first slot; all ones
    /// when any may (a prefix, a gap, an optional slot, the end).
    pub next: u64,
    /// Hash of the first word.
    pub hash: u32,
}

/// Starts grouped by the hash of their first word (a counting sort, no comparisons).
#[derive(Debug)]
pub(super) struct StartIndex {
    /// `buckets[h]..buckets[h + 1]` is the range of `starts` whose first word hashes to `h`.
    pub(super) buckets: Cow<'static, [u32]>,
    pub(super) starts: Cow<'static, [Start]>,
    pub(super) mask: u32,
}

impl StartIndex {
    /// The starts whose first word's hash has the same bucket as `hash`.
    pub(super) fn bucket(&self, hash: u32) -> &[Start] {
        let b = (hash & self.mask) as usize;
        &self.starts[self.buckets[b] as usize..self.buckets[b + 1] as usize]
    }
}

/// Markers grouped by their first two bytes.
#[derive(Debug)]
pub(super) struct MarkerIndex {
    /// `by_pair[k]..by_pair[k + 1]` is the range of `order` whose first two bytes have
    /// key `k` ([`pair_key`]); there are [`pair_buckets`] keys.
    pub(super) by_pair: Cow<'static, [u32]>,
    /// Marker indices.
    pub(super) order: Cow<'static, [u32]>,
    /// Single-byte markers.
    pub(super) single: Cow<'static, [u32]>,
    /// One bit per two-byte prefix (`a << 8 | b`) that some marker starts with.
    pub(super) pairs: Cow<'static, [u64]>,
}

impl MarkerIndex {
    /// The markers of two bytes or more that may start with `a`, `b` (none if no marker does).
    pub(super) fn pair(&self, a: u8, b: u8) -> &[u32] {
        let p = usize::from(a) << 8 | usize::from(b);
        if self.pairs[p >> 6] & (1 << (p & 63)) == 0 {
            return &[];
        }
        let k = pair_key(a, b, self.by_pair.len() - 1);
        &self.order[self.by_pair[k] as usize..self.by_pair[k + 1] as usize]
    }
}

/// Buckets of the index of `markers` markers: a power of two, few enough that the index
/// of a phrase or two from settings is cheap to build.
fn pair_buckets(markers: usize) -> usize {
    (markers * 8).next_power_of_two().clamp(16, 4096)
}

fn pair_key(a: u8, b: u8, buckets: usize) -> usize {
    (usize::from(a) * 31 + usize::from(b) * 7 + (usize::from(a) << 5)) & (buckets - 1)
}

/// Rules, each tagged with a category, and their indexes.
#[derive(Debug, Default)]
pub(super) struct Layer {
    /// (category, pattern text).
    pub(super) patterns: Cow<'static, [(usize, Text)]>,
    /// (category, lowercase marker).
    pub(super) markers: Cow<'static, [(usize, Text)]>,
    starts: OnceCell<StartIndex>,
    marker_index: OnceCell<MarkerIndex>,
    /// Per pattern, the slots after the first, parsed the first time it is a candidate;
    /// empty until then, so a scan that meets no candidate allocates nothing for them.
    slots: RefCell<Vec<Option<Box<[Slot]>>>>,
}

impl Layer {
    /// The layer `tables` hold, indexed already.
    pub(super) fn prebuilt(tables: &'static Prebuilt) -> Self {
        Layer {
            patterns: Cow::Borrowed(tables.patterns),
            markers: Cow::Borrowed(tables.markers),
            starts: OnceCell::from(StartIndex {
                buckets: Cow::Borrowed(tables.buckets),
                starts: Cow::Borrowed(tables.starts),
                mask: tables.mask,
            }),
            marker_index: OnceCell::from(MarkerIndex {
                by_pair: Cow::Borrowed(tables.by_pair),
                order: Cow::Borrowed(tables.order),
                single: Cow::Borrowed(tables.single),
                pairs: Cow::Borrowed(tables.pairs),
            }),
            slots: RefCell::default(),
        }
    }

    /// The rules of `layers`, in order, not indexed yet.
    pub(super) fn concat(layers: &[&Layer]) -> Self {
        Layer {
            patterns: layers
                .iter()
                .flat_map(|l| l.patterns.iter().cloned())
                .collect(),
            markers: layers
                .iter()
                .flat_map(|l| l.markers.iter().cloned())
                .collect(),
            ..Layer::default()
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.patterns.is_empty() && self.markers.is_empty()
    }

    pub(super) fn push_pattern(&mut self, category: usize, pattern: Text) {
        self.patterns.to_mut().push((category, pattern));
        self.invalidate();
    }

    pub(super) fn push_marker(&mut self, category: usize, marker: Text) {
        self.markers.to_mut().push((category, marker));
        self.invalidate();
    }

    fn invalidate(&mut self) {
        self.starts = OnceCell::new();
        self.marker_index = OnceCell::new();
        self.slots.get_mut().clear();
    }

    pub(super) fn start_index(&self) -> &StartIndex {
        self.starts.get_or_init(|| {
            let mut starts = Vec::new();
            for (p, (_, pattern)) in self.patterns.iter().enumerate() {
                let (first, rest) = next_token(pattern).unwrap_or(("", ""));
                let rest = (pattern.len() - rest.len()) as u16;
                let body = first.trim_start_matches('(').trim_end_matches(')');
                let mut offset = pattern.len() - pattern.trim_start_matches('(').len();
                let after = next_words(&pattern[rest as usize..]);
                for alt in body.split('|') {
                    let space = alt.find(' ');
                    let first_len = space.unwrap_or(alt.len());
                    let span = (offset as u16, (offset + alt.len()) as u16);
                    let next = space.map_or(after, |at| {
                        word_bit(alt[at + 1..].split(' ').next().unwrap_or(""))
                    });
                    starts.push(Start {
                        pattern: p as u32,
                        alt: span,
                        first_len: first_len as u16,
                        rest,
                        next,
                        hash: hash(&alt[..first_len]),
                    });
                    offset += alt.len() + 1;
                }
            }
            let size = (starts.len() * 2).next_power_of_two().max(16);
            let mask = size as u32 - 1;
            let bucket_of = |s: &Start| s.hash & mask;
            let mut buckets = vec![0u32; size + 1];
            for s in &starts {
                buckets[bucket_of(s) as usize + 1] += 1;
            }
            for i in 1..buckets.len() {
                buckets[i] += buckets[i - 1];
            }
            let mut next = buckets.clone();
            let mut placed = starts.clone();
            for s in &starts {
                let b = bucket_of(s) as usize;
                placed[next[b] as usize] = *s;
                next[b] += 1;
            }
            StartIndex {
                buckets: buckets.into(),
                starts: placed.into(),
                mask,
            }
        })
    }

    pub(super) fn marker_index(&self) -> &MarkerIndex {
        self.marker_index.get_or_init(|| {
            let buckets = pair_buckets(self.markers.len());
            let key = |m: &str| {
                m.len()
                    .gt(&1)
                    .then(|| pair_key(m.as_bytes()[0], m.as_bytes()[1], buckets))
            };
            let mut by_pair = vec![0u32; buckets + 1];
            let mut single = Vec::new();
            for (i, (_, m)) in self.markers.iter().enumerate() {
                match key(m) {
                    Some(k) => by_pair[k + 1] += 1,
                    None => single.push(i as u32),
                }
            }
            for i in 1..by_pair.len() {
                by_pair[i] += by_pair[i - 1];
            }
            let mut pairs = vec![0u64; 1024];
            for (_, m) in self.markers.iter() {
                if let [a, b, ..] = m.as_bytes() {
                    let p = usize::from(*a) << 8 | usize::from(*b);
                    pairs[p >> 6] |= 1 << (p & 63);
                }
            }
            let mut next = by_pair.clone();
            let mut order = vec![0u32; self.markers.len() - single.len()];
            for (i, (_, m)) in self.markers.iter().enumerate() {
                if let Some(k) = key(m) {
                    order[next[k] as usize] = i as u32;
                    next[k] += 1;
                }
            }
            MarkerIndex {
                by_pair: by_pair.into(),
                order: order.into(),
                single: single.into(),
                pairs: pairs.into(),
            }
        })
    }

    /// Matches the slots after `start`'s first slot at `words[at..]`, parsing them the
    /// first time; returns the end index.
    pub(super) fn match_rest(&self, start: &Start, words: &[&str], at: usize) -> Option<usize> {
        let pattern = &self.patterns[start.pattern as usize].1;
        let mut slots = self.slots.borrow_mut();
        if slots.is_empty() {
            // `None` is all zeros, so this is one zeroed allocation, not a loop.
            *slots = vec![None; self.patterns.len()];
        }
        let rest = slots[start.pattern as usize]
            .get_or_insert_with(|| parse_slots(pattern, start.rest as usize).into());
        match_slots(pattern, rest, words, at)
    }

    /// A Rust expression of type [`Prebuilt`] for this layer, with its indexes.
    pub(super) fn to_rust(&self) -> String {
        let index = self.start_index();
        let markers = self.marker_index();
        let mut out = String::from("guard_kit::rules::Prebuilt {\n");
        for (name, rules) in [("patterns", &self.patterns), ("markers", &self.markers)] {
            let _ = writeln!(out, "    {name}: &[");
            for (category, text) in rules.iter() {
                let _ = writeln!(
                    out,
                    "        ({category}, ::std::borrow::Cow::Borrowed({text:?})),"
                );
            }
            let _ = writeln!(out, "    ],");
        }
        let _ = writeln!(out, "    buckets: &{:?},", index.buckets);
        let _ = writeln!(out, "    starts: &[");
        for s in index.starts.iter() {
            let _ = writeln!(
                out,
                "        guard_kit::rules::Start {{ pattern: {}, alt: ({}, {}), first_len: {}, \
                 rest: {}, next: {:#x}, hash: {:#x} }},",
                s.pattern, s.alt.0, s.alt.1, s.first_len, s.rest, s.next, s.hash
            );
        }
        let _ = writeln!(out, "    ],");
        let _ = writeln!(out, "    mask: {},", index.mask);
        let _ = writeln!(out, "    by_pair: &{:?},", markers.by_pair);
        let _ = writeln!(out, "    order: &{:?},", markers.order);
        let _ = writeln!(out, "    single: &{:?},", markers.single);
        let _ = writeln!(out, "    pairs: &{:?},", markers.pairs);
        out.push_str("}\n");
        out
    }
}
