//! `wirefeed parse <FILE|URL>`: the operator's view of what the fetch stage reads from one
//! document — gofeed's universal model plus the detected format, encoding and warnings.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use wirefeed_fetch::{read_document, DocumentKind};

/// Prints the parsed document as pretty JSON on stdout.
pub async fn run(args: crate::cli::ParseArgs) -> anyhow::Result<()> {
    let target = args.input;
    let doc = if target.starts_with("http://") || target.starts_with("https://") {
        let client = wirefeed_fetch::build_client(Duration::from_secs(30))?;
        wirefeed_fetch::fetch_document(&client, &target, wirefeed_fetch::DEFAULT_MAX_BYTES)
            .await
            .with_context(|| target.clone())?
    } else {
        let path = Path::new(&target);
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {target}"))?;
        let kind = path
            .extension()
            .and_then(|e| e.to_str())
            .and_then(|e| DocumentKind::from_extension(&e.to_ascii_lowercase()))
            .unwrap_or(DocumentKind::Sniff);
        let source: Arc<str> = Arc::from("parse");
        read_document(&bytes, &source, kind, None, None).with_context(|| target.clone())?
    };
    let out = serde_json::json!({
        "format": doc.format,
        "encoding": doc.encoding,
        "warnings": doc.warnings,
        "validation": doc.validation,
        "feed": doc.to_universal(),
    });
    let text = serde_json::to_string_pretty(&out)?;
    // `wirefeed parse x | head` closes the pipe early; that is not an error.
    use std::io::Write;
    match writeln!(std::io::stdout().lock(), "{text}") {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
