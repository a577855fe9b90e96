//! Fuzzes statements of reasons in the DSA Transparency Database schema: `sor::parse` of one
//! statement and `sor::Batch::parse` of a multiple-statement body. Any input is refused with
//! every error naming a field, or accepted; an accepted statement passes `check`, serialises to
//! JSON that `parse` accepts again as the same statement, and never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// 2026-01-01T00:00:00Z; the schema of 1 July 2025 is in force.
const NOW: i64 = 1_767_225_600;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match sor::parse(text, NOW) {
        Ok(statement) => {
            assert_eq!(statement.check(NOW), Ok(()));
            let json = serde_json::to_string(&statement).expect("a statement serialises");
            let again = sor::parse(&json, NOW).expect("a re-serialised statement parses");
            assert_eq!(again, statement);
        }
        Err(invalid) => {
            assert!(!invalid.errors.is_empty());
            assert!(invalid.errors.iter().all(|e| !e.field.is_empty()));
        }
    }
    match sor::Batch::parse(text, NOW) {
        Ok(batch) => {
            assert!((1..=sor::BATCH_MAX).contains(&batch.statements().len()));
            let json = serde_json::to_string(&batch).expect("a batch serialises");
            assert_eq!(
                sor::Batch::parse(&json, NOW).expect("a batch parses again"),
                batch
            );
        }
        Err(invalid) => assert!(invalid.errors.iter().all(|e| !e.field.is_empty())),
    }
});
