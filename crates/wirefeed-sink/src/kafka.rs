use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::{FuturesUnordered, StreamExt};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::util::Timeout;
use tokio::sync::mpsc::Receiver;
use wirefeed_model::{
    DeadLetter, ErrorClass, Flow, Stage, Story, NINJS_CONTENT_TYPE, NINJS_VERSION, WIREFEED_VERSION,
};
use wirefeed_telemetry::Metrics;

use crate::{encode_story, record_ack, SinkError};

/// Kafka connection and topic settings.
#[derive(Debug, Clone)]
pub struct KafkaConfig {
    pub brokers: String,
    pub topic: String,
    pub dlq_topic: String,
    /// Partitions for topics we create.
    pub partitions: i32,
    pub replication: i32,
    /// Create missing topics at startup.
    pub create_topics: bool,
    /// Extra librdkafka properties (security, batching…), applied last so they win.
    pub properties: BTreeMap<String, String>,
}

/// Records in flight before the sink stops taking more from its channel. Bounded so a slow
/// or absent broker turns into backpressure up the pipeline rather than memory growth.
const MAX_IN_FLIGHT: usize = 10_000;

pub struct KafkaSink {
    producer: FutureProducer,
    config: KafkaConfig,
}

type Pending = std::pin::Pin<Box<dyn std::future::Future<Output = Sent> + Send>>;
type Sent = (
    Option<Story>,
    Option<DeadLetter>,
    Result<(), (KafkaError, Vec<u8>)>,
);

impl KafkaSink {
    /// Builds the producer, checks the cluster answers, and creates missing topics.
    pub async fn connect(config: KafkaConfig) -> Result<KafkaSink, SinkError> {
        let mut cc = ClientConfig::new();
        cc.set("bootstrap.servers", &config.brokers)
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("compression.type", "zstd")
            .set("linger.ms", "5")
            // 0 = retry until delivered: an outage becomes backpressure, not loss.
            .set("message.timeout.ms", "0")
            .set("client.id", "wirefeed");
        for (k, v) in &config.properties {
            cc.set(k, v);
        }
        let producer: FutureProducer = cc.create().map_err(|e| SinkError::Kafka(e.to_string()))?;
        let sink = KafkaSink { producer, config };
        sink.ensure_topics(&cc).await?;
        Ok(sink)
    }

    pub fn describe(&self) -> String {
        format!(
            "kafka {} topic {} (dead letters: {})",
            self.config.brokers, self.config.topic, self.config.dlq_topic
        )
    }

    async fn ensure_topics(&self, cc: &ClientConfig) -> Result<(), SinkError> {
        let producer = self.producer.clone();
        let metadata = tokio::task::spawn_blocking(move || {
            producer
                .client()
                .fetch_metadata(None, Timeout::After(Duration::from_secs(15)))
        })
        .await
        .map_err(|e| SinkError::Kafka(e.to_string()))?
        .map_err(|e| {
            SinkError::Kafka(format!("cannot reach brokers {}: {e}", self.config.brokers))
        })?;
        let existing: Vec<String> = metadata
            .topics()
            .iter()
            .map(|t| t.name().to_string())
            .collect();
        let missing: Vec<&String> = [&self.config.topic, &self.config.dlq_topic]
            .into_iter()
            .filter(|t| !existing.contains(t))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        if !self.config.create_topics {
            return Err(SinkError::Kafka(format!(
                "topics {missing:?} do not exist and create_topics is off"
            )));
        }
        let admin: AdminClient<DefaultClientContext> =
            cc.create().map_err(|e| SinkError::Kafka(e.to_string()))?;
        let new: Vec<NewTopic> = missing
            .iter()
            .map(|t| {
                NewTopic::new(
                    t,
                    self.config.partitions,
                    TopicReplication::Fixed(self.config.replication),
                )
            })
            .collect();
        let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(15)));
        let results = admin
            .create_topics(&new, &opts)
            .await
            .map_err(|e| SinkError::Kafka(e.to_string()))?;
        for r in results {
            match r {
                Ok(t) => tracing::info!(topic = %t, "created topic"),
                Err((t, RDKafkaErrorCode::TopicAlreadyExists)) => {
                    tracing::debug!(topic = %t, "topic exists")
                }
                Err((t, e)) => {
                    return Err(SinkError::Kafka(format!("cannot create topic {t}: {e}")))
                }
            }
        }
        Ok(())
    }

    fn send_story(&self, story: Story) -> impl std::future::Future<Output = Sent> + Send + 'static {
        let producer = self.producer.clone();
        let topic = self.config.topic.clone();
        async move {
            let payload = match encode_story(&story) {
                Ok(p) => p,
                Err(e) => {
                    let dl = DeadLetter::new(
                        Stage::Sink,
                        ErrorClass::Serialize,
                        story.source.clone(),
                        e.to_string(),
                        Vec::new(),
                    );
                    return (None, Some(dl), Ok(()));
                }
            };
            let version = story.version.to_string();
            let headers = OwnedHeaders::new()
                .insert(Header {
                    key: "content-type",
                    value: Some(NINJS_CONTENT_TYPE),
                })
                .insert(Header {
                    key: "ninjs-version",
                    value: Some(NINJS_VERSION),
                })
                .insert(Header {
                    key: "story-version",
                    value: Some(version.as_str()),
                })
                .insert(Header {
                    key: "source",
                    value: Some(&*story.source),
                })
                .insert(Header {
                    key: "wirefeed-version",
                    value: Some(WIREFEED_VERSION),
                });
            let record = FutureRecord::to(&topic)
                .key(story.uri.as_str())
                .payload(&payload)
                .headers(headers);
            let result = producer
                .send(record, Timeout::Never)
                .await
                .map(|_| ())
                .map_err(|(e, _)| (e, payload.clone()));
            (Some(story), None, result)
        }
    }

    fn send_dead(
        &self,
        dl: DeadLetter,
    ) -> impl std::future::Future<Output = Sent> + Send + 'static {
        let producer = self.producer.clone();
        let topic = self.config.dlq_topic.clone();
        async move {
            // Headers are bounded: a long parser message is cut, the raw payload is the value.
            let message: String = dl.message.chars().take(1024).collect();
            let at = dl.at.to_rfc3339();
            let headers = OwnedHeaders::new()
                .insert(Header {
                    key: "error-stage",
                    value: Some(dl.stage.as_str()),
                })
                .insert(Header {
                    key: "error-class",
                    value: Some(dl.class.as_str()),
                })
                .insert(Header {
                    key: "error-message",
                    value: Some(message.as_str()),
                })
                .insert(Header {
                    key: "source",
                    value: Some(&*dl.source),
                })
                .insert(Header {
                    key: "failed-at",
                    value: Some(at.as_str()),
                })
                .insert(Header {
                    key: "wirefeed-version",
                    value: Some(WIREFEED_VERSION),
                });
            let record = FutureRecord::to(&topic)
                .key(&*dl.source)
                .payload(&dl.payload)
                .headers(headers);
            let result = producer
                .send(record, Timeout::Never)
                .await
                .map(|_| ())
                .map_err(|(e, _)| (e, Vec::new()));
            (None, Some(dl), result)
        }
    }

    pub(crate) async fn run<F>(
        self,
        mut rx: Receiver<Flow<Story>>,
        metrics: Arc<Metrics>,
        mut on_ack: F,
    ) -> Result<(), SinkError>
    where
        F: FnMut(&Story) + Send,
    {
        let mut pending: FuturesUnordered<Pending> = FuturesUnordered::new();
        let mut open = true;
        while open || !pending.is_empty() {
            tokio::select! {
                Some((story, dead, result)) = pending.next(), if !pending.is_empty() => {
                    match (story, dead, result) {
                        (Some(story), _, Ok(())) => {
                            record_ack(&metrics, &story);
                            on_ack(&story);
                        }
                        (Some(story), _, Err((e, payload))) => {
                            // Retries are librdkafka's job (message.timeout.ms = 0); an error here
                            // is permanent for this record, e.g. too large for the broker.
                            metrics.sink_records.with_label_values(&["stories", "failed"]).inc();
                            tracing::warn!(source = %story.source, story = %story.uri, error = %e, "broker rejected record; dead-lettered");
                            let dl = DeadLetter::new(Stage::Sink, ErrorClass::Rejected, story.source.clone(), e.to_string(), payload);
                            metrics.dead_letters.with_label_values(&[Stage::Sink.as_str(), ErrorClass::Rejected.as_str()]).inc();
                            pending.push(Box::pin(self.send_dead(dl)));
                        }
                        (None, Some(dl), Ok(())) if dl.stage == Stage::Sink && dl.class == ErrorClass::Serialize => {
                            // A story that could not be serialized: send its dead letter now.
                            metrics.dead_letters.with_label_values(&[dl.stage.as_str(), dl.class.as_str()]).inc();
                            pending.push(Box::pin(self.send_dead(dl)));
                        }
                        (None, Some(_), Ok(())) => {
                            metrics.sink_records.with_label_values(&["dead_letter", "acked"]).inc();
                        }
                        (None, Some(dl), Err((e, _))) => {
                            metrics.sink_records.with_label_values(&["dead_letter", "failed"]).inc();
                            tracing::error!(source = %dl.source, stage = dl.stage.as_str(), error = %e, reason = %dl.message, "dead letter could not be written");
                        }
                        (None, None, _) => {}
                    }
                }
                msg = rx.recv(), if open && pending.len() < MAX_IN_FLIGHT => {
                    match msg {
                        Some(Flow::Item(story)) => pending.push(Box::pin(self.send_story(story))),
                        Some(Flow::Dead(dl)) => pending.push(Box::pin(self.send_dead(dl))),
                        None => open = false,
                    }
                }
            }
        }
        let producer = self.producer.clone();
        tokio::task::spawn_blocking(move || producer.flush(Timeout::After(Duration::from_secs(5))))
            .await
            .map_err(|e| SinkError::Kafka(e.to_string()))?
            .map_err(|e| SinkError::Kafka(format!("flush: {e}")))?;
        Ok(())
    }
}
