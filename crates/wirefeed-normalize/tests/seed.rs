//! The canonical input: the Reuters story the project was created from, as a scraper saved
//! it (`You're reading:` prefix, no-break space before the dateline, hard-wrapped body,
//! credits trailer), normalized end to end.

use std::sync::Arc;

use chrono::{Datelike, TimeZone, Utc};
use wirefeed_model::{Credit, CreditRole, ItemFormat, RawItem, Text};
use wirefeed_normalize::{NormalizeConfig, Normalizer};

/// The seed from `../shared` (or `WIREFEED_SHARED`): read at test time, never copied into the
/// repository. This test is built only with the `shared-corpora` feature (scripts/check-seed).
fn seed() -> String {
    let shared = std::env::var("WIREFEED_SHARED")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
        });
    let path = shared.join("seed/000_325fa0d29c430040.txt");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A wire-text file as the fetch stage reads it: first line the title, then a blank line,
/// then the body.
fn wire_item(text: &str) -> RawItem {
    let (title, body) = text.split_once('\n').unwrap_or((text, ""));
    let mut item = RawItem::new(Arc::from("seed"), ItemFormat::WireText);
    item.title = Some(title.to_string());
    item.content = Some(Text::plain(body));
    item
}

#[test]
fn seed_story_normalizes() {
    let mut item = wire_item(&seed());
    item.published = Some(Utc.with_ymd_and_hms(2013, 3, 25, 9, 12, 0).unwrap());
    let story = Normalizer::new(NormalizeConfig::default())
        .unwrap()
        .normalize(&item)
        .unwrap();

    assert_eq!(
        story.headline,
        "Russia asks for regular U.S. missile defense consultations"
    );

    let dateline = story.dateline.as_ref().expect("dateline");
    assert_eq!(dateline.city, "Moscow");
    assert_eq!(dateline.agency.as_deref(), Some("Reuters"));
    let date = dateline.date.expect("dateline date");
    assert_eq!((date.year(), date.month(), date.day()), (2013, 3, 25));

    assert_eq!(
        story.credits,
        [
            Credit {
                role: CreditRole::Reporting,
                name: "Gabriela Baczynska".into(),
                location: None,
            },
            Credit {
                role: CreditRole::Editing,
                name: "Angus MacSwan".into(),
                location: None,
            },
        ]
    );
    assert_eq!(
        story.by.as_deref(),
        Some("Reporting by Gabriela Baczynska; Editing by Angus MacSwan")
    );

    assert!(story.paragraphs[0].starts_with("MOSCOW, March 25 (Reuters) - Russia has asked"));
    let toned = story
        .paragraphs
        .iter()
        .find(|p| p.starts_with("Russia has toned down initial criticism"))
        .expect("paragraph present");
    assert_eq!(
        toned,
        "Russia has toned down initial criticism of the U.S. decision, first announced on \
         March 16, to add 14 interceptors in Alaska and forgo a new interceptor it had earlier \
         planned to deploy in central Europe."
    );
    assert!(
        story.paragraphs.iter().all(|p| !p.contains('\n')),
        "one line per paragraph"
    );
    let body = story.body_text();
    assert!(!body.contains("Reporting by"), "trailer removed");
    assert!(!body.contains("You're reading"));
    assert_eq!(story.paragraphs.len(), 13);
    assert!(story
        .paragraphs
        .last()
        .unwrap()
        .starts_with("Russia has frequently said"));

    assert_eq!(story.version, 1);
    assert!(story.uri.starts_with("urn:wirefeed:story:"));
    assert_eq!(story.firstcreated, item.published);
    assert_eq!(story.versioncreated, item.published.unwrap());
    assert!(story.subjects.is_empty() && story.places.is_empty());
}
