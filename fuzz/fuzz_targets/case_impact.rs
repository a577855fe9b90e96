//! Fuzzes case impacts: the JSON body of `POST /api/v1/cases/{id}/impacts` (`cases::NewImpact`)
//! and its check against the OASIS incident suite's vocabularies and ranges. Any input is
//! refused with a field named or accepted within the ranges, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(new) = serde_json::from_str::<cases::NewImpact>(text) else {
        return;
    };
    match new.check() {
        Ok(impact) => {
            assert!(impact.criticality.is_none_or(|c| c <= 100));
            if let (Some(s), Some(e)) = (impact.start_micros, impact.end_micros) {
                assert!(e > s, "an end not after the start was accepted");
            }
            assert_eq!(impact.details.present(), vec![impact.category]);
        }
        Err(cases::CaseError::Invalid { field, .. }) => assert!(!field.is_empty()),
        Err(e) => panic!("a check of input answered {e}"),
    }
});
