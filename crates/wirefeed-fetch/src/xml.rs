//! A small read-only element tree over `quick-xml`, for the agency formats (NewsML-G2, NITF).
//!
//! Hand-rolled rather than `roxmltree` because the tree must never expand DTD entities:
//! quick-xml hands us `<!DOCTYPE …>` as an opaque event and entity references as separate
//! events, so an external entity (`file:///etc/passwd`) or a billion-laughs chain is never
//! resolved — it is dropped with a warning. Only the five XML entities and character
//! references are resolved. Depth is capped so hostile nesting cannot exhaust the stack.

use std::borrow::Cow;

use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Deeper nesting than this is hostile, not news.
const MAX_DEPTH: usize = 256;

/// An element whose strings borrow from the document text wherever it holds them verbatim
/// (names, and values and text without entity references or normalized whitespace): the tree
/// is built for every feed and dropped right after, so copying each string out cost more than
/// the parse itself. [`Element::into_owned`] detaches what has to outlive the text.
#[derive(Debug, Default, Clone)]
pub(crate) struct Element<'a> {
    /// Local name, without namespace prefix.
    pub name: Cow<'a, str>,
    /// The namespace prefix as written (empty for the default namespace); the validator
    /// tells core elements from extension elements by it.
    pub prefix: Cow<'a, str>,
    /// (local name, value) pairs; `xml:lang` is kept as `lang`. Namespace declarations keep
    /// their whole name (`xmlns`, `xmlns:dc`), see [`Element::attr_name`].
    pub attrs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    pub children: Vec<Node<'a>>,
}

#[derive(Debug, Clone)]
pub(crate) enum Node<'a> {
    Element(Element<'a>),
    /// Adjacent text (split by entity and character references, or CDATA) is one node.
    Text(Cow<'a, str>),
}

/// Parses `text` into its root element. `warnings` gets one line per unresolved entity.
pub(crate) fn parse<'a>(text: &'a str, warnings: &mut Vec<String>) -> Result<Element<'a>, String> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element<'a>> = vec![Element::default()];
    let mut unresolved = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("XML error at byte {}: {e}", reader.error_position()))?;
        match event {
            Event::Start(e) => {
                if stack.len() > MAX_DEPTH {
                    return Err(format!("XML nested deeper than {MAX_DEPTH} elements"));
                }
                stack.push(element(text, &e, reader.decoder()));
            }
            Event::Empty(e) => {
                let el = element(text, &e, reader.decoder());
                push(&mut stack, Node::Element(el));
            }
            Event::End(_) => {
                if stack.len() < 2 {
                    return Err("XML error: unbalanced end tag".into());
                }
                let el = stack.pop().unwrap_or_default();
                push(&mut stack, Node::Element(el));
            }
            Event::Text(t) => {
                let s = t.xml10_content().map_err(|e| format!("XML error: {e}"))?;
                push_text(&mut stack, s);
            }
            Event::CData(t) => {
                let s = t.decode().map_err(|e| format!("XML error: {e}"))?;
                push_text(&mut stack, s);
            }
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| format!("XML error: {e}"))?;
                if name.starts_with("#X") && !warnings.iter().any(|w| w.contains("uppercase X")) {
                    // XML 1.0 §4.1: a hex character reference is `&#x…;`, lowercase x
                    // (reported once per document).
                    warnings.push(format!(
                        "character reference &{name}; has an uppercase X (not well-formed XML)"
                    ));
                }
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    push_text(&mut stack, Cow::Owned(c.to_string()));
                } else if let Some(v) = quick_xml::escape::resolve_predefined_entity(&name) {
                    push_text(&mut stack, Cow::Borrowed(v));
                } else {
                    unresolved += 1;
                    if unresolved == 1 {
                        warnings.push(format!(
                            "entity &{name}; not expanded (DTD entities are never resolved)"
                        ));
                    }
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if stack.len() != 1 {
        return Err("XML error: document ends inside an element (truncated?)".into());
    }
    let doc = stack.pop().unwrap_or_default();
    doc.children
        .into_iter()
        .find_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
        .ok_or_else(|| "XML error: no root element".to_string())
}

/// `part` as the slice of `text` it is (the events of `Reader::from_str` borrow from the
/// input, though `BytesStart` and `Attribute` only lend them for their own lifetime), else
/// a lossy copy.
fn borrow<'a>(text: &'a str, part: &[u8]) -> Cow<'a, str> {
    let start = (part.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
    match start
        .checked_add(part.len())
        .and_then(|end| text.get(start..end))
    {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(String::from_utf8_lossy(part).into_owned()),
    }
}

fn element<'a>(
    text: &'a str,
    e: &BytesStart<'_>,
    decoder: quick_xml::encoding::Decoder,
) -> Element<'a> {
    let (name, prefix) = e.name().decompose();
    // Most elements have no attributes: not even the iterator is worth setting up.
    let xml_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let attrs = if e.attributes_raw().iter().all(xml_space) {
        Vec::new()
    } else {
        e.attributes()
            .flatten()
            .map(|a| attr(text, &a, decoder))
            .collect()
    };
    Element {
        name: borrow(text, name.as_ref()),
        prefix: prefix.map(|p| borrow(text, p.as_ref())).unwrap_or_default(),
        attrs,
        children: Vec::new(),
    }
}

fn attr<'a>(
    text: &'a str,
    a: &Attribute<'_>,
    decoder: quick_xml::encoding::Decoder,
) -> (Cow<'a, str>, Cow<'a, str>) {
    let key = a.key.as_ref();
    let key = if key == b"xml:lang" {
        Cow::Borrowed("lang")
    } else if key.starts_with(b"xmlns:") {
        borrow(text, key)
    } else {
        borrow(text, a.key.local_name().as_ref())
    };
    let value = match a.decoded_and_normalized_value(quick_xml::XmlVersion::Implicit1_0, decoder) {
        Ok(Cow::Borrowed(v)) => borrow(text, v.as_bytes()),
        Ok(Cow::Owned(v)) => Cow::Owned(v),
        Err(_) => Cow::Owned(String::from_utf8_lossy(&a.value).into_owned()),
    };
    (key, value)
}

fn push<'a>(stack: &mut [Element<'a>], node: Node<'a>) {
    if let Some(top) = stack.last_mut() {
        top.children.push(node);
    }
}

fn push_text<'a>(stack: &mut [Element<'a>], s: Cow<'a, str>) {
    if let Some(top) = stack.last_mut() {
        if let Some(Node::Text(t)) = top.children.last_mut() {
            t.to_mut().push_str(&s);
        } else {
            top.children.push(Node::Text(s));
        }
    }
}

impl<'t> Element<'t> {
    /// A copy that no longer borrows from the document, for what outlives the tree.
    pub(crate) fn into_owned(self) -> Element<'static> {
        fn own(s: Cow<'_, str>) -> Cow<'static, str> {
            Cow::Owned(s.into_owned())
        }
        Element {
            name: own(self.name),
            prefix: own(self.prefix),
            attrs: self
                .attrs
                .into_iter()
                .map(|(k, v)| (own(k), own(v)))
                .collect(),
            children: self
                .children
                .into_iter()
                .map(|n| match n {
                    Node::Element(e) => Node::Element(e.into_owned()),
                    Node::Text(t) => Node::Text(own(t)),
                })
                .collect(),
        }
    }

    /// An attribute's local name; for a namespace declaration, the prefix it declares
    /// (`xmlns:dc` → `dc`), as Go's `encoding/xml` names it.
    pub(crate) fn attr_name(key: &str) -> &str {
        key.strip_prefix("xmlns:").unwrap_or(key)
    }

    /// The namespaces this element declares: (prefix, URI), `""` for the default namespace.
    pub(crate) fn namespaces(&self) -> impl Iterator<Item = (&str, &str)> {
        self.attrs.iter().filter_map(|(k, v)| {
            let prefix = if k == "xmlns" {
                ""
            } else {
                k.strip_prefix("xmlns:")?
            };
            Some((prefix, &**v))
        })
    }

    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| &**v)
    }

    pub(crate) fn elements(&self) -> impl Iterator<Item = &Element<'t>> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    pub(crate) fn child(&self, name: &str) -> Option<&Element<'t>> {
        self.elements().find(|e| e.name == name)
    }

    pub(crate) fn children_named<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element<'t>> + 'a {
        self.elements().filter(move |e| e.name == name)
    }

    /// The first element named `name` at any depth (depth-first), including `self`.
    pub(crate) fn find(&self, name: &str) -> Option<&Element<'t>> {
        if self.name == name {
            return Some(self);
        }
        self.elements().find_map(|e| e.find(name))
    }

    /// Every element named `name` at any depth, in document order.
    pub(crate) fn find_all<'a>(&'a self, name: &str, out: &mut Vec<&'a Element<'t>>) {
        for e in self.elements() {
            if e.name == name {
                out.push(e);
            } else {
                e.find_all(name, out);
            }
        }
    }

    /// The element's own text nodes, trimmed, line breaks kept.
    pub(crate) fn own_text(&self) -> String {
        self.children
            .iter()
            .filter_map(|n| match n {
                Node::Text(t) => Some(&**t),
                Node::Element(_) => None,
            })
            .collect::<String>()
            .trim()
            .to_string()
    }

    /// All descendant text, whitespace collapsed.
    pub(crate) fn text(&self) -> String {
        let raw;
        let all = match &self.children[..] {
            // The common leaf: no concatenation needed.
            [Node::Text(t)] => &**t,
            _ => {
                let mut s = String::new();
                self.collect_text(&mut s);
                raw = s;
                &raw
            }
        };
        let mut out = String::with_capacity(all.len());
        for w in all.split_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(w);
        }
        out
    }

    fn collect_text(&self, out: &mut String) {
        for n in &self.children {
            match n {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => {
                    out.push(' ');
                    e.collect_text(out);
                }
            }
        }
    }

    /// The children serialized as HTML (element names without prefixes), for bodies.
    pub(crate) fn inner_html(&self) -> String {
        let mut out = String::new();
        for n in &self.children {
            write_html(n, &mut out);
        }
        out.trim().to_string()
    }
}

fn write_html(n: &Node, out: &mut String) {
    match n {
        Node::Text(t) => escape_into(t, out),
        Node::Element(e) => {
            out.push('<');
            out.push_str(&e.name);
            for (k, v) in &e.attrs {
                out.push(' ');
                out.push_str(Element::attr_name(k));
                out.push_str("=\"");
                escape_into(v, out);
                out.push('"');
            }
            out.push('>');
            for c in &e.children {
                write_html(c, out);
            }
            out.push_str("</");
            out.push_str(&e.name);
            out.push('>');
        }
    }
}

fn escape_into(s: &str, out: &mut String) {
    out.push_str(&quick_xml::escape::escape(s));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_text_and_html() {
        let mut w = Vec::new();
        let root = parse(
            "<?xml version='1.0'?><a xml:lang='en'><b x='1 &amp; 2'>one &amp; <i>two</i></b><c/></a>",
            &mut w,
        )
        .unwrap();
        assert_eq!(root.name, "a");
        assert_eq!(root.attr("lang"), Some("en"));
        let b = root.child("b").unwrap();
        assert_eq!(b.attr("x"), Some("1 & 2"));
        assert_eq!(b.text(), "one & two");
        assert_eq!(b.inner_html(), "one &amp; <i>two</i>");
        assert!(w.is_empty());
    }

    #[test]
    fn verbatim_strings_borrow_from_the_text() {
        let mut w = Vec::new();
        let text = "<a:r xmlns:a='u' k='v' e='1 &amp; 2'>plain<b>x &lt; y</b><![CDATA[c]]>d</a:r>";
        let root = parse(text, &mut w).unwrap();
        let borrowed = |c: &Cow<'_, str>| matches!(c, Cow::Borrowed(_));
        assert!(borrowed(&root.name) && borrowed(&root.prefix));
        assert_eq!((&*root.name, &*root.prefix), ("r", "a"));
        let attrs: Vec<_> = root
            .attrs
            .iter()
            .map(|(k, v)| (&**k, &**v, borrowed(k), borrowed(v)))
            .collect();
        assert_eq!(
            attrs,
            [
                ("xmlns:a", "u", true, true),
                ("k", "v", true, true),
                ("e", "1 & 2", true, false),
            ]
        );
        let texts: Vec<_> = root
            .children
            .iter()
            .map(|n| match n {
                Node::Text(t) => (t.to_string(), borrowed(t)),
                Node::Element(e) => (e.text(), false),
            })
            .collect();
        assert_eq!(
            texts,
            [
                ("plain".to_string(), true),
                ("x < y".to_string(), false),
                ("cd".to_string(), false),
            ]
        );
        let owned = root.clone().into_owned();
        assert!(!borrowed(&owned.name));
        assert_eq!(owned.inner_html(), root.inner_html());
    }

    #[test]
    fn entities_from_a_dtd_are_never_expanded() {
        let mut w = Vec::new();
        let xxe = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd"><!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><r>&x;&b;</r>"#;
        let root = parse(xxe, &mut w).unwrap();
        assert_eq!(root.text(), "");
        assert_eq!(w.len(), 1, "{w:?}");
    }

    #[test]
    fn truncated_and_deep_documents_are_errors() {
        let mut w = Vec::new();
        assert!(parse("<a><b>text", &mut w).is_err());
        let deep = "<a>".repeat(10_000);
        assert!(parse(&deep, &mut w).is_err());
        assert!(parse("", &mut w).is_err());
    }
}
