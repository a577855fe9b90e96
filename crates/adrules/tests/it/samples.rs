//! The sample documents in `samples/` (used in RULES.md and `rrm ads check --help`) give the
//! verdicts the documentation describes.

use adrules::{Engine, Error, Outcome};

fn check(name: &str) -> Result<adrules::CheckResult, Error> {
    let path = format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("sample readable");
    Engine::shipped().expect("rules").check_json(&path, &text)
}

fn ids(r: &adrules::CheckResult) -> Vec<&str> {
    r.fired.iter().map(|f| &*f.rule_id).collect()
}

#[test]
fn compliant_canadian_ad_is_accepted_with_registry_dates() {
    let r = check("ca-compliant.json").expect("valid");
    assert_eq!(r.verdict, Outcome::Accept);
    assert_eq!(ids(&r), ["CA-325.1-1", "CA-325.1-4", "CA-325.1-5"]);
}

#[test]
fn foreign_payer_changing_the_ad_on_polling_day_is_blocked_twice() {
    let r = check("ca-foreign-payer-blackout.json").expect("valid");
    assert_eq!(r.verdict, Outcome::Block);
    let ids = ids(&r);
    assert!(
        ids.contains(&"CA-282.4-5") && ids.contains(&"CA-323"),
        "{ids:?}"
    );
}

#[test]
fn eu_sponsor_controlled_from_the_us_is_blocked() {
    let r = check("eu-controlled-from-abroad.json").expect("valid");
    assert_eq!(r.verdict, Outcome::Block);
    let ids = ids(&r);
    for id in [
        "EU-ART5-2-SPONSOR",
        "EU-ART18-2-MINORS",
        "EU-ART12-ORIGIN",
        "EU-ART12-FOREIGN-FUNDS",
    ] {
        assert!(ids.contains(&id), "{id} not in {ids:?}");
    }
}

#[test]
fn invalid_sample_names_each_bad_field() {
    match check("invalid.json") {
        Err(Error::Invalid(errors)) => {
            let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
            for f in [
                "sponsors[0].residence",
                "ad.linked_elections[0]",
                "ad.spend.minor",
                "ad.spend.currency",
            ] {
                assert!(fields.contains(&f), "{f} not in {fields:?}");
            }
        }
        other => panic!("expected invalid, got {other:?}"),
    }
}
