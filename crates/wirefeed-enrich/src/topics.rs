//! Topic scoring: turns phrase hits into [`Subject`]s.
//!
//! score(topic) = Σ over include-phrase hits of weight × position (headline 3, first
//! paragraph 2, rest 1). A topic fires when score ≥ min_score, no exclude phrase occurs, and
//! (if it has a context list) a context phrase occurs. A phrase "occurs" when it was matched
//! itself or lies inside a longer matched phrase: "missile" is found inside "missile
//! defence" even though leftmost-longest matching reported only the longer one.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};
use wirefeed_model::{IptcConcept, Subject};

use crate::error::EnrichError;

use crate::matcher::{on_word_boundaries, variants};
use crate::taxonomy::Topic;
use crate::Target;

/// A topic as compiled for scoring: the taxonomy entry plus the lower-cased forms of its
/// context and exclude phrases for the "inside a longer match" test.
pub(crate) struct CompiledTopic {
    pub topic: Topic,
    pub context_forms: Vec<String>,
    pub exclude_forms: Vec<String>,
    /// Index of the parent topic.
    pub parent: Option<usize>,
}

impl CompiledTopic {
    pub fn new(topic: Topic, all: &[Topic]) -> Self {
        let forms = |list: &[String]| list.iter().flat_map(|p| variants(p)).collect();
        CompiledTopic {
            context_forms: forms(&topic.context),
            exclude_forms: forms(&topic.exclude),
            parent: topic
                .parent
                .as_ref()
                .and_then(|p| all.iter().position(|t| &t.id == p)),
            topic,
        }
    }
}

/// One hit as the scorer sees it: the lower-cased matched text, its position weight and
/// what it stands for.
pub(crate) struct ScoredHit<'a> {
    pub text: String,
    pub position_weight: f64,
    pub targets: Vec<&'a Target>,
    /// Which text (0 = headline, n = paragraph n) and the byte range in it.
    pub part: usize,
    pub range: std::ops::Range<usize>,
}

/// Per topic, what the rules concluded; shared by [`subjects`] and the explanation.
pub(crate) struct Decisions {
    pub score: Vec<f64>,
    pub context: Vec<bool>,
    pub excluded: Vec<bool>,
    /// `(relevance, confidence)` of each topic that fired or was implied by a child.
    pub fired: Vec<Option<(u8, u8)>>,
    /// Fired by its own rules (not only implied by a child topic).
    pub own: Vec<bool>,
}

/// Applies the rules of every topic to a story's hits.
pub(crate) fn decide(
    topics: &[CompiledTopic],
    inner: &InnerForms,
    hits: &[ScoredHit<'_>],
) -> Decisions {
    let n = topics.len();
    let mut score = vec![0.0_f64; n];
    let mut context = vec![false; n];
    let mut excluded = vec![false; n];
    for hit in hits {
        for t in &hit.targets {
            match **t {
                Target::Include { topic, weight } => score[topic] += weight * hit.position_weight,
                Target::Context(topic) => context[topic] = true,
                Target::Exclude(topic) => excluded[topic] = true,
                _ => {}
            }
        }
    }
    inner.mark(hits, &mut context, &mut excluded);
    for (i, t) in topics.iter().enumerate() {
        context[i] = context[i] || t.topic.context.is_empty();
    }

    let mut fired: Vec<Option<(u8, u8)>> = vec![None; n];
    for (i, t) in topics.iter().enumerate() {
        let min = t.topic.min_score;
        if score[i] >= min && context[i] && !excluded[i] {
            fired[i] = Some((relevance(score[i], min), confidence(score[i], min)));
            tracing::trace!(topic = %t.topic.id, score = score[i], "topic fired");
        }
    }
    let own: Vec<bool> = fired.iter().map(Option::is_some).collect();
    // A topic implies its ancestors, a little less relevant than itself, unless an ancestor
    // is excluded by its own rules.
    for i in 0..n {
        let Some((rel, conf)) = fired[i] else {
            continue;
        };
        let mut rel = rel;
        let mut cur = topics[i].parent;
        let mut steps = 0;
        while let Some(p) = cur {
            if excluded[p] || steps > n {
                break;
            }
            rel = (f64::from(rel) * 0.75).round() as u8;
            let entry = fired[p].get_or_insert((0, 0));
            entry.0 = entry.0.max(rel);
            entry.1 = entry.1.max(conf);
            cur = topics[p].parent;
            steps += 1;
        }
    }
    Decisions {
        score,
        context,
        excluded,
        fired,
        own,
    }
}

/// Every context and exclude form of every topic, as one small automaton run over the text
/// of each hit: finds "missile" inside the match "missile defence" in time proportional to
/// the matched text, instead of testing every form against every hit.
pub(crate) struct InnerForms {
    ac: AhoCorasick,
    targets: Vec<Vec<Target>>,
    /// The context and exclude topics inside each key of the phrase matcher, lower-cased:
    /// what [`InnerForms::mark`] would find in a hit of that key, computed once instead of
    /// per hit (the automaton run per hit was ~3% of the service's CPU in a profile).
    by_key: foldhash::HashMap<String, Box<[Target]>>,
}

impl InnerForms {
    /// `keys` are the phrase matcher's keys: every hit's lower-cased text is one of them.
    pub fn new<'k>(
        topics: &[CompiledTopic],
        keys: impl Iterator<Item = &'k str>,
    ) -> Result<InnerForms, EnrichError> {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut targets: Vec<Vec<Target>> = Vec::new();
        let mut patterns: Vec<&str> = Vec::new();
        for (i, t) in topics.iter().enumerate() {
            let forms = t
                .context_forms
                .iter()
                .map(|f| (f, Target::Context(i)))
                .chain(t.exclude_forms.iter().map(|f| (f, Target::Exclude(i))));
            for (f, target) in forms {
                let k = *index.entry(f.as_str()).or_insert_with(|| {
                    patterns.push(f.as_str());
                    targets.push(Vec::new());
                    patterns.len() - 1
                });
                targets[k].push(target);
            }
        }
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map_err(|e| EnrichError::Automaton(e.to_string()))?;
        let mut inner = InnerForms {
            ac,
            targets,
            by_key: foldhash::HashMap::default(),
        };
        for key in keys {
            let text = key.to_lowercase();
            let mut found = Vec::new();
            inner.scan(&text, |t| found.push(t.clone()));
            inner.by_key.insert(text, found.into());
        }
        Ok(inner)
    }

    /// Calls `f` with each context or exclude target whose form occurs in `text` on word
    /// boundaries.
    fn scan<'s>(&'s self, text: &str, mut f: impl FnMut(&'s Target)) {
        for m in self.ac.find_overlapping_iter(text) {
            if on_word_boundaries(text, &m.range()) {
                self.targets[m.pattern().as_usize()].iter().for_each(&mut f);
            }
        }
    }

    /// Marks the topics whose context or exclude forms occur inside some hit.
    fn mark(&self, hits: &[ScoredHit<'_>], context: &mut [bool], excluded: &mut [bool]) {
        let mut apply = |t: &Target| match *t {
            Target::Context(i) => context[i] = true,
            Target::Exclude(i) => excluded[i] = true,
            _ => {}
        };
        for h in hits {
            match self.by_key.get(h.text.as_str()) {
                Some(targets) => targets.iter().for_each(&mut apply),
                // Not a key's lower-cased text (cannot happen with hits from the matcher,
                // but the answer must not depend on it).
                None => {
                    debug_assert!(false, "hit {:?} is not a matcher key", h.text);
                    self.scan(&h.text, &mut apply)
                }
            }
        }
    }
}

/// The first hit in which one of `forms` occurs (matched itself or inside a longer match).
pub(crate) fn occurs<'h, 'a>(
    forms: &[String],
    hits: &'h [ScoredHit<'a>],
) -> Option<&'h ScoredHit<'a>> {
    hits.iter()
        .find(|h| forms.iter().any(|f| contains_phrase(&h.text, f)))
}

/// The subjects for a story's hits, most relevant first.
pub(crate) fn subjects(
    topics: &[CompiledTopic],
    inner: &InnerForms,
    hits: &[ScoredHit<'_>],
) -> Vec<Subject> {
    let Decisions { score, fired, .. } = decide(topics, inner, hits);
    let mut out: Vec<(f64, Subject)> = topics
        .iter()
        .zip(&fired)
        .zip(&score)
        .filter_map(|((t, f), score)| {
            let (relevance, confidence) = (*f)?;
            Some((
                *score,
                Subject {
                    id: t.topic.id.clone(),
                    label: t.topic.label.clone(),
                    iptc: t
                        .topic
                        .iptc
                        .iter()
                        .map(|(qcode, name)| IptcConcept {
                            qcode: qcode.clone(),
                            name: name.clone(),
                        })
                        .collect(),
                    relevance,
                    confidence,
                },
            ))
        })
        .collect();
    // Relevance saturates at 100, so ties are broken by the raw score, then by id so the
    // order is deterministic.
    out.sort_by(|(sa, a), (sb, b)| {
        b.relevance
            .cmp(&a.relevance)
            .then_with(|| sb.total_cmp(sa))
            .then_with(|| a.id.cmp(&b.id))
    });
    out.into_iter().map(|(_, s)| s).collect()
}

/// 0–100: a third of the way at the threshold, full at three times it.
fn relevance(score: f64, min: f64) -> u8 {
    (100.0 * score / (3.0 * min)).round().clamp(1.0, 100.0) as u8
}

/// 50 at the threshold, approaching 99 as the margin over it grows.
fn confidence(score: f64, min: f64) -> u8 {
    let margin = ((score - min) / min).max(0.0);
    (50.0 + 49.0 * margin / (1.0 + margin)).round() as u8
}

/// Whether `phrase` occurs in `text` (both lower case) on word boundaries.
fn contains_phrase(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase)
        .any(|(i, p)| on_word_boundaries(text, &(i..i + p.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_scale_sensibly() {
        assert_eq!(relevance(3.0, 3.0), 33);
        assert_eq!(relevance(30.0, 3.0), 100);
        assert_eq!(confidence(3.0, 3.0), 50);
        assert!(confidence(30.0, 3.0) > 90);
        assert!(contains_phrase("anti-missile shield", "missile"));
        assert!(!contains_phrase("missiles", "missile"));
    }
}
