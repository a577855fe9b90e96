//! One test per validation rule: a valid object passes, the same object broken in one way fails
//! with a problem naming the object, the property and the rule.

use serde_json::{json, Value};
use stix::{check_object, Tlp};

const ID: &str = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
const IDENT: &str = "identity--311b2d2d-f010-4473-83ec-1edf84858f4c";
const IDENT2: &str = "identity--4d1c4e0a-2f3b-4a5e-9c1d-2b3f4a5e6c7d";
const ATTACK: &str = "attack-pattern--7e33a43e-e34b-40ec-89da-36c9bb2cacd5";
const MALWARE: &str = "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b";
const LOC: &str = "location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64";
const OBS: &str = "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf";
const IPV4: &str = "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd";
const REL: &str = "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad";
const STATEMENT: &str = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41dc";

fn indicator() -> Value {
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": ID,
        "created_by_ref": IDENT,
        "created": "2016-04-06T20:03:48.000Z",
        "modified": "2016-04-06T20:03:48.123Z",
        "name": "bad address",
        "pattern": "[ipv4-addr:value = '198.51.100.1']",
        "pattern_type": "stix",
        "valid_from": "2016-01-01T00:00:00Z",
        "labels": ["malicious-activity"],
        "external_references": [{"source_name": "veris", "external_id": "0001AA7F"}],
    })
}

fn sdo(t: &str, id_uuid: &str, extra: Value) -> Value {
    let mut o = json!({
        "type": t,
        "spec_version": "2.1",
        "id": format!("{t}--{id_uuid}"),
        "created": "2020-01-01T00:00:00.000Z",
        "modified": "2020-01-01T00:00:00.000Z",
    });
    if let (Some(m), Value::Object(e)) = (o.as_object_mut(), extra) {
        m.extend(e);
    }
    o
}

fn with(mut v: Value, key: &str, val: Value) -> Value {
    v.as_object_mut().unwrap().insert(key.to_string(), val);
    v
}

fn without(mut v: Value, key: &str) -> Value {
    v.as_object_mut().unwrap().shift_remove(key);
    v
}

fn assert_ok(v: &Value) -> stix::Checked {
    match check_object(v) {
        Ok(c) => c,
        Err(p) => panic!(
            "expected valid, got:\n{}",
            p.iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

/// Asserts the object fails with a problem on `property` whose message contains `needle`.
fn assert_rejects(v: &Value, property: &str, needle: &str) {
    let problems = check_object(v).expect_err("expected problems");
    assert!(
        problems
            .iter()
            .any(|p| p.property == property && p.message.contains(needle)),
        "no problem on '{property}' containing {needle:?}; got:\n{}",
        problems
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    let id = v.get("id").and_then(Value::as_str).map(str::to_string);
    assert!(problems.iter().all(|p| p.object_id == id));
}

#[test]
fn valid_indicator_reports_its_facts() {
    let c = assert_ok(&indicator());
    assert_eq!(c.id, ID);
    assert_eq!(c.stix_type, "indicator");
    assert_eq!(c.spec_version, "2.1");
    assert_eq!(
        c.version,
        stix::parse_timestamp("2016-04-06T20:03:48.123Z").ok()
    );
    assert_eq!(c.created_by_ref.as_deref(), Some(IDENT));
    assert!(!c.revoked);
    assert_eq!(c.tlp, None);
    assert!(c.recipients.is_empty());
}

#[test]
fn problem_display_names_id_property_and_rule() {
    let v = with(indicator(), "modified", json!("2016-04-06T20:03:47.000Z"));
    let problems = check_object(&v).unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].to_string(),
        format!("{ID}: property 'modified': must be later than or equal to 'created'")
    );
    let p = check_object(&json!({"type": "indicator"})).unwrap_err();
    assert!(p
        .iter()
        .any(|p| p.to_string() == "(no id): property 'id': is required"));
}

#[test]
fn all_problems_are_reported_at_once() {
    let v = json!({"type": "indicator", "id": ID, "spec_version": "2.0", "created": "yesterday"});
    let problems = check_object(&v).unwrap_err();
    for prop in [
        "spec_version",
        "created",
        "modified",
        "pattern",
        "pattern_type",
        "valid_from",
    ] {
        assert!(
            problems.iter().any(|p| p.property == prop),
            "missing {prop}"
        );
    }
}

#[test]
fn non_objects_are_rejected() {
    for v in [json!(null), json!([1]), json!("indicator"), json!(3)] {
        let p = check_object(&v).unwrap_err();
        assert_eq!(p.len(), 1);
        assert!(p[0].message.contains("must be a JSON object"));
    }
}

#[test]
fn type_rules() {
    assert_rejects(&without(indicator(), "type"), "type", "is required");
    assert_rejects(
        &with(indicator(), "type", json!(5)),
        "type",
        "must be a string",
    );
    let short = json!({"type": "ab", "id": "ab--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"});
    assert_rejects(&short, "type", "3 to 250");
    let upper = json!({"type": "Abc", "id": "Abc--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"});
    assert_rejects(&upper, "type", "only a-z");
    let dd = json!({"type": "x--y", "id": "x--y--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"});
    assert_rejects(&dd, "type", "'--'");
    let bundle = json!({"type": "bundle", "id": "bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"});
    assert_rejects(&bundle, "type", "not a STIX object");
}

#[test]
fn id_rules() {
    assert_rejects(&without(indicator(), "id"), "id", "is required");
    assert_rejects(
        &with(indicator(), "id", json!(MALWARE)),
        "id",
        "must equal the type",
    );
    assert_rejects(
        &with(indicator(), "id", json!("indicator--1234")),
        "id",
        "RFC 4122 UUID",
    );
    // Wrong variant nibble (c is not 8, 9, a or b).
    assert_rejects(
        &with(
            indicator(),
            "id",
            json!("indicator--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f"),
        ),
        "id",
        "RFC 4122 UUID",
    );
    assert_rejects(
        &with(indicator(), "id", json!("indicator")),
        "id",
        "type--UUID",
    );
}

#[test]
fn spec_version_rules() {
    assert_rejects(
        &without(indicator(), "spec_version"),
        "spec_version",
        "is required",
    );
    assert_rejects(
        &with(indicator(), "spec_version", json!("2.0")),
        "spec_version",
        "\"2.1\"",
    );
    // Optional on SCOs, but must be 2.1 when present.
    let ip = json!({"type": "ipv4-addr", "id": IPV4, "value": "198.51.100.3"});
    assert_eq!(assert_ok(&ip).spec_version, "2.1");
    assert_eq!(assert_ok(&ip).version, None);
    assert_rejects(
        &with(ip, "spec_version", json!("2.0")),
        "spec_version",
        "\"2.1\"",
    );
}

#[test]
fn created_modified_rules() {
    assert_rejects(&without(indicator(), "created"), "created", "is required");
    assert_rejects(&without(indicator(), "modified"), "modified", "is required");
    assert_rejects(
        &with(indicator(), "created", json!("2016-04-06T20:03:48Z")),
        "created",
        "millisecond",
    );
    assert_rejects(
        &with(indicator(), "modified", json!("2016-04-06T20:03:48.12Z")),
        "modified",
        "millisecond",
    );
    assert_rejects(
        &with(
            indicator(),
            "created",
            json!("2016-04-06T20:03:48.000+01:00"),
        ),
        "created",
        "UTC",
    );
    assert_rejects(
        &with(indicator(), "created", json!(12)),
        "created",
        "timestamp string",
    );
    assert_rejects(
        &with(indicator(), "modified", json!("2016-04-06T20:03:47.999Z")),
        "modified",
        "later than or equal to 'created'",
    );
    // Equal is fine, and more than millisecond precision is fine.
    assert_ok(&with(
        indicator(),
        "modified",
        json!("2016-04-06T20:03:48.000Z"),
    ));
    assert_ok(&with(
        indicator(),
        "modified",
        json!("2016-04-06T20:03:48.000001Z"),
    ));
}

#[test]
fn other_timestamps_must_be_rfc3339_utc_and_ordered() {
    assert_rejects(
        &with(indicator(), "valid_from", json!("2016-01-01")),
        "valid_from",
        "RFC 3339",
    );
    assert_rejects(
        &with(indicator(), "valid_until", json!("2016-01-01T00:00:00Z")),
        "valid_until",
        "later than 'valid_from'",
    );
    assert_ok(&with(
        indicator(),
        "valid_until",
        json!("2016-01-02T00:00:00Z"),
    ));
    let camp = sdo(
        "campaign",
        "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        json!({"name": "c", "first_seen": "2020-01-02T00:00:00Z"}),
    );
    assert_ok(&camp);
    assert_rejects(
        &with(camp, "last_seen", json!("2020-01-01T00:00:00Z")),
        "last_seen",
        "later than or equal to 'first_seen'",
    );
    let rep = sdo(
        "report",
        "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        json!({"name": "r", "published": "2020-01-01T00:00:00+00:00", "object_refs": [ID]}),
    );
    assert_rejects(&rep, "published", "UTC");
}

#[test]
fn common_optional_property_rules() {
    assert_ok(&with(indicator(), "revoked", json!(true)));
    assert!(assert_ok(&with(indicator(), "revoked", json!(true))).revoked);
    assert_rejects(
        &with(indicator(), "revoked", json!("yes")),
        "revoked",
        "boolean",
    );
    assert_rejects(
        &with(indicator(), "labels", json!("x")),
        "labels",
        "list of strings",
    );
    assert_rejects(
        &with(indicator(), "labels", json!([])),
        "labels",
        "empty list",
    );
    assert_rejects(
        &with(indicator(), "labels", json!(["a", 1])),
        "labels.[1]",
        "string",
    );
    assert_rejects(
        &with(indicator(), "confidence", json!(101)),
        "confidence",
        "0 to 100",
    );
    assert_ok(&with(indicator(), "confidence", json!(100)));
    assert_rejects(&with(indicator(), "lang", json!(1)), "lang", "string");
    assert_rejects(
        &with(indicator(), "x-bad-name", json!(1)),
        "x-bad-name",
        "only a-z",
    );
    assert_rejects(&with(indicator(), "xy", json!(1)), "xy", "3 to 250");
    assert_ok(&with(
        indicator(),
        "x_custom_Property",
        json!({"any": ["thing"]}),
    ));
}

#[test]
fn external_reference_rules() {
    assert_rejects(
        &with(
            indicator(),
            "external_references",
            json!([{"url": "https://x"}]),
        ),
        "external_references.[0].source_name",
        "is required",
    );
    assert_rejects(
        &with(
            indicator(),
            "external_references",
            json!([{"source_name": "x"}]),
        ),
        "external_references.[0]",
        "at least one of description, url or external_id",
    );
    assert_rejects(
        &with(
            indicator(),
            "external_references",
            json!([{"source_name": "x", "url": 5}]),
        ),
        "external_references.[0].url",
        "string",
    );
    assert_rejects(
        &with(
            indicator(),
            "external_references",
            json!([{"source_name": "x", "url": "u", "hashes": {"SHA-256": 5}}]),
        ),
        "external_references.[0].hashes.SHA-256",
        "strings",
    );
    assert_rejects(
        &with(indicator(), "external_references", json!({})),
        "external_references",
        "list",
    );
    assert_rejects(
        &with(indicator(), "external_references", json!([3])),
        "external_references.[0]",
        "object",
    );
}

#[test]
fn reference_property_rules() {
    assert_rejects(
        &with(indicator(), "created_by_ref", json!(ATTACK)),
        "created_by_ref",
        "identity",
    );
    assert_rejects(
        &with(indicator(), "created_by_ref", json!("nope")),
        "created_by_ref",
        "identifier",
    );
    assert_rejects(
        &with(indicator(), "created_by_ref", json!([IDENT])),
        "created_by_ref",
        "found a list",
    );
    assert_rejects(
        &with(indicator(), "object_marking_refs", json!([])),
        "object_marking_refs",
        "non-empty",
    );
    assert_rejects(
        &with(indicator(), "object_marking_refs", json!([IDENT])),
        "object_marking_refs.[0]",
        "marking-definition",
    );
    assert_rejects(
        &with(indicator(), "object_marking_refs", json!(STATEMENT)),
        "object_marking_refs",
        "list",
    );
    // Custom reference properties, nested ones too, follow the same rules.
    assert_rejects(
        &with(indicator(), "x_thing_ref", json!("a--b")),
        "x_thing_ref",
        "identifier",
    );
    assert_rejects(
        &with(
            indicator(),
            "x_nested",
            json!({"inner": [{"deep_refs": ["bad"]}]}),
        ),
        "x_nested.inner.[0].deep_refs.[0]",
        "identifier",
    );
    assert_ok(&with(
        indicator(),
        "x_nested",
        json!({"inner": [{"deep_refs": [ATTACK]}]}),
    ));
}

#[test]
fn tlp_comes_from_the_most_restrictive_marking() {
    let v = with(
        indicator(),
        "object_marking_refs",
        json!([stix::TLP2_GREEN, STATEMENT, stix::TLP1_AMBER]),
    );
    assert_eq!(assert_ok(&v).tlp, Some(Tlp::Amber));
    let v = with(
        indicator(),
        "object_marking_refs",
        json!([stix::TLP2_AMBER_STRICT, stix::TLP2_CLEAR]),
    );
    assert_eq!(assert_ok(&v).tlp, Some(Tlp::AmberStrict));
    let v = with(indicator(), "object_marking_refs", json!([stix::TLP1_RED]));
    assert_eq!(assert_ok(&v).tlp, Some(Tlp::Red));
    let v = with(indicator(), "object_marking_refs", json!([STATEMENT]));
    assert_eq!(assert_ok(&v).tlp, None);
}

#[test]
fn granular_marking_rules() {
    let ok = json!([{"marking_ref": stix::TLP2_RED, "selectors": ["description", "labels.[0]", "external_references.[0].external_id"]}]);
    let v = with(
        with(indicator(), "description", json!("d")),
        "granular_markings",
        ok,
    );
    assert_ok(&v);
    let cases = [
        (
            json!([{"selectors": ["name"]}]),
            "granular_markings.[0]",
            "one of marking_ref or lang",
        ),
        (
            json!([{"marking_ref": stix::TLP2_RED, "lang": "en", "selectors": ["name"]}]),
            "granular_markings.[0]",
            "not both",
        ),
        (
            json!([{"marking_ref": IDENT, "selectors": ["name"]}]),
            "granular_markings.[0].marking_ref",
            "marking-definition",
        ),
        (
            json!([{"marking_ref": stix::TLP2_RED}]),
            "granular_markings.[0].selectors",
            "is required",
        ),
        (
            json!([{"marking_ref": stix::TLP2_RED, "selectors": []}]),
            "granular_markings.[0].selectors",
            "non-empty",
        ),
        (
            json!([{"marking_ref": stix::TLP2_RED, "selectors": ["labels.[7]"]}]),
            "granular_markings.[0].selectors.[0]",
            "selects nothing",
        ),
        (
            json!([{"marking_ref": stix::TLP2_RED, "selectors": ["labels[0]"]}]),
            "granular_markings.[0].selectors.[0]",
            "not a valid selector",
        ),
    ];
    for (gm, prop, needle) in cases {
        assert_rejects(&with(indicator(), "granular_markings", gm), prop, needle);
    }
}

#[test]
fn recipients_extension_rules() {
    let ext = json!({stix::RECIPIENTS_EXTENSION_ID: {
        "extension_type": "property-extension", "recipient_refs": [IDENT, IDENT2]}});
    let v = with(indicator(), "extensions", ext);
    assert_eq!(
        assert_ok(&v).recipients,
        vec![IDENT.to_string(), IDENT2.to_string()]
    );
    let p = format!("extensions.{}", stix::RECIPIENTS_EXTENSION_ID);
    let bad_type = json!({stix::RECIPIENTS_EXTENSION_ID: {"extension_type": "new-sdo", "recipient_refs": [IDENT]}});
    assert_rejects(
        &with(indicator(), "extensions", bad_type),
        &format!("{p}.extension_type"),
        "property-extension",
    );
    let not_identity = json!({stix::RECIPIENTS_EXTENSION_ID: {"extension_type": "property-extension", "recipient_refs": [ATTACK]}});
    assert_rejects(
        &with(indicator(), "extensions", not_identity),
        &format!("{p}.recipient_refs.[0]"),
        "identity",
    );
    let empty = json!({stix::RECIPIENTS_EXTENSION_ID: {"extension_type": "property-extension", "recipient_refs": []}});
    assert_rejects(
        &with(indicator(), "extensions", empty),
        &format!("{p}.recipient_refs"),
        "non-empty",
    );
    let missing = json!({stix::RECIPIENTS_EXTENSION_ID: {"extension_type": "property-extension"}});
    assert_rejects(
        &with(indicator(), "extensions", missing),
        &format!("{p}.recipient_refs"),
        "is required",
    );
    assert_rejects(
        &with(indicator(), "extensions", json!([])),
        "extensions",
        "dictionary",
    );
    assert_rejects(
        &with(
            indicator(),
            "extensions",
            json!({"extension-definition--zz": {}}),
        ),
        "extensions.extension-definition--zz",
        "extension key",
    );
}

#[test]
fn the_extension_definition_and_identities_rrm_makes_are_valid() {
    let hub = stix::org_identity_id("hub");
    let def = stix::recipients_extension_definition(&hub, 1_700_000_000_123_456);
    let c = assert_ok(&def);
    assert_eq!(c.id, stix::RECIPIENTS_EXTENSION_ID);
    assert_eq!(def["created"], "2023-11-14T22:13:20.123456Z");
    assert_rejects(&without(def.clone(), "schema"), "schema", "is required");
    assert_rejects(
        &with(def, "extension_types", json!(["new-thing"])),
        "extension_types.[0]",
        "new-sdo",
    );
    let org = stix::identity_object(&hub, "Hub", "organization", &["government"], 0);
    assert_eq!(assert_ok(&org).version, Some(0));
    assert_eq!(org["sectors"], json!(["government"]));
    let user = stix::identity_object(
        &stix::user_identity_id("alice"),
        "alice",
        "individual",
        &[],
        0,
    );
    assert_ok(&user);
    assert!(user.get("sectors").is_none());
}

#[test]
fn sdo_required_properties() {
    let u = "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
    let cases: Vec<(&str, Value)> = vec![
        ("attack-pattern", json!({"name": "n"})),
        ("campaign", json!({"name": "n"})),
        ("course-of-action", json!({"name": "n"})),
        (
            "grouping",
            json!({"context": "suspicious-activity", "object_refs": [ID]}),
        ),
        ("identity", json!({"name": "n"})),
        ("incident", json!({"name": "n"})),
        ("infrastructure", json!({"name": "n"})),
        ("intrusion-set", json!({"name": "n"})),
        ("malware", json!({"is_family": false})),
        (
            "malware-analysis",
            json!({"product": "av", "result": "malicious"}),
        ),
        ("note", json!({"content": "c", "object_refs": [ID]})),
        (
            "observed-data",
            json!({"first_observed": "2020-01-01T00:00:00Z", "last_observed": "2020-01-01T00:00:00Z", "number_observed": 1, "object_refs": [IPV4]}),
        ),
        ("opinion", json!({"opinion": "agree", "object_refs": [ID]})),
        (
            "report",
            json!({"name": "n", "published": "2020-01-01T00:00:00Z", "object_refs": [ID]}),
        ),
        ("threat-actor", json!({"name": "n"})),
        ("tool", json!({"name": "n"})),
        ("vulnerability", json!({"name": "n"})),
        ("location", json!({"country": "fr"})),
        (
            "relationship",
            json!({"relationship_type": "uses", "source_ref": ATTACK, "target_ref": MALWARE}),
        ),
        ("sighting", json!({"sighting_of_ref": ID})),
        (
            "language-content",
            json!({"object_ref": ID, "contents": {"de": {"name": "x"}}}),
        ),
    ];
    for (t, extra) in cases {
        let v = sdo(t, u, extra.clone());
        assert_ok(&v);
        for key in extra.as_object().unwrap().keys() {
            let broken = without(v.clone(), key);
            let problems = check_object(&broken).expect_err(&format!("{t} without {key}"));
            assert!(
                problems.iter().any(|p| p.property == *key
                    || (t == "location" && p.property == "region")
                    || (t == "malware-analysis" && p.property == "result")),
                "{t} without {key}: {problems:?}"
            );
        }
    }
}

#[test]
fn indicator_required_properties() {
    for key in ["pattern", "pattern_type", "valid_from"] {
        assert_rejects(
            &without(indicator(), key),
            key,
            "is required on indicator objects",
        );
    }
    assert_rejects(&with(indicator(), "pattern", json!(5)), "pattern", "string");
}

#[test]
fn type_specific_shapes() {
    let u = "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
    assert_rejects(
        &sdo("malware", u, json!({"is_family": true})),
        "name",
        "is_family is true",
    );
    assert_rejects(
        &sdo("malware", u, json!({"is_family": "yes"})),
        "is_family",
        "boolean",
    );
    assert_rejects(
        &sdo("malware-analysis", u, json!({"product": "p"})),
        "result",
        "at least one",
    );
    assert_rejects(
        &sdo("opinion", u, json!({"opinion": "meh", "object_refs": [ID]})),
        "opinion",
        "strongly-disagree",
    );
    assert_rejects(
        &sdo("location", u, json!({"latitude": 1.0})),
        "longitude",
        "together",
    );
    assert_rejects(
        &sdo("location", u, json!({"latitude": 91.0, "longitude": 0.0})),
        "latitude",
        "-90.0",
    );
    assert_ok(&sdo(
        "location",
        u,
        json!({"latitude": 48.8, "longitude": 2.3}),
    ));
    assert_rejects(
        &sdo("location", u, json!({"name": "x"})),
        "region",
        "at least one of region",
    );
    let od = |extra: Value| {
        let mut base = json!({"first_observed": "2020-01-02T00:00:00Z", "last_observed": "2020-01-02T00:00:00Z", "number_observed": 1});
        base.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        sdo("observed-data", u, base)
    };
    assert_rejects(&od(json!({})), "object_refs", "objects is absent");
    assert_rejects(
        &od(json!({"object_refs": [IPV4], "objects": {"0": {}}})),
        "objects",
        "must not be present",
    );
    assert_rejects(
        &od(json!({"object_refs": [IPV4], "number_observed": 0})),
        "number_observed",
        "1 to 999999999",
    );
    assert_rejects(
        &od(json!({"object_refs": [IPV4], "last_observed": "2020-01-01T00:00:00Z"})),
        "last_observed",
        "later than or equal",
    );
    // Deprecated embedded objects use local keys, not identifiers.
    assert_ok(&od(
        json!({"objects": {"0": {"type": "ipv4-addr", "value": "1.2.3.4", "resolves_to_ref": "1"}}}),
    ));
    let rel = |extra: Value| {
        let mut base =
            json!({"relationship_type": "uses", "source_ref": ATTACK, "target_ref": MALWARE});
        base.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        sdo("relationship", u, base)
    };
    assert_rejects(
        &rel(json!({"relationship_type": "Uses Thing"})),
        "relationship_type",
        "a-z",
    );
    assert_rejects(&rel(json!({"source_ref": REL})), "source_ref", "SDO or SCO");
    assert_rejects(
        &rel(json!({"target_ref": STATEMENT})),
        "target_ref",
        "SDO or SCO",
    );
    assert_ok(&rel(json!({"target_ref": IPV4})));
    assert_ok(&rel(
        json!({"target_ref": "x-mitre-tactic--b03163eb-7e81-4fed-9819-641bf7c99507"}),
    ));
    assert_rejects(
        &rel(json!({"start_time": "2020-01-01T00:00:00Z", "stop_time": "2020-01-01T00:00:00Z"})),
        "stop_time",
        "later than 'start_time'",
    );
    let sig = |extra: Value| {
        let mut base = json!({"sighting_of_ref": ID});
        base.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        sdo("sighting", u, base)
    };
    assert_ok(&sig(
        json!({"observed_data_refs": [OBS], "where_sighted_refs": [IDENT, LOC], "count": 3}),
    ));
    assert_rejects(
        &sig(json!({"sighting_of_ref": IPV4})),
        "sighting_of_ref",
        "an SDO",
    );
    assert_rejects(
        &sig(json!({"sighting_of_ref": REL})),
        "sighting_of_ref",
        "an SDO",
    );
    assert_rejects(
        &sig(json!({"observed_data_refs": [ID]})),
        "observed_data_refs.[0]",
        "observed-data",
    );
    assert_rejects(
        &sig(json!({"where_sighted_refs": [IDENT, ATTACK]})),
        "where_sighted_refs.[1]",
        "identity or location",
    );
    assert_rejects(
        &sig(json!({"count": 1_000_000_000})),
        "count",
        "0 to 999999999",
    );
    assert_rejects(
        &sig(json!({"sighting_of_ref": 7})),
        "sighting_of_ref",
        "found a number",
    );
}

#[test]
fn marking_definition_rules() {
    let tlp = json!({
        "type": "marking-definition", "spec_version": "2.1", "id": STATEMENT,
        "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp", "definition": {"tlp": "green"},
    });
    let c = assert_ok(&tlp);
    assert_eq!(
        c.version,
        stix::parse_timestamp("2017-01-20T00:00:00.000Z").ok()
    );
    assert_rejects(
        &with(tlp.clone(), "definition", json!({"tlp": "purple"})),
        "definition.tlp",
        "white, green",
    );
    assert_rejects(
        &without(tlp.clone(), "definition"),
        "definition",
        "is required",
    );
    assert_rejects(
        &without(tlp.clone(), "definition_type"),
        "definition_type",
        "is required when definition",
    );
    assert_rejects(&without(tlp.clone(), "created"), "created", "is required");
    let own = with(tlp.clone(), "object_marking_refs", json!([STATEMENT]));
    assert_rejects(&own, "object_marking_refs.[0]", "itself");
    let own = with(
        tlp.clone(),
        "granular_markings",
        json!([{"marking_ref": STATEMENT, "selectors": ["definition_type"]}]),
    );
    assert_rejects(&own, "granular_markings.[0].marking_ref", "itself");
    let st = with(
        with(tlp.clone(), "definition_type", json!("statement")),
        "definition",
        json!({"statement": 3}),
    );
    assert_rejects(&st, "definition.statement", "string");
    // TLP 2.0 style: only an extension.
    let tlp2 = json!({
        "type": "marking-definition", "spec_version": "2.1", "id": stix::TLP2_AMBER,
        "created": "2022-10-01T00:00:00.000Z", "name": "TLP:AMBER",
        "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
            "extension_type": "property-extension", "tlp_2_0": "amber"}},
    });
    assert_ok(&tlp2);
}

#[test]
fn sco_rules() {
    let ip = json!({"type": "ipv4-addr", "id": IPV4, "value": "198.51.100.3"});
    assert_ok(&ip);
    assert_rejects(&without(ip.clone(), "value"), "value", "is required");
    assert_rejects(&with(ip, "value", json!(3)), "value", "string");
    let sco = |t: &str, extra: Value| {
        let mut o = json!({"type": t, "id": format!("{t}--ff26c055-6336-5bc5-b98d-13d6226742dd")});
        o.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        o
    };
    for t in ["domain-name", "email-addr", "ipv6-addr", "mac-addr", "url"] {
        assert_ok(&sco(t, json!({"value": "v"})));
        assert_rejects(&sco(t, json!({})), "value", "is required");
    }
    assert_ok(&sco("file", json!({"name": "a.exe"})));
    assert_ok(&sco("file", json!({"hashes": {"SHA-256": "ab"}})));
    assert_rejects(&sco("file", json!({"size": 3})), "hashes", "hashes or name");
    assert_rejects(&sco("file", json!({"hashes": {}})), "hashes", "non-empty");
    assert_ok(&sco("user-account", json!({"user_id": "1001"})));
    assert_rejects(
        &sco("user-account", json!({"defanged": true})),
        "type",
        "at least one property",
    );
    assert_rejects(&sco("process", json!({})), "type", "at least one property");
    assert_ok(&sco("artifact", json!({"payload_bin": "aGk="})));
    assert_rejects(
        &sco("artifact", json!({"url": "https://x"})),
        "hashes",
        "url is present",
    );
    assert_rejects(
        &sco("artifact", json!({})),
        "payload_bin",
        "one of payload_bin or url",
    );
    assert_rejects(
        &sco("autonomous-system", json!({})),
        "number",
        "is required",
    );
    assert_rejects(
        &sco("autonomous-system", json!({"number": "x"})),
        "number",
        "integer",
    );
    assert_rejects(&sco("directory", json!({})), "path", "is required");
    assert_rejects(
        &sco("email-message", json!({})),
        "is_multipart",
        "is required",
    );
    assert_rejects(&sco("mutex", json!({})), "name", "is required");
    assert_rejects(&sco("software", json!({})), "name", "is required");
    let nt = sco(
        "network-traffic",
        json!({"protocols": ["tcp"], "src_ref": IPV4}),
    );
    assert_ok(&nt);
    assert_rejects(
        &without(nt.clone(), "src_ref"),
        "src_ref",
        "src_ref or dst_ref",
    );
    assert_rejects(
        &with(nt.clone(), "protocols", json!([])),
        "protocols",
        "empty list",
    );
    assert_rejects(
        &with(
            with(nt, "is_active", json!(true)),
            "end",
            json!("2020-01-01T00:00:00Z"),
        ),
        "end",
        "is_active",
    );
    assert_rejects(
        &sco("file", json!({"name": "a", "mtime": "2020-01-01"})),
        "mtime",
        "RFC 3339",
    );
}

#[test]
fn custom_types_are_allowed() {
    let tactic = json!({
        "type": "x-mitre-tactic", "spec_version": "2.1",
        "id": "x-mitre-tactic--b03163eb-7e81-4fed-9819-641bf7c99507",
        "created": "2024-11-22T16:43:58.074918Z", "modified": "2024-11-22T16:43:58.074918Z",
        "name": "Plan", "x_mitre_shortname": "plan",
    });
    assert_ok(&tactic);
    // A custom type that carries created/modified is held to the SDO rules.
    assert_rejects(
        &without(tactic.clone(), "modified"),
        "modified",
        "is required",
    );
    assert_rejects(
        &without(tactic, "spec_version"),
        "spec_version",
        "is required",
    );
    // Without timestamps it is treated as a custom observable.
    assert_ok(
        &json!({"type": "x-thing", "id": "x-thing--b03163eb-7e81-4fed-9819-641bf7c99507", "weight": 3}),
    );
}

#[test]
fn validation_leaves_the_object_untouched() {
    let v = with(
        indicator(),
        "x_extra",
        json!({"nested": [1, 2, {"k": null}]}),
    );
    let before = v.to_string();
    assert_ok(&v);
    assert_eq!(v.to_string(), before);
}

#[test]
fn empty_lists_are_prohibited() {
    assert_rejects(
        &with(indicator(), "x_custom_list", json!([])),
        "x_custom_list",
        "empty list",
    );
    assert_rejects(
        &with(indicator(), "indicator_types", json!([])),
        "indicator_types",
        "empty list",
    );
    let ip = json!({"type": "ipv4-addr", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd",
                    "value": "198.51.100.3", "labels": []});
    assert_rejects(&ip, "labels", "empty list");
    assert_ok(&with(indicator(), "x_custom_list", json!([1])));
}

#[test]
fn upper_case_uuids_are_refused_in_every_identifier() {
    let up = |id: &str| {
        let (t, u) = id.split_once("--").unwrap();
        format!("{t}--{}", u.to_ascii_uppercase())
    };
    assert_rejects(&with(indicator(), "id", json!(up(ID))), "id", "upper-case");
    assert_rejects(
        &with(indicator(), "created_by_ref", json!(up(IDENT))),
        "created_by_ref",
        "upper-case",
    );
    let red = Tlp::Red.marking_id();
    assert_rejects(
        &with(
            indicator(),
            "object_marking_refs",
            json!([Tlp::Green.marking_id(), up(red)]),
        ),
        "object_marking_refs.[1]",
        "upper-case",
    );
    assert_rejects(
        &with(
            indicator(),
            "granular_markings",
            json!([{"marking_ref": up(red), "selectors": ["name"]}]),
        ),
        "granular_markings.[0].marking_ref",
        "upper-case",
    );
    let rel = sdo(
        "relationship",
        "44298a74-ba52-4f0c-87a3-1824e67d7fad",
        json!({"relationship_type": "uses", "source_ref": up(ATTACK), "target_ref": MALWARE}),
    );
    assert_rejects(&rel, "source_ref", "upper-case");
    let recipients = with(
        indicator(),
        "extensions",
        json!({stix::RECIPIENTS_EXTENSION_ID: {
            "extension_type": "property-extension", "recipient_refs": [up(IDENT2)]}}),
    );
    let key = format!(
        "extensions.{}.recipient_refs.[0]",
        stix::RECIPIENTS_EXTENSION_ID
    );
    assert_rejects(&recipients, &key, "upper-case");
}

#[test]
fn other_markings_are_listed_with_their_property() {
    let obj = with(
        with(
            indicator(),
            "object_marking_refs",
            json!([Tlp::Amber.marking_id(), STATEMENT]),
        ),
        "granular_markings",
        json!([
            {"marking_ref": STATEMENT, "selectors": ["name"]},
            {"marking_ref": Tlp::Red.marking_id(), "selectors": ["labels"]},
        ]),
    );
    let c = assert_ok(&obj);
    assert_eq!(c.tlp, Some(Tlp::Amber));
    assert_eq!(
        c.other_markings,
        vec![
            ("object_marking_refs.[1]".to_string(), STATEMENT.to_string()),
            (
                "granular_markings.[0].marking_ref".to_string(),
                STATEMENT.to_string()
            ),
        ]
    );
}

#[test]
fn marking_definitions_that_claim_a_tlp_level_are_recognised() {
    let md = |extra: Value| {
        sdo(
            "marking-definition",
            "34098fce-860f-48ae-8e50-ebd3cc5e41dc",
            extra,
        )
    };
    let claims = [
        json!({"definition_type": "tlp", "definition": {"tlp": "red"}}),
        json!({"definition_type": "TLP", "definition": {"tlp": "red"}}),
        json!({"name": "TLP:AMBER+STRICT", "extensions": {stix::TLP2_EXTENSION_ID: {
            "extension_type": "property-extension", "tlp_2_0": "amber+strict"}}}),
        json!({"definition_type": "statement", "definition": {"statement": "tlp red, partners only"}}),
        json!({"name": "Tlp-Green", "definition_type": "statement", "definition": {"statement": "x"}}),
    ];
    for c in claims {
        assert!(stix::marking_claims_tlp(&md(c.clone())), "{c}");
    }
    let statement = md(
        json!({"name": "DISARM Foundation", "definition_type": "statement",
        "definition": {"statement": "CC-BY-SA-4.0 DISARM Foundation"}}),
    );
    assert!(!stix::marking_claims_tlp(&statement));
    assert!(!stix::marking_claims_tlp(&indicator()));
}

#[test]
fn cyber_observables_are_unversioned() {
    let file = json!({"type": "file", "spec_version": "2.1",
        "id": "file--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "name": "a.exe",
        "modified": "2020-01-01T00:00:00.000Z"});
    assert_eq!(assert_ok(&file).version, None);
}
