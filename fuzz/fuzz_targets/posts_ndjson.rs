//! Fuzzes the posts reader for the `Ndjson` format (`posts::read_from`), strict and skipping.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rrm_fuzz::read_posts(posts::Format::Ndjson, data));
