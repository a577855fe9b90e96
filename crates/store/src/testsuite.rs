//! The shared test suite every `Store` backend runs (cargo feature `testsuite`).
//!
//! Each case is a `pub fn(&dyn Store)` that expects a fresh, empty store and exercises the
//! contract through the trait only, so SQLite today and PostgreSQL tomorrow are held to
//! the same rules. A backend runs them all as separate tests with
//! [`store_testsuite!`](crate::store_testsuite):
//!
//! ```text
//! fn with_store(case: fn(&dyn store::Store)) {
//!     let dir = tempfile::tempdir().unwrap();
//!     let store = MyStore::open(&dir.path().join("db")).unwrap();
//!     case(&store);
//! }
//! store::store_testsuite!(with_store);
//! ```
//!
//! Rules the cases pin down beyond the trait's documentation:
//! - ownership and revocation are facts about a STIX id in one collection and outlive
//!   deletes; another collection knows nothing of them;
//! - after an object is revoked in a collection, every new version there (older or newer)
//!   gives `Revoked`, identical re-posts are `Unchanged`, and deleting the revoking version
//!   gives `Revoked`;
//! - unversioned objects (cyber-observables) are owned by nobody: each organisation has its
//!   own copy;
//! - collection-scoped reads and deletes of an unknown collection give `NotFound`, while
//!   `grant` answers "no access";
//! - a `VersionFilter` with no selector selects nothing.
//! - an empty `spec_versions` applies no filter: TAXII asks for the latest spec version of
//!   each object, and rrm accepts only 2.1, so every stored object qualifies.

use std::ops::ControlFlow;

use crate::{
    Access, AddOutcome, NewCollection, NewObject, NewOrg, NewToken, NewUser, ObjectQuery, Org,
    Position, Role, Sector, Status, Store, StoreError, StoredObject, Tlp, User, VersionFilter,
};
use crate::{
    AdListing, AdQuery, ElectionRecord, NewAdSubmission, NewCreative, NewViolation, PlatformRecord,
    SponsorRecord, ViolationQuery,
};
use crate::{AuditQuery, NewAudit};
use crate::{BankUpdate, FeedbackCounts, FeedbackKind, Labels, NewBank, NewEntry, SignalType};

/// One case of the suite: it expects a fresh, empty store.
pub type Case = fn(&dyn Store);

/// Every case, by name.
pub const CASES: &[(&str, Case)] = &[
    ("orgs", orgs),
    ("users", users),
    ("tokens", tokens),
    ("collections", collections),
    ("grants", grants),
    ("object_round_trip", object_round_trip),
    (
        "identical_version_is_unchanged",
        identical_version_is_unchanged,
    ),
    (
        "same_version_other_content_conflicts",
        same_version_other_content_conflicts,
    ),
    ("unversioned_objects", unversioned_objects),
    ("only_the_owner_adds_versions", only_the_owner_adds_versions),
    ("revocation_is_final", revocation_is_final),
    ("observables_are_shared_by_id", observables_are_shared_by_id),
    ("org_with_identity_is_atomic", org_with_identity_is_atomic),
    ("batch_outcomes", batch_outcomes),
    ("date_added_increases", date_added_increases),
    ("filters", filters),
    ("version_filters", version_filters),
    ("version_flags_after_delete", version_flags_after_delete),
    ("paging", paging),
    ("unknown_collections", unknown_collections),
    ("collections_are_isolated", collections_are_isolated),
    ("statuses", statuses),
    ("banks", banks),
    ("bank_entries", bank_entries),
    ("bank_feedback", bank_feedback),
    (
        "ad_elections_sponsors_platforms",
        ad_elections_sponsors_platforms,
    ),
    ("ad_versions_and_search", ad_versions_and_search),
    ("ad_rejected_and_violations", ad_rejected_and_violations),
    ("ad_retention", ad_retention),
    ("account_audit", account_audit),
];

/// Runs every case, each on a fresh store from `make`.
pub fn run_all(make: &dyn Fn() -> Box<dyn Store>) {
    for (_, case) in CASES {
        let store = make();
        case(&*store);
    }
}

/// Defines one `#[test]` per case of the suite. `$with_store` is a
/// `fn(fn(&dyn store::Store))` that builds a fresh store, calls the case on it and cleans up.
#[macro_export]
macro_rules! store_testsuite {
    ($with_store:path) => {
        $crate::store_testsuite!(@cases $with_store;
            orgs, users, tokens, collections, grants, object_round_trip,
            identical_version_is_unchanged, same_version_other_content_conflicts,
            unversioned_objects, only_the_owner_adds_versions, revocation_is_final,
            observables_are_shared_by_id, org_with_identity_is_atomic,
            batch_outcomes, date_added_increases, filters, version_filters,
            version_flags_after_delete, paging, unknown_collections,
            collections_are_isolated, statuses, banks, bank_entries, bank_feedback,
            ad_elections_sponsors_platforms, ad_versions_and_search,
            ad_rejected_and_violations, ad_retention, account_audit);
    };
    (@cases $with_store:path; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                $with_store($crate::testsuite::$case)
            }
        )*
    };
}

// ---------------------------------------------------------------------------------------
// Fixtures.

/// An audit record of the local operator, for calls whose audit the case does not check.
fn test_audit() -> NewAudit {
    NewAudit {
        actor: "operator".into(),
        actor_org_id: None,
        action: "test".into(),
        target: "test".into(),
        target_org_id: None,
        detail: String::new(),
    }
}

/// A deterministic `identity--UUID` for test number `n`.
fn identity_id(n: u64) -> String {
    format!("identity--00000000-0000-4000-8000-{n:012x}")
}

/// A deterministic collection UUID for test number `n`.
fn collection_uuid(n: u64) -> String {
    format!("c0000000-0000-4000-8000-{n:012x}")
}

/// A deterministic `indicator--UUID` for test number `n`.
fn indicator_id(n: u64) -> String {
    format!("indicator--10000000-0000-4000-8000-{n:012x}")
}

fn new_org(slug: &str, n: u64) -> NewOrg {
    NewOrg {
        slug: slug.to_string(),
        name: format!("Organisation {slug}"),
        sector: Sector::ALL[(n as usize) % Sector::ALL.len()],
        country: "CA".to_string(),
        identity_id: identity_id(n),
        identity_json: format!(
            r#"{{"type":"identity","id":"{}","name":"{slug}"}}"#,
            identity_id(n)
        ),
    }
}

fn new_collection(slug: &str, n: u64) -> NewCollection {
    NewCollection {
        id: collection_uuid(n),
        slug: slug.to_string(),
        title: format!("Collection {slug}"),
        description: format!("Test collection {n}"),
        default_tlp: Tlp::Amber,
    }
}

/// Two organisations with one analyst each, and two collections.
struct Fixture {
    a: Org,
    b: Org,
    ua: User,
    ub: User,
    c1: String,
    c2: String,
}

fn fixture(s: &dyn Store) -> Fixture {
    let a = s.create_org(&new_org("org-a", 1)).expect("create org-a");
    let b = s.create_org(&new_org("org-b", 2)).expect("create org-b");
    let ua = s
        .create_user(
            &NewUser {
                org_id: a.id,
                username: "alice".into(),
                role: Role::Analyst,
                password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
            },
            &test_audit(),
        )
        .expect("create alice");
    let ub = s
        .create_user(
            &NewUser {
                org_id: b.id,
                username: "bob".into(),
                role: Role::Analyst,
                password_hash: None,
            },
            &test_audit(),
        )
        .expect("create bob");
    let c1 = s
        .create_collection(&new_collection("one", 1))
        .expect("create collection one")
        .id;
    let c2 = s
        .create_collection(&new_collection("two", 2))
        .expect("create collection two")
        .id;
    Fixture {
        a,
        b,
        ua,
        ub,
        c1,
        c2,
    }
}

/// A base version time: 2023-11-14T22:13:20Z in microseconds.
const T0: i64 = 1_700_000_000_000_000;

/// An indicator version by `user` in `collection`, version `T0 + v` ms.
fn indicator(collection: &str, n: u64, v: i64, user: &User, extra: &str) -> NewObject {
    let id = indicator_id(n);
    let version = T0 + v * 1000;
    NewObject {
        collection_id: collection.to_string(),
        id: id.clone(),
        stix_type: "indicator".into(),
        spec_version: "2.1".into(),
        version: Some(version),
        json: format!(
            r#"{{"type":"indicator","spec_version":"2.1","id":"{id}","modified":{version},"x":"{extra}"}}"#
        ),
        tlp: None,
        recipients: Vec::new(),
        created_by_ref: None,
        revoked: false,
        submitter_user_id: user.id,
        submitter_org_id: user.org_id,
        owner_org_id: user.org_id,
    }
}

fn added(outcome: &Result<AddOutcome, StoreError>, what: &str) -> i64 {
    match outcome {
        Ok(AddOutcome::Added { date_added }) => *date_added,
        other => panic!("{what}: expected Added, got {other:?}"),
    }
}

fn scan(s: &dyn Store, q: &ObjectQuery) -> Vec<StoredObject> {
    let mut out = Vec::new();
    s.scan_objects(q, &mut |o| {
        out.push(o);
        ControlFlow::Continue(())
    })
    .expect("scan_objects");
    out
}

fn query(collection: &str) -> ObjectQuery {
    ObjectQuery {
        collection_id: collection.to_string(),
        ..ObjectQuery::default()
    }
}

/// (id, version) pairs of a scan, for compact comparisons.
fn keys(objs: &[StoredObject]) -> Vec<(String, Option<i64>)> {
    objs.iter().map(|o| (o.id.clone(), o.version)).collect()
}

fn key(n: u64, v: i64) -> (String, Option<i64>) {
    (indicator_id(n), Some(T0 + v * 1000))
}

fn assert_sorted(objs: &[StoredObject]) {
    for w in objs.windows(2) {
        assert!(
            (w[0].date_added, w[0].seq) < (w[1].date_added, w[1].seq),
            "scan out of (date_added, seq) order: {:?} then {:?}",
            (w[0].date_added, w[0].seq),
            (w[1].date_added, w[1].seq)
        );
    }
}

// ---------------------------------------------------------------------------------------
// Accounts.

/// Organisations: create, find by slug, id and identity, list by slug, unique slug and
/// identity.
pub fn orgs(s: &dyn Store) {
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
pub fn users(s: &dyn Store) {
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
pub fn tokens(s: &dyn Store) {
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
pub fn collections(s: &dyn Store) {
    let mut made = Vec::new();
    for (i, tlp) in Tlp::ALL.into_iter().enumerate() {
        let mut n = new_collection(&format!("c{}", 9 - i), i as u64);
        n.default_tlp = tlp;
        let c = s.create_collection(&n).unwrap();
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
    match s.create_collection(&new_collection("c9", 50)) {
        Err(StoreError::Conflict(msg)) => assert!(msg.contains("c9"), "{msg}"),
        other => panic!("duplicate collection slug: expected Conflict, got {other:?}"),
    }
    match s.create_collection(&new_collection("fresh", 0)) {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("duplicate collection id: expected Conflict, got {other:?}"),
    }
    assert_eq!(s.list_collections().unwrap().len(), Tlp::ALL.len());
}

/// Grants: none by default, set, replace, remove, list, unknown org or collection.
pub fn grants(s: &dyn Store) {
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
    s.set_grant(fx.a.id, &fx.c1, read).unwrap();
    s.set_grant(fx.b.id, &fx.c1, rw).unwrap();
    assert_eq!(s.grant(fx.a.id, &fx.c1).unwrap(), read);
    assert_eq!(s.grant(fx.b.id, &fx.c1).unwrap(), rw);
    assert_eq!(
        s.grant(fx.a.id, &fx.c2).unwrap(),
        none,
        "grants are per collection"
    );
    s.set_grant(fx.a.id, &fx.c1, rw).unwrap();
    assert_eq!(s.grant(fx.a.id, &fx.c1).unwrap(), rw, "set_grant replaces");
    let mut listed = s.list_grants(&fx.c1).unwrap();
    listed.sort_by_key(|g| g.org_id);
    assert_eq!(listed.len(), 2);
    assert!(listed
        .iter()
        .all(|g| g.collection_id == fx.c1 && g.access == rw));
    s.set_grant(fx.a.id, &fx.c1, none).unwrap();
    assert_eq!(s.grant(fx.a.id, &fx.c1).unwrap(), none);
    let listed = s.list_grants(&fx.c1).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].org_id, fx.b.id);

    match s.set_grant(fx.a.id, &collection_uuid(99), read) {
        Err(StoreError::NotFound(_)) => {}
        other => panic!("grant on an unknown collection: expected NotFound, got {other:?}"),
    }
    match s.set_grant(fx.a.id + fx.b.id + 100, &fx.c1, read) {
        Err(StoreError::NotFound(_)) => {}
        other => panic!("grant to an unknown org: expected NotFound, got {other:?}"),
    }
    assert_eq!(s.grant(fx.a.id, &collection_uuid(99)).unwrap(), none);
}

// ---------------------------------------------------------------------------------------
// Objects.

/// Every field of an added object reads back equal.
pub fn object_round_trip(s: &dyn Store) {
    let fx = fixture(s);
    let mut o = indicator(&fx.c1, 1, 0, &fx.ua, "é \"quoted\" \\ \u{1F600}");
    o.tlp = Some(Tlp::Red);
    o.recipients = vec![identity_id(2), identity_id(7)];
    o.created_by_ref = Some(identity_id(1));
    let d = added(&s.add_object(&o), "first add");
    let mut plain = indicator(&fx.c1, 2, 0, &fx.ub, "");
    plain.owner_org_id = fx.b.id;
    plain.stix_type = "x-custom-thing".into();
    added(&s.add_object(&plain), "second add");

    let got = scan(s, &query(&fx.c1));
    assert_eq!(got.len(), 2);
    let r = &got[0];
    assert_eq!(r.collection_id, fx.c1);
    assert_eq!(r.id, o.id);
    assert_eq!(r.stix_type, "indicator");
    assert_eq!(r.spec_version, "2.1");
    assert_eq!(r.version, o.version);
    assert_eq!(r.date_added, d);
    assert_eq!(r.json, o.json, "json is kept byte for byte");
    assert_eq!(r.tlp, Some(Tlp::Red));
    assert_eq!(r.recipients, o.recipients);
    assert_eq!(r.created_by_ref, o.created_by_ref);
    assert_eq!(r.submitter_user_id, fx.ua.id);
    assert_eq!(r.submitter_org_id, fx.a.id);
    let p = &got[1];
    assert_eq!(p.stix_type, "x-custom-thing");
    assert_eq!(p.tlp, None);
    assert!(p.recipients.is_empty());
    assert_eq!(p.created_by_ref, None);
    assert_eq!(p.submitter_user_id, fx.ub.id);
    assert_eq!(s.count_objects(&fx.c1).unwrap(), 2);
    assert_eq!(s.count_objects(&fx.c2).unwrap(), 0);
}

/// Re-adding the identical version is `Unchanged` with the stored `date_added`.
pub fn identical_version_is_unchanged(s: &dyn Store) {
    let fx = fixture(s);
    let o = indicator(&fx.c1, 1, 0, &fx.ua, "same");
    let d = added(&s.add_object(&o), "add");
    assert_eq!(
        s.add_object(&o).unwrap(),
        AddOutcome::Unchanged { date_added: d }
    );
    // Another submitter of the same organisation, or even another organisation, re-posting
    // the identical version changes nothing.
    let mut again = o.clone();
    again.submitter_user_id = fx.ub.id;
    again.submitter_org_id = fx.b.id;
    again.owner_org_id = fx.b.id;
    assert_eq!(
        s.add_object(&again).unwrap(),
        AddOutcome::Unchanged { date_added: d }
    );
    assert_eq!(s.count_objects(&fx.c1).unwrap(), 1);
    assert_eq!(scan(s, &query(&fx.c1))[0].submitter_user_id, fx.ua.id);
}

/// The same (id, version) with other content is a `VersionConflict` naming the id.
pub fn same_version_other_content_conflicts(s: &dyn Store) {
    let fx = fixture(s);
    let o = indicator(&fx.c1, 1, 0, &fx.ua, "one");
    added(&s.add_object(&o), "add");
    let changed = indicator(&fx.c1, 1, 0, &fx.ua, "two");
    match s.add_object(&changed) {
        Err(StoreError::VersionConflict { id, version }) => {
            assert_eq!(id, o.id);
            assert!(!version.is_empty());
        }
        other => panic!("expected VersionConflict, got {other:?}"),
    }
    let got = scan(s, &query(&fx.c1));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json, o.json, "the stored version is untouched");
}

/// Objects without a version: identical is `Unchanged`, different is `VersionConflict`.
pub fn unversioned_objects(s: &dyn Store) {
    let fx = fixture(s);
    let sco = |value: &str| NewObject {
        collection_id: fx.c1.clone(),
        id: "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd".into(),
        stix_type: "ipv4-addr".into(),
        spec_version: "2.1".into(),
        version: None,
        json: format!(r#"{{"type":"ipv4-addr","value":"{value}"}}"#),
        tlp: Some(Tlp::Clear),
        recipients: Vec::new(),
        created_by_ref: None,
        revoked: false,
        submitter_user_id: fx.ua.id,
        submitter_org_id: fx.a.id,
        owner_org_id: fx.a.id,
    };
    let d = added(&s.add_object(&sco("198.51.100.3")), "add SCO");
    assert_eq!(
        s.add_object(&sco("198.51.100.3")).unwrap(),
        AddOutcome::Unchanged { date_added: d }
    );
    match s.add_object(&sco("198.51.100.4")) {
        Err(StoreError::VersionConflict { id, .. }) => assert!(id.starts_with("ipv4-addr--")),
        other => panic!("different unversioned content: expected VersionConflict, got {other:?}"),
    }
    let got = scan(s, &query(&fx.c1));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].version, None);
    // The only version is both first and last.
    let first = ObjectQuery {
        versions: VersionFilter {
            all: false,
            last: false,
            first: true,
            at: Vec::new(),
        },
        ..query(&fx.c1)
    };
    assert_eq!(scan(s, &first).len(), 1);
}

/// The first owner of an id in a collection is the only organisation that may add versions
/// there; other collections are independent.
pub fn only_the_owner_adds_versions(s: &dyn Store) {
    let fx = fixture(s);
    added(
        &s.add_object(&indicator(&fx.c1, 1, 0, &fx.ua, "")),
        "v0 by a",
    );
    let by_b = indicator(&fx.c1, 1, 1, &fx.ub, "");
    match s.add_object(&by_b) {
        Err(StoreError::NotOwner { id }) => assert_eq!(id, indicator_id(1)),
        other => panic!("version by another org: expected NotOwner, got {other:?}"),
    }
    // Ownership is per collection: what org a stored in c1 tells nothing in c2, where org b
    // may start the same id (and then owns it there).
    let by_b_elsewhere = indicator(&fx.c2, 1, 5, &fx.ub, "");
    added(&s.add_object(&by_b_elsewhere), "v5 by b in c2");
    assert!(matches!(
        s.add_object(&indicator(&fx.c2, 1, 6, &fx.ua, "")),
        Err(StoreError::NotOwner { .. })
    ));
    // The owner may; a submitter of another org acting for the owner (owner_org_id = a) is
    // accepted too.
    added(
        &s.add_object(&indicator(&fx.c1, 1, 1, &fx.ua, "")),
        "v1 by a",
    );
    let mut on_behalf = indicator(&fx.c1, 1, 3, &fx.ub, "");
    on_behalf.owner_org_id = fx.a.id;
    added(&s.add_object(&on_behalf), "v3 for a");
    // Ownership in a collection outlives deletes.
    s.delete_object(&fx.c1, &indicator_id(1), &VersionFilter::all())
        .unwrap();
    assert!(matches!(
        s.add_object(&indicator(&fx.c1, 1, 9, &fx.ub, "")),
        Err(StoreError::NotOwner { .. })
    ));
    assert_eq!(s.count_objects(&fx.c1).unwrap(), 0);
}

/// After a revoked version, nothing new is accepted in that collection, and the revoking
/// version cannot be deleted; another collection is independent.
pub fn revocation_is_final(s: &dyn Store) {
    let fx = fixture(s);
    added(&s.add_object(&indicator(&fx.c1, 1, 0, &fx.ua, "")), "v0");
    let mut revoke = indicator(&fx.c1, 1, 5, &fx.ua, "revoked");
    revoke.revoked = true;
    added(&s.add_object(&revoke), "revoking version");
    match s.add_object(&indicator(&fx.c1, 1, 6, &fx.ua, "")) {
        Err(StoreError::Revoked { id }) => assert_eq!(id, indicator_id(1)),
        other => panic!("version after revocation: expected Revoked, got {other:?}"),
    }
    // A backdated version is refused too.
    assert!(matches!(
        s.add_object(&indicator(&fx.c1, 1, 2, &fx.ua, "backdated")),
        Err(StoreError::Revoked { .. })
    ));
    // Re-posting what is stored is Unchanged.
    assert!(matches!(
        s.add_object(&revoke),
        Ok(AddOutcome::Unchanged { .. })
    ));
    assert!(matches!(
        s.add_object(&indicator(&fx.c1, 1, 0, &fx.ua, "")),
        Ok(AddOutcome::Unchanged { .. })
    ));
    // Copying the history, revocation included, into another collection is accepted.
    let mut copy = indicator(&fx.c2, 1, 0, &fx.ua, "");
    added(&s.add_object(&copy), "v0 copied");
    copy = revoke.clone();
    copy.collection_id = fx.c2.clone();
    added(&s.add_object(&copy), "revoking version copied");
    // The revoking version may not be deleted while other versions would remain (they would
    // read as un-revoked); earlier versions may; deleting every version is allowed, and the
    // object stays revoked.
    let at = |v: i64| VersionFilter {
        all: false,
        last: false,
        first: false,
        at: vec![T0 + v * 1000],
    };
    match s.delete_object(&fx.c1, &indicator_id(1), &at(5)) {
        Err(StoreError::Revoked { id }) => assert_eq!(id, indicator_id(1)),
        other => panic!("deleting the revoking version: expected Revoked, got {other:?}"),
    }
    assert_eq!(s.count_objects(&fx.c1).unwrap(), 2);
    assert_eq!(
        s.delete_object(&fx.c1, &indicator_id(1), &at(0)).unwrap(),
        1
    );
    // The revoking version is still the last one, and nothing can follow it.
    let last = ObjectQuery {
        versions: VersionFilter {
            all: false,
            last: true,
            first: false,
            at: Vec::new(),
        },
        ..query(&fx.c1)
    };
    assert_eq!(keys(&scan(s, &last)), vec![key(1, 5)]);
    assert!(matches!(
        s.add_object(&indicator(&fx.c1, 1, 0, &fx.ua, "")),
        Err(StoreError::Revoked { .. })
    ));
    // A revoked object of another org is NotOwner first.
    assert!(matches!(
        s.add_object(&indicator(&fx.c1, 1, 9, &fx.ub, "")),
        Err(StoreError::NotOwner { .. })
    ));
    // Deleting every version removes the object; it stays revoked, so nothing brings it back.
    assert_eq!(
        s.delete_object(&fx.c2, &indicator_id(1), &VersionFilter::all())
            .unwrap(),
        2
    );
    assert!(scan(s, &query(&fx.c2)).is_empty());
    for v in [0, 6] {
        assert!(matches!(
            s.add_object(&indicator(&fx.c2, 1, v, &fx.ua, "")),
            Err(StoreError::Revoked { .. })
        ));
    }
}

/// Unversioned objects (cyber-observables) belong to nobody: each organisation stores and
/// deletes its own copy, whatever other organisations stored under the same id.
pub fn observables_are_shared_by_id(s: &dyn Store) {
    let fx = fixture(s);
    let sco = |user: &User, value: &str, tlp: Tlp| NewObject {
        collection_id: fx.c1.clone(),
        id: "domain-name--ff26c055-6336-5bc5-b98d-13d6226742dd".into(),
        stix_type: "domain-name".into(),
        spec_version: "2.1".into(),
        version: None,
        json: format!(r#"{{"type":"domain-name","value":"{value}"}}"#),
        tlp: Some(tlp),
        recipients: Vec::new(),
        created_by_ref: None,
        revoked: false,
        submitter_user_id: user.id,
        submitter_org_id: user.org_id,
        owner_org_id: user.org_id,
    };
    let da = added(
        &s.add_object(&sco(&fx.ua, "example.com", Tlp::Red)),
        "a's copy",
    );
    // Org b stores the same id, with other content and marking: its own copy.
    let db = added(
        &s.add_object(&sco(&fx.ub, "example.com ", Tlp::Clear)),
        "b's copy",
    );
    assert!(db > da);
    assert!(matches!(
        s.add_object(&sco(&fx.ub, "example.com ", Tlp::Clear)),
        Ok(AddOutcome::Unchanged { date_added }) if date_added == db
    ));
    assert!(matches!(
        s.add_object(&sco(&fx.ub, "other", Tlp::Clear)),
        Err(StoreError::VersionConflict { .. })
    ));
    let got = scan(s, &query(&fx.c1));
    assert_eq!(got.len(), 2);
    assert_eq!(
        got.iter()
            .map(|o| (o.submitter_org_id, o.tlp))
            .collect::<Vec<_>>(),
        vec![(fx.a.id, Some(Tlp::Red)), (fx.b.id, Some(Tlp::Clear))]
    );
    // Each copy is its own first and last version.
    let last = ObjectQuery {
        versions: VersionFilter {
            all: false,
            last: true,
            first: false,
            at: Vec::new(),
        },
        ..query(&fx.c1)
    };
    assert_eq!(scan(s, &last).len(), 2);
    // Deleting b's copy leaves a's.
    let id = "domain-name--ff26c055-6336-5bc5-b98d-13d6226742dd";
    assert_eq!(s.delete_copy(&fx.c1, id, fx.b.id).unwrap(), 1);
    assert_eq!(s.delete_copy(&fx.c1, id, fx.b.id).unwrap(), 0);
    let left = scan(s, &last);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].submitter_org_id, fx.a.id);
    // Nothing was claimed: b may store it again.
    added(
        &s.add_object(&sco(&fx.ub, "example.com", Tlp::Green)),
        "b again",
    );
    assert!(matches!(
        s.delete_copy(&collection_uuid(99), id, fx.b.id),
        Err(StoreError::NotFound(_))
    ));
}

/// `create_org_with_identity` makes the organisation, its identity and its grant together, or
/// nothing at all.
pub fn org_with_identity_is_atomic(s: &dyn Store) {
    let fx = fixture(s);
    let identity = |n: u64| NewObject {
        collection_id: fx.c2.clone(),
        id: identity_id(n),
        stix_type: "identity".into(),
        spec_version: "2.1".into(),
        version: Some(T0),
        json: format!(r#"{{"type":"identity","id":"{}"}}"#, identity_id(n)),
        tlp: None,
        recipients: Vec::new(),
        created_by_ref: None,
        revoked: false,
        submitter_user_id: 0,
        submitter_org_id: 0,
        owner_org_id: 0,
    };
    let read = Access {
        read: true,
        write: false,
    };
    let org = s
        .create_org_with_identity(&new_org("org-c", 30), &identity(30), read)
        .expect("create org-c with its identity");
    assert_eq!(s.org_by_slug("org-c").unwrap(), Some(org.clone()));
    assert_eq!(s.grant(org.id, &fx.c2).unwrap(), read);
    let got = scan(
        s,
        &ObjectQuery {
            ids: vec![identity_id(30)],
            ..query(&fx.c2)
        },
    );
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].submitter_org_id, org.id);
    // The identity id is taken in the collection by org b: nothing is created.
    let mut squat = identity(31);
    squat.json = r#"{"squat":true}"#.into();
    squat.submitter_org_id = fx.b.id;
    squat.owner_org_id = fx.b.id;
    squat.version = Some(T0 + 1);
    added(&s.add_object(&squat), "squatted identity");
    assert!(s
        .create_org_with_identity(&new_org("org-d", 31), &identity(31), read)
        .is_err());
    assert_eq!(s.org_by_slug("org-d").unwrap(), None);
    // A taken slug: nothing is created either, and the identity is not stored.
    assert!(matches!(
        s.create_org_with_identity(&new_org("org-c", 32), &identity(32), read),
        Err(StoreError::Conflict(_))
    ));
    assert!(scan(
        s,
        &ObjectQuery {
            ids: vec![identity_id(32)],
            ..query(&fx.c2)
        },
    )
    .is_empty());
    // An unknown collection: nothing.
    let mut lost = identity(33);
    lost.collection_id = collection_uuid(99);
    assert!(s
        .create_org_with_identity(&new_org("org-e", 33), &lost, read)
        .is_err());
    assert_eq!(s.org_by_slug("org-e").unwrap(), None);
}

/// `add_objects` gives one outcome per input, in order; failures do not stop the others.
pub fn batch_outcomes(s: &dyn Store) {
    let fx = fixture(s);
    added(&s.add_object(&indicator(&fx.c1, 1, 0, &fx.ua, "a")), "seed");
    let batch = vec![
        indicator(&fx.c1, 2, 0, &fx.ua, ""),               // Added.
        indicator(&fx.c1, 1, 0, &fx.ua, "b"),              // VersionConflict.
        indicator(&fx.c1, 1, 0, &fx.ua, "a"),              // Unchanged.
        indicator(&fx.c1, 1, 1, &fx.ub, ""),               // NotOwner.
        indicator(&collection_uuid(99), 3, 0, &fx.ua, ""), // Unknown collection.
        indicator(&fx.c1, 3, 0, &fx.ua, ""),               // Added.
        indicator(&fx.c1, 3, 0, &fx.ua, ""),               // Unchanged: same batch.
        indicator(&fx.c1, 3, 1, &fx.ub, ""), // NotOwner: owner set earlier in the batch.
    ];
    let out = s.add_objects(&batch).unwrap();
    assert_eq!(out.len(), batch.len());
    let d2 = added(&out[0], "batch[0]");
    assert!(
        matches!(out[1], Err(StoreError::VersionConflict { .. })),
        "{:?}",
        out[1]
    );
    assert!(
        matches!(out[2], Ok(AddOutcome::Unchanged { .. })),
        "{:?}",
        out[2]
    );
    assert!(
        matches!(out[3], Err(StoreError::NotOwner { .. })),
        "{:?}",
        out[3]
    );
    assert!(
        matches!(out[4], Err(StoreError::NotFound(_))),
        "{:?}",
        out[4]
    );
    let d3 = added(&out[5], "batch[5]");
    assert!(
        matches!(&out[6], Ok(AddOutcome::Unchanged { date_added }) if *date_added == d3),
        "{:?}",
        out[6]
    );
    assert!(
        matches!(out[7], Err(StoreError::NotOwner { .. })),
        "{:?}",
        out[7]
    );
    assert!(d2 < d3);
    assert_eq!(s.count_objects(&fx.c1).unwrap(), 3);
    assert!(s.add_objects(&[]).unwrap().is_empty());
}

/// `date_added` strictly increases within a collection, across calls and batches.
pub fn date_added_increases(s: &dyn Store) {
    let fx = fixture(s);
    let mut dates = Vec::new();
    for n in 0..50 {
        dates.push(added(
            &s.add_object(&indicator(&fx.c1, n, 0, &fx.ua, "")),
            "single add",
        ));
    }
    let batch: Vec<NewObject> = (50..550)
        .map(|n| indicator(&fx.c1, n, 0, &fx.ua, ""))
        .collect();
    for o in s.add_objects(&batch).unwrap() {
        dates.push(added(&o, "batch add"));
    }
    for w in dates.windows(2) {
        assert!(w[0] < w[1], "date_added not strictly increasing: {w:?}");
    }
    let got = scan(s, &query(&fx.c1));
    assert_eq!(got.len(), 550);
    assert_sorted(&got);
    assert_eq!(
        got.iter().map(|o| o.date_added).collect::<Vec<_>>(),
        dates,
        "scan order is insertion order"
    );
    // Deleting the newest object does not let a later add reuse its date_added.
    let newest = *dates.last().unwrap();
    s.delete_object(&fx.c1, &indicator_id(549), &VersionFilter::all())
        .unwrap();
    let next = added(
        &s.add_object(&indicator(&fx.c1, 600, 0, &fx.ua, "")),
        "after delete",
    );
    assert!(next > newest);
}

/// Filters by id, type, spec_version and added_after, AND-ed across kinds, OR-ed within.
pub fn filters(s: &dyn Store) {
    let fx = fixture(s);
    let mut dates = Vec::new();
    for n in 0..12u64 {
        let mut o = indicator(&fx.c1, n, 0, &fx.ua, "");
        o.stix_type = ["indicator", "malware", "x-mitre-tactic"][(n % 3) as usize].into();
        o.spec_version = if n % 4 == 3 { "2.0" } else { "2.1" }.into();
        dates.push(added(&s.add_object(&o), "add"));
    }
    let ids_of =
        |objs: &[StoredObject]| -> Vec<String> { objs.iter().map(|o| o.id.clone()).collect() };
    let want = |ns: &[u64]| -> Vec<String> { ns.iter().map(|n| indicator_id(*n)).collect() };

    assert_eq!(scan(s, &query(&fx.c1)).len(), 12, "no filter: everything");
    let q = ObjectQuery {
        ids: vec![indicator_id(7), indicator_id(2), indicator_id(99)],
        ..query(&fx.c1)
    };
    assert_eq!(
        ids_of(&scan(s, &q)),
        want(&[2, 7]),
        "ids OR-ed, in date order"
    );
    let q = ObjectQuery {
        types: vec!["malware".into()],
        ..query(&fx.c1)
    };
    assert_eq!(ids_of(&scan(s, &q)), want(&[1, 4, 7, 10]));
    let q = ObjectQuery {
        types: vec!["malware".into(), "x-mitre-tactic".into()],
        ..query(&fx.c1)
    };
    assert_eq!(ids_of(&scan(s, &q)), want(&[1, 2, 4, 5, 7, 8, 10, 11]));
    let q = ObjectQuery {
        spec_versions: vec!["2.0".into()],
        ..query(&fx.c1)
    };
    assert_eq!(ids_of(&scan(s, &q)), want(&[3, 7, 11]));
    let q = ObjectQuery {
        spec_versions: vec!["2.0".into(), "2.1".into()],
        ..query(&fx.c1)
    };
    assert_eq!(scan(s, &q).len(), 12);
    let q = ObjectQuery {
        added_after: Some(dates[8]),
        ..query(&fx.c1)
    };
    assert_eq!(
        ids_of(&scan(s, &q)),
        want(&[9, 10, 11]),
        "added_after is exclusive"
    );
    let q = ObjectQuery {
        added_after: Some(dates[2]),
        types: vec!["malware".into(), "indicator".into()],
        spec_versions: vec!["2.1".into()],
        ids: vec![
            indicator_id(0),
            indicator_id(4),
            indicator_id(5),
            indicator_id(6),
            indicator_id(7),
            indicator_id(9),
        ],
        ..query(&fx.c1)
    };
    // 0 is not after dates[2]; 5 is a tactic; 7 is 2.0; 4, 6 and 9 remain.
    assert_eq!(ids_of(&scan(s, &q)), want(&[4, 6, 9]), "kinds are AND-ed");
    let q = ObjectQuery {
        types: vec!["attack-pattern".into()],
        ..query(&fx.c1)
    };
    assert!(scan(s, &q).is_empty());
    let q = ObjectQuery {
        added_after: Some(*dates.last().unwrap()),
        ..query(&fx.c1)
    };
    assert!(scan(s, &q).is_empty());
}

/// Three objects with versions 0..3, 0..1 and 0: every `match[version]` selector.
fn versioned_fixture(s: &dyn Store, fx: &Fixture) {
    // Added out of version order on purpose: the store orders by version, not arrival.
    let order = [(1, 2), (1, 0), (2, 0), (1, 1), (3, 0), (2, 1), (1, 3)];
    for (n, v) in order {
        added(
            &s.add_object(&indicator(&fx.c1, n, v, &fx.ua, "")),
            "versioned add",
        );
    }
}

fn vf(all: bool, last: bool, first: bool, at: &[i64]) -> VersionFilter {
    VersionFilter {
        all,
        last,
        first,
        at: at.iter().map(|v| T0 + v * 1000).collect(),
    }
}

fn sorted_keys(objs: &[StoredObject]) -> Vec<(String, Option<i64>)> {
    let mut k = keys(objs);
    k.sort();
    k
}

/// `match[version]`: last (the default), first, all, timestamps and their OR.
pub fn version_filters(s: &dyn Store) {
    let fx = fixture(s);
    versioned_fixture(s, &fx);
    let with = |f: VersionFilter| {
        let got = scan(
            s,
            &ObjectQuery {
                versions: f,
                ..query(&fx.c1)
            },
        );
        assert_sorted(&got);
        sorted_keys(&got)
    };
    let last = vec![key(1, 3), key(2, 1), key(3, 0)];
    assert_eq!(with(VersionFilter::default()), last, "default is last");
    assert_eq!(with(vf(false, true, false, &[])), last);
    assert_eq!(
        with(vf(false, false, true, &[])),
        vec![key(1, 0), key(2, 0), key(3, 0)]
    );
    assert_eq!(with(VersionFilter::all()).len(), 7);
    assert_eq!(with(vf(true, true, false, &[1])).len(), 7, "all wins");
    assert_eq!(
        with(vf(false, true, true, &[])),
        vec![key(1, 0), key(1, 3), key(2, 0), key(2, 1), key(3, 0)]
    );
    assert_eq!(
        with(vf(false, false, false, &[1])),
        vec![key(1, 1), key(2, 1)]
    );
    assert_eq!(
        with(vf(false, false, true, &[2])),
        vec![key(1, 0), key(1, 2), key(2, 0), key(3, 0)]
    );
    assert_eq!(with(vf(false, false, false, &[42])), vec![]);
    assert_eq!(
        with(vf(false, false, false, &[])),
        vec![],
        "no selector selects nothing"
    );
    // AND-ed with the other filters: last versions added after the fourth add.
    let everything = scan(
        s,
        &ObjectQuery {
            versions: VersionFilter::all(),
            ..query(&fx.c1)
        },
    );
    let fourth = everything[3].date_added;
    let got = scan(
        s,
        &ObjectQuery {
            added_after: Some(fourth),
            types: vec!["indicator".into()],
            ..query(&fx.c1)
        },
    );
    assert_eq!(sorted_keys(&got), vec![key(1, 3), key(2, 1), key(3, 0)]);
    let got = scan(
        s,
        &ObjectQuery {
            added_after: Some(fourth),
            versions: vf(false, false, true, &[1]),
            ..query(&fx.c1)
        },
    );
    // First versions 1.0 and 2.0 were added before; 3.0 and 2.1 after.
    assert_eq!(sorted_keys(&got), vec![key(2, 1), key(3, 0)]);
    // Combined with an id filter.
    let got = scan(
        s,
        &ObjectQuery {
            ids: vec![indicator_id(1)],
            versions: VersionFilter::all(),
            ..query(&fx.c1)
        },
    );
    assert_sorted(&got);
    assert_eq!(got.len(), 4);
}

/// Deleting versions keeps first/last right: the previous version is promoted.
pub fn version_flags_after_delete(s: &dyn Store) {
    let fx = fixture(s);
    versioned_fixture(s, &fx);
    let pick = |f: VersionFilter, n: u64| {
        sorted_keys(&scan(
            s,
            &ObjectQuery {
                ids: vec![indicator_id(n)],
                versions: f,
                ..query(&fx.c1)
            },
        ))
    };
    let last = || vf(false, true, false, &[]);
    let first = || vf(false, false, true, &[]);
    // Delete the last version of object 1: version 2 becomes last.
    assert_eq!(
        s.delete_object(&fx.c1, &indicator_id(1), &last()).unwrap(),
        1
    );
    assert_eq!(pick(last(), 1), vec![key(1, 2)]);
    // Delete the first: version 1 becomes first.
    assert_eq!(
        s.delete_object(&fx.c1, &indicator_id(1), &first()).unwrap(),
        1
    );
    assert_eq!(pick(first(), 1), vec![key(1, 1)]);
    assert_eq!(pick(VersionFilter::all(), 1), vec![key(1, 1), key(1, 2)]);
    // Delete by timestamp, and first OR at in one call.
    assert_eq!(
        s.delete_object(&fx.c1, &indicator_id(1), &vf(false, false, false, &[2]))
            .unwrap(),
        1
    );
    assert_eq!(pick(last(), 1), vec![key(1, 1)]);
    assert_eq!(pick(first(), 1), vec![key(1, 1)]);
    // Nothing selected: nothing deleted.
    assert_eq!(
        s.delete_object(&fx.c1, &indicator_id(1), &vf(false, false, false, &[7]))
            .unwrap(),
        0
    );
    assert_eq!(
        s.delete_object(&fx.c1, &indicator_id(55), &VersionFilter::all())
            .unwrap(),
        0
    );
    // Delete all versions of object 2.
    assert_eq!(
        s.delete_object(&fx.c1, &indicator_id(2), &VersionFilter::all())
            .unwrap(),
        2
    );
    assert!(pick(VersionFilter::all(), 2).is_empty());
    assert_eq!(s.count_objects(&fx.c1).unwrap(), 2);
    // A new version after deletes becomes last, and first of a fresh history.
    added(&s.add_object(&indicator(&fx.c1, 1, 9, &fx.ua, "")), "v9");
    assert_eq!(pick(last(), 1), vec![key(1, 9)]);
    assert_eq!(pick(first(), 1), vec![key(1, 1)]);
    added(
        &s.add_object(&indicator(&fx.c1, 2, 4, &fx.ua, "")),
        "object 2 again",
    );
    assert_eq!(pick(first(), 2), vec![key(2, 4)]);
    assert_eq!(pick(last(), 2), vec![key(2, 4)]);
}

/// Paging: resume strictly after a position, stop on `Break`, see everything once.
pub fn paging(s: &dyn Store) {
    let fx = fixture(s);
    let batch: Vec<NewObject> = (0..257)
        .map(|n| indicator(&fx.c1, n, 0, &fx.ua, ""))
        .collect();
    assert!(s.add_objects(&batch).unwrap().iter().all(|o| o.is_ok()));
    let everything = scan(s, &query(&fx.c1));
    assert_eq!(everything.len(), 257);

    let mut pages = Vec::new();
    let mut after: Option<Position> = None;
    loop {
        let mut page = Vec::new();
        let mut visited = 0;
        s.scan_objects(
            &ObjectQuery {
                after,
                ..query(&fx.c1)
            },
            &mut |o| {
                visited += 1;
                page.push(o);
                if page.len() == 20 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
        )
        .unwrap();
        assert!(visited <= 20, "the visitor is not called after Break");
        let Some(last) = page.last() else { break };
        after = Some(Position {
            date_added: last.date_added,
            seq: last.seq,
        });
        pages.extend(page);
    }
    assert_eq!(
        keys(&pages),
        keys(&everything),
        "pages cover everything once, in order"
    );

    // A position taken from the middle resumes right after it.
    let mid = &everything[100];
    let rest = scan(
        s,
        &ObjectQuery {
            after: Some(Position {
                date_added: mid.date_added,
                seq: mid.seq,
            }),
            ..query(&fx.c1)
        },
    );
    assert_eq!(keys(&rest), keys(&everything[101..]));
    // Positions combine with other filters.
    let rest = scan(
        s,
        &ObjectQuery {
            after: Some(Position {
                date_added: mid.date_added,
                seq: mid.seq,
            }),
            ids: vec![indicator_id(50), indicator_id(150), indicator_id(250)],
            ..query(&fx.c1)
        },
    );
    assert_eq!(keys(&rest), vec![key(150, 0), key(250, 0)]);
    // A position at the very end gives nothing.
    let end = everything.last().unwrap();
    let rest = scan(
        s,
        &ObjectQuery {
            after: Some(Position {
                date_added: end.date_added,
                seq: end.seq,
            }),
            ..query(&fx.c1)
        },
    );
    assert!(rest.is_empty());
}

/// Collection-scoped calls on an unknown collection give `NotFound`.
pub fn unknown_collections(s: &dyn Store) {
    let fx = fixture(s);
    let ghost = collection_uuid(99);
    let mut calls = 0;
    match s.scan_objects(&query(&ghost), &mut |_| {
        calls += 1;
        ControlFlow::Continue(())
    }) {
        Err(StoreError::NotFound(msg)) => assert!(msg.contains(&ghost), "{msg}"),
        other => panic!("scan of an unknown collection: expected NotFound, got {other:?}"),
    }
    assert_eq!(calls, 0);
    assert!(matches!(
        s.count_objects(&ghost),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.delete_object(&ghost, &indicator_id(1), &VersionFilter::all()),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.add_object(&indicator(&ghost, 1, 0, &fx.ua, "")),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.list_grants(&ghost),
        Err(StoreError::NotFound(_))
    ));
}

/// The same id lives independently in two collections (versions, flags, deletes).
pub fn collections_are_isolated(s: &dyn Store) {
    let fx = fixture(s);
    added(&s.add_object(&indicator(&fx.c1, 1, 0, &fx.ua, "")), "c1 v0");
    added(&s.add_object(&indicator(&fx.c1, 1, 1, &fx.ua, "")), "c1 v1");
    added(&s.add_object(&indicator(&fx.c2, 1, 0, &fx.ua, "")), "c2 v0");
    // The same (id, version) with other content in another collection is not a conflict
    // of this store's rules (each collection keeps its own copy).
    added(
        &s.add_object(&indicator(&fx.c2, 1, 1, &fx.ua, "other")),
        "c2 v1",
    );
    assert_eq!(s.count_objects(&fx.c1).unwrap(), 2);
    assert_eq!(s.count_objects(&fx.c2).unwrap(), 2);
    s.delete_object(&fx.c2, &indicator_id(1), &VersionFilter::default())
        .unwrap();
    assert_eq!(keys(&scan(s, &query(&fx.c1))), vec![key(1, 1)]);
    assert_eq!(keys(&scan(s, &query(&fx.c2))), vec![key(1, 0)]);
    assert!(scan(s, &query(&fx.c1))
        .iter()
        .all(|o| o.collection_id == fx.c1));
}

/// Statuses: put, replace, get, purge by age.
pub fn statuses(s: &dyn Store) {
    let fx = fixture(s);
    let st = |id: &str, created: i64, json: &str| Status {
        id: id.to_string(),
        user_id: fx.ua.id,
        created,
        json: json.to_string(),
    };
    s.put_status(&st("s-old", 1_000, r#"{"status":"complete"}"#))
        .unwrap();
    s.put_status(&st("s-new", 5_000, r#"{"status":"pending"}"#))
        .unwrap();
    assert_eq!(
        s.get_status("s-old").unwrap(),
        Some(st("s-old", 1_000, r#"{"status":"complete"}"#))
    );
    s.put_status(&st("s-new", 5_000, r#"{"status":"complete"}"#))
        .unwrap();
    assert_eq!(
        s.get_status("s-new").unwrap().unwrap().json,
        r#"{"status":"complete"}"#,
        "put_status replaces"
    );
    assert_eq!(s.get_status("missing").unwrap(), None);
    assert_eq!(
        s.purge_statuses(1_000).unwrap(),
        0,
        "purge is strictly before"
    );
    assert_eq!(s.purge_statuses(4_999).unwrap(), 1);
    assert_eq!(s.get_status("s-old").unwrap(), None);
    assert!(s.get_status("s-new").unwrap().is_some());
    assert_eq!(s.purge_statuses(i64::MAX).unwrap(), 1);
    assert_eq!(s.get_status("s-new").unwrap(), None);
}

// ---------------------------------------------------------------------------------------
// Hash banks.

fn new_bank(name: &str, owner: i64, collection: &str) -> NewBank {
    NewBank {
        name: name.to_string(),
        description: format!("Bank {name}"),
        owner_org_id: owner,
        tlp: Tlp::Amber,
        collection_id: collection.to_string(),
    }
}

fn new_entry(bank_id: i64, org: i64, t: SignalType, n: u64) -> NewEntry {
    let value = format!("{n:0width$x}", width = t.hex_len());
    NewEntry {
        bank_id,
        signal_type: t,
        value,
        labels: Labels {
            content_type: "image".into(),
            producing_entity: format!("entity {n}"),
            behaviour: String::new(),
        },
        contributor_org_id: org,
        stix_id: indicator_id(n),
        created: 1_700_000_000_000_000 + n as i64,
    }
}

/// Banks: create, read back by id and name, list by name, update, conflicts and unknown
/// owners or collections.
pub fn banks(s: &dyn Store) {
    let fx = fixture(s);
    let b = s
        .create_bank(&new_bank("zeta", fx.a.id, &fx.c1))
        .expect("create zeta");
    assert!(b.enabled, "a new bank is enabled");
    assert_eq!(s.bank_by_id(b.id).expect("by id"), Some(b.clone()));
    assert_eq!(
        s.bank_by_name(fx.a.id, "zeta").expect("by name"),
        Some(b.clone())
    );
    assert_eq!(s.bank_by_name(fx.a.id, "nope").expect("unknown name"), None);
    assert_eq!(s.bank_by_name(fx.b.id, "zeta").expect("other org"), None);
    let a = s
        .create_bank(&new_bank("alpha", fx.b.id, &fx.c2))
        .expect("create alpha");
    let names: Vec<String> = s
        .list_banks()
        .expect("list")
        .into_iter()
        .map(|b| b.name)
        .collect();
    assert_eq!(names, ["alpha", "zeta"]);
    assert!(matches!(
        s.create_bank(&new_bank("zeta", fx.a.id, &fx.c1)),
        Err(StoreError::Conflict(_))
    ));
    // Names are unique per organisation: another organisation may use the same name.
    let other_zeta = s
        .create_bank(&new_bank("zeta", fx.b.id, &fx.c2))
        .expect("zeta of org b");
    assert_ne!(other_zeta.id, b.id);
    assert_eq!(
        s.bank_by_name(fx.b.id, "zeta").expect("b's zeta"),
        Some(other_zeta.clone())
    );
    assert_eq!(
        s.banks_named("zeta").expect("every zeta"),
        vec![b.clone(), other_zeta.clone()]
    );
    assert!(s.banks_named("nope").expect("no such name").is_empty());
    assert!(matches!(
        s.create_bank(&new_bank("zeta", fx.b.id, &fx.c2)),
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.create_bank(&new_bank("x", 9999, &fx.c1)),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.create_bank(&new_bank("y", fx.a.id, "no-such-collection")),
        Err(StoreError::NotFound(_))
    ));
    let u = s
        .update_bank(
            a.id,
            &BankUpdate {
                description: Some("changed".into()),
                tlp: Some(Tlp::Red),
                enabled: Some(false),
            },
        )
        .expect("update");
    assert_eq!(
        (u.description.as_str(), u.tlp, u.enabled),
        ("changed", Tlp::Red, false)
    );
    let same = s
        .update_bank(a.id, &BankUpdate::default())
        .expect("empty update");
    assert_eq!(same, u, "an empty update changes nothing");
    assert!(matches!(
        s.update_bank(9999, &BankUpdate::default()),
        Err(StoreError::NotFound(_))
    ));
}

/// Entries: batch add (all or nothing on a duplicate), reads by id, value and page, and
/// disabling keeps the record.
pub fn bank_entries(s: &dyn Store) {
    let fx = fixture(s);
    let b1 = s
        .create_bank(&new_bank("one", fx.a.id, &fx.c1))
        .expect("bank one");
    let b2 = s
        .create_bank(&new_bank("two", fx.a.id, &fx.c1))
        .expect("bank two");
    let batch: Vec<NewEntry> = (1..=5)
        .map(|n| new_entry(b1.id, fx.a.id, SignalType::ALL[n as usize % 3], n))
        .collect();
    let added = s.add_entries(&batch).expect("add five");
    assert_eq!(added.len(), 5);
    for (e, n) in added.iter().zip(&batch) {
        assert_eq!(
            (e.bank_id, e.signal_type, &e.value),
            (n.bank_id, n.signal_type, &n.value)
        );
        assert!(e.enabled);
        assert_eq!(e.created, e.updated);
        assert_eq!(s.entry_by_id(e.id).expect("by id").as_ref(), Some(e));
    }
    // The same value in another bank is fine; a duplicate in the same bank refuses the batch.
    s.add_entries(&[new_entry(b2.id, fx.b.id, batch[0].signal_type, 1)])
        .expect("same value, other bank");
    let before = s.list_entries(None, 0, 100).expect("list all").len();
    let dup = vec![
        new_entry(b1.id, fx.a.id, SignalType::Pdq, 100),
        new_entry(b1.id, fx.a.id, batch[0].signal_type, 1),
    ];
    assert!(matches!(s.add_entries(&dup), Err(StoreError::Conflict(_))));
    assert_eq!(
        s.list_entries(None, 0, 100).expect("list all").len(),
        before,
        "a refused batch stores nothing"
    );
    assert!(matches!(
        s.add_entries(&[new_entry(9999, fx.a.id, SignalType::Md5, 7)]),
        Err(StoreError::NotFound(_))
    ));
    // Paging by id, per bank.
    let page1 = s.list_entries(Some(b1.id), 0, 2).expect("page 1");
    let page2 = s
        .list_entries(Some(b1.id), page1[1].id, 10)
        .expect("page 2");
    let ids: Vec<i64> = page1.iter().chain(&page2).map(|e| e.id).collect();
    let want: Vec<i64> = added.iter().map(|e| e.id).collect();
    assert_eq!(ids, want);
    // Lookup by value.
    let found = s
        .entry_by_value(b1.id, batch[2].signal_type, &batch[2].value)
        .expect("by value");
    assert_eq!(found.as_ref(), Some(&added[2]));
    assert_eq!(
        s.entry_by_value(b2.id, SignalType::Sha256, &batch[2].value)
            .expect("absent value"),
        None
    );
    // Disable keeps the record.
    let off = s
        .set_entry_enabled(added[3].id, false, added[3].created + 10, "indicator--x")
        .expect("disable");
    assert!(!off.enabled);
    assert_eq!(off.updated, added[3].created + 10);
    assert_eq!(off.stix_id, "indicator--x");
    assert_eq!(s.entry_by_id(added[3].id).expect("still there"), Some(off));
    assert!(matches!(
        s.set_entry_enabled(9999, false, 0, "indicator--y"),
        Err(StoreError::NotFound(_))
    ));
    let got = s
        .entries_by_ids(&[added[4].id, 9999, added[0].id, added[0].id])
        .expect("by ids");
    let got_ids: Vec<i64> = got.iter().map(|e| e.id).collect();
    assert_eq!(got_ids, [added[0].id, added[4].id]);
}

/// Feedback: one per organisation and entry (a new one replaces it), counted per entry.
pub fn bank_feedback(s: &dyn Store) {
    let fx = fixture(s);
    let b = s
        .create_bank(&new_bank("fb", fx.a.id, &fx.c1))
        .expect("bank");
    let e = s
        .add_entries(&[new_entry(b.id, fx.a.id, SignalType::Pdq, 1)])
        .expect("entry")
        .remove(0);
    assert_eq!(
        s.feedback_counts(e.id).expect("none"),
        FeedbackCounts::default()
    );
    let fb = |org: i64, kind: FeedbackKind| crate::Feedback {
        entry_id: e.id,
        org_id: org,
        kind,
        created: 1,
    };
    s.put_feedback(&fb(fx.a.id, FeedbackKind::TruePositive))
        .expect("a tp");
    s.put_feedback(&fb(fx.b.id, FeedbackKind::TruePositive))
        .expect("b tp");
    let c = s.feedback_counts(e.id).expect("counts");
    assert_eq!(
        (c.true_positive, c.false_positive, c.disagree_labels),
        (2, 0, 0)
    );
    s.put_feedback(&fb(fx.b.id, FeedbackKind::DisagreeLabels))
        .expect("b changes");
    let c = s.feedback_counts(e.id).expect("counts");
    assert_eq!(
        (c.true_positive, c.false_positive, c.disagree_labels),
        (1, 0, 1)
    );
    let unknown = crate::Feedback {
        entry_id: 9999,
        ..fb(fx.a.id, FeedbackKind::FalsePositive)
    };
    assert!(matches!(
        s.put_feedback(&unknown),
        Err(StoreError::NotFound(_))
    ));
}

// ---------------------------------------------------------------------------------------
// Political-advertising registry.

fn ad_listing(sponsor: &str, text: &str, election: &str, day: &str) -> AdListing {
    AdListing {
        sponsor: sponsor.to_string(),
        sponsor_name: format!("{sponsor} name"),
        payer: sponsor.to_string(),
        payer_name: format!("{sponsor} name"),
        platform: "plat".to_string(),
        elections: vec![election.to_string()],
        start_day: day.to_string(),
        end_day: "9999-12-31".to_string(),
        regions: vec!["CA-ON".to_string()],
        languages: vec!["en".to_string()],
        spend_minor: Some(1000),
        currency: "CAD".to_string(),
        text: text.to_string(),
        creative_sha256: None,
        publish_until: Some("2031-10-20".to_string()),
        keep_until: Some("2036-10-20".to_string()),
        public_json: format!(r#"{{"text":"{text}"}}"#),
    }
}

fn ad_submission(org: i64, ad_id: &str, listing: Option<AdListing>) -> NewAdSubmission {
    NewAdSubmission {
        platform_org_id: org,
        user_id: 1,
        ad_id: ad_id.to_string(),
        verdict: if listing.is_some() {
            "ACCEPT"
        } else {
            "REJECT"
        }
        .to_string(),
        submission_json: "{}".to_string(),
        result_json: "{}".to_string(),
        received: 1_000,
        creative: None,
        listing,
        violations: Vec::new(),
    }
}

fn ad_creative(bytes: &[u8], sha: &str) -> NewCreative {
    NewCreative {
        sha256: sha.repeat(64 / sha.len()),
        media_type: "image/png".to_string(),
        bytes: bytes.to_vec(),
    }
}

fn ad_query(limit: usize, upto: i64) -> AdQuery {
    AdQuery {
        limit,
        upto,
        ..AdQuery::default()
    }
}

/// Elections are replaced in place; sponsors belong to the organisation that registered
/// them; platforms are listed by id.
pub fn ad_elections_sponsors_platforms(s: &dyn Store) {
    let fx = fixture(s);
    let e = |id: &str, json: &str| ElectionRecord {
        id: id.to_string(),
        json: json.to_string(),
        org_id: fx.a.id,
        updated: 10,
    };
    s.put_election(&e("ca-2029", "{}")).expect("election");
    s.put_election(&e("eu-2029", "{}")).expect("election");
    s.put_election(&e("ca-2029", r#"{"v":2}"#))
        .expect("replace election");
    let ids: Vec<String> = s
        .list_elections()
        .expect("list")
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, ["ca-2029", "eu-2029"]);
    assert_eq!(
        s.election_by_id("ca-2029").expect("by id").map(|e| e.json),
        Some(r#"{"v":2}"#.to_string())
    );
    assert_eq!(s.election_by_id("nope").expect("unknown"), None);
    let mut foreign = e("ca-2029", r#"{"v":3}"#);
    foreign.org_id = fx.b.id;
    assert!(
        matches!(s.put_election(&foreign), Err(StoreError::NotOwner { .. })),
        "another organisation may not replace an election"
    );
    let got = s.election_by_id("ca-2029").expect("by id").expect("exists");
    assert_eq!((got.json.as_str(), got.org_id), (r#"{"v":2}"#, fx.a.id));

    let sp = |id: &str, org: i64, json: &str| SponsorRecord {
        id: id.to_string(),
        json: json.to_string(),
        org_id: org,
        updated: 20,
    };
    s.put_sponsor(&sp("holding", fx.a.id, "{}"))
        .expect("sponsor");
    s.put_sponsor(&sp("front", fx.a.id, "{}")).expect("sponsor");
    s.put_sponsor(&sp("holding", fx.a.id, r#"{"v":2}"#))
        .expect("the owner replaces its sponsor");
    assert!(
        matches!(
            s.put_sponsor(&sp("holding", fx.b.id, r#"{"v":3}"#)),
            Err(StoreError::NotOwner { .. })
        ),
        "another organisation may not replace a sponsor"
    );
    let got = s.sponsor_by_id("holding").expect("by id").expect("exists");
    assert_eq!((got.json.as_str(), got.org_id), (r#"{"v":2}"#, fx.a.id));
    assert_eq!(s.sponsor_by_id("nobody").expect("unknown"), None);
    let page: Vec<String> = s
        .list_sponsors("", 1)
        .expect("page")
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(page, ["front"]);
    let rest: Vec<String> = s
        .list_sponsors("front", 10)
        .expect("page")
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(rest, ["holding"]);

    let pl = |id: &str, json: &str| PlatformRecord {
        id: id.to_string(),
        json: json.to_string(),
        org_id: fx.a.id,
        updated: 30,
    };
    s.put_platform(&pl("zplat", "{}")).expect("platform");
    s.put_platform(&pl("aplat", "{}")).expect("platform");
    s.put_platform(&pl("zplat", r#"{"v":2}"#))
        .expect("replace platform");
    let ids: Vec<String> = s
        .list_platforms()
        .expect("list")
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, ["aplat", "zplat"]);
    assert_eq!(
        s.platform_by_id("zplat").expect("by id").map(|p| p.json),
        Some(r#"{"v":2}"#.to_string())
    );
}

/// A published ad keeps its id across versions, every version keeps its own document and
/// creative, and searches page by id within the snapshot.
pub fn ad_versions_and_search(s: &dyn Store) {
    let fx = fixture(s);
    let mut first = ad_submission(
        fx.a.id,
        "ad-1",
        Some(ad_listing("acme", "first text", "e1", "2029-09-01")),
    );
    first.creative = Some(ad_creative(b"one", "a"));
    first.listing.as_mut().expect("listing").creative_sha256 = Some("a".repeat(64));
    let r1 = s.add_ad_submission(&first).expect("first");
    assert_eq!(r1.version, Some(1));
    let id = r1.ad.expect("published");
    let mut second = ad_submission(
        fx.a.id,
        "ad-1",
        Some(ad_listing("acme", "second text", "e1", "2029-09-02")),
    );
    second.received = 2_000;
    second.creative = Some(ad_creative(b"two", "b"));
    second.listing.as_mut().expect("listing").creative_sha256 = Some("b".repeat(64));
    let r2 = s.add_ad_submission(&second).expect("second");
    assert_eq!(
        (r2.ad, r2.version),
        (Some(id), Some(2)),
        "same ad, next version"
    );
    let versions = s.ad_versions(id).expect("versions");
    assert_eq!(versions.len(), 2);
    assert_eq!(
        (
            versions[0].version,
            versions[0].published,
            versions[0].creative_sha256.clone()
        ),
        (1, 1_000, Some("a".repeat(64)))
    );
    assert_eq!(
        versions[0].public_json.as_deref(),
        Some(r#"{"text":"first text"}"#)
    );
    assert_eq!(
        (
            versions[1].version,
            versions[1].published,
            versions[1].creative_sha256.clone()
        ),
        (2, 2_000, Some("b".repeat(64)))
    );
    assert_eq!(
        s.creative(&"a".repeat(64)).expect("creative"),
        Some(("image/png".to_string(), b"one".to_vec())),
        "an old version's creative stays available"
    );
    assert!(s.ad_versions(id + 100).expect("unknown ad").is_empty());
    let row = s.ad_by_id(id).expect("by id").expect("exists");
    assert_eq!((row.version, row.listing.text.as_str()), (2, "second text"));

    let other = s
        .add_ad_submission(&ad_submission(
            fx.b.id,
            "ad-1",
            Some(ad_listing("zeta", "other words", "e2", "2029-09-03")),
        ))
        .expect("other platform, same platform ad id");
    let other_id = other.ad.expect("published");
    assert_ne!(other_id, id, "ads are per platform");
    let upto = s.max_ad_id().expect("max");
    assert_eq!(upto, other_id);
    let all = s.search_ads(&ad_query(10, upto)).expect("all");
    assert_eq!(all.iter().map(|r| r.id).collect::<Vec<_>>(), [id, other_id]);
    let by_sponsor = s
        .search_ads(&AdQuery {
            sponsor: Some("ZETA name".to_string()),
            ..ad_query(10, upto)
        })
        .expect("by sponsor name, any case");
    assert_eq!(
        by_sponsor.iter().map(|r| r.id).collect::<Vec<_>>(),
        [other_id]
    );
    let by_text = s
        .search_ads(&AdQuery {
            text: Some("second".to_string()),
            ..ad_query(10, upto)
        })
        .expect("by text");
    assert_eq!(by_text.iter().map(|r| r.id).collect::<Vec<_>>(), [id]);
    let old_text = s
        .search_ads(&AdQuery {
            text: Some("first".to_string()),
            ..ad_query(10, upto)
        })
        .expect("old text");
    assert!(old_text.is_empty(), "only the current version is searched");
    let page2 = s
        .search_ads(&AdQuery {
            after: id,
            ..ad_query(10, upto)
        })
        .expect("after");
    assert_eq!(page2.iter().map(|r| r.id).collect::<Vec<_>>(), [other_id]);
    s.add_ad_submission(&ad_submission(
        fx.a.id,
        "ad-new",
        Some(ad_listing("acme", "later", "e1", "2029-09-04")),
    ))
    .expect("later ad");
    let snapshot = s.search_ads(&ad_query(10, upto)).expect("snapshot");
    assert_eq!(
        snapshot.len(),
        2,
        "ads added after the snapshot are not shown"
    );
    let mut in_e1 = Vec::new();
    s.scan_election_ads("e1", &mut |row| {
        in_e1.push(row.ad_id);
        ControlFlow::Continue(())
    })
    .expect("scan");
    assert_eq!(in_e1, ["ad-1", "ad-new"]);
}

/// Rejected submissions are recorded, never published, and their violations are listed.
pub fn ad_rejected_and_violations(s: &dyn Store) {
    let fx = fixture(s);
    let mut rejected = ad_submission(fx.a.id, "bad-1", None);
    rejected.violations = vec![NewViolation {
        rule_id: "CA-349.02".to_string(),
        outcome: "REJECT".to_string(),
        foreign_funding: true,
        elections: "e1".to_string(),
        detail_json: "{}".to_string(),
    }];
    let r = s.add_ad_submission(&rejected).expect("rejected");
    assert_eq!((r.ad, r.version), (None, None));
    assert_eq!(r.violation_ids.len(), 1);
    assert_eq!(s.max_ad_id().expect("max"), 0, "nothing published");
    let subs = s.ad_submissions(fx.a.id, "bad-1").expect("submissions");
    assert_eq!(subs.len(), 1);
    assert!(!subs[0].published);
    s.set_violation_incident(r.violation_ids[0], "incident--x")
        .expect("incident");
    let q = |election, after| ViolationQuery {
        authority_org: None,
        election,
        after,
        limit: 10,
    };
    let v = s.list_violations(&q(Some("e1"), 0)).expect("violations");
    assert_eq!(v.len(), 1);
    assert_eq!(
        (
            v[0].rule_id.as_str(),
            v[0].foreign_funding,
            v[0].incident_id.as_deref()
        ),
        ("CA-349.02", true, Some("incident--x"))
    );
    assert!(s
        .list_violations(&q(Some("e2"), 0))
        .expect("other election")
        .is_empty());
    assert!(s
        .list_violations(&q(None, v[0].id))
        .expect("after")
        .is_empty());
    // An election id is matched exactly, never as a pattern.
    assert!(s
        .list_violations(&q(Some("e_"), 0))
        .expect("pattern")
        .is_empty());
    // Scoped to an authority: only violations for elections it registered.
    let election = |id: &str, org: i64| ElectionRecord {
        id: id.to_string(),
        json: "{}".to_string(),
        org_id: org,
        updated: 1,
    };
    s.put_election(&election("e1", fx.a.id)).expect("e1");
    s.put_election(&election("e2", fx.b.id)).expect("e2");
    let scoped = |org: i64| {
        s.list_violations(&ViolationQuery {
            authority_org: Some(org),
            election: None,
            after: 0,
            limit: 10,
        })
        .expect("scoped")
        .len()
    };
    assert_eq!((scoped(fx.a.id), scoped(fx.b.id)), (1, 0));
    // A batch is all or nothing in order.
    let batch = [
        ad_submission(
            fx.a.id,
            "b-1",
            Some(ad_listing("acme", "one", "e1", "2029-09-01")),
        ),
        ad_submission(
            fx.a.id,
            "b-2",
            Some(ad_listing("acme", "two", "e1", "2029-09-01")),
        ),
    ];
    let out = s.add_ad_submissions(&batch).expect("batch");
    assert!(out[0].ad < out[1].ad);
}

/// Retention hides ads past their publication day, purges ads past their retention day with
/// an audit record each, and keeps creatives that other ads still use.
pub fn ad_retention(s: &dyn Store) {
    let fx = fixture(s);
    let shared = ad_creative(b"shared bytes", "c");
    let mut a = ad_submission(
        fx.a.id,
        "old",
        Some(ad_listing("acme", "old ad", "e1", "2020-01-01")),
    );
    {
        let l = a.listing.as_mut().expect("listing");
        l.publish_until = Some("2022-01-01".to_string());
        l.keep_until = Some("2027-01-01".to_string());
        l.creative_sha256 = Some(shared.sha256.clone());
    }
    a.creative = Some(shared.clone());
    let old = s.add_ad_submission(&a).expect("old").ad.expect("published");
    let mut b = ad_submission(
        fx.a.id,
        "new",
        Some(ad_listing("acme", "new ad", "e1", "2029-01-01")),
    );
    b.listing.as_mut().expect("listing").creative_sha256 = Some(shared.sha256.clone());
    let new = s.add_ad_submission(&b).expect("new").ad.expect("published");

    let run = s.run_ad_retention("2023-06-01", 5_000).expect("first run");
    assert_eq!((run.hidden, run.purged), (1, 0));
    let row = s.ad_by_id(old).expect("by id").expect("kept");
    assert!(!row.public, "past its publication day, kept but not public");
    let upto = s.max_ad_id().expect("max");
    let shown: Vec<i64> = s
        .search_ads(&ad_query(10, upto))
        .expect("search")
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(shown, [new]);

    let run = s.run_ad_retention("2027-01-02", 6_000).expect("second run");
    assert_eq!((run.hidden, run.purged), (0, 1));
    assert_eq!(s.ad_by_id(old).expect("by id"), None);
    assert!(s.ad_versions(old).expect("versions").is_empty());
    assert!(s.ad_submissions(fx.a.id, "old").expect("subs").is_empty());
    assert_eq!(
        s.creative(&shared.sha256).expect("creative").map(|c| c.1),
        Some(b"shared bytes".to_vec()),
        "a creative another ad still shows is kept"
    );
    let audit = s.ad_audit(0, 10).expect("audit");
    let actions: Vec<(&str, i64)> = audit.iter().map(|a| (a.action.as_str(), a.ad)).collect();
    assert_eq!(actions, [("hidden", old), ("purged", old)]);
    let again = s.run_ad_retention("2027-01-02", 7_000).expect("idempotent");
    assert_eq!((again.hidden, again.purged), (0, 0));
}

/// The account audit log: every credential change appends one record in its own
/// transaction, a failed change appends none, records are read oldest first, by
/// the organisation they target and after a position; disabling a user is stored.
pub fn account_audit(s: &dyn Store) {
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
    // The fixture's two users were created with the test audit record.
    let base = s.list_audit(&all(0)).unwrap();
    assert_eq!(base.len(), 2, "{base:?}");
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

// ---------------------------------------------------------------------------------------
// Detection datasets and jobs (`DetectStore`). Kept as their own list, [`DETECT_CASES`].

/// The detection cases, by name; each expects a fresh, empty store.
pub const DETECT_CASES: &[(&str, Case)] = &[
    ("detect_datasets", detect_datasets),
    ("detect_jobs", detect_jobs),
    ("detect_interrupted_jobs", detect_interrupted_jobs),
];

fn dataset_record(id: &str, org_id: i64, created: i64) -> crate::DatasetRecord {
    crate::DatasetRecord {
        id: id.to_string(),
        org_id,
        name: "posts.csv".into(),
        format: "cnt".into(),
        skip_invalid: false,
        account_type: Some("twitter".into()),
        records: 5,
        posts: 4,
        users: 2,
        duplicates: 1,
        skipped: 0,
        created,
    }
}

fn job_record(id: &str, org_id: i64, dataset: &str, created: i64) -> crate::JobRecord {
    crate::JobRecord {
        id: id.to_string(),
        org_id,
        dataset_id: dataset.to_string(),
        params: crate::JobParams {
            networks: vec!["co_retweet".into(), "co_link".into()],
            window: Some(60.0),
            min_weight: 2,
            similarity: 0.8,
        },
        status: crate::JobStatus::Queued,
        progress: 0.0,
        window_seconds: Some(60.0),
        error: None,
        result: None,
        created,
        updated: created,
    }
}

fn ids<T>(items: &[T], id: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|t| id(t).to_string()).collect()
}

/// Datasets: round trip, privacy per organisation, eviction of the oldest beyond `keep`
/// (only within the organisation), content deleted with an unused evicted dataset.
pub fn detect_datasets(s: &dyn Store) {
    let fx = fixture(s);
    let d1 = dataset_record("d1", fx.a.id, 10);
    s.add_dataset(&d1, b"blob-1", 2).unwrap();
    assert_eq!(s.dataset(fx.a.id, "d1").unwrap(), Some(d1.clone()));
    assert_eq!(
        s.dataset(fx.b.id, "d1").unwrap(),
        None,
        "another organisation's"
    );
    assert_eq!(
        s.dataset_content("d1").unwrap(),
        Some((d1.clone(), b"blob-1".to_vec()))
    );
    assert!(matches!(
        s.add_dataset(&d1, b"again", 2),
        Err(StoreError::Conflict(_))
    ));
    s.add_dataset(&dataset_record("b1", fx.b.id, 11), b"b", 1)
        .unwrap();
    s.add_dataset(&dataset_record("d2", fx.a.id, 12), b"blob-2", 2)
        .unwrap();
    s.add_dataset(&dataset_record("d3", fx.a.id, 13), b"blob-3", 2)
        .unwrap();
    let listed = s.list_datasets(fx.a.id).unwrap();
    assert_eq!(ids(&listed, |d| &d.id), ["d2", "d3"], "the oldest gave way");
    assert_eq!(s.dataset(fx.a.id, "d1").unwrap(), None);
    assert_eq!(s.dataset_content("d1").unwrap(), None, "no job uses it");
    assert_eq!(ids(&s.list_datasets(fx.b.id).unwrap(), |d| &d.id), ["b1"]);
}

/// Jobs: round trip, the active quota, eviction of finished jobs only, state transitions,
/// results, and an evicted dataset kept while an active job uses it.
pub fn detect_jobs(s: &dyn Store) {
    use crate::{JobAdded, JobEnd, JobQuota, JobStatus};
    let fx = fixture(s);
    s.add_dataset(&dataset_record("d1", fx.a.id, 1), b"one", 1)
        .unwrap();
    let quota = JobQuota {
        keep: 2,
        max_active: 2,
    };
    let j1 = job_record("j1", fx.a.id, "d1", 10);
    assert_eq!(s.add_job(&j1, quota).unwrap(), JobAdded::Added);
    assert_eq!(s.job(fx.a.id, "j1").unwrap(), Some(j1.clone()));
    assert_eq!(
        s.job(fx.b.id, "j1").unwrap(),
        None,
        "another organisation's"
    );
    assert_eq!(
        s.add_job(&job_record("j2", fx.a.id, "d1", 11), quota)
            .unwrap(),
        JobAdded::Added
    );
    assert_eq!(
        s.add_job(&job_record("j3", fx.a.id, "d1", 12), quota)
            .unwrap(),
        JobAdded::TooManyActive(2)
    );
    assert_eq!(
        s.job(fx.a.id, "j3").unwrap(),
        None,
        "a refused job is not stored"
    );
    // A newer upload evicts d1, whose content stays while j1 and j2 use it.
    s.add_dataset(&dataset_record("d2", fx.a.id, 13), b"two", 1)
        .unwrap();
    assert_eq!(s.dataset(fx.a.id, "d1").unwrap(), None);
    let (kept, _) = s.dataset_content("d1").unwrap().expect("kept while used");
    assert_eq!(kept.id, "d1");

    assert!(s.start_job("j1", 20).unwrap());
    assert!(!s.start_job("j1", 21).unwrap(), "only a queued job starts");
    s.set_job_progress("j1", 0.5).unwrap();
    let running = s.job(fx.a.id, "j1").unwrap().unwrap();
    assert_eq!(
        (running.status, running.progress, running.updated),
        (JobStatus::Running, 0.5, 20)
    );
    let done = JobEnd {
        status: JobStatus::Done,
        error: None,
        window_seconds: Some(42.0),
        result: Some(b"groups".to_vec()),
    };
    assert!(s.finish_job("j1", &done, 30).unwrap());
    assert!(
        !s.finish_job("j1", &done, 31).unwrap(),
        "a finished job stays finished"
    );
    let j = s.job(fx.a.id, "j1").unwrap().unwrap();
    assert_eq!(j.status, JobStatus::Done);
    assert_eq!(j.progress, 1.0);
    assert_eq!(j.window_seconds, Some(42.0));
    assert_eq!(j.result.as_deref(), Some(&b"groups"[..]));
    assert_eq!(j.updated, 30);
    assert!(
        s.dataset_content("d1").unwrap().is_some(),
        "j2 still uses d1"
    );
    let cancelled = JobEnd {
        status: JobStatus::Cancelled,
        error: Some("cancelled by the organisation".into()),
        window_seconds: None,
        result: None,
    };
    assert!(s.finish_job("j2", &cancelled, 32).unwrap());
    let j2 = s.job(fx.a.id, "j2").unwrap().unwrap();
    assert_eq!(j2.status, JobStatus::Cancelled);
    assert_eq!(j2.window_seconds, Some(60.0), "the requested window stays");
    assert_eq!(
        s.dataset_content("d1").unwrap(),
        None,
        "no active job uses d1 now"
    );

    // Lists come without results; the oldest finished job gives way beyond `keep`.
    let listed = s.list_jobs(fx.a.id).unwrap();
    assert_eq!(ids(&listed, |j| &j.id), ["j1", "j2"]);
    assert!(listed.iter().all(|j| j.result.is_none()));
    assert_eq!(
        s.add_job(&job_record("j4", fx.a.id, "d2", 40), quota)
            .unwrap(),
        JobAdded::Added
    );
    assert_eq!(ids(&s.list_jobs(fx.a.id).unwrap(), |j| &j.id), ["j2", "j4"]);
    assert!(s.list_jobs(fx.b.id).unwrap().is_empty());
}

/// A restart: every queued and running job is marked failed with the reason, finished jobs
/// keep their state.
pub fn detect_interrupted_jobs(s: &dyn Store) {
    use crate::{JobEnd, JobQuota, JobStatus};
    let fx = fixture(s);
    s.add_dataset(&dataset_record("d1", fx.a.id, 1), b"one", 4)
        .unwrap();
    let quota = JobQuota {
        keep: 10,
        max_active: 10,
    };
    for (i, id) in ["queued", "running", "done"].iter().enumerate() {
        s.add_job(&job_record(id, fx.a.id, "d1", i as i64), quota)
            .unwrap();
    }
    assert!(s.start_job("running", 5).unwrap());
    assert!(s.start_job("done", 5).unwrap());
    let end = JobEnd {
        status: JobStatus::Done,
        error: None,
        window_seconds: None,
        result: Some(b"r".to_vec()),
    };
    assert!(s.finish_job("done", &end, 6).unwrap());
    assert_eq!(
        s.fail_active_jobs("interrupted by a restart", 9).unwrap(),
        2
    );
    for id in ["queued", "running"] {
        let j = s.job(fx.a.id, id).unwrap().unwrap();
        assert_eq!(j.status, JobStatus::Failed, "{id}");
        assert_eq!(j.error.as_deref(), Some("interrupted by a restart"));
        assert_eq!(j.updated, 9);
    }
    let done = s.job(fx.a.id, "done").unwrap().unwrap();
    assert_eq!(
        (done.status, done.result),
        (JobStatus::Done, Some(b"r".to_vec()))
    );
    assert_eq!(s.fail_active_jobs("again", 10).unwrap(), 0);
}
