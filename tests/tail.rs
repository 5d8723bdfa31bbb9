//! `wirefeed tail` against the real broker: publish the bundled samples to a fresh topic with
//! the real binary, then read them back as JSON and as readable, topic-filtered summaries.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Runs wirefeed with `args`, killing it if it has not exited after `timeout`.
fn run_with_timeout(args: &[&str], timeout: Duration) -> (bool, String, String) {
    let tmp = tempfile::tempdir().unwrap();
    let (out, err) = (tmp.path().join("out"), tmp.path().join("err"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_wirefeed"))
        .args(args)
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let ok = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.success();
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (
        ok,
        std::fs::read_to_string(out).unwrap(),
        std::fs::read_to_string(err).unwrap(),
    )
}

#[test]
fn tail_prints_published_stories_as_json_and_filters_by_topic() {
    let brokers = brokers();
    let topic = unique("wirefeed.test.tail");
    let tmp = tempfile::tempdir().unwrap();
    let config = repo().join("config/wirefeed.toml");
    let (ok, out, err) = run_with_timeout(
        &[
            "run",
            "--config",
            config.to_str().unwrap(),
            "--once",
            "--brokers",
            &brokers,
            "--topic",
            &topic,
            "--state-dir",
            tmp.path().join("state").to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ],
        Duration::from_secs(60),
    );
    assert!(ok && out.contains("published 8 stories"), "{out}\n{err}");

    let tail = |extra: &[&str]| {
        let mut args = vec![
            "tail",
            "--brokers",
            &brokers,
            "--topic",
            &topic,
            "--from-beginning",
        ];
        args.extend_from_slice(extra);
        run_with_timeout(&args, Duration::from_secs(60))
    };
    let (ok, out, err) = tail(&["--json", "--limit", "8"]);
    assert!(ok, "tail did not print 8 records:\n{out}\n{err}");
    let records: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 8);
    let tagged: Vec<&str> = records
        .iter()
        .filter(|r| {
            r["subjects"]
                .as_array()
                .is_some_and(|s| s.iter().any(|s| s["literal"] == "missile-defense"))
        })
        .map(|r| r["headlines"][0]["value"].as_str().unwrap())
        .collect();
    assert!(!tagged.is_empty() && tagged.len() < 8, "{tagged:?}");

    let n = tagged.len().to_string();
    let (ok, out, err) = tail(&["--filter-topic", "missile-defense", "--limit", &n]);
    assert!(ok, "{out}\n{err}");
    let blocks: Vec<&str> = out.split(&format!("{topic}/")).skip(1).collect();
    assert_eq!(blocks.len(), tagged.len(), "{out}");
    for block in &blocks {
        assert!(
            block.contains("topics: ") && block.contains("missile-defense"),
            "{block}"
        );
        assert!(
            block.contains("  v1  ") || block.contains("  v2  "),
            "{block}"
        );
    }
    for h in &tagged {
        assert!(out.contains(h), "{h} missing from:\n{out}");
    }
}
