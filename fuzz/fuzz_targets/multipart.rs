//! Fuzzes `multipart/form-data` bodies through the real router (in-memory `oneshot`
//! requests): image uploads (`POST /api/v1/hash`) and ad submissions (`POST /api/v1/ads`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rrm_fuzz::world;

fuzz_target!(|data: &[u8]| {
    // The first line is the boundary (bit 0 of its first byte picks the route), the rest
    // the body.
    let Some(nl) = data.iter().position(|&b| b == b'\n') else {
        return;
    };
    let (head, body) = (&data[..nl], &data[nl + 1..]);
    let Some((&route, boundary)) = head.split_first() else {
        return;
    };
    let Ok(boundary) = std::str::from_utf8(boundary) else {
        return;
    };
    let uri = if route & 1 == 0 {
        "/api/v1/hash"
    } else {
        "/api/v1/ads"
    };
    let ct = format!("multipart/form-data; boundary={boundary}");
    let status = world().send("POST", uri, &ct, body.to_vec());
    // Hostile input is a client error, never a server error.
    assert!(status == 0 || status < 500, "{uri} answered {status}");
});
