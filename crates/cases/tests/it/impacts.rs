//! Impacts of a case: recorded by the case's analysts and admins, refused with the field
//! named and nothing stored, audited, and shared as OASIS impact objects listed in the
//! incident's `impact_refs`.

use cases::CaseError;
use cases::{share, NewImpact};
use hub::ObjectFilter;
use response::case::CaseAction;
use response::impact::{External, Integrity};
use test_support::read_all;

use crate::common::{invalid_field, open_case, world};

fn public_confidence() -> NewImpact {
    NewImpact {
        category: "external".into(),
        external: Some(External {
            impact_type: Some("public-confidence".into()),
        }),
        criticality: Some(70),
        description: "Trust in the electoral commission fell".into(),
        start_time: Some("2026-11-20T00:00:00Z".into()),
        recoverability: Some("extended".into()),
        impacted_entity_counts: [("individual".to_string(), 120_000)].into(),
        ..NewImpact::default()
    }
}

#[test]
fn participants_record_impacts_and_bad_ones_name_their_field() {
    let w = world();
    let id = open_case(&w);
    let v = w
        .cases
        .record_impact(&w.fr, &id, &public_confidence())
        .unwrap();
    assert_eq!(v.recorded_by, "gov-fr");
    assert_eq!(v.criticality, Some(70));
    assert_eq!(v.start_time.as_deref(), Some("2026-11-20T00:00:00.000Z"));
    assert_eq!(
        v.details.external.as_ref().unwrap().impact_type.as_deref(),
        Some("public-confidence")
    );
    assert_eq!(v.stix_id, format!("impact--{}", v.id));

    let bad = |f: &dyn Fn(&mut NewImpact)| {
        let mut n = public_confidence();
        f(&mut n);
        let e = w.cases.record_impact(&w.ca, &id, &n).unwrap_err();
        invalid_field(&e).to_string()
    };
    assert_eq!(bad(&|n| n.category = "mood".into()), "category");
    assert_eq!(
        bad(&|n| n.external.as_mut().unwrap().impact_type = Some("anger".into())),
        "external.impact_type"
    );
    assert_eq!(bad(&|n| n.criticality = Some(101)), "criticality");
    assert_eq!(bad(&|n| n.criticality = Some(-1)), "criticality");
    assert_eq!(
        bad(&|n| n.end_time = Some("2026-11-19T00:00:00Z".into())),
        "end_time"
    );
    assert_eq!(
        bad(&|n| n.start_time = Some("yesterday".into())),
        "start_time"
    );
    assert_eq!(
        bad(&|n| n.description = "a\u{1b}[31m".into()),
        "description"
    );
    assert_eq!(
        bad(&|n| n.recoverability = Some("quick".into())),
        "recoverability"
    );
    assert_eq!(
        bad(&|n| {
            n.integrity = Some(Integrity {
                alteration: Some("none".into()),
                ..Integrity::default()
            })
        }),
        "integrity"
    );
    assert_eq!(
        bad(&|n| n.impacted_entity_counts = [("Individuals".to_string(), 3)].into()),
        "impacted_entity_counts.Individuals"
    );
    assert_eq!(
        w.cases.impacts(&w.jp, &id).unwrap().len(),
        1,
        "refusals store nothing"
    );

    // Readers, outsiders and closed cases.
    assert!(matches!(
        w.cases
            .record_impact(&w.ca_reader, &id, &public_confidence()),
        Err(CaseError::Forbidden(_))
    ));
    assert!(matches!(
        w.cases.record_impact(&w.xx, &id, &public_confidence()),
        Err(CaseError::NotFound(_))
    ));
    assert!(matches!(
        w.cases.impacts(&w.xx, &id),
        Err(CaseError::NotFound(_))
    ));
    w.cases
        .change_status(&w.ca, &id, CaseAction::Close, None)
        .unwrap();
    assert!(matches!(
        w.cases.record_impact(&w.ca, &id, &public_confidence()),
        Err(CaseError::Transition { ref current, .. }) if current == "closed"
    ));
    assert_eq!(w.cases.impacts(&w.ca, &id).unwrap().len(), 1);

    let audit =
        w.t.hub
            .audit_log(hub::Actor::User(&w.ca2), 0, 1000)
            .unwrap();
    let added: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "case.impact.add")
        .collect();
    assert_eq!(added.len(), 1, "one audit record per impact recorded");
    assert_eq!(added[0].actor, "fr-ana");
    assert_eq!(added[0].target, format!("case/{id}"));
    assert_eq!(
        added[0].target_org.as_deref(),
        Some("gov-ca"),
        "filed under the owner"
    );
}

#[test]
fn published_impacts_are_listed_by_the_incident() {
    let w = world();
    let id = open_case(&w);
    let first = w
        .cases
        .record_impact(&w.ca, &id, &public_confidence())
        .unwrap();
    let second = w
        .cases
        .record_impact(
            &w.jp,
            &id,
            &NewImpact {
                category: "integrity".into(),
                integrity: Some(Integrity {
                    alteration: Some("partial-modification".into()),
                    information_type: Some("communication".into()),
                    ..Integrity::default()
                }),
                ..NewImpact::default()
            },
        )
        .unwrap();
    let out = w
        .cases
        .publish_case(&w.ca, &id, "g7", stix::Tlp::Amber)
        .unwrap();
    assert_eq!(out.impacts, [first.stix_id.clone(), second.stix_id.clone()]);
    let objs = read_all(&w.t.hub, &w.fr, &w.shared, &ObjectFilter::default());
    let incident = objs
        .iter()
        .find(|o| o["id"] == out.incident.as_str())
        .unwrap();
    assert_eq!(
        incident["extensions"][share::INCIDENT_CORE_EXTENSION_ID]["impact_refs"],
        serde_json::json!([first.stix_id, second.stix_id])
    );
    let impact = objs
        .iter()
        .find(|o| o["id"] == first.stix_id.as_str())
        .unwrap();
    assert!(stix::check_object(impact).is_ok(), "{impact}");
    assert_eq!(impact["impact_category"], "external");
    assert_eq!(impact["criticality"], 70);
    assert_eq!(impact["recoverability"], "extended");
    assert_eq!(impact["impacted_entity_counts"]["individual"], 120_000);
    let ext = &impact["extensions"];
    assert_eq!(ext[share::IMPACT_EXTENSION_ID]["extension_type"], "new-sdo");
    assert_eq!(
        ext[share::impact_category_key("external")]["impact_type"],
        "public-confidence"
    );
    assert_eq!(
        ext[stix::CASES_EXTENSION_ID]["case_ref"],
        share::incident_id(&id)
    );
    assert_eq!(
        impact["object_marking_refs"][0],
        stix::Tlp::Amber.marking_id()
    );
    let jp_impact = objs
        .iter()
        .find(|o| o["id"] == second.stix_id.as_str())
        .unwrap();
    assert_eq!(
        jp_impact["extensions"][share::impact_category_key("integrity")]["alteration"],
        "partial-modification"
    );
    // A second publication is a new version of each impact.
    w.advance(5);
    w.cases
        .publish_case(&w.ca, &id, "g7", stix::Tlp::Green)
        .unwrap();
    let objs = read_all(&w.t.hub, &w.fr, &w.shared, &ObjectFilter::default());
    let again = objs
        .iter()
        .find(|o| o["id"] == first.stix_id.as_str())
        .unwrap();
    assert_eq!(
        again["object_marking_refs"][0],
        stix::Tlp::Green.marking_id()
    );
}
