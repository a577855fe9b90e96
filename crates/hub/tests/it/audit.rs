//! The verifiable audit log: what goes into it, signed checkpoints, proofs a partner checks
//! with the merkle crate alone, and `verify_audit` naming the first bad record.

use ed25519_dalek::{Signature, VerifyingKey};
use hub::Actor;
use store::{Checkpoint, Role, Sector, Tlp};
use test_support::{new_hub, org_with_user, TestHub, RO};

fn tamper(t: &TestHub, sql: &str) {
    let c = rusqlite::Connection::open(t.dir.path().join("hub.db")).unwrap();
    c.execute_batch(
        "DROP TRIGGER IF EXISTS account_audit_no_update;
         DROP TRIGGER IF EXISTS account_audit_no_delete;
         DROP TRIGGER IF EXISTS audit_leaves_no_delete;
         DROP TRIGGER IF EXISTS audit_nodes_no_delete;",
    )
    .unwrap();
    c.execute_batch(sql).unwrap();
}

fn seeded(n: usize) -> TestHub {
    let t = new_hub();
    for i in 0..n {
        org_with_user(&t.hub, "gov-ca", &format!("user{i}"), Role::Reader);
    }
    t
}

#[test]
fn every_admin_action_and_export_is_in_the_log() {
    let t = new_hub();
    let hub = &t.hub;
    hub.add_org(
        Actor::Operator,
        "gov-fr",
        "France",
        Sector::Government,
        "FR",
    )
    .unwrap();
    let alice = org_with_user(hub, "gov-fr", "alice", Role::Admin);
    let col = hub
        .add_collection(Actor::Operator, "shared", "Shared", "", Some(Tlp::Green))
        .unwrap();
    hub.grant(Actor::Operator, "gov-fr", "shared", RO).unwrap();
    hub.create_token(Actor::User(&alice), "alice", "ci")
        .unwrap();
    hub.export(&alice, &col.id, Tlp::Amber, &mut |_| {})
        .unwrap();
    let all = hub.audit_log(Actor::Operator, 0, 1000).unwrap();
    let seen: Vec<(&str, &str)> = all
        .iter()
        .map(|r| (r.action.as_str(), r.target.as_str()))
        .collect();
    for want in [
        ("org.create", "gov-fr"),
        ("user.create", "alice"),
        ("collection.create", "shared"),
        ("grant.set", "gov-fr/shared"),
        ("export", "shared"),
    ] {
        assert!(seen.contains(&want), "{want:?} missing from {seen:?}");
    }
    // The organisation's admin reads the records about its organisation, with their leaves.
    let mine = hub.audit_log(Actor::User(&alice), 0, 1000).unwrap();
    let actions: Vec<&str> = mine.iter().map(|r| r.action.as_str()).collect();
    for want in ["org.create", "grant.set", "export", "token.create"] {
        assert!(actions.contains(&want), "{want} missing from {actions:?}");
    }
    assert!(!actions.contains(&"collection.create"));
    for r in &all {
        let data = hex::decode(&r.leaf_data).unwrap();
        assert_eq!(
            r.leaf_hash.as_deref(),
            Some(hex::encode(merkle::leaf_hash(&data)).as_str())
        );
    }
    let indexes: Vec<u64> = all.iter().map(|r| r.index.unwrap()).collect();
    assert_eq!(indexes, (0..all.len() as u64).collect::<Vec<_>>());
}

#[test]
fn checkpoints_and_proofs_verify_with_the_public_key_alone() {
    let t = seeded(5);
    let hub = &t.hub;
    let key = VerifyingKey::from_bytes(&hub.audit_public_key()).unwrap();
    let first = hub.audit_checkpoint(Actor::Operator).unwrap();
    assert_eq!(
        hub.audit_checkpoint_if_grown().unwrap(),
        None,
        "nothing new"
    );
    for i in 5..23 {
        org_with_user(hub, "gov-ca", &format!("user{i}"), Role::Reader);
    }
    let second = hub.audit_checkpoint_if_grown().unwrap().expect("grew");
    assert!(second.size > first.size);
    assert_eq!(
        hub.audit_checkpoints().unwrap(),
        vec![first.clone(), second.clone()]
    );
    for c in [&first, &second] {
        let msg = Checkpoint::signed_bytes(c.size, &c.root, c.at);
        key.verify_strict(&msg, &Signature::from_bytes(&c.signature))
            .unwrap();
    }
    let records = hub.audit_log(Actor::Operator, 0, 1000).unwrap();
    for r in &records[..second.size as usize] {
        let index = r.index.unwrap();
        for c in [&first, &second] {
            if index >= c.size {
                continue;
            }
            let p = hub.audit_inclusion(index, c.size).unwrap();
            let leaf = merkle::leaf_hash(&hex::decode(&r.leaf_data).unwrap());
            assert_eq!(p.leaf_hash, leaf);
            merkle::verify_inclusion(&leaf, index, c.size, &p.path, &c.root).unwrap();
        }
    }
    let cons = hub.audit_consistency(first.size, second.size).unwrap();
    merkle::verify_consistency(
        first.size,
        second.size,
        &first.root,
        &second.root,
        &cons.path,
    )
    .unwrap();
    // Sizes the log has not reached, a leaf outside the tree, sizes out of order.
    let n = hub.audit_size().unwrap();
    let field = |e: hub::HubError| match e {
        hub::HubError::Invalid { field, .. } => field,
        other => panic!("expected invalid input, got {other:?}"),
    };
    assert_eq!(field(hub.audit_inclusion(0, n + 1).unwrap_err()), "size");
    assert_eq!(field(hub.audit_inclusion(n, n).unwrap_err()), "index");
    assert_eq!(field(hub.audit_consistency(3, n + 1).unwrap_err()), "new");
    assert_eq!(field(hub.audit_consistency(5, 3).unwrap_err()), "old");
    // Only the operator makes a checkpoint on demand.
    let reader = hub.principal_for("user1").unwrap();
    assert_eq!(
        hub.audit_checkpoint(Actor::User(&reader))
            .unwrap_err()
            .code(),
        "forbidden"
    );
}

fn problem(t: &TestHub) -> Option<hub::audit::AuditProblem> {
    t.hub.verify_audit(&mut |_| {}).unwrap().problem
}

#[test]
fn an_untouched_log_verifies() {
    let t = seeded(40);
    t.hub.audit_checkpoint(Actor::Operator).unwrap();
    let report = t.hub.verify_audit(&mut |_| {}).unwrap();
    assert_eq!(report.problem, None);
    assert_eq!(report.entries, t.hub.audit_size().unwrap());
    assert_eq!(report.checkpoints, 1);
    assert_eq!(report.root, t.hub.audit_root(report.entries).unwrap());
}

#[test]
fn an_edited_record_is_named() {
    let t = seeded(20);
    tamper(
        &t,
        "UPDATE account_audit SET detail = 'role admin' WHERE seq = 8",
    );
    let p = problem(&t).expect("found");
    assert_eq!((p.index, p.seq), (Some(7), Some(8)), "{p:?}");
    assert!(p.message.contains("changed"), "{}", p.message);
}

#[test]
fn a_removed_middle_record_is_named() {
    let t = seeded(20);
    tamper(&t, "DELETE FROM account_audit WHERE seq = 11");
    let p = problem(&t).expect("found");
    assert_eq!((p.index, p.seq), (Some(10), Some(11)), "{p:?}");
    assert!(p.message.contains("removed"), "{}", p.message);
}

#[test]
fn an_edit_with_its_leaf_and_tree_rewritten_fails_the_checkpoint() {
    let t = seeded(8);
    t.hub.audit_checkpoint(Actor::Operator).unwrap();
    // Rewrite a record and every hash above it consistently: only the signed checkpoint
    // still remembers the original.
    tamper(
        &t,
        "UPDATE account_audit SET detail = 'forged' WHERE seq = 3;
         DELETE FROM audit_leaves; DELETE FROM audit_nodes;
         INSERT INTO audit_backfill VALUES (1);",
    );
    // Reopening recomputes the leaves of the records it sees without one.
    let store = store_sqlite::SqliteStore::open(&t.dir.path().join("hub.db")).unwrap();
    let hub = hub::Hub::new(std::sync::Arc::new(store), hub::HubConfig::new([42u8; 32])).unwrap();
    let p = hub
        .verify_audit(&mut |_| {})
        .unwrap()
        .problem
        .expect("found");
    assert!(p.message.contains("checkpoint"), "{}", p.message);
}

#[test]
fn removing_the_newest_records_after_a_checkpoint_is_found() {
    let t = seeded(12);
    let cp = t.hub.audit_checkpoint(Actor::Operator).unwrap();
    let keep = cp.size - 3;
    tamper(
        &t,
        &format!(
            "DELETE FROM account_audit WHERE seq IN (SELECT seq FROM audit_leaves WHERE idx >= {keep});
             DELETE FROM audit_nodes WHERE (idx + 1) << level > {keep};
             DELETE FROM audit_leaves WHERE idx >= {keep};"
        ),
    );
    let p = problem(&t).expect("found");
    assert_eq!(p.index, Some(keep), "{p:?}");
    assert!(p.message.contains("removed"), "{}", p.message);
}
