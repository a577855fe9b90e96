//! Fuzzes cursor decoding (HMAC-SIV `next` values of TAXII pages and public ad searches):
//! garbage must be refused, never accepted and never a panic.
#![no_main]

use hub::ObjectFilter;
use libfuzzer_sys::fuzz_target;
use rrm_fuzz::{world, COLLECTION};

fuzz_target!(|data: &[u8]| {
    let Ok(cursor) = std::str::from_utf8(data) else {
        return;
    };
    let w = world();
    let f = ObjectFilter::default();
    let p = &w.principal;
    // No input forges a cursor: every answer is an error.
    assert!(w
        .hub
        .get_objects(p, COLLECTION, &f, None, Some(cursor))
        .is_err());
    assert!(w
        .hub
        .get_manifest(p, COLLECTION, &f, None, Some(cursor))
        .is_err());
    let id = "indicator--a932fcc6-e032-476c-826f-cb970a5a1ade";
    assert!(w
        .hub
        .get_versions(p, COLLECTION, id, &f, None, Some(cursor))
        .is_err());
    let search = ads::PublicSearch::default();
    assert!(w.ads.search_ads(&search, Some(cursor), None).is_err());
});
