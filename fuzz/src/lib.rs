//! Shared by the fuzz targets: read one document and fail loudly on anything a reader must
//! never do.

use std::sync::Arc;

use wirefeed_fetch::{read_document, DocumentKind, FetchError};

/// Reads `bytes` as `kind`; the first byte picks an HTTP charset so decoding is fuzzed too.
pub fn read(bytes: &[u8], kind: DocumentKind) {
    const CHARSETS: [Option<&str>; 6] = [
        None,
        Some("utf-8"),
        Some("windows-1252"),
        Some("koi8-r"),
        Some("shift_jis"),
        Some("utf-16"),
    ];
    let (ct, bytes) = match bytes.split_first() {
        Some((b, rest)) => (CHARSETS[*b as usize % CHARSETS.len()], rest),
        None => (None, bytes),
    };
    let ct = ct.map(|c| format!("application/xml; charset={c}"));
    let source: Arc<str> = Arc::from("fuzz");
    match read_document(bytes, &source, kind, ct.as_deref(), Some("http://x/")) {
        Ok(doc) => {
            // Whatever was read must serialize in the universal model.
            serde_json::to_string(&doc.to_universal()).expect("universal model serializes");
        }
        // read_document turns a reader's panic into this error; for the fuzzer it is a bug.
        Err(FetchError::Panic(msg)) => panic!("reader panicked: {msg}"),
        Err(_) => {}
    }
}
