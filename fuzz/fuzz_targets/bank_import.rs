//! Fuzzes the hash-bank bulk import parser (`banks::parse_entries`, CSV and JSON).
#![no_main]

use banks::{parse_entries, EntryFormat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the format, so one corpus covers both.
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let format = if first & 1 == 0 {
        EntryFormat::Csv
    } else {
        EntryFormat::Json
    };
    if let Ok(entries) = parse_entries(format, rest) {
        for e in &entries {
            if let Ok(t) = e.signal_type.parse::<store::SignalType>() {
                let _ = banks::normalise_value(t, &e.value);
            }
        }
    }
});
