//! Fuzzing every reader with proptest on stable Rust, in the default test run; the
//! coverage-guided libFuzzer targets are in `fuzz/` (nightly, see `fuzz/README.md`). Each property feeds arbitrary or mutated
//! input and asserts only what must always hold: no panic, and the outcome is Ok or a
//! `FetchError`. `PROPTEST_CASES=N` runs longer; `.ci/run` runs a bounded batch in release.

use std::sync::Arc;

use proptest::prelude::*;
use wirefeed_fetch::{decode, parse_date, read_document, DocumentKind, FetchError};

const SEEDS: &[&str] = &[
    r#"<?xml version="1.0" encoding="windows-1251"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title><ttl>5</ttl><item><title>A &amp; B</title><guid>g</guid><pubDate>Mon, 25 Mar 2013 10:00:00 GMT</pubDate><content:encoded><![CDATA[<p>x</p>]]></content:encoded><enclosure url="http://x/a.mp3" length="1" type="audio/mpeg"/></item></channel></rss>"#,
    r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id><entry><id>urn:e</id><title type="html">&lt;b&gt;x&lt;/b&gt;</title><link href="/rel"/><updated>2013-03-25T10:00:00Z</updated></entry></feed>"#,
    r#"{"version":"1.0","title":"J","items":[{"id":"1","content_html":"<p>x</p>","date_published":"2013-03-25T10:00:00Z"}]}"#,
    r#"{"uri":"urn:a","version":"2","headlines":[{"role":"main","value":"H"}],"bodies":[{"role":"main","contenttype":"text/html","value":"<p>b</p>"}],"versionCreated":"2013-03-25T10:00:00Z","altids":[{"role":"itemid","value":"x"}]}"#,
    r#"<newsMessage><itemSet><newsItem guid="g" version="1"><itemMeta><itemClass qcode="ninat:text"/><versionCreated>2013-03-25T10:00:00Z</versionCreated><pubStatus qcode="stat:usable"/></itemMeta><contentMeta><headline>H</headline><subject qcode="medtop:1"><name>n</name></subject></contentMeta><contentSet><inlineXML><nitf><body><body.content><p>x</p></body.content></body></nitf></inlineXML></contentSet></newsItem></itemSet></newsMessage>"#,
    r#"<nitf><head><docdata><doc-id id-string="d"/><du-key version="1"/><date.issue norm="20130325T100000Z"/></docdata></head><body><body.head><hedline><hl1>H</hl1></hedline><byline>By X</byline></body.head><body.content><p>b &#229;</p></body.content></body></nitf>"#,
    "You're reading: Headline\n\nMOSCOW, March 25 (Reuters) - Body.\n",
    r#"<NewsML><NewsItem><Identification><NewsIdentifier><ProviderId>p</ProviderId><DateId>d</DateId><NewsItemId>i</NewsItemId><RevisionId>2</RevisionId></NewsIdentifier></Identification><NewsComponent><NewsLines><HeadLine>H</HeadLine></NewsLines><NewsComponent><Role FormalName="Body"/><ContentItem><DataContent><nitf><body><body.content><p>x</p></body.content></body></nitf></DataContent></ContentItem></NewsComponent></NewsComponent></NewsItem></NewsML>"#,
];

const KINDS: &[DocumentKind] = &[
    DocumentKind::Sniff,
    DocumentKind::Feed,
    DocumentKind::Ninjs,
    DocumentKind::NewsmlG2,
    DocumentKind::Nitf,
    DocumentKind::WireText,
];

fn read(bytes: &[u8], kind: DocumentKind, charset: Option<&str>) {
    let source: Arc<str> = Arc::from("fuzz");
    let ct = charset.map(|c| format!("application/xml; charset={c}"));
    match read_document(bytes, &source, kind, ct.as_deref(), Some("http://x/")) {
        // The universal model must serialize whatever was read.
        Ok(doc) => {
            let _ = serde_json::to_string(&doc.to_universal()).unwrap();
        }
        // read_document turns panics into this error; for the fuzzer it is a failure.
        Err(FetchError::Panic(msg)) => panic!("reader panicked: {msg}"),
        Err(_) => {}
    }
}

/// A seed mutated: cut at one point, a byte run spliced in at another.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    (
        0..SEEDS.len(),
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        prop::collection::vec(any::<u8>(), 0..16),
        any::<bool>(),
    )
        .prop_map(|(seed, cut, at, splice, truncate)| {
            let mut b = SEEDS[seed].as_bytes().to_vec();
            let at = at.index(b.len() + 1);
            b.splice(at..at, splice);
            if truncate {
                b.truncate(cut.index(b.len() + 1));
            }
            b
        })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512), k in 0..KINDS.len()) {
        read(&bytes, KINDS[k], None);
    }

    #[test]
    fn mutated_documents_never_panic(bytes in mutated(), k in 0..KINDS.len(), cs in prop::option::of("(utf-8|koi8-r|shift_jis|utf-16|x-bogus)")) {
        read(&bytes, KINDS[k], cs.as_deref());
    }

    #[test]
    fn decoding_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256), cs in prop::option::of("[a-zA-Z0-9_-]{0,12}")) {
        let d = decode(&bytes, cs.as_deref());
        prop_assert!(!d.encoding.is_empty());
    }

    #[test]
    fn dates_never_panic(s in "\\PC{0,40}") {
        let _ = parse_date(&s);
    }

    #[test]
    fn date_like_strings_never_panic(s in "(Mon, )?[0-9]{1,2} (Jan|Sept|March) [0-9]{2,4} [0-9:]{0,8} ?(GMT|EST|[+-][0-9:]{1,5}|Z)?") {
        let _ = parse_date(&s);
    }
}
