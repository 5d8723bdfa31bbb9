//! README command 1: the embedded default (file sink, bundled samples) produces valid records.

mod common;

use std::process::Command;

use common::*;

fn run_once(out: &std::path::Path, state: &std::path::Path) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_wirefeed"))
        .args(["run", "--config"])
        .arg(repo().join("config/wirefeed.toml"))
        .arg("--once")
        .arg("--out")
        .arg(out)
        .arg("--state-dir")
        .arg(state)
        .args(["--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn embedded_default_writes_valid_ninjs_lines_and_remembers_what_it_published() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("stories.jsonl");
    let state = tmp.path().join("state");
    let summary = run_once(&out, &state);
    assert!(
        summary.contains("published 8 stories, dropped 1 duplicates, 0 dead letters"),
        "{summary}"
    );

    let text = std::fs::read_to_string(&out).unwrap();
    let v = validator();
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 8);
    for r in &records {
        assert_valid_ninjs(&v, r);
    }
    assert!(records.iter().any(|r| r["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["literal"] == "missile-defense")));

    // A second run finds everything already published: no new lines, no duplicates written.
    let summary = run_once(&out, &state);
    assert!(
        summary.contains("published 0 stories, dropped 9 duplicates"),
        "{summary}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 8);
}

/// A lost local window is rebuilt from the output file (the source of truth for what was
/// published), and the file's last modification stands for the time of its lines: a recent
/// file still marks its stories as published, one last written longer ago than the story
/// window (7 days) does not, as state-topic entries older than the window do not.
#[test]
fn a_lost_window_is_rebuilt_from_the_output_file_as_of_its_last_write() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("stories.jsonl");
    let summary = run_once(&out, &tmp.path().join("state-1"));
    assert!(summary.contains("published 8 stories"), "{summary}");

    // New state directory, recent file: everything is known from the file.
    let summary = run_once(&out, &tmp.path().join("state-2"));
    assert!(
        summary.contains("published 0 stories, dropped 9 duplicates"),
        "{summary}"
    );

    // New state directory, file last written 30 days ago: its lines are outside the window.
    let month_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(30 * 86_400);
    std::fs::File::options()
        .append(true)
        .open(&out)
        .unwrap()
        .set_modified(month_ago)
        .unwrap();
    let summary = run_once(&out, &tmp.path().join("state-3"));
    assert!(
        summary.contains("published 8 stories, dropped 1 duplicates"),
        "{summary}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 16);
}
