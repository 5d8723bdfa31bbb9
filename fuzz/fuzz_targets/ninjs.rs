#![no_main]
//! `read_document` as DocumentKind::Ninjs.

use libfuzzer_sys::fuzz_target;
use wirefeed_fetch::DocumentKind;

fuzz_target!(|data: &[u8]| wirefeed_fetch_fuzz::read(data, DocumentKind::Ninjs));
