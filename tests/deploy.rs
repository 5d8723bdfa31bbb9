//! The deploy/ artifacts cannot run here (no Docker, no cluster), so this checks what can be
//! checked without them: every YAML/JSON file parses, the facts that must agree across files
//! do (ports, probe paths, names, users), the configs they ship pass `wirefeed check`, and
//! every metric a dashboard or alert query names is one the service exports.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use serde_json::Value;

use common::*;

fn deploy() -> PathBuf {
    repo().join("deploy")
}

/// Every YAML document in a file (Kubernetes files may hold several).
fn yaml_docs(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    yaml_serde::Deserializer::from_str(&text)
        .map(|doc| Value::deserialize(doc).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}

fn yaml(path: &str) -> Value {
    let mut docs = yaml_docs(&deploy().join(path));
    assert_eq!(docs.len(), 1, "{path}");
    docs.remove(0)
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Runs `wirefeed check` on TOML text with the given environment.
fn check_config(toml: &str, env: &[(&str, &str)]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("wirefeed.toml");
    std::fs::write(&path, toml).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wirefeed"));
    cmd.args(["check", "--config"]).arg(&path);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().unwrap();
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "wirefeed check failed:\n{out}\n{toml}");
    out
}

/// The port of the `listen = "host:port"` line of a config.
fn listen_port(toml: &str) -> u16 {
    let line = toml
        .lines()
        .find(|l| l.trim_start().starts_with("listen ="))
        .expect("listen key");
    line.rsplit(':')
        .next()
        .unwrap()
        .trim_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .unwrap()
}

#[test]
fn every_yaml_and_json_file_in_deploy_parses() {
    let mut all = Vec::new();
    files(&deploy(), &mut all);
    let (mut yamls, mut jsons) = (0, 0);
    for p in &all {
        match p.extension().and_then(|e| e.to_str()) {
            Some("yml" | "yaml") => {
                assert!(!yaml_docs(p).is_empty(), "{}", p.display());
                yamls += 1;
            }
            Some("json") => {
                let text = std::fs::read_to_string(p).unwrap();
                serde_json::from_str::<Value>(&text)
                    .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                jsons += 1;
            }
            _ => {}
        }
    }
    assert!(yamls >= 13 && jsons >= 1, "{yamls} yaml, {jsons} json");
}

/// Metric names a PromQL expression mentions (tokens starting `wirefeed_` or `process_`).
fn metric_names(expr: &str) -> BTreeSet<String> {
    expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|t| t.starts_with("wirefeed_") || t.starts_with("process_"))
        .map(str::to_string)
        .collect()
}

/// Every series name `/metrics` can carry: family names plus histogram suffixes.
fn exported() -> BTreeSet<String> {
    let m = wirefeed_telemetry::Metrics::new().unwrap();
    m.preregister(&["s".into()], &["t".into()]);
    let mut out = BTreeSet::new();
    for f in m.registry.gather() {
        let name = f.name().to_string();
        if f.get_field_type() == wirefeed_telemetry::MetricType::HISTOGRAM {
            for s in ["_bucket", "_sum", "_count"] {
                out.insert(format!("{name}{s}"));
            }
        }
        out.insert(name);
    }
    out
}

#[test]
fn dashboard_and_alert_queries_name_only_exported_metrics() {
    let exported = exported();
    let dash: Value = serde_json::from_str(
        &std::fs::read_to_string(deploy().join("grafana/dashboards/wirefeed.json")).unwrap(),
    )
    .unwrap();
    let mut exprs = Vec::new();
    for p in dash["panels"].as_array().unwrap() {
        for t in p["targets"].as_array().into_iter().flatten() {
            exprs.push(t["expr"].as_str().unwrap().to_string());
        }
    }
    for v in dash["templating"]["list"].as_array().unwrap() {
        exprs.push(v["definition"].as_str().unwrap().to_string());
    }
    let rules = yaml("prometheus/rules/wirefeed.rules.yml");
    for g in rules["groups"].as_array().unwrap() {
        for r in g["rules"].as_array().unwrap() {
            exprs.push(r["expr"].as_str().unwrap().to_string());
        }
    }
    let mut used = BTreeSet::new();
    for e in &exprs {
        for name in metric_names(e) {
            assert!(
                exported.contains(&name),
                "{name} (in `{e}`) is not exported"
            );
            used.insert(name);
        }
    }
    // The dashboard covers what the issue asks for.
    for want in [
        "wirefeed_fetch_requests_total",
        "wirefeed_normalize_stories_total",
        "wirefeed_enrich_tags_total",
        "wirefeed_delivery_latency_seconds_bucket",
        "wirefeed_dead_letters_total",
        "wirefeed_sink_records_total",
        "wirefeed_backpressure_seconds",
        "process_resident_memory_bytes",
    ] {
        assert!(used.contains(want), "nothing shows {want}");
    }
}

#[test]
fn docker_image_is_multi_stage_non_root_with_a_healthcheck_on_the_config_port() {
    let dockerfile = std::fs::read_to_string(deploy().join("docker/Dockerfile")).unwrap();
    let lines: Vec<&str> = dockerfile.lines().map(str::trim).collect();
    assert!(
        lines.iter().filter(|l| l.starts_with("FROM ")).count() >= 2,
        "not multi-stage"
    );
    let user = lines
        .iter()
        .filter_map(|l| l.strip_prefix("USER "))
        .next_back()
        .expect("USER");
    let uid = user.split(':').next().unwrap();
    assert!(uid != "0" && uid != "root", "runs as {user}");
    let config = std::fs::read_to_string(deploy().join("docker/wirefeed.toml")).unwrap();
    let port = listen_port(&config);
    assert!(
        lines.contains(&format!("EXPOSE {port}").as_str()),
        "EXPOSE {port}"
    );
    let health = dockerfile
        .split("\nHEALTHCHECK ")
        .nth(1)
        .expect("HEALTHCHECK instruction");
    assert!(
        health.contains(&format!("127.0.0.1:{port}/readyz")),
        "{health}"
    );
    // Every COPY source from the build context exists.
    for l in &lines {
        if let Some(rest) = l.strip_prefix("COPY ") {
            if !rest.starts_with("--from") && !rest.starts_with(". ") {
                let src = rest.split_whitespace().next().unwrap();
                assert!(repo().join(src).exists(), "COPY {src}: missing");
            }
        }
    }
    let out = check_config(&config, &[("KAFKA_BROKERS", "kafka:9092")]);
    assert!(out.contains("sink kafka kafka:9092"), "{out}");
}

#[test]
fn compose_wires_kafka_wirefeed_prometheus_and_grafana_together() {
    let c = yaml("docker-compose.yml");
    let services = &c["services"];
    for s in ["kafka", "wirefeed", "prometheus", "grafana"] {
        assert!(services[s].is_object(), "service {s}");
    }
    let config = std::fs::read_to_string(deploy().join("docker/wirefeed.toml")).unwrap();
    let port = listen_port(&config);
    let w = &services["wirefeed"];
    assert_eq!(w["build"]["dockerfile"], "deploy/docker/Dockerfile");
    assert!(repo()
        .join(w["build"]["dockerfile"].as_str().unwrap())
        .exists());
    assert!(w["ports"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p == &Value::from(format!("{port}:{port}"))));
    let brokers = w["environment"]["KAFKA_BROKERS"].as_str().unwrap();
    assert!(brokers.starts_with("kafka:"), "{brokers}");
    assert_eq!(
        services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"],
        "broker,controller"
    );
    // Prometheus scrapes the compose service on the config's port.
    let prom = yaml("prometheus/prometheus.yml");
    let targets = &prom["scrape_configs"][0]["static_configs"][0]["targets"];
    assert_eq!(targets[0], Value::from(format!("wirefeed:{port}")));
    // Every bind-mounted file or folder exists.
    for s in ["prometheus", "grafana"] {
        for v in services[s]["volumes"].as_array().unwrap() {
            let src = v.as_str().unwrap().split(':').next().unwrap();
            if src.starts_with("./") {
                assert!(deploy().join(src).exists(), "{s}: {src} missing");
            }
        }
    }
    // Grafana's datasource uid is the one the dashboard uses.
    let ds = yaml("grafana/provisioning/datasources/prometheus.yml");
    assert_eq!(ds["datasources"][0]["uid"], "prometheus");
    assert_eq!(ds["datasources"][0]["url"], "http://prometheus:9090");
}

#[test]
fn kubernetes_manifests_agree_on_ports_probes_names_and_users() {
    let dir = deploy().join("k8s");
    let kustomization = yaml("k8s/kustomization.yaml");
    for r in kustomization["resources"].as_array().unwrap() {
        assert!(dir.join(r.as_str().unwrap()).exists(), "{r}");
    }
    let cm = yaml("k8s/configmap.yaml");
    let config = cm["data"]["wirefeed.toml"].as_str().unwrap();
    let port = listen_port(config);
    let d = yaml("k8s/deployment.yaml");
    assert_eq!(d["kind"], "Deployment");
    let pod = &d["spec"]["template"];
    assert_eq!(
        pod["metadata"]["labels"],
        d["spec"]["selector"]["matchLabels"]
    );
    assert_eq!(pod["spec"]["securityContext"]["runAsNonRoot"], true);
    let c = &pod["spec"]["containers"][0];
    let ports = c["ports"].as_array().unwrap();
    assert_eq!(ports[0]["name"], "metrics");
    assert_eq!(ports[0]["containerPort"], port);
    assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/readyz");
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        assert_eq!(c[probe]["httpGet"]["port"], "metrics", "{probe}");
    }
    assert!(c["resources"]["requests"]["memory"].is_string());
    assert!(c["resources"]["limits"]["memory"].is_string());
    assert_eq!(c["securityContext"]["allowPrivilegeEscalation"], false);
    // The config comes from the ConfigMap, mounted where args point.
    let vols = pod["spec"]["volumes"].as_array().unwrap();
    assert!(vols
        .iter()
        .any(|v| v["configMap"]["name"] == cm["metadata"]["name"]));
    let mount = c["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "config")
        .unwrap();
    let args: Vec<&str> = c["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        args.contains(&format!("{}/wirefeed.toml", mount["mountPath"].as_str().unwrap()).as_str()),
        "{args:?}"
    );
    // Secrets come from the Secret, by name and key, and every ${VAR} the config needs is set.
    let secret = yaml("k8s/secret.yaml");
    let env = c["env"].as_array().unwrap();
    let mut provided = Vec::new();
    for e in env {
        let name = e["name"].as_str().unwrap();
        let value = match &e["valueFrom"]["secretKeyRef"] {
            Value::Object(r) => {
                assert_eq!(r["name"], secret["metadata"]["name"]);
                let key = r["key"].as_str().unwrap();
                secret["stringData"][key]
                    .as_str()
                    .expect("secret key")
                    .to_string()
            }
            _ => e["value"].as_str().unwrap().to_string(),
        };
        provided.push((name.to_string(), value));
    }
    let env_refs: Vec<(&str, &str)> = provided
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let out = check_config(config, &env_refs);
    assert!(!out.contains("change-me"), "a secret was printed: {out}");
    // Service and monitors point at the named port and select the pods.
    let svc = yaml("k8s/service.yaml");
    assert_eq!(
        svc["spec"]["selector"],
        d["spec"]["selector"]["matchLabels"]
    );
    assert_eq!(svc["spec"]["ports"][0]["name"], "metrics");
    assert_eq!(svc["spec"]["ports"][0]["port"], port);
    let sm = yaml("k8s/servicemonitor.yaml");
    assert_eq!(sm["kind"], "ServiceMonitor");
    assert_eq!(sm["spec"]["endpoints"][0]["port"], "metrics");
    assert_eq!(sm["spec"]["endpoints"][0]["path"], "/metrics");
    assert_eq!(
        sm["spec"]["selector"]["matchLabels"],
        svc["metadata"]["labels"]
    );
    let pm = yaml("k8s/podmonitor.yaml");
    assert_eq!(pm["kind"], "PodMonitor");
    assert_eq!(pm["spec"]["podMetricsEndpoints"][0]["port"], "metrics");
    assert_eq!(
        pm["spec"]["selector"]["matchLabels"],
        pod["metadata"]["labels"]
    );
}

#[test]
fn systemd_unit_runs_checked_config_unprivileged_and_hardened() {
    let text = std::fs::read_to_string(deploy().join("systemd/wirefeed.service")).unwrap();
    let keys: Vec<(&str, &str)> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .collect();
    let get = |k: &str| keys.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
    assert!(get("ExecStart").unwrap().contains("wirefeed run --config"));
    assert!(get("ExecStartPre")
        .unwrap()
        .contains("wirefeed check --config"));
    assert_eq!(get("DynamicUser"), Some("yes"));
    for k in [
        "NoNewPrivileges",
        "ProtectHome",
        "PrivateTmp",
        "PrivateDevices",
        "RestrictNamespaces",
        "MemoryDenyWriteExecute",
    ] {
        assert_eq!(get(k), Some("yes"), "{k}");
    }
    assert_eq!(get("ProtectSystem"), Some("strict"));
    assert_eq!(get("CapabilityBoundingSet"), Some(""));
    // Longer than the default 9 s graceful-shutdown deadline.
    let stop: u64 = get("TimeoutStopSec").unwrap().parse().unwrap();
    assert!(stop > 9);
}
