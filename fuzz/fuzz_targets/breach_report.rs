//! Fuzzes breach reports: the JSON body of `POST /api/v1/breaches` (`breaches::NewReport`)
//! and the engine's checks of its regime, deadline and contents (`response::breach`). Any
//! input is refused with every problem's field named or accepted with what is still to come
//! deferred, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use response::breach::{self, Element, Regime};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(report) = serde_json::from_str::<breaches::NewReport>(text) else {
        return;
    };
    let Ok(regime) = report.regime.parse::<Regime>() else {
        return;
    };
    let deferred: Vec<Element> = report
        .deferred
        .iter()
        .filter_map(|d| d.parse().ok())
        .collect();
    match breach::check_contents(regime, &report.contents, &deferred) {
        Ok(rest) => {
            assert_eq!(rest, breach::missing(regime, &report.contents));
            assert!(
                rest.iter().all(|e| deferred.contains(e)),
                "an undeferred gap was accepted"
            );
        }
        Err(problems) => {
            assert!(!problems.is_empty());
            assert!(problems
                .iter()
                .all(|p| p.field.starts_with("contents.") || p.field.starts_with("deferred[")));
        }
    }
    let aware = stix::parse_timestamp(&report.aware_at).map(|m| m.div_euclid(1_000_000));
    let given = report
        .deadline
        .as_deref()
        .and_then(|d| stix::parse_timestamp(d).ok())
        .map(|m| m.div_euclid(1_000_000));
    if let Ok(aware) = aware {
        match breach::deadline(regime, aware, given) {
            Ok(Some(d)) => assert!(d > aware),
            Ok(None) => assert_eq!(regime, Regime::Pipeda),
            Err(p) => assert_eq!(p.field, "deadline"),
        }
    }
});
