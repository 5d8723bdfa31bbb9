//! Evidence for operators: which phrases matched where and which rule decided each topic.
//! Built from the same hits and the same [`crate::topics::decide`] as the tags themselves,
//! so the explanation cannot disagree with the record.

use std::fmt;

use serde::Serialize;

use crate::topics::{decide, occurs, CompiledTopic, InnerForms, ScoredHit};
use crate::Target;

/// Why a story got (or did not get) each topic whose phrases it mentions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// Topics with at least one matched phrase, or implied by a child; fired ones first.
    pub topics: Vec<TopicExplanation>,
}

/// One topic's verdict and the evidence for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicExplanation {
    pub topic: String,
    /// Σ weight × position weight over the include hits.
    pub score: f64,
    pub min_score: f64,
    pub outcome: Outcome,
    /// 0–100, as published, when the topic is assigned.
    pub relevance: Option<u8>,
    pub evidence: Vec<Evidence>,
}

/// The rule that decided a topic.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum Outcome {
    /// score ≥ min_score, context present (or none required), nothing excluded.
    Fired,
    /// Not fired by its own rules, but a child topic fired and implies it.
    Implied,
    /// The score did not reach `min_score`.
    BelowMinScore,
    /// A required context phrase never occurred.
    NoContext,
    /// This exclude phrase occurred.
    Excluded { phrase: String },
}

/// One matched phrase that counted for or against a topic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// The text as it appears in the story.
    pub text: String,
    /// `include`, `context` or `exclude`.
    pub role: &'static str,
    /// 0 = headline, n = paragraph n.
    pub part: usize,
    /// Byte offsets in that text.
    pub start: usize,
    pub end: usize,
    /// What this hit added to the score (include hits only).
    pub points: f64,
}

pub(crate) fn explain(
    topics: &[CompiledTopic],
    inner: &InnerForms,
    texts: &[(&str, f64)],
    hits: &[ScoredHit<'_>],
) -> Explanation {
    let d = decide(topics, inner, hits);
    let mut out = Vec::new();
    for (i, t) in topics.iter().enumerate() {
        let mut evidence = Vec::new();
        for h in hits {
            for target in &h.targets {
                let (role, points) = match **target {
                    Target::Include { topic, weight } if topic == i => {
                        ("include", weight * h.position_weight)
                    }
                    Target::Context(topic) if topic == i => ("context", 0.0),
                    Target::Exclude(topic) if topic == i => ("exclude", 0.0),
                    _ => continue,
                };
                evidence.push(Evidence {
                    text: texts[h.part].0[h.range.clone()].to_string(),
                    role,
                    part: h.part,
                    start: h.range.start,
                    end: h.range.end,
                    points,
                });
            }
        }
        if evidence.is_empty() && d.fired[i].is_none() {
            continue;
        }
        let outcome = if d.own[i] {
            Outcome::Fired
        } else if d.fired[i].is_some() {
            Outcome::Implied
        } else if d.excluded[i] {
            let phrase = evidence
                .iter()
                .find(|e| e.role == "exclude")
                .map(|e| e.text.clone())
                .or_else(|| occurs(&t.exclude_forms, hits).map(|h| h.text.clone()))
                .unwrap_or_default();
            Outcome::Excluded { phrase }
        } else if !d.context[i] {
            Outcome::NoContext
        } else {
            Outcome::BelowMinScore
        };
        out.push(TopicExplanation {
            topic: t.topic.id.clone(),
            score: d.score[i],
            min_score: t.topic.min_score,
            outcome,
            relevance: d.fired[i].map(|(r, _)| r),
            evidence,
        });
    }
    out.sort_by_key(|t| (t.relevance.is_none(), std::cmp::Reverse(t.relevance)));
    Explanation { topics: out }
}

impl fmt::Display for Explanation {
    /// One line per topic, then one indented line per hit:
    /// `missile-defense  fired  score 21.0 / 4.0  relevance 100`
    /// `    include "missile defense" headline 22..37 +9.0`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for t in &self.topics {
            let rule = match &t.outcome {
                Outcome::Fired => "fired".to_string(),
                Outcome::Implied => "implied by a child topic".to_string(),
                Outcome::BelowMinScore => "below min_score".to_string(),
                Outcome::NoContext => "no context phrase".to_string(),
                Outcome::Excluded { phrase } => format!("excluded by \"{phrase}\""),
            };
            write!(
                f,
                "{}  {rule}  score {:.1} / {:.1}",
                t.topic, t.score, t.min_score
            )?;
            if let Some(r) = t.relevance {
                write!(f, "  relevance {r}")?;
            }
            writeln!(f)?;
            for e in &t.evidence {
                let part = match e.part {
                    0 => "headline".to_string(),
                    n => format!("paragraph {n}"),
                };
                write!(
                    f,
                    "    {} \"{}\" {part} {}..{}",
                    e.role, e.text, e.start, e.end
                )?;
                if e.role == "include" {
                    write!(f, " +{:.1}", e.points)?;
                }
                writeln!(f)?;
            }
        }
        Ok(())
    }
}
