//! Property test: over random sequences of election writes and incident-destination choices
//! by three election authorities, an election changes only through its own authority, every
//! other authority's attempt is refused, and the destination of each election's incidents is
//! the last one its own authority chose (for the election, else for all its elections).

use crate::put_election;
use test_support as common;

use common::{new_hub, RW};
use hub::{Actor, Principal};
use proptest::prelude::*;
use serde_json::{json, Value};
use store::AdStore;
use store::{Role, Sector, Tlp};

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../adrules/samples");

/// Authorities, each registering the election and writing the collection of its index.
const AUTHORITIES: [&str; 3] = ["auth-a", "auth-b", "auth-c"];
const TLPS: [Tlp; 3] = [Tlp::Clear, Tlp::Green, Tlp::Amber];

/// One step: `actor` does `op` on the election (and collection) of `target`.
#[derive(Debug, Clone)]
struct Step {
    actor: usize,
    target: usize,
    op: Op,
}

#[derive(Debug, Clone)]
enum Op {
    /// Replaces the election with this polling-day variant (0 to 2), or an invalid district.
    PutElection { variant: usize, valid: bool },
    /// Chooses the election's own incident destination.
    ElectionDestination { tlp: usize },
    /// Chooses the destination of all the actor's elections.
    OrgDestination { tlp: usize },
}

fn step() -> impl Strategy<Value = Step> {
    let op = prop_oneof![
        (0..3usize, any::<bool>()).prop_map(|(variant, valid)| Op::PutElection { variant, valid }),
        (0..3usize).prop_map(|tlp| Op::ElectionDestination { tlp }),
        (0..3usize).prop_map(|tlp| Op::OrgDestination { tlp }),
    ];
    (0..3usize, 0..3usize, op).prop_map(|(actor, target, op)| Step { actor, target, op })
}

fn election(index: usize, variant: usize, valid: bool) -> Value {
    let text = std::fs::read_to_string(format!("{SAMPLES}/ca-compliant.json")).expect("sample");
    let sample: Value = serde_json::from_str(&text).expect("json");
    let mut e = sample["elections"][0].clone();
    e["id"] = json!(format!("e{index}"));
    e["name"] = json!(format!("variant {variant}"));
    if !valid {
        e["districts"][0]["poll_close"] = json!("2029-10-16T21:30:00-04:00");
    }
    e
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn only_an_election_authority_changes_its_election_and_incident_destination(
        steps in proptest::collection::vec(step(), 1..24)
    ) {
        let t = new_hub();
        let hub = t.hub.clone();
        let ads = ads::Ads::new(hub.clone(), t.store.clone());
        let mut users: Vec<Principal> = Vec::new();
        let mut collections = Vec::new();
        for (i, slug) in AUTHORITIES.iter().enumerate() {
            hub.add_org(Actor::Operator, slug, slug, Sector::ElectionAuthority, "ca").unwrap();
            let name = format!("user-{i}");
            hub.add_user(Actor::Operator, slug, &name, Role::Analyst, None).unwrap();
            let col = format!("col-{i}");
            let id = hub.add_collection(Actor::Operator, &col, &col, "", None).unwrap().id;
            hub.grant(Actor::Operator, slug, &col, RW).unwrap();
            collections.push(id);
            let p = hub.principal_for(&name).unwrap();
            put_election(&ads, &p, election(i, 0, true)).unwrap();
            users.push(p);
        }
        // The model: each election's name, its own destination and each authority's.
        let mut names = vec!["variant 0".to_string(); 3];
        let mut own: Vec<Option<(usize, Tlp)>> = vec![None; 3];
        let mut org: Vec<Option<(usize, Tlp)>> = vec![None; 3];
        for s in &steps {
            let p = &users[s.actor];
            let owner = s.actor == s.target;
            match s.op {
                Op::PutElection { variant, valid } => {
                    let r = put_election(&ads, p, election(s.target, variant, valid));
                    match (owner, valid) {
                        (true, true) => {
                            prop_assert!(r.is_ok(), "{r:?}");
                            names[s.target] = format!("variant {variant}");
                        }
                        (true, false) => prop_assert!(
                            matches!(&r, Err(ads::Error::Invalid { field, .. }) if field == "districts[0].poll_close"),
                            "{r:?}"
                        ),
                        (false, _) => prop_assert!(
                            matches!(r, Err(ads::Error::Forbidden(_) | ads::Error::Invalid { .. })),
                            "{r:?}"
                        ),
                    }
                }
                Op::ElectionDestination { tlp } => {
                    // The actor always names its own collection.
                    let r = ads.set_election_incident_collection(
                        p, &format!("e{}", s.target), &format!("col-{}", s.actor), Some(TLPS[tlp]));
                    if owner {
                        prop_assert!(r.is_ok(), "{r:?}");
                        own[s.target] = Some((s.actor, TLPS[tlp]));
                    } else {
                        prop_assert!(matches!(r, Err(ads::Error::Forbidden(_))), "{r:?}");
                    }
                }
                Op::OrgDestination { tlp } => {
                    ads.set_incident_collection(p, &format!("col-{}", s.actor), Some(TLPS[tlp]))
                        .unwrap();
                    org[s.actor] = Some((s.actor, TLPS[tlp]));
                }
            }
        }
        for i in 0..3 {
            let rec = t.store.election_by_id(&format!("e{i}")).unwrap().unwrap();
            prop_assert_eq!(rec.org_id, users[i].org.id);
            let stored: Value = serde_json::from_str(&rec.json).unwrap();
            prop_assert_eq!(stored["name"].as_str(), Some(names[i].as_str()));
            let want = own[i].or(org[i]).map(|(a, tlp)| (collections[a].clone(), users[a].user.username.clone(), tlp));
            let got = ads
                .incident_destination(&format!("e{i}"))
                .unwrap()
                .map(|d| (d.collection, d.user, d.tlp));
            prop_assert_eq!(got, want);
        }
    }
}
