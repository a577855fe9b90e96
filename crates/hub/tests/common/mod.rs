//! Shared helpers of the hub's integration tests: a hub on a real SQLite file and STIX
//! object builders.
#![allow(dead_code)]

use hub::Actor;
use std::sync::Arc;

use hub::{Hub, HubConfig, Principal};
use serde_json::{json, Value};
use store::{Access, Role, Sector, Tlp};

/// A hub on a fresh SQLite file; the tempdir must outlive the hub.
pub struct TestHub {
    pub hub: Hub,
    /// The store under the hub, for services that take their own store.
    pub store: Arc<store_sqlite::SqliteStore>,
    pub dir: tempfile::TempDir,
}

/// A hub on a fresh SQLite database file in a tempdir.
pub fn new_hub() -> TestHub {
    let dir = tempfile::tempdir().expect("tempdir");
    let store =
        Arc::new(store_sqlite::SqliteStore::open(&dir.path().join("hub.db")).expect("open store"));
    let hub = Hub::new(store.clone(), HubConfig::new([42u8; 32])).expect("hub");
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
    if hub.store().org_by_slug(slug).unwrap().is_none() {
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

/// A timestamp with millisecond precision, `n` seconds after 2026-01-01.
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

/// Adds a granular marking of `tlp` on the given selectors.
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
