#![no_main]
//! The lenient date parser on arbitrary text.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    let _ = wirefeed_fetch::parse_date(s);
});
