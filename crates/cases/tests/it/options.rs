//! Response options from the techniques the case's campaigns use, as each reader sees them.

use cases::{NewCase, ObjectRef};
use hub::Actor;
use response::counters::Basis;
use serde_json::{json, Value};
use test_support::{new_id, ts};

use crate::common::world;

fn attack_pattern(id: &str, technique: &str, name: &str) -> Value {
    json!({
        "type": "attack-pattern", "spec_version": "2.1", "id": id,
        "created": ts(0), "modified": ts(0), "name": name,
        "external_references": [{"source_name": "mitre-attack", "external_id": technique}],
    })
}

fn uses(source: &str, target: &str) -> Value {
    json!({
        "type": "relationship", "spec_version": "2.1", "id": new_id("relationship"),
        "created": ts(0), "modified": ts(0), "relationship_type": "uses",
        "source_ref": source, "target_ref": target,
    })
}

#[test]
fn a_campaigns_techniques_bring_their_countermeasures() {
    let w = world();
    let campaign = new_id("campaign");
    let chat = new_id("attack-pattern");
    let old_chat = new_id("attack-pattern");
    let hidden = new_id("attack-pattern");
    let objects = vec![
        json!({"type": "campaign", "spec_version": "2.1", "id": campaign, "created": ts(0),
               "modified": ts(0), "name": "Operation Example"}),
        attack_pattern(&chat, "T0151.004", "Chat Platform"),
        attack_pattern(&old_chat, "T0043", "Chat Apps"),
        uses(&campaign, &chat),
        uses(&campaign, &old_chat),
    ];
    let status = w.t.hub.add_objects(&w.ca, &w.shared, objects).unwrap();
    assert_eq!(status.failure_count, 0, "{status:?}");
    // A technique only gov-ca can see: a relationship in a collection gov-fr does not read.
    let private =
        w.t.hub
            .add_collection(Actor::Operator, "ca-only", "CA", "", None)
            .unwrap()
            .id;
    w.t.hub
        .grant(Actor::Operator, "gov-ca", "ca-only", test_support::RW)
        .unwrap();
    let private_objects = vec![
        json!({"type": "campaign", "spec_version": "2.1", "id": campaign, "created": ts(0),
               "modified": ts(0), "name": "Operation Example"}),
        attack_pattern(&hidden, "T0129.006", "Deny Involvement"),
        uses(&campaign, &hidden),
    ];
    let status =
        w.t.hub
            .add_objects(&w.ca, &private, private_objects)
            .unwrap();
    assert_eq!(status.failure_count, 0, "{status:?}");

    let c = w
        .cases
        .create_case(
            &w.ca,
            &NewCase {
                title: "Operation Example".into(),
                participants: vec!["gov-fr".into()],
                objects: vec![
                    ObjectRef {
                        collection: w.shared.clone(),
                        id: campaign.clone(),
                    },
                    ObjectRef {
                        collection: private.clone(),
                        id: campaign.clone(),
                    },
                ],
                ..NewCase::default()
            },
        )
        .unwrap();
    let for_ca = w.cases.options(&w.ca, &c.id).unwrap();
    let for_fr = w.cases.options(&w.fr, &c.id).unwrap();
    assert!(!for_fr.is_empty());
    let techniques = |opts: &[cases::OptionView]| -> std::collections::BTreeSet<String> {
        opts.iter().flat_map(|o| o.techniques.clone()).collect()
    };
    assert_eq!(
        techniques(&for_fr).into_iter().collect::<Vec<_>>(),
        ["T0043", "T0151.004"],
        "gov-fr sees only the shared collection's techniques"
    );
    assert!(techniques(&for_ca).contains("T0129.006"));
    // T0043 (Chat Apps, dropped by DISARM v1.6) keeps its published link to C00121, remapped
    // to T0151.004 (Chat Platform): both techniques bring it, as a renamed link.
    let galaxy = crate::common::galaxy();
    let c121 = for_fr
        .iter()
        .find(|o| o.counter_id == "C00121")
        .expect("C00121 offered");
    assert_eq!(c121.basis, Basis::Renamed);
    assert_eq!(c121.techniques, ["T0043", "T0151.004"]);
    assert_eq!(
        for_fr[0].counter_id, "C00121",
        "linked options come first: {for_fr:?}"
    );
    for o in &for_fr {
        let c = galaxy.get(&o.counter_id).expect("a galaxy countermeasure");
        assert_eq!(
            (o.name.as_str(), o.response_type),
            (c.name.as_str(), c.response_type)
        );
    }
    // The outside organisation sees no case and so no options.
    assert!(w.cases.options(&w.xx, &c.id).is_err());
}
