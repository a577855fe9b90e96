//! SQLite-specific behaviour: durability across reopen and `kill -9`, migrations, index
//! use, and reads that do not wait for writes.

use std::io::{BufRead, BufReader};
use std::ops::ControlFlow;
use std::path::Path;
use std::process::{Command, Stdio};

use store::{
    Access, AdStore, AddOutcome, NewCollection, NewObject, NewOrg, NewUser, ObjectQuery, Role,
    Sector, Status, StoreError, StoredObject, Tlp, VersionFilter,
};
use store::{AccountStore, ObjectStore};
use store_sqlite::{SqliteStore, JOURNAL_SIZE_LIMIT, SCHEMA_VERSION};

const COLLECTION: &str = "91a7b528-80eb-42ed-a74d-c6fbd5a26116";

/// An organisation `gov-ca`, its analyst `alice` and one collection; returns alice's
/// (user id, org id).
fn seed(s: &SqliteStore) -> (i64, i64) {
    let org = s
        .create_org(&NewOrg {
            slug: "gov-ca".into(),
            name: "Government of Canada".into(),
            sector: Sector::Government,
            country: "CA".into(),
            identity_id: "identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f".into(),
            identity_json: r#"{"type":"identity"}"#.into(),
        })
        .unwrap();
    let user = s
        .create_user(
            &NewUser {
                org_id: org.id,
                username: "alice".into(),
                role: Role::Analyst,
                password_hash: Some("hash".into()),
            },
            &store::NewAudit {
                actor: "operator".into(),
                actor_org_id: None,
                action: "user.create".into(),
                target: String::new(),
                target_org_id: None,
                detail: String::new(),
            },
        )
        .unwrap();
    s.create_collection(
        &NewCollection {
            id: COLLECTION.into(),
            slug: "shared".into(),
            title: "Shared".into(),
            description: String::new(),
            default_tlp: Tlp::Green,
        },
        &store::NewAudit::system("test", "t", None, ""),
    )
    .unwrap();
    s.set_grant(
        org.id,
        COLLECTION,
        Access {
            read: true,
            write: true,
        },
        &store::NewAudit::system("test", "t", None, ""),
    )
    .unwrap();
    (user.id, org.id)
}

fn indicator(n: u64, user: (i64, i64)) -> NewObject {
    let id = format!("indicator--20000000-0000-4000-8000-{n:012x}");
    NewObject {
        collection_id: COLLECTION.into(),
        id: id.clone(),
        stix_type: "indicator".into(),
        spec_version: "2.1".into(),
        version: Some(1_700_000_000_000_000),
        json: format!(
            r#"{{"type":"indicator","id":"{id}","pattern":"[ipv4-addr:value = '10.0.0.{}']"}}"#,
            n % 256
        ),
        tlp: Some(Tlp::Amber),
        recipients: Vec::new(),
        created_by_ref: None,
        revoked: false,
        submitter_user_id: user.0,
        submitter_org_id: user.1,
        owner_org_id: user.1,
    }
}

fn all_objects(s: &dyn ObjectStore) -> Vec<StoredObject> {
    let mut out = Vec::new();
    let q = ObjectQuery {
        collection_id: COLLECTION.into(),
        versions: VersionFilter::all(),
        ..ObjectQuery::default()
    };
    s.scan_objects(&q, &mut |o| {
        out.push(o);
        ControlFlow::Continue(())
    })
    .unwrap();
    out
}

#[test]
fn reopening_finds_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rrm.db");
    let (objects, org) = {
        let s = SqliteStore::open(&path).unwrap();
        let user = seed(&s);
        let batch: Vec<NewObject> = (0..300).map(|n| indicator(n, user)).collect();
        assert!(s.add_objects(&batch).unwrap().iter().all(|o| o.is_ok()));
        s.put_status(&Status {
            id: "status-1".into(),
            user_id: user.0,
            created: 42,
            json: "{}".into(),
        })
        .unwrap();
        (all_objects(&s), s.org_by_slug("gov-ca").unwrap().unwrap())
    };
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(all_objects(&s), objects);
    assert_eq!(s.org_by_slug("gov-ca").unwrap(), Some(org.clone()));
    assert_eq!(s.user_by_name("alice").unwrap().unwrap().org_id, org.id);
    assert!(s.grant(org.id, COLLECTION).unwrap().write);
    assert_eq!(s.get_status("status-1").unwrap().unwrap().created, 42);
    // date_added keeps increasing after a reopen.
    let last = objects.last().unwrap().date_added;
    let user = (s.user_by_name("alice").unwrap().unwrap().id, org.id);
    match s.add_object(&indicator(1000, user)).unwrap() {
        AddOutcome::Added { date_added } => assert!(date_added > last),
        other => panic!("expected Added, got {other:?}"),
    }
}

/// The child half of `objects_survive_kill_9`: stores objects one by one, printing the
/// number of each as soon as `add_object` returns, then waits to be killed.
#[test]
fn kill_9_child_writer() {
    let Ok(path) = std::env::var("RRM_KILL9_DB") else {
        return; // Only meaningful when spawned by objects_survive_kill_9.
    };
    let s = SqliteStore::open(Path::new(&path)).unwrap();
    let user = seed(&s);
    // Bounded, so that a child left alone by a failed parent ends by itself.
    for n in 0..5_000 {
        s.add_object(&indicator(n, user)).unwrap();
        println!("stored {n}");
    }
}

#[test]
fn objects_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rrm.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "sqlite::kill_9_child_writer",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("RRM_KILL9_DB", &path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut reported = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(n) = line.strip_prefix("stored ") {
            let n: u64 = n.trim().parse().unwrap();
            reported = Some(n);
            if n >= 40 {
                break;
            }
        }
    }
    // SIGKILL right after the 41st success was reported.
    child.kill().unwrap();
    child.wait().unwrap();
    let reported = reported.expect("the child reported stored objects");
    let s = SqliteStore::open(&path).unwrap();
    let ids: Vec<String> = all_objects(&s).into_iter().map(|o| o.id).collect();
    for n in 0..=reported {
        let id = indicator(n, (0, 0)).id;
        assert!(ids.contains(&id), "{id} was reported stored but is gone");
    }
}

#[test]
fn migrations_on_fresh_and_migrated_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rrm.db");
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    seed(&s);
    drop(s);
    // Opening an up-to-date file runs nothing and keeps the data.
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(s.list_orgs().unwrap().len(), 1);
    // Two stores on the same file (two processes) both open it.
    let other = SqliteStore::open(&path).unwrap();
    assert_eq!(other.list_collections().unwrap().len(), 1);
}

/// A published ad in `s` with `versions` versions (texts "v1", "v2", ...), the last with a
/// creative; returns its id.
fn published_ad(s: &SqliteStore, org: i64, versions: i64) -> i64 {
    let mut id = 0;
    for v in 1..=versions {
        let last = v == versions;
        let sha = "c".repeat(64);
        let sub = store::NewAdSubmission {
            platform_org_id: org,
            user_id: 1,
            ad_id: "ad-1".into(),
            verdict: "ACCEPT".into(),
            submission_json: "{}".into(),
            result_json: "{}".into(),
            received: 100 * v,
            creative: last.then(|| store::NewCreative {
                sha256: sha.clone(),
                media_type: "image/png".into(),
                bytes: b"png".to_vec(),
            }),
            listing: Some(store::AdListing {
                sponsor: "s".into(),
                sponsor_name: "S".into(),
                payer: "s".into(),
                payer_name: "S".into(),
                platform: "p".into(),
                start_day: "2029-01-01".into(),
                end_day: "9999-12-31".into(),
                text: format!("v{v}"),
                creative_sha256: last.then(|| sha.clone()),
                public_json: format!(r#"{{"text":"v{v}"}}"#),
                ..Default::default()
            }),
            violations: Vec::new(),
        };
        id = s.add_ad_submission(&sub).unwrap().ad.unwrap();
    }
    id
}

#[test]
fn migration_4_keeps_ads_and_backfills_their_versions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rrm.db");
    let s = SqliteStore::open(&path).unwrap();
    let (_, org) = seed(&s);
    let ad = published_ad(&s, org, 2);
    drop(s);
    // Turn the file back into a schema-3 database: what a previous release wrote.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "DROP TABLE ad_sponsors; DROP TABLE ad_platforms;
         ALTER TABLE ad_versions DROP COLUMN published;
         ALTER TABLE ad_versions DROP COLUMN creative_sha256;
         ALTER TABLE ad_versions DROP COLUMN public_json;
         DROP TABLE audit_leaves; DROP TABLE audit_nodes; DROP TABLE audit_checkpoints; DROP TABLE audit_backfill;
         DROP TABLE account_audit; DROP INDEX tokens_by_user;
         ALTER TABLE users DROP COLUMN disabled;
         DROP INDEX objects_unversioned; DROP TABLE object_state;
         CREATE TABLE object_owner (id TEXT PRIMARY KEY, owner_org_id INTEGER NOT NULL,
             revoked INTEGER NOT NULL DEFAULT 0, revoked_version INTEGER) WITHOUT ROWID;
         DROP TABLE detect_datasets; DROP TABLE detect_jobs;
         DROP TABLE bank_retired_indicators;
         DROP TABLE notify_deliveries; DROP TABLE notify_contacts; DROP TABLE notify_webhooks;
         DROP INDEX cases_seq; DROP INDEX cases_by_owner_seq; DROP INDEX case_participants_by_org_seq; ALTER TABLE cases DROP COLUMN seq; ALTER TABLE case_participants DROP COLUMN case_seq; ALTER TABLE cases DROP COLUMN alert_id;
         DROP TABLE domain_events; DROP TABLE notice_decisions; DROP TABLE notices;
         DROP TABLE notice_authorities; DROP TABLE notice_reminders;
         PRAGMA user_version = 3;",
    )
    .unwrap();
    drop(raw);
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    // Migration 5: existing users stay enabled, and the audit log starts empty.
    let users = s.list_users(None).unwrap();
    assert!(!users.is_empty() && users.iter().all(|u| !u.disabled));
    assert!(s
        .list_audit(&store::AuditQuery {
            org_id: None,
            after: 0,
            limit: 10
        })
        .unwrap()
        .is_empty());
    let versions = s.ad_versions(ad).unwrap();
    assert_eq!(versions.len(), 2);
    // Publication times come from the submissions; the current version gets its document
    // and creative back, the older one has none (it was never kept).
    assert_eq!((versions[0].published, versions[1].published), (100, 200));
    assert_eq!(versions[0].public_json, None);
    assert_eq!(versions[1].public_json.as_deref(), Some(r#"{"text":"v2"}"#));
    assert_eq!(versions[1].creative_sha256, Some("c".repeat(64)));
    assert_eq!(s.ad_by_id(ad).unwrap().unwrap().listing.text, "v2");
    // The new tables work on the migrated file.
    s.put_sponsor(&store::SponsorRecord {
        id: "s".into(),
        json: "{}".into(),
        org_id: org,
        updated: 1,
    })
    .unwrap();
    assert!(s.sponsor_by_id("s").unwrap().is_some());
}

#[test]
fn migration_5_moves_ownership_and_revocation_into_each_collection() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rrm.db");
    let s = SqliteStore::open(&path).unwrap();
    let alice = seed(&s);
    let mut v1 = indicator(1, alice);
    v1.version = Some(1_000);
    let mut v2 = indicator(1, alice);
    v2.version = Some(2_000);
    v2.json = r#"{"v":2}"#.into();
    v2.revoked = true;
    assert!(s
        .add_objects(&[v1, v2.clone(), indicator(2, alice), indicator(3, alice)])
        .unwrap()
        .iter()
        .all(|o| o.is_ok()));
    drop(s);
    // Turn the file back into a schema-4 database: ownership was hub-wide (object_owner).
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "DROP TABLE audit_leaves; DROP TABLE audit_nodes; DROP TABLE audit_checkpoints; DROP TABLE audit_backfill;
         DROP TABLE account_audit; DROP INDEX tokens_by_user;
         ALTER TABLE users DROP COLUMN disabled;
         DROP INDEX objects_unversioned; DROP TABLE object_state;
         CREATE TABLE object_owner (id TEXT PRIMARY KEY, owner_org_id INTEGER NOT NULL,
             revoked INTEGER NOT NULL DEFAULT 0, revoked_version INTEGER) WITHOUT ROWID;
         INSERT INTO object_owner VALUES
             ('indicator--20000000-0000-4000-8000-000000000001', 77, 1, 2000),
             ('indicator--20000000-0000-4000-8000-000000000002', 77, 0, NULL),
             ('indicator--20000000-0000-4000-8000-000000000003', 77, 1, 3000);
         DROP TABLE detect_datasets; DROP TABLE detect_jobs;
         DROP TABLE bank_retired_indicators;
         DROP TABLE notify_deliveries; DROP TABLE notify_contacts; DROP TABLE notify_webhooks;
         DROP INDEX cases_seq; DROP INDEX cases_by_owner_seq; DROP INDEX case_participants_by_org_seq; ALTER TABLE cases DROP COLUMN seq; ALTER TABLE case_participants DROP COLUMN case_seq; ALTER TABLE cases DROP COLUMN alert_id;
         DROP TABLE domain_events; DROP TABLE notice_decisions; DROP TABLE notices;
         DROP TABLE notice_authorities; DROP TABLE notice_reminders;
         PRAGMA user_version = 4;",
    )
    .unwrap();
    drop(raw);
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    // The owner recorded hub-wide (org 77) owns the ids in the collection; the revocation
    // stays.
    let mut v3 = indicator(1, alice);
    v3.version = Some(3_000);
    v3.owner_org_id = 77;
    assert!(matches!(s.add_object(&v3), Err(StoreError::Revoked { .. })));
    assert!(matches!(
        s.add_object(&indicator(2, alice)),
        Ok(AddOutcome::Unchanged { .. })
    ));
    let mut other = indicator(2, alice);
    other.version = Some(9_000);
    assert!(matches!(
        s.add_object(&other),
        Err(StoreError::NotOwner { .. })
    ));
    // Revoked under schema 4 although its revoking version was deleted: it stays revoked.
    let mut after = indicator(3, alice);
    after.version = Some(9_000);
    after.owner_org_id = 77;
    assert!(matches!(
        s.add_object(&after),
        Err(StoreError::Revoked { .. })
    ));
    let revoking = VersionFilter {
        all: false,
        last: false,
        first: false,
        at: vec![2_000],
    };
    assert!(matches!(
        s.delete_object(COLLECTION, &v2.id, &revoking),
        Err(StoreError::Revoked { .. })
    ));
}

#[test]
fn a_newer_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rrm.db");
    drop(SqliteStore::open(&path).unwrap());
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.pragma_update(None, "user_version", SCHEMA_VERSION + 5)
        .unwrap();
    drop(raw);
    match SqliteStore::open(&path) {
        Err(StoreError::Invalid(msg)) => {
            assert!(msg.contains("newer"), "{msg}");
            assert!(msg.contains(&(SCHEMA_VERSION + 5).to_string()), "{msg}");
            assert!(msg.contains("rrm.db"), "the message names the file: {msg}");
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn a_file_that_is_not_a_database_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rrm.db");
    std::fs::write(
        &path,
        b"this is not an SQLite database, just some text. ".repeat(100),
    )
    .unwrap();
    match SqliteStore::open(&path) {
        Err(StoreError::Backend(msg)) => assert!(msg.contains("rrm.db"), "{msg}"),
        other => panic!("expected Backend, got {other:?}"),
    }
}

#[test]
fn hot_statements_use_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStore::open(&dir.path().join("rrm.db")).unwrap();
    let user = seed(&s);
    let batch: Vec<NewObject> = (0..200).map(|n| indicator(n, user)).collect();
    s.add_objects(&batch).unwrap();
    let queries = [
        ObjectQuery {
            collection_id: COLLECTION.into(),
            ..ObjectQuery::default()
        },
        ObjectQuery {
            collection_id: COLLECTION.into(),
            after: Some(store::Position {
                date_added: 1,
                seq: 1,
            }),
            added_after: Some(5),
            types: vec!["indicator".into(), "malware".into()],
            spec_versions: vec!["2.1".into()],
            versions: VersionFilter::all(),
            ..ObjectQuery::default()
        },
        ObjectQuery {
            collection_id: COLLECTION.into(),
            types: vec!["indicator".into()],
            ..ObjectQuery::default()
        },
        ObjectQuery {
            collection_id: COLLECTION.into(),
            ids: vec![indicator(1, user).id, indicator(2, user).id],
            versions: VersionFilter {
                all: false,
                last: true,
                first: true,
                at: vec![3],
            },
            ..ObjectQuery::default()
        },
    ];
    for q in &queries {
        let plans = s.query_plans(q).unwrap();
        assert_eq!(plans.len(), 4);
        for (name, lines) in plans {
            let text = lines.join(" | ");
            assert!(
                lines.iter().any(|l| l.contains("SEARCH objects USING")),
                "{name} does not seek an index: {text}"
            );
            assert!(
                !lines.iter().any(|l| l.starts_with("SCAN objects")),
                "{name} scans the table: {text}"
            );
            if name.starts_with("page") || (name.starts_with("scan") && q.ids.is_empty()) {
                assert!(
                    !text.contains("TEMP B-TREE"),
                    "{name} sorts instead of walking the index in order: {text}"
                );
            }
        }
    }
}

#[test]
fn reads_do_not_wait_for_writes() {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStore::open(&dir.path().join("rrm.db")).unwrap();
    let user = seed(&s);
    let batch: Vec<NewObject> = (0..10).map(|n| indicator(n, user)).collect();
    s.add_objects(&batch).unwrap();
    let q = ObjectQuery {
        collection_id: COLLECTION.into(),
        ..ObjectQuery::default()
    };
    // While a scan is open, writes commit, and the scan keeps its snapshot.
    let mut seen = 0;
    let mut n = 100;
    s.scan_objects(&q, &mut |_| {
        seen += 1;
        assert!(matches!(
            s.add_object(&indicator(n, user)),
            Ok(AddOutcome::Added { .. })
        ));
        n += 1;
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(seen, 10);
    assert_eq!(s.count_objects(COLLECTION).unwrap(), 20);

    // Readers on other threads run while a writer thread ingests.
    std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            for chunk in 0..20u64 {
                let batch: Vec<NewObject> = (0..50)
                    .map(|i| indicator(1000 + chunk * 50 + i, user))
                    .collect();
                assert!(s.add_objects(&batch).unwrap().iter().all(|o| o.is_ok()));
            }
        });
        let readers: Vec<_> = (0..3)
            .map(|_| {
                scope.spawn(|| {
                    let mut last = 0;
                    for _ in 0..20 {
                        let count = all_objects(&s).len();
                        assert!(count >= last, "a reader went back in time");
                        last = count;
                    }
                })
            })
            .collect();
        writer.join().unwrap();
        for r in readers {
            r.join().unwrap();
        }
    });
    assert_eq!(s.count_objects(COLLECTION).unwrap(), 1020);
}

#[test]
fn migration_7_makes_bank_names_unique_per_organisation() {
    use store::{BankStore, Labels, NewBank, NewEntry, SignalType};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rrm.db");
    let s = SqliteStore::open(&path).unwrap();
    let (_, org) = seed(&s);
    let bank = |owner: i64| NewBank {
        name: "tvec".into(),
        description: String::new(),
        owner_org_id: owner,
        tlp: Tlp::Green,
        collection_id: COLLECTION.into(),
    };
    let b = s.create_bank(&bank(org)).unwrap();
    let e = s
        .add_entries(&[NewEntry {
            bank_id: b.id,
            signal_type: SignalType::Md5,
            value: "0".repeat(32),
            labels: Labels::default(),
            contributor_org_id: org,
            stix_id: "indicator--00000000-0000-4000-8000-000000000001".into(),
            created: 1,
        }])
        .unwrap();
    drop(s);
    // Turn the file back into a schema-6 database, whose bank names were unique hub-wide.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "PRAGMA foreign_keys = OFF;
         CREATE TABLE old_banks (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
             description TEXT NOT NULL, owner_org_id INTEGER NOT NULL REFERENCES orgs(id),
             tlp TEXT NOT NULL, enabled INTEGER NOT NULL,
             collection_id TEXT NOT NULL REFERENCES collections(id), created INTEGER NOT NULL);
         INSERT INTO old_banks SELECT id, name, description, owner_org_id, tlp, enabled,
             collection_id, created FROM banks;
         DROP TABLE banks;
         DROP TABLE audit_leaves; DROP TABLE audit_nodes; DROP TABLE audit_checkpoints; DROP TABLE audit_backfill;
         ALTER TABLE account_audit DROP COLUMN nonce;
         ALTER TABLE old_banks RENAME TO banks;
         DROP TABLE detect_datasets; DROP TABLE detect_jobs;
         DROP TABLE bank_retired_indicators;
         DROP TABLE notify_deliveries; DROP TABLE notify_contacts; DROP TABLE notify_webhooks;
         DROP INDEX cases_seq; DROP INDEX cases_by_owner_seq; DROP INDEX case_participants_by_org_seq; ALTER TABLE cases DROP COLUMN seq; ALTER TABLE case_participants DROP COLUMN case_seq; ALTER TABLE cases DROP COLUMN alert_id;
         DROP TABLE domain_events; DROP TABLE notice_decisions; DROP TABLE notices;
         DROP TABLE notice_authorities; DROP TABLE notice_reminders;
         PRAGMA user_version = 6;",
    )
    .unwrap();
    drop(raw);
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(s.bank_by_name(org, "tvec").unwrap(), Some(b.clone()));
    assert_eq!(s.entry_by_id(e[0].id).unwrap(), Some(e[0].clone()));
    let other = s
        .create_org(&NewOrg {
            slug: "other".into(),
            name: "Other".into(),
            sector: Sector::Platform,
            country: "FR".into(),
            identity_id: "identity--9e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f".into(),
            identity_json: r#"{"type":"identity"}"#.into(),
        })
        .unwrap();
    let b2 = s.create_bank(&bank(other.id)).unwrap();
    assert_eq!(s.banks_named("tvec").unwrap(), vec![b, b2]);
    assert!(matches!(
        s.create_bank(&bank(org)),
        Err(StoreError::Conflict(_))
    ));
    // Entries of an unknown bank are still refused.
    assert!(s
        .add_entries(&[NewEntry {
            bank_id: 9999,
            signal_type: SignalType::Md5,
            value: "1".repeat(32),
            labels: Labels::default(),
            contributor_org_id: org,
            stix_id: "indicator--00000000-0000-4000-8000-000000000002".into(),
            created: 1,
        }])
        .is_err());
}

/// A WAL that grew while a reader pinned an old snapshot is truncated back to the journal
/// size limit once the reader lets go and a checkpoint completes.
#[test]
fn a_grown_wal_is_truncated_to_the_journal_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rrm.db");
    let wal = dir.path().join("rrm.db-wal");
    let s = SqliteStore::open(&path).unwrap();
    let user = seed(&s);
    let pad = "x".repeat(4000);
    let big = |n: u64| {
        let mut o = indicator(n, user);
        o.json = o.json.replacen('{', &format!("{{\"x_pad\":\"{pad}\","), 1);
        o
    };
    // A reader holding a snapshot keeps every checkpoint from completing.
    let pin = rusqlite::Connection::open(&path).unwrap();
    pin.execute_batch("BEGIN; SELECT count(*) FROM objects;")
        .unwrap();
    let _: i64 = pin
        .query_row("SELECT count(*) FROM objects", [], |r| r.get(0))
        .unwrap();
    let mut n = 0u64;
    let limit = u64::try_from(JOURNAL_SIZE_LIMIT).unwrap();
    while std::fs::metadata(&wal).map_or(0, |m| m.len()) < limit + limit / 4 {
        let batch: Vec<NewObject> = (n..n + 1000).map(big).collect();
        s.add_objects(&batch).unwrap();
        n += 1000;
        assert!(n < 200_000, "the WAL does not grow");
    }
    pin.execute_batch("COMMIT").unwrap();
    drop(pin);
    // The next commits checkpoint everything, then restart the WAL from its start.
    for _ in 0..3 {
        let batch: Vec<NewObject> = (n..n + 1000).map(big).collect();
        s.add_objects(&batch).unwrap();
        n += 1000;
    }
    let size = std::fs::metadata(&wal).unwrap().len();
    assert!(
        size <= limit,
        "the WAL is {size} bytes, above the {limit} limit"
    );
}

/// Migration 8 adds the detection tables to a schema-7 database and keeps what it held.
#[test]
fn migration_8_adds_detection_tables() {
    use store::DetectStore;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rrm.db");
    let s = SqliteStore::open(&path).unwrap();
    let org = s
        .create_org(&store::NewOrg {
            slug: "gov".into(),
            name: "Gov".into(),
            sector: store::Sector::Government,
            country: "CA".into(),
            identity_id: "identity--6b1ba5a4-5bd0-4a2c-9a4d-3b4e3c5b8c11".into(),
            identity_json: "{}".into(),
        })
        .unwrap();
    drop(s);
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "DROP TABLE detect_datasets; DROP TABLE detect_jobs; DROP TABLE bank_retired_indicators;
         DROP TABLE notify_deliveries; DROP TABLE notify_contacts; DROP TABLE notify_webhooks;
         DROP TABLE audit_leaves; DROP TABLE audit_nodes; DROP TABLE audit_checkpoints; DROP TABLE audit_backfill;
         ALTER TABLE account_audit DROP COLUMN nonce;
         DROP INDEX cases_seq; DROP INDEX cases_by_owner_seq; DROP INDEX case_participants_by_org_seq; ALTER TABLE cases DROP COLUMN seq; ALTER TABLE case_participants DROP COLUMN case_seq; ALTER TABLE cases DROP COLUMN alert_id;
         DROP TABLE domain_events; DROP TABLE notice_decisions; DROP TABLE notices;
         DROP TABLE notice_authorities; DROP TABLE notice_reminders;
         PRAGMA user_version = 7;",
    )
    .unwrap();
    drop(raw);
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(s.org_by_slug("gov").unwrap(), Some(org.clone()));
    assert!(s.list_datasets(org.id).unwrap().is_empty());
    assert!(s.list_jobs(org.id).unwrap().is_empty());
}

/// The retired-indicators migration adds its table to a database without it and finds the
/// earlier, revoked indicators of entries enabled again (same hash, bank and contributor);
/// later changes keep the ids an entry leaves.
#[test]
fn migration_adds_retired_bank_indicators() {
    use store::{BankStore, Labels, NewBank, NewEntry, SignalType};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rrm.db");
    let s = SqliteStore::open(&path).unwrap();
    let (_, org) = seed(&s);
    let b = s
        .create_bank(&NewBank {
            name: "tvec".into(),
            description: String::new(),
            owner_org_id: org,
            tlp: Tlp::Green,
            collection_id: COLLECTION.into(),
        })
        .unwrap();
    let first = "indicator--00000000-0000-4000-8000-000000000001";
    let current = "indicator--00000000-0000-4000-8000-000000000002";
    let e = s
        .add_entries(&[NewEntry {
            bank_id: b.id,
            signal_type: SignalType::Md5,
            value: "0".repeat(32),
            labels: Labels::default(),
            contributor_org_id: org,
            stix_id: current.into(),
            created: 1,
        }])
        .unwrap()
        .remove(0);
    // What a previous release left: the entry's first indicator, revoked, and an unrelated
    // revoked indicator of another hash.
    let identity = s.org_by_id(org).unwrap().unwrap().identity_id;
    let user = s.list_users(None).unwrap()[0].id;
    let revoked = |id: &str, value: &str| NewObject {
        id: id.into(),
        json: format!(
            r#"{{"type":"indicator","id":"{id}","name":"md5 hash in bank tvec","pattern":"[file:hashes.MD5 = '{value}']","revoked":true}}"#
        ),
        created_by_ref: Some(identity.clone()),
        revoked: true,
        ..indicator(1, (user, org))
    };
    let objs = [
        revoked(first, &"0".repeat(32)),
        revoked(
            "indicator--00000000-0000-4000-8000-000000000003",
            &"1".repeat(32),
        ),
    ];
    for outcome in s.add_objects(&objs).unwrap() {
        outcome.unwrap();
    }
    drop(s);
    let raw = rusqlite::Connection::open(&path).unwrap();
    // Migration 0010 adds the table, so the schema goes back to version 9; the migrations
    // after it run again: those that are not idempotent have their tables dropped too.
    raw.execute_batch(
        "DROP TABLE bank_retired_indicators;
         DROP TABLE notify_deliveries; DROP TABLE notify_contacts; DROP TABLE notify_webhooks;
         DROP TABLE audit_leaves; DROP TABLE audit_nodes; DROP TABLE audit_checkpoints; DROP TABLE audit_backfill;
         ALTER TABLE account_audit DROP COLUMN nonce;
         DROP INDEX cases_seq; DROP INDEX cases_by_owner_seq; DROP INDEX case_participants_by_org_seq; ALTER TABLE cases DROP COLUMN seq; ALTER TABLE case_participants DROP COLUMN case_seq; ALTER TABLE cases DROP COLUMN alert_id;
         DROP TABLE domain_events; DROP TABLE notice_decisions; DROP TABLE notices;
         DROP TABLE notice_authorities; DROP TABLE notice_reminders;
         PRAGMA user_version = 9;",
    )
    .unwrap();
    drop(raw);
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(s.entry_by_id(e.id).unwrap(), Some(e.clone()));
    assert_eq!(
        s.retired_stix_ids(b.id).unwrap(),
        [(e.id, first.to_string())]
    );
    s.set_entry_enabled(e.id, false, 2, current).unwrap();
    let third = "indicator--00000000-0000-4000-8000-000000000004";
    s.set_entry_enabled(e.id, true, 3, third).unwrap();
    assert_eq!(
        s.retired_stix_ids(b.id).unwrap(),
        [(e.id, first.to_string()), (e.id, current.to_string())]
    );
}

/// The inbox and sent pages walk an index in key order (no scan of every alert, no sort), so
/// a page stays fast whatever the number of alerts.
#[test]
fn alert_pages_use_their_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("rrm.db")).unwrap();
    let plans = store.alert_query_plans().unwrap();
    for (name, lines) in plans {
        let text = lines.join(" | ");
        let index = if name == "inbox" {
            "alert_recipients_by_org"
        } else {
            "alerts_by_sender"
        };
        assert!(text.contains(index), "{name}: {text}");
        assert!(!text.contains("TEMP B-TREE"), "{name} sorts: {text}");
    }
}

/// The case pages walk the owner and participant indexes newest first (no scan of every
/// case, no sort of an organisation's cases beyond one page of keys).
#[test]
fn case_pages_use_their_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("rrm.db")).unwrap();
    for (name, lines) in store.case_query_plans().unwrap() {
        let text = lines.join(" | ");
        if name != "participating" {
            assert!(text.contains("cases_by_owner_seq"), "{name}: {text}");
        }
        if name != "mine" {
            assert!(
                text.contains("case_participants_by_org_seq"),
                "{name}: {text}"
            );
        }
        assert!(!text.contains("SCAN cases"), "{name} scans: {text}");
    }
}

#[test]
fn notice_pages_use_their_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("rrm.db")).unwrap();
    for (name, lines) in store.notice_query_plans().unwrap() {
        let text = lines.join(" | ");
        let index = match name.as_str() {
            "inbox" => "notices_inbox",
            "outbox" => "notices_outbox",
            _ => "notice_decisions_statements",
        };
        assert!(text.contains(index), "{name}: {text}");
        assert!(!text.contains("TEMP B-TREE"), "{name} sorts: {text}");
    }
}

#[test]
fn migration_12_adds_notification_tables() {
    use store::NotifyStore;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rrm.db");
    let s = SqliteStore::open(&path).unwrap();
    let org = s
        .create_org(&store::NewOrg {
            slug: "gov".into(),
            name: "Gov".into(),
            sector: store::Sector::Government,
            country: "CA".into(),
            identity_id: "identity--6b1ba5a4-5bd0-4a2c-9a4d-3b4e3c5b8c11".into(),
            identity_json: "{}".into(),
        })
        .unwrap();
    drop(s);
    // Back to the schema before notifications (migration 0012 brings it to version 12).
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "DROP TABLE notify_deliveries; DROP TABLE notify_contacts; DROP TABLE notify_webhooks;
         DROP TABLE audit_leaves; DROP TABLE audit_nodes; DROP TABLE audit_checkpoints; DROP TABLE audit_backfill;
         ALTER TABLE account_audit DROP COLUMN nonce;
         DROP INDEX cases_seq; DROP INDEX cases_by_owner_seq; DROP INDEX case_participants_by_org_seq; ALTER TABLE cases DROP COLUMN seq; ALTER TABLE case_participants DROP COLUMN case_seq; ALTER TABLE cases DROP COLUMN alert_id;
         DROP TABLE domain_events; DROP TABLE notice_decisions; DROP TABLE notices;
         DROP TABLE notice_authorities; DROP TABLE notice_reminders;
         PRAGMA user_version = 11;",
    )
    .unwrap();
    drop(raw);
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(s.org_by_slug("gov").unwrap(), Some(org.clone()));
    assert!(s.list_webhooks(org.id).unwrap().is_empty());
    assert!(s.list_deliveries(org.id, None, 10).unwrap().is_empty());
}

/// Migration 13 gives the records of a schema-12 database a nonce and, at the next open, their
/// leaves and subtrees, in seq order; later records follow them in the same tree.
#[test]
fn migration_13_puts_older_audit_records_in_the_tree() {
    use store::{AccountStore, AuditQuery, AuditStore};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rrm.db");
    let s = SqliteStore::open(&path).unwrap();
    for i in 0..5 {
        s.append_audit(&store::NewAudit::system(
            "export",
            &format!("t{i}"),
            None,
            "",
        ))
        .unwrap();
    }
    drop(s);
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "DROP TABLE audit_leaves; DROP TABLE audit_nodes; DROP TABLE audit_checkpoints;
         DROP TABLE audit_backfill; DROP TRIGGER account_audit_no_update;
         ALTER TABLE account_audit DROP COLUMN nonce;
         CREATE TRIGGER account_audit_no_update BEFORE UPDATE ON account_audit
         BEGIN SELECT RAISE(ABORT, 'the account audit log is append-only'); END;
         DROP INDEX cases_seq; DROP INDEX cases_by_owner_seq; DROP INDEX case_participants_by_org_seq; ALTER TABLE cases DROP COLUMN seq; ALTER TABLE case_participants DROP COLUMN case_seq; ALTER TABLE cases DROP COLUMN alert_id;
         DROP TABLE domain_events; DROP TABLE notice_decisions; DROP TABLE notices;
         DROP TABLE notice_authorities; DROP TABLE notice_reminders;
         PRAGMA user_version = 12;",
    )
    .unwrap();
    drop(raw);
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    s.append_audit(&store::NewAudit::system("export", "t5", None, ""))
        .unwrap();
    let all = s
        .list_audit(&AuditQuery {
            org_id: None,
            after: 0,
            limit: 100,
        })
        .unwrap();
    assert_eq!(all.len(), 6);
    let mut mem = merkle::MemoryTree::default();
    for (i, e) in all.iter().enumerate() {
        assert_eq!(e.nonce.len(), 16);
        let (index, hash) = e.leaf.expect("a leaf");
        assert_eq!(index, i as u64);
        assert_eq!(hash, merkle::leaf_hash(&e.canonical_bytes()));
        mem.push(hash);
    }
    assert_eq!(s.audit_size().unwrap(), 6);
    let root: Vec<(u32, u64)> = merkle::root_nodes(6)
        .iter()
        .map(|n| (n.level, n.index))
        .collect();
    assert!(s.audit_nodes(&root).unwrap().iter().all(Option::is_some));
    drop(s);
    // Reopening does not add leaves again.
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.audit_size().unwrap(), 6);
    assert_eq!(mem.root(6), {
        let mut t = merkle::MemoryTree::default();
        for e in s
            .list_audit(&AuditQuery {
                org_id: None,
                after: 0,
                limit: 100,
            })
            .unwrap()
        {
            t.push(e.leaf.unwrap().1);
        }
        t.root(6)
    });
}

/// Migration 14 gives the cases of a schema-13 database no alert; new cases record theirs.
#[test]
fn migration_14_adds_the_alert_of_a_case() {
    use store::CaseStore;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rrm.db");
    let s = SqliteStore::open(&path).unwrap();
    let (user, org) = seed(&s);
    let case = |id: &str, alert: Option<&str>| store::CaseRecord {
        id: id.into(),
        owner_org_id: org,
        title: "Case".into(),
        description: String::new(),
        status: "new".into(),
        reopen_reason: None,
        created_by: user,
        created: 10,
        updated: 10,
        alert_id: alert.map(str::to_string),
    };
    let audit = store::NewAudit::system("case.create", "case/k1", Some(org), "");
    s.create_case(&case("k1", None), &[], &audit).unwrap();
    drop(s);
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "DROP INDEX cases_seq; DROP INDEX cases_by_owner_seq; DROP INDEX case_participants_by_org_seq; ALTER TABLE cases DROP COLUMN seq; ALTER TABLE case_participants DROP COLUMN case_seq; ALTER TABLE cases DROP COLUMN alert_id;
         DROP TABLE domain_events; DROP TABLE notice_decisions; DROP TABLE notices;
         DROP TABLE notice_authorities; DROP TABLE notice_reminders;
         PRAGMA user_version = 13;",
    )
    .unwrap();
    drop(raw);
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(s.case("k1").unwrap(), Some(case("k1", None)));
    s.create_case(&case("k2", Some("a1")), &[], &audit).unwrap();
    assert_eq!(
        s.case("k2").unwrap().unwrap().alert_id.as_deref(),
        Some("a1")
    );
}

/// Migration 18 numbers the existing cases in creation order (their rowid) and copies the
/// numbers onto their participant rows, so older cases page like new ones.
#[test]
fn migration_18_numbers_existing_cases_for_pages() {
    use store::{CasePageQuery, CaseRole, CaseStore};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rrm.db");
    let s = SqliteStore::open(&path).unwrap();
    let (user, org) = seed(&s);
    let other = s
        .create_org(&store::NewOrg {
            slug: "other".into(),
            name: "Other".into(),
            sector: store::Sector::Government,
            country: "FR".into(),
            identity_id: "identity--0b0d1f1c-3c55-4a42-8a0b-6f5f6e1c2d3e".into(),
            identity_json: r#"{"type":"identity","id":"identity--0b0d1f1c-3c55-4a42-8a0b-6f5f6e1c2d3e","name":"Other"}"#.into(),
        })
        .unwrap();
    let case = |id: &str| store::CaseRecord {
        id: id.into(),
        owner_org_id: org,
        title: "Case".into(),
        description: String::new(),
        status: "new".into(),
        reopen_reason: None,
        created_by: user,
        created: 10,
        updated: 10,
        alert_id: None,
    };
    let audit = store::NewAudit::system("case.create", "case/k", Some(org), "");
    s.create_case(&case("k1"), &[other.id], &audit).unwrap();
    s.create_case(&case("k2"), &[], &audit).unwrap();
    drop(s);
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "DROP INDEX cases_seq; DROP INDEX cases_by_owner_seq; DROP INDEX case_participants_by_org_seq;
         ALTER TABLE cases DROP COLUMN seq; ALTER TABLE case_participants DROP COLUMN case_seq;
         DROP TABLE notice_decisions; DROP TABLE notices; DROP TABLE notice_authorities;
         DROP TABLE notice_reminders;
         ALTER TABLE domain_events RENAME TO notices; DROP INDEX domain_events_unrelayed;
         CREATE INDEX notices_unrelayed ON notices (seq) WHERE relayed IS NULL;
         PRAGMA user_version = 17;",
    )
    .unwrap();
    drop(raw);
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    s.create_case(&case("k3"), &[other.id], &audit).unwrap();
    let ids = |org_id, role| -> Vec<String> {
        s.case_page(&CasePageQuery {
            org_id,
            role,
            before: None,
            limit: 10,
        })
        .unwrap()
        .into_iter()
        .map(|r| r.case.id)
        .collect()
    };
    assert_eq!(ids(org, CaseRole::Mine), ["k3", "k2", "k1"]);
    assert_eq!(ids(other.id, CaseRole::Participating), ["k3", "k1"]);
    assert_eq!(ids(other.id, CaseRole::All), ["k3", "k1"]);
}

/// Migration 17 adds the notices table to a schema-16 database, whose data it keeps (migration
/// 18 runs after it); status changes then write their notices.
#[test]
fn migration_17_adds_notices() {
    use store::{CaseStore, NotifyStore};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rrm.db");
    let s = SqliteStore::open(&path).unwrap();
    let (user, org) = seed(&s);
    let case = store::CaseRecord {
        id: "k1".into(),
        owner_org_id: org,
        title: "Case".into(),
        description: String::new(),
        status: "new".into(),
        reopen_reason: None,
        created_by: user,
        created: 10,
        updated: 10,
        alert_id: None,
    };
    let audit = store::NewAudit::system("case.create", "case/k1", Some(org), "");
    s.create_case(&case, &[], &audit).unwrap();
    drop(s);
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "DROP TABLE domain_events; DROP TABLE notice_decisions; DROP TABLE notices;
         DROP TABLE notice_authorities; DROP TABLE notice_reminders; DROP INDEX cases_seq; DROP INDEX cases_by_owner_seq;
         DROP INDEX case_participants_by_org_seq; ALTER TABLE cases DROP COLUMN seq;
         ALTER TABLE case_participants DROP COLUMN case_seq; PRAGMA user_version = 16;",
    )
    .unwrap();
    drop(raw);
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(s.case("k1").unwrap(), Some(case));
    assert!(s.claim_domain_events(1, 2, 10).unwrap().is_empty());
    let notice = store::NewDomainEvent {
        id: "n1".into(),
        domain: "cases".into(),
        kind: "status".into(),
        subject_id: "k1".into(),
        payload: "{}".into(),
        orgs: vec![org],
        created: 5,
    };
    assert!(s
        .set_case_status("k1", "new", "open", None, 20, &audit, &[notice])
        .unwrap());
    let claimed = s.claim_domain_events(10, 20, 10).unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].orgs, [org]);
}

/// The notice timings of a period walk the send-time indexes (the sender's, the recipient's,
/// everyone's), never a scan of every notice.
#[test]
fn notice_timings_use_their_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("rrm.db")).unwrap();
    for (name, lines) in store.notice_timing_plans().unwrap() {
        let text = lines.join(" | ");
        let wanted: &[&str] = if name == "party" {
            &["notices_sent_by_sender", "notices_sent_by_recipient"]
        } else {
            &["notices_sent"]
        };
        for index in wanted {
            assert!(text.contains(index), "{name}: {text}");
        }
        assert!(!text.contains("SCAN n"), "{name} scans: {text}");
    }
}
