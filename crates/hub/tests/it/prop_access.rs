//! Property test: over random organisations, users, grants and objects with random markings,
//! recipients and granular markings, no page, manifest or export ever holds an object or a
//! granular-marked property that an independent model says the caller may not see, and every
//! object the model allows is served.

use test_support as common;

use hub::Actor;
use std::collections::BTreeSet;

use common::*;
use hub::{ObjectFilter, Principal};
use proptest::prelude::*;
use serde_json::{json, Value};
use store::{Access, Role, Tlp};

/// Marking ids and the level the model gives them (TLP 2.0 and TLP 1.0), least restrictive
/// rank first; written out here rather than taken from the stix crate.
const MARKINGS: [(&str, u8); 9] = [
    (
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        0,
    ),
    (
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        0,
    ),
    (
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        1,
    ),
    (
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        1,
    ),
    (
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        2,
    ),
    (
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        2,
    ),
    (
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        3,
    ),
    (
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        4,
    ),
    (
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        4,
    ),
];
const RED: u8 = 4;
/// Granular selectors used; none selects a required property or empties a list.
const SELECTORS: [&str; 3] = ["description", "name", "labels.[0]"];

/// How a reader relates to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rel {
    Submitter,
    Recipient,
    Other,
}

/// The model's table of (level, relation) pairs that may be seen (collection readable).
const ALLOWED: [(u8, Rel); 14] = [
    (0, Rel::Submitter),
    (0, Rel::Recipient),
    (0, Rel::Other),
    (1, Rel::Submitter),
    (1, Rel::Recipient),
    (1, Rel::Other),
    (2, Rel::Submitter),
    (2, Rel::Recipient),
    (2, Rel::Other),
    (3, Rel::Submitter),
    (3, Rel::Recipient),
    (3, Rel::Other),
    (4, Rel::Submitter),
    (4, Rel::Recipient),
];

fn allowed(level: u8, rel: Rel) -> bool {
    ALLOWED.contains(&(level, rel))
}

#[derive(Debug, Clone)]
struct ObjSpec {
    submitter_org: usize,
    markings: Vec<usize>,
    recipients: Vec<usize>,
    granular: Vec<(usize, usize)>,
    /// How the markings are spelled when twisted (see `twist`); ignored otherwise.
    twist: u8,
    case_mask: Vec<bool>,
}

/// The ways a partner can mark an object outside the canonical TLP ids.
const TWISTS: u8 = 5;

/// Applies twist `k` to a marked object: 0 upper-cases hex digits of an object marking, 1
/// references an unknown marking definition, 2 sends its own `definition_type: tlp` marking
/// definition with the object and references it, 3 upper-cases a granular marking, 4 gives a
/// granular marking an unknown marking definition. Returns the objects to post and whether
/// the twist changed anything (upper-casing an id without hex letters changes nothing).
fn twisted(mut obj: Value, k: u8, mask: &[bool]) -> (Vec<Value>, bool) {
    let upper = |id: &str| -> String {
        let cut = "marking-definition--".len();
        id.char_indices()
            .map(|(i, c)| {
                if i >= cut && mask[i % mask.len()] {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect()
    };
    let fake = new_id("marking-definition");
    match k {
        0 => {
            let first = MARKINGS[(mask.len() * 3) % MARKINGS.len()].0;
            let written = upper(first);
            let changed = written != first;
            obj["object_marking_refs"] = json!([written]);
            (vec![obj], changed)
        }
        1 => {
            obj["object_marking_refs"] = json!([fake]);
            (vec![obj], true)
        }
        2 => {
            let def = json!({"type": "marking-definition", "spec_version": "2.1", "id": fake,
                "created": ts(0), "definition_type": "tlp", "name": "TLP:RED",
                "definition": {"tlp": "red"}});
            obj["object_marking_refs"] = json!([fake]);
            (vec![def, obj], true)
        }
        3 => {
            let red = MARKINGS[7].0;
            let written = upper(red);
            let changed = written != red;
            obj["granular_markings"] =
                json!([{"marking_ref": written, "selectors": ["description"]}]);
            (vec![obj], changed)
        }
        _ => {
            obj["granular_markings"] = json!([{"marking_ref": fake, "selectors": ["description"]}]);
            (vec![obj], true)
        }
    }
}

#[derive(Debug, Clone)]
struct Spec {
    default_tlp: u8,
    org_read: Vec<bool>,
    extra_users: Vec<(usize, u8)>,
    objects: Vec<ObjSpec>,
    limit: usize,
}

fn spec() -> impl Strategy<Value = Spec> {
    (2usize..=3).prop_flat_map(|n_orgs| {
        let obj = (
            0..n_orgs,
            proptest::collection::vec(0..MARKINGS.len(), 0..=2),
            proptest::collection::vec(0usize..16, 0..=3),
            proptest::collection::vec((0..SELECTORS.len(), 0..MARKINGS.len()), 0..=2),
            0..TWISTS * 2,
            proptest::collection::vec(any::<bool>(), 1..8),
        )
            .prop_map(
                |(submitter_org, markings, recipients, granular, twist, case_mask)| ObjSpec {
                    submitter_org,
                    markings,
                    recipients,
                    granular,
                    twist,
                    case_mask,
                },
            );
        (
            0u8..5,
            proptest::collection::vec(any::<bool>(), n_orgs),
            proptest::collection::vec((0..n_orgs, 0u8..3), 0..=3),
            proptest::collection::vec(obj, 1..=10),
            1usize..=4,
        )
            .prop_map(
                |(default_tlp, org_read, extra_users, objects, limit)| Spec {
                    default_tlp,
                    org_read,
                    extra_users,
                    objects,
                    limit,
                },
            )
    })
}

/// One object as the model knows it.
struct ModelObj {
    id: String,
    level: u8,
    submitter_user: i64,
    recipients: Vec<String>,
    granular: Vec<(&'static str, u8)>,
}

fn relation(p: &Principal, o: &ModelObj) -> Rel {
    if p.user.id == o.submitter_user {
        Rel::Submitter
    } else if o
        .recipients
        .iter()
        .any(|r| *r == stix::user_identity_id(&p.user.username) || *r == p.org.identity_id)
    {
        Rel::Recipient
    } else {
        Rel::Other
    }
}

/// Whether the served copy still holds what a granular selector selected.
fn holds(served: &Value, selector: &str) -> bool {
    match selector {
        "labels.[0]" => served["labels"]
            .as_array()
            .is_some_and(|l| l.iter().any(|v| v == "label-zero")),
        prop => served.get(prop).is_some(),
    }
}

fn tlp_of(level: u8) -> Tlp {
    Tlp::ALL[level as usize]
}

/// Runs one world; with `twists`, about half the objects are marked in a way the hub must
/// refuse (the model then expects them nowhere).
fn run(spec: Spec, twists: bool) -> Result<(), TestCaseError> {
    let t = new_hub();
    let hub = &t.hub;
    let col = hub
        .add_collection(
            Actor::Operator,
            "feed",
            "Feed",
            "",
            Some(tlp_of(spec.default_tlp)),
        )
        .unwrap()
        .id;
    // Each org has a writer; extra users have random roles.
    let mut people: Vec<Principal> = Vec::new();
    for (i, read) in spec.org_read.iter().enumerate() {
        let slug = format!("org-{i}");
        people.push(org_with_user(hub, &slug, &format!("w{i}"), Role::Analyst));
        hub.grant(
            Actor::Operator,
            &slug,
            &col,
            Access {
                read: *read,
                write: true,
            },
        )
        .unwrap();
    }
    for (k, (org, role)) in spec.extra_users.iter().enumerate() {
        let role = [Role::Reader, Role::Analyst, Role::Admin][*role as usize];
        people.push(org_with_user(
            hub,
            &format!("org-{org}"),
            &format!("u{k}"),
            role,
        ));
    }
    // The identity pool recipients are drawn from: every user and org identity and outsiders.
    let mut pool: Vec<String> = Vec::new();
    for p in &people {
        pool.push(stix::user_identity_id(&p.user.username));
        pool.push(p.org.identity_id.clone());
    }
    pool.push(new_id("identity"));

    let mut model: Vec<ModelObj> = Vec::new();
    for o in &spec.objects {
        let submitter = &people[o.submitter_org];
        let id = new_id("indicator");
        let mut obj = indicator(&id, 1);
        obj["labels"] = json!(["label-zero", "label-one"]);
        let mut level = None::<u8>;
        if !o.markings.is_empty() {
            let refs: Vec<&str> = o.markings.iter().map(|m| MARKINGS[*m].0).collect();
            obj["object_marking_refs"] = json!(refs);
            level = o.markings.iter().map(|m| MARKINGS[*m].1).max();
        }
        let recipients: Vec<String> = o
            .recipients
            .iter()
            .map(|r| pool[r % pool.len()].clone())
            .collect();
        if !recipients.is_empty() {
            obj = with_recipients(obj, &recipients);
        }
        let mut granular = Vec::new();
        if !o.granular.is_empty() {
            let entries: Vec<Value> = o
                .granular
                .iter()
                .map(|(s, m)| json!({"marking_ref": MARKINGS[*m].0, "selectors": [SELECTORS[*s]]}))
                .collect();
            obj["granular_markings"] = json!(entries);
            granular = o
                .granular
                .iter()
                .map(|(s, m)| (SELECTORS[*s], MARKINGS[*m].1))
                .collect();
        }
        if twists && o.twist < TWISTS {
            let (posted, changed) = twisted(obj, o.twist, &o.case_mask);
            let n = posted.len();
            let status = hub.add_objects(submitter, &col, posted).unwrap();
            if changed {
                // Every posted object is refused, with a message naming the object.
                prop_assert_eq!(status.success_count, 0, "{}", status);
                prop_assert_eq!(status.failure_count, n, "{}", status);
                let msg = status.failures[n - 1].message.as_deref().unwrap_or("");
                prop_assert!(msg.contains(&id), "{}", msg);
                continue;
            }
            // Nothing was twisted after all: an ordinary object, re-marked canonically.
            prop_assert_eq!(status.success_count, 1, "{}", status);
            if o.twist == 0 {
                level = Some(MARKINGS[(o.case_mask.len() * 3) % MARKINGS.len()].1);
            } else {
                granular = vec![("description", RED)];
            }
            model.push(ModelObj {
                id,
                level: level.unwrap_or(spec.default_tlp),
                submitter_user: submitter.user.id,
                recipients,
                granular,
            });
            continue;
        }
        let status = hub.add_objects(submitter, &col, vec![obj]).unwrap();
        prop_assert_eq!(status.success_count, 1, "{}", status);
        model.push(ModelObj {
            id,
            level: level.unwrap_or(spec.default_tlp),
            submitter_user: submitter.user.id,
            recipients,
            granular,
        });
    }

    for p in &people {
        let org_index: usize = p.org.slug.trim_start_matches("org-").parse().unwrap();
        let readable = spec.org_read[org_index];
        let f = ObjectFilter::default();
        if !readable {
            prop_assert!(hub.get_objects(p, &col, &f, None, None).is_err());
            prop_assert!(hub.get_manifest(p, &col, &f, None, None).is_err());
            let refused = hub.export(p, &col, Tlp::Clear, &mut |_| {}).is_err();
            prop_assert!(refused);
            continue;
        }
        // Objects, through pages of a random size.
        let mut served = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let page = hub
                .get_objects(p, &col, &f, Some(spec.limit), next.as_deref())
                .unwrap();
            served.extend(page.objects);
            if !page.more {
                break;
            }
            next = page.next;
            prop_assert!(next.is_some());
        }
        let expect: BTreeSet<&str> = model
            .iter()
            .filter(|o| allowed(o.level, relation(p, o)))
            .map(|o| o.id.as_str())
            .collect();
        let got: BTreeSet<&str> = served.iter().filter_map(|o| o["id"].as_str()).collect();
        prop_assert_eq!(&got, &expect, "reader {}", p.user.username);
        for s in &served {
            let o = model.iter().find(|o| s["id"] == o.id.as_str()).unwrap();
            for (sel, lvl) in &o.granular {
                if !allowed(*lvl, relation(p, o)) {
                    prop_assert!(!holds(s, sel), "{} got {} of {}", p.user.username, sel, s);
                }
            }
        }
        // Manifest.
        let m = hub.get_manifest(p, &col, &f, None, None).unwrap();
        let mids: BTreeSet<&str> = m.objects.iter().map(|e| e.id.as_str()).collect();
        prop_assert_eq!(&mids, &expect);
        // Export at every exportable level; refused above.
        for max in 0u8..=2 {
            let mut out = Vec::new();
            hub.export(p, &col, tlp_of(max), &mut |o| out.push(o))
                .unwrap();
            let expect: BTreeSet<&str> = model
                .iter()
                .filter(|o| allowed(o.level, relation(p, o)) && o.level <= max)
                .map(|o| o.id.as_str())
                .collect();
            let got: BTreeSet<&str> = out.iter().filter_map(|o| o["id"].as_str()).collect();
            prop_assert_eq!(&got, &expect, "export {} at {}", p.user.username, max);
            for s in &out {
                let o = model.iter().find(|o| s["id"] == o.id.as_str()).unwrap();
                for (sel, lvl) in &o.granular {
                    if *lvl > max || (*lvl == RED && !allowed(RED, relation(p, o))) {
                        prop_assert!(!holds(s, sel), "export leaked {} of {}", sel, s);
                    }
                }
            }
        }
        for max in [Tlp::AmberStrict, Tlp::Red] {
            let refused = hub.export(p, &col, max, &mut |_| {}).is_err();
            prop_assert!(refused);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn nobody_is_served_what_the_model_forbids(s in spec()) {
        run(s, false)?;
    }

    /// Markings in upper case, unknown markings and a partner's own TLP marking definitions
    /// are refused at ingest, so such objects are never served, listed or exported.
    #[test]
    fn twisted_markings_are_refused_and_never_served(s in spec()) {
        run(s, true)?;
    }
}
