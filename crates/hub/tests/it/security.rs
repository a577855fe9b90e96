//! Ingest rules that keep the hub's reserved ids, TLP markings and ownership sound: reserved
//! ids cannot be squatted, a hub with a half-made organisation still starts, markings the hub
//! cannot read are refused, observables are shared by id, and revocation is final.

use test_support as common;

use std::sync::Arc;

use common::*;
use hub::{Actor, Hub, HubConfig, ObjectFilter, Principal, VersionFilter};
use serde_json::{json, Value};
use store::{AccountStore, ObjectStore};
use store::{NewOrg, Role, Sector, Tlp};

fn setup() -> (TestHub, Principal, Principal, String) {
    let t = new_hub();
    let a = org_with_user(&t.hub, "org-a", "ana", Role::Analyst);
    let b = org_with_user(&t.hub, "org-b", "bob", Role::Analyst);
    let col = t
        .hub
        .add_collection(Actor::Operator, "feed", "Feed", "", None)
        .unwrap();
    t.hub.grant(Actor::Operator, "org-a", &col.id, RW).unwrap();
    t.hub.grant(Actor::Operator, "org-b", &col.id, RW).unwrap();
    (t, a, b, col.id)
}

fn identity(id: &str, name: &str) -> Value {
    json!({"type": "identity", "spec_version": "2.1", "id": id, "created": ts(0),
        "modified": ts(0), "name": name, "identity_class": "organization"})
}

fn message(status: &hub::Status, n: usize) -> String {
    status.failures[n].message.clone().unwrap_or_default()
}

fn upper_uuid(id: &str) -> String {
    let (t, u) = id.split_once("--").unwrap();
    format!("{t}--{}", u.to_ascii_uppercase())
}

/// Reopens a hub on the same database file, as `rrm serve` does at start-up.
fn reopen(t: &TestHub) -> Result<Hub, hub::HubError> {
    let store = store_sqlite::SqliteStore::open(&t.dir.path().join("hub.db")).unwrap();
    Hub::new(Arc::new(store), HubConfig::new([42u8; 32]))
}

#[test]
fn reserved_ids_are_refused_with_the_reason() {
    let (t, a, _b, col) = setup();
    let hub = &t.hub;
    let ext = json!({"type": "extension-definition", "spec_version": "2.1",
        "id": stix::RECIPIENTS_EXTENSION_ID, "created_by_ref": a.org.identity_id,
        "created": ts(0), "modified": ts(0), "name": "fake", "schema": "s", "version": "1",
        "extension_types": ["property-extension"]});
    let tlp = json!({"type": "marking-definition", "spec_version": "2.1",
        "id": Tlp::Red.marking_id(), "created": ts(0), "definition_type": "statement",
        "definition": {"statement": "anyone may read this"}});
    let objs = vec![
        identity(&stix::org_identity_id("org-b"), "Not org b"),
        identity(&stix::user_identity_id("bob"), "Not bob"),
        identity(hub.hub_identity_id(), "Not the hub"),
        ext,
        tlp,
        identity(&new_id("identity"), "An ordinary identity"),
    ];
    let s = hub.add_objects(&a, &col, objs.clone()).unwrap();
    assert_eq!(s.success_count, 1, "{s}");
    assert_eq!(s.failure_count, 5, "{s}");
    for (n, obj) in objs.iter().take(5).enumerate() {
        let m = message(&s, n);
        let id = obj["id"].as_str().unwrap();
        assert!(m.starts_with(id), "{m}");
        assert!(m.contains("property 'id'") && m.contains("reserved"), "{m}");
    }
    assert!(message(&s, 0).contains("organisation"));
    assert!(message(&s, 1).contains("user"));
    assert!(message(&s, 4).contains("TLP"));
}

#[test]
fn a_squatted_organisation_identity_does_not_stop_add_org_or_start_up() {
    let (t, a, _b, col) = setup();
    let hub = &t.hub;
    // The analyst posts the identity the organisation gov-fr will get, before it exists.
    let future = stix::org_identity_id("gov-fr");
    let s = hub
        .add_objects(&a, &col, vec![identity(&future, "Government of France")])
        .unwrap();
    assert_eq!(s.success_count, 1, "{s}");
    // The organisation is still made, with its identity in the directory and a grant.
    let org = hub
        .add_org(
            Actor::Operator,
            "gov-fr",
            "République française",
            Sector::Government,
            "fr",
        )
        .unwrap();
    assert_eq!(org.identity_id, future);
    let fr = org_with_user(hub, "gov-fr", "marie", Role::Reader);
    let dir = read_all(hub, &fr, hub.directory_id(), &ObjectFilter::default());
    let own: Vec<&Value> = dir.iter().filter(|o| o["id"] == future.as_str()).collect();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["name"], "République française");
    // The squatter can add no further version: the id is now reserved.
    let mut v2 = identity(&future, "Government of France");
    v2["modified"] = json!(ts(5));
    let s = hub.add_objects(&a, &col, vec![v2]).unwrap();
    assert_eq!(s.failure_count, 1, "{s}");
    assert!(message(&s, 0).contains("reserved"), "{s}");
    // The squatted copy is no longer served anywhere but the directory.
    let copies: Vec<Value> = read_all(hub, &a, &col, &ObjectFilter::default())
        .into_iter()
        .filter(|o| o["id"] == future.as_str())
        .collect();
    assert!(copies.is_empty(), "{copies:?}");
    let mut out = Vec::new();
    hub.export(&a, &col, Tlp::Amber, &mut |o| out.push(o))
        .unwrap();
    assert!(out.iter().all(|o| o["id"] != future.as_str()));
    // The hub starts again on the same data.
    let again = reopen(&t).unwrap();
    assert!(again.org_by_slug("gov-fr").unwrap().is_some());
}

#[test]
fn a_hub_with_a_half_made_organisation_still_starts() {
    let t = new_hub();
    // Organisations made by an older rrm whose identity never reached the directory: one with
    // a valid identity (repaired) and one whose identity cannot be stored (skipped).
    let whole = stix::org_identity_id("gov-it");
    let valid = stix::identity_object(&whole, "Italia", "organization", &[], 1_700_000_000_000_000);
    let it = t
        .store
        .create_org(&NewOrg {
            slug: "gov-it".into(),
            name: "Italia".into(),
            sector: Sector::Government,
            country: "IT".into(),
            identity_id: whole.clone(),
            identity_json: valid.to_string(),
        })
        .unwrap();
    t.store
        .create_org(&NewOrg {
            slug: "gov-xx".into(),
            name: "Broken".into(),
            sector: Sector::Government,
            country: "XX".into(),
            identity_id: stix::org_identity_id("gov-xx"),
            identity_json: "{not json".into(),
        })
        .unwrap();
    let hub = reopen(&t).expect("the hub starts despite an organisation it cannot repair");
    // The repairable one got its identity and its directory grant.
    assert!(t.store.grant(it.id, hub.directory_id()).unwrap().read);
    let it_user = org_with_user(&hub, "gov-it", "gianni", Role::Reader);
    let dir = read_all(&hub, &it_user, hub.directory_id(), &ObjectFilter::default());
    assert!(dir.iter().any(|o| o["id"] == whole.as_str()));
    // And it keeps starting.
    reopen(&t).expect("second start");
}

#[test]
fn add_org_is_all_or_nothing() {
    let t = new_hub();
    t.hub
        .add_org(
            Actor::Operator,
            "gov-de",
            "Deutschland",
            Sector::Government,
            "de",
        )
        .unwrap();
    let before = t.store.count_objects(t.hub.directory_id()).unwrap();
    let e = t
        .hub
        .add_org(Actor::Operator, "gov-de", "Again", Sector::Government, "de")
        .unwrap_err();
    assert_eq!(e.code(), "conflict");
    assert_eq!(t.store.count_objects(t.hub.directory_id()).unwrap(), before);
}

#[test]
fn upper_case_twins_and_attributions_are_refused() {
    let (t, a, b, col) = setup();
    let hub = &t.hub;
    let id = new_id("indicator");
    assert_eq!(
        hub.add_objects(&a, &col, vec![indicator(&id, 1)])
            .unwrap()
            .success_count,
        1
    );
    // Org b's upper-case twin of a's object.
    let s = hub
        .add_objects(&b, &col, vec![indicator(&upper_uuid(&id), 2)])
        .unwrap();
    assert_eq!(s.failure_count, 1, "{s}");
    assert!(message(&s, 0).contains("property 'id'") && message(&s, 0).contains("upper-case"));
    // Attribution to org a's identity, upper-cased.
    let mut claimed = indicator(&new_id("indicator"), 1);
    claimed["created_by_ref"] = json!(upper_uuid(&a.org.identity_id));
    let s = hub.add_objects(&b, &col, vec![claimed]).unwrap();
    assert_eq!(s.failure_count, 1, "{s}");
    assert!(message(&s, 0).contains("property 'created_by_ref'"), "{s}");
}

#[test]
fn markings_the_hub_cannot_read_are_refused_never_unmarked() {
    let (t, a, b, col) = setup();
    let hub = &t.hub;
    let upper_red = marked(indicator(&new_id("indicator"), 1), Tlp::Red);
    let mut upper_red = upper_red;
    upper_red["object_marking_refs"] = json!([upper_uuid(Tlp::Red.marking_id())]);
    let own_tlp = new_id("marking-definition");
    let own_def = json!({"type": "marking-definition", "spec_version": "2.1", "id": own_tlp,
        "created": ts(0), "definition_type": "tlp", "definition": {"tlp": "red"}});
    let mut by_own = indicator(&new_id("indicator"), 1);
    by_own["object_marking_refs"] = json!([own_tlp]);
    let mut unknown = indicator(&new_id("indicator"), 1);
    unknown["object_marking_refs"] = json!([new_id("marking-definition")]);
    let granular_unknown = json!({"marking_ref": new_id("marking-definition"),
        "selectors": ["description"]});
    let mut gran = indicator(&new_id("indicator"), 1);
    gran["granular_markings"] = json!([granular_unknown]);
    let objs = vec![upper_red, own_def, by_own, unknown, gran];
    let s = hub.add_objects(&a, &col, objs.clone()).unwrap();
    assert_eq!(s.success_count, 0, "{s}");
    assert!(message(&s, 0).contains("object_marking_refs.[0]"));
    assert!(message(&s, 1).contains("TLP"));
    assert!(message(&s, 2).contains("object_marking_refs.[0]"), "{s}");
    assert!(
        message(&s, 4).contains("granular_markings.[0].marking_ref"),
        "{s}"
    );
    // Nothing reached the other organisation, nor the export.
    assert!(read_all(hub, &b, &col, &ObjectFilter::default()).is_empty());
    let mut out = Vec::new();
    hub.export(&b, &col, Tlp::Amber, &mut |o| out.push(o))
        .unwrap();
    assert!(out.is_empty());

    // A statement marking, sent with the objects or stored first, is accepted.
    let statement = new_id("marking-definition");
    let def = json!({"type": "marking-definition", "spec_version": "2.1", "id": statement,
        "created": ts(0), "definition_type": "statement",
        "definition": {"statement": "Copyright partners"}});
    let mut x = indicator(&new_id("indicator"), 1);
    x["object_marking_refs"] = json!([statement, Tlp::Green.marking_id()]);
    let s = hub.add_objects(&a, &col, vec![x.clone(), def]).unwrap();
    assert_eq!(s.success_count, 2, "{s}");
    let mut y = indicator(&new_id("indicator"), 1);
    y["object_marking_refs"] = json!([statement]);
    let s = hub.add_objects(&a, &col, vec![y]).unwrap();
    assert_eq!(s.success_count, 1, "{s}");
}

#[test]
fn observables_are_shared_and_foreign_ids_answer_alike() {
    let (t, a, b, col) = setup();
    let hub = &t.hub;
    let secret = hub
        .add_collection(Actor::Operator, "secret", "Secret", "", None)
        .unwrap()
        .id;
    hub.grant(Actor::Operator, "org-a", &secret, RW).unwrap();
    // Org a records a domain at TLP:RED, in the shared collection and in one b cannot read.
    let domain = json!({"type": "domain-name", "spec_version": "2.1",
        "id": "domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5", "value": "example.com"});
    let red = marked(domain.clone(), Tlp::Red);
    for c in [&col, &secret] {
        assert_eq!(
            hub.add_objects(&a, c, vec![red.clone()])
                .unwrap()
                .success_count,
            1
        );
    }
    // An SDO of a's in the secret collection.
    let sdo = marked(indicator(&new_id("indicator"), 1), Tlp::Red);
    assert_eq!(
        hub.add_objects(&a, &secret, vec![sdo.clone()])
            .unwrap()
            .success_count,
        1
    );
    // Org b posts the same ids, and ids nobody stored: the answers have the same shape.
    let never = json!({"type": "domain-name", "spec_version": "2.1",
        "id": "domain-name--bedb4eb9-6f2c-5b3b-9d2a-7d6f3c1e0a11", "value": "never.example"});
    let shape = |s: &hub::Status| {
        (
            s.success_count,
            s.failure_count,
            s.successes[0].message.clone(),
        )
    };
    let known = hub
        .add_objects(
            &b,
            &col,
            vec![marked(domain.clone(), Tlp::Green), sdo.clone()],
        )
        .unwrap();
    let fresh = hub
        .add_objects(
            &b,
            &col,
            vec![
                marked(never, Tlp::Green),
                marked(indicator(&new_id("indicator"), 1), Tlp::Red),
            ],
        )
        .unwrap();
    assert_eq!(known.success_count, 2, "{known}");
    assert_eq!(shape(&known), shape(&fresh));
    // Each organisation sees its own copy; a's RED copy stays hidden from b.
    let seen = read_all(hub, &b, &col, &ObjectFilter::default());
    let copies: Vec<&Value> = seen.iter().filter(|o| o["id"] == domain["id"]).collect();
    assert_eq!(copies.len(), 1);
    assert_eq!(
        copies[0]["object_marking_refs"],
        json!([Tlp::Green.marking_id()])
    );
    let a_sees = read_all(hub, &a, &col, &ObjectFilter::default());
    assert_eq!(a_sees.iter().filter(|o| o["id"] == domain["id"]).count(), 2);
    // Deleting b's copy leaves a's.
    let id = domain["id"].as_str().unwrap();
    assert_eq!(
        hub.delete_object(&b, &col, id, &VersionFilter::all())
            .unwrap(),
        1
    );
    let a_sees = read_all(hub, &a, &col, &ObjectFilter::default());
    assert_eq!(a_sees.iter().filter(|o| o["id"] == domain["id"]).count(), 1);
    assert_eq!(
        hub.delete_object(&b, &col, id, &VersionFilter::all())
            .unwrap_err()
            .code(),
        "not_found"
    );
}

#[test]
fn revocation_and_red_versions() {
    let (t, a, _b, col) = setup();
    let hub = &t.hub;
    let colleague = org_with_user(hub, "org-a", "carl", Role::Analyst);
    // A's RED object, addressed to nobody else: a colleague may not add a version.
    let id = new_id("indicator");
    let v1 = marked(indicator(&id, 1), Tlp::Red);
    assert_eq!(
        hub.add_objects(&a, &col, vec![v1.clone()])
            .unwrap()
            .success_count,
        1
    );
    let s = hub
        .add_objects(
            &colleague,
            &col,
            vec![marked(indicator(&id, 2), Tlp::Clear)],
        )
        .unwrap();
    assert_eq!(s.failure_count, 1, "{s}");
    assert!(
        message(&s, 0).contains("TLP:RED") && message(&s, 0).contains("carl"),
        "{s}"
    );
    // Addressed to the colleague, it may.
    let v2 = with_recipients(
        marked(indicator(&id, 2), Tlp::Red),
        &[stix::user_identity_id("carl")],
    );
    assert_eq!(
        hub.add_objects(&a, &col, vec![v2]).unwrap().success_count,
        1
    );
    let v3 = marked(indicator(&id, 3), Tlp::Amber);
    assert_eq!(
        hub.add_objects(&colleague, &col, vec![v3])
            .unwrap()
            .success_count,
        1
    );
    // Revocation is final: no backdated version, and the revoking version stays.
    let mut v5 = marked(indicator(&id, 5), Tlp::Amber);
    v5["revoked"] = json!(true);
    assert_eq!(
        hub.add_objects(&a, &col, vec![v5.clone()])
            .unwrap()
            .success_count,
        1
    );
    let s = hub
        .add_objects(&a, &col, vec![marked(indicator(&id, 4), Tlp::Amber)])
        .unwrap();
    assert_eq!(s.failure_count, 1, "{s}");
    assert!(message(&s, 0).contains("revoked"), "{s}");
    let last = VersionFilter {
        all: false,
        last: true,
        first: false,
        at: Vec::new(),
    };
    let e = hub.delete_object(&a, &col, &id, &last).unwrap_err();
    assert_eq!(e.code(), "forbidden");
    assert!(e.to_string().contains("revoked"), "{e}");
    let page = hub
        .get_object(&a, &col, &id, &ObjectFilter::default(), None, None)
        .unwrap();
    assert_eq!(page.objects, vec![v5]);
    // Deleting every version removes the object, which stays revoked.
    assert!(hub
        .delete_object(&a, &col, &id, &VersionFilter::all())
        .is_ok());
    let s = hub
        .add_objects(&a, &col, vec![marked(indicator(&id, 9), Tlp::Amber)])
        .unwrap();
    assert_eq!(s.failure_count, 1, "{s}");
    assert!(message(&s, 0).contains("revoked"), "{s}");
}

#[test]
fn rows_stored_with_upper_case_tlp_ids_are_read_at_their_level() {
    let (t, a, b, col) = setup();
    let hub = &t.hub;
    // A row as an older rrm stored it: an upper-case RED id recorded as unmarked.
    let id = new_id("indicator");
    let mut obj = indicator(&id, 1);
    obj["object_marking_refs"] = json!([upper_uuid(Tlp::Red.marking_id())]);
    let row = store::NewObject {
        collection_id: col.clone(),
        id: id.clone(),
        stix_type: "indicator".into(),
        spec_version: "2.1".into(),
        version: Some(1_767_225_601_000_000),
        json: obj.to_string(),
        tlp: None,
        recipients: Vec::new(),
        created_by_ref: None,
        revoked: false,
        submitter_user_id: a.user.id,
        submitter_org_id: a.org.id,
        owner_org_id: a.org.id,
    };
    t.store.add_object(&row).unwrap();
    assert!(read_all(hub, &b, &col, &ObjectFilter::default()).is_empty());
    let mut out = Vec::new();
    let summary = hub
        .export(&a, &col, Tlp::Amber, &mut |o| out.push(o))
        .unwrap();
    assert!(out.is_empty());
    assert_eq!(summary.withheld, 1);
    assert_eq!(
        ids(&read_all(hub, &a, &col, &ObjectFilter::default())),
        vec![id]
    );
}

#[test]
fn canonical_tlp_definitions_sent_along_are_acknowledged_not_stored() {
    let (t, a, b, col) = setup();
    let hub = &t.hub;
    let tlp2_red = json!({"type": "marking-definition", "spec_version": "2.1",
        "id": Tlp::Red.marking_id(), "created": "2022-10-01T00:00:00.000Z", "name": "TLP:RED",
        "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":
            {"extension_type": "property-extension", "tlp_2_0": "red"}}});
    let tlp1_red = json!({"type": "marking-definition", "spec_version": "2.1",
        "id": "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp", "name": "TLP:RED",
        "definition": {"tlp": "red"}});
    // The RED id defining GREEN is a squat, and refused.
    let lying = json!({"type": "marking-definition", "spec_version": "2.1",
        "id": Tlp::Red.marking_id(), "created": "2022-10-01T00:00:00.000Z", "name": "TLP:GREEN",
        "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":
            {"extension_type": "property-extension", "tlp_2_0": "green"}}});
    let s = hub
        .add_objects(&a, &col, vec![tlp2_red, tlp1_red, lying])
        .unwrap();
    assert_eq!(s.success_count, 2, "{s}");
    assert_eq!(s.failure_count, 1, "{s}");
    for n in 0..2 {
        let m = s.successes[n].message.as_deref().unwrap_or_default();
        assert!(m.contains("built-in TLP marking definition"), "{s}");
    }
    assert!(message(&s, 0).contains("reserved"), "{s}");
    // Nothing was stored: no reader sees a marking definition in the collection.
    for p in [&a, &b] {
        let page = hub
            .get_objects(p, &col, &ObjectFilter::default(), None, None)
            .unwrap();
        assert!(page.objects.is_empty(), "{:?}", page.objects);
    }
}
