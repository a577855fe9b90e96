//! Property tests: no input makes the engine panic, and timestamps round-trip.

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use stix::access::{redact, ObjectAccess, Reader};
use stix::{check_object, format_timestamp, parse_timestamp, Tlp};

/// Arbitrary JSON, biased towards the keys and shapes STIX objects use.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("type".to_string()),
        Just("id".to_string()),
        Just("created".to_string()),
        Just("modified".to_string()),
        Just("spec_version".to_string()),
        Just("object_marking_refs".to_string()),
        Just("granular_markings".to_string()),
        Just("selectors".to_string()),
        Just("marking_ref".to_string()),
        Just("extensions".to_string()),
        Just("x_ref".to_string()),
        Just("x_refs".to_string()),
        Just("external_references".to_string()),
        "[a-z_\\-\\[\\]\\.0-9]{0,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        "\\PC{0,20}".prop_map(Value::String),
        Just(json!("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")),
        Just(json!(stix::TLP2_RED)),
        Just(json!("2020-01-01T00:00:00.000Z")),
        Just(json!("description")),
        Just(json!("labels.[0]")),
    ];
    leaf.prop_recursive(5, 64, 8, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

fn valid_indicator() -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z",
        "description": "d", "labels": ["a", "b"],
        "pattern": "[ipv4-addr:value = '198.51.100.1']", "pattern_type": "stix",
        "valid_from": "2020-01-01T00:00:00Z",
        "granular_markings": [{"marking_ref": stix::TLP2_RED, "selectors": ["labels.[0]"]}],
    })
}

fn try_redact(v: &Value) {
    let ids = vec![stix::org_identity_id("o")];
    let r = Reader {
        user_id: 1,
        org_id: 1,
        identities: &ids,
        collection_readable: true,
    };
    for tlp in [None, Some(Tlp::Clear), Some(Tlp::Red)] {
        let a = ObjectAccess {
            tlp,
            collection_default: Tlp::Amber,
            recipients: &[],
            submitter_user_id: 2,
        };
        if let Some(out) = redact(v, &r, &a) {
            // Whatever is served keeps no restricted TLP granular marking.
            if let Some(Value::Array(gms)) = out.get("granular_markings") {
                for gm in gms {
                    let level = gm
                        .get("marking_ref")
                        .and_then(Value::as_str)
                        .and_then(Tlp::from_marking_id);
                    assert_ne!(level, Some(Tlp::Red), "restricted marking kept in {out}");
                }
            }
        }
    }
}

proptest! {
    #[test]
    fn check_object_never_panics_on_any_json(v in json_value()) {
        let _ = check_object(&v);
        try_redact(&v);
    }

    #[test]
    fn check_object_never_panics_on_damaged_objects(
        key in prop_oneof![
            Just("type"), Just("id"), Just("created"), Just("modified"), Just("labels"),
            Just("granular_markings"), Just("extensions"), Just("valid_from"), Just("x_ref"),
            Just("external_references"), Just("object_marking_refs"), Just("spec_version"),
        ],
        value in json_value(),
    ) {
        let mut v = valid_indicator();
        v[key] = value;
        if let Err(problems) = check_object(&v) {
            prop_assert!(!problems.is_empty());
            for p in problems {
                prop_assert!(!p.property.is_empty());
                prop_assert!(!p.to_string().is_empty());
            }
        }
        try_redact(&v);
    }

    #[test]
    fn pattern_check_never_panics(s in "\\PC{0,60}") {
        let _ = stix::pattern::check_stix_pattern(&s);
    }

    #[test]
    fn pattern_check_never_panics_on_pattern_like_text(
        parts in proptest::collection::vec(prop_oneof![
            Just("["), Just("]"), Just("("), Just(")"), Just("ipv4-addr"), Just(":"), Just("value"),
            Just("."), Just("'x'"), Just("'"), Just("\\"), Just("="), Just("!="), Just(">="), Just("IN"),
            Just("AND"), Just("OR"), Just("NOT"), Just("FOLLOWEDBY"), Just("WITHIN"), Just("5"),
            Just("-"), Just(".5"), Just("SECONDS"), Just("REPEATS"), Just("TIMES"), Just("START"),
            Just("STOP"), Just("t'2020-01-01T00:00:00Z'"), Just("b'"), Just("h'ff'"), Just("[*]"),
            Just(","), Just("EXISTS"), Just("true"), Just(" "), Just("99999999999999999999"),
        ], 0..40)
    ) {
        let _ = stix::pattern::check_stix_pattern(&parts.concat());
    }

    #[test]
    fn parse_timestamp_never_panics(s in "\\PC{0,40}") {
        let _ = parse_timestamp(&s);
    }

    #[test]
    fn timestamps_round_trip(micros in -62_135_596_800_000_000i64..253_402_300_799_999_999i64) {
        let text = format_timestamp(micros);
        prop_assert_eq!(parse_timestamp(&text), Ok(micros), "{}", text);
    }

    #[test]
    fn format_timestamp_never_panics(micros in any::<i64>()) {
        prop_assert!(format_timestamp(micros).ends_with('Z'));
    }
}
