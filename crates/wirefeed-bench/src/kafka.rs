//! The broker side: topic creation, a `read_committed` consumer that tails what wirefeed
//! commits (for latency and the records of the raw baseline), and the raw producer baseline.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{Offset, TopicPartitionList};

/// Partitions of every topic the bench creates; wirefeed's default for topics it creates.
pub const PARTITIONS: i32 = 3;

/// A record as wirefeed committed it, and when the tailing consumer saw it.
pub struct Record {
    pub seen: Instant,
    pub key: Vec<u8>,
    pub payload: Vec<u8>,
    pub headers: Vec<(String, Vec<u8>)>,
}

impl Record {
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_slice())
    }
}

pub async fn create_topic(brokers: &str, topic: &str) -> anyhow::Result<()> {
    create_topic_with(brokers, topic, PARTITIONS, &[]).await
}

/// Deletes every topic whose name starts with `prefix` and contains `tag` (the bench's own:
/// see `unique` in main.rs). Returns how many.
pub async fn delete_topics_tagged(brokers: &str, prefix: &str, tag: &str) -> anyhow::Result<usize> {
    let admin = admin(brokers)?;
    // Listing topics is a blocking call in rdkafka.
    let metadata =
        tokio::task::block_in_place(|| admin.inner().fetch_metadata(None, Duration::from_secs(10)))
            .context("list topics")?;
    let own: Vec<String> = metadata
        .topics()
        .iter()
        .map(|t| t.name())
        .filter(|n| n.starts_with(prefix) && n.contains(tag))
        .map(String::from)
        .collect();
    if own.is_empty() {
        return Ok(0);
    }
    let names: Vec<&str> = own.iter().map(String::as_str).collect();
    let results = admin
        .delete_topics(
            &names,
            &AdminOptions::new().operation_timeout(Some(Duration::from_secs(60))),
        )
        .await
        .context("delete topics")?;
    all_done(results, "delete")?;
    Ok(own.len())
}

/// [`create_topic`] with a partition count and topic configs (e.g. `cleanup.policy`).
pub async fn create_topic_with(
    brokers: &str,
    topic: &str,
    partitions: i32,
    configs: &[(&str, &str)],
) -> anyhow::Result<()> {
    let new = configs.iter().fold(
        NewTopic::new(topic, partitions, TopicReplication::Fixed(1)),
        |t, (k, v)| t.set(k, v),
    );
    let results = admin(brokers)?
        .create_topics(
            &[new],
            &AdminOptions::new().operation_timeout(Some(Duration::from_secs(30))),
        )
        .await
        .context("create topic")?;
    all_done(results, "create")
}

fn admin(brokers: &str) -> anyhow::Result<AdminClient<DefaultClientContext>> {
    Ok(ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()?)
}

/// The first topic an admin operation failed on, as an error.
fn all_done(results: Vec<rdkafka::admin::TopicResult>, what: &str) -> anyhow::Result<()> {
    for r in results {
        if let Err((t, e)) = r {
            bail!("cannot {what} topic {t}: {e}");
        }
    }
    Ok(())
}

/// Tails `topic` from the beginning on a thread until `stop` is set, keeping what `keep`
/// makes of each message (the whole [`Record`] by default; a soak keeps a few bytes each).
pub struct Tail<T = Record> {
    pub records: Arc<Mutex<Vec<T>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Tail<Record> {
    pub fn start(brokers: &str, topic: &str) -> anyhow::Result<Tail> {
        Tail::start_with(brokers, topic, Some)
    }
}

impl<T: Send + 'static> Tail<T> {
    pub fn start_with(
        brokers: &str,
        topic: &str,
        keep: impl Fn(Record) -> Option<T> + Send + 'static,
    ) -> anyhow::Result<Tail<T>> {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", brokers)
            .set("group.id", format!("{topic}.bench"))
            .set("enable.auto.commit", "false")
            .set("isolation.level", "read_committed")
            .set("fetch.wait.max.ms", "10")
            .create()?;
        // Assigned, not subscribed: no group rebalance delays the first record.
        let mut tpl = TopicPartitionList::new();
        for p in 0..PARTITIONS {
            tpl.add_partition_offset(topic, p, Offset::Beginning)?;
        }
        consumer.assign(&tpl)?;
        let records = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::spawn({
            let (records, stop) = (records.clone(), stop.clone());
            move || {
                while !stop.load(Ordering::Relaxed) {
                    match consumer.poll(Duration::from_millis(50)) {
                        Some(Ok(m)) => {
                            let headers = m
                                .headers()
                                .map(|h| {
                                    h.iter()
                                        .map(|h| {
                                            (
                                                h.key.to_string(),
                                                h.value.unwrap_or_default().to_vec(),
                                            )
                                        })
                                        .collect()
                                })
                                .unwrap_or_default();
                            let r = Record {
                                seen: Instant::now(),
                                key: m.key().unwrap_or_default().to_vec(),
                                payload: m.payload().unwrap_or_default().to_vec(),
                                headers,
                            };
                            if let Some(t) = keep(r) {
                                records.lock().expect("records lock").push(t);
                            }
                        }
                        Some(Err(e)) => eprintln!("wirefeed-bench: consumer: {e}"),
                        None => {}
                    }
                }
            }
        });
        Ok(Tail {
            records,
            stop,
            thread: Some(thread),
        })
    }

    pub fn len(&self) -> usize {
        self.records.lock().expect("records lock").len()
    }

    pub fn finish(mut self) -> Vec<T> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        std::mem::take(&mut *self.records.lock().expect("records lock"))
    }
}

/// What the raw producer baseline measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RawResult {
    pub records: usize,
    /// State entries sent beside the records (the run that sends what wirefeed sends).
    pub state_records: usize,
    /// Records a `read_committed` consumer saw on the topic.
    pub visible: u64,
    pub bytes: u64,
    pub seconds: f64,
    pub transactions: u64,
}

/// Sends `rec`, waiting while librdkafka's queue is full; any other error is returned.
pub fn send_waiting<K, P>(
    producer: &ThreadedProducer<DefaultProducerContext>,
    mut rec: BaseRecord<'_, K, P>,
) -> anyhow::Result<()>
where
    K: rdkafka::message::ToBytes + ?Sized,
    P: rdkafka::message::ToBytes + ?Sized,
{
    loop {
        match producer.send(rec) {
            Ok(()) => return Ok(()),
            Err((e, back))
                if e.rdkafka_error_code() == Some(rdkafka::types::RDKafkaErrorCode::QueueFull) =>
            {
                rec = back;
                std::thread::sleep(Duration::from_millis(1));
            }
            Err((e, _)) => return Err(e.into()),
        }
    }
}

/// The physical limit: the same records, the same producer settings as wirefeed's Kafka sink
/// (idempotent, acks=all, the same compression and linger, one transaction per
/// `batch` records when exactly-once), with no pipeline in front. Timed from the first send to
/// the last commit (or flush). With `state`, each record is followed by the state entry of
/// the same index, sent to the state topic in the same transaction: as many entries as
/// wirefeed's sink sends, though not paired story by story.
pub fn produce_raw(
    brokers: &str,
    topic: &str,
    records: &[Record],
    state: Option<(&str, &[Record])>,
    compression: &str,
    exactly_once: bool,
    batch: usize,
) -> anyhow::Result<RawResult> {
    let mut cc = ClientConfig::new();
    cc.set("bootstrap.servers", brokers)
        .set("client.id", "wirefeed-bench-raw")
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("compression.type", compression)
        .set("linger.ms", "5");
    if exactly_once {
        cc.set("transactional.id", topic);
    }
    let producer: ThreadedProducer<DefaultProducerContext> = cc.create()?;
    let timeout = Duration::from_secs(60);
    if exactly_once {
        producer.init_transactions(timeout)?;
    }
    let started = Instant::now();
    let mut bytes = 0u64;
    let mut transactions = 0;
    let mut state_records = 0;
    let send = |topic: &str, r: &Record| {
        let mut headers = OwnedHeaders::new();
        for (k, v) in &r.headers {
            headers = headers.insert(Header {
                key: k,
                value: Some(v),
            });
        }
        let rec = BaseRecord::to(topic)
            .key(&r.key)
            .payload(&r.payload)
            .headers(headers);
        send_waiting(&producer, rec).context("raw produce")
    };
    for (c, chunk) in records.chunks(batch.max(1)).enumerate() {
        if exactly_once {
            producer.begin_transaction()?;
        }
        for (i, r) in chunk.iter().enumerate() {
            bytes += r.payload.len() as u64;
            send(topic, r)?;
            if let Some(entry) = state.and_then(|(t, s)| Some((t, s.get(c * batch.max(1) + i)?))) {
                bytes += entry.1.payload.len() as u64;
                send(entry.0, entry.1)?;
                state_records += 1;
            }
        }
        if exactly_once {
            // As wirefeed's sink does: let the deliveries settle first, or rdkafka's flush
            // inside commit_transaction sleeps a 100 ms poll per transaction.
            let settle = Instant::now();
            while producer.in_flight_count() > 0 && settle.elapsed() < timeout {
                std::thread::sleep(Duration::from_micros(200));
            }
            producer.commit_transaction(timeout)?;
            transactions += 1;
        }
    }
    producer.flush(timeout)?;
    Ok(RawResult {
        records: records.len(),
        state_records,
        visible: 0,
        bytes,
        seconds: started.elapsed().as_secs_f64(),
        transactions,
    })
}
