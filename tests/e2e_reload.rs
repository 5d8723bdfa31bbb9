//! Taxonomy hot reload with the real binary: a changed file is picked up without a restart,
//! an invalid one keeps the last good taxonomy and raises the metric, SIGHUP reloads too.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

const ALPHA: &str = "[[topic]]\nid = \"alpha\"\nlabel = \"Alpha\"\ninclude = [\"zebra\"]\n";
const BETA: &str =
    "[[topic]]\nid = \"beta\"\nlabel = \"Beta\"\niptc = [\"medtop:20000602\"]\ninclude = [\"zebra\"]\n";
const BROKEN: &str = "[[topic]]\nid = \"beta\"\nlabel = \"Beta\"\ninclude = [\"zebra\"\n";

/// Waits until `check` holds or 20 s pass.
async fn eventually(what: &str, wf: &Wirefeed, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("timed out waiting for {what}\n{}", wf.log_text());
}

/// The topic literals of every story in the JSON Lines output whose headline is `headline`.
fn topics_of(out: &Path, headline: &str) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(out).ok()?;
    text.lines().find_map(|l| {
        let r: serde_json::Value = serde_json::from_str(l).ok()?;
        (r["headlines"][0]["value"] == headline).then(|| {
            r["subjects"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s["literal"].as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        })
    })
}

fn drop_story(dir: &Path, n: u32) -> String {
    let headline = format!("Zebra sighting number {n}");
    std::fs::write(
        dir.join(format!("{n:03}.txt")),
        format!("{headline}\n\nA zebra was seen, and then another zebra, in report {n}.\n"),
    )
    .unwrap();
    headline
}

#[tokio::test(flavor = "multi_thread")]
async fn taxonomy_reloads_on_change_and_sighup_and_survives_a_broken_file() {
    let tmp = tempfile::tempdir().unwrap();
    let drop_dir = tmp.path().join("drop");
    std::fs::create_dir(&drop_dir).unwrap();
    let taxonomy = tmp.path().join("taxonomy.toml");
    std::fs::write(&taxonomy, ALPHA).unwrap();
    let out = tmp.path().join("stories.jsonl");
    let port = free_port();
    let config = tmp.path().join("wirefeed.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{port}\"\n[enrich]\ntaxonomy = \"taxonomy.toml\"\n\
             [[source]]\nname = \"drop\"\nkind = \"dir\"\npath = \"drop\"\ninterval = \"200ms\"\n\
             [sink]\nkind = \"file\"\n[sink.file]\npath = \"stories.jsonl\"\n"
        ),
    )
    .unwrap();
    let wf = Wirefeed::start(
        &["run", "--config", config.to_str().unwrap()],
        &tmp.path().join("wirefeed.log"),
    );
    let metrics = format!("http://127.0.0.1:{port}/metrics");
    assert!(
        wait_http_ok(&metrics, Duration::from_secs(20)).await,
        "{}",
        wf.log_text()
    );
    let series =
        |outcome: &str| format!("wirefeed_enrich_taxonomy_reloads_total{{outcome=\"{outcome}\"}}");
    let value = |text: &str, s: &str| metric(text, s).unwrap_or(-1.0);

    let h1 = drop_story(&drop_dir, 1);
    eventually("story 1 tagged alpha", &wf, async || {
        topics_of(&out, &h1) == Some(vec!["alpha".to_string()])
    })
    .await;

    // A broken file: the reload fails, the metric says so, and stories keep the old topics.
    std::fs::write(&taxonomy, BROKEN).unwrap();
    eventually("failed reload counted", &wf, async || {
        let t = get_text(&metrics).await;
        value(&t, &series("failed")) == 1.0 && value(&t, "wirefeed_enrich_taxonomy_stale") == 1.0
    })
    .await;
    let h2 = drop_story(&drop_dir, 2);
    eventually("story 2 still tagged alpha", &wf, async || {
        topics_of(&out, &h2) == Some(vec!["alpha".to_string()])
    })
    .await;
    assert!(
        wf.log_text().contains("taxonomy reload failed"),
        "{}",
        wf.log_text()
    );

    // Fixed: picked up from the file change, the new topic (with its IPTC code) applies.
    std::fs::write(&taxonomy, BETA).unwrap();
    eventually("reload ok", &wf, async || {
        let t = get_text(&metrics).await;
        value(&t, &series("ok")) == 1.0 && value(&t, "wirefeed_enrich_taxonomy_stale") == 0.0
    })
    .await;
    let h3 = drop_story(&drop_dir, 3);
    eventually("story 3 tagged beta", &wf, async || {
        topics_of(&out, &h3) == Some(vec!["beta".to_string(), "medtop:20000602".to_string()])
    })
    .await;

    // SIGHUP reloads even when the file did not change.
    let pid = wf.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap()
        .success());
    eventually("SIGHUP reload", &wf, async || {
        value(&get_text(&metrics).await, &series("ok")) == 2.0
    })
    .await;
    let mut wf = wf;
    let (status, _) = wf.terminate();
    assert!(status.success(), "{}", wf.log_text());
}
