//! Topic tagging and entity extraction: the enrich stage of the wirefeed pipeline.
//!
//! Given a [`wirefeed_model::Story`] that the normalizer has already cleaned (headline,
//! paragraphs, dateline, credits), [`Enricher::enrich`] fills its `subjects` (our topics,
//! each carrying IPTC Media Topic concepts), `places`, `organisations` and `people`.
//!
//! Read these first:
//! - [`Taxonomy`]: the topic rules, from `config/taxonomy.toml` (format documented at the
//!   top of that file; the shipped copy is [`DEFAULT_TAXONOMY`]).
//! - [`Enricher`]: compiles the taxonomy and the [`Gazetteer`] into one Aho-Corasick
//!   automaton once, then enriches stories without allocating per-phrase state.
//! - [`EnrichError`]: configuration errors, which name the file, line and topic; [`check`]
//!   lists them with warnings (retired IPTC codes) as [`Diagnostic`]s for `wirefeed check`.
//! - [`Explanation`] from [`Enricher::explain`]: which phrases matched where and which rule
//!   decided each topic (for operators; not part of the ninjs record).
//!
//! What it is not: not a statistical classifier or a named-entity recogniser. Everything is
//! rule- and list-driven so that an editor can read why a story got a topic, and a wrong tag
//! is fixed by editing a data file. It does no I/O except [`Taxonomy::load`], and it never
//! fails on story text.
//!
//! Layout: `taxonomy` (topic file parsing and validation), `iptc` (the vendored Media Topics
//! table), `gazetteer` (places and organisations), `matcher` (the automaton, spelling
//! variants, word boundaries), `topics` (scoring), `explain` (evidence), `entities` (places,
//! organisations, people). `examples/eval.rs` measures quality on the shared corpora.

mod entities;
mod error;
mod explain;
mod gazetteer;
mod iptc;
mod matcher;
mod taxonomy;
mod topics;

#[cfg(test)]
mod tests;

use wirefeed_model::Story;

pub use error::{Diagnostic, EnrichError, Severity};
pub use explain::{Evidence, Explanation, Outcome, TopicExplanation};
pub use gazetteer::Gazetteer;
pub use taxonomy::Taxonomy;

use entities::{OrgPatterns, PeopleFinder};
use matcher::{Matcher, MatcherBuilder, Style};
use topics::{CompiledTopic, InnerForms, ScoredHit};

/// Everything wrong with the taxonomy file at `path`, errors and warnings, each naming the
/// file, line and topic: the library side of `wirefeed check`. Empty means the file loads
/// and compiles cleanly. (Loading stops at the first error, so at most one error is listed.)
pub fn check(path: &std::path::Path) -> Vec<Diagnostic> {
    match Taxonomy::load(path) {
        Err(e) => vec![Diagnostic::from(&e)],
        Ok(t) => {
            let mut out = t.warnings().to_vec();
            if let Err(e) = Enricher::new(t) {
                out.push(Diagnostic::from(&e));
            }
            out
        }
    }
}

/// The shipped taxonomy, so the binary works without the file present.
pub const DEFAULT_TAXONOMY: &str = include_str!("../../../config/taxonomy.toml");

/// The shipped gazetteer of countries, cities, regions and organisations.
pub const DEFAULT_GAZETTEER: &str = include_str!("../../../config/gazetteer.toml");

/// The texts of a story with their position weights: headline, lead, rest.
fn texts(story: &Story) -> Vec<(&str, f64)> {
    let mut texts: Vec<(&str, f64)> = vec![(story.headline.as_str(), HEADLINE_WEIGHT)];
    for (i, p) in story.paragraphs.iter().enumerate() {
        texts.push((p, if i == 0 { LEAD_WEIGHT } else { BODY_WEIGHT }));
    }
    texts
}

/// Position weights: a phrase in the headline says more about the story than one in the
/// tenth paragraph.
const HEADLINE_WEIGHT: f64 = 3.0;
const LEAD_WEIGHT: f64 = 2.0;
const BODY_WEIGHT: f64 = 1.0;

/// What a phrase in the automaton stands for. One phrase can stand for several things
/// ("Pentagon" is an organisation and a metonym for the United States).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Target {
    Include {
        topic: usize,
        weight: f64,
    },
    Context(usize),
    Exclude(usize),
    /// A country's name, alias, demonym or metonym: index into `Gazetteer::countries`.
    Country(usize),
    /// A capital or city: index into `Gazetteer::cities`.
    City(usize),
    Region(usize),
    Organisation(usize),
}

/// A compiled taxonomy and gazetteer. Build once at startup, share (it is `Sync`), and call
/// [`Enricher::enrich`] per story.
pub struct Enricher {
    topics: Vec<CompiledTopic>,
    inner: InnerForms,
    gazetteer: Gazetteer,
    matcher: Matcher<Target>,
    people: PeopleFinder,
    org_patterns: OrgPatterns,
}

impl Enricher {
    /// Compiles `taxonomy` with the built-in gazetteer ([`DEFAULT_GAZETTEER`]).
    pub fn new(taxonomy: Taxonomy) -> Result<Enricher, EnrichError> {
        let gazetteer = Gazetteer::from_toml_str(DEFAULT_GAZETTEER, "built-in gazetteer.toml")?;
        Enricher::with_gazetteer(taxonomy, gazetteer)
    }

    /// Compiles `taxonomy` with a gazetteer of your own.
    pub fn with_gazetteer(
        taxonomy: Taxonomy,
        gazetteer: Gazetteer,
    ) -> Result<Enricher, EnrichError> {
        let mut b = MatcherBuilder::new();
        for (i, t) in taxonomy.topics.iter().enumerate() {
            for p in &t.include {
                b.add(
                    &p.phrase,
                    Target::Include {
                        topic: i,
                        weight: p.weight,
                    },
                    Style::Phrase,
                );
            }
            for p in &t.context {
                b.add(p, Target::Context(i), Style::Phrase);
            }
            for p in &t.exclude {
                b.add(p, Target::Exclude(i), Style::Phrase);
            }
        }
        for (i, c) in gazetteer.countries.iter().enumerate() {
            for n in std::iter::once(&c.name)
                .chain(&c.aliases)
                .chain(&c.metonyms)
            {
                b.add(n, Target::Country(i), Style::Name);
            }
        }
        for (j, city) in gazetteer.cities.iter().enumerate() {
            b.add(&city.name, Target::City(j), Style::Name);
        }
        for (k, r) in gazetteer.regions.iter().enumerate() {
            for n in std::iter::once(r.name.get_ref()).chain(&r.aliases) {
                b.add(n, Target::Region(k), Style::Name);
            }
        }
        for (k, o) in gazetteer.organisations.iter().enumerate() {
            for n in std::iter::once(o.name.get_ref()).chain(&o.aliases) {
                b.add(n, Target::Organisation(k), Style::Name);
            }
        }
        let topics: Vec<CompiledTopic> = taxonomy
            .topics
            .iter()
            .map(|t| CompiledTopic::new(t.clone(), &taxonomy.topics))
            .collect();
        let inner = InnerForms::new(&topics, b.keys())?;
        let matcher = b.build()?;
        let people = PeopleFinder::new(&gazetteer);
        Ok(Enricher {
            topics,
            inner,
            gazetteer,
            matcher,
            people,
            org_patterns: OrgPatterns::new(),
        })
    }

    /// Fills `subjects`, `places`, `organisations` and `people`, replacing what was there so
    /// enriching twice gives the same result. Never fails: text we cannot make sense of
    /// simply yields fewer tags.
    pub fn enrich(&self, story: &mut Story) {
        let texts = texts(story);
        let hits = self.hits(&texts);
        let targets: Vec<&Target> = hits
            .iter()
            .flat_map(|h| h.targets.iter().copied())
            .collect();
        let subjects = topics::subjects(&self.topics, &self.inner, &hits);
        let places = entities::places(&self.gazetteer, story, &targets);
        let plain: Vec<&str> = texts.iter().map(|(t, _)| *t).collect();
        let organisations =
            entities::organisations(&self.gazetteer, &targets, &self.org_patterns, &plain);
        let people = entities::people(&self.people, story, &plain);
        tracing::debug!(
            story = %story.uri,
            subjects = subjects.len(),
            places = places.len(),
            organisations = organisations.len(),
            people = people.len(),
            "enriched"
        );
        story.subjects = subjects;
        story.places = places;
        story.organisations = organisations;
        story.people = people;
    }

    /// Every accepted phrase match in the story's texts, in reading order.
    fn hits<'s>(&'s self, texts: &[(&str, f64)]) -> Vec<ScoredHit<'s>> {
        let mut hits = Vec::new();
        for (part, (text, position_weight)) in texts.iter().enumerate() {
            self.matcher.for_each(text, |range, targets| {
                let found = &text[range.clone()];
                hits.push(ScoredHit {
                    // Same result as `to_lowercase` on ASCII, without its Unicode tables.
                    text: if found.is_ascii() {
                        found.to_ascii_lowercase()
                    } else {
                        found.to_lowercase()
                    },
                    position_weight: *position_weight,
                    targets: targets.collect(),
                    part,
                    range,
                })
            });
        }
        hits
    }

    /// Why the story gets the topics it gets: for every topic with a matched phrase, its
    /// score, the rule that decided, and each phrase with where it matched. For operators
    /// (`wirefeed ingest --explain`, logs); it does not change the story. Kept out of the
    /// ninjs record, whose strict 2.2 schema has no place for it.
    pub fn explain(&self, story: &Story) -> Explanation {
        let texts = texts(story);
        let hits = self.hits(&texts);
        explain::explain(&self.topics, &self.inner, &texts, &hits)
    }

    /// The number of accepted phrase matches (word boundaries and case checked) in `text`:
    /// the matching step alone, for benchmarks and diagnostics.
    pub fn count_matches(&self, text: &str) -> usize {
        let mut n = 0;
        self.matcher.for_each(text, |_, _| n += 1);
        n
    }

    /// The topic ids this enricher can assign, in taxonomy order.
    pub fn topic_ids(&self) -> Vec<String> {
        self.topics.iter().map(|t| t.topic.id.clone()).collect()
    }
}
