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

/// An upper estimate of the element nesting depth, by a linear scan of the tags.
///
/// html5ever checks element scopes by walking the stack of open elements, so parsing is
/// quadratic in nesting depth: 1 MiB of unclosed `<div>` takes over a minute. Callers reject
/// markup deeper than a limit before parsing it.
pub(crate) fn nesting_depth(markup: &str) -> usize {
    let bytes = markup.as_bytes();
    let (mut depth, mut max) = (0usize, 0usize);
    let mut i = 0;
    while let Some(off) = bytes[i..].iter().position(|&b| b == b'<') {
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
        let name = &markup[name_start..name_start + name_len];
        if NON_NESTING.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            continue;
        }
        let tag_end = bytes[name_start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(bytes.len(), |p| name_start + p);
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

/// Converts markup to text with paragraphs separated by a blank line. Whitespace inside a
/// paragraph (source indentation, newlines) is collapsed, so the result contains no
/// single-newline breaks for the plain-text stage to join.
pub(crate) fn to_text(markup: &str) -> String {
    let lower_head = markup
        .get(..markup.len().min(512))
        .unwrap_or(markup)
        .to_ascii_lowercase();
    let doc = if lower_head.contains("<html") || lower_head.contains("<!doctype") {
        Html::parse_document(markup)
    } else {
        Html::parse_fragment(markup)
    };

    let mut paragraphs: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut end_paragraph = |cur: &mut String| {
        let p = crate::text::collapse_ws(cur);
        if !p.is_empty() {
            paragraphs.push(p);
        }
        cur.clear();
    };

    // An explicit stack rather than recursion: feed HTML can nest arbitrarily deep.
    let mut stack = vec![Step::Enter(doc.tree.root())];
    while let Some(step) = stack.pop() {
        match step {
            Step::Exit(block) => {
                if block {
                    end_paragraph(&mut cur);
                }
            }
            Step::Enter(node) => match node.value() {
                Node::Text(t) => {
                    cur.push_str(t);
                }
                Node::Element(e) => {
                    let name = e.name();
                    if DROPPED.contains(&name) {
                        continue;
                    }
                    let block = BLOCKS.contains(&name);
                    if block {
                        end_paragraph(&mut cur);
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
    end_paragraph(&mut cur);
    paragraphs.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::to_text;

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
        assert_eq!(nesting_depth(&"<div></div>".repeat(1000)), 1);
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let deep = "<div>".repeat(3_000) + "x" + &"</div>".repeat(3_000);
        assert_eq!(to_text(&deep), "x");
    }
}
