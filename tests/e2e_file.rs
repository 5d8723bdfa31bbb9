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
