//! Fuzzes the posts reader for the `Ndjson` format (`posts::read_from`), strict and skipping.
#![no_main]

use libfuzzer_sys::fuzz_target;
use posts::{Format, Options};

fuzz_target!(|data: &[u8]| {
    for skip_invalid in [false, true] {
        let mut corpus = coord::Corpus::new();
        let opts = Options {
            skip_invalid,
            format: Some(Format::Ndjson),
        };
        let total = data.len() as u64;
        let _ = posts::read_from(
            "fuzz",
            data,
            total,
            Format::Ndjson,
            &mut corpus,
            &opts,
            &mut |_| {},
        );
    }
});
