//! The shared test suite every store backend runs, split by domain (accounts, objects, banks,
//! ads, detect, cases, alerts, breaches, notify, domain events, notices), deadline reminders included.
//!
//! Each case is a `pub fn(&dyn Backend)` that expects a fresh, empty store and exercises the
//! contract through the trait only, so SQLite today and PostgreSQL tomorrow are held to
//! the same rules. A backend runs them all as separate tests with
//! [`store_testsuite!`](crate::store_testsuite) (the list of cases is written once, in
//! `__with_cases!`):
//!
//! ```text
//! fn with_store(case: fn(&dyn store_testsuite::Backend)) {
//!     let dir = tempfile::tempdir().unwrap();
//!     let store = MyStore::open(&dir.path().join("db")).unwrap();
//!     case(&store);
//! }
//! store_testsuite::store_testsuite!(with_store);
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

pub mod accounts;
pub mod ads;
pub mod alerts;
pub mod audit;
pub mod banks;
pub mod breaches;
pub mod cases;
pub mod detect;
pub mod domain_events;
pub mod notice_stats;
pub mod notices;
pub mod notify;
pub mod objects;

use std::ops::ControlFlow;

use store::{
    Access, AddOutcome, NewCollection, NewObject, NewOrg, NewToken, NewUser, ObjectQuery, Org,
    Position, Role, Sector, Status, StoreError, StoredObject, Tlp, User, VersionFilter,
};
use store::{
    AccountStore, AdStore, AlertStore, AuditStore, BankStore, BreachStore, CaseStore, DetectStore,
    NoticeStore, NotifyStore, ObjectStore,
};
use store::{
    AdListing, AdQuery, ElectionRecord, NewAdSubmission, NewCreative, NewViolation, PlatformRecord,
    SponsorRecord, ViolationQuery,
};
use store::{AuditQuery, NewAudit};
use store::{BankUpdate, FeedbackCounts, FeedbackKind, Labels, NewBank, NewEntry, SignalType};

/// A backend under test: every store trait on one value. The suite's own bound; the `store`
/// traits have no supertraits.
pub trait Backend:
    AccountStore
    + ObjectStore
    + BankStore
    + AdStore
    + DetectStore
    + CaseStore
    + AlertStore
    + NotifyStore
    + AuditStore
    + BreachStore
    + NoticeStore
{
}

impl<T> Backend for T where
    T: AccountStore
        + ObjectStore
        + BankStore
        + AdStore
        + DetectStore
        + CaseStore
        + AlertStore
        + NotifyStore
        + AuditStore
        + BreachStore
        + NoticeStore
{
}

/// One case of the suite: it expects a fresh, empty store.
pub type Case = fn(&dyn Backend);

/// The list of cases, written once: `$callback!` gets every case as `module { name, ... }`
/// (the module is the domain: accounts, objects, banks, ads).
#[doc(hidden)]
#[macro_export]
macro_rules! __with_cases {
    ($($prefix:tt)*) => {
        $crate::__expand! { $($prefix)* ;
            accounts {
                orgs, users, tokens, collections, grants, account_audit,
            }
            audit { audit_tree, audit_checkpoints, audit_scan }
            objects {
                object_round_trip, identical_version_is_unchanged,
                same_version_other_content_conflicts, unversioned_objects,
                only_the_owner_adds_versions, revocation_is_final, observables_are_shared_by_id,
                org_with_identity_is_atomic, batch_outcomes, date_added_increases, filters, version_filters,
                version_flags_after_delete, paging, unknown_collections,
                collections_are_isolated, statuses,
            }
            banks { banks, bank_entries, bank_feedback }
            ads {
                ad_elections_sponsors_platforms, ad_versions_and_search,
                ad_rejected_and_violations, ad_retention,
            }
            detect { detect_datasets, detect_jobs, detect_interrupted_jobs }
            cases { case_records, case_pages, case_actions_and_votes, case_deadlines, case_impacts }
            alerts { alert_groups, alert_lifecycle, alert_deadlines }
            breaches { breach_revisions, breach_pages_and_deadlines, breach_retention }
            notify { notify_subscriptions, notify_outbox, notify_leases }
            domain_events { domain_events_written_with_changes, domain_events_claimed_and_relayed }
            notices { notice_records, notice_decisions, notice_authorities, notice_due, notice_rechecks }
            notice_stats { notice_timings }
        }
    };
}

/// Expands the case list: `@list` into the [`CASES`] table, `@tests` into `#[test]`s.
#[doc(hidden)]
#[macro_export]
macro_rules! __expand {
    (@list ; $($module:ident { $($case:ident),* $(,)? })*) => {
        &[$($((stringify!($case), $crate::$module::$case as $crate::Case),)*)*]
    };
    (@tests $with_store:path ; $($module:ident { $($case:ident),* $(,)? })*) => {
        $($(
            #[test]
            fn $case() {
                $with_store($crate::$module::$case)
            }
        )*)*
    };
}

/// Every case, by name.
pub const CASES: &[(&str, Case)] = __with_cases!(@list);

/// Runs every case, each on a fresh store from `make`.
pub fn run_all(make: &dyn Fn() -> Box<dyn Backend>) {
    for (_, case) in CASES {
        let store = make();
        case(&*store);
    }
}

/// Defines one `#[test]` per case of the suite. `$with_store` is a
/// `fn(fn(&dyn store_testsuite::Backend))` that builds a fresh store, calls the case on it and
/// cleans up.
#[macro_export]
macro_rules! store_testsuite {
    ($with_store:path) => {
        $crate::__with_cases!(@tests $with_store);
    };
}

// ---------------------------------------------------------------------------------------
// Fixtures.

/// An audit record of the local operator, for calls whose audit the case does not check.
pub(crate) fn test_audit() -> NewAudit {
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
pub(crate) fn identity_id(n: u64) -> String {
    format!("identity--00000000-0000-4000-8000-{n:012x}")
}

/// A deterministic collection UUID for test number `n`.
pub(crate) fn collection_uuid(n: u64) -> String {
    format!("c0000000-0000-4000-8000-{n:012x}")
}

/// A deterministic `indicator--UUID` for test number `n`.
pub(crate) fn indicator_id(n: u64) -> String {
    format!("indicator--10000000-0000-4000-8000-{n:012x}")
}

pub(crate) fn new_org(slug: &str, n: u64) -> NewOrg {
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

pub(crate) fn new_collection(slug: &str, n: u64) -> NewCollection {
    NewCollection {
        id: collection_uuid(n),
        slug: slug.to_string(),
        title: format!("Collection {slug}"),
        description: format!("Test collection {n}"),
        default_tlp: Tlp::Amber,
    }
}

/// Two organisations with one analyst each, and two collections.
pub(crate) struct Fixture {
    a: Org,
    b: Org,
    ua: User,
    ub: User,
    c1: String,
    c2: String,
}

pub(crate) fn fixture(s: &dyn Backend) -> Fixture {
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
        .create_collection(&new_collection("one", 1), &test_audit())
        .expect("create collection one")
        .id;
    let c2 = s
        .create_collection(&new_collection("two", 2), &test_audit())
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
pub(crate) const T0: i64 = 1_700_000_000_000_000;

/// An indicator version by `user` in `collection`, version `T0 + v` ms.
pub(crate) fn indicator(collection: &str, n: u64, v: i64, user: &User, extra: &str) -> NewObject {
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

pub(crate) fn added(outcome: &Result<AddOutcome, StoreError>, what: &str) -> i64 {
    match outcome {
        Ok(AddOutcome::Added { date_added }) => *date_added,
        other => panic!("{what}: expected Added, got {other:?}"),
    }
}

pub(crate) fn scan(s: &dyn Backend, q: &ObjectQuery) -> Vec<StoredObject> {
    let mut out = Vec::new();
    s.scan_objects(q, &mut |o| {
        out.push(o);
        ControlFlow::Continue(())
    })
    .expect("scan_objects");
    out
}

pub(crate) fn query(collection: &str) -> ObjectQuery {
    ObjectQuery {
        collection_id: collection.to_string(),
        ..ObjectQuery::default()
    }
}

/// (id, version) pairs of a scan, for compact comparisons.
pub(crate) fn keys(objs: &[StoredObject]) -> Vec<(String, Option<i64>)> {
    objs.iter().map(|o| (o.id.clone(), o.version)).collect()
}

pub(crate) fn key(n: u64, v: i64) -> (String, Option<i64>) {
    (indicator_id(n), Some(T0 + v * 1000))
}

pub(crate) fn assert_sorted(objs: &[StoredObject]) {
    for w in objs.windows(2) {
        assert!(
            (w[0].date_added, w[0].seq) < (w[1].date_added, w[1].seq),
            "scan out of (date_added, seq) order: {:?} then {:?}",
            (w[0].date_added, w[0].seq),
            (w[1].date_added, w[1].seq)
        );
    }
}
