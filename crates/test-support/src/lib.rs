//! test-support: fixtures shared by the integration tests of `hub`, the service crates and
//! `server` (dev-only, never published): a hub on a real SQLite file, with the store kept by
//! the test (the hub does not hand it out), and STIX object builders.
//!
//! ```
//! let t = test_support::new_hub();
//! let p = test_support::org_with_user(&t.hub, "gov-ca", "alice", store::Role::Analyst);
//! assert_eq!(p.org.slug, "gov-ca");
//! let obj = test_support::marked(test_support::indicator(&test_support::new_id("indicator"), 1), store::Tlp::Green);
//! assert_eq!(obj["modified"], test_support::ts(1));
//! ```

use hub::Actor;
use std::sync::Arc;

use hub::{Hub, HubConfig, Principal};
use serde_json::{json, Value};
use store::{Access, Role, Sector, Tlp};
use store_sqlite::SqliteStore;

/// A hub on a fresh SQLite file, and the store under it; the tempdir must outlive both.
pub struct TestHub {
    pub hub: Hub,
    /// The store the hub runs on, for tests that check what was stored and for the service
    /// crates (`Banks::new(hub, store)`).
    pub store: Arc<SqliteStore>,
    pub dir: tempfile::TempDir,
}

/// A hub on a fresh SQLite database file in a tempdir, with cursor key `[42; 32]`.
pub fn new_hub() -> TestHub {
    new_hub_with_key([42u8; 32])
}

/// A hub on a fresh SQLite database file in a tempdir, with the given cursor key.
pub fn new_hub_with_key(cursor_key: [u8; 32]) -> TestHub {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(SqliteStore::open(&dir.path().join("hub.db")).expect("open store"));
    let hub = Hub::new(store.clone(), HubConfig::new(cursor_key)).expect("hub");
    TestHub { hub, store, dir }
}

pub const RW: Access = Access {
    read: true,
    write: true,
};
pub const RO: Access = Access {
    read: true,
    write: false,
};

/// Creates an org and one user of the given role in it; returns the principal.
pub fn org_with_user(hub: &Hub, slug: &str, user: &str, role: Role) -> Principal {
    if hub.org_by_slug(slug).unwrap().is_none() {
        hub.add_org(
            Actor::Operator,
            slug,
            &format!("Org {slug}"),
            Sector::Government,
            "ca",
        )
        .unwrap();
    }
    hub.add_user(Actor::Operator, slug, user, role, None)
        .unwrap();
    hub.principal_for(user).unwrap()
}

/// A random STIX id of a type.
pub fn new_id(t: &str) -> String {
    format!("{t}--{}", uuid::Uuid::new_v4())
}

/// A timestamp with millisecond precision, `n` seconds after 2026-01-01 (any `n`: days roll
/// over).
pub fn ts(n: u32) -> String {
    let h = n / 3600;
    let m = (n / 60) % 60;
    let s = n % 60;
    format!("2026-01-{:02}T{:02}:{m:02}:{s:02}.000Z", 1 + h / 24, h % 24)
}

/// A valid indicator with the given id and modified time (`created` = ts(0)).
pub fn indicator(id: &str, modified: u32) -> Value {
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": id,
        "created": ts(0),
        "modified": ts(modified),
        "name": "bad domain",
        "description": "a domain used by the campaign",
        "pattern": "[domain-name:value = 'evil.example']",
        "pattern_type": "stix",
        "valid_from": ts(0),
    })
}

/// Marks an object with a TLP level.
pub fn marked(mut obj: Value, tlp: Tlp) -> Value {
    obj["object_marking_refs"] = json!([tlp.marking_id()]);
    obj
}

/// Adds rrm recipients to an object.
pub fn with_recipients(mut obj: Value, recipients: &[String]) -> Value {
    obj["extensions"] = json!({
        stix::RECIPIENTS_EXTENSION_ID: {
            "extension_type": "property-extension",
            "recipient_refs": recipients,
        }
    });
    obj
}

/// Adds a granular marking of `tlp` on the given selectors, after any the object has (the one
/// meaning of `granular` in every crate's tests).
pub fn granular(mut obj: Value, tlp: Tlp, selectors: &[&str]) -> Value {
    let entry = json!({ "marking_ref": tlp.marking_id(), "selectors": selectors });
    match obj
        .get_mut("granular_markings")
        .and_then(Value::as_array_mut)
    {
        Some(list) => list.push(entry),
        None => obj["granular_markings"] = json!([entry]),
    }
    obj
}

/// Every object of a collection the principal sees (all versions), through paging.
pub fn read_all(hub: &Hub, p: &Principal, collection: &str, f: &hub::ObjectFilter) -> Vec<Value> {
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = hub
            .get_objects(p, collection, f, Some(7), next.as_deref())
            .unwrap();
        out.extend(page.objects);
        if !page.more {
            return out;
        }
        next = Some(page.next.expect("more implies next"));
    }
}

/// The ids of a list of objects.
pub fn ids(objs: &[Value]) -> Vec<String> {
    objs.iter()
        .map(|o| o["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// A DSA Transparency Database statement of reasons for content `puid` that is complete under
/// the Database's current rules: the one place the Rust tests write these fields.
pub fn sor_statement(puid: &str) -> Value {
    json!({
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": "Platform manipulation policy, section 2",
        "incompatible_content_explanation": "The account is part of a coordinated inauthentic network.",
        "category": "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
        "content_type": ["CONTENT_TYPE_TEXT"],
        "automated_detection": "No",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
        "application_date": "2026-11-30",
        "decision_facts": "Removed after review of the notice and the account's activity.",
        "source_type": "SOURCE_ARTICLE_16",
        "puid": puid,
        "territorial_scope": ["DE", "FR"],
        "content_date": "2026-11-29",
        "content_language": "EN"
    })
}
