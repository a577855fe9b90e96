//! Accounts cases: organisations, users, tokens, collections, grants and the audit log.

use super::*;

// ---------------------------------------------------------------------------------------
// Accounts.

/// Organisations: create, find by slug, id and identity, list by slug, unique slug and
/// identity.
pub fn orgs(s: &dyn Backend) {
    let zed = s.create_org(&new_org("zed", 1)).expect("create zed");
    let abc = s.create_org(&new_org("abc", 2)).expect("create abc");
    assert_ne!(zed.id, abc.id);
    assert_eq!(zed.slug, "zed");
    assert_eq!(zed.identity_id, identity_id(1));
    assert_eq!(s.org_by_slug("zed").unwrap(), Some(zed.clone()));
    assert_eq!(s.org_by_id(abc.id).unwrap(), Some(abc.clone()));
    assert_eq!(
        s.org_by_identity(&identity_id(1)).unwrap(),
        Some(zed.clone())
    );
    assert_eq!(s.org_by_slug("nobody").unwrap(), None);
    assert_eq!(s.org_by_id(abc.id + zed.id + 100).unwrap(), None);
    assert_eq!(s.org_by_identity(&identity_id(99)).unwrap(), None);
    assert_eq!(s.list_orgs().unwrap(), vec![abc.clone(), zed.clone()]);

    match s.create_org(&new_org("zed", 3)) {
        Err(StoreError::Conflict(msg)) => {
            assert!(
                msg.contains("zed"),
                "conflict message names the slug: {msg}"
            )
        }
        other => panic!("duplicate slug: expected Conflict, got {other:?}"),
    }
    match s.create_org(&new_org("other", 1)) {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("duplicate identity: expected Conflict, got {other:?}"),
    }
    assert_eq!(
        s.list_orgs().unwrap().len(),
        2,
        "failed creates stored nothing"
    );
    for sector in Sector::ALL {
        let mut n = new_org(&format!("s-{}", sector.as_str()), 10 + sector as u64);
        n.sector = sector;
        let org = s.create_org(&n).unwrap();
        assert_eq!(s.org_by_id(org.id).unwrap().unwrap().sector, sector);
    }
}

/// Users: create, unique username, unknown organisation, lookups, lists, password change.
pub fn users(s: &dyn Backend) {
    let a = s.create_org(&new_org("org-a", 1)).unwrap();
    let b = s.create_org(&new_org("org-b", 2)).unwrap();
    let mk = |org: &Org, name: &str, role: Role| NewUser {
        org_id: org.id,
        username: name.to_string(),
        role,
        password_hash: Some(format!("hash-of-{name}")),
    };
    let zoe = s
        .create_user(&mk(&a, "zoe", Role::Admin), &test_audit())
        .unwrap();
    let amy = s
        .create_user(&mk(&a, "amy", Role::Reader), &test_audit())
        .unwrap();
    let bob = s
        .create_user(
            &NewUser {
                password_hash: None,
                ..mk(&b, "bob", Role::Analyst)
            },
            &test_audit(),
        )
        .unwrap();
    assert_eq!(zoe.role, Role::Admin);
    assert_eq!(bob.password_hash, None);
    assert_eq!(s.user_by_name("zoe").unwrap(), Some(zoe.clone()));
    assert_eq!(s.user_by_id(bob.id).unwrap(), Some(bob.clone()));
    assert_eq!(s.user_by_name("nobody").unwrap(), None);
    assert_eq!(s.user_by_id(zoe.id + amy.id + bob.id + 1).unwrap(), None);
    assert_eq!(
        s.list_users(None).unwrap(),
        vec![amy.clone(), bob.clone(), zoe.clone()]
    );
    assert_eq!(
        s.list_users(Some(a.id)).unwrap(),
        vec![amy.clone(), zoe.clone()]
    );
    assert_eq!(s.list_users(Some(b.id)).unwrap(), vec![bob.clone()]);

    match s.create_user(&mk(&b, "zoe", Role::Reader), &test_audit()) {
        Err(StoreError::Conflict(msg)) => assert!(msg.contains("zoe"), "{msg}"),
        other => panic!("duplicate username: expected Conflict, got {other:?}"),
    }
    let ghost = NewUser {
        org_id: a.id + b.id + 100,
        ..mk(&a, "ghost", Role::Reader)
    };
    match s.create_user(&ghost, &test_audit()) {
        Err(StoreError::NotFound(_)) => {}
        other => panic!("user of an unknown org: expected NotFound, got {other:?}"),
    }
    assert_eq!(s.user_by_name("ghost").unwrap(), None);

    s.set_password_hash(bob.id, "new-hash", &test_audit())
        .unwrap();
    assert_eq!(
        s.user_by_id(bob.id)
            .unwrap()
            .unwrap()
            .password_hash
            .as_deref(),
        Some("new-hash")
    );
    match s.set_password_hash(zoe.id + amy.id + bob.id + 1, "x", &test_audit()) {
        Err(StoreError::NotFound(_)) => {}
        other => panic!("password of an unknown user: expected NotFound, got {other:?}"),
    }
}

/// API tokens: create, lookup, revoke, unique lookup, unknown user and token.
pub fn tokens(s: &dyn Backend) {
    let fx = fixture(s);
    let t = s
        .create_token(
            &NewToken {
                lookup: "abc123".into(),
                user_id: fx.ua.id,
                secret_hash: "argon-hash".into(),
                label: "ci".into(),
            },
            &test_audit(),
        )
        .unwrap();
    assert!(!t.revoked);
    assert_eq!(t.user_id, fx.ua.id);
    assert_eq!(s.token_by_lookup("abc123").unwrap(), Some(t.clone()));
    assert_eq!(s.token_by_lookup("nope").unwrap(), None);
    match s.create_token(
        &NewToken {
            lookup: "abc123".into(),
            user_id: fx.ub.id,
            secret_hash: "h".into(),
            label: String::new(),
        },
        &test_audit(),
    ) {
        Err(StoreError::Conflict(msg)) => assert!(msg.contains("abc123"), "{msg}"),
        other => panic!("duplicate token lookup: expected Conflict, got {other:?}"),
    }
    match s.create_token(
        &NewToken {
            lookup: "other".into(),
            user_id: fx.ua.id + fx.ub.id + 100,
            secret_hash: "h".into(),
            label: String::new(),
        },
        &test_audit(),
    ) {
        Err(StoreError::NotFound(_)) => {}
        other => panic!("token of an unknown user: expected NotFound, got {other:?}"),
    }
    s.revoke_token("abc123", &test_audit()).unwrap();
    let revoked = s.token_by_lookup("abc123").unwrap().unwrap();
    assert!(revoked.revoked);
    assert_eq!(revoked.secret_hash, "argon-hash");
    match s.revoke_token("nope", &test_audit()) {
        Err(StoreError::NotFound(msg)) => assert!(msg.contains("nope"), "{msg}"),
        other => panic!("revoking an unknown token: expected NotFound, got {other:?}"),
    }
}

/// Collections: create, find by id and slug, list by slug, unique slug and id, default TLP.
pub fn collections(s: &dyn Backend) {
    let mut made = Vec::new();
    for (i, tlp) in Tlp::ALL.into_iter().enumerate() {
        let mut n = new_collection(&format!("c{}", 9 - i), i as u64);
        n.default_tlp = tlp;
        let c = s.create_collection(&n, &test_audit()).unwrap();
        assert_eq!(c.default_tlp, tlp);
        assert_eq!(c.id, n.id);
        assert_eq!(s.collection_by_id(&n.id).unwrap(), Some(c.clone()));
        assert_eq!(s.collection_by_slug(&n.slug).unwrap(), Some(c.clone()));
        made.push(c);
    }
    made.reverse();
    assert_eq!(s.list_collections().unwrap(), made, "listed by slug");
    assert_eq!(s.collection_by_id(&collection_uuid(99)).unwrap(), None);
    assert_eq!(s.collection_by_slug("none").unwrap(), None);
    match s.create_collection(&new_collection("c9", 50), &test_audit()) {
        Err(StoreError::Conflict(msg)) => assert!(msg.contains("c9"), "{msg}"),
        other => panic!("duplicate collection slug: expected Conflict, got {other:?}"),
    }
    match s.create_collection(&new_collection("fresh", 0), &test_audit()) {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("duplicate collection id: expected Conflict, got {other:?}"),
    }
    assert_eq!(s.list_collections().unwrap().len(), Tlp::ALL.len());
}

/// Grants: none by default, set, replace, remove, list, unknown org or collection.
pub fn grants(s: &dyn Backend) {
    let fx = fixture(s);
    let none = Access::default();
    let read = Access {
        read: true,
        write: false,
    };
    let rw = Access {
        read: true,
        write: true,
    };
    assert_eq!(s.grant(fx.a.id, &fx.c1).unwrap(), none);
    assert!(s.list_grants(&fx.c1).unwrap().is_empty());
    s.set_grant(fx.a.id, &fx.c1, read, &test_audit()).unwrap();
    s.set_grant(fx.b.id, &fx.c1, rw, &test_audit()).unwrap();
    assert_eq!(s.grant(fx.a.id, &fx.c1).unwrap(), read);
    assert_eq!(s.grant(fx.b.id, &fx.c1).unwrap(), rw);
    assert_eq!(
        s.grant(fx.a.id, &fx.c2).unwrap(),
        none,
        "grants are per collection"
    );
    s.set_grant(fx.a.id, &fx.c1, rw, &test_audit()).unwrap();
    assert_eq!(s.grant(fx.a.id, &fx.c1).unwrap(), rw, "set_grant replaces");
    let mut listed = s.list_grants(&fx.c1).unwrap();
    listed.sort_by_key(|g| g.org_id);
    assert_eq!(listed.len(), 2);
    assert!(listed
        .iter()
        .all(|g| g.collection_id == fx.c1 && g.access == rw));
    s.set_grant(fx.a.id, &fx.c1, none, &test_audit()).unwrap();
    assert_eq!(s.grant(fx.a.id, &fx.c1).unwrap(), none);
    let listed = s.list_grants(&fx.c1).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].org_id, fx.b.id);

    match s.set_grant(fx.a.id, &collection_uuid(99), read, &test_audit()) {
        Err(StoreError::NotFound(_)) => {}
        other => panic!("grant on an unknown collection: expected NotFound, got {other:?}"),
    }
    match s.set_grant(fx.a.id + fx.b.id + 100, &fx.c1, read, &test_audit()) {
        Err(StoreError::NotFound(_)) => {}
        other => panic!("grant to an unknown org: expected NotFound, got {other:?}"),
    }
    assert_eq!(s.grant(fx.a.id, &collection_uuid(99)).unwrap(), none);
}

/// The account audit log: every credential change appends one record in its own
/// transaction, a failed change appends none, records are read oldest first, by
/// the organisation they target and after a position; disabling a user is stored.
pub fn account_audit(s: &dyn Backend) {
    let fx = fixture(s);
    let by = |actor: &str, org: Option<i64>, action: &str, target: &str, torg: i64| NewAudit {
        actor: actor.to_string(),
        actor_org_id: org,
        action: action.to_string(),
        target: target.to_string(),
        target_org_id: Some(torg),
        detail: "d".to_string(),
    };
    let all = |after: i64| AuditQuery {
        org_id: None,
        after,
        limit: 100,
    };
    // The fixture's two users and two collections were created with the test audit record.
    let base = s.list_audit(&all(0)).unwrap();
    assert_eq!(base.len(), 4, "{base:?}");
    let after = base.last().map_or(0, |e| e.seq);

    s.create_token(
        &NewToken {
            lookup: "t1".into(),
            user_id: fx.ua.id,
            secret_hash: "h1".into(),
            label: "ci".into(),
        },
        &by("alice", Some(fx.a.id), "token.create", "alice/t1", fx.a.id),
    )
    .unwrap();
    s.set_user_disabled(
        fx.ub.id,
        true,
        &by("operator", None, "user.disable", "bob", fx.b.id),
    )
    .unwrap();
    assert!(s.user_by_id(fx.ub.id).unwrap().unwrap().disabled);
    assert!(!s.user_by_id(fx.ua.id).unwrap().unwrap().disabled);
    s.set_password_hash(
        fx.ua.id,
        "h2",
        &by("alice", Some(fx.a.id), "user.password", "alice", fx.a.id),
    )
    .unwrap();
    s.revoke_token(
        "t1",
        &by("alice", Some(fx.a.id), "token.revoke", "alice/t1", fx.a.id),
    )
    .unwrap();
    s.set_user_disabled(
        fx.ub.id,
        false,
        &by("operator", None, "user.enable", "bob", fx.b.id),
    )
    .unwrap();
    assert!(!s.user_by_id(fx.ub.id).unwrap().unwrap().disabled);

    // Failed changes write nothing.
    let unknown = fx.ua.id + fx.ub.id + 100;
    assert!(matches!(
        s.set_user_disabled(unknown, true, &by("operator", None, "user.disable", "x", 0)),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.revoke_token("nope", &by("operator", None, "token.revoke", "x", 0)),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.create_user(
            &NewUser {
                org_id: fx.a.id,
                username: "alice".into(),
                role: Role::Reader,
                password_hash: None,
            },
            &by("operator", None, "user.create", "alice", fx.a.id),
        ),
        Err(StoreError::Conflict(_))
    ));

    let log = s.list_audit(&all(after)).unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec![
            "token.create",
            "user.disable",
            "user.password",
            "token.revoke",
            "user.enable"
        ]
    );
    assert!(log.windows(2).all(|w| w[0].seq < w[1].seq));
    assert!(log.iter().all(|e| e.at > 0 && e.detail == "d"));
    assert_eq!(log[1].actor, "operator");
    assert_eq!(log[1].actor_org_id, None);
    assert_eq!(log[1].target_org_id, Some(fx.b.id));

    let of_a = s
        .list_audit(&AuditQuery {
            org_id: Some(fx.a.id),
            after,
            limit: 100,
        })
        .unwrap();
    let targets: Vec<&str> = of_a.iter().map(|e| e.target.as_str()).collect();
    assert_eq!(targets, vec!["alice/t1", "alice", "alice/t1"]);
    let of_b = s
        .list_audit(&AuditQuery {
            org_id: Some(fx.b.id),
            after,
            limit: 100,
        })
        .unwrap();
    assert_eq!(of_b.len(), 2);
    let page = s
        .list_audit(&AuditQuery {
            org_id: None,
            after,
            limit: 2,
        })
        .unwrap();
    assert_eq!(page, log[..2].to_vec());
    let rest = s.list_audit(&all(page[1].seq)).unwrap();
    assert_eq!(rest, log[2..].to_vec());

    // An operator-role user of organisation A acting on B's account is B's record only.
    let last = log.last().map_or(after, |e| e.seq);
    s.set_user_disabled(
        fx.ub.id,
        true,
        &by("a-operator", Some(fx.a.id), "user.disable", "bob", fx.b.id),
    )
    .unwrap();
    let only = |org: i64| {
        s.list_audit(&AuditQuery {
            org_id: Some(org),
            after: last,
            limit: 100,
        })
        .unwrap()
        .len()
    };
    assert_eq!((only(fx.a.id), only(fx.b.id)), (0, 1));

    // Tokens of a user, oldest first, revoked ones included.
    let tokens = s.list_tokens(fx.ua.id).unwrap();
    assert_eq!(tokens.len(), 1);
    assert!(tokens[0].revoked);
    assert!(s.list_tokens(fx.ub.id).unwrap().is_empty());
}
