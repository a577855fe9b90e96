//! The impacts of response cases (`CaseStore::add_impact`, `list_impacts`).

use super::*;
use store::ImpactRecord;

fn impact(id: &str, case_id: &str, org: i64, by: i64, created: i64) -> ImpactRecord {
    ImpactRecord {
        id: id.to_string(),
        case_id: case_id.to_string(),
        category: "external".into(),
        details: r#"{"external":{"impact_type":"public-confidence"}}"#.into(),
        criticality: Some(70),
        description: "trust in the electoral commission fell".into(),
        start_time: Some(1_700_000_000_000_000),
        end_time: None,
        recoverability: Some("extended".into()),
        entity_counts: r#"{"individual":120000}"#.into(),
        org_id: org,
        created_by: by,
        created,
    }
}

/// Impacts: round trip of every field, listed in the order recorded and only under their
/// case, each with its audit record; a duplicate id conflicts and an unknown case is
/// `NotFound`, both changing nothing.
pub fn case_impacts(s: &dyn Backend) {
    let fx = fixture(s);
    let a = fx.a.id;
    s.create_case(
        &case_record("k1", a, fx.ua.id, 10),
        &[fx.b.id],
        &step("case.create", "case/k1", a),
    )
    .unwrap();
    s.create_case(
        &case_record("k2", a, fx.ua.id, 10),
        &[],
        &step("case.create", "case/k2", a),
    )
    .unwrap();
    let before = audited(s, a, 0).len();
    assert!(s.list_impacts("k1").unwrap().is_empty());

    let first = impact("i1", "k1", fx.b.id, fx.ub.id, 20);
    s.add_impact(&first, &step("case.impact.add", "case/k1", a))
        .unwrap();
    let second = ImpactRecord {
        category: "integrity".into(),
        details: r#"{"integrity":{"alteration":"none"}}"#.into(),
        criticality: None,
        description: String::new(),
        start_time: None,
        recoverability: None,
        end_time: Some(5),
        entity_counts: "{}".into(),
        ..impact("i2", "k1", a, fx.ua.id, 20)
    };
    s.add_impact(&second, &step("case.impact.add", "case/k1", a))
        .unwrap();
    s.add_impact(
        &impact("i3", "k2", a, fx.ua.id, 15),
        &step("case.impact.add", "case/k2", a),
    )
    .unwrap();
    assert_eq!(s.list_impacts("k1").unwrap(), [first.clone(), second]);
    assert_eq!(s.list_impacts("k2").unwrap().len(), 1);
    assert!(s.list_impacts("nope").unwrap().is_empty());

    assert!(matches!(
        s.add_impact(&first, &step("case.impact.add", "case/k1", a)),
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.add_impact(
            &impact("i4", "nope", a, fx.ua.id, 20),
            &step("case.impact.add", "case/nope", a)
        ),
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(s.list_impacts("k1").unwrap().len(), 2);
    assert_eq!(
        audited(s, a, before),
        pairs(&[
            ("case.impact.add", "case/k1"),
            ("case.impact.add", "case/k1"),
            ("case.impact.add", "case/k2"),
        ]),
        "one record per impact added, none for refused ones"
    );
}
