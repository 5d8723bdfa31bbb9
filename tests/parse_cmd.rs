//! `wirefeed parse` on real files: JSON on stdout for a feed, a one-line reason and a
//! non-zero exit for what is not one.

use std::process::Command;

fn parse(path: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wirefeed"))
        .args(["parse", path])
        .output()
        .unwrap()
}

#[test]
fn a_sample_feed_prints_the_universal_model() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/samples/feeds/world.rss"
    );
    let out = parse(path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format"], "rss");
    assert_eq!(v["encoding"], "UTF-8");
    assert!(v["warnings"].is_array());
    assert_eq!(v["feed"]["feedType"], "rss");
    let items = v["feed"]["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items[0]["title"].is_string());
    assert!(items[0]["publishedParsed"]
        .as_str()
        .is_some_and(|d| chrono::DateTime::parse_from_rfc3339(d).is_ok()));
}

#[test]
fn unparseable_input_exits_non_zero_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("page.xml");
    std::fs::write(&html, "<html><body>hi</body></html>").unwrap();
    let out = parse(html.to_str().unwrap());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("not a feed"), "{err}");
    assert!(out.stdout.is_empty());
}
