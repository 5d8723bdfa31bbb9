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
