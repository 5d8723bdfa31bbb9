//! The observability stack against the real thing: `promtool` checks the shipped scrape config
//! and alert rules and runs their unit tests; a real Prometheus server (Debian package
//! `prometheus`) scrapes a running wirefeed, evaluates the alert rules and every dashboard
//! query. These tests fail, not skip, when `promtool` or `prometheus` is missing from PATH:
//! `scripts/test` and `.ci/run` install the package.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// The path of a tool, or a panic that says how to get it.
fn tool(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("`{name}` is not on PATH: install the Debian package `prometheus` (apt-get install prometheus), or run scripts/test as root, which installs it")
        })
}

fn run_ok(cmd: &mut Command) -> String {
    let o = cmd.output().expect("run tool");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{cmd:?} failed:\n{text}");
    text
}

#[test]
fn promtool_accepts_the_scrape_config_and_rules_and_their_unit_tests_pass() {
    let promtool = tool("promtool");
    let dir = repo().join("deploy/prometheus");
    let out = run_ok(
        Command::new(&promtool)
            .args(["check", "config"])
            .arg(dir.join("prometheus.yml")),
    );
    assert!(out.contains("SUCCESS"), "{out}");
    let out = run_ok(
        Command::new(&promtool)
            .args(["check", "rules"])
            .arg(dir.join("rules/wirefeed.rules.yml")),
    );
    assert!(out.contains("SUCCESS: 8 rules found"), "{out}");
    let out = run_ok(
        Command::new(&promtool)
            .current_dir(dir.join("rules"))
            .args(["test", "rules", "wirefeed.rules.test.yml"]),
    );
    assert!(out.contains("SUCCESS"), "{out}");
}

/// A Prometheus server on 127.0.0.1, killed on drop.
struct Prometheus {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    fn start(target: &str) -> Prometheus {
        let dir = tempfile::tempdir().unwrap();
        let rules = repo().join("deploy/prometheus/rules/wirefeed.rules.yml");
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {}\nscrape_configs:\n  - job_name: wirefeed\n    static_configs:\n      - targets: [\"{target}\"]\n",
                rules.display()
            ),
        )
        .unwrap();
        let port = free_port();
        let child = Command::new(tool("prometheus"))
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("prometheus.log")).unwrap())
            .spawn()
            .expect("start prometheus");
        Prometheus {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("prometheus.log")).unwrap_or_default()
    }

    /// `GET /api/v1/<path>` with query parameters; the `data` of a successful answer.
    async fn api(&self, path: &str, params: &[(&str, &str)]) -> Result<serde_json::Value, String> {
        let r = reqwest::Client::new()
            .get(format!("{}/api/v1/{path}", self.url))
            .query(params)
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let body = r.bytes().await.map_err(|e| e.to_string())?;
        let v: serde_json::Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        if v["status"] == "success" {
            Ok(v["data"].clone())
        } else {
            Err(v.to_string())
        }
    }

    /// The value of a query that returns one sample, once it is there.
    async fn scalar(&self, query: &str) -> Option<f64> {
        let data = self.api("query", &[("query", query)]).await.ok()?;
        let result = data["result"].as_array()?;
        if result.len() != 1 {
            return None;
        }
        result[0]["value"][1].as_str()?.parse().ok()
    }

    /// Polls `query` until it equals `want` or 60 s pass.
    async fn wait_for(&self, query: &str, want: f64) {
        let started = Instant::now();
        let mut last = None;
        while started.elapsed() < Duration::from_secs(60) {
            last = self.scalar(query).await;
            if last == Some(want) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        panic!("{query} = {last:?}, want {want}\n{}", self.log());
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every `expr` in the dashboard JSON, with Grafana's variables replaced by what "All" means.
fn dashboard_queries() -> Vec<String> {
    let text =
        std::fs::read_to_string(repo().join("deploy/grafana/dashboards/wirefeed.json")).unwrap();
    let dash: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    for p in dash["panels"].as_array().unwrap() {
        for t in p["targets"].as_array().into_iter().flatten() {
            let e = t["expr"].as_str().unwrap();
            out.push(
                e.replace("$__rate_interval", "1m")
                    .replace("$source", ".*")
                    .replace("$instance", ".*"),
            );
        }
    }
    out
}

fn lint_with_promtool(text: &str) {
    let mut child = Command::new(tool("promtool"))
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.status.success() && report.trim().is_empty(),
        "promtool check metrics found problems in /metrics:\n{report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_prometheus_scrapes_wirefeed_evaluates_the_rules_and_every_dashboard_query() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let config = repo().join("config/wirefeed.toml");
    let out = tmp.path().join("stories.jsonl");
    let state = tmp.path().join("state");
    let _wirefeed = Wirefeed::start(
        &[
            "run",
            "--config",
            config.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--state-dir",
            state.to_str().unwrap(),
            "--listen",
            &listen,
        ],
        &tmp.path().join("wirefeed.log"),
    );
    assert!(
        wait_http_ok(&format!("http://{listen}/readyz"), Duration::from_secs(30)).await,
        "wirefeed never became ready"
    );
    // The bundled samples: 8 stories published, 1 re-post dropped.
    let started = Instant::now();
    let acked = "wirefeed_sink_records_total{outcome=\"acked\",output=\"stories\"}";
    let mut text = String::new();
    while started.elapsed() < Duration::from_secs(30) {
        text = get_text(&format!("http://{listen}/metrics")).await;
        if metric(&text, acked) == Some(8.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(metric(&text, acked), Some(8.0), "{text}");
    lint_with_promtool(&text);

    let prom = Prometheus::start(&listen);
    prom.wait_for("up{job=\"wirefeed\"}", 1.0).await;
    prom.wait_for("sum(wirefeed_stories_published_total)", 8.0)
        .await;
    prom.wait_for(
        "sum(wirefeed_normalize_stories_total{outcome=\"duplicate\"})",
        1.0,
    )
    .await;
    prom.wait_for(
        "sum(wirefeed_sink_records_total{output=\"stories\",outcome=\"acked\"})",
        8.0,
    )
    .await;
    prom.wait_for("wirefeed_ready", 1.0).await;
    prom.wait_for("wirefeed_backpressure_seconds", 0.0).await;
    prom.wait_for(
        &format!(
            "wirefeed_build_info{{version=\"{}\"}}",
            env!("CARGO_PKG_VERSION")
        ),
        1.0,
    )
    .await;
    prom.wait_for("count(wirefeed_stories_published_total)", 2.0)
        .await;
    prom.wait_for("sum(wirefeed_sources{kind=\"dir\"})", 2.0)
        .await;
    prom.wait_for("process_resident_memory_bytes > bool 1e6", 1.0)
        .await;
    prom.wait_for(
        "count(wirefeed_enrich_tags_total{topic=\"missile-defense\"} > 0)",
        1.0,
    )
    .await;

    // The alert rules load and evaluate without error against real series; none fires on a
    // healthy run.
    let started = Instant::now();
    loop {
        let data = prom.api("rules", &[]).await.unwrap();
        let rules: Vec<&serde_json::Value> = data["groups"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| g["rules"].as_array().unwrap())
            .collect();
        assert_eq!(rules.len(), 8, "{data:#}");
        let evaluated = rules.iter().all(|r| {
            r["lastEvaluation"]
                .as_str()
                .is_some_and(|t| !t.starts_with("0001"))
        });
        if evaluated {
            for r in &rules {
                assert_eq!(r["health"], "ok", "{r:#}");
                assert_eq!(r["state"], "inactive", "{r:#}");
            }
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "rules never evaluated: {data:#}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // Every dashboard query is valid PromQL for this server, and most have data already (the
    // rate-based ones need a minute of history, so only validity is required of those).
    let queries = dashboard_queries();
    assert!(queries.len() >= 20, "{}", queries.len());
    let mut with_data = 0;
    for q in &queries {
        let data = prom
            .api("query", &[("query", q)])
            .await
            .unwrap_or_else(|e| panic!("dashboard query {q} failed: {e}"));
        if !data["result"].as_array().unwrap().is_empty() {
            with_data += 1;
        }
    }
    assert!(
        with_data >= 8,
        "only {with_data} of {} dashboard queries returned series",
        queries.len()
    );
}
