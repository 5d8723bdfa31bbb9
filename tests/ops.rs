//! The operator's command line, driven as the real binary: `check` and its exit codes,
//! `${ENV}` references, environment overrides, `--help`/`--version`, the admin port.

mod common;

use std::process::{Command, Output};
use std::time::Duration;

use common::*;

fn wirefeed(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wirefeed"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn check_accepts_the_shipped_config_and_summarises_it() {
    let config = repo().join("config/wirefeed.toml");
    let o = wirefeed(&["check", "--config", config.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("ok: 2 of 2 sources enabled"), "{out}");
    assert!(out.contains("topics, sink file"), "{out}");
}

#[test]
fn check_names_file_line_and_key_and_exits_1() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: &[(&str, &[&str])] = &[
        // Unknown key: file, line and key from the TOML parser.
        ("listen = \"127.0.0.1:0\"\n\n[sink]\nknd = \"file\"\n", &["line 4", "knd"]),
        // Semantic error: the key path.
        (
            "[[source]]\nname = \"a\"\nkind = \"dir\"\npath = \".\"\n[[source]]\nname = \"b\"\nkind = \"http\"\n",
            &["source[1].url", "needs url"],
        ),
        // A `${NAME}` that is not set: the key and the variable.
        (
            "[sink.kafka.properties]\n\"sasl.password\" = \"${WIREFEED_TEST_UNSET_SECRET}\"\n",
            &["sink.kafka.properties.sasl.password", "WIREFEED_TEST_UNSET_SECRET"],
        ),
    ];
    for (i, (toml, wants)) in cases.iter().enumerate() {
        let path = tmp.path().join(format!("bad{i}.toml"));
        std::fs::write(&path, toml).unwrap();
        let o = wirefeed(&["check", "-c", path.to_str().unwrap()], &[]);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(1), "{t}");
        assert!(t.contains(&format!("bad{i}.toml")), "{t}");
        for w in *wants {
            assert!(t.contains(w), "want {w:?} in:\n{t}");
        }
    }
    // A broken taxonomy is named with its own file and line.
    let tax = tmp.path().join("taxonomy.toml");
    std::fs::write(&tax, "[[topic]]\nid = \"x\"\nbogus = [\n").unwrap();
    let path = tmp.path().join("tax.toml");
    std::fs::write(&path, "[enrich]\ntaxonomy = \"taxonomy.toml\"\n").unwrap();
    let o = wirefeed(&["check", "-c", path.to_str().unwrap()], &[]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("taxonomy.toml:"), "{t}");
    // A usage error is exit code 2.
    assert_eq!(wirefeed(&["check", "--bogus"], &[]).status.code(), Some(2));
}

#[test]
fn env_references_and_overrides_apply_and_secrets_stay_out_of_the_output() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("wirefeed.toml");
    std::fs::write(
        &path,
        "[sink]\nkind = \"kafka\"\n[sink.kafka]\nbrokers = \"${WF_TEST_BROKERS}\"\n[sink.kafka.properties]\n\"sasl.password\" = \"${WF_TEST_SECRET}\"\n",
    )
    .unwrap();
    let o = wirefeed(
        &["check"],
        &[
            ("WIREFEED_CONFIG", path.to_str().unwrap()),
            ("WF_TEST_BROKERS", "kafka-1:9092"),
            ("WF_TEST_SECRET", "s3cr3t-value"),
        ],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("sink kafka kafka-1:9092"), "{t}");
    assert!(!t.contains("s3cr3t-value"), "{t}");
}

#[test]
fn every_subcommand_has_help_with_examples_and_there_is_a_version() {
    for sub in ["run", "check", "tail", "ingest"] {
        let o = wirefeed(&[sub, "--help"], &[]);
        let t = text(&o);
        assert!(o.status.success(), "{t}");
        assert!(
            t.contains("Examples:") && t.contains(&format!("wirefeed {sub} ")),
            "{sub}: {t}"
        );
    }
    let o = wirefeed(&["--version"], &[]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("wirefeed {}", env!("CARGO_PKG_VERSION"))
    );
}

#[tokio::test]
async fn admin_listen_moves_the_probes_off_the_metrics_port() {
    let tmp = tempfile::tempdir().unwrap();
    let (metrics, admin) = (free_port(), free_port());
    let config = repo().join("config/wirefeed.toml");
    let out = tmp.path().join("stories.jsonl");
    let metrics_addr = format!("127.0.0.1:{metrics}");
    let admin_addr = format!("127.0.0.1:{admin}");
    // The addresses come from the environment: the deploy-time override path.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wirefeed"));
    cmd.args(["run", "--config", config.to_str().unwrap(), "--out"])
        .arg(&out)
        .arg("--state-dir")
        .arg(tmp.path().join("state"))
        .env("WIREFEED_LISTEN", &metrics_addr)
        .env("WIREFEED_ADMIN_LISTEN", &admin_addr)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let ready = wait_http_ok(
        &format!("http://{admin_addr}/readyz"),
        Duration::from_secs(30),
    )
    .await;
    let metrics_ok = wait_http_ok(
        &format!("http://{metrics_addr}/metrics"),
        Duration::from_secs(5),
    )
    .await;
    let probe_on_metrics = reqwest::get(format!("http://{metrics_addr}/readyz"))
        .await
        .map(|r| r.status().as_u16());
    let _ = child.kill();
    let _ = child.wait();
    assert!(ready, "admin /readyz never answered 200");
    assert!(metrics_ok);
    assert_eq!(probe_on_metrics.unwrap(), 404);
}

#[test]
fn ingest_backfills_folders_and_single_files_once_and_summarises() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("stories.jsonl");
    let state = tmp.path().join("state");
    let args = |out: &std::path::Path| {
        vec![
            "ingest".to_string(),
            repo().join("config/samples/wire").display().to_string(),
            repo()
                .join("config/samples/feeds/world.rss")
                .display()
                .to_string(),
            "--source".into(),
            "backfill".into(),
            "--out".into(),
            out.display().to_string(),
            "--state-dir".into(),
            state.display().to_string(),
        ]
    };
    let a = args(&out);
    let o = wirefeed(&a.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains(
            "wirefeed ingest: 5 files, published 6 stories, dropped 1 duplicates, 0 dead letters"
        ),
        "{stdout}"
    );
    // No terminal, no progress line noise.
    assert!(!String::from_utf8_lossy(&o.stderr).contains('\r'));
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 6);
    let v = validator();
    for r in &records {
        assert_valid_ninjs(&v, r);
        let source = r["infosources"][0]["name"].as_str().unwrap();
        assert!(source == "backfill-1" || source == "backfill-2", "{source}");
    }
    // The same backfill again publishes nothing: the shared state remembers it.
    let o = wirefeed(&a.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("published 0 stories, dropped 7 duplicates"),
        "{}",
        text(&o)
    );
    // A path that does not exist is an error that names it.
    let o = wirefeed(&["ingest", "/nonexistent/wirefeed-backfill"], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("/nonexistent/wirefeed-backfill"));
}

#[test]
fn ingest_decisions_name_every_input_item_and_its_fate() {
    let tmp = tempfile::tempdir().unwrap();
    // An archive tree: the sample wire copy two levels down, a broken file, and a feed with
    // one good item and one empty item.
    let deep = tmp.path().join("archive/2025/10");
    std::fs::create_dir_all(&deep).unwrap();
    for e in std::fs::read_dir(repo().join("config/samples/wire")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, deep.join(p.file_name().unwrap())).unwrap();
    }
    std::fs::write(
        tmp.path().join("archive/broken.xml"),
        "<rss><channel><item>",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("extra.rss"),
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><link>http://x/</link><description>d</description>
<item><guid>ok-1</guid><title>Dockworkers end strike at Rotterdam port</title><description>ROTTERDAM, Oct 14 (Reuters) - Dockworkers at Europe's largest port ended a week-long strike on Tuesday after unions and employers agreed a new wage deal, the union said.</description></item>
<item><guid>empty-1</guid></item>
</channel></rss>"#,
    )
    .unwrap();
    let decisions = tmp.path().join("decisions.jsonl");
    let archive = tmp.path().join("archive").display().to_string();
    let extra = tmp.path().join("extra.rss").display().to_string();
    let o = wirefeed(
        &[
            "ingest",
            &archive,
            &extra,
            "--out",
            "-",
            "--decisions",
            &decisions.display().to_string(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    // `--out -`: the records on standard output, the summary on standard error.
    let records: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        records.len(),
        4,
        "three wire stories (one an update) + one feed item"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("published 4 stories"));
    let v = validator();
    for r in &records {
        assert_valid_ninjs(&v, r);
        let input = r["altids"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["role"] == "wirefeed-input")
            .expect("every record names its input")["value"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(std::path::Path::new(&input).is_file(), "{input}");
    }

    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&decisions)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // 4 wire files + 2 feed items + 1 broken file: one line each.
    assert_eq!(lines.len(), 7, "{lines:#?}");
    let find = |input_end: &str, item: Option<&str>| {
        lines
            .iter()
            .find(|l| {
                l["input"].as_str().unwrap().ends_with(input_end)
                    && item.is_none_or(|i| l["item"] == i)
            })
            .unwrap_or_else(|| panic!("no decision for {input_end} {item:?}: {lines:#?}"))
    };
    let original = find("archive/2025/10/001_missile_defense.txt", None);
    assert_eq!(original["decision"], "emitted");
    assert_eq!(original["version"], 1);
    let uri = original["uri"].as_str().unwrap();
    let update = find("002_missile_defense_update.txt", None);
    assert_eq!(
        (&update["decision"], &update["uri"], &update["version"]),
        (&"emitted".into(), &uri.into(), &2.into())
    );
    let repost = find("003_missile_defense_repost.txt", None);
    assert_eq!(repost["decision"], "duplicate");
    assert_eq!(repost["of"], uri);
    assert_eq!(repost["distance"], 0);
    let broken = find("archive/broken.xml", None);
    assert_eq!(
        (&broken["decision"], &broken["stage"]),
        (&"rejected".into(), &"fetch".into())
    );
    assert!(!broken["reason"].as_str().unwrap().is_empty());
    assert_eq!(find("extra.rss", Some("ok-1"))["decision"], "emitted");
    let empty = find("extra.rss", Some("empty-1"));
    assert_eq!(
        (&empty["decision"], &empty["stage"]),
        (&"rejected".into(), &"normalize".into())
    );
    assert!(empty["reason"].as_str().unwrap().contains("no headline"));
}

/// `ingest --explain`: one line per published story naming its input, and for each topic its
/// phrases mention the rule that decided it and the phrases with their positions — positions
/// that point at the very text in the record.
#[test]
fn ingest_explain_gives_the_evidence_for_every_tag() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out.jsonl");
    let explain = tmp.path().join("explain.jsonl");
    let o = wirefeed(
        &[
            "ingest",
            &repo().join("config/samples/wire").display().to_string(),
            "--out",
            &out.display().to_string(),
            "--explain",
            &explain.display().to_string(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&explain)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), records.len(), "{lines:#?}");
    for r in &records {
        let l = lines
            .iter()
            // ninjs versions are strings.
            .find(|l| {
                l["uri"] == r["uri"]
                    && r["version"].as_str().and_then(|v| v.parse::<u64>().ok())
                        == l["version"].as_u64()
            })
            .unwrap_or_else(|| panic!("no explanation for {}", r["uri"]));
        assert!(l["input"].as_str().unwrap().ends_with(".txt"));
        // Every fired topic is a subject of the record, with the same relevance.
        for t in l["topics"].as_array().unwrap() {
            if t["outcome"]["rule"] == "fired" {
                let rel = &t["relevance"];
                assert!(
                    r["subjects"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|s| &s["relevance"] == rel),
                    "{} fired with relevance {rel} but no subject has it",
                    t["topic"]
                );
            }
        }
    }
    let missile = lines
        .iter()
        .find(|l| {
            l["input"]
                .as_str()
                .unwrap()
                .ends_with("001_missile_defense.txt")
        })
        .unwrap();
    let headline = missile["headline"].as_str().unwrap();
    let topic = missile["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["topic"] == "missile-defense")
        .expect("missile-defense explained");
    assert_eq!(topic["outcome"]["rule"], "fired");
    assert!(topic["score"].as_f64().unwrap() >= topic["min_score"].as_f64().unwrap());
    let evidence = topic["evidence"].as_array().unwrap();
    let hit = evidence
        .iter()
        .find(|e| e["role"] == "include" && e["part"] == 0)
        .expect("an include phrase in the headline");
    assert!(hit["points"].as_f64().unwrap() > 0.0);
    let (start, end) = (
        hit["start"].as_u64().unwrap() as usize,
        hit["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&headline[start..end], hit["text"].as_str().unwrap());
}
