use super::*;

const RSS: &str = r#"<?xml version="1.0"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel>
<title>T</title><link>http://x/</link><description>d</description><language>en-us</language>
<ttl>15</ttl><sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>
<item><title>One</title><link>http://x/1</link><guid>g1</guid>
<pubDate>Mon, 25 Mar 2013 10:00:00 GMT</pubDate>
<description>short</description>
<enclosure url="http://x/1.mp3" length="123" type="audio/mpeg"/>
<content:encoded><![CDATA[<p>Para one.</p><p>Para two.</p>]]></content:encoded></item>
<item><title>Two</title><link>http://x/2</link><description>plain text</description></item>
</channel></rss>"#;

const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id><updated>2013-03-25T10:00:00Z</updated>
<entry><title>Entry</title><id>urn:e1</id><updated>2013-03-25T10:00:00Z</updated>
<link href="http://a/e1"/><content type="html">&lt;p&gt;Hello&lt;/p&gt;</content></entry></feed>"#;

const G2: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><header><sent>2020-01-01T00:00:00Z</sent></header>
<itemSet>
<newsItem guid="urn:newsml:example.com:20200101:story1" version="3" standard="NewsML-G2" xml:lang="en">
 <itemMeta><itemClass qcode="ninat:text"/><versionCreated>2020-01-01T10:00:00Z</versionCreated>
  <firstCreated>2020-01-01T08:00:00Z</firstCreated><pubStatus qcode="stat:usable"/></itemMeta>
 <contentMeta><located qcode="geoloc:BRU"><name>Brussels</name></located>
  <subject qcode="medtop:20000602"><name>military equipment</name></subject>
  <by>Jane Doe</by><headline>Allies weigh new sites</headline>
  <description role="drol:summary">Ministers met.</description></contentMeta>
 <contentSet><inlineXML contenttype="application/nitf+xml"><nitf xmlns="http://iptc.org/std/NITF/2006-10-18/">
  <body><body.head><hedline><hl1>NITF headline</hl1></hedline></body.head>
  <body.content><p>BRUSSELS - Ministers &amp; generals met.</p><p>Second.</p></body.content></body></nitf></inlineXML></contentSet>
</newsItem>
<newsItem guid="urn:newsml:example.com:20200101:story2" version="1">
 <itemMeta><itemClass qcode="ninat:text"/><versionCreated>Jan 1 2020 11:00:00 GMT</versionCreated></itemMeta>
 <contentMeta><headline>XHTML story</headline></contentMeta>
 <contentSet><inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title></head>
 <body><p>XHTML body.</p></body></html></inlineXML></contentSet>
</newsItem>
<newsItem guid="urn:newsml:example.com:20200101:photo" version="1">
 <itemMeta><itemClass qcode="ninat:picture"/></itemMeta>
 <contentSet><remoteContent href="http://example.com/p.jpg"/></contentSet>
</newsItem>
</itemSet></newsMessage>"#;

const NITF: &str = r#"<?xml version="1.0" encoding="ISO-8859-1"?>
<nitf version="-//IPTC//DTD NITF 3.4//EN"><head><title>Head title</title>
<tobject><tobject.subject tobject.subject.matter="Football"/></tobject>
<docdata><doc-id id-string="NTB-123"/><date.issue norm="20130325T100000Z"/><du-key version="2"/></docdata></head>
<body><body.head><hedline><hl1>Oslo wins</hl1></hedline><byline>By Kari Nordmann</byline>
<dateline><location>OSLO</location></dateline></body.head>
<body.content><p>Text &#229; here.</p></body.content></body></nitf>"#;

fn src() -> Arc<str> {
    Arc::from("test")
}

fn read(s: &str) -> Document {
    read_document(s.as_bytes(), &src(), DocumentKind::Sniff, None, None).unwrap()
}

#[test]
fn rss_items_carry_guid_link_dates_enclosures_and_hints() {
    let doc = read(RSS);
    assert_eq!(doc.format, Format::Rss);
    let items: Vec<_> = doc.entries.iter().map(|e| &e.item).collect();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].format, ItemFormat::Rss);
    assert_eq!(items[0].guid.as_deref(), Some("g1"));
    assert_eq!(items[0].link.as_deref(), Some("http://x/1"));
    assert_eq!(
        items[0].content.as_ref().unwrap().kind,
        wirefeed_model::TextKind::Html
    );
    assert!(items[0].published.is_some());
    assert_eq!(items[0].language.as_deref(), Some("en-us"));
    assert_eq!(doc.entries[0].enclosures[0].url, "http://x/1.mp3");
    assert_eq!(doc.entries[0].enclosures[0].length, Some(123));
    // No guid: the link is the id, so the normalizer scopes it globally.
    assert_eq!(items[1].guid, None);
    assert_eq!(items[1].link.as_deref(), Some("http://x/2"));
    assert_eq!(doc.hints.ttl, Some(Duration::from_secs(900)));
    assert_eq!(doc.hints.update_period, Some(Duration::from_secs(900)));
    assert_eq!(doc.feed.title.as_deref(), Some("T"));
}

#[test]
fn atom_entries_parse() {
    let items = parse_document(ATOM.as_bytes(), &src(), DocumentKind::Sniff, None).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].format, ItemFormat::Atom);
    assert_eq!(items[0].guid.as_deref(), Some("urn:e1"));
    assert_eq!(items[0].link.as_deref(), Some("http://a/e1"));
    assert_eq!(items[0].content.as_ref().unwrap().value, "<p>Hello</p>");
}

#[test]
fn json_feed_1_0_with_short_version_parses() {
    for version in ["1.0", "https://jsonfeed.org/version/1.1", "1.1"] {
        let json = format!(
            r#"{{"version":"{version}","title":"J","items":[{{"id":"1","title":"Hi","content_text":"Body","date_published":"2013-03-25T10:00:00Z"}}]}}"#
        );
        let doc = read(&json);
        assert_eq!(doc.format, Format::JsonFeed, "{version}");
        assert_eq!(doc.entries[0].item.guid.as_deref(), Some("1"));
        assert!(doc.entries[0].item.published.is_some());
    }
}

#[test]
fn ninjs_single_array_and_page() {
    let v1 = r#"{"uri":"urn:a:1","version":"2","headline":"One","body_text":"Body one","byline":"Jo","versioncreated":"2013-03-25T10:00:00Z","located":"Oslo","pubstatus":"usable","subject":[{"name":"Sport","code":"15000000"}]}"#;
    let doc = read(v1);
    assert_eq!(doc.format, Format::Ninjs);
    let e = &doc.entries[0];
    assert_eq!(e.item.guid.as_deref(), Some("urn:a:1"));
    assert_eq!(e.item.version, Some(2));
    assert_eq!(e.item.title.as_deref(), Some("One"));
    assert_eq!(e.item.authors, ["Jo"]);
    assert_eq!(e.item.categories, ["Sport"]);
    assert_eq!(e.located.as_deref(), Some("Oslo"));
    assert_eq!(e.pub_status.as_deref(), Some("usable"));

    let v2 = r#"[{"uri":"urn:b:1","headlines":[{"role":"main","value":"Two"}],"bodies":[{"role":"main","contenttype":"text/html","value":"<p>B</p>"}],"versionCreated":"2013-03-25T10:00:00Z"},
                 {"uri":"urn:b:2","type":"picture"}]"#;
    let doc = read(v2);
    assert_eq!(doc.entries.len(), 1);
    assert_eq!(doc.entries[0].item.title.as_deref(), Some("Two"));
    assert_eq!(doc.entries[0].item.content, Some(Text::html("<p>B</p>")));
    assert_eq!(doc.warnings.len(), 1, "{:?}", doc.warnings);

    let page = r#"{"items":[{"altids":[{"role":"itemid","value":"X-1"}],"headline":"P","body_text":"b"}],"links":[{"rel":"next","href":"http://x/page2"}]}"#;
    let doc = read(page);
    assert_eq!(doc.entries[0].item.guid.as_deref(), Some("X-1"));
    assert_eq!(doc.hints.next_page.as_deref(), Some("http://x/page2"));
}

#[test]
fn newsml_g2_message_yields_text_items_with_agency_ids() {
    let doc = read(G2);
    assert_eq!(doc.format, Format::NewsmlG2);
    assert_eq!(doc.entries.len(), 2, "{:?}", doc.warnings);
    let e = &doc.entries[0];
    assert_eq!(
        e.item.guid.as_deref(),
        Some("urn:newsml:example.com:20200101:story1")
    );
    assert_eq!(e.item.version, Some(3));
    assert_eq!(e.item.format, ItemFormat::NewsmlG2);
    assert_eq!(e.item.title.as_deref(), Some("Allies weigh new sites"));
    assert_eq!(
        e.item.content.as_ref().unwrap().value,
        "<p>BRUSSELS - Ministers &amp; generals met.</p><p>Second.</p>"
    );
    assert_eq!(e.item.authors, ["Jane Doe"]);
    assert_eq!(e.item.categories, ["military equipment"]);
    assert_eq!(e.item.language.as_deref(), Some("en"));
    assert_eq!(e.located.as_deref(), Some("Brussels"));
    assert_eq!(e.pub_status.as_deref(), Some("usable"));
    assert!(e.item.published.is_some() && e.item.updated.is_some());
    let x = &doc.entries[1];
    assert_eq!(x.item.content.as_ref().unwrap().value, "<p>XHTML body.</p>");
    assert!(x.item.updated.is_some(), "lenient date");
    assert!(doc.warnings.iter().any(|w| w.contains("without text")));
}

#[test]
fn newsml_g2_headline_from_xhtml_title_and_what_the_source_lacks_stays_empty() {
    let doc = read(
        r#"<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><itemSet>
<newsItem guid="urn:x:1" standard="NewsML-G2" standardversion="2.26">
 <itemMeta><itemClass qcode="ninat:text"/></itemMeta>
 <contentSet><inlineXML wordcount="3"><html xmlns="http://www.w3.org/1999/xhtml">
  <head><title>Only the XHTML names it</title></head><body><p>Line one.</p></body></html>
 </inlineXML></contentSet>
</newsItem>
<newsItem guid="urn:x:2" version="4" standard="NewsML-G2" standardversion="2.26">
 <itemMeta><itemClass qcode="ninat:text"/></itemMeta>
 <contentMeta><headline>Placeholder body</headline></contentMeta>
 <contentSet><inlineXML contenttype="application/nitf+xml"><!-- to come --></inlineXML></contentSet>
</newsItem>
<newsItem guid="urn:x:3" version="1" standard="NewsML-G2" standardversion="2.26">
 <itemMeta><itemClass qcode="ninat:text"/></itemMeta>
 <contentMeta><headline>XHTML placeholder</headline></contentMeta>
 <contentSet><inlineXML contenttype="application/xhtml+xml"><!-- Story text --></inlineXML></contentSet>
</newsItem>
</itemSet></newsMessage>"#,
    );
    assert_eq!(doc.entries.len(), 3, "{:?}", doc.warnings);
    let a = &doc.entries[0].item;
    assert_eq!(a.title.as_deref(), Some("Only the XHTML names it"));
    assert_eq!(a.content.as_ref().unwrap().value, "<p>Line one.</p>");
    // No `version` attribute: left empty (the schema's default is 1; the normalizer gives
    // such a story version 1, or the headline's update number + 1).
    assert_eq!(a.version, None);
    let b = &doc.entries[1].item;
    assert_eq!(b.title.as_deref(), Some("Placeholder body"));
    assert_eq!(b.version, Some(4));
    assert!(b.content.is_none(), "an empty inlineXML is no body");
    assert!(
        doc.entries[2].item.content.is_none(),
        "nor is an empty XHTML one"
    );
}

#[test]
fn nitf_document_in_latin1() {
    let bytes = encoding_rs::WINDOWS_1252.encode(NITF).0;
    let doc = read_document(&bytes, &src(), DocumentKind::Sniff, None, None).unwrap();
    assert_eq!(doc.format, Format::Nitf);
    assert_eq!(doc.encoding, "windows-1252");
    let i = &doc.entries[0].item;
    assert_eq!(i.guid.as_deref(), Some("NTB-123"));
    assert_eq!(i.version, Some(2));
    assert_eq!(i.title.as_deref(), Some("Oslo wins"));
    assert_eq!(i.authors, ["Kari Nordmann"]);
    assert_eq!(i.categories, ["Football"]);
    assert_eq!(i.content.as_ref().unwrap().value, "<p>Text å here.</p>");
    assert_eq!(doc.entries[0].located.as_deref(), Some("OSLO"));
    assert!(i.published.is_some());
}

#[test]
fn windows_1251_feed_declared_in_the_header_decodes() {
    let rss = r#"<?xml version="1.0" encoding="windows-1251"?><rss version="2.0"><channel><title>Новости</title><item><title>Заголовок</title><guid>1</guid><description>Текст</description></item></channel></rss>"#;
    let bytes = encoding_rs::WINDOWS_1251.encode(rss).0;
    let doc = read_document(&bytes, &src(), DocumentKind::Feed, None, None).unwrap();
    assert_eq!(doc.encoding, "windows-1251");
    assert_eq!(doc.entries[0].item.title.as_deref(), Some("Заголовок"));
    // The HTTP charset wins over a wrong declaration.
    let lying = rss.replace("windows-1251", "utf-8");
    let bytes = encoding_rs::KOI8_R.encode(&lying).0;
    let doc = read_document(
        &bytes,
        &src(),
        DocumentKind::Feed,
        Some("text/xml; charset=koi8-r"),
        None,
    )
    .unwrap();
    assert_eq!(doc.entries[0].item.title.as_deref(), Some("Заголовок"));
}

#[test]
fn wire_text_splits_headline_and_body() {
    let t =
        "\u{feff}You're reading: Headline here\n\n MOSCOW, March 25 (Reuters) - Body\nwrapped.\n";
    let items = parse_document(t.as_bytes(), &src(), DocumentKind::Sniff, None).unwrap();
    assert_eq!(
        items[0].title.as_deref(),
        Some("You're reading: Headline here")
    );
    assert_eq!(
        items[0].content.as_ref().unwrap().value,
        " MOSCOW, March 25 (Reuters) - Body\nwrapped."
    );
    assert_eq!(items[0].format, ItemFormat::WireText);
}

#[test]
fn broken_documents_are_errors_not_panics() {
    for bad in [
        "<rss><channel><item><title>x",
        "<html><body>not a feed</body></html>",
        "<!DOCTYPE html><HTML><body>x</body></HTML>",
        "{\"a\":",
        "{\"a\":1}",
        "<newsItem guid='x'><contentMeta><headline>x",
        "<nitf><head></head></nitf>",
        "",
        "   ",
    ] {
        let r = parse_document(bad.as_bytes(), &src(), DocumentKind::Feed, None);
        assert!(r.is_err(), "{bad:?} parsed");
    }
    assert!(matches!(
        parse_document(b"<html><p>x</p></html>", &src(), DocumentKind::Sniff, None),
        Err(FetchError::Html)
    ));
    assert!(matches!(
        parse_wire_text("\n\n  \n", &src()),
        Err(FetchError::Empty)
    ));
}

#[test]
fn external_entities_are_never_resolved() {
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>t</title><item><title>&x;</title><description>d</description></item></channel></rss>"#;
    if let Ok(items) = parse_document(xxe.as_bytes(), &src(), DocumentKind::Feed, None) {
        for i in items {
            assert!(!i.title.unwrap_or_default().contains("root:"));
        }
    }
    let g2 = r#"<?xml version="1.0"?><!DOCTYPE newsItem [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<newsItem guid="g" version="1"><contentMeta><headline>H &x;</headline></contentMeta></newsItem>"#;
    let doc = read(g2);
    assert_eq!(doc.entries[0].item.title.as_deref(), Some("H"));
    assert!(doc.warnings.iter().any(|w| w.contains("not expanded")));
}

#[test]
fn repeated_guids_become_guid_plus_link_and_missing_ones_hash() {
    let rss = r#"<rss version="2.0"><channel><title>t</title>
<item><title>A</title><link>http://x/a</link><guid>same</guid></item>
<item><title>B</title><link>http://x/b</link><guid>same</guid></item>
<item><title>C</title><description>no link no guid</description></item></channel></rss>"#;
    let doc = read(rss);
    let ids: Vec<_> = doc
        .entries
        .iter()
        .map(|e| e.item.guid.clone().unwrap())
        .collect();
    assert_eq!(ids[0], "same http://x/a");
    assert_eq!(ids[1], "same http://x/b");
    assert!(ids[2].starts_with("wirefeed-hash:"));
    assert_eq!(
        read(rss).entries[2].item.guid.as_deref(),
        Some(ids[2].as_str())
    );
    assert!(doc.warnings.iter().any(|w| w.contains("share a GUID")));
}

#[test]
fn unreadable_dates_warn_and_fall_back() {
    let rss = r#"<rss version="2.0"><channel><title>t</title>
<item><title>A</title><guid>a</guid><pubDate>sometime last week</pubDate></item>
<item><title>B</title><guid>b</guid><pubDate>Mon, 25 Mar 2013 06:00:00 EDT</pubDate></item></channel></rss>"#;
    let doc = read(rss);
    assert_eq!(doc.entries[0].item.published, None);
    assert!(doc.entries[1].item.published.is_some());
    assert!(doc
        .warnings
        .iter()
        .any(|w| w.contains("sometime last week")));
}

#[test]
fn rss_contacts_split_into_name_and_email() {
    let check = |raw: &str, name: Option<&str>, email: Option<&str>| {
        let p = Person::from_contact(raw);
        assert_eq!(
            (p.name.as_deref(), p.email.as_deref()),
            (name, email),
            "{raw:?}"
        );
    };
    check(
        "Feed Editor (e@x.org)",
        Some("Feed Editor"),
        Some("e@x.org"),
    );
    check(
        "e@x.org (Feed Editor)",
        Some("Feed Editor"),
        Some("e@x.org"),
    );
    check(
        "Feed Editor <e@x.org>",
        Some("Feed Editor"),
        Some("e@x.org"),
    );
    check("e@x.org", None, Some("e@x.org"));
    check("Jane Doe", Some("Jane Doe"), None);
    let rss = r#"<rss version="2.0"><channel><title>t</title><managingEditor>ed@x.org (Ed)</managingEditor>
<item><title>A</title><guid>a</guid><author>jo@x.org (Jo Reporter)</author></item></channel></rss>"#;
    let doc = read(rss);
    assert_eq!(doc.entries[0].item.authors, ["Jo Reporter"]);
    assert_eq!(doc.feed.authors[0].name.as_deref(), Some("Ed"));
}

#[test]
fn atom_0_3_reads_like_atom_1_0() {
    let atom03 = r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Old</title><tagline>Tag</tagline>
<entry><title>E</title><id>urn:e</id><issued>2004-01-01T19:48:21Z</issued><modified>2004-01-02T19:48:21Z</modified>
<link rel="alternate" type="text/html" href="http://x/e"/><summary>S</summary></entry></feed>"#;
    let doc = read(atom03);
    assert_eq!(doc.format, Format::Atom);
    assert_eq!(doc.feed.description.as_deref(), Some("Tag"));
    let i = &doc.entries[0].item;
    assert_eq!(i.title.as_deref(), Some("E"));
    assert!(i.published.is_some() && i.updated.is_some());
    assert_eq!(i.link.as_deref(), Some("http://x/e"));
}

#[test]
fn json_feed_without_title_and_with_attachments() {
    let json = r#"{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","content_text":"T","attachments":[{"url":"http://x/a.mp3","mime_type":"audio/mpeg","size_in_bytes":100}]}]}"#;
    let doc = read(json);
    let e = &doc.entries[0];
    assert_eq!(e.enclosures.len(), 1);
    assert_eq!(e.enclosures[0].length, Some(100));
    assert_eq!(e.enclosures[0].mime.as_deref(), Some("audio/mpeg"));
}

#[test]
fn dublin_core_and_itunes_fill_what_rss_leaves_out() {
    let rss = r#"<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
<channel><dc:title>DC Title</dc:title><dc:language>en-us</dc:language><dc:creator>Jane</dc:creator>
<item><guid>a</guid><dc:title>Item</dc:title><dc:description>Desc</dc:description><dc:subject>One</dc:subject>
<dc:date>2006-01-02T15:04:05Z</dc:date><itunes:author>Pod Author</itunes:author></item></channel></rss>"#;
    let doc = read(rss);
    assert_eq!(doc.feed.title.as_deref(), Some("DC Title"));
    assert_eq!(doc.feed.language.as_deref(), Some("en-us"));
    assert_eq!(doc.feed.authors[0].name.as_deref(), Some("Jane"));
    let i = &doc.entries[0].item;
    assert_eq!(i.title.as_deref(), Some("Item"));
    assert_eq!(i.summary, Some(Text::plain("Desc")));
    assert_eq!(i.categories, ["One"]);
    assert!(i.published.is_some());
    assert_eq!(i.authors, ["Pod Author"]);
}

/// Found by the fuzz target: a multi-byte character after `version=` was sliced into.
#[test]
fn rss_version_rewrite_survives_garbage_after_version() {
    let r = parse_document(
        "<rss version=Ђ\"2.0\"><channel></channel></rss>".as_bytes(),
        &src(),
        DocumentKind::Feed,
        None,
    );
    assert!(!matches!(r, Err(FetchError::Panic(_))), "{r:?}");
}

#[test]
fn rss_0_93_0_94_and_versionless_rss_parse() {
    for root in [
        r#"<rss version="0.94">"#,
        r#"<rss version='0.93'>"#,
        "<rss>",
        r#"<rss xmlns:dc="http://purl.org/dc/elements/1.1/">"#,
    ] {
        let doc = read(&format!(
            "<?xml version=\"1.0\"?>{root}<channel><title>T</title><item><title>A</title><guid>a</guid></item></channel></rss>"
        ));
        assert_eq!(doc.entries.len(), 1, "{root}");
    }
}

#[test]
fn rss_links_follow_gofeed_and_link_less_rdf_items_are_kept() {
    let doc = read(
        r#"<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
        <link>http://a.example/</link><link href="http://b.example/"/>
        <atom:link rel="self" href="http://a.example/feed"/>
        <item><link>http://a.example/1</link><link>http://a.example/2</link></item>
        </channel></rss>"#,
    );
    assert_eq!(doc.feed.link.as_deref(), Some("http://b.example/"));
    assert_eq!(doc.feed.links.len(), 3);
    assert_eq!(doc.feed.feed_link.as_deref(), Some("http://a.example/feed"));
    assert_eq!(
        doc.entries[0].item.link.as_deref(),
        Some("http://a.example/2")
    );
    let doc = read(
        r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
        <channel rdf:about="http://x/"><title>T</title><link>http://x/</link><description>d</description></channel>
        <item rdf:about="http://x/1"><title>No link</title><description>D</description></item>
        <item rdf:about="http://x/2"><title>Linked</title><link>http://x/2</link></item>
        </rdf:RDF>"#,
    );
    let titles: Vec<_> = doc
        .entries
        .iter()
        .map(|e| e.item.title.as_deref())
        .collect();
    assert_eq!(titles, [Some("No link"), Some("Linked")]);
    assert_eq!(
        doc.entries[0]
            .item
            .summary
            .as_ref()
            .map(|t| t.value.as_str()),
        Some("D")
    );
}

#[test]
fn json_feed_avatars_feed_url_and_feed_dates_from_items() {
    let doc = read(
        r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","feed_url":"http://j/feed.json",
        "authors":[{"name":"A","avatar":"http://j/a.png"}],
        "items":[{"id":"1","content_text":"x","date_published":"2020-01-01T00:00:00Z",
                  "date_modified":"2020-01-02T00:00:00Z","authors":[{"name":"B","avatar":"http://j/b.png"}]},
                 {"id":"2","content_text":"y","date_published":"2020-02-01T00:00:00Z"}]}"#,
    );
    assert_eq!(
        doc.feed.authors[0].avatar.as_deref(),
        Some("http://j/a.png")
    );
    assert_eq!(
        doc.entries[0].people[0].avatar.as_deref(),
        Some("http://j/b.png")
    );
    assert_eq!(doc.feed.feed_link.as_deref(), Some("http://j/feed.json"));
    let day = |d: Option<DateTime<Utc>>| d.map(|d| d.format("%F").to_string());
    assert_eq!(day(doc.feed.published).as_deref(), Some("2020-02-01"));
    assert_eq!(day(doc.feed.updated).as_deref(), Some("2020-01-02"));
}

#[test]
fn atom_entries_without_published_fall_back_to_updated_and_specs_are_checked() {
    let doc = read(ATOM);
    assert_eq!(doc.entries[0].item.published, doc.entries[0].item.updated);
    assert!(doc.entries[0].item.published.is_some());
    // The sample has no author anywhere, which Atom requires.
    assert!(
        doc.validation.iter().any(|v| v.contains("no <author>")),
        "{:?}",
        doc.validation
    );
    // Agency formats are not feed-validated.
    assert!(read(G2).validation.is_empty());
}

/// Our own NewsML 1.2 sample, shaped like agency output: a NITF body in one item, an XHTML
/// `Body` component beside headline and style-sheet components in another.
const NEWSML1: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<NewsML Version="1.2"><NewsEnvelope><DateAndTime>20240102T100000Z</DateAndTime></NewsEnvelope>
<NewsItem xml:lang="en"><Identification><NewsIdentifier><ProviderId>example.com</ProviderId>
 <DateId>20240102</DateId><NewsItemId>TX-1</NewsItemId><RevisionId PreviousRevision="1" Update="N">2</RevisionId>
 <PublicIdentifier>urn:newsml:example.com:20240102:TX-1:2</PublicIdentifier></NewsIdentifier></Identification>
 <NewsManagement><NewsItemType FormalName="News"/><FirstCreated>20240102T090000+0000</FirstCreated>
 <ThisRevisionCreated>20240102T100000+0000</ThisRevisionCreated><Status FormalName="Usable"/></NewsManagement>
 <NewsComponent><NewsLines><HeadLine>Harbour reopens after storm</HeadLine></NewsLines>
  <AdministrativeMetadata><Creator><Party FormalName="Jane Doe"/></Creator></AdministrativeMetadata>
  <DescriptiveMetadata><SubjectCode><Subject FormalName="16000000"/></SubjectCode>
   <Location><Property FormalName="City" Value="Bergen"/></Location></DescriptiveMetadata>
  <ContentItem><MediaType FormalName="Text"/><DataContent><nitf><body><body.content>
   <p>The harbour reopened.</p></body.content></body></nitf></DataContent></ContentItem></NewsComponent></NewsItem>
<NewsItem><Identification><NewsIdentifier><ProviderId>example.com</ProviderId><DateId>20240102</DateId>
 <NewsItemId>TX-2</NewsItemId><RevisionId>1</RevisionId></NewsIdentifier></Identification>
 <NewsComponent>
  <NewsComponent><Role FormalName="StyleSheet"/><ContentItem><MimeType FormalName="text/css"/><DataContent>p{}</DataContent></ContentItem></NewsComponent>
  <NewsComponent><Role FormalName="HeadLine"/><NewsLines><HeadLine>Second story</HeadLine></NewsLines>
   <ContentItem><MimeType FormalName="text/xhtml"/><DataContent><html><body><h1>Second story</h1></body></html></DataContent></ContentItem></NewsComponent>
  <NewsComponent><Role FormalName="Body"/><ContentItem><MimeType FormalName="text/xhtml"/><DataContent>
   <html><body><p>Body text.</p></body></html></DataContent></ContentItem></NewsComponent>
 </NewsComponent></NewsItem>
</NewsML>"#;

#[test]
fn newsml1_items_become_stories_with_id_version_headline_and_body() {
    let doc = read(NEWSML1);
    assert_eq!(doc.format, Format::Newsml1);
    assert_eq!(doc.entries.len(), 2);
    let a = &doc.entries[0];
    assert_eq!(a.item.format, ItemFormat::Newsml1);
    // The revision is the version, not part of the story id.
    assert_eq!(
        a.item.guid.as_deref(),
        Some("urn:newsml:example.com:20240102:TX-1")
    );
    assert_eq!(a.item.version, Some(2));
    assert_eq!(a.item.title.as_deref(), Some("Harbour reopens after storm"));
    assert!(a
        .item
        .content
        .as_ref()
        .unwrap()
        .value
        .contains("The harbour reopened."));
    assert_eq!(a.item.authors, ["Jane Doe"]);
    assert_eq!(a.item.categories, ["16000000"]);
    assert_eq!(a.item.language.as_deref(), Some("en"));
    assert!(a.item.published.is_some() && a.item.updated > a.item.published);
    assert_eq!(a.pub_status.as_deref(), Some("usable"));
    assert_eq!(a.located.as_deref(), Some("Bergen"));
    let b = &doc.entries[1];
    assert_eq!(b.item.title.as_deref(), Some("Second story"));
    let body = &b.item.content.as_ref().unwrap().value;
    assert!(
        body.contains("Body text.") && !body.contains("p{}") && !body.contains("<h1>"),
        "{body}"
    );
    assert_eq!(b.item.version, Some(1));
}

#[test]
fn xml_well_formedness_problems_are_spec_violations() {
    let rss = |body: &str| {
        format!(
            r#"<rss version="2.0"><channel><title>T</title><link>http://example.org/</link>
            <description>D</description><item><title>{body}</title></item></channel></rss>"#
        )
    };
    // A named entity no DTD declares: not well-formed, though feed-rs reads on.
    let v = read(&rss("tsch&uuml;ss")).validation;
    assert!(v.iter().any(|m| m.contains("undefined entity")), "{v:?}");
    // `&#X26;` — hex character references take a lowercase x.
    let v = read(&rss("alpha&#X26;omega")).validation;
    assert!(v.iter().any(|m| m.contains("uppercase X")), "{v:?}");
    // Predefined entities and proper references are fine.
    let v = read(&rss("alpha&amp;omega &#x26; &#38;")).validation;
    assert!(v.is_empty(), "{v:?}");
}

#[test]
fn syndication_hints_are_read_at_the_atom_root_under_any_prefix() {
    let atom = ATOM.replace(
        "<title>A</title>",
        "<title>A</title><syn:updatePeriod xmlns:syn=\"http://purl.org/rss/1.0/modules/syndication/\">daily</syn:updatePeriod><syn:updateFrequency xmlns:syn=\"http://purl.org/rss/1.0/modules/syndication/\">4</syn:updateFrequency>",
    );
    let doc = read(&atom);
    assert_eq!(doc.hints.update_period, Some(Duration::from_secs(6 * 3600)));
    assert_eq!(doc.hints.ttl, None);
    // An item's element of the same name is not the feed's hint.
    let rss = RSS.replace("<ttl>15</ttl>", "");
    assert!(rss.len() < RSS.len(), "fixture changed");
    let rss = rss.replace("<guid>g1</guid>", "<guid>g1</guid><ttl>5</ttl>");
    assert_eq!(read(&rss).hints.ttl, None);
}
