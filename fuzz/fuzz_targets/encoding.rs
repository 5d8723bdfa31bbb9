#![no_main]
//! Charset detection and decoding: the output is always valid UTF-8 (a `String`), and
//! decoding never panics, whatever the bytes and the declared charset.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (label, bytes) = match data.iter().position(|b| *b == b'\n') {
        Some(at) if at < 20 => (std::str::from_utf8(&data[..at]).ok(), &data[at + 1..]),
        _ => (None, data),
    };
    let d = wirefeed_fetch::decode(bytes, label);
    assert!(!d.encoding.is_empty());
});
