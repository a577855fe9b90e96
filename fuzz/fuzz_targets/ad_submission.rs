//! Fuzzes ad submissions: typed records (`ads::ImportRecord` and its split), the creative check and
//! the shipped rule engine's JSON parsing, validation and rules (`adrules::Engine::check_json`).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn engine() -> &'static adrules::Engine {
    static ENGINE: OnceLock<adrules::Engine> = OnceLock::new();
    ENGINE.get_or_init(|| adrules::Engine::shipped().expect("the shipped rules load"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = engine().check_json("fuzz", text);
    let Ok(record) = serde_json::from_str::<ads::ImportRecord>(text) else {
        return;
    };
    if let Ok((submission, creative)) = record.split() {
        if let Some(c) = creative {
            let media_type = adrules::media::normalize_media_type(&c.media_type);
            let _ = adrules::check_creative(&media_type, &c.bytes, &ads::creative_limits());
        }
        if let Some(platform) = submission.platform {
            let sub = adrules::Submission {
                ad: submission.ad,
                sponsors: submission.sponsors,
                elections: Vec::new(),
                platform,
            };
            let _ = engine().check(&sub);
        }
    }
});
