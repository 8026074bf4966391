//! Findings from signals that occur together.
//!
//! A single word says little: benign tool descriptions say "must", "before", "read",
//! "send" and name files and URLs. What marks an attack is a *combination* in one
//! sentence — an imperative verb, aimed at a sensitive object, with a destination or a
//! pretext. Rules ([`crate::rules`]) tag **features** (at most 64 per catalog); a
//! [`Combo`] turns features seen together into a finding category.

use crate::find;
use crate::text::Normalized;

/// A set of features, one bit each.
pub type Features = u64;

/// The bit of feature `f`.
pub const fn bit(f: usize) -> Features {
    1 << f
}

/// The bits of several features.
pub const fn bits(features: &[usize]) -> Features {
    let mut out = 0;
    let mut i = 0;
    while i < features.len() {
        out |= 1 << features[i];
        i += 1;
    }
    out
}

/// Where a combination's features must occur together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// In one sentence.
    Sentence,
    /// Anywhere in one text (one string of the payload).
    Text,
}

/// A finding `category` when, within one scope, every group has at least one of its
/// features and no feature of `unless` occurs.
#[derive(Clone, Copy, Debug)]
pub struct Combo {
    /// The category it reports.
    pub category: usize,
    /// Each group is a set of alternatives; all groups are required.
    pub groups: &'static [Features],
    /// Features that cancel the combination (in the same scope).
    pub unless: Features,
    /// Sentence or whole text.
    pub scope: Scope,
}

impl Combo {
    /// A combination of `groups` in one sentence.
    pub const fn sentence(category: usize, groups: &'static [Features]) -> Self {
        Combo {
            category,
            groups,
            unless: 0,
            scope: Scope::Sentence,
        }
    }

    /// A combination of `groups` anywhere in one text.
    pub const fn text(category: usize, groups: &'static [Features]) -> Self {
        Combo {
            category,
            groups,
            unless: 0,
            scope: Scope::Text,
        }
    }

    /// The same combination, cancelled by any of `unless`.
    pub const fn unless(self, unless: Features) -> Self {
        Combo { unless, ..self }
    }

    fn matches(&self, mask: Features) -> bool {
        mask & self.unless == 0 && self.groups.iter().all(|g| mask & g != 0)
    }
}

/// The features seen in each sentence of one text, with the evidence of the first
/// sighting of each feature per sentence. Reuse it across texts ([`Sightings::clear`]).
#[derive(Debug, Default)]
pub struct Sightings {
    masks: Vec<Features>,
    /// (sentence, feature, evidence).
    evidence: Vec<(usize, usize, String)>,
}

impl Sightings {
    /// Forgets everything seen.
    pub fn clear(&mut self) {
        self.masks.clear();
        self.evidence.clear();
    }

    /// Records feature `feature` in `sentence`.
    pub fn add(&mut self, sentence: usize, feature: usize, evidence: &str) {
        if self.masks.len() <= sentence {
            self.masks.resize(sentence + 1, 0);
        }
        if self.masks[sentence] & bit(feature) == 0 {
            self.masks[sentence] |= bit(feature);
            self.evidence
                .push((sentence, feature, evidence.to_string()));
        }
    }

    /// In each sentence holding any of `context`, replaces the features in `demoted` by
    /// the feature `into` (a phrase quoted in an article about injections is not an order).
    pub fn demote(&mut self, context: Features, demoted: Features, into: usize) {
        for mask in &mut self.masks {
            if *mask & context != 0 && *mask & demoted != 0 {
                *mask = (*mask & !demoted) | bit(into);
            }
        }
    }

    /// The features seen in `sentence`.
    pub fn mask(&self, sentence: usize) -> Features {
        self.masks.get(sentence).copied().unwrap_or(0)
    }

    /// Every feature seen anywhere.
    pub fn all(&self) -> Features {
        self.masks.iter().fold(0, |a, m| a | m)
    }

    /// The evidence for `group` in `sentence` (or, failing that, in an earlier sentence,
    /// for sticky features), or anywhere when `sentence` is `None`.
    fn evidence_of(&self, sentence: Option<usize>, group: Features) -> &str {
        let in_group = |f: usize| group & bit(f) != 0;
        let found = match sentence {
            None => self.evidence.iter().find(|(_, f, _)| in_group(*f)),
            Some(want) => self
                .evidence
                .iter()
                .find(|(s, f, _)| *s == want && in_group(*f))
                .or_else(|| {
                    self.evidence
                        .iter()
                        .find(|(s, f, _)| *s < want && in_group(*f))
                }),
        };
        found.map_or("", |(_, _, e)| e.as_str())
    }

    /// Calls `on_match(category, evidence)` once for each combination that matches,
    /// in `combos` order; the evidence joins one sighting per group with ` + `.
    ///
    /// Features in `sticky` hold from the sentence they occur in to the end of the text:
    /// after "Note to the assistant:" or `<system>`, every sentence is addressed to the
    /// model.
    pub fn combine(
        &self,
        combos: &[Combo],
        sticky: Features,
        on_match: &mut dyn FnMut(usize, String),
    ) {
        let all = self.all();
        let mut carried = 0;
        let masks: Vec<Features> = self
            .masks
            .iter()
            .map(|&m| {
                carried |= m & sticky;
                m | carried
            })
            .collect();
        for combo in combos {
            let sentence = match combo.scope {
                Scope::Text if combo.matches(all) => None,
                Scope::Text => continue,
                Scope::Sentence => match masks.iter().position(|&m| combo.matches(m)) {
                    Some(s) => Some(s),
                    None => continue,
                },
            };
            let mut evidence = String::new();
            for group in combo.groups {
                let found = self.evidence_of(sentence, *group);
                if !evidence.is_empty() && !found.is_empty() {
                    evidence.push_str(" + ");
                }
                evidence.push_str(found);
            }
            on_match(combo.category, evidence);
        }
    }
}

/// Feature ids under which [`add_addresses`] records what it finds.
#[derive(Clone, Copy, Debug)]
pub struct AddressFeatures {
    /// An e-mail address or an account number (IBAN-like): where data or money goes.
    pub email: usize,
    /// An IPv4 address or a bare domain name.
    pub host: usize,
    /// A snake_case identifier (a tool or function name).
    pub ident: usize,
    /// An identifier named as a tool: "the `send_money` tool", "delete_repo function".
    pub named_tool: usize,
}

/// Records e-mail addresses, hosts and identifiers, in the sentences that have one of
/// the features in `needs` (the verbs the combinations using them require): the scans
/// cost as much as normalising, and most sentences of a long text need none of them.
pub fn add_addresses(
    norm: &Normalized,
    sightings: &mut Sightings,
    needs: Features,
    ids: AddressFeatures,
) {
    for sentence in 0..norm.sentences() {
        if sightings.mask(sentence) & needs == 0 {
            continue;
        }
        let (from, to) = norm.sentence_range(sentence);
        let part = &norm.lower[from..to];
        for _ in find::email_addresses(part) {
            sightings.add(sentence, ids.email, "an e-mail address");
        }
        for _ in find::account_numbers(part) {
            sightings.add(sentence, ids.email, "an account number");
        }
        for _ in find::ipv4_addresses(part).chain(find::bare_domains(part)) {
            sightings.add(sentence, ids.host, "a host name");
        }
        for (a, b) in find::snake_identifiers(part) {
            sightings.add(sentence, ids.ident, &part[a..b]);
            let after = part[b..].trim_start_matches(['`', '"', '\'', '*']);
            let tool = [
                "tool", "function", "action", "command", "endpoint", "method",
            ]
            .iter()
            .any(|w| {
                after
                    .strip_prefix(' ')
                    .is_some_and(|rest| rest.starts_with(w))
            });
            if tool {
                sightings.add(sentence, ids.named_tool, &part[a..b]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const READ: usize = 0;
    const SECRET: usize = 1;
    const URL: usize = 2;
    const THIS: usize = 3;
    const COMBOS: &[Combo] = &[
        Combo::sentence(7, &[bit(READ), bits(&[SECRET, URL])]).unless(bit(THIS)),
        Combo::text(8, &[bit(READ), bit(URL)]),
    ];

    fn run(seen: &[(usize, usize, &str)]) -> Vec<(usize, String)> {
        let mut s = Sightings::default();
        for (sentence, feature, evidence) in seen {
            s.add(*sentence, *feature, evidence);
        }
        let mut out = Vec::new();
        s.combine(COMBOS, bit(URL), &mut |c, e| out.push((c, e)));
        out
    }

    #[test]
    fn sentence_combos_need_every_group_in_one_sentence() {
        assert_eq!(
            run(&[
                (0, READ, "read"),
                (1, SECRET, "id_rsa"),
                (2, READ, "cat"),
                (2, SECRET, "token")
            ]),
            [(7, "cat + token".to_string())]
        );
        assert!(run(&[(0, READ, "read"), (1, SECRET, "id_rsa")]).is_empty());
        assert!(run(&[(0, READ, "read"), (0, SECRET, "key"), (0, THIS, "this")]).is_empty());
    }

    #[test]
    fn sticky_features_carry_to_later_sentences() {
        // URL is sticky in these tests: a URL in sentence 0 and READ + SECRET in sentence 1.
        assert_eq!(
            run(&[(0, URL, "https://"), (1, READ, "read"), (1, SECRET, "key")]),
            [
                (7, "read + key".to_string()),
                (8, "read + https://".to_string())
            ]
        );
    }

    #[test]
    fn text_combos_span_sentences() {
        assert_eq!(
            run(&[(0, READ, "read"), (3, URL, "https://")]),
            [(8, "read + https://".to_string())]
        );
    }
}
