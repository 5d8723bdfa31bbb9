//! Measured quality of the enricher on third-party corpora and on our own labelled cases.
//!
//! ```sh
//! cargo run --release -p wirefeed-enrich --example eval            # all tables
//! cargo run --release -p wirefeed-enrich --example eval -- bbc     # one of: bbc reuters cases
//! ```
//!
//! The corpora are read from `$WIREFEED_CORPORA` (default `../shared/corpora`, relative to the
//! repository root); they are research-only data and are never copied into the repository.
//!
//! - **BBC News** (`bbc-news/bbc/{business,entertainment,politics,sport,tech}`): each class
//!   against one of our topics. The taxonomy phrase lists were tuned on the *odd* file numbers
//!   only; the *even* numbers are the held-out split the headline figure is quoted on. Two
//!   readings: "top" = the most relevant of the five mapped topics is the prediction (one per
//!   story, like the gold label), "any" = every mapped topic we assign counts (multi-label).
//! - **Reuters-21578** (ModApte test split: `LEWISSPLIT="TEST"`, `TOPICS="YES"`, 3,299
//!   stories): PLACES / ORGS / PEOPLE labels against our places (country codes, cities count
//!   for their country), organisations and people. Predictions are scored only when they map
//!   into Reuters' label vocabulary (we find many people and organisations Reuters never
//!   labelled; those are neither right nor wrong here).
//! - **Our cases** (`eval/cases.toml`, also run by `cargo test`): defence topics and their
//!   hard negatives.
//!
//! Hand-written SGML handling: Reuters-21578 is not well-formed XML (no root, raw control
//! character references), and a handful of regexes over its fixed layout is all it needs.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use regex::Regex;
use wirefeed_enrich::{Enricher, Taxonomy, DEFAULT_TAXONOMY};
use wirefeed_model::{Dateline, ItemFormat, Story};

fn main() {
    let corpora = std::env::var_os("WIREFEED_CORPORA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora"));
    let which: Vec<String> = std::env::args().skip(1).collect();
    let want = |w: &str| which.is_empty() || which.iter().any(|x| x == w);
    let taxonomy = Taxonomy::from_toml_str(DEFAULT_TAXONOMY, "taxonomy.toml").expect("taxonomy");
    let enricher = Enricher::new(taxonomy).expect("enricher");
    if want("cases") {
        cases(&enricher);
    }
    if want("bbc") {
        bbc(&enricher, &corpora.join("bbc-news/bbc"));
    }
    if want("reuters") {
        reuters(&enricher, &corpora.join("reuters-21578/reuters21578"));
    }
}

pub fn story(headline: &str, paragraphs: Vec<String>) -> Story {
    let mut s = Story::new(
        "urn:wirefeed:story:eval",
        "eval".into(),
        ItemFormat::WireText,
        headline,
        paragraphs,
    );
    s.language = Some("en".into());
    s
}

/// True/false positives and false negatives of one class.
#[derive(Default, Clone, Copy)]
struct Counts {
    tp: u64,
    fp: u64,
    fn_: u64,
}

impl Counts {
    fn add(&mut self, o: Counts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }
    fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
    fn score<T: Ord>(&mut self, predicted: &BTreeSet<T>, gold: &BTreeSet<T>) {
        self.tp += predicted.intersection(gold).count() as u64;
        self.fp += predicted.difference(gold).count() as u64;
        self.fn_ += gold.difference(predicted).count() as u64;
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn table(title: &str, rows: &[(String, Counts)]) {
    println!("\n{title}");
    println!(
        "| {:<22} | {:>6} | {:>6} | {:>6} | {:>9} | {:>6} | {:>6} |",
        "class", "tp", "fp", "fn", "precision", "recall", "F1"
    );
    println!(
        "|{:-<24}|{:->8}|{:->8}|{:->8}|{:->11}|{:->8}|{:->8}|",
        "", "", "", "", "", "", ""
    );
    let mut micro = Counts::default();
    for (name, c) in rows {
        micro.add(*c);
        row(name, c);
    }
    if rows.len() > 1 {
        row("micro", &micro);
    }
}

fn row(name: &str, c: &Counts) {
    println!(
        "| {:<22} | {:>6} | {:>6} | {:>6} | {:>9.3} | {:>6.3} | {:>6.3} |",
        name,
        c.tp,
        c.fp,
        c.fn_,
        c.precision(),
        c.recall(),
        c.f1()
    );
}

// ------------------------------------------------------------------------- our cases

fn cases(enricher: &Enricher) {
    #[derive(serde::Deserialize)]
    struct File {
        case: Vec<Case>,
    }
    #[derive(serde::Deserialize)]
    struct Case {
        text: String,
        #[serde(default)]
        expect: Vec<String>,
        #[serde(default)]
        reject: Vec<String>,
    }
    let file: File = toml::from_str(include_str!("../eval/cases.toml")).expect("cases.toml");
    let mut per: BTreeMap<String, Counts> = BTreeMap::new();
    for c in &file.case {
        let mut parts = c.text.split("\n\n");
        let headline = parts.next().unwrap_or_default();
        let mut s = story(headline, parts.map(str::to_string).collect());
        enricher.enrich(&mut s);
        let got: BTreeSet<&str> = s.subjects.iter().map(|t| t.id.as_str()).collect();
        for e in &c.expect {
            let k = per.entry(e.clone()).or_default();
            if got.contains(e.as_str()) {
                k.tp += 1;
            } else {
                k.fn_ += 1;
                println!("MISSED  {e}: {headline}");
            }
        }
        for r in &c.reject {
            if got.contains(r.as_str()) {
                per.entry(r.clone()).or_default().fp += 1;
                println!("WRONG   {r}: {headline}");
            }
        }
    }
    let rows: Vec<(String, Counts)> = per.into_iter().collect();
    table(
        &format!(
            "Our labelled cases (crates/wirefeed-enrich/eval/cases.toml, {} stories; fp = a hard negative that fired)",
            file.case.len()
        ),
        &rows,
    );
}

// ------------------------------------------------------------------------- BBC News

const BBC: &[(&str, &str)] = &[
    ("business", "economy"),
    ("entertainment", "arts-entertainment"),
    ("politics", "politics"),
    ("sport", "sports"),
    ("tech", "technology"),
];

fn bbc(enricher: &Enricher, dir: &Path) {
    if !dir.is_dir() {
        println!("\nBBC News: {} not found, skipped", dir.display());
        return;
    }
    // [split][reading] -> per class counts
    let mut counts = vec![vec![vec![Counts::default(); BBC.len()]; 2]; 2];
    let mut untagged = [0u64; 2];
    let mut docs = [0u64; 2];
    let verbose = std::env::var_os("EVAL_VERBOSE").is_some();
    for (gold, (class, _)) in BBC.iter().enumerate() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(class))
            .expect("bbc class dir")
            .map(|e| e.expect("dir entry").path())
            .collect();
        files.sort();
        for f in files {
            let n: u32 = f
                .file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let split = (n & 1 == 0) as usize; // 0 = tune (odd), 1 = held out (even)
            let bytes = std::fs::read(&f).expect("bbc file");
            // One file (sport/199.txt) is Latin-1; a lossy decode only touches its £ sign.
            let text = String::from_utf8_lossy(&bytes);
            let mut parts = text.split("\n\n").map(str::trim).filter(|p| !p.is_empty());
            let headline = parts.next().unwrap_or_default().to_string();
            let mut s = story(&headline, parts.map(str::to_string).collect());
            enricher.enrich(&mut s);
            docs[split] += 1;
            let mapped: Vec<usize> = s
                .subjects
                .iter()
                .filter_map(|t| BBC.iter().position(|(_, id)| *id == t.id))
                .collect();
            if mapped.is_empty() {
                untagged[split] += 1;
            }
            if verbose && split == 0 && mapped.first() != Some(&gold) {
                let ids: Vec<String> = s
                    .subjects
                    .iter()
                    .map(|t| format!("{}:{}", t.id, t.relevance))
                    .collect();
                println!("{class}/{n}: {headline} -> {ids:?}");
            }
            // "top": subjects are sorted most relevant first.
            let top: BTreeSet<usize> = mapped.first().copied().into_iter().collect();
            let any: BTreeSet<usize> = mapped.iter().copied().collect();
            for (reading, predicted) in [top, any].iter().enumerate() {
                for (c, counts) in counts[split][reading].iter_mut().enumerate() {
                    let p = predicted.contains(&c);
                    let g = c == gold;
                    match (p, g) {
                        (true, true) => counts.tp += 1,
                        (true, false) => counts.fp += 1,
                        (false, true) => counts.fn_ += 1,
                        (false, false) => {}
                    }
                }
            }
        }
    }
    for (split, name) in [
        (1, "held-out: even file numbers"),
        (0, "tuning: odd file numbers"),
    ] {
        for (reading, rname) in [(0, "top"), (1, "any")] {
            let rows: Vec<(String, Counts)> = BBC
                .iter()
                .zip(&counts[split][reading])
                .map(|((class, id), c)| (format!("{class} = {id}"), *c))
                .collect();
            table(
                &format!(
                    "BBC News, {name}, {} stories, {} with none of the five topics; reading \"{rname}\"",
                    docs[split], untagged[split]
                ),
                &rows,
            );
        }
    }
}

// ------------------------------------------------------------------------- Reuters-21578

/// Reuters-21578 PLACES labels that are not our country name in lower-case-hyphen form.
const REUTERS_PLACES: &[(&str, &str)] = &[
    ("usa", "US"),
    ("uk", "GB"),
    ("ussr", "RU"),
    ("west-germany", "DE"),
    ("uae", "AE"),
    ("south-korea", "KR"),
    ("north-korea", "KP"),
    ("taiwan", "TW"),
    ("hong-kong", "HK"),
    ("ivory-coast", "CI"),
    ("burma", "MM"),
    ("czechoslovakia", "CZ"),
];

/// Our organisation names → Reuters ORGS labels.
const REUTERS_ORGS: &[(&str, &str)] = &[
    ("European Union", "ec"),
    ("European Community", "ec"),
    ("OPEC", "opec"),
    ("International Monetary Fund", "imf"),
    ("World Bank", "worldbank"),
    ("GATT", "gatt"),
    ("IAEA", "iaea"),
    ("United Nations", "un"),
    ("OECD", "oecd"),
    ("World Health Organization", "who"),
    ("International Energy Agency", "iea"),
    ("ASEAN", "asean"),
    ("Comecon", "comecon"),
    ("European Free Trade Association", "efta"),
    ("European Investment Bank", "eib"),
    ("Gulf Cooperation Council", "gcc"),
    ("Bank for International Settlements", "bis"),
    ("Food and Agriculture Organization", "fao"),
    ("UNCTAD", "unctad"),
    ("International Labour Organization", "ilo"),
    ("International Air Transport Association", "iata"),
    ("Asian Development Bank", "adb-asia"),
    ("African Development Bank", "adb-africa"),
    ("International Coffee Organization", "ico-coffee"),
    ("International Cocoa Organization", "icco"),
    ("International Tin Council", "itc"),
    ("International Natural Rubber Organization", "inro"),
    ("International Sugar Organization", "isa"),
];

struct ReutersDoc {
    title: String,
    dateline: Option<String>,
    body: String,
    places: BTreeSet<String>,
    orgs: BTreeSet<String>,
    people: BTreeSet<String>,
}

fn reuters_docs(dir: &Path) -> Vec<ReutersDoc> {
    let doc = Regex::new(r"(?s)<REUTERS ([^>]*)>(.*?)</REUTERS>").unwrap();
    let tag = |name: &str| Regex::new(&format!(r"(?s)<{name}>(.*?)</{name}>")).unwrap();
    let (title, dateline, body) = (tag("TITLE"), tag("DATELINE"), tag("BODY"));
    let (places, orgs, people) = (tag("PLACES"), tag("ORGS"), tag("PEOPLE"));
    let d = Regex::new(r"<D>(.*?)</D>").unwrap();
    let labels = |re: &Regex, text: &str| -> BTreeSet<String> {
        re.captures(text)
            .map(|c| d.captures_iter(&c[1]).map(|x| x[1].to_string()).collect())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for i in 0..=21 {
        let path = dir.join(format!("reut2-{i:03}.sgm"));
        let bytes = std::fs::read(&path).expect("reuters file");
        // One byte of reut2-017.sgm is Latin-1; lossy decoding changes only that letter.
        let text = String::from_utf8_lossy(&bytes);
        for c in doc.captures_iter(&text) {
            let (attrs, inner) = (&c[1], &c[2]);
            if !(attrs.contains("LEWISSPLIT=\"TEST\"") && attrs.contains("TOPICS=\"YES\"")) {
                continue;
            }
            let get = |re: &Regex| re.captures(inner).map(|x| unescape(&x[1]));
            out.push(ReutersDoc {
                title: get(&title).unwrap_or_default(),
                dateline: get(&dateline),
                body: get(&body).unwrap_or_default(),
                places: labels(&places, inner),
                orgs: labels(&orgs, inner),
                people: labels(&people, inner),
            });
        }
    }
    out
}

fn unescape(s: &str) -> String {
    let s = Regex::new(r"&#\d+;").unwrap().replace_all(s, "");
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Wire bodies are hard-wrapped with paragraphs indented by spaces; the trailing "Reuter"
/// signature is not text.
fn paragraphs(body: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in body.lines() {
        if line.starts_with("  ") || out.is_empty() {
            out.push(String::new());
        }
        let last = out.last_mut().unwrap();
        if !last.is_empty() {
            last.push(' ');
        }
        last.push_str(line.trim());
    }
    if let Some(last) = out.last_mut() {
        if let Some(s) = last.strip_suffix("Reuter") {
            *last = s.trim_end().to_string();
        }
    }
    out.retain(|p| !p.is_empty());
    out
}

fn title_case(s: &str) -> String {
    s.split_whitespace()
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f
                    .to_uppercase()
                    .chain(c.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

fn reuters(enricher: &Enricher, dir: &Path) {
    if !dir.is_dir() {
        println!("\nReuters-21578: {} not found, skipped", dir.display());
        return;
    }
    let docs = reuters_docs(dir);
    let vocab = |file: &str| -> BTreeSet<String> {
        std::fs::read_to_string(dir.join(file))
            .expect("vocabulary")
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    };
    let (place_vocab, org_vocab, people_vocab) = (
        vocab("all-places-strings.lc.txt"),
        vocab("all-orgs-strings.lc.txt"),
        vocab("all-people-strings.lc.txt"),
    );
    let place_override: HashMap<&str, &str> =
        REUTERS_PLACES.iter().map(|(l, c)| (*c, *l)).collect();
    let org_map: HashMap<&str, &str> = REUTERS_ORGS.iter().copied().collect();
    // Reuters people labels are "surname" or "first-surname": index them by surname.
    let mut by_surname: HashMap<String, Vec<String>> = HashMap::new();
    for p in &people_vocab {
        let surname = p.rsplit('-').next().unwrap_or(p).to_string();
        by_surname.entry(surname).or_default().push(p.clone());
    }
    let (mut pc, mut oc, mut hc) = (Counts::default(), Counts::default(), Counts::default());
    let verbose = std::env::var_os("EVAL_VERBOSE").is_some();
    for d in &docs {
        let mut s = story(&d.title, paragraphs(&d.body));
        if let Some(dl) = &d.dateline {
            // "    SALVADOR, Feb 26 - " → Salvador
            let city = dl.trim().split(',').next().unwrap_or_default().trim();
            if !city.is_empty() {
                s.dateline = Some(Dateline {
                    city: title_case(city),
                    country: None,
                    agency: None,
                    date: None,
                });
            }
        }
        enricher.enrich(&mut s);
        let places: BTreeSet<String> = s
            .places
            .iter()
            .filter(|p| p.kind == wirefeed_model::PlaceKind::Country || p.rel == "dateline")
            .filter_map(|p| {
                let code = p.country_code.as_deref()?;
                let label = match place_override.get(code) {
                    Some(l) => l.to_string(),
                    None if p.kind == wirefeed_model::PlaceKind::Country => {
                        p.name.to_lowercase().replace(' ', "-")
                    }
                    // A dateline city we do not know as a country name: find its country
                    // among the story's country places.
                    None => s
                        .places
                        .iter()
                        .find(|q| {
                            q.kind == wirefeed_model::PlaceKind::Country
                                && q.country_code.as_deref() == Some(code)
                        })?
                        .name
                        .to_lowercase()
                        .replace(' ', "-"),
                };
                place_vocab.contains(&label).then_some(label)
            })
            .collect();
        let orgs: BTreeSet<String> = s
            .organisations
            .iter()
            .filter_map(|o| org_map.get(o.name.as_str()).map(|l| l.to_string()))
            .filter(|l| org_vocab.contains(l))
            .collect();
        let people: BTreeSet<String> = s
            .people
            .iter()
            .filter_map(|p| {
                let surname = p.name.rsplit(' ').next()?.to_lowercase();
                let first = p.name.split(' ').next()?.to_lowercase();
                let cands = by_surname.get(&surname)?;
                cands
                    .iter()
                    .find(|c| **c == format!("{first}-{surname}"))
                    .or_else(|| cands.iter().find(|c| !c.contains('-')))
                    .or_else(|| (cands.len() == 1).then(|| &cands[0]))
                    .cloned()
            })
            .collect();
        if verbose && places != d.places {
            println!("places {:?} vs gold {:?}: {}", places, d.places, d.title);
        }
        pc.score(&places, &d.places);
        oc.score(&orgs, &d.orgs);
        hc.score(&people, &d.people);
    }
    table(
        &format!(
            "Reuters-21578 ModApte test split, {} stories (predictions scored when they map into Reuters' label vocabulary)",
            docs.len()
        ),
        &[
            ("PLACES".into(), pc),
            ("ORGS".into(), oc),
            ("PEOPLE".into(), hc),
        ],
    );
}
