//! Fuzzes the period of `GET /api/v1/notices/stats` (`notices::period`): any `from` and `to`
//! text is refused naming `from` or `to`, or gives a non-empty half-open period, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use notices::{period, StatsQuery};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The input is `from`, a newline, then `to`; a missing part is left to its default.
    let mut parts = text.splitn(2, '\n');
    let q = StatsQuery {
        from: parts.next().filter(|s| !s.is_empty()).map(str::to_string),
        to: parts.next().filter(|s| !s.is_empty()).map(str::to_string),
    };
    for now in [0, 1_767_225_600, i64::MAX, i64::MIN] {
        match period(&q, now) {
            Ok(p) => {
                assert!(p.from < p.to);
                let _ = p.to_string();
            }
            Err(notices::NoticeError::Invalid(m)) => {
                assert!(m.iter().all(|x| x.field == "from" || x.field == "to"));
            }
            Err(e) => panic!("unexpected error {e}"),
        }
    }
});
