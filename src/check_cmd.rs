//! `wirefeed check`: loads everything `run` would load — config, taxonomy, normalizer and
//! enricher — and reports the first problem, naming the file, line and key, or a summary.
//! Nothing is started, contacted or written.

use std::path::PathBuf;

use anyhow::Context;

use crate::config::{Config, SinkKind};

/// What a valid configuration contains, printed by `wirefeed check`.
pub fn check(config_path: Option<PathBuf>) -> anyhow::Result<String> {
    let (config, origin) = match &config_path {
        Some(p) => (Config::load(p)?, p.display().to_string()),
        None => (Config::default(), "<built-in defaults>".to_string()),
    };
    config
        .validate()
        .map_err(|e| anyhow::anyhow!("{origin}: {e:#}"))?;
    let taxonomy = match &config.enrich.taxonomy {
        Some(path) => wirefeed_enrich::Taxonomy::load(path)?,
        None => wirefeed_enrich::Taxonomy::from_toml_str(
            wirefeed_enrich::DEFAULT_TAXONOMY,
            "<built-in taxonomy>",
        )?,
    };
    let topics = taxonomy.topic_ids().len();
    wirefeed_enrich::Enricher::new(taxonomy).context("building the enricher")?;
    wirefeed_normalize::Normalizer::new(config.normalize.clone())
        .map_err(|e| anyhow::anyhow!("{origin}: [normalize]: {e}"))?;
    let enabled = config.sources.iter().filter(|s| s.enabled).count();
    let sink = match config.sink.kind {
        SinkKind::File => format!("file {}", config.sink.file.path.display()),
        SinkKind::Kafka => format!(
            "kafka {} topic {}",
            config.sink.kafka.brokers, config.sink.kafka.topic
        ),
    };
    Ok(format!(
        "{origin}: ok: {enabled} of {} sources enabled, {topics} topics, sink {sink}, metrics on {}",
        config.sources.len(),
        config.listen
    ))
}
