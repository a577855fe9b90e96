//! Fuzzes the STIX 2.1 object checks (`stix::check_object`) on arbitrary JSON bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let _ = stix::check_object(&value);
    let _ = stix::defined_tlp_level(&value);
    let _ = stix::marking_claims_tlp(&value);
});
