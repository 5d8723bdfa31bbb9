//! `wirefeed tail`: follows the output topic through [`wirefeed_sink::tail`] and prints each
//! record as a short readable block (headline, version, tags, places) or as one JSON line.

use std::io::Write;
use std::ops::ControlFlow;

use serde_json::Value;
use wirefeed_sink::tail::{TailConfig, TailRecord};

use crate::cli::TailArgs;
use crate::config::Config;

pub async fn run(args: TailArgs) -> anyhow::Result<()> {
    let config = match &args.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    let k = &config.sink.kafka;
    let mut topics = if args.topics.is_empty() {
        vec![k.topic.clone()]
    } else {
        args.topics.clone()
    };
    if args.dlq {
        topics.push(k.dlq_topic.clone());
    }
    let tail_config = TailConfig {
        brokers: args.brokers.clone().unwrap_or_else(|| k.brokers.clone()),
        topics,
        from_beginning: args.from_beginning,
        properties: k.properties.clone(),
    };
    tracing::info!(brokers = %tail_config.brokers, topics = ?tail_config.topics, "tailing");
    let mut printed = 0u64;
    let stdout = std::io::stdout();
    wirefeed_sink::tail::tail(&tail_config, |record| {
        let value: Option<Value> = serde_json::from_slice(&record.value).ok();
        if !args.filter_topics.is_empty()
            && !value
                .as_ref()
                .is_some_and(|v| tagged_with_any(v, &args.filter_topics))
        {
            return ControlFlow::Continue(());
        }
        let text = if args.json {
            match &value {
                Some(v) => v.to_string(),
                None => String::from_utf8_lossy(&record.value).into_owned(),
            }
        } else {
            readable(&record, value.as_ref())
        };
        let mut out = stdout.lock();
        // A closed pipe (`| head`) ends the tail quietly.
        if writeln!(out, "{text}").and_then(|_| out.flush()).is_err() {
            return ControlFlow::Break(());
        }
        printed += 1;
        if args.limit.is_some_and(|n| printed >= n) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .await?;
    Ok(())
}

/// Whether a ninjs record has a subject whose `literal` is one of `ids`.
fn tagged_with_any(v: &Value, ids: &[String]) -> bool {
    v["subjects"].as_array().is_some_and(|subjects| {
        subjects.iter().any(|s| {
            s["literal"]
                .as_str()
                .is_some_and(|l| ids.iter().any(|id| id == l))
        })
    })
}

fn names(v: &Value, field: &str) -> Vec<String> {
    v[field]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| {
                    let name = i["name"].as_str()?;
                    Some(match i["rel"].as_str() {
                        Some("dateline") => format!("{name} (dateline)"),
                        _ => name.to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A record as an operator wants to read it: where it is, what it is, how it was tagged.
fn readable(r: &TailRecord, value: Option<&Value>) -> String {
    let when = r
        .timestamp_ms
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default();
    let place = format!("{}/{}@{}", r.topic, r.partition, r.offset);
    let source = r.header("source").unwrap_or("?");
    if let Some(stage) = r.header("error-stage") {
        return format!(
            "{place}  {when}  DEAD LETTER from {source}: {stage}/{}: {}",
            r.header("error-class").unwrap_or("?"),
            r.header("error-message").unwrap_or("")
        );
    }
    let Some(v) = value else {
        return format!(
            "{place}  {when}  {source}  (not JSON, {} bytes)",
            r.value.len()
        );
    };
    let headline = v["headlines"][0]["value"]
        .as_str()
        .unwrap_or("(no headline)");
    let version = v["version"].as_str().unwrap_or("?");
    let topics: Vec<&str> = v["subjects"]
        .as_array()
        .map(|s| s.iter().filter_map(|s| s["literal"].as_str()).collect())
        .unwrap_or_default();
    let mut out = format!("{place}  {when}  v{version}  {source}\n  {headline}");
    if !topics.is_empty() {
        out.push_str(&format!("\n  topics: {}", topics.join(", ")));
    }
    let places = names(v, "places");
    if !places.is_empty() {
        out.push_str(&format!("\n  places: {}", places.join(", ")));
    }
    if let Some(uri) = v["uri"].as_str() {
        out.push_str(&format!("\n  uri: {uri}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(value: &str, headers: &[(&str, &str)]) -> TailRecord {
        TailRecord {
            topic: "wire.stories".into(),
            partition: 2,
            offset: 7,
            timestamp_ms: Some(0),
            key: None,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            value: value.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_story_reads_as_headline_version_topics_and_places() {
        let v: Value = serde_json::from_str(
            r#"{"uri":"urn:x","version":"2","headlines":[{"role":"main","value":"Radar nears service"}],
                "subjects":[{"literal":"missile-defense"},{"literal":"medtop:20000602"}],
                "places":[{"name":"Brussels","rel":"dateline"},{"name":"Poland","rel":"mentioned"}]}"#,
        )
        .unwrap();
        let r = record("", &[("source", "wire")]);
        let text = readable(&r, Some(&v));
        assert_eq!(
            text,
            "wire.stories/2@7  1970-01-01 00:00:00  v2  wire\n  Radar nears service\n  topics: missile-defense, medtop:20000602\n  places: Brussels (dateline), Poland\n  uri: urn:x"
        );
        assert!(tagged_with_any(&v, &["missile-defense".into()]));
        assert!(!tagged_with_any(&v, &["energy".into()]));
    }

    #[test]
    fn dead_letters_and_non_json_values_are_still_printed() {
        let r = record(
            "garbage",
            &[
                ("source", "wire"),
                ("error-stage", "normalize"),
                ("error-class", "empty"),
                ("error-message", "no headline"),
            ],
        );
        assert!(readable(&r, None).contains("DEAD LETTER from wire: normalize/empty: no headline"));
        let r = record("garbage", &[]);
        assert!(readable(&r, None).contains("(not JSON, 7 bytes)"));
    }
}
