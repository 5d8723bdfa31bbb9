//! Story identity: the stable `uri`, canonical links, the body fingerprint, the language tag.

use xxhash_rust::xxh3::xxh3_64;

/// Query parameters that only track the click, never select the page.
fn is_tracking_param(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.starts_with("utm_") || matches!(k.as_str(), "fbclid" | "gclid" | "dclid" | "msclkid")
}

/// The canonical form of a link: scheme and host lowercased, default port, fragment and
/// tracking parameters (`utm_*`, `fbclid`, `gclid`, …) dropped, an empty path made `/`.
/// Path and the remaining query are kept byte for byte (their case can matter). Text that is
/// not an absolute `scheme://host` URL is returned trimmed and otherwise unchanged.
pub fn canonical_link(link: &str) -> String {
    let link = link.trim();
    let Some((scheme, rest)) = link.split_once("://") else {
        return link.to_string();
    };
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return link.to_string();
    }
    let scheme = scheme.to_ascii_lowercase();
    let rest = rest.split('#').next().unwrap_or("");
    let (authority, path_query) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if authority.is_empty() {
        return link.to_string();
    }
    // Lowercase the host but not any user info (`user@host`).
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(i) => authority.split_at(i + 1),
        None => ("", authority),
    };
    let mut host = hostport.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => Some(":80"),
        "https" => Some(":443"),
        _ => None,
    };
    if let Some(port) = default_port {
        if let Some(h) = host.strip_suffix(port) {
            host = h.to_string();
        }
    }
    let (path, query) = match path_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_query, None),
    };
    let path = if path.is_empty() { "/" } else { path };
    let mut out = format!("{scheme}://{userinfo}{host}{path}");
    if let Some(q) = query {
        let kept: Vec<&str> = q
            .split('&')
            .filter(|kv| !kv.is_empty())
            .filter(|kv| !is_tracking_param(kv.split('=').next().unwrap_or(kv)))
            .collect();
        if !kept.is_empty() {
            out.push('?');
            out.push_str(&kept.join("&"));
        }
    }
    out
}

/// Every story uri is this prefix and 16 hex digits.
pub(crate) const URI_PREFIX: &str = "urn:wirefeed:story:";

/// `urn:wirefeed:story:<16 hex>` from the most stable key the item has: its guid, else its
/// canonical link, else its clean headline. Guids and headlines are only unique within one
/// publisher, so they are scoped by the source name; a canonical link is global.
pub(crate) fn story_uri(
    source: &str,
    guid: Option<&str>,
    link: Option<&str>,
    headline: &str,
) -> String {
    let mut key = String::with_capacity(16 + source.len() + link.map_or(headline.len(), str::len));
    if let Some(g) = guid {
        key.extend(["guid\u{1f}", source, "\u{1f}", g]);
    } else if let Some(l) = link {
        key.extend(["link\u{1f}", l]);
    } else {
        key.extend(["headline\u{1f}", source, "\u{1f}"]);
        push_lowercase(&mut key, headline);
    };
    uri_of(xxh3_64(key.as_bytes()))
}

/// `urn:wirefeed:story:` and `id` in 16 lowercase hex digits, built by hand: `format!` cost
/// more than the rest of the uri, on every story.
pub(crate) fn uri_of(id: u64) -> String {
    let mut uri = String::with_capacity(URI_PREFIX.len() + 16);
    uri.push_str(URI_PREFIX);
    uri.extend((0..16).rev().map(|nibble| {
        char::from_digit(((id >> (4 * nibble)) & 0xf) as u32, 16).expect("a nibble is a digit")
    }));
    uri
}

/// Appends `s.to_lowercase()`, without the intermediate string for ASCII `s`.
pub(crate) fn push_lowercase(out: &mut String, s: &str) {
    if s.is_ascii() {
        let start = out.len();
        out.push_str(s);
        out[start..].make_ascii_lowercase();
    } else {
        out.push_str(&s.to_lowercase());
    }
}

/// xxh3-64 of the body lowercased with all whitespace collapsed, so the same text with
/// different wrapping, spacing or case hashes the same. The caller passes paragraphs already
/// free of debris, advisory and trailer. A story with no body is fingerprinted by its
/// headline, or every headline-only item would be a duplicate of every other.
pub(crate) fn fingerprint(paragraphs: &[String], headline: &str) -> u64 {
    let text: &[&str] = &[headline];
    let text = if paragraphs.is_empty() {
        lowercase_words(text.iter().copied(), headline.len())
    } else {
        // Sized once: ASCII text lowercases to as many bytes, one space between paragraphs.
        let size = paragraphs.iter().map(|p| p.len() + 1).sum();
        lowercase_words(paragraphs.iter().map(String::as_str), size)
    };
    xxh3_64(text.as_bytes())
}

/// The lowercase words of `parts` joined by single spaces; ASCII parts byte by byte (this
/// runs on every story).
fn lowercase_words<'a>(parts: impl Iterator<Item = &'a str>, size: usize) -> String {
    let mut norm = String::with_capacity(size);
    for part in parts {
        if crate::text::is_collapsed(part) {
            // Already one space between words (clean paragraphs always are, whatever their
            // letters): the whole paragraph is one run, not one per word.
            if !part.is_empty() {
                if !norm.is_empty() {
                    norm.push(' ');
                }
                if part.is_ascii() {
                    let start = norm.len();
                    norm.push_str(part);
                    norm[start..].make_ascii_lowercase();
                } else {
                    push_lowercase_chars(&mut norm, part);
                }
            }
            continue;
        }
        if part.is_ascii() {
            let mut space = !norm.is_empty();
            for &b in part.as_bytes() {
                if b == b' ' || (b'\t'..=b'\r').contains(&b) {
                    space = !norm.is_empty();
                } else {
                    if space {
                        norm.push(' ');
                        space = false;
                    }
                    norm.push(b.to_ascii_lowercase() as char);
                }
            }
            continue;
        }
        for word in part.split_whitespace() {
            if !norm.is_empty() {
                norm.push(' ');
            }
            push_lowercase_chars(&mut norm, word);
        }
    }
    norm
}

/// `s` lowercased char by char (`char::to_lowercase`, which fingerprints were made with: not
/// `str::to_lowercase`, whose final-sigma rule would change them), its ASCII runs in bulk.
/// Typographic quotes and dashes put most English news on this path; one char at a time it
/// was a third of the normalize stage on such text.
fn push_lowercase_chars(out: &mut String, s: &str) {
    let mut rest = s;
    while !rest.is_empty() {
        let ascii = wirefeed_model::chars::ascii_prefix_len(rest.as_bytes());
        let start = out.len();
        out.push_str(&rest[..ascii]);
        out[start..].make_ascii_lowercase();
        rest = &rest[ascii..];
        if let Some(c) = rest.chars().next() {
            out.extend(c.to_lowercase());
            rest = &rest[c.len_utf8()..];
        }
    }
}

/// The BCP 47 primary language subtag: `en-US` → `en`, `EN_gb` → `en`, `eng` → `en`.
/// `None` when the tag is not a language (`*`, empty, digits).
pub(crate) fn primary_language(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    if !(2..=3).contains(&primary.len()) || !primary.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    // ISO 639-2 codes feeds use where a two-letter code exists (BCP 47 prefers the shortest).
    let short = match primary.as_str() {
        "eng" => "en",
        "fra" | "fre" => "fr",
        "deu" | "ger" => "de",
        "spa" => "es",
        "rus" => "ru",
        "ita" => "it",
        "por" => "pt",
        "ara" => "ar",
        "zho" | "chi" => "zh",
        "jpn" => "ja",
        _ => return Some(primary),
    };
    Some(short.to_string())
}

/// ISO 639-3 codes whatlang returns → the ISO 639-1 code BCP 47 prefers. Codes without a
/// two-letter form (`cmn` → `zh` is the macrolanguage; `pes` is Persian `fa`) are mapped by
/// hand; any other is kept as is, which BCP 47 also allows.
const ISO_639_3_TO_1: &[(&str, &str)] = &[
    ("epo", "eo"),
    ("eng", "en"),
    ("rus", "ru"),
    ("cmn", "zh"),
    ("spa", "es"),
    ("por", "pt"),
    ("ita", "it"),
    ("ben", "bn"),
    ("fra", "fr"),
    ("deu", "de"),
    ("ukr", "uk"),
    ("kat", "ka"),
    ("ara", "ar"),
    ("hin", "hi"),
    ("jpn", "ja"),
    ("heb", "he"),
    ("yid", "yi"),
    ("pol", "pl"),
    ("amh", "am"),
    ("jav", "jv"),
    ("kor", "ko"),
    ("nob", "nb"),
    ("dan", "da"),
    ("swe", "sv"),
    ("fin", "fi"),
    ("tur", "tr"),
    ("nld", "nl"),
    ("hun", "hu"),
    ("ces", "cs"),
    ("ell", "el"),
    ("bul", "bg"),
    ("bel", "be"),
    ("mar", "mr"),
    ("kan", "kn"),
    ("ron", "ro"),
    ("slv", "sl"),
    ("hrv", "hr"),
    ("srp", "sr"),
    ("mkd", "mk"),
    ("lit", "lt"),
    ("lav", "lv"),
    ("est", "et"),
    ("tam", "ta"),
    ("vie", "vi"),
    ("urd", "ur"),
    ("tha", "th"),
    ("guj", "gu"),
    ("uzb", "uz"),
    ("pan", "pa"),
    ("aze", "az"),
    ("ind", "id"),
    ("tel", "te"),
    ("pes", "fa"),
    ("mal", "ml"),
    ("ori", "or"),
    ("mya", "my"),
    ("nep", "ne"),
    ("sin", "si"),
    ("khm", "km"),
    ("tuk", "tk"),
    ("aka", "ak"),
    ("zul", "zu"),
    ("sna", "sn"),
    ("afr", "af"),
    ("lat", "la"),
    ("slk", "sk"),
    ("cat", "ca"),
    ("tgl", "tl"),
    ("hye", "hy"),
];

/// Characters of text the language detector looks at by default: a few paragraphs decide the
/// language as well as the whole story, and detection time grows with the text.
pub(crate) const DETECT_CHARS: usize = 250;

/// The smallest `language_sample_chars` accepted: below it even clean text is a guess.
pub(crate) const MIN_SAMPLE_CHARS: usize = 50;

/// Fewer letters than this in the sample (a price table, a one-line brief) say nothing about
/// the language; the fast detector would still name one, so it is not asked.
const MIN_LETTERS: usize = 20;

/// Which language detector runs; see `NormalizeConfig::language_detector`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LanguageDetector {
    /// `whichlang` (a logistic regression over hashed n-grams, ~3 us per story, 16 languages)
    /// for Latin-script text that reads like its answer (see [`detect_language`]) and the CJK
    /// scripts; everything else goes to `whatlang`.
    #[default]
    Fast,
    /// `whatlang` for everything (69 languages, ~30-80 us per story on Reuters-21578).
    Wide,
}

/// The language of clean story text, or `None` when it is not sure.
///
/// `Wide` asks `whatlang` (trigram and script models, pure Rust, no model files). `Fast`
/// first answers English for ASCII text that reads as English by its own function words
/// (`detect_ascii`; on every `lang_eval` set the answers whichlang gives, at a fraction of the
/// cost), then asks `whichlang` (10-30x faster than whatlang, measured on Reuters-21578). For
/// Hangul, Kana and Han text its answer stands. For Latin-script text it stands only if the sample reads
/// like that language (`function_words_agree`): whichlang always names one of its 16, also
/// for Indonesian, Tagalog, Danish or Polish text. Text whose letters are ASCII keeps its
/// answer unless words of languages it does not know show up; text with accented letters
/// (French, German, Spanish as written) must also have the answer's function words and
/// alphabet. The rest, and Cyrillic, Arabic and other scripts, go to `whatlang`, which
/// knows Polish from Czech and Ukrainian from Russian. `examples/lang_eval.rs` measures
/// both (UDHR in 41 languages, BBC News, Reuters-21578); what `Fast` still gets wrong is
/// mostly what whatlang gets wrong too (Galician, Basque, Swahili, Somali, Hausa, which
/// neither knows) and Afrikaans as Dutch. Feeds in those should declare their language.
pub fn detect_language(
    headline: &str,
    paragraphs: &[String],
    detector: LanguageDetector,
    max_chars: usize,
) -> Option<String> {
    let mut text = String::with_capacity(max_chars + 64);
    text.push_str(headline);
    for p in paragraphs {
        if text.len() >= max_chars {
            break;
        }
        text.push('\n');
        text.push_str(p);
    }
    let cut = char_boundary_after(&text, max_chars);
    let sample = &text[..cut];
    if detector == LanguageDetector::Fast {
        if let Some(code) = detect_fast(sample) {
            return code.map(String::from);
        }
    }
    let info = whatlang::detect(sample)?;
    if !info.is_reliable() {
        return None;
    }
    let code = info.lang().code();
    let short = ISO_639_3_TO_1
        .iter()
        .find(|(three, _)| *three == code)
        .map_or(code, |(_, two)| two);
    Some(short.to_string())
}

/// The byte offset of the `n`th character of `s` (`s.len()` if it has fewer): past the ASCII
/// prefix, characters are counted as the bytes that start one, without decoding.
fn char_boundary_after(s: &str, n: usize) -> usize {
    let ascii = wirefeed_model::chars::ascii_prefix_len(s.as_bytes());
    if ascii >= n {
        return n;
    }
    s.bytes()
        .enumerate()
        .skip(ascii)
        .filter(|&(_, b)| !is_continuation(b))
        .nth(n - ascii)
        .map_or(s.len(), |(i, _)| i)
}

fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

/// Whether the `Fast` detector answers `sample` (a sample as [`detect_language`] cuts it)
/// without whatlang: for the evaluation (`examples/lang_eval.rs`), which reports how often.
#[doc(hidden)]
pub fn fast_detector_decides(sample: &str) -> bool {
    detect_fast(sample).is_some()
}

/// `Some(answer)` when whichlang can decide `sample`, `None` when whatlang must.
fn detect_fast(sample: &str) -> Option<Option<&'static str>> {
    use whatlang::Script;
    // Letters decide: typographic quotes, dashes, currency signs and no-break spaces are
    // everywhere in English news (a tenth of BBC News samples have one), and sent such text to
    // whatlang, ~10x slower, for an answer whichlang gives as well.
    // Only the non-ASCII characters are decoded (most samples have none or a few quotes).
    let ascii_letters = wirefeed_model::chars::non_ascii_chars(sample)
        .all(|c| !wirefeed_model::chars::is_alphabetic(c));
    if ascii_letters {
        let enough_letters = sample
            .bytes()
            .filter(u8::is_ascii_alphabetic)
            .nth(MIN_LETTERS - 1)
            .is_some();
        if !enough_letters {
            return Some(None);
        }
        return detect_ascii(sample);
    } else {
        match whatlang::detect_script(sample) {
            Some(Script::Hangul | Script::Hiragana | Script::Katakana | Script::Mandarin) => {
                return Some(Some(whichlang_code(whichlang::detect_language(sample))));
            }
            Some(Script::Latin) => {}
            _ => return None,
        }
    }
    // Latin script: whichlang names the nearest of its 16 languages, also for the many it
    // does not know (Indonesian, Tagalog, Swahili, Polish, Finnish…). Its answer stands
    // only if the sample reads like that language; otherwise whatlang decides.
    let code = whichlang_code(whichlang::detect_language(sample));
    function_words_agree(sample, code).then_some(Some(code))
}

/// [`detect_fast`] for a sample whose letters are ASCII (most wire copy). Text that reads as
/// English by its own words — at least [`ENGLISH_WORD_PERCENT`] of them English function
/// words ([`ENGLISH_WORD_PERCENT_LONG`] in longer samples), and no [`NEIGHBOUR_WORDS`] — is
/// English without asking whichlang, whose n-gram
/// model was most of detection's cost (~45k instructions a Reuters sample, callgrind);
/// `lang_eval` shows the same answers on every set with and without this step. Otherwise
/// whichlang answers, and its answer stands unless [`NEIGHBOUR_WORDS`] make up a share of
/// the words: ASCII text is not asked for function words (a price table or an earnings
/// brief, "Shr 22 cts vs 19 cts Net 1,234,000 vs ...", has none and is English all the
/// same: 7% of Reuters-21578 stories, which whatlang mostly is unsure of, ~15x slower).
fn detect_ascii(sample: &str) -> Option<Option<&'static str>> {
    let bytes = sample.as_bytes();
    let english = ascii_word_counts(bytes, ENGLISH);
    let neighbours = |c: &WordCounts| neighbour_text(c.total, c.neighbour);
    if english.total >= MIN_CHECKED_WORDS
        && english.english * 100 >= english.total * english_word_percent(english.total)
        && !neighbours(&english)
    {
        return Some(Some("en"));
    }
    let code = whichlang_code(whichlang::detect_language(sample));
    // The neighbour words a sample has depend on the answer only through its own list.
    let counts = if code == ENGLISH.code {
        english
    } else {
        ascii_word_counts(bytes, WORDLISTS.iter().find(|l| l.code == code)?)
    };
    (!neighbours(&counts)).then_some(Some(code))
}

/// How whichlang's Latin-script languages read: their most frequent short words and the
/// non-ASCII letters they write. Hand-written, because neither detector says how sure it
/// is; `lang_eval` measures the lists on the Universal Declaration of Human Rights in these
/// and 25 other languages, BBC News and Reuters-21578. Sorted (binary search; a test checks).
struct Wordlist {
    code: &'static str,
    words: &'static [&'static str],
    /// `*`: any letter (Vietnamese marks most; its words decide alone).
    alphabet: &'static str,
}

const WORDLISTS: &[Wordlist] = &[
    Wordlist {
        code: "en",
        words: &[
            "a", "after", "also", "an", "and", "are", "as", "at", "be", "been", "but", "by", "for",
            "from", "had", "has", "have", "he", "her", "his", "i", "in", "is", "it", "its", "not",
            "of", "on", "or", "said", "she", "that", "the", "their", "they", "this", "to", "was",
            "we", "were", "which", "who", "will", "with", "would", "you",
        ],
        alphabet: "",
    },
    Wordlist {
        code: "fr",
        words: &[
            "a", "au", "aux", "avec", "c", "ce", "cette", "d", "dans", "de", "des", "du", "elle",
            "en", "est", "et", "il", "l", "la", "le", "les", "n", "ne", "non", "ont", "ou", "par",
            "pas", "plus", "pour", "qu", "que", "qui", "s", "sa", "se", "ses", "son", "sont",
            "sur", "un", "une", "été",
        ],
        alphabet: "àâæçéèêëîïôœùûüÿ",
    },
    Wordlist {
        code: "de",
        words: &[
            "als", "an", "auch", "auf", "aus", "bei", "das", "dass", "dem", "den", "der", "des",
            "die", "du", "ein", "eine", "einen", "einer", "eines", "er", "es", "für", "hat", "im",
            "in", "ist", "mit", "nach", "nicht", "oder", "sich", "sie", "sind", "und", "vom",
            "von", "werden", "wie", "wird", "zu", "zum", "zur",
        ],
        alphabet: "äöüßé",
    },
    Wordlist {
        code: "es",
        words: &[
            "a", "al", "como", "con", "de", "del", "el", "en", "es", "esta", "este", "fue", "ha",
            "la", "las", "le", "lo", "los", "más", "no", "o", "para", "por", "que", "se", "si",
            "sin", "su", "sus", "toda", "todo", "un", "una", "y",
        ],
        alphabet: "áéíñóúü",
    },
    Wordlist {
        code: "it",
        words: &[
            "al", "all", "alla", "anche", "che", "con", "da", "dei", "del", "dell", "della",
            "delle", "di", "e", "gli", "ha", "i", "il", "in", "l", "la", "le", "lo", "nel",
            "nella", "non", "ogni", "per", "si", "sono", "sua", "suo", "un", "una", "è",
        ],
        alphabet: "àèéìíîòóùú",
    },
    Wordlist {
        code: "pt",
        words: &[
            "a", "ao", "as", "com", "da", "das", "de", "do", "dos", "e", "em", "este", "foi",
            "mais", "na", "nas", "no", "nos", "não", "o", "os", "ou", "para", "pela", "pelo",
            "por", "que", "se", "seu", "sua", "toda", "todo", "um", "uma", "à", "é",
        ],
        alphabet: "áâãàçéêíóôõúü",
    },
    Wordlist {
        code: "nl",
        words: &[
            "aan", "als", "bij", "dan", "dat", "de", "die", "door", "een", "en", "er", "heeft",
            "het", "hij", "hun", "in", "is", "met", "naar", "niet", "of", "om", "ook", "op",
            "over", "te", "tot", "van", "voor", "werd", "worden", "wordt", "zich", "zijn",
        ],
        alphabet: "áäéëèïíóöüú",
    },
    Wordlist {
        code: "sv",
        words: &[
            "alla", "att", "av", "de", "den", "det", "eller", "en", "ett", "från", "för", "han",
            "har", "i", "inte", "kan", "med", "men", "och", "om", "på", "sig", "sin", "ska",
            "skall", "som", "så", "till", "var", "varje", "vi", "är",
        ],
        alphabet: "åäöé",
    },
    Wordlist {
        code: "tr",
        words: &[
            "ama", "bir", "bu", "da", "daha", "de", "en", "gibi", "hakkı", "hakkına", "hem", "her",
            "herkes", "hiç", "ile", "için", "kadar", "ki", "ne", "o", "olan", "olarak", "olduğu",
            "sonra", "ve", "veya", "ya", "çok",
        ],
        alphabet: "çğıöşüâîû",
    },
    Wordlist {
        code: "vi",
        words: &[
            "cho", "các", "có", "cũng", "của", "khi", "không", "là", "mọi", "một", "người", "như",
            "những", "này", "quyền", "ra", "theo", "trong", "từ", "và", "về", "với", "đã", "được",
            "đến", "để",
        ],
        alphabet: "*",
    },
];

/// Frequent words of Latin-script languages whichlang does not know, which its languages do
/// not use (Indonesian and Malay, Tagalog, Swahili, Somali, Hausa, Basque, Latin, Afrikaans,
/// Finnish, Estonian, Polish, Czech, Hungarian, Romanian, Baltic, South Slavic, Danish and
/// Norwegian, Catalan, Galician; written without their accents, as folded text has them).
/// A sample with a few of them is not one of whichlang's languages, whatever it answers.
/// Only lowercase occurrences count: function words run in lowercase, while English news
/// has "Yang", "Ng", "Dan" and "ETA" as names. Words English writes in lowercase ("care",
/// "van", "bat", "non", "ad") are left out, and a word of the answered language's own list
/// counts for it first ("dan" is Dutch, "este" Spanish and Portuguese). Sorted.
const NEIGHBOUR_WORDS: &[&str] = &[
    "acest",
    "adalah",
    "akan",
    "alebo",
    "amb",
    "ang",
    "aquesta",
    "arba",
    "atau",
    "atque",
    "ay",
    "bahwa",
    "behar",
    "bere",
    "biti",
    "coa",
    "cu",
    "dalam",
    "dan",
    "dari",
    "dels",
    "dengan",
    "dreptul",
    "du",
    "dunha",
    "edo",
    "ega",
    "egy",
    "eius",
    "ek",
    "elkeen",
    "els",
    "enhver",
    "este",
    "eta",
    "etta",
    "ez",
    "fara",
    "guztiak",
    "haki",
    "hindi",
    "hogy",
    "hominum",
    "hulle",
    "hvor",
    "iga",
    "ikke",
    "ili",
    "ima",
    "inay",
    "ini",
    "ir",
    "ito",
    "itu",
    "iyo",
    "izan",
    "jego",
    "jeho",
    "joga",
    "jokaisella",
    "jonka",
    "jsou",
    "juga",
    "jy",
    "ka",
    "kad",
    "kaikilla",
    "kanyang",
    "kasta",
    "katika",
    "katram",
    "kazdy",
    "kell",
    "kepada",
    "kiekvienas",
    "kila",
    "koik",
    "koji",
    "kowa",
    "ktery",
    "ktore",
    "kui",
    "kuwa",
    "kwa",
    "leh",
    "lub",
    "mga",
    "minden",
    "moet",
    "moze",
    "mtu",
    "mukaan",
    "nang",
    "nebo",
    "nem",
    "ng",
    "nie",
    "ning",
    "niya",
    "og",
    "oleh",
    "oli",
    "olla",
    "omnes",
    "oo",
    "oraz",
    "orice",
    "ou",
    "ovat",
    "pada",
    "pe",
    "pel",
    "pentru",
    "pola",
    "pravo",
    "przez",
    "quae",
    "sal",
    "sau",
    "setiap",
    "seva",
    "si",
    "sie",
    "siya",
    "skal",
    "sunt",
    "svaki",
    "szabad",
    "teise",
    "telah",
    "tidak",
    "tiesibas",
    "til",
    "tothom",
    "unha",
    "untuk",
    "uz",
    "vagy",
    "vai",
    "ved",
    "vel",
    "vir",
    "voi",
    "waa",
    "wanda",
    "xaq",
    "yana",
    "yang",
    "yra",
];

/// Fewer words than this and an accented sample says too little to check: whichlang's
/// answer stands.
const MIN_CHECKED_WORDS: usize = 12;

/// The share of a sample's words that must be the language's function words, in percent.
const MIN_FUNCTION_WORD_PERCENT: usize = 15;

/// The share of a sample's words from [`NEIGHBOUR_WORDS`] that refuses whichlang's answer.
const MAX_NEIGHBOUR_WORD_PERCENT: usize = 3;

/// Whether `sample` reads like `code`, whichlang's answer for it. Text with accented
/// letters (`ascii_letters` false; it went to whatlang before this check) must show the
/// language: at most one letter in a hundred (at least one) outside its alphabet (a foreign
/// name in English news passes, Danish `ø`s or Catalan `ò`s do not), at least
/// [`MIN_FUNCTION_WORD_PERCENT`] of its words from its list, and few [`NEIGHBOUR_WORDS`].
/// ASCII-letter text (always whichlang's before) is only refused on evidence against it:
/// [`NEIGHBOUR_WORDS`] making up [`MAX_NEIGHBOUR_WORD_PERCENT`] of its words (and two or
/// more). Languages without a list (whichlang's non-Latin ones) fail.
// Not inlined: inlined into `Normalizer::normalize` it slowed even runs without language
// detection by ~15% (criterion `normalize_dedup reuters-21578/nolang`, alternating binaries,
// three runs each: 74-76 against 87-93 MiB/s), by moving the hot loops' code around.
#[inline(never)]
fn function_words_agree(sample: &str, code: &str) -> bool {
    let Some(list) = WORDLISTS.iter().find(|l| l.code == code) else {
        return false;
    };
    let (mut total, mut hits, mut neighbour) = (0usize, 0usize, 0usize);
    let (mut letters, mut foreign) = (0usize, 0usize);
    let mut word = String::new();
    let mut capital = false;
    // Apostrophes split words: "l'homme" is "l" and "homme", "dell'uomo" "dell", "uomo".
    for c in sample.chars().chain(std::iter::once(' ')) {
        if c.is_alphabetic() {
            letters += 1;
            capital |= c.is_uppercase();
            if c.is_ascii() {
                word.push(c.to_ascii_lowercase());
            } else {
                let start = word.len();
                word.extend(c.to_lowercase());
                let lower = word[start..].chars().next().unwrap_or(c);
                if list.alphabet != "*" && !list.alphabet.contains(lower) {
                    foreign += 1;
                }
            }
        } else if !word.is_empty() {
            total += 1;
            if list.words.binary_search(&word.as_str()).is_ok() {
                hits += 1;
            } else if !capital && NEIGHBOUR_WORDS.binary_search(&word.as_str()).is_ok() {
                neighbour += 1;
            }
            word.clear();
            capital = false;
        }
    }
    if foreign > (letters / 100).max(1) {
        return false;
    }
    total < MIN_CHECKED_WORDS
        || (hits * 100 >= total * MIN_FUNCTION_WORD_PERCENT && !neighbour_text(total, neighbour))
}

/// A few of the sample's words are [`NEIGHBOUR_WORDS`].
fn neighbour_text(total: usize, neighbour: usize) -> bool {
    neighbour >= 2 && neighbour * 100 >= total * MAX_NEIGHBOUR_WORD_PERCENT
}

/// What [`detect_ascii`] counts in a sample: its words, the lowercase [`NEIGHBOUR_WORDS`]
/// among them that are not in the list asked about, and the English function words (in any
/// case).
#[derive(Clone, Copy, Debug, PartialEq)]
struct WordCounts {
    total: usize,
    neighbour: usize,
    english: usize,
}

/// [`WordCounts`] of ASCII-letter text, on bytes: no decoding (other bytes only separate
/// words, found 64 bytes at a time), and words are looked up as numbers ([`word_key`]) in
/// [`NEIGHBOUR_KEYS`] and [`ENGLISH_KEYS`], so no string is compared. Neighbour words
/// count only in lowercase: a word with a capital letter has a key no listed word has
/// ("Yang", "Dan" and "ETA" are names in English news).
// Not inlined, like `function_words_agree`: it is on the per-story path of `normalize`.
#[inline(never)]
fn ascii_word_counts(bytes: &[u8], list: &Wordlist) -> WordCounts {
    let mut counts = WordCounts {
        total: 0,
        neighbour: 0,
        english: 0,
    };
    // `key` as written, `folded` lowercased: English function words count in any case
    // ("The" starts sentences, headlines are in capitals), neighbour words only in lowercase.
    // No listed word is longer than 16 letters, so longer words are not looked up.
    wirefeed_model::chars::ascii_runs(bytes, [(b'A', b'Z'), (b'a', b'z')], |start, end| {
        counts.total += 1;
        let len = end - start;
        if len > ENGLISH_LONGEST.max(NEIGHBOUR_LONGEST) {
            return;
        }
        let mut word = [0u8; 16];
        word[..len].copy_from_slice(&bytes[start..end]);
        let key = u128::from_be_bytes(word);
        // Letters only: setting bit 5 of each of the word's bytes lowercases it.
        let letters = !u128::MAX.checked_shr(8 * len as u32).unwrap_or(0);
        let folded = key | (u128::from_be_bytes([0x20; 16]) & letters);
        if len <= ENGLISH_LONGEST && ENGLISH_FILTER.has(folded) {
            counts.english += 1;
        }
        if len <= NEIGHBOUR_LONGEST && NEIGHBOUR_FILTER.has(key) {
            // Letters only, so ASCII: never an error.
            let w = std::str::from_utf8(&bytes[start..end]).unwrap_or_default();
            // A word of the answered language's own list counts for it.
            if list.words.binary_search(&w).is_err() {
                counts.neighbour += 1;
            }
        }
    });
    counts
}

/// A word of at most 16 ASCII letters as a number that sorts as the word does (big-endian,
/// zero-padded), so looking it up compares two integers a step instead of two strings.
const fn word_key(word: &[u8]) -> u128 {
    let mut key = 0u128;
    let mut i = 0;
    while i < word.len() && i < 16 {
        key |= (word[i] as u128) << (8 * (15 - i));
        i += 1;
    }
    key
}

/// The length of the longest of `words` (at most 16 for a [`word_key`]; a test checks).
const fn longest(words: &[&str]) -> usize {
    let (mut max, mut i) = (0, 0);
    while i < words.len() {
        if words[i].len() > max {
            max = words[i].len();
        }
        i += 1;
    }
    max
}

/// Words longer than these are in neither list, so they are not looked up.
const ENGLISH_LONGEST: usize = longest(WORDLISTS[0].words);
const NEIGHBOUR_LONGEST: usize = longest(NEIGHBOUR_WORDS);

/// `words` as [`word_key`]s, in the same (sorted) order; for tables built at compile time.
const fn word_keys<const N: usize>(words: &[&str]) -> [u128; N] {
    let mut keys = [0u128; N];
    let mut i = 0;
    while i < N {
        keys[i] = word_key(words[i].as_bytes());
        i += 1;
    }
    keys
}

/// [`NEIGHBOUR_WORDS`] as keys. Looking words up this way instead of by string binary search
/// made the ASCII check ~30% cheaper a sample (`lang_eval`).
const NEIGHBOUR_KEYS: [u128; NEIGHBOUR_WORDS.len()] = word_keys(NEIGHBOUR_WORDS);

/// English, the first of [`WORDLISTS`] (a test checks).
const ENGLISH: &Wordlist = &WORDLISTS[0];

/// [`ENGLISH`]'s function words as keys.
const ENGLISH_KEYS: [u128; WORDLISTS[0].words.len()] = word_keys(WORDLISTS[0].words);

const ENGLISH_FILTER: KeySet<'static> = KeySet::new(&ENGLISH_KEYS);
const NEIGHBOUR_FILTER: KeySet<'static> = KeySet::new(&NEIGHBOUR_KEYS);

/// Sorted keys with a one-hash bit filter in front (4,096 bits, a few percent of them set):
/// most words of a sample (names, numbers, content words) are in no list, and the filter
/// turns them away with one load, where the binary search took ~9 steps of 128-bit compares.
struct KeySet<'a> {
    keys: &'a [u128],
    bits: [u64; 64],
}

impl<'a> KeySet<'a> {
    const fn new(keys: &'a [u128]) -> KeySet<'a> {
        let mut bits = [0u64; 64];
        let mut i = 0;
        while i < keys.len() {
            let b = Self::bit(keys[i]);
            bits[b / 64] |= 1 << (b % 64);
            i += 1;
        }
        KeySet { keys, bits }
    }

    /// Twelve bits of a multiplicative hash of both halves.
    const fn bit(key: u128) -> usize {
        let x = (key as u64) ^ ((key >> 64) as u64);
        (x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 52) as usize
    }

    fn has(&self, key: u128) -> bool {
        let b = Self::bit(key);
        self.bits[b / 64] >> (b % 64) & 1 != 0 && self.keys.binary_search(&key).is_ok()
    }
}

/// The share of English function words, in percent, that makes ASCII text English without
/// whichlang. English news runs at 30-45%. With it no sample of any `lang_eval` set (the UDHR
/// in 41 languages as written and folded, BBC News, Reuters-21578) at any sample length gets
/// another answer than whichlang gives it; at 20 a few 100-character Dutch and Portuguese
/// samples would be called English, at 10 also 250-character ones.
const ENGLISH_WORD_PERCENT: usize = 25;

/// The share for samples of at least [`LONG_SAMPLE_WORDS`] words, where a share is less of a
/// fluke. Wire copy thick with names and tickers ("Deutsche Babcock AG <DBCG.F> said it and
/// Siemens AG ...") runs at 20-25%: half the Reuters items whichlang still saw, and it called
/// that one German. At 20 every `lang_eval` answer is the same as whichlang's (diffing its
/// whole output); at 15 some 200-character ASCII-folded Spanish, Dutch and Portuguese samples
/// become English.
const ENGLISH_WORD_PERCENT_LONG: usize = 20;

/// Words from which [`ENGLISH_WORD_PERCENT_LONG`] applies: a 250-character sample has ~40.
const LONG_SAMPLE_WORDS: usize = 30;

fn english_word_percent(words: usize) -> usize {
    if words >= LONG_SAMPLE_WORDS {
        ENGLISH_WORD_PERCENT_LONG
    } else {
        ENGLISH_WORD_PERCENT
    }
}

/// ISO 639-1 code of a whichlang language.
fn whichlang_code(lang: whichlang::Lang) -> &'static str {
    use whichlang::Lang;
    match lang {
        Lang::Ara => "ar",
        Lang::Cmn => "zh",
        Lang::Deu => "de",
        Lang::Eng => "en",
        Lang::Fra => "fr",
        Lang::Hin => "hi",
        Lang::Ita => "it",
        Lang::Jpn => "ja",
        Lang::Kor => "ko",
        Lang::Nld => "nl",
        Lang::Por => "pt",
        Lang::Rus => "ru",
        Lang::Spa => "es",
        Lang::Swe => "sv",
        Lang::Tur => "tr",
        Lang::Vie => "vi",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The fingerprint text as it was first made: fingerprints are stored in the window and
    /// the state topic, so no faster path may change one.
    fn lowercase_words_reference(parts: &[&str]) -> String {
        let mut norm = String::new();
        for part in parts {
            for word in part.split_whitespace() {
                if !norm.is_empty() {
                    norm.push(' ');
                }
                norm.extend(word.chars().flat_map(char::to_lowercase));
            }
        }
        norm
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn fingerprint_text_is_the_same_on_every_path(
            parts in proptest::collection::vec(
                "[a-zA-Z0-9 ,.'’“”–éÉßΣİ\u{a0}\u{2009}日本\u{301}\t\n-]{0,40}",
                0..4,
            )
        ) {
            let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
            prop_assert_eq!(
                lowercase_words(refs.iter().copied(), 0),
                lowercase_words_reference(&refs)
            );
        }
    }

    fn check(input: &str, expected: &str) {
        assert_eq!(canonical_link(input), expected, "input: {input:?}");
    }

    #[test]
    fn canonical_links() {
        check("https://Example.COM/a/B?x=1", "https://example.com/a/B?x=1");
        check("HTTPS://example.com/a#section", "https://example.com/a");
        check(
            "https://example.com/a?utm_source=rss&id=7&utm_medium=feed",
            "https://example.com/a?id=7",
        );
        check("https://example.com/a?fbclid=abc", "https://example.com/a");
        check(
            "https://example.com/a?gclid=x&UTM_Campaign=y",
            "https://example.com/a",
        );
        check("http://example.com:80/a", "http://example.com/a");
        check("https://example.com:8443/a", "https://example.com:8443/a");
        check("https://example.com", "https://example.com/");
        check("https://example.com?id=1", "https://example.com/?id=1");
        check("  https://example.com/a  ", "https://example.com/a");
        check("not a url", "not a url");
        check("/relative/path", "/relative/path");
    }

    /// Story uris are persisted and published: their values must not change. This is the
    /// original implementation.
    fn story_uri_reference(
        source: &str,
        guid: Option<&str>,
        link: Option<&str>,
        headline: &str,
    ) -> String {
        let key = if let Some(g) = guid {
            format!("guid\u{1f}{source}\u{1f}{g}")
        } else if let Some(l) = link {
            format!("link\u{1f}{l}")
        } else {
            format!("headline\u{1f}{source}\u{1f}{}", headline.to_lowercase())
        };
        format!("{URI_PREFIX}{:016x}", xxh3_64(key.as_bytes()))
    }

    #[test]
    fn story_uris_are_stable() {
        for (source, guid, link, headline) in [
            (
                "reuters",
                Some("G-1"),
                Some("https://x.com/A"),
                "Talks RESUME",
            ),
            ("s", None, Some("https://x.com/A"), "Talks"),
            ("s", None, None, "ÉCLAIR Σ talks"),
            ("", None, None, ""),
        ] {
            assert_eq!(
                story_uri(source, guid, link, headline),
                story_uri_reference(source, guid, link, headline)
            );
        }
    }

    #[test]
    fn uri_digits() {
        for id in [0, 1, 0xdead_beef, u64::MAX, 0x0123_4567_89ab_cdef] {
            assert_eq!(uri_of(id), format!("{URI_PREFIX}{id:016x}"));
        }
        let mut s = "x".to_string();
        push_lowercase(&mut s, "AbC ÉΣ");
        assert_eq!(s, "xabc éς");
    }

    #[test]
    fn uri_keys() {
        let by_guid = story_uri("s", Some("g1"), Some("https://x/"), "H");
        assert_eq!(
            by_guid,
            story_uri("s", Some("g1"), Some("https://y/"), "Other")
        );
        assert_ne!(by_guid, story_uri("t", Some("g1"), None, "H"));
        let by_link = story_uri("s", None, Some("https://x/"), "H");
        assert_eq!(by_link, story_uri("t", None, Some("https://x/"), "Other"));
        assert_eq!(
            story_uri("s", None, None, "Head"),
            story_uri("s", None, None, "HEAD")
        );
        assert!(by_guid.starts_with("urn:wirefeed:story:"));
        assert_eq!(by_guid.len(), "urn:wirefeed:story:".len() + 16);
    }

    /// The fingerprint is persisted (state database, Kafka state topic): its value must not
    /// change. This is the original per-word implementation.
    fn fingerprint_reference(paragraphs: &[String], headline: &str) -> u64 {
        let mut norm = String::new();
        let text: Box<dyn Iterator<Item = &str>> = if paragraphs.is_empty() {
            Box::new(std::iter::once(headline))
        } else {
            Box::new(paragraphs.iter().map(String::as_str))
        };
        for word in text.flat_map(str::split_whitespace) {
            if !norm.is_empty() {
                norm.push(' ');
            }
            norm.extend(word.chars().flat_map(char::to_lowercase));
        }
        xxh3_64(norm.as_bytes())
    }

    #[test]
    fn fingerprint_is_stable() {
        let cases: &[(&[&str], &str)] = &[
            (&["One two", "Three"], "h"),
            (
                &["  A\tb\x0bC  ", "", " x\x01y ", "Ünïcode  WÖRDS\u{a0}here"],
                "h",
            ),
            (&[], "Only A Headline"),
            (&[], ""),
            (&["", " "], "h"),
        ];
        for (paras, head) in cases {
            let paras: Vec<String> = paras.iter().map(|p| p.to_string()).collect();
            assert_eq!(
                fingerprint(&paras, head),
                fingerprint_reference(&paras, head),
                "{paras:?}"
            );
        }
    }

    #[test]
    fn fingerprint_ignores_wrapping_and_case() {
        let a = fingerprint(&["One two".into(), "Three".into()], "h");
        assert_eq!(a, fingerprint(&["one  two three".into()], "other"));
        assert_ne!(a, fingerprint(&["One two".into()], "h"));
        assert_ne!(fingerprint(&[], "a"), fingerprint(&[], "b"));
    }

    #[test]
    fn detected_languages() {
        let cases = [
            (
                "Russia asks for regular U.S. missile defense consultations",
                "Russia has asked the United States to hold regular consultations on \
                 missile defense, the foreign ministry said on Monday.",
                Some("en"),
            ),
            // Typographic punctuation and a currency sign, as most publishers write.
            (
                "Markets rally as the pound \u{2014} at \u{a3}1.27 \u{2014} firms",
                "\u{201c}We don\u{2019}t expect the rally to last,\u{201d} one trader said on \
                 Monday, as investors weighed the central bank\u{2019}s next move.",
                Some("en"),
            ),
            (
                "La Russie demande des consultations",
                "La Russie a demandé aux États-Unis de tenir des consultations régulières \
                 sur la défense antimissile, a indiqué lundi le ministère des Affaires étrangères.",
                Some("fr"),
            ),
            (
                "Russland fordert Konsultationen",
                "Russland hat die Vereinigten Staaten aufgefordert, regelmäßige Gespräche über \
                 die Raketenabwehr zu führen, teilte das Außenministerium am Montag mit.",
                Some("de"),
            ),
            (
                "Россия просит консультаций",
                "Россия попросила Соединенные Штаты проводить регулярные консультации по \
                 противоракетной обороне, сообщило в понедельник министерство иностранных дел.",
                Some("ru"),
            ),
            (
                "Japan exports rise",
                "日本の輸出は3月に前年比で増加したと財務省が月曜日に発表した。自動車と半導体が伸びた。",
                Some("ja"),
            ),
            (
                "Italia, il governo approva il bilancio",
                "Il governo ha approvato il bilancio per il prossimo anno dopo una lunga \
                 riunione con i sindacati e le regioni, ha detto il ministro lunedi sera.",
                Some("it"),
            ),
            // Too little text to be sure.
            ("OK", "", None),
            ("Shr 12 cts", "Net 1,234 vs 1,100", None),
        ];
        for detector in [LanguageDetector::Fast, LanguageDetector::Wide] {
            for (headline, body, want) in cases {
                let got = detect_language(headline, &[body.to_string()], detector, DETECT_CHARS);
                assert_eq!(got.as_deref(), want, "{headline} ({detector:?})");
            }
        }
    }

    /// Who answers (whichlang alone, or whatlang after the word check refused it) and what,
    /// on text of our own in languages inside and outside whichlang's 16.
    #[test]
    fn the_word_check_keeps_whichlang_to_its_languages() {
        let fast = |text: &str| {
            let sample: String = text.chars().take(DETECT_CHARS).collect();
            (
                fast_detector_decides(&sample),
                detect_language(
                    "",
                    &[text.to_string()],
                    LanguageDetector::Fast,
                    DETECT_CHARS,
                ),
            )
        };
        // Accented text in whichlang's languages: whichlang alone (was whatlang, ~10x slower).
        for (text, want) in [
            (
                "Le gouvernement français a annoncé mardi une réforme des retraites qui sera \
                 présentée au Parlement dans les prochaines semaines, selon le ministre de \
                 l'Économie, qui a promis de consulter les syndicats avant l'été.",
                "fr",
            ),
            (
                "Die Bundesregierung hat am Dienstag einen Gesetzentwurf für günstigere \
                 Strompreise vorgelegt, der nach Angaben des Ministeriums schon im Frühjahr \
                 in Kraft treten soll und Haushalte um Milliarden entlasten würde.",
                "de",
            ),
            (
                "El Gobierno español aprobó el martes un plan para reducir el precio de la \
                 electricidad, que según el ministro de Economía entrará en vigor en la \
                 primavera y aliviará a millones de hogares en todo el país.",
                "es",
            ),
        ] {
            assert_eq!(fast(text), (true, Some(want.to_string())), "{text}");
        }
        // English a function-word count would refuse (an earnings brief), and English with
        // names that are neighbour words in lowercase: still whichlang's, and English.
        for text in [
            "Shr 22 cts vs 19 cts Net 1,234,000 vs 1,100,000 Revs 45.6 mln vs 40.1 mln \
             Nine mths Shr 61 cts vs 55 cts Net 3,456,000 vs 3,100,000 Revs 131.2 mln vs \
             120.9 mln Note: results include a gain of 12 cts a share from an asset sale.",
            "Dan Yang and Ng Ang met Ernie Els and Wanda Sal in Minden on Tuesday, where \
             the ETA statement was read out, the organisers said in a statement after the \
             meeting, which ended without an agreement on the next round of talks.",
        ] {
            assert_eq!(fast(text), (true, Some("en".to_string())), "{text}");
        }
        // Languages whichlang does not know go to whatlang (whichlang said Turkish for the
        // Indonesian and Swedish for the Danish), which names the Indonesian and is unsure
        // of the Danish: unsure is right, Swedish was wrong.
        for (text, want) in [
            (
                "Pemerintah mengatakan pada hari Selasa bahwa harga beras akan turun dalam \
                 beberapa minggu ke depan, setelah panen raya di Jawa dan Sumatera. Menteri \
                 pertanian juga mengatakan bahwa impor tidak akan diperlukan tahun ini.",
                "id",
            ),
            (
                "Regeringen har i dag fremlagt et nyt forslag om skattelettelser, og \
                 statsministeren siger, at det vil give flere arbejdspladser i hele landet. \
                 Oppositionen er ikke enig og kalder forslaget for dyrt for statskassen.",
                "",
            ),
        ] {
            let want = (!want.is_empty()).then(|| want.to_string());
            assert_eq!(fast(text), (false, want), "{text}");
        }
    }

    /// ASCII text whose own words are English is English without whichlang; Dutch and
    /// Swedish share some of those words ("in", "is", "was", "i") but far fewer.
    #[test]
    fn english_by_its_own_words() {
        let share = |text: &str| {
            let c = ascii_word_counts(text.as_bytes(), ENGLISH);
            (c.english * 100 / c.total, english_word_percent(c.total))
        };
        let english = "The government said on Tuesday that it would cut the price of \
                       electricity for millions of households, and the minister told \
                       reporters that the plan was to be in force by the spring.";
        let (got, needed) = share(english);
        assert!(got >= needed, "{got} < {needed}");
        assert_eq!(detect_ascii(english), Some(Some("en")));
        // Wire copy thick with names and tickers: under the short samples' share, over the
        // long ones', and whichlang calls it German.
        let wire = "DEUTSCHE BABCOCK, KWU SHARE BILLION MARK CONTRACT\nOBERHAUSEN, West \
                    Germany, March 12 - Deutsche Babcock AG <DBCG.F> said it and Siemens AG \
                    <SIEG.F> subsidiary Kraftwerk Union AG <KAWG.F>, KWU, have won an order from \
                    the city of Munich for an electric";
        let (got, needed) = share(wire);
        assert!(
            (ENGLISH_WORD_PERCENT_LONG..ENGLISH_WORD_PERCENT).contains(&got),
            "{got}"
        );
        assert_eq!(needed, ENGLISH_WORD_PERCENT_LONG);
        assert_eq!(whichlang_code(whichlang::detect_language(wire)), "de");
        assert_eq!(detect_ascii(wire), Some(Some("en")));
        for (text, want) in [
            (
                "De regering heeft op dinsdag een nieuw plan gepresenteerd om de prijs van \
                 elektriciteit te verlagen, dat volgens de minister in het voorjaar in werking \
                 treedt en is bedoeld voor miljoenen huishoudens in het hele land.",
                "nl",
            ),
            (
                "Regeringen sade i dag att den vill sanka priset pa el for miljontals hushall \
                 och ministern sa till reportrar att planen ska borja galla i var och att den \
                 ar ett svar pa de hoga priserna i hela landet.",
                "sv",
            ),
        ] {
            let (got, needed) = share(text);
            assert!(got < needed, "{got} >= {needed}: {text}");
            assert_eq!(detect_ascii(text), Some(Some(want)), "{text}");
        }
    }

    /// The plain way to count what [`ascii_word_counts`] counts: split, then compare strings.
    fn ascii_word_counts_reference(bytes: &[u8], list: &Wordlist) -> WordCounts {
        let words: Vec<&str> = bytes
            .split(|b| !b.is_ascii_alphabetic())
            .filter(|w| !w.is_empty())
            .map(|w| std::str::from_utf8(w).unwrap())
            .collect();
        let lowercase = || {
            words
                .iter()
                .filter(|w| w.len() <= 16 && !w.bytes().any(|b| b.is_ascii_uppercase()))
        };
        WordCounts {
            total: words.len(),
            neighbour: lowercase()
                .filter(|w| NEIGHBOUR_WORDS.binary_search(w).is_ok())
                .filter(|w| list.words.binary_search(w).is_err())
                .count(),
            english: words
                .iter()
                .filter(|w| {
                    ENGLISH
                        .words
                        .binary_search(&w.to_lowercase().as_str())
                        .is_ok()
                })
                .count(),
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// The one-pass count with integer keys counts what splitting and comparing strings
        /// counts: neighbour words, their capitalised forms, prefixes and extensions, words
        /// of the answered language's own list, long words, glued words and separators.
        #[test]
        fn ascii_word_count_is_the_split_count(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "yang", "Yang", "adalah", "kiekvienas", "jokaisella", "jokaisellaa",
                    "kiekvienasx", "dan", "este", "the", "of", "said", "a", "i", "ya", "yan",
                    "yangg", "aaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaaa", "voi", "waa", "xaq", "yra",
                    "acest", "the", "The", "which", "would", "you", "a", " ", " ", ",", "'",
                    "1", "-", "\u{2019}", "\u{a0}",
                ]),
                0..40,
            ),
            glue in proptest::collection::vec(proptest::bool::ANY, 40),
            code in proptest::sample::select(vec!["en", "nl", "es", "pt", "fr"]),
        ) {
            let mut text = String::new();
            for (i, p) in parts.iter().enumerate() {
                if i > 0 && !glue[i] {
                    text.push(' ');
                }
                text.push_str(p);
            }
            let list = WORDLISTS.iter().find(|l| l.code == code).unwrap();
            proptest::prop_assert_eq!(
                ascii_word_counts(text.as_bytes(), list),
                ascii_word_counts_reference(text.as_bytes(), list),
                "text {:?}",
                text
            );
        }
    }

    /// The word lists are searched by binary search, and the ASCII path skips words longer
    /// than 16 letters.
    #[test]
    fn word_lists_are_sorted_lowercase_and_short() {
        let check = |name: &str, list: &[&str]| {
            assert!(
                list.windows(2).all(|w| w[0] < w[1]),
                "{name} is not sorted and unique"
            );
            for w in list {
                assert_eq!(*w, w.to_lowercase(), "{name}: {w}");
                assert!(w.len() <= 16 && !w.is_empty(), "{name}: {w}");
                assert!(w.chars().all(char::is_alphabetic), "{name}: {w}");
            }
        };
        check("NEIGHBOUR_WORDS", NEIGHBOUR_WORDS);
        assert!(
            NEIGHBOUR_KEYS.windows(2).all(|k| k[0] < k[1]),
            "NEIGHBOUR_KEYS do not sort as the words do"
        );
        assert!(
            ENGLISH_KEYS.windows(2).all(|k| k[0] < k[1]),
            "ENGLISH_KEYS do not sort as the words do"
        );
        assert_eq!(ENGLISH.code, "en");
        for l in WORDLISTS {
            check(l.code, l.words);
            assert_eq!(l.alphabet, l.alphabet.to_lowercase(), "{}", l.code);
        }
    }

    #[test]
    fn languages() {
        let cases = [
            ("en", Some("en")),
            ("en-US", Some("en")),
            ("EN_gb", Some("en")),
            ("eng", Some("en")),
            ("haw", Some("haw")),
            ("*", None),
            ("", None),
            ("english", None),
        ];
        for (input, want) in cases {
            assert_eq!(primary_language(input).as_deref(), want, "input: {input:?}");
        }
    }

    #[test]
    fn char_boundary_after_counts_characters() {
        for s in [
            "",
            "abc",
            "a\u{2019}b\u{201c}c\u{e9}\u{1F600}d",
            "\u{1F600}\u{1F600}",
        ] {
            for n in 0..8 {
                let want = s.char_indices().nth(n).map_or(s.len(), |(i, _)| i);
                assert_eq!(char_boundary_after(s, n), want, "{s:?} {n}");
            }
        }
    }

    /// Every listed word passes its filter, and the filters are sparse enough to turn most
    /// other words away.
    #[test]
    fn key_filters_hold_their_keys_and_little_else() {
        for (set, keys) in [
            (&ENGLISH_FILTER, &ENGLISH_KEYS[..]),
            (&NEIGHBOUR_FILTER, &NEIGHBOUR_KEYS[..]),
        ] {
            assert!(keys.iter().all(|&k| set.has(k)));
            let ones: u32 = set.bits.iter().map(|w| w.count_ones()).sum();
            assert!(ones < 4096 / 8, "{ones} of 4,096 bits set");
        }
    }
}
