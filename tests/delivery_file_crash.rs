//! The embedded default under crashes: the JSON Lines sink, SIGKILLed at random points while
//! it works through 1,500 dropped stories, must end with every story exactly once — no
//! duplicate line, no lost line, no torn line.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;

const STORIES: usize = 1500;

#[test]
fn file_sink_has_each_story_once_after_sigkills() {
    let tmp = tempfile::tempdir().unwrap();
    let drop_dir = tmp.path().join("drop");
    std::fs::create_dir(&drop_dir).unwrap();
    // 250 new stories arrive before each run; each run is killed shortly after it starts
    // writing, so kills land between writing lines and acknowledging them, and mid-write.
    let write_round = |round: usize| {
        for i in round * 250..(round + 1) * 250 {
            let words: Vec<String> = (0..40)
                .map(|k| format!("v{}", (i * 7919 + k * 7727) % 999_983))
                .collect();
            let tmp_path = drop_dir.join(format!("{i:05}.txt.tmp"));
            std::fs::write(
                &tmp_path,
                format!(
                    "File story {i:05}\n\nROME, Feb 3 (Reuters) - {}.\n",
                    words.join(" ")
                ),
            )
            .unwrap();
            std::fs::rename(&tmp_path, drop_dir.join(format!("{i:05}.txt"))).unwrap();
        }
    };
    let out = tmp.path().join("out/stories.jsonl");
    let state = tmp.path().join("state");
    let args = [
        "run",
        "--listen",
        "127.0.0.1:0",
        "--watch-dir",
        drop_dir.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--state-dir",
        state.to_str().unwrap(),
        "--poll-interval",
        "200ms",
    ];
    let mut x: u64 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let lines = |p: &std::path::Path| {
        std::fs::read(p)
            .map(|b| b.iter().filter(|&&c| c == b'\n').count())
            .unwrap_or(0)
    };
    let mut interrupted = Vec::new();
    for round in 0..STORIES / 250 {
        write_round(round);
        let before = lines(&out);
        let mut wf = Wirefeed::start(&args, &tmp.path().join(format!("run-{round}.log")));
        let started = std::time::Instant::now();
        while lines(&out) <= before && started.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(2));
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        std::thread::sleep(Duration::from_millis(x % 40));
        let _ = wf.child.kill();
        let _ = wf.child.wait();
        interrupted.push(lines(&out).saturating_sub(before));
    }
    // A final run to completion.
    let mut once = args.to_vec();
    once.push("--once");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_wirefeed"))
        .args(&once)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let text = std::fs::read_to_string(&out).unwrap();
    let mut by_headline: BTreeMap<String, usize> = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("line {} is torn: {e}", n + 1));
        *by_headline
            .entry(v["headlines"][0]["value"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    let dups: Vec<_> = by_headline.iter().filter(|(_, c)| **c > 1).collect();
    println!("lines written before each SIGKILL (of 250 new stories per run): {interrupted:?}");
    println!(
        "file crash test: {} SIGKILLs, {} lines, {} distinct stories of {STORIES}, {} duplicated",
        interrupted.len(),
        text.lines().count(),
        by_headline.len(),
        dups.len()
    );
    assert!(
        interrupted.iter().all(|n| *n > 0),
        "every kill must land after the run started writing: {interrupted:?}"
    );
    assert!(dups.is_empty(), "duplicate lines: {dups:?}");
    assert_eq!(by_headline.len(), STORIES, "lost stories");
}
