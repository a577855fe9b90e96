//! Property test of the object check: over random markings, recipients of TLP:RED objects,
//! granular markings and recipient sets, an alert is raised exactly when a fresh reader of
//! every recipient organisation (a user nobody named) reads every referenced object through
//! the hub's own read path, and a refusal names exactly the pairs that fail; a refused alert
//! stores nothing.

use alerts::{AlertError, Alerts, ObjectRef, RaiseAlert};
use hub::{Access, Actor, ObjectFilter};
use proptest::prelude::*;
use store::{Role, Tlp};
use test_support::{granular, indicator, marked, new_hub, new_id, org_with_user, with_recipients};

fn tlp() -> impl Strategy<Value = Tlp> {
    prop_oneof![
        Just(Tlp::Clear),
        Just(Tlp::Green),
        Just(Tlp::Amber),
        Just(Tlp::AmberStrict),
        Just(Tlp::Red)
    ]
}

/// One object: its level, which of the three organisations it names as recipients (by
/// organisation identity, or gov-b by a user's identity), and a granular marking on an
/// optional (`description`) or a required (`pattern`) property.
#[derive(Debug, Clone)]
struct Obj {
    level: Tlp,
    names: Vec<usize>,
    name_b_user: bool,
    granular: Option<(Tlp, bool)>,
}

fn obj() -> impl Strategy<Value = Obj> {
    (
        tlp(),
        prop::collection::vec(0usize..3, 0..3),
        any::<bool>(),
        prop::option::of((tlp(), any::<bool>())),
    )
        .prop_map(|(level, names, name_b_user, granular)| Obj {
            level,
            names,
            name_b_user,
            granular,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn raising_matches_what_each_recipient_reads(
        objs in prop::collection::vec(obj(), 1..4),
        to in prop::collection::btree_set(0usize..3, 1..4),
    ) {
        let t = new_hub();
        let a = org_with_user(&t.hub, "gov-a", "ana", Role::Analyst);
        let orgs = ["gov-b", "gov-c", "plat"];
        let readers: Vec<_> = orgs
            .iter()
            .map(|o| org_with_user(&t.hub, o, &format!("{o}-reader"), Role::Reader))
            .collect();
        let named_b_user = org_with_user(&t.hub, "gov-b", "bob", Role::Analyst);
        let col = t.hub.add_collection(Actor::Operator, "col", "C", "", None).unwrap();
        t.hub.grant(Actor::Operator, "gov-a", "col", Access { read: true, write: true }).unwrap();
        for o in ["gov-b", "gov-c"] {
            t.hub.grant(Actor::Operator, o, "col", Access { read: true, write: false }).unwrap();
        }
        let identity = |slug: &str| t.hub.org_by_slug(slug).unwrap().unwrap().identity_id;
        let mut ids = Vec::new();
        for o in &objs {
            let mut v = marked(indicator(&new_id("indicator"), 1), o.level);
            let mut recipients: Vec<String> = o.names.iter().map(|i| identity(orgs[*i])).collect();
            if o.name_b_user {
                recipients.push(named_b_user.identities[0].clone());
            }
            recipients.sort();
            recipients.dedup();
            if !recipients.is_empty() {
                v = with_recipients(v, &recipients);
            }
            if let Some((level, required)) = o.granular {
                v = granular(v, level, &[if required { "pattern" } else { "description" }]);
            }
            ids.push(v["id"].as_str().unwrap().to_string());
            let s = t.hub.add_objects(&a, &col.id, vec![v]).unwrap();
            prop_assert_eq!(s.success_count, 1);
        }
        // The oracle: what a fresh reader of each recipient organisation reads.
        let mut expected = Vec::new();
        for id in &ids {
            for i in &to {
                let f = ObjectFilter { ids: vec![id.clone()], ..ObjectFilter::default() };
                let seen = t
                    .hub
                    .get_objects(&readers[*i], &col.id, &f, None, None)
                    .map(|p| !p.objects.is_empty())
                    .unwrap_or(false);
                if !seen {
                    expected.push((id.clone(), orgs[*i].to_string()));
                }
            }
        }
        let svc = Alerts::new(t.hub.clone(), t.store.clone());
        let out = svc.raise(&a, &RaiseAlert {
            title: "t".into(),
            objects: ids.iter().map(|id| ObjectRef { collection: "col".into(), id: id.clone() }).collect(),
            recipients: to.iter().map(|i| orgs[*i].to_string()).collect(),
            ..RaiseAlert::default()
        });
        match out {
            Ok(_) => prop_assert!(expected.is_empty(), "raised, but {:?} may not see", expected),
            Err(AlertError::NotVisible(blocked)) => {
                let got: Vec<(String, String)> =
                    blocked.into_iter().map(|b| (b.object, b.org)).collect();
                prop_assert_eq!(got, expected);
                prop_assert!(svc.sent(&a, None, None).unwrap().alerts.is_empty());
            }
            Err(e) => prop_assert!(false, "unexpected {e}"),
        }
    }
}
