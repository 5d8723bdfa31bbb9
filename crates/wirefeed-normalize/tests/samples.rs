//! Our own sample inputs in `config/samples/`: every wire file normalizes with a dateline
//! and credits, a re-post has the fingerprint of its original, an update does not, and the
//! shipped config parses.

use std::path::PathBuf;
use std::sync::Arc;

use wirefeed_model::{CreditRole, ItemFormat, PubStatus, RawItem, Story, Text};
use wirefeed_normalize::{Decision, NormalizeConfig, Normalizer, StateConfig, StoryState};

fn repo_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

/// A wire-text file: first line the title, a blank line, then the body.
fn wire_item(name: &str) -> RawItem {
    let path = repo_path(&format!("config/samples/wire/{name}"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let (title, body) = text.split_once('\n').expect("title line");
    let mut item = RawItem::new(Arc::from("samples"), ItemFormat::WireText);
    item.title = Some(title.to_string());
    item.content = Some(Text::plain(body));
    item
}

fn normalize(name: &str) -> Story {
    Normalizer::new(NormalizeConfig::default())
        .unwrap()
        .normalize(&wire_item(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

const WIRE: &[(&str, &str)] = &[
    ("001_missile_defense.txt", "Brussels"),
    ("002_missile_defense_update.txt", "Brussels"),
    ("003_missile_defense_repost.txt", "Brussels"),
    ("004_energy.txt", "Vienna"),
];

#[test]
fn every_wire_sample_has_dateline_and_credits() {
    for (name, city) in WIRE {
        let s = normalize(name);
        let d = s
            .dateline
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: no dateline"));
        assert_eq!(d.city, *city, "{name}");
        assert_eq!(d.agency.as_deref(), Some("Reuters"), "{name}");
        assert!(d.date.is_some(), "{name}");
        assert!(!s.credits.is_empty(), "{name}: no credits");
        assert!(s.by.is_some(), "{name}");
        assert!(!s.headline.starts_with("You're reading"), "{name}");
        assert!(!s.headline.contains("UPDATE"), "{name}");
        assert_eq!(s.pubstatus, PubStatus::Usable);
        assert_eq!(
            s.language.as_deref(),
            Some("en"),
            "{name}: detected language"
        );
        let body = s.body_text();
        assert!(
            !body.contains("Reporting by"),
            "{name}: trailer left in body"
        );
        assert!(
            !body.contains("Advertisement"),
            "{name}: debris left in body"
        );
        assert!(s.paragraphs.iter().all(|p| !p.contains('\n')), "{name}");
    }
}

#[test]
fn missile_defense_sample_details() {
    let s = normalize("001_missile_defense.txt");
    assert_eq!(
        s.headline,
        "NATO allies weigh new interceptor sites as Poland radar nears service"
    );
    assert_eq!(s.paragraphs.len(), 9);
    assert_eq!(s.version, 1);
    let credits: Vec<_> = s
        .credits
        .iter()
        .map(|c| (c.role, c.name.as_str(), c.location.as_deref()))
        .collect();
    assert_eq!(
        credits,
        [
            (CreditRole::Reporting, "Marta Lindqvist", Some("Brussels")),
            (
                CreditRole::AdditionalReporting,
                "Piotr Zalewski",
                Some("Warsaw")
            ),
            (CreditRole::Editing, "David Orme", None),
        ]
    );
}

#[test]
fn update_is_a_new_version_of_the_same_story() {
    let original = normalize("001_missile_defense.txt");
    let update = normalize("002_missile_defense_update.txt");
    assert_eq!(update.uri, original.uri);
    assert_eq!(update.version, 2);
    assert_eq!(update.headline, original.headline);
    assert_eq!(
        update.ednote.as_deref(),
        Some("Adds Polish ministry comment in paragraph 4")
    );
    assert_eq!(update.paragraphs.len(), original.paragraphs.len() + 1);
    assert!(update.paragraphs[3].starts_with("In a statement issued later on Tuesday"));
    assert_ne!(update.fingerprint, original.fingerprint);
}

#[test]
fn repost_has_the_fingerprint_of_the_original() {
    let original = normalize("001_missile_defense.txt");
    let repost = normalize("003_missile_defense_repost.txt");
    assert_eq!(repost.paragraphs, original.paragraphs);
    assert_eq!(repost.fingerprint, original.fingerprint);
    assert_ne!(
        normalize("004_energy.txt").fingerprint,
        original.fingerprint
    );

    // And the story state drops it, while the update continues the story.
    let now = chrono::Utc::now();
    let mut state = StoryState::open(None, StateConfig::default(), now).unwrap();
    assert_eq!(state.check(&mut original.clone(), now), Decision::New);
    let mut update = normalize("002_missile_defense_update.txt");
    assert_eq!(
        state.check(&mut update, now),
        Decision::Version { previous: 1 }
    );
    assert_eq!(
        (update.uri.as_str(), update.version),
        (original.uri.as_str(), 2)
    );
    assert!(matches!(
        state.check(&mut repost.clone(), now),
        Decision::Duplicate { .. }
    ));
}

#[test]
fn energy_sample_splits_joint_reporters() {
    let s = normalize("004_energy.txt");
    let names: Vec<_> = s
        .credits
        .iter()
        .map(|c| (c.role, c.name.as_str(), c.location.as_deref()))
        .collect();
    assert_eq!(
        names,
        [
            (CreditRole::Reporting, "Elena Hofbauer", Some("Vienna")),
            (CreditRole::Reporting, "Karim Nassar", Some("Vienna")),
            (CreditRole::Writing, "Dmitri Volkov", None),
            (CreditRole::Editing, "Susan Pratt", None),
        ]
    );
}

#[test]
fn shipped_config_parses_and_matches_defaults() {
    let text = std::fs::read_to_string(repo_path("config/normalize.toml")).unwrap();
    let config: NormalizeConfig = toml::from_str(&text).unwrap();
    assert_eq!(config, NormalizeConfig::default());
    assert!(toml::from_str::<NormalizeConfig>("").is_ok());
    assert!(toml::from_str::<NormalizeConfig>("max_body_byte = 1").is_err());
}
