//! `sor::parse`: JSON as the Database reads it, every problem named by its field.

use super::*;
use serde_json::{json, Value};

fn body(s: &Statement) -> Value {
    serde_json::to_value(s).unwrap()
}

fn parse_value(v: &Value) -> Result<Statement, sor::Invalid> {
    sor::parse(&v.to_string(), NOW)
}

fn errors_of(v: &Value) -> Vec<String> {
    parse_value(v)
        .unwrap_err()
        .errors
        .into_iter()
        .map(|e| e.field)
        .collect()
}

#[test]
fn a_valid_statement_parses() {
    for ground in DecisionGround::ALL {
        let s = full(*ground);
        assert_eq!(parse_value(&body(&s)).unwrap(), s);
    }
}

#[test]
fn round_trip_parse_serialise_parse_is_the_same() {
    for s in [
        incompatible(),
        illegal(),
        full(DecisionGround::IllegalContent),
    ] {
        let once = sor::parse(&serde_json::to_string(&s).unwrap(), NOW).unwrap();
        let again = sor::parse(&serde_json::to_string(&once).unwrap(), NOW).unwrap();
        assert_eq!(once, again);
        assert_eq!(once, s);
    }
}

#[test]
fn serialisation_omits_absent_fields() {
    let v = body(&incompatible());
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "puid",
            "decision_visibility",
            "decision_ground",
            "incompatible_content_ground",
            "incompatible_content_explanation",
            "content_type",
            "category",
            "content_date",
            "application_date",
            "decision_facts",
            "source_type",
            "automated_detection",
            "automated_decision",
        ]
    );
    assert!(!v.to_string().contains("null"));
    assert_eq!(v["automated_detection"], "No");
    assert_eq!(v["automated_decision"], "AUTOMATED_DECISION_NOT_AUTOMATED");
    let full = body(&full(DecisionGround::IncompatibleContent));
    assert_eq!(full["content_id"], json!({"EAN-13": "4006381333931"}));
    assert_eq!(full["territorial_scope"], json!(["DE", "FR", "NO"]));
}

#[test]
fn an_unknown_field_is_named() {
    let mut v = body(&incompatible());
    v["platform_name"] = json!("x");
    assert_eq!(errors_of(&v), ["platform_name"]);
}

#[test]
fn an_unknown_field_inside_content_id_is_named() {
    let mut v = body(&incompatible());
    v["content_id"] = json!({"EAN-13": "4006381333931", "ISBN": "x"});
    let named = errors_of(&v);
    assert_eq!(named.len(), 1);
    assert!(named[0].starts_with("content_id"), "{named:?}");
}

#[test]
fn a_wrong_type_is_named() {
    let mut v = body(&incompatible());
    v["decision_facts"] = json!(12);
    v["content_type"] = json!("CONTENT_TYPE_TEXT");
    v["puid"] = json!(["a"]);
    let named = errors_of(&v);
    for f in ["decision_facts", "content_type", "puid"] {
        assert!(named.iter().any(|n| n == f), "{f} missing from {named:?}");
    }
}

#[test]
fn an_unknown_value_is_named_with_its_index() {
    let mut v = body(&incompatible());
    v["content_type"] = json!(["CONTENT_TYPE_TEXT", "CONTENT_TYPE_HOLOGRAM"]);
    assert_eq!(errors_of(&v), ["content_type.1"]);
}

#[test]
fn an_old_schema_category_is_refused() {
    let mut v = body(&incompatible());
    v["category"] = json!("STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE");
    assert_eq!(errors_of(&v), ["category"]);
}

#[test]
fn every_problem_is_collected() {
    let mut v = body(&incompatible());
    v["category"] = json!("NOPE");
    v["territorial_scope"] = json!(["DE", "US"]);
    v["content_language"] = json!("de");
    v["unknown"] = json!(1);
    v["application_date"] = json!("2025-12-31-10");
    v.as_object_mut().unwrap().remove("decision_facts");
    let named = errors_of(&v);
    for f in [
        "category",
        "territorial_scope.1",
        "content_language",
        "unknown",
        "application_date",
        "decision_facts",
    ] {
        assert!(named.iter().any(|n| n == f), "{f} missing from {named:?}");
    }
    // A field with a type error is not also reported as missing.
    assert_eq!(named.iter().filter(|n| *n == "category").count(), 1);
}

#[test]
fn strings_are_trimmed_and_empty_strings_are_absent() {
    let mut v = body(&incompatible());
    v["puid"] = json!("  post-1 ");
    v["content_type"] = json!([" CONTENT_TYPE_TEXT\n"]);
    v["source_identity"] = json!("");
    let s = parse_value(&v).unwrap();
    assert_eq!(s, incompatible());
    v["decision_facts"] = json!("   ");
    assert_eq!(errors_of(&v), ["decision_facts"]);
}

#[test]
fn null_is_absent_where_the_database_allows_it() {
    let mut v = body(&incompatible());
    v["decision_monetary"] = Value::Null;
    v["territorial_scope"] = Value::Null;
    v["content_language"] = Value::Null;
    assert_eq!(parse_value(&v).unwrap(), incompatible());
}

#[test]
fn category_addition_may_not_be_null() {
    let mut v = body(&incompatible());
    v["category_addition"] = Value::Null;
    assert_eq!(errors_of(&v), ["category_addition"]);
}

#[test]
fn incompatible_content_illegal_may_not_be_null_on_its_ground() {
    let mut v = body(&incompatible());
    v["incompatible_content_illegal"] = Value::Null;
    assert_eq!(errors_of(&v), ["incompatible_content_illegal"]);
    let mut w = body(&illegal());
    w["incompatible_content_illegal"] = Value::Null;
    assert!(parse_value(&w).is_ok());
}

#[test]
fn incompatible_content_illegal_is_yes_or_no() {
    let mut v = body(&incompatible());
    v["incompatible_content_illegal"] = json!("Maybe");
    assert_eq!(errors_of(&v), ["incompatible_content_illegal"]);
}

#[test]
fn content_id_ean_13_may_not_be_null() {
    let mut v = body(&incompatible());
    v["content_id"] = json!({"EAN-13": null});
    assert_eq!(errors_of(&v), ["content_id.EAN-13"]);
}

#[test]
fn decision_visibility_values_are_checked() {
    let mut v = body(&incompatible());
    v["decision_visibility"] = json!(["DECISION_VISIBILITY_CONTENT_REMOVED", null]);
    assert_eq!(errors_of(&v), ["decision_visibility.1"]);
}

#[test]
fn account_type_values_are_checked() {
    let mut v = body(&incompatible());
    v["account_type"] = json!("ACCOUNT_TYPE_ROBOT");
    assert_eq!(errors_of(&v), ["account_type"]);
}

#[test]
fn not_json_or_not_an_object_is_the_body() {
    for text in ["", "{", "[1]", "\"x\"", "null"] {
        let invalid = sor::parse(text, NOW).unwrap_err();
        assert_eq!(fields(&invalid), ["body"], "{text:?}");
    }
}

/// A JSON key `""` is an unknown field like any other and is named `""`, never left unnamed
/// (found by the `sor_statement` fuzz target).
#[test]
fn an_empty_key_is_named() {
    let mut v = body(&incompatible());
    v[""] = json!("post-1");
    let fields = errors_of(&v);
    assert!(fields.contains(&"\"\"".to_string()), "{fields:?}");
    assert!(fields.iter().all(|f| !f.is_empty()), "{fields:?}");
    let batch = sor::Batch::parse(
        &json!({"statements": [body(&incompatible())], "": 1}).to_string(),
        NOW,
    )
    .unwrap_err();
    assert!(
        batch.errors.iter().all(|e| !e.field.is_empty()),
        "{batch:?}"
    );
}
