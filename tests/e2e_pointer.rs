//! `normalize.duplicates = "pointer"` end to end with the file sink: a story syndicated by a
//! second source is published once in full and once as a valid partial ninjs record pointing
//! to it; a second run publishes nothing.

mod common;

use std::process::Command;

use common::*;

fn run_once(config: &std::path::Path) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_wirefeed"))
        .args(["run", "--once", "--listen", "127.0.0.1:0", "--config"])
        .arg(config)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn syndicated_repost_is_published_as_a_pointer_to_the_original() {
    let tmp = tempfile::tempdir().unwrap();
    let samples = repo().join("config/samples/wire");
    // A second feed carrying one of the sample stories word for word.
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::copy(
        samples.join("004_energy.txt"),
        other.join("syndicated_energy.txt"),
    )
    .unwrap();
    let out = tmp.path().join("stories.jsonl");
    let config = tmp.path().join("wirefeed.toml");
    std::fs::write(
        &config,
        format!(
            r#"state_dir = "{state}"
[[source]]
name = "wire"
kind = "dir"
path = "{samples}"
[[source]]
name = "other"
kind = "dir"
path = "{other}"
[normalize]
duplicates = "pointer"
[sink]
kind = "file"
[sink.file]
path = "{out}"
"#,
            state = tmp.path().join("state").display(),
            samples = samples.display(),
            other = other.display(),
            out = out.display(),
        ),
    )
    .unwrap();

    let summary = run_once(&config);
    // Four sample files: 001 new, 002 its update, 003 a re-send of 001 from the same feed
    // (no identity of its own: dropped), 004 new; the syndicated copy of 004 is a pointer.
    assert!(
        summary.contains("published 4 stories, dropped 1 duplicates"),
        "{summary}"
    );
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let v = validator();
    for r in &records {
        assert_valid_ninjs(&v, r);
    }
    let pointers: Vec<&serde_json::Value> = records
        .iter()
        .filter(|r| r["representationtype"] == "partial")
        .collect();
    assert_eq!(pointers.len(), 1, "{records:#?}");
    let pointer = pointers[0];
    assert_eq!(pointer["bodies"], serde_json::json!([]));
    assert_eq!(pointer["associations"][0]["name"], "duplicate-of");
    let original_uri = &pointer["associations"][0]["uri"];
    let original = records
        .iter()
        .find(|r| &r["uri"] == original_uri)
        .expect("the pointer names a published story");
    assert_eq!(original["representationtype"], "full");
    assert_eq!(original["headlines"], pointer["headlines"]);
    assert_ne!(
        original["infosources"][0]["name"],
        pointer["infosources"][0]["name"]
    );
    assert_ne!(original["uri"], pointer["uri"]);

    // Everything was published: a second run adds nothing, pointers included.
    let summary = run_once(&config);
    assert!(summary.contains("published 0 stories"), "{summary}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap().lines().count(),
        records.len()
    );
}
