//! Fuzzes the STIX pattern parser (`stix::pattern::check_stix_pattern`) on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(pattern) = std::str::from_utf8(data) {
        let _ = stix::pattern::check_stix_pattern(pattern);
    }
});
