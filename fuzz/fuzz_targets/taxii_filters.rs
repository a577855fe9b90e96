//! Fuzzes the TAXII 2.1 URL filter parser (the raw query string of every TAXII endpoint).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(query) = std::str::from_utf8(data) {
        let _ = server::check_taxii_query(query);
    }
});
