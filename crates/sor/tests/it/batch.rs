//! Batches: 1 to 100 statements, distinct puids, the multiple endpoint's body.

use super::*;
use serde_json::json;

fn many(n: usize) -> Vec<Statement> {
    (0..n)
        .map(|i| Statement {
            puid: format!("post-{i}"),
            ..incompatible()
        })
        .collect()
}

#[test]
fn a_batch_of_100_is_accepted() {
    let batch = sor::Batch::new(many(100), NOW).unwrap();
    assert_eq!(batch.statements().len(), sor::BATCH_MAX);
}

#[test]
fn a_batch_of_101_is_refused_naming_statements() {
    let invalid = sor::Batch::new(many(101), NOW).unwrap_err();
    assert_eq!(fields(&invalid), ["statements"]);
}

#[test]
fn an_empty_batch_is_refused_naming_statements() {
    let invalid = sor::Batch::new(Vec::new(), NOW).unwrap_err();
    assert_eq!(fields(&invalid), ["statements"]);
}

#[test]
fn errors_of_a_statement_carry_its_index() {
    let mut statements = many(5);
    statements[3].decision_facts = None;
    statements[1].content_type_other = Some("ignored".into());
    statements[4].puid = "bad puid".into();
    let invalid = sor::Batch::new(statements, NOW).unwrap_err();
    assert_eq!(
        fields(&invalid),
        ["statements.3.decision_facts", "statements.4.puid"]
    );
}

#[test]
fn a_puid_twice_in_a_batch_is_refused() {
    let mut statements = many(3);
    statements[2].puid = " post-0 ".into();
    let invalid = sor::Batch::new(statements, NOW).unwrap_err();
    assert_eq!(fields(&invalid), ["statements.2.puid"]);
}

#[test]
fn a_batch_serialises_as_the_multiple_endpoint_body() {
    let batch = sor::Batch::new(many(2), NOW).unwrap();
    let v = serde_json::to_value(&batch).unwrap();
    let expected = json!({"statements": [
        serde_json::to_value(&batch.statements()[0]).unwrap(),
        serde_json::to_value(&batch.statements()[1]).unwrap(),
    ]});
    assert_eq!(v, expected);
    assert_eq!(v.as_object().unwrap().len(), 1);
}

#[test]
fn a_body_parses_back_into_the_same_batch() {
    let batch = sor::Batch::new(many(3), NOW).unwrap();
    let text = serde_json::to_string(&batch).unwrap();
    assert_eq!(sor::Batch::parse(&text, NOW).unwrap(), batch);
}

#[test]
fn a_parsed_body_names_the_statement_and_field() {
    let mut v = serde_json::to_value(sor::Batch::new(many(3), NOW).unwrap()).unwrap();
    v["statements"][1]["content_type"] = json!(["CONTENT_TYPE_TEXT", "X"]);
    v["statements"][2]
        .as_object_mut()
        .unwrap()
        .remove("category");
    v["extra"] = json!(true);
    let invalid = sor::Batch::parse(&v.to_string(), NOW).unwrap_err();
    assert_eq!(
        fields(&invalid),
        [
            "extra",
            "statements.1.content_type.1",
            "statements.2.category"
        ]
    );
}

#[test]
fn a_parsed_body_of_101_is_refused() {
    let statements: Vec<_> = many(101)
        .iter()
        .map(|s| serde_json::to_value(s).unwrap())
        .collect();
    let text = json!({ "statements": statements }).to_string();
    let invalid = sor::Batch::parse(&text, NOW).unwrap_err();
    assert_eq!(fields(&invalid), ["statements"]);
}

#[test]
fn a_body_without_statements_is_refused() {
    for text in ["{}", r#"{"statements": {}}"#, "[]", "nope"] {
        let invalid = sor::Batch::parse(text, NOW).unwrap_err();
        assert!(!invalid.errors.is_empty(), "{text}");
    }
    assert_eq!(
        fields(&sor::Batch::parse("{}", NOW).unwrap_err()),
        ["statements"]
    );
}
