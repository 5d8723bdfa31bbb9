//! Conformance of the fetch stage's readers against third-party corpora in `../shared`
//! (never copied into the repository). Run from the repository root:
//!
//! ```sh
//! cargo run --release -p wirefeed-fetch --example conformance
//! ```
//!
//! `WIREFEED_CORPORA` overrides the corpora folder (default `../shared/corpora`). Prints one
//! table row per suite: files, parsed, errors, crashes (panics), and field agreement where
//! the suite has expectations. Exits non-zero on any crash.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use wirefeed_fetch::{read_document, Document, DocumentKind, FetchError};

#[derive(Default)]
struct Row {
    files: usize,
    parsed: usize,
    errors: usize,
    crashes: usize,
    fields: usize,
    agree: usize,
    note: String,
}

fn files(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, exts, out);
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| exts.contains(&e))
        {
            out.push(p);
        }
    }
}

/// Parses one file, turning a panic into `None`.
fn parse(path: &Path) -> Option<Result<Document, FetchError>> {
    let bytes = std::fs::read(path).ok()?;
    let source: Arc<str> = Arc::from("conformance");
    catch_unwind(AssertUnwindSafe(|| {
        read_document(&bytes, &source, DocumentKind::Sniff, None, None)
    }))
    .ok()
}

fn tally(row: &mut Row, r: &Option<Result<Document, FetchError>>) {
    row.files += 1;
    match r {
        None | Some(Err(FetchError::Panic(_))) => row.crashes += 1,
        Some(Ok(_)) => row.parsed += 1,
        Some(Err(_)) => row.errors += 1,
    }
}

/// Leaf values by path (`items.0.title`), for field-by-field comparison.
fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                flatten(&format!("{prefix}{k}."), v, out);
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                flatten(&format!("{prefix}{i}."), v, out);
            }
        }
        Value::Null => {}
        _ => {
            out.insert(prefix.trim_end_matches('.').to_string(), v.clone());
        }
    }
}

fn same(key: &str, want: &Value, got: Option<&Value>) -> bool {
    // gofeed's test unmarshals the fixture into its structs, where an absent field and an
    // empty string are the same zero value (its JSON tags are `omitempty`).
    if want.as_str() == Some("") && got.is_none_or(|g| g.as_str() == Some("")) {
        return true;
    }
    let Some(got) = got else {
        return false;
    };
    let s = |v: &Value| match v {
        Value::String(s) => s.trim().to_string(),
        other => other.to_string(),
    };
    // feed-rs normalises URLs through `url::Url` (`http://x.org` → `http://x.org/`).
    if s(want) + "/" == s(got) {
        return true;
    }
    if key.ends_with("Parsed") {
        let t = |v: &Value| chrono::DateTime::parse_from_rfc3339(&s(v)).ok();
        return t(want).is_some() && t(want) == t(got);
    }
    s(want) == s(got)
}

/// The field group of a leaf path, for the notes: gofeed's projections (extension maps,
/// images, generator, copyright, raw date strings), `enclosure`, or core.
fn field_group(key: &str) -> &'static str {
    const PROJECTIONS: [&str; 7] = [
        "dcExt",
        "itunesExt",
        "extensions",
        "custom",
        "image",
        "generator",
        "copyright",
    ];
    let parts: Vec<&str> = key.split('.').collect();
    // The first in the path: `extensions.itunes.image` is an extension, not an image.
    if let Some(p) = parts
        .iter()
        .find_map(|p| PROJECTIONS.iter().find(|q| *q == p))
    {
        return p;
    }
    if parts.contains(&"enclosure") {
        return "enclosure";
    }
    let leaf = parts
        .iter()
        .rev()
        .find(|p| p.parse::<usize>().is_err())
        .copied()
        .unwrap_or("");
    if matches!(leaf, "published" | "updated") {
        "raw date"
    } else {
        ""
    }
}

/// gofeed's translator and extension fixtures: every expected field against ours.
fn gofeed(root: &Path) -> (Row, Row) {
    let mut all = Row::default();
    let mut ours = Row::default();
    let mut missing: BTreeMap<String, usize> = BTreeMap::new();
    let mut unmodelled: BTreeMap<String, usize> = BTreeMap::new();
    // Per projection group: (fields, agreeing).
    let mut projections: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let base = root.join("gofeed/testdata");
    let mut inputs = Vec::new();
    for d in ["translator", "extensions"] {
        files(&base.join(d), &["xml", "json"], &mut inputs);
    }
    for input in inputs {
        let name = input.to_string_lossy();
        if name.ends_with("_expected.json") {
            continue;
        }
        let expected = if input.extension().is_some_and(|e| e == "json") {
            input.with_file_name(format!(
                "{}_expected.json",
                input.file_stem().unwrap_or_default().to_string_lossy()
            ))
        } else {
            input.with_extension("json")
        };
        let Ok(text) = std::fs::read_to_string(&expected) else {
            continue;
        };
        let Ok(want) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let r = parse(&input);
        tally(&mut all, &r);
        let got = match &r {
            Some(Ok(doc)) => doc.to_universal(),
            _ => Value::Null,
        };
        let mut wf = BTreeMap::new();
        flatten("", &want, &mut wf);
        let mut gf = BTreeMap::new();
        flatten("", &got, &mut gf);
        for (k, v) in &wf {
            let ok = same(k, v, gf.get(k));
            all.fields += 1;
            all.agree += usize::from(ok);
            if !ok && std::env::var_os("CONFORMANCE_VERBOSE").is_some() {
                println!(
                    "miss {}: {k}: want {v} got {:?}",
                    input.display(),
                    gf.get(k)
                );
            }
            // `items.N.enclosure` is not a field of gofeed's `Item` at all (gofeed's own test
            // drops it when it unmarshals the fixture, and its `type` here, `audio/jpeg`, is
            // in no source document), so it can only count against "all fields".
            let group = field_group(k);
            if group == "enclosure" {
                *unmodelled.entry(group.to_string()).or_default() += 1;
                continue;
            }
            if !group.is_empty() {
                let p = projections.entry(group).or_default();
                p.0 += 1;
                p.1 += usize::from(ok);
            }
            ours.fields += 1;
            ours.agree += usize::from(ok);
            if !ok {
                let shape: String = k
                    .split('.')
                    .map(|p| if p.parse::<usize>().is_ok() { "N" } else { p })
                    .collect::<Vec<_>>()
                    .join(".");
                *missing.entry(shape).or_default() += 1;
            }
        }
    }
    ours.files = all.files;
    ours.parsed = all.parsed;
    ours.errors = all.errors;
    ours.crashes = all.crashes;
    let mut worst: Vec<_> = missing.into_iter().collect();
    worst.sort_by_key(|w| std::cmp::Reverse(w.1));
    let (pf, pa) = projections
        .values()
        .fold((0, 0), |(f, a), (pf, pa)| (f + pf, a + pa));
    ours.note = format!(
        "all but `enclosure`; of which gofeed's projections {pa}/{pf} ({}){}",
        projections
            .iter()
            .map(|(k, (f, a))| if f == a {
                format!("{k}×{f}")
            } else {
                format!("{k} {a}/{f}")
            })
            .collect::<Vec<_>>()
            .join(", "),
        if worst.is_empty() {
            String::new()
        } else {
            format!(
                "; disagreeing: {}",
                worst
                    .iter()
                    .take(14)
                    .map(|(k, n)| format!("{k}×{n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    all.note = format!(
        "every leaf of the expected JSON; not modelled: {} (not a field of gofeed's `Item`)",
        unmodelled
            .iter()
            .map(|(k, n)| format!("{k}×{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    (all, ours)
}

/// feed-rs fixtures with serde snapshots: titles, entry titles, links, dates.
fn feed_rs(root: &Path) -> Row {
    let mut row = Row::default();
    let mut inputs = Vec::new();
    files(
        &root.join("feed-rs/feed-rs/fixture"),
        &["xml", "json"],
        &mut inputs,
    );
    for input in inputs {
        if input.to_string_lossy().ends_with(".serde.json") {
            continue;
        }
        let r = parse(&input);
        tally(&mut row, &r);
        let snap = input.with_extension("serde.json");
        let Some(want) = std::fs::read_to_string(&snap)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        else {
            continue;
        };
        let Some(Ok(doc)) = &r else {
            continue;
        };
        let mut check = |want: Option<&str>, got: Option<String>| {
            if let Some(w) = want {
                row.fields += 1;
                row.agree += usize::from(got.as_deref().map(str::trim) == Some(w.trim()));
            }
        };
        check(want["title"]["content"].as_str(), doc.feed.title.clone());
        let empty = Vec::new();
        let entries = want["entries"].as_array().unwrap_or(&empty);
        for (i, e) in entries.iter().enumerate() {
            let got = doc.entries.get(i).map(|x| &x.item);
            check(
                e["title"]["content"].as_str(),
                got.and_then(|g| g.title.clone()),
            );
            check(
                e["links"][0]["href"].as_str(),
                got.and_then(|g| g.link.clone()),
            );
            let date = |d: Option<chrono::DateTime<chrono::Utc>>| {
                d.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
            };
            check(e["published"].as_str(), got.and_then(|g| date(g.published)));
            check(e["updated"].as_str(), got.and_then(|g| date(g.updated)));
        }
    }
    row.note = "feed title, entry title/link/published/updated vs .serde.json".into();
    row
}

/// Robustness only: every document is read; crashes are counted.
fn robustness(root: &Path, dir: &str, exts: &[&str], note: &str) -> Row {
    let mut row = Row::default();
    let mut inputs = Vec::new();
    files(&root.join(dir), exts, &mut inputs);
    let mut warned = 0;
    for input in inputs {
        let r = parse(&input);
        if let Some(Ok(d)) = &r {
            warned += usize::from(!d.warnings.is_empty());
        }
        tally(&mut row, &r);
    }
    row.note = format!("{note}; {warned} parsed with warnings");
    row
}

/// W3C feed validator cases: nothing may crash; of the documents the validator calls
/// invalid (an un-negated `Expect:` of an Error class), how many we flag (a parse error, a
/// warning or a spec violation); and of those it calls valid (`Expect: !Error`), how many
/// we leave without any finding.
fn w3c(root: &Path) -> (Row, Row) {
    let base = root.join("w3c-feedvalidator");
    let classes: Value = std::fs::read_to_string(base.join("_message_classes.derived.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    let mut row = Row::default();
    let mut valid = Row::default();
    let mut inputs = Vec::new();
    files(&base.join("testcases"), &["xml"], &mut inputs);
    for input in inputs {
        let r = parse(&input);
        tally(&mut row, &r);
        tally(&mut valid, &r);
        let text = std::fs::read_to_string(&input).unwrap_or_default();
        let Some(at) = text.find("Expect:") else {
            continue;
        };
        let expect = text[at + 7..].trim_start();
        if expect.starts_with("!Error") {
            valid.fields += 1;
            let quiet = match &r {
                Some(Ok(d)) => d.warnings.is_empty() && d.validation.is_empty(),
                _ => false,
            };
            valid.agree += usize::from(quiet);
            if !quiet && std::env::var_os("CONFORMANCE_VERBOSE").is_some() {
                let why = match &r {
                    Some(Ok(d)) => format!("{:?} {:?}", d.warnings, d.validation),
                    Some(Err(e)) => e.to_string(),
                    None => "crash".into(),
                };
                println!("w3c-noisy {} {why}", input.display());
            }
            continue;
        }
        if expect.starts_with('!') {
            continue;
        }
        let class: String = expect.chars().take_while(|c| c.is_alphanumeric()).collect();
        if classes[&class]["severity"] != "Error" {
            continue;
        }
        row.fields += 1;
        let flagged = match &r {
            Some(Ok(d)) => !d.warnings.is_empty() || !d.validation.is_empty(),
            _ => true,
        };
        row.agree += usize::from(flagged);
        if !flagged && std::env::var_os("CONFORMANCE_VERBOSE").is_some() {
            println!("w3c-miss {class} {}", input.display());
        }
    }
    row.note = "agreement = invalid documents (Error-class expectation) we flag with a parse error, warning or spec violation".into();
    valid.note = "agreement = valid documents (`Expect: !Error`) parsed with no warning and no spec violation".into();
    (row, valid)
}

/// What a NewsML-G2 `newsItem` itself carries, read straight from the XML (not through our
/// reader), so a field our reader leaves empty can be told apart from one the source lacks.
#[derive(Default)]
struct G2Source {
    guid: String,
    version: bool,
    headline: bool,
    /// Why the source has no text body, or `None` when it has one.
    no_body: Option<&'static str>,
}

/// Every `newsItem` of a document, in document order.
fn g2_source(text: &str) -> Vec<G2Source> {
    use quick_xml::events::Event;
    let mut out: Vec<G2Source> = Vec::new();
    let mut reader = quick_xml::Reader::from_str(text);
    // Local names of the open elements, from the current newsItem down.
    let mut path: Vec<String> = Vec::new();
    let (mut content_set, mut content_kids, mut inline_text, mut inline_els) =
        (false, 0usize, false, 0usize);
    let (mut remote_only, mut sportsml, mut heading) = (true, false, false);
    let finish =
        |item: &mut G2Source,
         (set, kids, text, els, remote, sports): (bool, usize, bool, usize, bool, bool)| {
            item.no_body = if !set {
                Some("no contentSet")
            } else if kids == 0 {
                Some("empty contentSet")
            } else if sports {
                Some("SportsML statistics, no text")
            } else if remote {
                Some("remote content only")
            } else if !text && els == 0 {
                Some("empty inline placeholder")
            } else {
                None
            };
        };
    loop {
        let ev = match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(ev) => ev,
        };
        match &ev {
            Event::Start(e) | Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let empty = matches!(ev, Event::Empty(_));
                if name == "newsItem" {
                    let attr = |k: &[u8]| {
                        e.attributes()
                            .flatten()
                            .find(|a| a.key.local_name().as_ref() == k)
                            .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                    };
                    out.push(G2Source {
                        guid: attr(b"guid").unwrap_or_default(),
                        version: attr(b"version").is_some(),
                        ..Default::default()
                    });
                    path.clear();
                    (content_set, content_kids, inline_text, inline_els) = (false, 0, false, 0);
                    (remote_only, sportsml, heading) = (true, false, false);
                } else if !path.is_empty() {
                    let parent = path.last().map(String::as_str).unwrap_or("");
                    let in_inline = path.iter().any(|p| p == "inlineXML" || p == "inlineData");
                    if name == "contentSet" {
                        content_set = true;
                    } else if parent == "contentSet" {
                        content_kids += 1;
                        remote_only &= name == "remoteContent";
                        let ct = e
                            .attributes()
                            .flatten()
                            .find(|a| a.key.local_name().as_ref() == b"contenttype")
                            .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                            .unwrap_or_default();
                        sportsml |= ct.contains("sportsml");
                    } else if in_inline {
                        inline_els += 1;
                        sportsml |= name == "sports-content";
                    }
                    heading = matches!(name.as_str(), "headline" | "hl1" | "title");
                }
                if !empty && (name == "newsItem" || !path.is_empty()) {
                    path.push(name);
                }
                if empty {
                    heading = false;
                }
            }
            Event::Text(_) | Event::CData(_) => {
                let raw: &[u8] = match &ev {
                    Event::Text(t) => t.as_ref(),
                    Event::CData(t) => t.as_ref(),
                    _ => &[],
                };
                if raw.iter().any(|b| !b.is_ascii_whitespace()) {
                    if path.iter().any(|p| p == "inlineXML" || p == "inlineData") {
                        inline_text = true;
                    }
                    if heading {
                        if let Some(item) = out.last_mut() {
                            item.headline = true;
                        }
                    }
                }
            }
            Event::End(_) => {
                heading = false;
                if path.pop().as_deref() == Some("newsItem") {
                    if let Some(item) = out.last_mut() {
                        let facts = (
                            content_set,
                            content_kids,
                            inline_text,
                            inline_els,
                            remote_only,
                            sportsml,
                        );
                        finish(item, facts);
                    }
                    path.clear();
                }
            }
            _ => {}
        }
    }
    out
}

/// NewsML-G2 should_pass and examples, NITF and NewsML 1.x: every text item has headline,
/// body, guid, version. For NewsML-G2, a field our reader leaves empty is checked against the
/// source: one the source does not carry is counted apart ("not in the source"), not as a miss.
fn newsml(root: &Path) -> Row {
    let mut row = Row::default();
    let mut inputs = Vec::new();
    files(&root.join("newsml-g2-nitf"), &["xml"], &mut inputs);
    let mut items = 0;
    let mut skipped = Vec::new();
    let mut absent: BTreeMap<String, usize> = BTreeMap::new();
    let verbose = std::env::var_os("CONFORMANCE_VERBOSE").is_some();
    for input in inputs {
        let p = input.to_string_lossy();
        if p.contains("should_fail") || p.ends_with(".xsd") {
            continue;
        }
        let r = parse(&input);
        tally(&mut row, &r);
        match &r {
            Some(Ok(doc)) => {
                let g2 = doc.format == wirefeed_fetch::Format::NewsmlG2;
                let mut sources = if g2 {
                    g2_source(&std::fs::read_to_string(&input).unwrap_or_default())
                } else {
                    Vec::new()
                };
                for e in &doc.entries {
                    items += 1;
                    let i = &e.item;
                    let guid = i.guid.as_deref().unwrap_or("");
                    let source = sources
                        .iter()
                        .position(|s| s.guid == guid)
                        .map(|at| sources.remove(at));
                    for (name, ok) in [
                        (
                            "headline",
                            i.title.as_deref().is_some_and(|t| !t.trim().is_empty()),
                        ),
                        (
                            "body",
                            i.content
                                .as_ref()
                                .is_some_and(|t| !t.value.trim().is_empty()),
                        ),
                        ("guid", i.guid.is_some()),
                        (
                            "version",
                            i.version.is_some()
                                || !matches!(
                                    doc.format,
                                    wirefeed_fetch::Format::NewsmlG2
                                        | wirefeed_fetch::Format::Newsml1
                                ),
                        ),
                    ] {
                        let lacks = source.as_ref().and_then(|s| match name {
                            "headline" if !s.headline => Some("none in the source"),
                            "body" => s.no_body,
                            "version" if !s.version => Some("no attribute; schema default 1"),
                            _ => None,
                        });
                        if let (false, Some(why)) = (ok, lacks) {
                            *absent.entry(format!("{name} ({why})")).or_default() += 1;
                            if verbose {
                                println!("newsml-absent {}: {guid} {name}: {why}", input.display());
                            }
                            continue;
                        }
                        row.fields += 1;
                        row.agree += usize::from(ok);
                        if !ok && verbose {
                            println!("newsml-miss {}: {guid} {name}", input.display());
                        }
                    }
                }
            }
            Some(Err(e)) => skipped.push(format!(
                "{}: {e}",
                input.file_name().unwrap_or_default().to_string_lossy()
            )),
            None => {}
        }
    }
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for s in &skipped {
        let reason = s.split_once(": ").map(|x| x.1).unwrap_or(s);
        *reasons
            .entry(reason.chars().take(60).collect())
            .or_default() += 1;
    }
    let listed = |m: &BTreeMap<String, usize>| {
        m.iter()
            .map(|(r, n)| format!("{r} ×{n}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    row.note = format!(
        "{items} text items × (headline, body, guid, version); not in the source, so not counted: {}",
        if absent.is_empty() {
            "none".to_string()
        } else {
            format!("{} — {}", absent.values().sum::<usize>(), listed(&absent))
        }
    );
    if !reasons.is_empty() {
        row.note
            .push_str(&format!("; errors: {}", listed(&reasons)));
    }
    row
}

/// ninjs should_pass documents: every one yields at least one item or a warning.
fn ninjs(root: &Path) -> Row {
    let mut row = Row::default();
    let mut inputs = Vec::new();
    files(
        &root.join("iptc-ninjs/validation/test_suite"),
        &["json"],
        &mut inputs,
    );
    files(&root.join("iptc-ninjs/examples"), &["json"], &mut inputs);
    for input in inputs {
        if input.to_string_lossy().contains("should_fail") {
            continue;
        }
        let r = parse(&input);
        tally(&mut row, &r);
        if let Some(Ok(doc)) = &r {
            row.fields += 1;
            row.agree += usize::from(!doc.entries.is_empty() || !doc.warnings.is_empty());
        }
    }
    row.note = "should_pass + examples: items, or a warning naming skipped non-text items".into();
    row
}

fn main() -> std::process::ExitCode {
    let root = std::env::var_os("WIREFEED_CORPORA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/corpora"));
    if !root.is_dir() {
        eprintln!(
            "conformance: no corpora at {} (set WIREFEED_CORPORA)",
            root.display()
        );
        return std::process::ExitCode::FAILURE;
    }
    // Panics are counted, not printed one by one.
    std::panic::set_hook(Box::new(|_| {}));
    let (all, ours) = gofeed(&root);
    let (w3c_invalid, w3c_valid) = w3c(&root);
    let rows = vec![
        ("gofeed universal (all fields)", all),
        ("gofeed universal (model fields)", ours),
        ("feed-rs fixtures", feed_rs(&root)),
        (
            "ROME + rust-syndication",
            robustness(
                &root,
                "other-feeds",
                &["xml", "rss", "atom", "json"],
                "no snapshots compared",
            ),
        ),
        ("W3C feed validator: invalid flagged", w3c_invalid),
        ("W3C feed validator: valid left quiet", w3c_valid),
        (
            "miniflux (encodings)",
            robustness(&root, "miniflux", &["xml", "json"], "crashes only"),
        ),
        ("NewsML-G2 / NITF", newsml(&root)),
        ("ninjs", ninjs(&root)),
    ];
    println!("| suite | files | parsed | errors | crashes | field agreement | notes |");
    println!("|---|---:|---:|---:|---:|---:|---|");
    let mut crashes = 0;
    for (name, r) in &rows {
        crashes += r.crashes;
        let agree = if r.fields == 0 {
            "—".to_string()
        } else {
            format!(
                "{:.1}% ({}/{})",
                100.0 * r.agree as f64 / r.fields as f64,
                r.agree,
                r.fields
            )
        };
        println!(
            "| {name} | {} | {} | {} | {} | {agree} | {} |",
            r.files, r.parsed, r.errors, r.crashes, r.note
        );
    }
    if crashes > 0 {
        std::process::ExitCode::FAILURE
    } else {
        std::process::ExitCode::SUCCESS
    }
}
