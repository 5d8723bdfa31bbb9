//! HTML to plain paragraphs with html5ever (via `scraper`): block elements and `<br>` become
//! paragraph breaks, non-content elements are dropped, entities are decoded by the parser.

use scraper::{Html, Node};

/// Elements whose whole subtree is not story text.
const DROPPED: &[&str] = &[
    "script", "style", "nav", "aside", "form", "iframe", "noscript", "template", "head", "title",
    "button", "select", "svg", "object", "embed",
];

/// Elements that start and end a paragraph.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "section",
    "article",
    "header",
    "footer",
    "main",
    "figure",
    "figcaption",
    "table",
    "tr",
    "td",
    "th",
    "pre",
    "hr",
    "address",
];

/// Elements that never hold children, or that close themselves when a sibling opens, so
/// they do not deepen the tree.
const NON_NESTING: &[&str] = &[
    "br", "img", "hr", "input", "meta", "link", "wbr", "area", "base", "col", "embed", "source",
    "track", "param", "p", "li", "dt", "dd", "option", "tr", "td", "th",
];

/// Whether the ASCII tag name `name` (any case) is one of [`NON_NESTING`]: lowercased into a
/// small buffer and matched, since this runs for every tag of every body.
fn non_nesting(name: &[u8]) -> bool {
    let mut buf = [0u8; 6];
    if name.len() > buf.len() {
        return false;
    }
    let buf = &mut buf[..name.len()];
    buf.copy_from_slice(name);
    buf.make_ascii_lowercase();
    NON_NESTING.iter().any(|n| n.as_bytes() == buf)
}

/// An upper estimate of the element nesting depth, by a linear scan of the tags.
///
/// html5ever checks element scopes by walking the stack of open elements, so parsing is
/// quadratic in nesting depth: 1 MiB of unclosed `<div>` takes over a minute. Callers reject
/// markup deeper than a limit before parsing it.
pub(crate) fn nesting_depth(markup: &str) -> usize {
    let bytes = markup.as_bytes();
    let (mut depth, mut max) = (0usize, 0usize);
    let mut i = 0;
    // memchr: a vectorized search; the byte loop it replaced was ~8k instructions a story.
    while let Some(off) = memchr::memchr(b'<', &bytes[i..]) {
        let start = i + off + 1;
        i = start;
        let closing = bytes.get(start) == Some(&b'/');
        let name_start = start + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            continue;
        }
        if non_nesting(&bytes[name_start..name_start + name_len]) {
            continue;
        }
        let tag_end =
            memchr::memchr(b'>', &bytes[name_start..]).map_or(bytes.len(), |p| name_start + p);
        if closing {
            depth = depth.saturating_sub(1);
        } else if bytes.get(tag_end.wrapping_sub(1)) != Some(&b'/') {
            depth += 1;
            max = max.max(depth);
        }
    }
    max
}

enum Step<N> {
    Enter(N),
    Exit(bool),
}

/// Inline elements whose tags the simple path may skip: their text stays in the paragraph.
const INLINE: &[&str] = &[
    "b", "i", "em", "strong", "span", "u", "small", "sup", "sub", "abbr", "cite", "q", "mark",
    "time", "a", "s", "code", "kbd", "var", "dfn", "font",
];

/// Members of [`BLOCKS`] the simple path leaves to html5ever: `br` and `hr` are handled
/// apart or not at all, and tables, definition lists and `pre` have tree construction rules
/// (foster parenting, implied ends, a dropped first newline) the simple path does not follow.
const NOT_SIMPLE_BLOCKS: &[&str] = &[
    "br", "hr", "dl", "dt", "dd", "table", "tr", "td", "th", "pre",
];

/// The [`BLOCKS`] entry for `name` (any case), if the simple path handles that element: each
/// of them closes an open `<p>` when it starts and has no parsing rules beyond the ones
/// `simple_to_text` follows.
fn simple_block(name: &str) -> Option<&'static str> {
    BLOCKS
        .iter()
        .find(|b| b.eq_ignore_ascii_case(name))
        .filter(|b| !NOT_SIMPLE_BLOCKS.contains(b))
        .copied()
}

const HEADINGS: &[&str] = &["h1", "h2", "h3", "h4", "h5", "h6"];

/// The text being built by either path: the current paragraph's raw text, and the finished
/// paragraphs, whitespace-collapsed and joined by a blank line as they end (no `String` per
/// paragraph).
struct Paragraphs {
    cur: String,
    done: String,
    scratch: String,
}

impl Paragraphs {
    fn with_capacity(n: usize) -> Paragraphs {
        Paragraphs {
            cur: String::with_capacity(n),
            done: String::with_capacity(n),
            scratch: String::new(),
        }
    }

    /// Ends the current paragraph; an empty or all-space one leaves no trace.
    fn end(&mut self) {
        crate::text::collapse_into(&mut self.scratch, &self.cur);
        if !self.scratch.is_empty() {
            if !self.done.is_empty() {
                self.done.push_str("\n\n");
            }
            self.done.push_str(&self.scratch);
        }
        self.cur.clear();
    }

    fn finish(mut self) -> String {
        self.end();
        self.done
    }
}

/// Converts markup to text with paragraphs separated by a blank line. Whitespace inside a
/// paragraph (source indentation, newlines) is collapsed, so the result contains no
/// single-newline breaks for the plain-text stage to join.
pub(crate) fn to_text(markup: &str) -> String {
    simple_to_text(markup).unwrap_or_else(|| dom_to_text(markup))
}

/// [`to_text`] without building a DOM, for the markup most wire feeds send: paragraphs,
/// breaks, lists, headings, `div`s and inline tags without quoted attributes, and the common
/// character references. Anything else (comments, doctype, quotes inside a tag, tables,
/// dropped or unknown elements, other references, NUL) returns `None` and goes to html5ever.
///
/// Why hand-rolled: html5ever's tokenizer and tree builder were 6% of the service's CPU in a
/// profile of the load benchmark, for markup this simple. The parts of the HTML tree
/// construction rules that matter for where paragraphs break are followed here with a stack
/// of open block elements (a block start closes an open `p`, an `li` closes an open `li`, an
/// end tag of an element that is not open is ignored, `</p>` and `</br>` always break);
/// within this subset tree construction does not reorder text. Mis-nested blocks, where
/// html5ever would close several elements at once, and nested headings go to html5ever.
/// `simple_path_agrees_with_html5ever` checks the result against html5ever.
fn simple_to_text(markup: &str) -> Option<String> {
    let bytes = markup.as_bytes();
    let mut out = Paragraphs::with_capacity(markup.len());
    // Open block elements, innermost last.
    let mut open: Vec<&'static str> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let Some(off) = memchr::memchr3(b'<', b'&', 0, &bytes[i..]) else {
            out.cur.push_str(&markup[i..]);
            break;
        };
        out.cur.push_str(&markup[i..i + off]);
        i += off;
        match bytes[i] {
            b'<' => {
                let (name, end, len) = simple_tag(&bytes[i..])?;
                i += len;
                if INLINE.iter().any(|t| t.eq_ignore_ascii_case(name)) {
                    continue;
                }
                if name.eq_ignore_ascii_case("br") {
                    out.end();
                    continue;
                }
                let block = simple_block(name)?;
                if end {
                    let target = if HEADINGS.contains(&block) {
                        open.iter().rposition(|o| HEADINGS.contains(o))
                    } else {
                        open.iter().rposition(|o| *o == block)
                    };
                    match target {
                        // The innermost open block: it closes.
                        Some(t) if t + 1 == open.len() => {
                            open.pop();
                            out.end();
                        }
                        // Open further out: html5ever closes everything inside it too.
                        Some(_) => return None,
                        // `</p>` without an open `p` makes an empty paragraph; any other
                        // end tag without its element is ignored.
                        None if block == "p" => out.end(),
                        None => {}
                    }
                    continue;
                }
                // A heading inside a heading closes it only if no inline element is open in
                // between, which this path does not track: html5ever decides.
                if HEADINGS.contains(&block) && open.iter().any(|o| HEADINGS.contains(o)) {
                    return None;
                }
                // A block start closes an open `p`; an `li` closes an open `li` of the same
                // list (inline elements in between do not matter to either rule).
                let closes = |o: &&str| *o == "p" || (block == "li" && *o == "li");
                if let Some(&last) = open.last() {
                    if closes(&last) {
                        open.pop();
                    } else if open.iter().any(closes) {
                        // Not the innermost: leave the implied end tags to html5ever.
                        return None;
                    }
                }
                out.end();
                open.push(block);
            }
            b'&' => {
                let (c, len) = simple_reference(&bytes[i..])?;
                out.cur.push(c);
                i += len;
            }
            _ => return None,
        }
    }
    Some(out.finish())
}

/// The element name, whether it is an end tag, and the byte length of the tag at the start
/// of `b` (which starts with `<`), if it is a plain start or end tag: a letter-led ASCII
/// name, then `>`, `/>`, or whitespace and attributes without quotes or `<`.
fn simple_tag(b: &[u8]) -> Option<(&str, bool, usize)> {
    let end = b.get(1) == Some(&b'/');
    let start = 1 + usize::from(end);
    if !b.get(start)?.is_ascii_alphabetic() {
        return None;
    }
    let name_len = b[start..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    let after = start + name_len;
    let close = match *b.get(after)? {
        b'>' => after,
        b'/' if b.get(after + 1) == Some(&b'>') => after + 1,
        c if c.is_ascii_whitespace() => {
            let rest = &b[after..];
            let gt = rest.iter().position(|&c| c == b'>')?;
            if rest[..gt]
                .iter()
                .any(|&c| matches!(c, b'"' | b'\'' | b'<' | b'\0'))
            {
                return None;
            }
            after + gt
        }
        _ => return None,
    };
    // The name is ASCII, so this cannot fail.
    let name = std::str::from_utf8(&b[start..after]).ok()?;
    Some((name, end, close + 1))
}

/// The character and byte length of the reference at the start of `b` (which starts with
/// `&`), for `&amp; &lt; &gt; &quot; &apos; &nbsp;` and numeric references to ordinary
/// characters; a bare `&` (not followed by a letter, digit or `#`) stands for itself.
/// `None` for every other reference, which html5ever decodes.
fn simple_reference(b: &[u8]) -> Option<(char, usize)> {
    const NAMED: &[(&[u8], char)] = &[
        (b"&amp;", '&'),
        (b"&lt;", '<'),
        (b"&gt;", '>'),
        (b"&quot;", '"'),
        (b"&apos;", '\''),
        (b"&nbsp;", '\u{a0}'),
    ];
    match b.get(1) {
        None => Some(('&', 1)),
        Some(b'#') => {
            let (digits, radix) = match b.get(2) {
                Some(b'x' | b'X') => (3, 16),
                _ => (2, 10),
            };
            let n = b[digits..]
                .iter()
                .take_while(|c| c.is_ascii_hexdigit() && (radix == 16 || c.is_ascii_digit()))
                .count();
            if n == 0 || n > 6 || b.get(digits + n) != Some(&b';') {
                return None;
            }
            let text = std::str::from_utf8(&b[digits..digits + n]).ok()?;
            let code = u32::from_str_radix(text, radix).ok()?;
            // html5ever replaces or remaps controls, C1 (as Windows-1252), surrogates and
            // noncharacters; leave those to it.
            let ordinary = matches!(code, 0x09 | 0x0A | 0x20..=0x7E | 0xA0..=0xFDCF | 0xFDF0..=0x10FFFF)
                && (code & 0xFFFE) != 0xFFFE;
            let c = char::from_u32(code).filter(|_| ordinary)?;
            Some((c, digits + n + 1))
        }
        Some(c) if c.is_ascii_alphanumeric() => NAMED
            .iter()
            .find(|(name, _)| b.starts_with(name))
            .map(|(name, c)| (*c, name.len())),
        Some(_) => Some(('&', 1)),
    }
}

/// [`to_text`] through html5ever's DOM: any markup.
fn dom_to_text(markup: &str) -> String {
    let lower_head = markup
        .get(..markup.len().min(512))
        .unwrap_or(markup)
        .to_ascii_lowercase();
    let doc = if lower_head.contains("<html") || lower_head.contains("<!doctype") {
        Html::parse_document(markup)
    } else {
        Html::parse_fragment(markup)
    };

    let mut out = Paragraphs::with_capacity(markup.len());

    // An explicit stack rather than recursion: feed HTML can nest arbitrarily deep.
    let mut stack = vec![Step::Enter(doc.tree.root())];
    while let Some(step) = stack.pop() {
        match step {
            Step::Exit(block) => {
                if block {
                    out.end();
                }
            }
            Step::Enter(node) => match node.value() {
                Node::Text(t) => {
                    out.cur.push_str(t);
                }
                Node::Element(e) => {
                    let name = e.name();
                    if DROPPED.contains(&name) {
                        continue;
                    }
                    let block = BLOCKS.contains(&name);
                    if block {
                        out.end();
                    }
                    stack.push(Step::Exit(block));
                    let children: Vec<_> = node.children().collect();
                    stack.extend(children.into_iter().rev().map(Step::Enter));
                }
                Node::Document | Node::Fragment => {
                    let children: Vec<_> = node.children().collect();
                    stack.extend(children.into_iter().rev().map(Step::Enter));
                }
                _ => {}
            },
        }
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::{dom_to_text, simple_to_text, to_text};
    use proptest::prelude::*;

    /// Pieces of feed markup: most keep the simple path, some force html5ever.
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[A-Za-z0-9 ,.()-]{1,12}".prop_map(String::from),
            1 => Just(" ".to_string()),
            1 => Just("\n  ".to_string()),
            1 => Just("\r\n".to_string()),
            2 => prop::sample::select(vec![
                "<p>", "</p>", "<P>", "<br>", "<br/>", "<br />", "</br>", "<div>", "</div>",
                "<li>", "<ul>", "</ul>", "<h2>", "</h2>", "<b>", "</b>", "<em>", "</em>",
                "<a href=x>", "</a>", "<span class=c>", "</span>", "<p/>", "<blockquote>",
                "<h1>", "</h1>", "</li>", "<ol>", "</ol>", "</blockquote>", "<section>",
                "</section>", "<i>", "</i>", "<hr>",
            ])
            .prop_map(String::from),
            1 => prop::sample::select(vec![
                "&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&nbsp;", "&#39;", "&#x263A;",
                "&#8212;", "& ", "&", "&#128;", "&#0;", "&mdash;", "&AMP;", "&amp", "&#;",
                "&#x110000;", "AT&T", "a < b", "<!-- c -->", "<script>x</script>",
                "<a href=\"q\">", "<table><td>t</td></table>", "<img src=x>", "\u{0}",
                "Zürich", "\u{a0}", "\u{2003}", "日本",
            ])
            .prop_map(String::from),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Whenever the simple path takes markup, it gives what html5ever gives.
        #[test]
        fn simple_path_agrees_with_html5ever(pieces in prop::collection::vec(piece(), 0..40)) {
            let markup = pieces.concat();
            if let Some(fast) = simple_to_text(&markup) {
                prop_assert_eq!(fast, dom_to_text(&markup), "markup: {:?}", markup);
            }
        }
    }

    #[test]
    fn simple_path_takes_plain_wire_markup_and_leaves_the_rest() {
        for taken in [
            "<p>One</p><p>Two &amp; three</p>",
            "plain text",
            "<p>a<br/>b &#8212; c&nbsp;d</p>",
            "<p class=lead>x <b>y</b></p>",
        ] {
            assert!(simple_to_text(taken).is_some(), "{taken:?}");
        }
        for left in [
            "<!-- c --><p>x</p>",
            "<p>x</p><script>y</script>",
            "<a href=\"q\">x</a>",
            "<p>&mdash;</p>",
            "<p>AT&T</p>",
            "<table><td>x</td></table>",
            "a < b",
            "&#128;",
        ] {
            assert!(simple_to_text(left).is_none(), "{left:?}");
        }
    }

    fn check(input: &str, expected: &[&str]) {
        let text = to_text(input);
        let got: Vec<&str> = text.split("\n\n").filter(|p| !p.is_empty()).collect();
        assert_eq!(got, expected, "input: {input:?}");
    }

    #[test]
    fn html_to_paragraphs() {
        check("<p>One</p><p>Two</p>", &["One", "Two"]);
        check("<p>A &amp; B &mdash; C&nbsp;D</p>", &["A & B \u{2014} C D"]);
        check("<p>line one<br>line two</p>", &["line one", "line two"]);
        check("<div>x</div><div>y</div>", &["x", "y"]);
        check("<ul><li>a</li><li>b</li></ul>", &["a", "b"]);
        check(
            "<h2>Title</h2><blockquote>Quote</blockquote>",
            &["Title", "Quote"],
        );
        check(
            "<p>Keep <b>bold</b> and <a href='x'>links</a> inline</p>",
            &["Keep bold and links inline"],
        );
        check(
            "<p>a</p><script>var x = 1;</script><style>p{}</style><nav>Home</nav><aside>Ad</aside><form>Sign up</form><iframe>f</iframe><p>b</p>",
            &["a", "b"],
        );
        check("<p>\n   wrapped\n   source\n</p>", &["wrapped source"]);
        check("plain text, no tags", &["plain text, no tags"]);
        check("<!-- comment --><p>x</p>", &["x"]);
        check(
            "<!DOCTYPE html><html><head><title>T</title></head><body><p>x</p></body></html>",
            &["x"],
        );
        check("<p>unclosed<p>second", &["unclosed", "second"]);
    }

    #[test]
    fn nesting_depth_estimate() {
        use super::nesting_depth;
        assert_eq!(nesting_depth("plain text, a < b"), 0);
        assert_eq!(nesting_depth("<p>a<p>b<br><img src=x/>"), 0);
        assert_eq!(
            nesting_depth("<div><div><span>x</span></div></div><div/>"),
            3
        );
        assert_eq!(nesting_depth(&"<div>".repeat(1000)), 1000);
        // Void and self-closing names in any case; a longer name that starts like one nests.
        assert_eq!(
            nesting_depth("<BR><Source><OPTION><sources><blockquote>"),
            2
        );
        assert_eq!(nesting_depth(&"<div></div>".repeat(1000)), 1);
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let deep = "<div>".repeat(3_000) + "x" + &"</div>".repeat(3_000);
        assert_eq!(to_text(&deep), "x");
    }
}
