//! The results: one row per scale, the ratios, and their rendering as a table, JSON and
//! `BENCHMARKS.md`.

use serde::{Deserialize, Serialize};

use crate::kafka::RawResult;
use crate::run::{histogram_quantile, quantile, WirefeedRun};
use crate::spread::{median_index, show, Spread};

const MB: f64 = 1_000_000.0;

/// What a baseline pipeline prints (`bench/python_pipeline.py`, `bench/benthos`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PeerResult {
    pub stories: u64,
    pub failed: u64,
    pub duplicates: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub seconds: f64,
    pub cpu_seconds: f64,
    pub peak_rss_bytes: u64,
    /// Records a `read_committed` consumer saw on the topic (counted by the bench, not
    /// reported by the pipeline).
    #[serde(default)]
    pub visible: u64,
    /// Feed documents the pipeline could not fetch or parse (the Benthos pipeline says so;
    /// the Python one fails instead).
    #[serde(default)]
    pub feed_errors: u64,
}

impl PeerResult {
    fn stories_per_s(&self) -> f64 {
        per_s(self.stories as f64, self.seconds)
    }

    /// One line for BENCHMARKS.md: `who` ran, dropping duplicates the way `dropped_as` says.
    fn summary(&self, who: &str, dropped_as: &str) -> String {
        format!(
            "{who}: {} stories acked ({} failed), {} dropped as {dropped_as}, {:.2} s, {:.0} stories/s, {:.2} MB/s of feed XML, peak RSS {:.0} MB, {:.3} CPU s / 1,000 stories.\n",
            self.stories,
            self.failed,
            self.duplicates,
            self.seconds,
            self.stories_per_s(),
            self.bytes_in as f64 / MB / self.seconds.max(1e-9),
            self.peak_rss_bytes as f64 / MB,
            self.cpu_seconds * 1000.0 / (self.stories.max(1) as f64),
        )
    }
}

/// One wirefeed run's numbers.
#[derive(Debug, Serialize)]
pub struct WirefeedResult {
    pub accepted: u64,
    pub duplicates: u64,
    pub dead_letters: u64,
    pub acked: u64,
    pub record_bytes: u64,
    pub not_modified: u64,
    pub seconds: f64,
    pub stories_per_s: f64,
    pub feed_mb_per_s: f64,
    pub record_mb_per_s: f64,
    pub visible_latency_p50_s: Option<f64>,
    pub visible_latency_p99_s: Option<f64>,
    pub visible_latency_max_s: Option<f64>,
    pub fetch_ack_p50_s: Option<f64>,
    pub fetch_ack_p99_s: Option<f64>,
    /// The largest finite bucket bound of the histogram.
    pub fetch_ack_top_bucket_s: Option<f64>,
    pub peak_rss_bytes: u64,
    pub cpu_seconds: f64,
    pub cpu_seconds_per_1000: f64,
    pub transactions: u64,
    pub transaction_mean_s: f64,
}

/// `n / s`, or 0 for a run that took no time.
fn per_s(n: f64, s: f64) -> f64 {
    if s > 0.0 {
        n / s
    } else {
        0.0
    }
}

impl WirefeedResult {
    /// The numbers of `wf`, a run against feeds of `feed_bytes` in all.
    pub fn new(wf: &WirefeedRun, feed_bytes: u64) -> WirefeedResult {
        let record_bytes = wf.records.iter().map(|r| r.payload.len() as u64).sum();
        WirefeedResult {
            accepted: wf.accepted,
            duplicates: wf.duplicates,
            dead_letters: wf.dead_letters,
            acked: wf.acked,
            record_bytes,
            not_modified: wf.phase.not_modified,
            seconds: wf.seconds,
            stories_per_s: per_s(wf.acked as f64, wf.seconds),
            feed_mb_per_s: per_s(feed_bytes as f64 / MB, wf.seconds),
            record_mb_per_s: per_s(record_bytes as f64 / MB, wf.seconds),
            visible_latency_p50_s: quantile(&wf.visible_latency, 0.5),
            visible_latency_p99_s: quantile(&wf.visible_latency, 0.99),
            visible_latency_max_s: wf.visible_latency.last().copied(),
            fetch_ack_p50_s: histogram_quantile(&wf.histogram, 0.5),
            fetch_ack_p99_s: histogram_quantile(&wf.histogram, 0.99),
            fetch_ack_top_bucket_s: wf.histogram.iter().map(|b| b.0).rfind(|le| le.is_finite()),
            peak_rss_bytes: wf.peak_rss_bytes,
            cpu_seconds: wf.cpu_seconds,
            cpu_seconds_per_1000: per_s(wf.cpu_seconds * 1000.0, wf.acked as f64),
            transactions: wf.transactions,
            transaction_mean_s: wf.transaction_mean_s,
        }
    }
}

/// One round at one scale: wirefeed and each baseline once, close together in time, so a
/// ratio of two runs of the same round shares most of the machine's load of the moment.
#[derive(Debug, Serialize)]
pub struct RoundResult {
    pub round: usize,
    /// The pipelines in the order they ran.
    pub order: Vec<String>,
    pub wirefeed: WirefeedResult,
    pub raw: RawResult,
    pub raw_records_per_s: f64,
    pub wirefeed_over_raw: f64,
    /// The raw producer sending each record and its state entry, as wirefeed does.
    pub raw_with_state: Option<RawResult>,
    /// Story records per second of that run (each with its state entry).
    pub raw_with_state_per_s: Option<f64>,
    pub wirefeed_over_raw_with_state: Option<f64>,
    pub python: Option<PeerResult>,
    pub python_stories_per_s: Option<f64>,
    pub wirefeed_over_python: Option<f64>,
    pub benthos: Option<PeerResult>,
    pub benthos_stories_per_s: Option<f64>,
    pub wirefeed_over_benthos: Option<f64>,
}

impl RoundResult {
    pub fn new(
        round: usize,
        order: Vec<String>,
        wirefeed: WirefeedResult,
        raw: RawResult,
        raw_with_state: Option<RawResult>,
        python: Option<PeerResult>,
        benthos: Option<PeerResult>,
    ) -> RoundResult {
        let wf = wirefeed.stories_per_s;
        let raw_records_per_s = per_s(raw.records as f64, raw.seconds);
        let raw_with_state_per_s = raw_with_state
            .as_ref()
            .map(|r| per_s(r.records as f64, r.seconds));
        let python_stories_per_s = python.as_ref().map(PeerResult::stories_per_s);
        let benthos_stories_per_s = benthos.as_ref().map(PeerResult::stories_per_s);
        RoundResult {
            round,
            order,
            wirefeed,
            wirefeed_over_raw: per_s(wf, raw_records_per_s),
            raw,
            raw_records_per_s,
            wirefeed_over_raw_with_state: raw_with_state_per_s.map(|r| per_s(wf, r)),
            raw_with_state,
            raw_with_state_per_s,
            wirefeed_over_python: python_stories_per_s.map(|p| per_s(wf, p)),
            python,
            python_stories_per_s,
            wirefeed_over_benthos: benthos_stories_per_s.map(|p| per_s(wf, p)),
            benthos,
            benthos_stories_per_s,
        }
    }

    /// What this round's runs got wrong, against the feeds `s` describes.
    fn problems(&self, s: &ScaleResult) -> Vec<String> {
        let mut out = Vec::new();
        let w = &self.wirefeed;
        // Re-posts must be dropped; a detector of near-duplicates may rightly drop a few
        // more (Reuters-21578 has near-identical stories), but every item is accounted for.
        let expected_duplicates = s.items - s.expected_accepted;
        if w.accepted + w.duplicates != s.items
            || w.duplicates < expected_duplicates
            || w.acked != w.accepted
            || w.dead_letters != 0
        {
            out.push(format!(
                "items {}, accepted {} (expected {}), duplicates {} (expected at least {}), acked {}, dead letters {}",
                s.items, w.accepted, s.expected_accepted, w.duplicates, expected_duplicates, w.acked, w.dead_letters
            ));
        }
        if self.raw.visible != self.raw.records as u64 {
            out.push(format!(
                "the raw producer's topic shows {} records, expected {}",
                self.raw.visible, self.raw.records
            ));
        }
        if let Some(r) = &self.raw_with_state {
            if r.visible != self.raw.records as u64
                || r.records != self.raw.records
                || r.state_records != r.records
            {
                out.push(format!(
                    "the raw producer with state entries sent {} records and {} state entries (expected {} of each), its topic shows {}",
                    r.records, r.state_records, self.raw.records, r.visible
                ));
            }
        }
        if let Some(p) = self.python.as_ref().filter(|p| p.visible != p.stories) {
            out.push(format!(
                "Python acked {} stories but its topic shows {}",
                p.stories, p.visible
            ));
        }
        // Exact-duplicate removal drops exactly the re-posts; a baseline that lost or
        // duplicated records would be measuring something else.
        if let Some(b) = &self.benthos {
            if b.failed != 0
                || b.feed_errors != 0
                || b.stories != s.expected_accepted
                || b.visible != b.stories
            {
                out.push(format!(
                    "Benthos acked {} stories ({} failed, {} visible, {} feeds not fetched or parsed), expected {}",
                    b.stories, b.failed, b.visible, b.feed_errors, s.expected_accepted
                ));
            }
        }
        out
    }
}

/// Every round at one scale and their medians; each ratio's median is of the per-round
/// ratios, not a ratio of medians, so that only runs adjacent in time are divided.
#[derive(Debug, Serialize)]
pub struct ScaleResult {
    pub scale: usize,
    pub feeds: usize,
    pub items_per_feed: usize,
    pub items: u64,
    pub expected_accepted: u64,
    pub feed_bytes: u64,
    pub rounds: Vec<RoundResult>,
    /// The round whose wirefeed run had the median stories/s (the lower of the middle two
    /// for an even count): its time, latency, memory and CPU stand for the scale.
    pub median_round: usize,
    pub stories_per_s: Option<Spread>,
    pub raw_records_per_s: Option<Spread>,
    pub wirefeed_over_raw: Option<Spread>,
    pub raw_with_state_per_s: Option<Spread>,
    pub wirefeed_over_raw_with_state: Option<Spread>,
    pub python_stories_per_s: Option<Spread>,
    pub wirefeed_over_python: Option<Spread>,
    pub benthos_stories_per_s: Option<Spread>,
    pub wirefeed_over_benthos: Option<Spread>,
}

impl ScaleResult {
    pub fn new(
        scale: usize,
        feeds: usize,
        items_per_feed: usize,
        items: u64,
        expected_accepted: u64,
        feed_bytes: u64,
        rounds: Vec<RoundResult>,
    ) -> ScaleResult {
        let spread = |f: fn(&RoundResult) -> Option<f64>| Spread::of(rounds.iter().filter_map(f));
        let rates: Vec<f64> = rounds.iter().map(|r| r.wirefeed.stories_per_s).collect();
        ScaleResult {
            scale,
            feeds,
            items_per_feed,
            items,
            expected_accepted,
            feed_bytes,
            median_round: median_index(&rates).unwrap_or(0),
            stories_per_s: spread(|r| Some(r.wirefeed.stories_per_s)),
            raw_records_per_s: spread(|r| Some(r.raw_records_per_s)),
            wirefeed_over_raw: spread(|r| Some(r.wirefeed_over_raw)),
            raw_with_state_per_s: spread(|r| r.raw_with_state_per_s),
            wirefeed_over_raw_with_state: spread(|r| r.wirefeed_over_raw_with_state),
            python_stories_per_s: spread(|r| r.python_stories_per_s),
            wirefeed_over_python: spread(|r| r.wirefeed_over_python),
            benthos_stories_per_s: spread(|r| r.benthos_stories_per_s),
            wirefeed_over_benthos: spread(|r| r.wirefeed_over_benthos),
            rounds,
        }
    }

    /// The round with the median wirefeed run (`None` only without rounds).
    fn median(&self) -> Option<&RoundResult> {
        self.rounds.get(self.median_round)
    }

    /// The run of a baseline with the median stories/s over the rounds it ran in.
    fn median_peer(&self, peer: fn(&RoundResult) -> Option<&PeerResult>) -> Option<&PeerResult> {
        let runs: Vec<&PeerResult> = self.rounds.iter().filter_map(peer).collect();
        let rates: Vec<f64> = runs.iter().map(|p| p.stories_per_s()).collect();
        median_index(&rates).map(|i| runs[i])
    }
}

#[derive(Debug, Serialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory: String,
    pub kernel: String,
    pub rustc: String,
    pub loadavg_at_start: String,
}

impl Machine {
    fn probe() -> Machine {
        let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
        let cpuinfo = read("/proc/cpuinfo");
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
            .unwrap_or_else(|| "unknown".into());
        let memory = read("/proc/meminfo")
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .map(|m| m.trim().to_string())
            .unwrap_or_default();
        let rustc = std::process::Command::new("rustc")
            .arg("-V")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        Machine {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_string(),
            rustc,
            loadavg_at_start: read("/proc/loadavg").trim().to_string(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub command: String,
    pub machine: Machine,
    pub corpus: String,
    pub corpus_stories: usize,
    pub feeds: usize,
    pub items: usize,
    pub exactly_once: bool,
    pub compression: String,
    pub batch: usize,
    /// Rounds per scale (`--rounds`).
    pub rounds: usize,
    pub scales: Vec<ScaleResult>,
    pub loadavg_at_end: String,
}

fn ms(s: Option<f64>) -> String {
    s.map_or("–".into(), |s| format!("{:.0}", s * 1000.0))
}

/// A histogram quantile in ms; one past the last finite bucket is only a lower bound.
fn ms_bounded(s: Option<f64>, top: Option<f64>) -> String {
    match (s, top) {
        (Some(v), Some(t)) if v >= t => format!("> {:.0}", t * 1000.0),
        _ => ms(s),
    }
}

impl Report {
    pub fn new(
        command: &str,
        corpus: &str,
        corpus_stories: usize,
        feeds: usize,
        items: usize,
    ) -> Report {
        Report {
            command: command.into(),
            machine: Machine::probe(),
            corpus: corpus.into(),
            corpus_stories,
            feeds,
            items,
            exactly_once: true,
            compression: String::new(),
            batch: 0,
            rounds: 1,
            scales: Vec::new(),
            loadavg_at_end: String::new(),
        }
    }

    /// One row per scale: stories/s over the rounds, everything else from the median round.
    fn main_table(&self) -> String {
        let mut t = String::from("| scale | items (F × I) | records | time s | stories/s (median of rounds, range) | feed MB/s | record MB/s | served→visible p50 / p99 / max ms | fetch→ack p50 / p99 ms (histogram) | peak RSS MB | CPU s / 1,000 stories |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for s in &self.scales {
            let Some(w) = s.median().map(|r| &r.wirefeed) else {
                continue;
            };
            t.push_str(&format!(
                "| {}× | {} ({} × {}) | {} | {:.2} | {} | {:.2} | {:.2} | {} / {} / {} | {} / {} | {:.0} | {:.3} |\n",
                s.scale,
                s.items,
                s.feeds,
                s.items_per_feed,
                w.acked,
                w.seconds,
                show(s.stories_per_s, 0),
                w.feed_mb_per_s,
                w.record_mb_per_s,
                ms(w.visible_latency_p50_s),
                ms(w.visible_latency_p99_s),
                ms(w.visible_latency_max_s),
                ms_bounded(w.fetch_ack_p50_s, w.fetch_ack_top_bucket_s),
                ms_bounded(w.fetch_ack_p99_s, w.fetch_ack_top_bucket_s),
                w.peak_rss_bytes as f64 / MB,
                w.cpu_seconds_per_1000,
            ));
        }
        t
    }

    /// One row per scale: medians of the rounds (ratios: of the per-round ratios) and range.
    fn baseline_table(&self) -> String {
        let mut t = String::from("| scale | wirefeed stories/s | raw producer records/s | wirefeed ÷ raw (target ≥ 0.8) | raw with state entries, stories/s | wirefeed ÷ raw with state entries | transactions: wirefeed (mean ms) / raw (mean ms) | Python stories/s | wirefeed ÷ Python (target ≥ 100) | Benthos stories/s | wirefeed ÷ Benthos |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for s in &self.scales {
            let Some(r) = s.median() else {
                continue;
            };
            t.push_str(&format!(
                "| {}× | {} | {} | {} | {} | {} | {} ({:.0}) / {} ({:.0}) | {} | {} | {} | {} |\n",
                s.scale,
                show(s.stories_per_s, 0),
                show(s.raw_records_per_s, 0),
                show(s.wirefeed_over_raw, 2),
                show(s.raw_with_state_per_s, 0),
                show(s.wirefeed_over_raw_with_state, 2),
                r.wirefeed.transactions,
                r.wirefeed.transaction_mean_s * 1000.0,
                r.raw.transactions,
                r.raw.seconds * 1000.0 / (r.raw.transactions.max(1) as f64),
                show(s.python_stories_per_s, 0),
                show(s.wirefeed_over_python, 1),
                show(s.benthos_stories_per_s, 0),
                show(s.wirefeed_over_benthos, 2),
            ));
        }
        t
    }

    /// Every round of every scale, for the spread behind the medians.
    fn rounds_table(&self) -> String {
        let mut t = String::from("| scale | round | order | wirefeed stories/s | wirefeed CPU s / 1,000 stories | raw records/s | raw with state entries, stories/s | Benthos stories/s | wirefeed ÷ raw | wirefeed ÷ raw with state entries | wirefeed ÷ Benthos |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        let opt =
            |v: Option<f64>, decimals: usize| v.map_or("–".into(), |v| format!("{v:.decimals$}"));
        for s in &self.scales {
            for r in &s.rounds {
                let median = if r.round == s.median_round {
                    " (median)"
                } else {
                    ""
                };
                t.push_str(&format!(
                    "| {}× | {}{median} | {} | {:.0} | {:.3} | {:.0} | {} | {} | {:.2} | {} | {} |\n",
                    s.scale,
                    r.round,
                    r.order.join(", "),
                    r.wirefeed.stories_per_s,
                    r.wirefeed.cpu_seconds_per_1000,
                    r.raw_records_per_s,
                    opt(r.raw_with_state_per_s, 0),
                    opt(r.benthos_stories_per_s, 0),
                    r.wirefeed_over_raw,
                    opt(r.wirefeed_over_raw_with_state, 2),
                    opt(r.wirefeed_over_benthos, 2),
                ));
            }
        }
        t
    }

    /// wirefeed's counts in every round (the bench fails when any round's are wrong).
    fn checks_table(&self) -> String {
        let mut t = String::from("| scale | round | items served | expected records | accepted | duplicates dropped | dead letters | acked | 304 re-polls |\n|---|---|---|---|---|---|---|---|---|\n");
        for s in &self.scales {
            for r in &s.rounds {
                let w = &r.wirefeed;
                t.push_str(&format!(
                    "| {}× | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                    s.scale,
                    r.round,
                    s.items,
                    s.expected_accepted,
                    w.accepted,
                    w.duplicates,
                    w.dead_letters,
                    w.acked,
                    w.not_modified
                ));
            }
        }
        t
    }

    /// The result tables, as printed and as written under a heading.
    fn tables(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}",
            self.main_table(),
            self.baseline_table(),
            self.rounds_table(),
            self.checks_table()
        )
    }

    pub fn print(&mut self) {
        self.loadavg_at_end = std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
            .to_string();
        println!("{}", self.tables());
    }

    /// What a run got wrong, in any round: numbers from a run that lost, duplicated or
    /// dead-lettered stories measure something else, so the bench fails on them.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.scales {
            // Every raw run sends the records read back from round 0's wirefeed topic.
            if let Some(first) = s.rounds.first() {
                if first.raw.records as u64 != first.wirefeed.acked {
                    out.push(format!(
                        "scale {}×: the consumer read {} records back, wirefeed acked {}",
                        s.scale, first.raw.records, first.wirefeed.acked
                    ));
                }
            }
            for r in &s.rounds {
                out.extend(
                    r.problems(s)
                        .into_iter()
                        .map(|p| format!("scale {}×, round {}: {p}", s.scale, r.round)),
                );
            }
        }
        out
    }

    /// How time and memory grew from the first scale to each later one (median rounds).
    fn scaling(&self) -> String {
        let Some(first) = self.scales.first().and_then(ScaleResult::median) else {
            return String::new();
        };
        let (first, first_scale) = (&first.wirefeed, self.scales[0].scale);
        let mut out = String::new();
        for s in &self.scales[1..] {
            let Some(w) = s.median().map(|r| &r.wirefeed) else {
                continue;
            };
            out.push_str(&format!(
                "From {first_scale}× to {}× the items: time ×{:.1}, peak RSS ×{:.1}.\n",
                s.scale,
                w.seconds / first.seconds.max(1e-9),
                w.peak_rss_bytes as f64 / (first.peak_rss_bytes.max(1) as f64),
            ));
        }
        out
    }

    /// The result tables of this run under `title`, for a variant appended to a full report.
    pub fn section(&self, title: &str) -> String {
        format!(
            "## {title}\n\nInput: {corpus}; otherwise as above: {rounds} per scale in alternating order, ratios the median of the per-round ratios (lowest–highest in brackets), stories/s medians, the other columns from the round with the median wirefeed stories/s.\n\n```sh\n{cmd}\n```\n\n{tables}",
            corpus = self.corpus,
            rounds = self.rounds_count(),
            cmd = self.command,
            tables = self.tables(),
        )
    }

    /// "3 rounds", for the text.
    fn rounds_count(&self) -> String {
        match self.rounds {
            1 => "one round".into(),
            n => format!("{n} rounds"),
        }
    }

    pub fn markdown(&self) -> String {
        let m = &self.machine;
        let python = self
            .scales
            .iter()
            .find_map(|s| s.median_peer(|r| r.python.as_ref()));
        let python_section = match python {
            Some(p) => p.summary("Python pipeline at the first scale", "near-duplicates"),
            None => "The Python baseline was not run (no `--python`).\n".into(),
        };
        let benthos: String = self
            .scales
            .iter()
            .filter_map(|s| {
                let b = s.median_peer(|r| r.benthos.as_ref())?;
                Some(b.summary(
                    &format!("Benthos pipeline at {}× (its median round)", s.scale),
                    "exact duplicates",
                ))
            })
            .collect();
        let benthos_section = if benthos.is_empty() {
            "The Benthos baseline was not run (no `--benthos`; `scripts/bench` builds it when `go` is installed).\n".into()
        } else {
            benthos
        };
        format!(
            r#"# Benchmarks

Generated by `scripts/bench` — do not edit by hand; run it again after a change.

**This machine is shared**: other engineers compile on the same cores while the benchmark runs
(load average at start `{load0}`, at end `{load1}`), so absolute figures move between runs.
Each table compares wirefeed with its baselines **measured in the same rounds, on the same
broker, with the same records**; trust the ratios more than the absolute numbers.

## Machine

| | |
|---|---|
| CPU | {cpu} |
| cores | {cores} |
| memory | {mem} |
| kernel | {kernel} |
| toolchain | {rustc} |
| broker | the local single-node Kafka 4.1 from `scripts/kafka` (127.0.0.1:9092) |

## Command

```sh
scripts/bench
# which runs, after building the release binaries and the Python venv:
{cmd}
```

Input: {corpus} ({stories} distinct stories). F = {feeds} RSS feeds, I = {items} items per feed
at 1×; in each feed a tenth of the items are re-posts of another feed's story (same headline
and body: must be dropped) and a twentieth are `UPDATE 1-` versions of a story in the same
feed (same guid: published as version 2). Stories beyond the corpus size are generated (random
wire-like sentences, so no detector pairs them). Feeds are served with ETags from an axum server on
127.0.0.1; each is one `[[source]]` of `wirefeed run` (release build) writing to a fresh
topic with {eo}, `compression = "{comp}"`, `batch_max_records = {batch}`.

Each scale runs {rounds}. In each, wirefeed, the raw producer, the raw producer with state
entries and Benthos (when built) run once: in that order in rounds 0, 2, …, in the reverse
order in rounds 1, 3, …, so that neither side always runs second on a broker the other has
just warmed (or left busy). Python runs once, in round 0 of the first scale (it takes ~40 s).
Every wirefeed run has a feed server, topic and work directory of its own; every raw run
sends the records and state entries read back from round 0's wirefeed run. Identical runs on
this machine differ by 15–20%, and a ratio of two runs inherits the noise of both: so each
ratio is taken within a round, between runs adjacent in time, and the tables show the
**median of the per-round ratios** with their range (lowest–highest) in brackets. Stories/s
columns are medians too; the main table's other columns (time, MB/s, latency, memory, CPU)
come from the round whose wirefeed run had the median stories/s{even};
the Rounds table marks it and shows every round.

## End to end

Time runs from the first feed request to the moment the last record became visible to a
`read_committed` consumer (so after its acknowledgement); scrapes of `/metrics` only decide
that the run is complete (`wirefeed_sink_records_total{{outcome="acked",output="stories"}}`),
and happen once the consumer has been quiet for 300 ms (or every 10 s): a scrape of thousands
of sources' series costs wirefeed ~100 ms of CPU, and Prometheus scrapes every 15 s.
Feed MB/s counts the RSS documents served, record MB/s the ninjs values produced.
*served→visible* is per record, from the first 200 response of its feed to the moment a
`read_committed` consumer tailing the topic received it (an upper bound of fetch→ack; every
item of a feed appears at once, so this is queueing under a burst, not steady-load latency).
*fetch→ack* is wirefeed's own `wirefeed_delivery_latency_seconds` histogram, interpolated
inside its ×4 buckets (coarse). Peak RSS is `VmHWM` and CPU is user + system time, both
from `/proc` at the end of the run (CPU includes start-up).

{main}
{scaling}
## Against the baselines

Before the first run, 40,000 corpus stories are produced to a topic of their own with the
same settings, so that neither the first wirefeed run nor the first raw run meets a broker
whose JIT has not yet compiled its hot paths. Every baseline runs with the same
`read_committed` consumer tailing its topic that marks the end of wirefeed's run: the same
competition for the cores (it took ~0.3 of a core at 16×), and a count of the records that
really became visible, which the bench checks against what each pipeline reports.
*Raw producer*: the records wirefeed produced, read back from its topic, produced again to a
fresh topic by rdkafka with wirefeed's producer settings (idempotent, `acks=all`, same
compression, `linger.ms=5`, one transaction per {batch} records), timed from the first send
to the last commit. wirefeed's transactions also carry one small state entry per story to
its compacted state topic; this raw producer does not. *Raw with state entries* is the same
producer sending what wirefeed's transactions carry: after each record, a state entry (the
entries read back from wirefeed's state topic, in the order read) to a fresh `compact,delete`
topic, in the same transaction; the target ratio is stated against the first, stricter
baseline.
*Python*: `bench/python_pipeline.py` (feedparser → regex cleanup → datasketch MinHashLSH,
128 permutations, 5-word shingles, threshold 0.8 → keyword tagging with the same
taxonomy → confluent-kafka, idempotent, `acks=all`, zstd), on the same feeds and broker, one
process, timed from its first request to its last delivery report.
*Benthos*: `bench/benthos` (Benthos v4 core, the MIT-licensed engine of Redpanda Connect,
whose own Kafka and XML components we may not use: a lines `file` input of the feed URLs →
stock `http` processor → a gofeed processor plugin with the same regex cleanup → stock
`dedupe` on a hash of headline and body over a `memory` cache → a franz-go output plugin,
idempotent, `acks=all`, zstd, linger 5 ms, batches of {batch}, 64 in flight). It does less
work than wirefeed and Python: exact duplicates only, no tagging, no dateline or credits.
Timed from its start to its last acknowledgement.

{base}
{python_section}{benthos_section}
## Rounds

Every round of every scale, the pipelines in the order they ran; each ratio divides runs of
the same round.

{rounds_table}
## Checks

Every wirefeed run of every round must account for every item (accepted + duplicates = items
served, every accepted story acknowledged and read back, no dead letters), and drop at least
the re-posts; every baseline run must show on its topic what it reports; the bench fails
otherwise. Expected records = originals + updates; a near-duplicate detector may drop a few
more of the originals, which the table shows.

{checks}"#,
            load0 = m.loadavg_at_start,
            load1 = self.loadavg_at_end,
            cpu = m.cpu,
            cores = m.cores,
            mem = m.memory,
            kernel = m.kernel,
            rustc = m.rustc,
            cmd = self.command,
            corpus = self.corpus,
            stories = self.corpus_stories,
            feeds = self.feeds,
            items = self.items,
            eo = if self.exactly_once {
                "`exactly_once = true` (the default)"
            } else {
                "`exactly_once = false`"
            },
            comp = self.compression,
            batch = self.batch,
            rounds = self.rounds_count(),
            even = if self.rounds.is_multiple_of(2) {
                " (for an even number of rounds, the slower of the middle two)"
            } else {
                ""
            },
            rounds_table = self.rounds_table(),
            main = self.main_table(),
            scaling = self.scaling(),
            base = self.baseline_table(),
            checks = self.checks_table(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::Phase;

    /// 100 items, 10 of them re-posts: 90 stories at 90/s for `seconds` = 1.
    fn wirefeed(acked: u64, seconds: f64) -> WirefeedResult {
        let run = WirefeedRun {
            accepted: acked,
            duplicates: 100 - acked,
            dead_letters: 0,
            acked,
            seconds,
            phase: Phase::default(),
            records: Vec::new(),
            visible_latency: vec![0.01, 0.02],
            histogram: Vec::new(),
            peak_rss_bytes: 100_000_000,
            cpu_seconds: 0.5,
            transactions: 1,
            transaction_mean_s: 0.01,
        };
        WirefeedResult::new(&run, 1_000_000)
    }

    fn raw(state_records: usize, visible: u64, seconds: f64) -> RawResult {
        RawResult {
            records: 90,
            state_records,
            visible,
            bytes: 1000,
            seconds,
            transactions: 1,
        }
    }

    fn peer(stories: u64, visible: u64) -> PeerResult {
        PeerResult {
            stories,
            failed: 0,
            duplicates: 100 - stories,
            bytes_in: 1_000_000,
            bytes_out: 500_000,
            seconds: 2.0,
            cpu_seconds: 1.0,
            peak_rss_bytes: 50_000_000,
            visible,
            feed_errors: 0,
        }
    }

    fn round(
        n: usize,
        wf: WirefeedResult,
        raw: RawResult,
        raw_with_state: Option<RawResult>,
        benthos: Option<PeerResult>,
    ) -> RoundResult {
        let order = vec!["wirefeed".into(), "raw".into()];
        let python = (n == 0).then(|| peer(89, 89));
        RoundResult::new(n, order, wf, raw, raw_with_state, python, benthos)
    }

    fn report(rounds: Vec<RoundResult>) -> Report {
        let mut r = Report::new("wirefeed-bench", "generated", 10, 10, 10);
        r.rounds = rounds.len();
        r.scales
            .push(ScaleResult::new(1, 10, 10, 100, 90, 1_000_000, rounds));
        r
    }

    /// One round: wirefeed at 90/s, the raw producer at 180/s.
    fn one_round(
        raw_visible: u64,
        raw_with_state: Option<RawResult>,
        benthos: Option<PeerResult>,
    ) -> Report {
        let wf = wirefeed(90, 1.0);
        report(vec![round(
            0,
            wf,
            raw(0, raw_visible, 0.5),
            raw_with_state,
            benthos,
        )])
    }

    #[test]
    fn the_raw_run_with_state_entries_gets_its_ratio_and_is_checked() {
        let mut r = one_round(90, Some(raw(90, 90, 2.0)), None);
        let s = &r.scales[0];
        assert!(
            (s.wirefeed_over_raw_with_state.unwrap().median - 2.0).abs() < 1e-9,
            "90/s vs 45/s"
        );
        assert_eq!(r.problems(), Vec::<String>::new());
        assert!(r.markdown().contains("| 45 | 2.00 |"), "{}", r.markdown());
        for (state, visible) in [(80, 90), (90, 85)] {
            r.scales[0].rounds[0].raw_with_state = Some(raw(state, visible, 2.0));
            assert_eq!(r.problems().len(), 1, "{state} {visible}");
        }
    }

    #[test]
    fn a_correct_run_has_no_problems_and_reports_every_ratio() {
        let r = one_round(90, None, Some(peer(90, 90)));
        assert_eq!(r.problems(), Vec::<String>::new());
        let s = &r.scales[0];
        assert!(
            (s.wirefeed_over_raw.unwrap().median - 0.5).abs() < 1e-9,
            "90/s vs 180/s"
        );
        assert!(
            (s.wirefeed_over_benthos.unwrap().median - 2.0).abs() < 1e-9,
            "90/s vs 45/s"
        );
        let md = r.markdown();
        assert!(md.contains("| 1× | 90 | 180 | 0.50 |"), "{md}");
        assert!(md.contains("| 45 | 2.00 |"), "{md}");
        assert!(
            md.contains("Benthos pipeline at 1× (its median round): 90 stories acked"),
            "{md}"
        );
        assert!(md.contains("Each scale runs one round."), "{md}");
    }

    #[test]
    fn baselines_that_lose_records_fail_the_run() {
        let short = one_round(90, None, Some(peer(88, 88)));
        assert!(short
            .problems()
            .iter()
            .any(|p| p.contains("Benthos acked 88")));
        let unseen = one_round(90, None, Some(peer(90, 80)));
        assert!(unseen.problems().iter().any(|p| p.contains("80 visible")));
        let mut skipped = peer(90, 90);
        skipped.feed_errors = 1;
        let skipped = one_round(90, None, Some(skipped));
        assert!(skipped
            .problems()
            .iter()
            .any(|p| p.contains("1 feeds not fetched")));
        let raw = one_round(85, None, None);
        assert!(raw
            .problems()
            .iter()
            .any(|p| p.contains("shows 85 records")));
        assert!(raw.markdown().contains("The Benthos baseline was not run"));
    }

    /// Three rounds: wirefeed at 90, 120 and 72 stories/s against the raw producer at 180,
    /// 90 and 150 records/s: ratios 0.5, 1.33 and 0.48, whose median (0.5) is not the ratio
    /// of the medians (90 / 150).
    fn three_rounds() -> Report {
        let rounds = [(1.0, 0.5), (0.75, 1.0), (1.25, 0.6)]
            .into_iter()
            .enumerate()
            .map(|(n, (wf, raw_s))| round(n, wirefeed(90, wf), raw(0, 90, raw_s), None, None))
            .collect();
        report(rounds)
    }

    #[test]
    fn ratios_are_medians_of_the_per_round_ratios_with_their_range() {
        let r = three_rounds();
        assert_eq!(r.problems(), Vec::<String>::new());
        let s = &r.scales[0];
        assert_eq!(s.median_round, 0);
        let md = r.markdown();
        assert!(
            md.contains("| 1× | 90 (72–120) | 150 (90–180) | 0.50 (0.48–1.33) |"),
            "{md}"
        );
        assert!(
            md.contains("| 1× | 0 (median) | wirefeed, raw | 90 | 5.556 | 180 |"),
            "{md}"
        );
        assert!(
            md.contains("| 1× | 1 | wirefeed, raw | 120 | 5.556 | 90 |"),
            "{md}"
        );
        // The main table's time is the median round's.
        assert!(md.contains("| 90 | 1.00 | 90 (72–120) |"), "{md}");
        assert!(md.contains("Each scale runs 3 rounds."), "{md}");
    }

    #[test]
    fn every_round_is_checked_not_only_the_median_one() {
        let mut r = three_rounds();
        r.scales[0].rounds[2].wirefeed.dead_letters = 1;
        r.scales[0].rounds[1].raw.visible = 80;
        let problems = r.problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("scale 1×, round 1: the raw producer's topic shows 80"));
        assert!(problems[1].starts_with("scale 1×, round 2: items 100"));
    }
}
