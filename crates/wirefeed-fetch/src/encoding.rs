//! Character encodings: every document is decoded to UTF-8 before a parser sees it, so the
//! parsers only ever handle one encoding and a wrong declaration cannot garble text twice.

use encoding_rs::{Encoding, UTF_8};

/// A document's text as UTF-8, and how its encoding was found.
#[derive(Debug)]
pub struct Decoded {
    pub text: String,
    /// The WHATWG name of the encoding used, e.g. `windows-1251`.
    pub encoding: &'static str,
    /// Where the encoding came from: `bom`, `http`, `declaration`, `sniffed`.
    pub evidence: &'static str,
    /// True when some bytes were invalid in that encoding and replaced by U+FFFD.
    pub replaced: bool,
}

/// Decodes `bytes`, trusting in order: a byte-order mark, the HTTP `charset`, the XML
/// declaration, then content sniffing (valid UTF-8 first, then `chardetng`'s guess).
///
/// A BOM goes before the HTTP header, as in the WHATWG encoding standard: it cannot appear
/// by accident, while server charsets are often a site-wide default that is wrong for feeds.
/// Invalid sequences are replaced, never fatal.
pub fn decode(bytes: &[u8], http_charset: Option<&str>) -> Decoded {
    let (encoding, evidence) = if let Some((enc, _)) = Encoding::for_bom(bytes) {
        (enc, "bom")
    } else if let Some(enc) = http_charset.and_then(|c| Encoding::for_label(c.trim().as_bytes())) {
        (ascii_compatible(enc), "http")
    } else if let Some(enc) = xml_declared(bytes) {
        (ascii_compatible(enc), "declaration")
    } else {
        (sniff(bytes), "sniffed")
    };
    let (text, replaced) = encoding.decode_with_bom_removal(bytes);
    let mut text = text.into_owned();
    rewrite_declaration(&mut text);
    Decoded {
        text,
        encoding: encoding.name(),
        evidence,
        replaced,
    }
}

/// The `charset` parameter of a Content-Type value.
pub fn charset_of(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']))
    })
}

/// A declaration read as ASCII that names UTF-16 is wrong (the bytes we read it from are not
/// UTF-16); WHATWG treats it as UTF-8, and so do we.
fn ascii_compatible(enc: &'static Encoding) -> &'static Encoding {
    if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
        UTF_8
    } else {
        enc
    }
}

/// The `encoding="…"` of a leading `<?xml …?>` declaration.
fn xml_declared(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(1024)];
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &head[start..];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = &head[..end];
    let at = decl.windows(8).position(|w| w == b"encoding")?;
    let rest = &decl[at + 8..];
    let rest = &rest[rest.iter().position(|b| *b == b'"' || *b == b'\'')?..];
    let quote = rest[0];
    let value = &rest[1..];
    let len = value.iter().position(|b| *b == quote)?;
    Encoding::for_label(&value[..len])
}

/// Valid UTF-8 is UTF-8 (the odds of other text validating are negligible); otherwise ask
/// `chardetng`, the detector Firefox uses for unlabelled legacy pages.
fn sniff(bytes: &[u8]) -> &'static Encoding {
    if std::str::from_utf8(bytes).is_ok() {
        return UTF_8;
    }
    let mut det = chardetng::EncodingDetector::new();
    det.feed(bytes, true);
    det.guess(None, true)
}

/// The text is UTF-8 now; a declaration still naming the old encoding would make an XML
/// parser decode it a second time.
fn rewrite_declaration(text: &mut String) {
    let trimmed = text.trim_start();
    if !trimmed.starts_with("<?xml") {
        return;
    }
    let offset = text.len() - trimmed.len();
    let Some(end) = trimmed.find("?>") else {
        return;
    };
    let decl = &trimmed[..end];
    let Some(at) = decl.find("encoding") else {
        return;
    };
    let after = &decl[at..];
    let Some(q1) = after.find(['"', '\'']) else {
        return;
    };
    let quote = after.as_bytes()[q1] as char;
    let Some(len) = after[q1 + 1..].find(quote) else {
        return;
    };
    let start = offset + at + q1 + 1;
    text.replace_range(start..start + len, "UTF-8");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(bytes: &[u8], charset: Option<&str>, text: &str, encoding: &str, evidence: &str) {
        let d = decode(bytes, charset);
        assert_eq!(d.text, text);
        assert_eq!(d.encoding, encoding);
        assert_eq!(d.evidence, evidence);
    }

    #[test]
    fn encodings_are_found_in_order_of_trust() {
        // "Привет" in windows-1251 and KOI8-R.
        let cp1251 = b"\xcf\xf0\xe8\xe2\xe5\xf2";
        let koi8 = b"\xf0\xd2\xc9\xd7\xc5\xd4";
        check(
            cp1251,
            Some("windows-1251"),
            "Привет",
            "windows-1251",
            "http",
        );
        check(koi8, Some("koi8-r"), "Привет", "KOI8-R", "http");
        check(
            b"\xef\xbb\xbfcaf\xc3\xa9",
            Some("iso-8859-1"),
            "café",
            "UTF-8",
            "bom",
        );
        check(b"\xff\xfeh\x00i\x00", None, "hi", "UTF-16LE", "bom");
        check(
            b"<?xml version='1.0' encoding='ISO-8859-1'?><a>caf\xe9</a>",
            None,
            "<?xml version='1.0' encoding='UTF-8'?><a>café</a>",
            "windows-1252",
            "declaration",
        );
        check("日本語".as_bytes(), None, "日本語", "UTF-8", "sniffed");
        // Shift_JIS and GB18030 by label.
        check(
            b"\x93\xfa\x96\x7b",
            Some("Shift_JIS"),
            "日本",
            "Shift_JIS",
            "http",
        );
        check(
            b"\xd6\xd0\xce\xc4",
            Some("gb18030"),
            "中文",
            "gb18030",
            "http",
        );
    }

    #[test]
    fn unlabelled_latin1_is_sniffed_not_garbled() {
        let bytes = b"<rss><channel><title>Caf\xe9 cr\xe8me br\xfbl\xe9e \xe0 la fran\xe7aise, d\xe9j\xe0 vu</title></channel></rss>";
        let d = decode(bytes, None);
        assert_eq!(d.evidence, "sniffed");
        assert!(d.text.contains("Café crème brûlée"), "{}", d.text);
    }

    #[test]
    fn invalid_bytes_are_replaced_not_fatal() {
        let d = decode(b"ok \xff\xfe\xfd end", Some("utf-8"));
        assert!(d.replaced);
        assert!(d.text.starts_with("ok ") && d.text.ends_with(" end"));
    }

    #[test]
    fn charset_parameter_is_read() {
        assert_eq!(charset_of("text/xml; Charset=\"KOI8-R\""), Some("KOI8-R"));
        assert_eq!(charset_of("application/rss+xml"), None);
    }
}
