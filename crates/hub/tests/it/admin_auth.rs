//! Authentication and administration through the hub's public API on a real SQLite file.

use test_support as common;

use common::*;
use hub::Actor;
use hub::{HubError, ObjectFilter};
use store::{Access, Role, Sector, Tlp};
use store::{AccountStore, ObjectStore};

#[test]
fn basic_auth_accepts_the_right_password_only() {
    let t = new_hub();
    let hub = &t.hub;
    hub.add_org(
        Actor::Operator,
        "gov-ca",
        "Canada",
        Sector::Government,
        "ca",
    )
    .unwrap();
    hub.add_user(
        Actor::Operator,
        "gov-ca",
        "alice",
        Role::Analyst,
        Some("correct horse battery"),
    )
    .unwrap();
    let p = hub
        .authenticate_basic("alice", "correct horse battery")
        .unwrap();
    assert_eq!(p.user.username, "alice");
    assert_eq!(p.org.slug, "gov-ca");
    assert_eq!(
        p.identities,
        vec![
            stix::user_identity_id("alice"),
            stix::org_identity_id("gov-ca")
        ]
    );
    // Cached path gives the same principal.
    let again = hub
        .authenticate_basic("alice", "correct horse battery")
        .unwrap();
    assert_eq!(again, p);
    for (user, pw) in [
        ("alice", "wrong password"),
        ("alice", ""),
        ("bob", "correct horse battery"),
        ("", ""),
    ] {
        let err = hub.authenticate_basic(user, pw).unwrap_err();
        assert!(
            matches!(err, HubError::Unauthenticated),
            "{user}/{pw}: {err}"
        );
        assert_eq!(err.code(), "unauthenticated");
        assert_eq!(err.to_string(), "authentication failed");
    }
}

#[test]
fn password_change_invalidates_the_cache() {
    let t = new_hub();
    let hub = &t.hub;
    hub.add_org(
        Actor::Operator,
        "gov-ca",
        "Canada",
        Sector::Government,
        "ca",
    )
    .unwrap();
    let u = hub
        .add_user(
            Actor::Operator,
            "gov-ca",
            "alice",
            Role::Analyst,
            Some("first password"),
        )
        .unwrap();
    hub.authenticate_basic("alice", "first password").unwrap();
    let other = hub
        .add_user(
            Actor::Operator,
            "gov-ca",
            "tmp",
            Role::Reader,
            Some("second password"),
        )
        .unwrap();
    let new_hash = other.password_hash.unwrap();
    t.store
        .set_password_hash(u.id, &new_hash, &store_audit())
        .unwrap();
    assert!(matches!(
        hub.authenticate_basic("alice", "first password"),
        Err(HubError::Unauthenticated)
    ));
    assert!(hub.authenticate_basic("alice", "second password").is_ok());
}

#[test]
fn tokens_authenticate_until_revoked() {
    let t = new_hub();
    let hub = &t.hub;
    hub.add_org(Actor::Operator, "isp-x", "ISP", Sector::Isp, "fr")
        .unwrap();
    hub.add_user(Actor::Operator, "isp-x", "bot", Role::Reader, None)
        .unwrap();
    let token = hub.create_token(Actor::Operator, "bot", "ci").unwrap();
    assert!(token.starts_with("rrm_"));
    let p = hub.authenticate_token(&token).unwrap();
    assert_eq!(p.user.username, "bot");
    assert_eq!(hub.authenticate_token(&token).unwrap(), p);
    // The stored secret is a hash, never the token.
    let lookup = token.split('_').nth(1).unwrap();
    let stored = t.store.token_by_lookup(lookup).unwrap().unwrap();
    assert!(stored.secret_hash.starts_with("$argon2id$"));
    assert!(!token.contains(&stored.secret_hash));
    // Wrong secrets, malformed and unknown tokens.
    let mut wrong = token.clone();
    wrong.pop();
    wrong.push(if token.ends_with('0') { '1' } else { '0' });
    for bad in [wrong.as_str(), "rrm_", "nonsense", "rrm_abc_def", ""] {
        assert!(
            matches!(hub.authenticate_token(bad), Err(HubError::Unauthenticated)),
            "{bad}"
        );
    }
    // A user without a password cannot log in with Basic.
    assert!(matches!(
        hub.authenticate_basic("bot", ""),
        Err(HubError::Unauthenticated)
    ));
    t.store.revoke_token(lookup, &store_audit()).unwrap();
    assert!(matches!(
        hub.authenticate_token(&token),
        Err(HubError::Unauthenticated)
    ));
}

#[test]
fn admin_operations_need_an_admin() {
    let t = new_hub();
    let hub = &t.hub;
    let admin = org_with_user(hub, "gov-ca", "root", Role::Operator);
    let analyst = org_with_user(hub, "gov-ca", "ann", Role::Analyst);
    let reader = org_with_user(hub, "gov-ca", "rita", Role::Reader);
    for p in [&analyst, &reader] {
        let errs = [
            hub.add_org(Actor::User(p), "x-org", "X", Sector::Other, "US")
                .map(|_| ()),
            hub.add_user(Actor::User(p), "gov-ca", "eve", Role::Admin, None)
                .map(|_| ()),
            hub.create_token(Actor::User(p), "root", "steal")
                .map(|_| ()),
            hub.add_collection(Actor::User(p), "c1", "C", "", None)
                .map(|_| ()),
            hub.grant(Actor::User(p), "gov-ca", "directory", RO),
            hub.list_orgs(Actor::User(p)).map(|_| ()),
            hub.list_collections_admin(Actor::User(p)).map(|_| ()),
        ];
        for e in errs {
            let e = e.unwrap_err();
            assert_eq!(e.code(), "forbidden", "{e}");
        }
    }
    let org = hub
        .add_org(
            Actor::User(&admin),
            "plat-y",
            "Platform Y",
            Sector::Platform,
            "us",
        )
        .unwrap();
    assert_eq!(org.country, "US");
    assert_eq!(org.identity_id, stix::org_identity_id("plat-y"));
    let col = hub
        .add_collection(
            Actor::User(&admin),
            "elections",
            "Elections",
            "Election threats",
            None,
        )
        .unwrap();
    assert_eq!(col.default_tlp, Tlp::Amber);
    let red = hub
        .add_collection(Actor::User(&admin), "red-room", "Red", "", Some(Tlp::Red))
        .unwrap();
    assert_eq!(red.default_tlp, Tlp::Red);
    hub.grant(Actor::User(&admin), "plat-y", &col.id, RW)
        .unwrap();
    hub.grant(Actor::User(&admin), "plat-y", "red-room", RO)
        .unwrap();
    assert_eq!(t.store.grant(org.id, &col.id).unwrap(), RW);
    let orgs: Vec<String> = hub
        .list_orgs(Actor::User(&admin))
        .unwrap()
        .into_iter()
        .map(|o| o.slug)
        .collect();
    assert_eq!(orgs, vec!["gov-ca", "plat-y"]);
    let cols: Vec<String> = hub
        .list_collections_admin(Actor::Operator)
        .unwrap()
        .into_iter()
        .map(|c| c.slug)
        .collect();
    assert_eq!(cols, vec!["directory", "elections", "red-room"]);
    hub.add_user(Actor::User(&admin), "plat-y", "pat", Role::Analyst, None)
        .unwrap();
    let token = hub.create_token(Actor::User(&admin), "pat", "").unwrap();
    assert_eq!(hub.authenticate_token(&token).unwrap().org.slug, "plat-y");
}

#[test]
fn admin_inputs_are_validated() {
    let t = new_hub();
    let hub = &t.hub;
    let field = |e: HubError| match e {
        HubError::Invalid { field, .. } => field,
        other => panic!("expected invalid input, got {other}"),
    };
    for slug in ["a", "Upper", "has space", "x_y", &"a".repeat(65), ""] {
        let e = hub
            .add_org(Actor::Operator, slug, "N", Sector::Other, "CA")
            .unwrap_err();
        assert_eq!(field(e), "slug", "{slug}");
    }
    for cc in ["C", "CAN", "1A", "", "é"] {
        let e = hub
            .add_org(Actor::Operator, "ok-org", "N", Sector::Other, cc)
            .unwrap_err();
        assert_eq!(field(e), "country", "{cc}");
    }
    let e = hub
        .add_org(Actor::Operator, "ok-org", "  ", Sector::Other, "CA")
        .unwrap_err();
    assert_eq!(field(e), "name");
    hub.add_org(Actor::Operator, "ok-org", "OK", Sector::Other, "de")
        .unwrap();
    let e = hub
        .add_org(Actor::Operator, "ok-org", "OK", Sector::Other, "de")
        .unwrap_err();
    assert_eq!(e.code(), "conflict");
    for name in ["", "a:b", "sp ace", &"u".repeat(65)] {
        let e = hub
            .add_user(Actor::Operator, "ok-org", name, Role::Reader, None)
            .unwrap_err();
        assert_eq!(field(e), "username", "{name}");
    }
    let e = hub
        .add_user(
            Actor::Operator,
            "ok-org",
            "shorty",
            Role::Reader,
            Some("short"),
        )
        .unwrap_err();
    assert_eq!(field(e), "password");
    let e = hub
        .add_user(Actor::Operator, "no-org", "x", Role::Reader, None)
        .unwrap_err();
    assert_eq!(e.code(), "not_found");
    hub.add_user(Actor::Operator, "ok-org", "x", Role::Reader, None)
        .unwrap();
    assert_eq!(
        hub.add_user(Actor::Operator, "ok-org", "x", Role::Reader, None)
            .unwrap_err()
            .code(),
        "conflict"
    );
    assert_eq!(
        hub.create_token(Actor::Operator, "nobody", "")
            .unwrap_err()
            .code(),
        "not_found"
    );
    let e = hub
        .add_collection(Actor::Operator, "directory", "D", "", None)
        .unwrap_err();
    assert_eq!(e.code(), "conflict");
    let e = hub
        .add_collection(Actor::Operator, "c2", "", "", None)
        .unwrap_err();
    assert_eq!(field(e), "title");
    assert_eq!(
        hub.grant(Actor::Operator, "ok-org", "nope", RO)
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert_eq!(
        hub.grant(Actor::Operator, "nope", "directory", RO)
            .unwrap_err()
            .code(),
        "not_found"
    );
    // Nobody writes to the directory.
    assert_eq!(
        hub.grant(Actor::Operator, "ok-org", "directory", RW)
            .unwrap_err()
            .code(),
        "forbidden"
    );
    assert_eq!(hub.principal_for("ghost").unwrap_err().code(), "not_found");
}

#[test]
fn directory_holds_identities_and_the_extension_definition() {
    let t = new_hub();
    let hub = &t.hub;
    let p = org_with_user(hub, "gov-fr", "marie", Role::Reader);
    org_with_user(hub, "ngo-z", "zed", Role::Reader);
    let cols = hub.collections_for(&p).unwrap();
    assert_eq!(cols.len(), 1);
    assert_eq!(cols[0].0.slug, "directory");
    assert_eq!(cols[0].0.default_tlp, Tlp::Clear);
    assert_eq!(cols[0].1, RO);
    let objs = read_all(hub, &p, hub.directory_id(), &ObjectFilter::default());
    let got = ids(&objs);
    assert!(got.contains(&stix::org_identity_id("gov-fr")));
    assert!(got.contains(&stix::org_identity_id("ngo-z")));
    assert!(got.contains(&hub.hub_identity_id().to_string()));
    assert!(got.contains(&stix::RECIPIENTS_EXTENSION_ID.to_string()));
    assert!(got.contains(&stix::CASES_EXTENSION_ID.to_string()));
    assert_eq!(objs.len(), 5);
    for o in &objs {
        assert!(stix::check_object(o).is_ok(), "{o}");
    }
    // Reopening the same database does not duplicate anything.
    let path = t.dir.path().join("hub.db");
    drop(objs);
    let store = std::sync::Arc::new(store_sqlite::SqliteStore::open(&path).unwrap());
    let hub2 = hub::Hub::new(store.clone(), hub::HubConfig::new([1; 32])).unwrap();
    assert_eq!(hub2.directory_id(), hub.directory_id());
    assert_eq!(store.count_objects(hub2.directory_id()).unwrap(), 5);
    // An organisation whose identity never reached the directory is repaired on start.
    let id = stix::org_identity_id("half-made");
    let identity = stix::identity_object(&id, "Half made", "organization", &[], 0);
    store
        .create_org(&store::NewOrg {
            slug: "half-made".into(),
            name: "Half made".into(),
            sector: Sector::Other,
            country: "NL".into(),
            identity_id: id.clone(),
            identity_json: identity.to_string(),
        })
        .unwrap();
    drop(hub2);
    drop(store);
    let store = store_sqlite::SqliteStore::open(&path).unwrap();
    let hub3 = hub::Hub::new(std::sync::Arc::new(store), hub::HubConfig::new([1; 32])).unwrap();
    let objs = read_all(&hub3, &p, hub3.directory_id(), &ObjectFilter::default());
    assert!(ids(&objs).contains(&id));
    assert_eq!(objs.len(), 6);
}

#[test]
fn collections_are_visible_only_with_a_grant() {
    let t = new_hub();
    let hub = &t.hub;
    let a = org_with_user(hub, "org-a", "a1", Role::Analyst);
    let b = org_with_user(hub, "org-b", "b1", Role::Analyst);
    let col = hub
        .add_collection(Actor::Operator, "shared", "Shared", "", None)
        .unwrap();
    hub.grant(Actor::Operator, "org-a", "shared", RW).unwrap();
    let (c, access) = hub.collection_for(&a, &col.id).unwrap();
    assert_eq!((c.id.as_str(), access), (col.id.as_str(), RW));
    assert_eq!(hub.collection_for(&a, "shared").unwrap().0.id, col.id);
    let e = hub.collection_for(&b, &col.id).unwrap_err();
    assert_eq!(e.code(), "not_found");
    let e2 = hub.collection_for(&b, "no-such-collection").unwrap_err();
    // Unknown and invisible look the same apart from the name asked for.
    assert_eq!(e2.code(), "not_found");
    assert_eq!(hub.collections_for(&b).unwrap().len(), 1);
    hub.grant(Actor::Operator, "org-a", "shared", Access::default())
        .unwrap();
    assert_eq!(
        hub.collection_for(&a, &col.id).unwrap_err().code(),
        "not_found"
    );
    let cfg = hub.config();
    assert_eq!((cfg.max_page, cfg.status_retention_secs), (1000, 86_400));
}

#[test]
fn configuration_is_checked_and_errors_have_stable_codes() {
    let dir = tempfile::tempdir().unwrap();
    let open =
        || std::sync::Arc::new(store_sqlite::SqliteStore::open(&dir.path().join("c.db")).unwrap());
    let mut cfg = hub::HubConfig::new([0; 32]);
    cfg.max_page = 0;
    assert_eq!(
        hub::Hub::new(open(), cfg).unwrap_err().code(),
        "invalid_input"
    );
    let mut cfg = hub::HubConfig::new([0; 32]);
    cfg.status_retention_secs = 3600;
    let e = hub::Hub::new(open(), cfg).unwrap_err();
    assert!(e.to_string().contains("status_retention_secs"), "{e}");
    // The key never shows in debug output.
    let cfg = hub::HubConfig::new([0xAB; 32]);
    assert!(!format!("{cfg:?}").contains("171"));
    let codes = [
        (HubError::Unauthenticated, "unauthenticated"),
        (HubError::Forbidden("x".into()), "forbidden"),
        (HubError::NotFound("x".into()), "not_found"),
        (
            HubError::Invalid {
                field: "f".into(),
                message: "m".into(),
            },
            "invalid_input",
        ),
        (HubError::BadCursor("x".into()), "bad_cursor"),
        (HubError::Conflict("x".into()), "conflict"),
        (HubError::ExportRefused("x".into()), "export_refused"),
        (
            HubError::Store(store::StoreError::Backend("disk".into())),
            "internal",
        ),
        (HubError::internal("hashing", "argon2 said no"), "internal"),
        (HubError::broken("an invariant"), "internal"),
    ];
    for (e, code) in codes {
        assert_eq!(e.code(), code);
        assert!(!e.to_string().is_empty());
    }
}

/// An audit record for direct store calls.
fn store_audit() -> store::NewAudit {
    store::NewAudit {
        actor: "operator".into(),
        actor_org_id: None,
        action: "test".into(),
        target: "test".into(),
        target_org_id: None,
        detail: String::new(),
    }
}

#[test]
fn an_org_admin_is_not_a_hub_superuser() {
    let t = new_hub();
    let hub = &t.hub;
    let ca = org_with_user(hub, "gov-ca", "ca-admin", Role::Admin);
    org_with_user(hub, "gov-ca", "ca-analyst", Role::Analyst);
    org_with_user(hub, "gov-de", "de-analyst", Role::Analyst);
    hub.add_collection(Actor::Operator, "g7", "G7", "", None)
        .unwrap();
    let admin = Actor::User(&ca);
    // A user of another organisation answers exactly like an unknown one.
    let foreign = hub.create_token(admin, "de-analyst", "steal").unwrap_err();
    let unknown = hub.create_token(admin, "nobody", "steal").unwrap_err();
    assert_eq!(foreign.code(), "not_found");
    assert_eq!(
        foreign.to_string().replace("de-analyst", "X"),
        unknown.to_string().replace("nobody", "X")
    );
    for e in [
        hub.list_tokens(admin, "de-analyst").map(|_| ()),
        hub.set_disabled(admin, "de-analyst", true).map(|_| ()),
        hub.set_password(admin, "de-analyst", None, "new password 1")
            .map(|_| ()),
    ] {
        assert_eq!(e.unwrap_err().code(), "not_found");
    }
    // Cross-organisation and hub-wide powers are the operator's.
    for e in [
        hub.add_user(admin, "gov-de", "mole", Role::Admin, None)
            .map(|_| ()),
        hub.add_user(admin, "gov-ca", "boss", Role::Operator, None)
            .map(|_| ()),
        hub.grant(admin, "gov-ca", "g7", RO),
        hub.add_org(admin, "x-org", "X", Sector::Other, "US")
            .map(|_| ()),
        hub.add_collection(admin, "c9", "C", "", None).map(|_| ()),
        hub.list_collections_admin(admin).map(|_| ()),
        // Even in its own organisation, a token is minted only by its user.
        hub.create_token(admin, "ca-analyst", "").map(|_| ()),
    ] {
        let e = e.unwrap_err();
        assert_eq!(e.code(), "forbidden", "{e}");
    }
    assert!(t.store.user_by_name("mole").unwrap().is_none());
    // What an organisation admin may do: its own organisation's accounts.
    hub.add_user(admin, "gov-ca", "ca-new", Role::Reader, None)
        .unwrap();
    assert!(hub.create_token(admin, "ca-admin", "mine").is_ok());
    hub.set_disabled(admin, "ca-analyst", true).unwrap();
    hub.set_disabled(admin, "ca-analyst", false).unwrap();
    let orgs: Vec<String> = hub
        .list_orgs(admin)
        .unwrap()
        .into_iter()
        .map(|o| o.slug)
        .collect();
    assert_eq!(orgs, vec!["gov-ca"]);
    assert_eq!(hub.list_orgs(Actor::Operator).unwrap().len(), 2);
}

#[test]
fn revocation_disable_and_password_change_act_at_once_and_are_audited() {
    let t = new_hub();
    let hub = &t.hub;
    hub.add_org(
        Actor::Operator,
        "gov-ca",
        "Canada",
        Sector::Government,
        "ca",
    )
    .unwrap();
    hub.add_org(
        Actor::Operator,
        "gov-de",
        "Germany",
        Sector::Government,
        "de",
    )
    .unwrap();
    hub.add_user(
        Actor::Operator,
        "gov-ca",
        "boss",
        Role::Admin,
        Some("boss password"),
    )
    .unwrap();
    hub.add_user(
        Actor::Operator,
        "gov-ca",
        "alice",
        Role::Analyst,
        Some("first password"),
    )
    .unwrap();
    hub.add_user(Actor::Operator, "gov-de", "dieter", Role::Analyst, None)
        .unwrap();
    let alice = hub.authenticate_basic("alice", "first password").unwrap();
    let boss = hub.authenticate_basic("boss", "boss password").unwrap();
    let me = Actor::User(&alice);

    // Own tokens: mint, list, revoke; a cached token stops at once.
    let tok = hub.create_token(me, "alice", "laptop").unwrap();
    let lookup = hub::token_lookup(&tok).unwrap().to_string();
    hub.authenticate_token(&tok).unwrap();
    let listed = hub.list_tokens(me, "alice").unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].lookup.as_str(), listed[0].revoked),
        (lookup.as_str(), false)
    );
    hub.revoke_token(me, &lookup).unwrap();
    assert!(hub.authenticate_token(&tok).is_err());
    assert!(hub.list_tokens(me, "alice").unwrap()[0].revoked);
    // Another organisation's token answers like an unknown one.
    let de_tok = hub.create_token(Actor::Operator, "dieter", "").unwrap();
    let de_lookup = hub::token_lookup(&de_tok).unwrap().to_string();
    let e = hub
        .revoke_token(Actor::User(&boss), &de_lookup)
        .unwrap_err();
    assert_eq!(e.code(), "not_found");
    assert!(hub.authenticate_token(&de_tok).is_ok());

    // Own password: needs the current one.
    let e = hub
        .set_password(me, "alice", None, "second password")
        .unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    let e = hub
        .set_password(me, "alice", Some("wrong password"), "second password")
        .unwrap_err();
    assert_eq!(e.code(), "forbidden");
    hub.set_password(me, "alice", Some("first password"), "second password")
        .unwrap();
    assert!(hub.authenticate_basic("alice", "first password").is_err());
    hub.authenticate_basic("alice", "second password").unwrap();
    // The org admin resets it without the current one.
    hub.set_password(Actor::User(&boss), "alice", None, "third password")
        .unwrap();
    assert!(hub.authenticate_basic("alice", "second password").is_err());

    // Disable: the cached password and every token stop at once; enable restores them.
    hub.authenticate_basic("alice", "third password").unwrap();
    let tok2 = hub.create_token(Actor::Operator, "alice", "ci").unwrap();
    hub.authenticate_token(&tok2).unwrap();
    hub.set_disabled(Actor::User(&boss), "alice", true).unwrap();
    assert!(hub.authenticate_basic("alice", "third password").is_err());
    assert!(hub.authenticate_token(&tok2).is_err());
    assert!(hub
        .cached_basic("alice", "third password")
        .unwrap()
        .is_none());
    hub.set_disabled(Actor::Operator, "alice", false).unwrap();
    hub.authenticate_basic("alice", "third password").unwrap();
    hub.authenticate_token(&tok2).unwrap();

    // The audit log: everything for the operator, the admin's organisation for the admin,
    // nothing for an analyst.
    let all = hub.audit_log(Actor::Operator, 0, 1000).unwrap();
    let actions: Vec<(&str, &str, &str)> = all
        .iter()
        .map(|r| (r.actor.as_str(), r.action.as_str(), r.target.as_str()))
        .collect();
    let tok_target = format!("alice/{lookup}");
    for want in [
        ("operator", "user.create", "alice"),
        ("alice", "token.create", tok_target.as_str()),
        ("alice", "token.revoke", tok_target.as_str()),
        ("alice", "user.password", "alice"),
        ("boss", "user.password", "alice"),
        ("boss", "user.disable", "alice"),
        ("operator", "user.enable", "alice"),
    ] {
        assert!(actions.contains(&want), "{want:?} missing from {actions:?}");
    }
    assert!(all.iter().all(|r| !r.detail.contains("password ")));
    let mine = hub.audit_log(Actor::User(&boss), 0, 1000).unwrap();
    assert!(!mine.is_empty());
    assert!(mine
        .iter()
        .all(|r| r.target_org.as_deref() == Some("gov-ca")
            || r.actor_org.as_deref() == Some("gov-ca")));
    assert!(mine.iter().all(|r| !r.target.starts_with("dieter")));
    assert!(all.iter().any(|r| r.target.starts_with("dieter")));
    assert_eq!(hub.audit_log(me, 0, 10).unwrap_err().code(), "forbidden");
}

#[test]
fn internal_errors_keep_their_source_chain() {
    let parse = serde_json::from_str::<serde_json::Value>("{not json").unwrap_err();
    let e = HubError::internal("the stored thing does not parse", parse);
    assert_eq!(e.code(), "internal");
    assert_eq!(
        e.to_string(),
        "internal failure: the stored thing does not parse"
    );
    let source = std::error::Error::source(&e).expect("the serde error is kept");
    assert!(
        source.to_string().contains("key must be a string"),
        "{source}"
    );
    assert!(std::error::Error::source(&HubError::broken("x")).is_none());
}
