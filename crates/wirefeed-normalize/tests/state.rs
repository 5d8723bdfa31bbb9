//! Story identity across items: versions, duplicates, the window, and restarts (including one
//! where the process is killed).

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use wirefeed_model::{ItemFormat, PubStatus, RawItem, Story, Text};
use wirefeed_normalize::{
    Decision, DuplicateKind, NormalizeConfig, Normalizer, Restored, StateConfig, StoryState,
};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap()
}

/// A body of `n` distinct sentences about `topic`, long enough for near-duplicate checks.
fn body(topic: &str, n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "Officials said {topic} talks in round {i} covered issue number {} and {} more.",
                i * 7 + 1,
                i * 3 + 2
            )
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// An item: (source, guid, link, title, body).
fn item(source: &str, guid: Option<&str>, link: Option<&str>, title: &str, text: &str) -> RawItem {
    let mut i = RawItem::new(Arc::from(source), ItemFormat::Rss);
    i.guid = guid.map(String::from);
    i.link = link.map(String::from);
    i.title = Some(title.to_string());
    i.content = Some(Text::plain(text));
    i
}

fn story(i: &RawItem) -> Story {
    Normalizer::new(NormalizeConfig::default())
        .unwrap()
        .normalize(i)
        .unwrap()
}

/// The short outcome of one check: `new u v`, `version u v`, `exact u`, `near u`, with uris
/// replaced by the index of the first item that got them, so expectations stay readable.
fn run(state: &mut StoryState, items: &[RawItem], commit: bool) -> Vec<String> {
    let mut uris: Vec<String> = Vec::new();
    let mut name = |uri: &str| match uris.iter().position(|u| u == uri) {
        Some(p) => p,
        None => {
            uris.push(uri.to_string());
            uris.len() - 1
        }
    };
    let mut out = Vec::new();
    for i in items {
        let mut s = story(i);
        let line = match state.check(&mut s, t0()) {
            Decision::New => format!("new {} v{}", name(&s.uri), s.version),
            Decision::Version { .. } => format!("version {} v{}", name(&s.uri), s.version),
            Decision::Duplicate { kind, of, .. } => format!("{} {}", kind.as_str(), name(&of)),
        };
        if commit && !line.starts_with("exact") && !line.starts_with("near") {
            state.commit(&s).unwrap();
        }
        out.push(line);
    }
    out
}

fn memory() -> StoryState {
    StoryState::open(None, StateConfig::default(), t0()).unwrap()
}

#[test]
fn versions_and_duplicates() {
    let text = body("missile defense", 8);
    let edited = format!("{text}\n\nA ministry statement added detail on the radar.");
    let other = body("oil output", 8);
    // (label, items, expected decisions)
    let cases: Vec<(&str, Vec<RawItem>, Vec<&str>)> = vec![
        (
            "update by headline prefix",
            vec![
                item("wire", None, None, "Talks stall", &text),
                item("wire", None, None, "UPDATE 1-Talks stall", &edited),
            ],
            vec!["new 0 v1", "version 0 v2"],
        ),
        (
            "agency version number ahead of ours wins",
            vec![
                item("wire", None, None, "Talks stall", &text),
                item("wire", None, None, "UPDATE 4-Talks stall", &edited),
            ],
            vec!["new 0 v1", "version 0 v5"],
        ),
        (
            "corrected and refile are versions",
            vec![
                item("wire", None, None, "Talks stall", &text),
                item("wire", None, None, "CORRECTED-Talks stall", &edited),
                item("wire", None, None, "REFILE-Talks stall", &other),
            ],
            vec!["new 0 v1", "version 0 v2", "version 0 v3"],
        ),
        (
            "same guid with edited text",
            vec![
                item("feed", Some("g1"), None, "Talks stall", &text),
                item("feed", Some("g1"), None, "Talks stall in Brussels", &edited),
            ],
            vec!["new 0 v1", "version 0 v2"],
        ),
        (
            "same link re-published with edited text, tracking params aside",
            vec![
                item("a", None, Some("https://x.test/s/1"), "Talks stall", &text),
                item(
                    "b",
                    None,
                    Some("https://X.test/s/1?utm_source=rss"),
                    "Talks resume",
                    &edited,
                ),
            ],
            vec!["new 0 v1", "version 0 v2"],
        ),
        (
            "re-post with other wrapping and debris is an exact duplicate",
            vec![
                item("a", Some("g1"), None, "Talks stall", &text),
                item(
                    "b",
                    Some("other"),
                    None,
                    "You're reading: Talks stall",
                    &format!("Advertisement\n\n{}", text.replace(' ', "\n")),
                ),
            ],
            vec!["new 0 v1", "exact 0"],
        ),
        (
            "re-post with a small edit is a near duplicate",
            vec![
                item("a", Some("g1"), None, "Talks stall", &text),
                item(
                    "b",
                    Some("g2"),
                    None,
                    "Talks are stalling",
                    &text.replacen("Officials said", "Officials told reporters", 1),
                ),
            ],
            vec!["new 0 v1", "near 0"],
        ),
        (
            "different stories on the same subject are not merged",
            vec![
                item("a", None, None, "Talks stall", &text),
                item(
                    "a",
                    None,
                    None,
                    "Talks resume",
                    &body("missile defense sites", 8),
                ),
            ],
            vec!["new 0 v1", "new 1 v1"],
        ),
        (
            "a kill of a story with the same text is a version, canceled",
            vec![
                item("wire", None, None, "Talks stall", &text),
                item("wire", None, None, "WITHDRAWN-Talks stall", &text),
                item("wire", None, None, "WITHDRAWN-Talks stall", &text),
            ],
            vec!["new 0 v1", "version 0 v2", "exact 0"],
        ),
        (
            "a re-sent old version after an update is still a duplicate",
            vec![
                item("wire", None, None, "Talks stall", &text),
                item("wire", None, None, "UPDATE 1-Talks stall", &edited),
                item("wire", None, None, "RPT-Talks stall", &text),
            ],
            vec!["new 0 v1", "version 0 v2", "exact 0"],
        ),
    ];
    for (label, items, want) in cases {
        for commit in [true, false] {
            // In flight (not yet committed) stories count the same as published ones.
            let got = run(&mut memory(), &items, commit);
            assert_eq!(got, want, "{label} (commit: {commit})");
        }
    }
}

#[test]
fn kill_sets_canceled() {
    let s = story(&item("w", None, None, "KILL-Talks stall", "x y z"));
    assert_eq!(s.pubstatus, PubStatus::Canceled);
}

#[test]
fn near_duplicates_need_enough_words_and_can_be_off() {
    let short = "Acme Corp said quarterly profit rose to 12 mln dlrs from 10 mln dlrs.";
    let items = [
        item("a", Some("1"), None, "Acme profit", short),
        item(
            "a",
            Some("2"),
            None,
            "Acme profit up",
            &short.replace("12", "13"),
        ),
    ];
    assert_eq!(run(&mut memory(), &items, true), ["new 0 v1", "new 1 v1"]);

    let text = body("grain", 8);
    let items = [
        item("a", Some("1"), None, "Grain", &text),
        item(
            "a",
            Some("2"),
            None,
            "Grain 2",
            &text.replacen("said", "told", 1),
        ),
    ];
    let mut off = StoryState::open(
        None,
        StateConfig {
            near_distance: 0,
            ..Default::default()
        },
        t0(),
    )
    .unwrap();
    assert_eq!(run(&mut off, &items, true), ["new 0 v1", "new 1 v1"]);
}

#[test]
fn window_expires_by_age_and_count() {
    let a = story(&item("a", None, None, "One", &body("one", 5)));
    let b = story(&item("a", None, None, "Two", &body("two", 5)));
    let mut s = StoryState::open(
        None,
        StateConfig {
            window: std::time::Duration::from_secs(3600),
            max_stories: 1,
            ..Default::default()
        },
        t0(),
    )
    .unwrap();
    assert_eq!(s.check(&mut a.clone(), t0()), Decision::New);
    assert!(matches!(
        s.check(&mut a.clone(), t0()),
        Decision::Duplicate { .. }
    ));
    // Count: b pushes a out.
    assert_eq!(s.check(&mut b.clone(), t0()), Decision::New);
    assert_eq!(s.len(), 1);
    assert_eq!(s.check(&mut a.clone(), t0()), Decision::New);
    // Age: two hours later everything is forgotten.
    assert_eq!(
        s.check(&mut b.clone(), t0() + Duration::hours(2)),
        Decision::New
    );
    assert_eq!(s.len(), 1);
}

/// Runs `commit` stories into a state in `dir`; uncommitted ones must not survive.
fn fill(dir: &std::path::Path) {
    let text = body("missile defense", 8);
    let mut s = StoryState::open(Some(dir), StateConfig::default(), t0()).unwrap();
    for (i, commit) in [
        (item("wire", None, None, "Talks stall", &text), true),
        (
            item("wire", None, None, "UPDATE 1-Talks stall", &body("x", 9)),
            true,
        ),
        (
            item("wire", None, None, "Never acked", &body("oil", 8)),
            false,
        ),
    ] {
        let mut st = story(&i);
        assert!(!matches!(
            s.check(&mut st, t0()),
            Decision::Duplicate { .. }
        ));
        if commit {
            s.commit(&st).unwrap();
        }
    }
    s.flush().unwrap();
}

/// What a restarted state says about the same three items.
fn after_restart(dir: &std::path::Path) -> Vec<String> {
    let text = body("missile defense", 8);
    let mut s = StoryState::open(Some(dir), StateConfig::default(), t0()).unwrap();
    assert_eq!(s.len(), 2);
    run(
        &mut s,
        &[
            item("wire", None, None, "Talks stall", &text),
            item("wire", None, None, "UPDATE 2-Talks stall", &body("y", 9)),
            item("wire", None, None, "Never acked", &body("oil", 8)),
        ],
        false,
    )
}

const AFTER_RESTART: &[&str] = &["exact 0", "version 0 v3", "new 1 v1"];

#[test]
fn restart_keeps_versions_and_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path());
    assert_eq!(after_restart(dir.path()), AFTER_RESTART);
}

/// Runs itself as a child process that fills the state and aborts (no unwinding, no drops),
/// then restarts the state in the parent.
#[test]
fn state_survives_a_killed_process() {
    if let Ok(dir) = std::env::var("WIREFEED_STATE_KILL_DIR") {
        fill(std::path::Path::new(&dir));
        std::process::abort();
    }
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "state_survives_a_killed_process", "--nocapture"])
        .env("WIREFEED_STATE_KILL_DIR", dir.path())
        .status()
        .unwrap();
    assert!(!status.success(), "the child must have been killed");
    assert_eq!(after_restart(dir.path()), AFTER_RESTART);
}

#[test]
fn expired_records_are_deleted_on_open() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path());
    let later = t0() + Duration::days(8);
    let s = StoryState::open(Some(dir.path()), StateConfig::default(), later).unwrap();
    assert_eq!(s.len(), 0);
    drop(s);
    let s = StoryState::open(Some(dir.path()), StateConfig::default(), t0()).unwrap();
    assert_eq!(s.len(), 0, "deleted from disk, not only skipped");
    let _ = DuplicateKind::Exact;
}

/// A window that lost its local records (crash before the batched write) is topped up from
/// what the sink committed: the same story is an exact duplicate again, and an update of it
/// continues its uri at the next version instead of starting a new story.
#[test]
fn restore_from_published_keeps_duplicates_and_versions_exact() {
    let text = body("missile defense", 8);
    let original = item(
        "wire",
        Some("g-1"),
        Some("https://example.com/a"),
        "Allies talk",
        &text,
    );
    let update = item(
        "wire",
        Some("g-1"),
        Some("https://example.com/a"),
        "UPDATE 1-Allies talk",
        &format!("{text}\n\nThe update adds a paragraph with new facts about the meeting."),
    );
    // What the sink published before the crash.
    let mut first = memory();
    let mut published = story(&original);
    assert_eq!(first.check(&mut published, t0()), Decision::New);
    let record = wirefeed_model::Published::of(&published);

    // A fresh window (its local write was lost) restored from the sink's record.
    let mut state = memory();
    assert_eq!(state.restore(&record, t0(), t0()).unwrap(), Restored::Added);
    assert_eq!(
        state.restore(&record, t0(), t0()).unwrap(),
        Restored::Known,
        "restoring twice adds nothing"
    );
    assert_eq!(
        run(&mut state, std::slice::from_ref(&original), true),
        ["exact 0"]
    );
    let mut s = story(&update);
    assert_eq!(state.check(&mut s, t0()), Decision::Version { previous: 1 });
    assert_eq!(s.uri, published.uri);
    assert_eq!(s.version, 2);

    // Without the restore, the re-fetched original is not recognised at all.
    let mut empty = memory();
    let mut again = story(&original);
    assert_eq!(empty.check(&mut again, t0()), Decision::New);
}

#[test]
fn repost_as_pointer_once_and_never_for_a_resend() {
    let text = body("missile defense", 8);
    let mut state = memory();
    let mut original = story(&item("wire", Some("g1"), None, "Talks stall", &text));
    assert_eq!(state.check(&mut original, t0()), Decision::New);
    state.commit(&original).unwrap();

    // Another feed syndicating the same text: a pointer with its own uri.
    let syndicated = item("other", Some("o-7"), None, "Talks stall", &text);
    let mut repost = story(&syndicated);
    let Decision::Duplicate { of, .. } = state.check(&mut repost, t0()) else {
        panic!("a re-post is a duplicate");
    };
    assert_eq!(of, original.uri);
    let fingerprint = repost.fingerprint;
    assert!(state.pointer(&mut repost, &of, t0()));
    assert_eq!(repost.duplicate_of.as_deref(), Some(original.uri.as_str()));
    assert_ne!(repost.uri, original.uri);
    assert_ne!(repost.fingerprint, fingerprint);
    let ninjs = repost.to_ninjs();
    assert_eq!(ninjs.representationtype, "partial");
    assert_eq!(ninjs.associations[0].uri, original.uri);
    state.commit(&repost).unwrap();

    // The same re-post again: still a duplicate of the original, but already pointed to.
    let mut again = story(&syndicated);
    let Decision::Duplicate { of, .. } = state.check(&mut again, t0()) else {
        panic!("still a duplicate");
    };
    assert_eq!(of, original.uri);
    assert!(!state.pointer(&mut again, &of, t0()));
    assert_eq!(again.duplicate_of, None);

    // A re-send of the original (same guid) has no identity of its own: no pointer.
    let mut resend = story(&item("wire", Some("g1"), None, "Talks stall", &text));
    let Decision::Duplicate { of, .. } = state.check(&mut resend, t0()) else {
        panic!("a re-send is a duplicate");
    };
    assert!(!state.pointer(&mut resend, &of, t0()));
    assert_eq!(resend.duplicate_of, None);

    // The original's story goes on: an update still continues it.
    let mut update = story(&item(
        "wire",
        Some("g1"),
        None,
        "UPDATE 1-Talks stall",
        &body("x", 9),
    ));
    assert!(matches!(
        state.check(&mut update, t0()),
        Decision::Version { .. }
    ));
    assert_eq!(update.uri, original.uri);
}

/// An entry of the sink's state is as old as its commit, not as the restart: one published
/// before the window is not restored at all, and one inside it leaves the window when it
/// would have without the restart. Before, every restart re-added every entry the state topic
/// ever kept, each as if published that moment, so the window never emptied of them.
#[test]
fn restore_keeps_the_age_of_an_entry() {
    let window = std::time::Duration::from_secs(3600);
    let config = StateConfig {
        window,
        ..StateConfig::default()
    };
    let old_item = item(
        "wire",
        Some("g-old"),
        None,
        "Old talk",
        &body("oil output", 8),
    );
    let recent_item = item(
        "wire",
        Some("g-new"),
        None,
        "Recent talk",
        &body("missile defense", 8),
    );
    let mut first = memory();
    let mut old = story(&old_item);
    let mut recent = story(&recent_item);
    first.check(&mut old, t0());
    first.check(&mut recent, t0());
    let old_record = wirefeed_model::Published::of(&old);
    let recent_record = wirefeed_model::Published::of(&recent);

    // The restart happens 50 minutes after the recent story and 70 after the old one.
    let restart = t0() + chrono::Duration::minutes(70);
    let mut state = StoryState::open(None, config, restart).unwrap();
    assert_eq!(
        state.restore(&old_record, t0(), restart).unwrap(),
        Restored::Expired
    );
    assert_eq!(
        state
            .restore(
                &recent_record,
                t0() + chrono::Duration::minutes(20),
                restart
            )
            .unwrap(),
        Restored::Added
    );
    assert_eq!(state.len(), 1);
    // A timestamp from a clock ahead of ours counts as now, not as later.
    let ahead = wirefeed_model::Published {
        fingerprint: recent_record.fingerprint ^ 1,
        uri: "urn:wirefeed:ahead".into(),
        guid: Some("g-ahead".into()),
        headline: "Another talk".into(),
        ..recent_record.clone()
    };
    assert_eq!(
        state
            .restore(&ahead, restart + chrono::Duration::days(30), restart)
            .unwrap(),
        Restored::Added
    );

    // Within its window the recent story is still an exact duplicate...
    let mut again = story(&recent_item);
    let at = t0() + chrono::Duration::minutes(75);
    assert!(matches!(
        state.check(&mut again, at),
        Decision::Duplicate { .. }
    ));
    // ...and once an hour has passed since its commit (not since the restart), it is new.
    let mut later = story(&recent_item);
    assert_eq!(
        state.check(&mut later, t0() + chrono::Duration::minutes(81)),
        Decision::New
    );
    // The old one was never restored: new at once.
    let mut old_again = story(&old_item);
    assert_eq!(state.check(&mut old_again, restart), Decision::New);
}

/// A story the sink refused (dead-lettered) gives its reservation back: before, a re-post of
/// it was dropped as a duplicate of a record nobody received, and an edited re-send became
/// version 2 of a story without a version 1.
#[test]
fn a_refused_story_gives_its_reservation_back() {
    let text = body("missile defense", 8);
    let mut state = memory();

    // A new story refused: the same story again is new, not a duplicate.
    let first = item(
        "wire",
        Some("g1"),
        Some("https://x.test/1"),
        "Talks stall",
        &text,
    );
    let mut refused = story(&first);
    assert_eq!(state.check(&mut refused, t0()), Decision::New);
    assert_eq!(Some(0), state.release(&refused));
    assert_eq!(state.len(), 0);
    let mut original = story(&first);
    assert_eq!(state.check(&mut original, t0()), Decision::New);
    assert_eq!(
        (original.uri.as_str(), original.version),
        (refused.uri.as_str(), 1)
    );
    state.commit(&original).unwrap();
    assert_eq!(state.release(&original), None, "a published story stays");
    assert_eq!(state.len(), 1);

    // Version 2 refused: the edited re-send is version 2 again, a re-post of the refused text
    // from another feed is new, and the keys lead to version 1 again. (A rewrite, so that the
    // re-post is not a near duplicate of version 1.)
    let edited = body("radar contract", 8);
    let update = item(
        "wire",
        Some("g1"),
        Some("https://x.test/1b"),
        "Talks stall",
        &edited,
    );
    let mut v2 = story(&update);
    assert_eq!(
        state.check(&mut v2, t0()),
        Decision::Version { previous: 1 }
    );
    assert_eq!(Some(0), state.release(&v2));
    let mut v2 = story(&update);
    assert_eq!(
        state.check(&mut v2, t0()),
        Decision::Version { previous: 1 }
    );
    assert_eq!((v2.uri.as_str(), v2.version), (original.uri.as_str(), 2));
    assert_eq!(Some(0), state.release(&v2));
    let mut elsewhere = story(&item("other", Some("o1"), None, "Radar talks", &edited));
    assert_eq!(state.check(&mut elsewhere, t0()), Decision::New);
    assert_eq!(Some(0), state.release(&elsewhere));
    let by_new_link = item(
        "third",
        None,
        Some("https://x.test/1b"),
        "Radar",
        &body("x", 9),
    );
    let mut s = story(&by_new_link);
    assert_eq!(
        state.check(&mut s, t0()),
        Decision::New,
        "the refused link is forgotten"
    );
    assert_eq!(Some(0), state.release(&s));
    let by_guid = item("wire", Some("g1"), None, "Talks", &body("y", 9));
    let mut s = story(&by_guid);
    assert_eq!(state.check(&mut s, t0()), Decision::Version { previous: 1 });
    assert_eq!(s.uri, original.uri);
    assert_eq!(Some(0), state.release(&s));
    let mut repost = story(&item("other", Some("o2"), None, "Talks stall", &text));
    assert!(matches!(
        state.check(&mut repost, t0()),
        Decision::Duplicate { kind: DuplicateKind::Exact, ref of, .. } if *of == original.uri
    ));
    assert_eq!(state.len(), 1);

    // Two versions in flight, the older refused first and then the newer: the chain of
    // versions is mended each time, and the uri and every key end at version 1 again.
    let v2_item = item(
        "wire",
        Some("g1"),
        Some("https://x.test/2"),
        "Talks stall",
        &edited,
    );
    let v3_item = item(
        "wire",
        Some("g1"),
        Some("https://x.test/2"),
        "Talks end",
        &body("z", 9),
    );
    let mut v2 = story(&v2_item);
    assert_eq!(
        state.check(&mut v2, t0()),
        Decision::Version { previous: 1 }
    );
    let mut v3 = story(&v3_item);
    assert_eq!(
        state.check(&mut v3, t0()),
        Decision::Version { previous: 2 }
    );
    assert_eq!(Some(0), state.release(&v2));
    let mut v4 = story(&item("wire", Some("g1"), None, "Talks", &body("w", 9)));
    assert_eq!(
        state.check(&mut v4, t0()),
        Decision::Version { previous: 3 }
    );
    assert_eq!(Some(0), state.release(&v4));
    assert_eq!(Some(0), state.release(&v3));
    assert_eq!(state.len(), 1);
    let mut s = story(&item(
        "third",
        None,
        Some("https://x.test/2"),
        "R",
        &body("v", 9),
    ));
    assert_eq!(state.check(&mut s, t0()), Decision::New);
    assert_eq!(Some(0), state.release(&s));
    let mut s = story(&item("wire", None, None, "talks STALL", &body("u", 9)));
    assert_eq!(
        state.check(&mut s, t0()),
        Decision::Version { previous: 1 },
        "headline key"
    );
    assert_eq!(s.uri, original.uri);

    // Re-posts dropped while the story was in flight are counted, so that their loss is
    // reported when the story is refused (exact and near duplicates alike).
    let mut state = memory();
    let mut in_flight = story(&first);
    assert_eq!(state.check(&mut in_flight, t0()), Decision::New);
    for (source, text) in [("a", text.clone()), ("b", format!("{text} Extra."))] {
        let mut repost = story(&item(source, Some("r"), None, "Other title", &text));
        assert!(matches!(
            state.check(&mut repost, t0()),
            Decision::Duplicate { ref of, .. } if *of == in_flight.uri
        ));
    }
    assert_eq!(state.release(&in_flight), Some(2));
    // Once published, re-posts are ordinary duplicates.
    let mut published = story(&first);
    assert_eq!(state.check(&mut published, t0()), Decision::New);
    state.commit(&published).unwrap();
    let mut repost = story(&item("a", Some("r"), None, "Other title", &text));
    assert!(matches!(
        state.check(&mut repost, t0()),
        Decision::Duplicate { .. }
    ));
    assert_eq!(state.release(&published), None);

    // A refused pointer is forgotten too: the re-post can be pointed to again.
    let mut state = memory();
    let mut original = story(&first);
    assert_eq!(state.check(&mut original, t0()), Decision::New);
    state.commit(&original).unwrap();
    let syndicated = item("other", Some("o-7"), None, "Talks stall", &text);
    let mut pointer = story(&syndicated);
    let Decision::Duplicate { of, .. } = state.check(&mut pointer, t0()) else {
        panic!("a re-post is a duplicate");
    };
    assert!(state.pointer(&mut pointer, &of, t0()));
    assert_eq!(Some(0), state.release(&pointer));
    let mut again = story(&syndicated);
    let Decision::Duplicate { of, .. } = state.check(&mut again, t0()) else {
        panic!("still a duplicate");
    };
    assert!(state.pointer(&mut again, &of, t0()));
}
