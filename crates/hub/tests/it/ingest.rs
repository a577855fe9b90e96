//! Ingest: validation, ownership, versioning, revocation and status resources.

use test_support as common;

use common::*;
use hub::Actor;
use hub::{HubError, ObjectFilter};
use serde_json::{json, Value};
use store::ObjectStore;
use store::{Role, VersionFilter};

fn setup() -> (TestHub, hub::Principal, hub::Principal, String) {
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

fn all_versions() -> ObjectFilter {
    ObjectFilter {
        versions: VersionFilter::all(),
        ..ObjectFilter::default()
    }
}

/// Checks the TAXII status shape: counts equal list lengths and add up.
fn check_counts(status: &hub::Status) {
    let status = &serde_json::to_value(status).unwrap();
    let n = |k: &str| status[k].as_u64().unwrap();
    let len = |k: &str| status[k].as_array().unwrap().len() as u64;
    assert_eq!(status["status"], "complete");
    assert_eq!(n("success_count"), len("successes"));
    assert_eq!(n("failure_count"), len("failures"));
    assert_eq!(n("pending_count"), len("pendings"));
    assert_eq!(
        n("total_count"),
        n("success_count") + n("failure_count") + n("pending_count")
    );
}

#[test]
fn valid_objects_are_stored_even_when_others_fail() {
    let (t, a, _b, col) = setup();
    let hub = &t.hub;
    let good1 = indicator(&new_id("indicator"), 1);
    let good2 = indicator(&new_id("indicator"), 2);
    let mut bad_modified = indicator(&new_id("indicator"), 0);
    bad_modified["created"] = json!(ts(10));
    let bad_id = json!({"type": "indicator", "id": "malware--not-a-uuid", "spec_version": "2.1"});
    let not_object = json!("just a string");
    let status = hub
        .add_objects(
            &a,
            &col,
            vec![
                good1.clone(),
                bad_modified.clone(),
                good2.clone(),
                bad_id,
                not_object,
            ],
        )
        .unwrap();
    check_counts(&status);
    assert_eq!(status.total_count, 5);
    assert_eq!(status.success_count, 2);
    assert_eq!(status.failure_count, 3);
    let failures = &status.failures;
    assert_eq!(failures[0].id, bad_modified["id"]);
    assert_eq!(failures[0].version, bad_modified["modified"]);
    let msg = failures[0].message.as_deref().unwrap();
    assert!(
        msg.contains("modified") && msg.contains(bad_modified["id"].as_str().unwrap()),
        "{msg}"
    );
    let successes = &status.successes;
    assert_eq!(successes[0].id, good1["id"]);
    assert_eq!(successes[0].version, good1["modified"]);

    let stored = read_all(hub, &a, &col, &ObjectFilter::default());
    assert_eq!(stored, vec![good1, good2]);
    // The status can be read back by the submitter and a colleague, not by another org.
    let id = status.id.as_str();
    assert_eq!(hub.get_status(&a, id).unwrap(), status);
    let colleague = org_with_user(hub, "org-a", "ann2", Role::Reader);
    assert_eq!(hub.get_status(&colleague, id).unwrap(), status);
    let b = hub.principal_for("bob").unwrap();
    assert_eq!(hub.get_status(&b, id).unwrap_err().code(), "not_found");
    assert_eq!(
        hub.get_status(&a, "no-such-status").unwrap_err().code(),
        "not_found"
    );
}

#[test]
fn versioning_rules() {
    let (t, a, b, col) = setup();
    let hub = &t.hub;
    let id = new_id("indicator");
    let v1 = indicator(&id, 1);
    let s = hub.add_objects(&a, &col, vec![v1.clone()]).unwrap();
    assert_eq!(s.success_count, 1);
    // Re-posting the identical version is a success that stores nothing.
    let s = hub.add_objects(&a, &col, vec![v1.clone()]).unwrap();
    assert_eq!(s.success_count, 1);
    check_counts(&s);
    assert_eq!(t.store.count_objects(&col).unwrap(), 1);
    // Same (id, modified), other content: a failure.
    let mut changed = v1.clone();
    changed["name"] = json!("something else");
    let s = hub.add_objects(&a, &col, vec![changed]).unwrap();
    assert_eq!(s.failure_count, 1);
    assert!(s.failures[0]
        .message
        .as_deref()
        .unwrap()
        .contains("different content"));
    // Another organisation may not add a version.
    let s = hub.add_objects(&b, &col, vec![indicator(&id, 2)]).unwrap();
    assert_eq!(s.failure_count, 1);
    assert!(s.failures[0]
        .message
        .as_deref()
        .unwrap()
        .contains("only the organisation that created"));
    // The owner may; then revokes; after that nothing follows.
    let v2 = indicator(&id, 2);
    let mut v3 = indicator(&id, 3);
    v3["revoked"] = json!(true);
    let s = hub
        .add_objects(&a, &col, vec![v2.clone(), v3.clone(), indicator(&id, 4)])
        .unwrap();
    assert_eq!(s.success_count, 2);
    assert_eq!(s.failure_count, 1);
    assert!(s.failures[0]
        .message
        .as_deref()
        .unwrap()
        .contains("revoked"));
    check_counts(&s);
    let all = read_all(hub, &a, &col, &all_versions());
    assert_eq!(all, vec![v1, v2, v3.clone()]);
    let last = read_all(hub, &a, &col, &ObjectFilter::default());
    assert_eq!(last, vec![v3]);
}

#[test]
fn created_by_ref_must_not_name_another_hub_organisation() {
    let (t, a, b, col) = setup();
    let hub = &t.hub;
    let mut forged = indicator(&new_id("indicator"), 1);
    forged["created_by_ref"] = json!(b.org.identity_id);
    let mut own = indicator(&new_id("indicator"), 1);
    own["created_by_ref"] = json!(a.org.identity_id);
    let mut hubs = indicator(&new_id("indicator"), 1);
    hubs["created_by_ref"] = json!(hub.hub_identity_id());
    let mut outside = indicator(&new_id("indicator"), 1);
    outside["created_by_ref"] = json!(new_id("identity"));
    let mut other_user = indicator(&new_id("indicator"), 1);
    other_user["created_by_ref"] = json!(stix::user_identity_id("bob"));
    let mut own_user = indicator(&new_id("indicator"), 1);
    own_user["created_by_ref"] = json!(stix::user_identity_id("ana"));
    let s = hub
        .add_objects(
            &a,
            &col,
            vec![
                forged.clone(),
                own.clone(),
                hubs.clone(),
                outside.clone(),
                other_user.clone(),
                own_user.clone(),
            ],
        )
        .unwrap();
    check_counts(&s);
    assert_eq!(s.success_count, 3);
    let f = &s.failures;
    let failed: Vec<&str> = f.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(failed, vec![&forged["id"], &hubs["id"], &other_user["id"]]);
    for x in f {
        assert!(x.message.as_deref().unwrap().contains("created_by_ref"));
    }
    // Objects attributed to an outside identity belong to the submitter's organisation.
    let s = hub
        .add_objects(
            &b,
            &col,
            vec![indicator(outside["id"].as_str().unwrap(), 5)],
        )
        .unwrap();
    assert_eq!(s.failure_count, 1);
}

#[test]
fn ingest_needs_a_write_grant_and_a_writing_role() {
    let (t, _a, _b, col) = setup();
    let hub = &t.hub;
    let reader = org_with_user(hub, "org-a", "rea", Role::Reader);
    let e = hub
        .add_objects(&reader, &col, vec![indicator(&new_id("indicator"), 1)])
        .unwrap_err();
    assert_eq!(e.code(), "forbidden");
    let c = org_with_user(hub, "org-c", "cat", Role::Admin);
    let e = hub.add_objects(&c, &col, vec![]).unwrap_err();
    assert_eq!(e.code(), "not_found");
    hub.grant(Actor::Operator, "org-c", &col, RO).unwrap();
    let e = hub.add_objects(&c, &col, vec![]).unwrap_err();
    assert!(matches!(e, HubError::Forbidden(_)));
    // Nobody writes into the directory, not even an admin.
    let e = hub.add_objects(&c, hub.directory_id(), vec![]).unwrap_err();
    assert_eq!(e.code(), "forbidden");
    assert_eq!(t.store.count_objects(&col).unwrap(), 0);
    // An empty envelope is a complete status with nothing in it.
    hub.grant(Actor::Operator, "org-c", &col, RW).unwrap();
    let s = hub.add_objects(&c, &col, vec![]).unwrap();
    check_counts(&s);
    assert_eq!(s.total_count, 0);
}

#[test]
fn disarm_round_trips_losslessly() {
    let (t, a, _b, col) = setup();
    let hub = &t.hub;
    let path = test_data::shared("data/disarm/DISARM.json");
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let objects = bundle["objects"].as_array().unwrap().clone();
    assert_eq!(objects.len(), 698);
    // DISARM's identity is not a hub organisation, so it may be referenced freely.
    let s = hub.add_objects(&a, &col, objects.clone()).unwrap();
    check_counts(&s);
    assert_eq!(s.success_count, 698, "{:?}", s.failures);
    let back = read_all(hub, &a, &col, &all_versions());
    assert_eq!(back.len(), 698);
    let mut want: Vec<String> = objects.iter().map(|o| o.to_string()).collect();
    let mut got: Vec<String> = back.iter().map(|o| o.to_string()).collect();
    want.sort();
    got.sort();
    assert_eq!(want, got);
    // Re-importing changes nothing.
    let s = hub.add_objects(&a, &col, objects).unwrap();
    assert_eq!(s.success_count, 698);
    assert_eq!(t.store.count_objects(&col).unwrap(), 698);
}
