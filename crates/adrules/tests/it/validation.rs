//! Bad input: every invalid submission is refused with an error naming the field.

use crate::common;

use adrules::{Engine, Error};
use common::{ca, drop_field, eu, put};
use serde_json::{json, Value};

/// Checks `doc` and returns the invalid field paths with messages.
fn invalid_fields(doc: &Value) -> Vec<(String, String)> {
    let engine = Engine::shipped().expect("rules");
    match engine.check_json("doc.json", &doc.to_string()) {
        Err(Error::Invalid(errors)) => errors.into_iter().map(|e| (e.field, e.message)).collect(),
        other => panic!("expected invalid fields, got {other:?}"),
    }
}

/// The case table: a name, an edit of a valid document, the field that must be named and a
/// word the message must contain.
#[allow(clippy::type_complexity)]
fn cases() -> Vec<(
    &'static str,
    Box<dyn Fn() -> Value>,
    &'static str,
    &'static str,
)> {
    vec![
        (
            "unknown spend currency",
            Box::new(|| {
                let mut v = ca();
                put(&mut v, "/ad/spend/currency", json!("CAX"));
                v
            }),
            "ad.spend.currency",
            "unknown currency",
        ),
        (
            "negative spend",
            Box::new(|| {
                let mut v = ca();
                put(&mut v, "/ad/spend/minor", json!(-1));
                put(&mut v, "/ad/spend_range", json!({"lower": 0, "upper": 10}));
                v
            }),
            "ad.spend.minor",
            "below zero",
        ),
        (
            "spend outside its published range",
            Box::new(|| {
                let mut v = ca();
                put(&mut v, "/ad/spend_range/upper", json!(124999));
                v
            }),
            "ad.spend_range",
            "does not contain",
        ),
        (
            "unknown residence country",
            Box::new(|| {
                let mut v = ca();
                put(&mut v, "/sponsors/0/residence", json!("XX"));
                v
            }),
            "sponsors[0].residence",
            "unknown country",
        ),
        (
            "lower-case country code",
            Box::new(|| {
                let mut v = ca();
                put(&mut v, "/sponsors/0/established_in", json!("ca"));
                v
            }),
            "sponsors[0].established_in",
            "unknown country",
        ),
        (
            "unknown funding origin",
            Box::new(|| {
                let mut v = ca();
                put(&mut v, "/sponsors/0/funding/0/origin", json!("ZZ"));
                v
            }),
            "sponsors[0].funding[0].origin",
            "unknown country",
        ),
        (
            "negative funding",
            Box::new(|| {
                let mut v = ca();
                put(&mut v, "/sponsors/0/funding/0/amount/minor", json!(-5));
                v
            }),
            "sponsors[0].funding[0].amount.minor",
            "below zero",
        ),
        (
            "writ after polling day",
            Box::new(|| {
                let mut v = ca();
                put(&mut v, "/elections/0/writ_issued", json!("2029-10-16"));
                v
            }),
            "elections[0].writ_issued",
            "after polling day",
        ),
        (
            "writ withdrawn before it was issued",
            Box::new(|| {
                let mut v = ca();
                put(&mut v, "/elections/0/writ_withdrawn", json!("2029-09-01"));
                v
            }),
            "elections[0].writ_withdrawn",
            "before it was issued",
        ),
        (
            "dissemination ends before it starts",
            Box::new(|| {
                let mut v = ca();
                put(
                    &mut v,
                    "/ad/intended_dissemination/end",
                    json!("2029-09-19T09:00:00-04:00"),
                );
                v
            }),
            "ad.intended_dissemination.end",
            "before start",
        ),
        (
            "notice period out of order",
            Box::new(|| {
                let mut v = eu();
                put(
                    &mut v,
                    "/ad/notice/period",
                    json!({"start": "2026-09-20", "end": "2026-08-01"}),
                );
                v
            }),
            "ad.notice.period.end",
            "before start",
        ),
        (
            "ad on another platform",
            Box::new(|| {
                let mut v = ca();
                put(&mut v, "/ad/platform", json!("other"));
                v
            }),
            "ad.platform",
            "not the submission's platform",
        ),
        (
            "election that does not exist",
            Box::new(|| {
                let mut v = ca();
                put(&mut v, "/ad/linked_elections", json!(["ca-2099"]));
                v
            }),
            "ad.linked_elections[0]",
            "does not exist",
        ),
        (
            "unknown sponsor",
            Box::new(|| {
                let mut v = ca();
                put(&mut v, "/ad/sponsor", json!("nobody"));
                v
            }),
            "ad.sponsor",
            "unknown sponsor",
        ),
        (
            "unknown payer",
            Box::new(|| {
                let mut v = ca();
                put(&mut v, "/ad/payer", json!("nobody"));
                v
            }),
            "ad.payer",
            "unknown sponsor",
        ),
        (
            "creative over the size limit",
            Box::new(|| {
                let mut v = ca();
                put(
                    &mut v,
                    "/ad/creative/size_bytes",
                    json!(50u64 * 1024 * 1024 + 1),
                );
                v
            }),
            "ad.creative.size_bytes",
            "over the limit",
        ),
        (
            "creative of an unsupported type",
            Box::new(|| {
                let mut v = ca();
                put(
                    &mut v,
                    "/ad/creative/media_type",
                    json!("application/x-msdownload"),
                );
                v
            }),
            "ad.creative.media_type",
            "unsupported media type",
        ),
        (
            "creative hash not hex",
            Box::new(|| {
                let mut v = ca();
                put(&mut v, "/ad/creative/sha256", json!("xyz"));
                v
            }),
            "ad.creative.sha256",
            "hex",
        ),
        (
            "control chain loops",
            Box::new(|| {
                let mut v = eu();
                put(&mut v, "/sponsors/0/controlled_by", json!("b"));
                put(
                    &mut v,
                    "/sponsors/1",
                    json!({"id": "b", "legal_name": "B", "kind": "corporation", "established_in": "DE", "controlled_by": "verein"}),
                );
                v
            }),
            "sponsors[0].controlled_by",
            "loops",
        ),
        (
            "controller that does not exist",
            Box::new(|| {
                let mut v = eu();
                put(&mut v, "/sponsors/0/controlled_by", json!("ghost"));
                v
            }),
            "sponsors[0].controlled_by",
            "unknown sponsor",
        ),
        (
            "entity without a place of establishment",
            Box::new(|| {
                let mut v = eu();
                drop_field(&mut v, "/sponsors/0/established_in");
                v
            }),
            "sponsors[0].established_in",
            "required",
        ),
        (
            "polls closing on another day than polling day",
            Box::new(|| {
                let mut v = ca();
                put(
                    &mut v,
                    "/elections/0/districts/0/poll_close",
                    json!("2029-10-16T21:30:00-04:00"),
                );
                v
            }),
            "elections[0].districts[0].poll_close",
            "not on polling day",
        ),
        (
            "district offset no time zone uses",
            Box::new(|| {
                let mut v = ca();
                put(
                    &mut v,
                    "/elections/0/districts/1/poll_close",
                    json!("2029-10-15T19:00:00-15:00"),
                );
                v
            }),
            "elections[0].districts[1].poll_close",
            "offset",
        ),
        (
            "platform main language not a language code",
            Box::new(|| {
                let mut v = ca();
                put(&mut v, "/platform/main_language", json!("english"));
                v
            }),
            "platform.main_language",
            "ISO 639",
        ),
        (
            "ad district unknown",
            Box::new(|| {
                let mut v = ca();
                put(&mut v, "/ad/districts", json!(["99999"]));
                v
            }),
            "ad.districts[0]",
            "not a district",
        ),
        (
            "unknown jurisdiction",
            Box::new(|| {
                let mut v = ca();
                put(&mut v, "/elections/0/jurisdiction", json!("XK"));
                v
            }),
            "elections[0].jurisdiction",
            "unknown jurisdiction",
        ),
        (
            "impossible voting age",
            Box::new(|| {
                let mut v = eu();
                put(&mut v, "/elections/0/voting_age", json!(5));
                v
            }),
            "elections[0].voting_age",
            "voting age",
        ),
        (
            "age range reversed",
            Box::new(|| {
                let mut v = eu();
                put(
                    &mut v,
                    "/ad/targeting/1",
                    json!({"kind": "age", "age_min": 30, "age_max": 20}),
                );
                v
            }),
            "ad.targeting[1].age_max",
            "below age_min",
        ),
        (
            "distribution share over one",
            Box::new(|| {
                let mut v = eu();
                put(
                    &mut v,
                    "/ad/distribution",
                    json!([{"region": "DE-BE", "share": 1.5}]),
                );
                v
            }),
            "ad.distribution[0].share",
            "fraction",
        ),
        (
            "duplicate sponsor id",
            Box::new(|| {
                let mut v = eu();
                put(
                    &mut v,
                    "/sponsors/1",
                    json!({"id": "verein", "legal_name": "B", "kind": "individual"}),
                );
                v
            }),
            "sponsors[1].id",
            "duplicate",
        ),
        (
            "bad language code",
            Box::new(|| {
                let mut v = eu();
                put(&mut v, "/ad/languages", json!(["German"]));
                v
            }),
            "ad.languages[0]",
            "language code",
        ),
        (
            "versions out of order",
            Box::new(|| {
                let mut v = ca();
                put(
                    &mut v,
                    "/ad/versions/1",
                    json!({"version": 1, "first_shown": "2029-09-19T09:00:00-04:00"}),
                );
                v
            }),
            "ad.versions[1].version",
            "does not follow",
        ),
    ]
}

#[test]
fn invalid_submissions_name_the_field() {
    for (name, build, field, word) in cases() {
        let errors = invalid_fields(&build());
        assert!(
            errors.iter().any(|(f, m)| f == field && m.contains(word)),
            "{name}: expected {field} with {word:?}, got {errors:?}"
        );
    }
}

#[test]
fn the_valid_bases_pass() {
    let engine = Engine::shipped().expect("rules");
    assert!(engine.check_json("ca", &ca().to_string()).is_ok());
    assert!(engine.check_json("eu", &eu().to_string()).is_ok());
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut v = ca();
    put(&mut v, "/ad/spend/currency", json!("ABC"));
    put(&mut v, "/sponsors/0/residence", json!("QQ"));
    put(&mut v, "/elections/0/writ_issued", json!("2030-01-01"));
    let fields: Vec<String> = invalid_fields(&v).into_iter().map(|(f, _)| f).collect();
    for f in [
        "ad.spend.currency",
        "sponsors[0].residence",
        "elections[0].writ_issued",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} missing from {fields:?}");
    }
}

#[test]
fn shape_errors_give_line_and_column_and_name_the_field() {
    let engine = Engine::shipped().expect("rules");
    let text = "{\n  \"ad\": {\"id\": \"a\", \"sponser\": \"x\"}\n}";
    match engine.check_json("ad.json", text) {
        Err(e @ Error::Json { .. }) => {
            let msg = e.to_string();
            assert!(msg.starts_with("ad.json:2:"), "{msg}");
            assert!(msg.contains("sponser"), "{msg}");
        }
        other => panic!("expected a JSON error, got {other:?}"),
    }
    let mut v = ca();
    put(&mut v, "/elections/0/polling_day", json!("2029-02-30"));
    match engine.check_json("ad.json", &v.to_string()) {
        Err(e @ Error::Json { .. }) => assert!(e.to_string().contains("2029-02-30"), "{e}"),
        other => panic!("expected a JSON error, got {other:?}"),
    }
    let mut v = ca();
    put(&mut v, "/ad/class", json!("propaganda"));
    match engine.check_json("ad.json", &v.to_string()) {
        Err(e @ Error::Json { .. }) => assert!(e.to_string().contains("propaganda"), "{e}"),
        other => panic!("expected a JSON error, got {other:?}"),
    }
}

#[test]
fn rule_sets_given_as_data_are_checked_when_loaded() {
    let bad_ref = r#"{"id": "X", "name": "x", "jurisdictions": ["CA"], "effective_from": "2030-01-01",
        "rules": [{"id": "X-1", "citation": "c", "title": "t", "condition": {"ref": "nope"},
                   "outcome": "FLAG", "explanation": "e"}]}"#;
    let e = adrules::RuleSet::from_json("x.json", bad_ref).expect_err("unknown ref");
    assert!(
        e.to_string().contains("X-1") && e.to_string().contains("nope"),
        "{e}"
    );
    let looping = r#"{"id": "X", "name": "x", "jurisdictions": ["CA"], "effective_from": "2030-01-01",
        "definitions": {"a": {"ref": "a"}},
        "rules": [{"id": "X-1", "citation": "c", "title": "t", "condition": {"ref": "a"},
                   "outcome": "FLAG", "explanation": "e"}]}"#;
    assert!(adrules::RuleSet::from_json("x.json", looping).is_err());
    let mut engine = Engine::shipped().expect("rules");
    let dup =
        adrules::RuleSet::from_json("c.json", adrules::engine::CANADA_2018_JSON).expect("parses");
    assert!(engine.add_rule_set(dup).is_err());
}

#[test]
fn an_amendment_added_as_data_takes_effect_on_its_date() {
    // A hypothetical amendment, in force from 2029-10-01, flags partisan ads without an exact spend.
    let amendment = r#"{"id": "CA-AMEND-2029", "name": "hypothetical amendment",
        "jurisdictions": ["CA"], "effective_from": "2029-10-01",
        "rules": [{"id": "CA-X-SPEND", "citation": "hypothetical s. 999", "title": "Spend missing",
                   "condition": {"all": [{"class_in": ["partisan"]}, {"missing": ["spend"]}]},
                   "outcome": "FLAG", "explanation": "Spend must be reported."}]}"#;
    let mut engine = Engine::shipped().expect("rules");
    engine
        .add_rule_set(adrules::RuleSet::from_json("amend.json", amendment).expect("parses"))
        .expect("added");
    let mut before = ca();
    drop_field(&mut before, "/ad/spend");
    drop_field(&mut before, "/ad/spend_range");
    common::run(
        &mut before,
        "2029-09-20T09:00:00-04:00",
        "2029-09-30T09:00:00-04:00",
    );
    let r = engine
        .check_json("before", &before.to_string())
        .expect("valid");
    assert!(!r.fired.iter().any(|f| &*f.rule_id == "CA-X-SPEND"));
    let mut on = before.clone();
    common::run(
        &mut on,
        "2029-09-20T09:00:00-04:00",
        "2029-10-01T09:00:00-04:00",
    );
    let r = engine.check_json("on", &on.to_string()).expect("valid");
    assert!(r.fired.iter().any(|f| &*f.rule_id == "CA-X-SPEND"));
    assert_eq!(r.verdict, adrules::Outcome::Flag);
}
