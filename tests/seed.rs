//! The seed story from ../shared through the real binary: the record the project was
//! created for. Needs ../shared (or WIREFEED_SHARED); run by scripts/check-seed.

mod common;

use std::process::Command;

use common::*;

#[test]
fn seed_story_becomes_a_clean_tagged_ninjs_record() {
    let shared = std::env::var("WIREFEED_SHARED")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| repo().join("../shared"));
    let seed = shared.join("seed/000_325fa0d29c430040.txt");
    assert!(
        seed.exists(),
        "{} is missing: this harness needs ../shared",
        seed.display()
    );

    let tmp = tempfile::tempdir().unwrap();
    let drop_dir = tmp.path().join("drop");
    std::fs::create_dir(&drop_dir).unwrap();
    std::fs::copy(&seed, drop_dir.join("000_325fa0d29c430040.txt")).unwrap();
    let out = tmp.path().join("seed.jsonl");
    let o = Command::new(env!("CARGO_BIN_EXE_wirefeed"))
        .args(["run", "--once", "--listen", "127.0.0.1:0", "--watch-dir"])
        .arg(&drop_dir)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    let rec: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    println!("{}", serde_json::to_string_pretty(&rec).unwrap());
    if let Ok(path) = std::env::var("WIREFEED_SEED_OUT") {
        std::fs::write(path, serde_json::to_string_pretty(&rec).unwrap()).unwrap();
    }

    assert_valid_ninjs(&validator(), &rec);
    assert_eq!(
        rec["headlines"][0]["value"],
        "Russia asks for regular U.S. missile defense consultations"
    );
    assert_eq!(rec["located"], "Moscow");
    assert_eq!(
        rec["by"],
        "Reporting by Gabriela Baczynska; Editing by Angus MacSwan"
    );
    let people = rec["people"].as_array().unwrap();
    assert!(
        people
            .iter()
            .any(|p| p["name"] == "Gabriela Baczynska" && p["rel"] == "reporter"),
        "{people:#?}"
    );
    assert!(
        people
            .iter()
            .any(|p| p["name"] == "Angus MacSwan" && p["rel"] == "editor"),
        "{people:#?}"
    );
    let subjects = rec["subjects"].as_array().unwrap();
    for topic in ["missile-defense", "diplomacy"] {
        assert!(
            subjects.iter().any(|s| s["literal"] == topic),
            "{topic} missing: {subjects:#?}"
        );
    }
    for uri in ["20000602", "20000598", "20000639"] {
        let uri = format!("http://cv.iptc.org/newscodes/mediatopic/{uri}");
        assert!(
            subjects.iter().any(|s| s["uri"] == uri.as_str()),
            "{uri} missing"
        );
    }
    let places = rec["places"].as_array().unwrap();
    assert!(
        places
            .iter()
            .any(|p| p["name"] == "Moscow" && p["rel"] == "dateline"),
        "{places:#?}"
    );
    let body = rec["bodies"][0]["value"].as_str().unwrap();
    let para = body
        .split("\n\n")
        .find(|p| p.starts_with("Russia has toned down initial criticism"))
        .unwrap();
    assert_eq!(
        para,
        "Russia has toned down initial criticism of the U.S. decision, first announced on March 16, to add 14 \
         interceptors in Alaska and forgo a new interceptor it had earlier planned to deploy in central Europe."
    );
    assert!(
        body.starts_with("MOSCOW, March 25 (Reuters) - Russia has asked Washington"),
        "{body}"
    );
    assert!(!body.contains("Reporting by"));
}
